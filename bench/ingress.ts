/**
 * Ingress throughput and latency: autocannon posts signed WAHA `message` webhooks (every request a distinct
 * WhatsApp message id, so every one is a real enqueue) to `relay ingress`, and the same bodies to a bare Express
 * handler answering 200 (bench/fixtures/bareExpress.ts), each server in its own process on this machine.
 * Both servers get the same warm-up (`--warmup` seconds of saturation) before they are measured. Runs: saturation
 * (max req/s) of each; then both at a fixed rate of `--at` × the bare handler's max (default 0.5, the target) to
 * read p50/p99 there, once with autocannon's `overallRate` and once with an evenly paced open-loop load (see
 * {@link pacedLoad}); then the ingress at half its own maximum.
 *
 *   node --import tsx bench/ingress.ts [--duration 10] [--connections 20] [--at 0.5] [--warmup 5]
 *
 * CPU columns (from /proc): CPU time per answered request of the load generator (this process), the server under
 * test and Redis, and `other CPU`, the machine's CPU time outside those three during the run in % of all CPUs: a run
 * with a high value was disturbed by something else on the machine. Stall columns: the longest event-loop delay of
 * the load generator and of the ingress (its `/metrics`) during the run, and the ingress's GC time: they tell a slow
 * answer caused by the generator, the server or the rest of the machine apart. The load generator collects its own
 * garbage before every run, and the ingress's bodies are signed just before each run, every one a new message id.
 * Uses REDIS_URL, else redis://127.0.0.1:6379 (keys under a fresh prefix, deleted afterwards).
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { cpus } from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { signWahaBody } from '@relay/domain';
import { buildTextMessage, freePort } from '@relay/testing';
import autocannon from 'autocannon';
import { Redis } from 'ioredis';
import {
  deletePrefix,
  fmt,
  printHeader,
  REDIS_URL,
  spawnNode,
  stop,
  table,
  waitForHttp,
} from './fixtures/common.js';

const { values } = parseArgs({
  options: {
    duration: { type: 'string', default: '10' },
    connections: { type: 'string', default: '20' },
    at: { type: 'string', default: '0.5' },
    warmup: { type: 'string', default: '5' },
  },
});
const duration = Number(values.duration);
const connections = Number(values.connections);
const at = Number(values.at);
const warmupS = Number(values.warmup);
const HMAC_KEY = 'bench-hmac-key';
// A full GC before each measured run, without asking for `node --expose-gc` on the command line.
setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

const redis = new Redis(REDIS_URL);
await printHeader('ingress.ts', redis);
const redisPid = Number(/process_id:(\d+)/.exec(await redis.info('server'))?.[1] ?? 0);
console.log(
  `autocannon: ${connections} connections, ${duration} s per run (after ${warmupS} s of warm-up per server), ` +
    `POST /webhooks/waha, signed (HMAC-SHA512) GOWS text messages over 1000 chats, every body a new message id\n`,
);

type Body = { body: string; headers: Record<string, string> };

/** Pre-signed bodies: signing is not part of the load generator's cost. */
function makeBodies(count: number): Body[] {
  return Array.from({ length: count }, (_, i) => {
    const envelope = buildTextMessage({
      chatId: `3162${String(i % 1000).padStart(7, '0')}@c.us`,
      body: `bench message ${i}`,
    });
    const body = JSON.stringify(envelope);
    return {
      body,
      headers: {
        'content-type': 'application/json',
        'user-agent': 'WAHA/2026.7.1',
        'x-webhook-request-id': randomUUID(),
        'x-webhook-timestamp': String(envelope.timestamp),
        'x-webhook-hmac': signWahaBody(body, HMAC_KEY),
        'x-webhook-hmac-algorithm': 'sha512',
      },
    };
  });
}

/** What a load generator saw in one run. Latencies in ms. */
interface LoadResult {
  reqPerSec: number;
  p50: number;
  p99: number;
  max: number;
  ok: number;
  failed: number;
}

/** A run with the CPU time spent meanwhile (null when /proc is not readable). */
interface RunResult extends LoadResult {
  /** CPU time of this process (the load generator) per answered request, µs. */
  loadCpuUs: number | null;
  /** CPU time of the server under test per answered request, µs. */
  serverCpuUs: number | null;
  /** CPU time of Redis per answered request, µs (null when Redis is not a process on this machine). */
  redisCpuUs: number | null;
  /** CPU time of all other processes (not this one, the server or Redis), in % of all CPUs: noise. */
  otherCpuPct: number | null;
  /** Longest event-loop delay of the load generator during the run, ms: a stall here delays requests itself. */
  loadStallMs: number;
  /** The ingress's longest event-loop delay, GC time and GC pauses over 10 ms during the run (its metrics). */
  server: { lagMaxMs: number; gcMs: number; gcOver10Ms: number } | null;
}

interface Run {
  label: string;
  result: RunResult;
}

/** Closed loop: `connections` connections, each sending its next request when the previous answer arrived. */
async function cannon(
  url: string,
  bodies: Body[],
  overallRate?: number,
  seconds = duration,
  reuseOk = false,
) {
  let next = 0;
  const result = await autocannon({
    url,
    connections,
    duration: seconds,
    ...(overallRate ? { overallRate } : {}),
    requests: [
      {
        method: 'POST',
        setupRequest: (req) => {
          const item = bodies[next++ % bodies.length]!;
          return { ...req, body: item.body, headers: item.headers };
        },
      },
    ],
  });
  if (next > bodies.length && !reuseOk)
    console.warn(`(${url}: bodies reused after ${bodies.length}; raise the count)`);
  return result;
}

const fromAutocannon = (result: autocannon.Result): LoadResult => ({
  reqPerSec: result.requests.average,
  p50: result.latency.p50,
  p99: result.latency.p99,
  max: result.latency.max,
  ok: result['2xx'],
  failed: result.non2xx + result.errors + result.timeouts,
});

/**
 * Open loop: request i is due at start + i / rate and is written then on one of `connections` keep-alive sockets
 * (waiting for a free one if all are busy: one request per socket at a time, as autocannon does); its latency runs
 * from when it was due to the end of the answer, so time spent queued behind a slow server counts. autocannon's
 * `overallRate` instead lets every connection send its per-second quota back to back at the start of each second
 * (autocannon 9 `lib/httpClient.js`, `rateInterval`), i.e. a burst at full speed then idle, and corrects for
 * coordinated omission with an expected interval of `Math.ceil(1 / rate)` = 1 ms (`lib/run.js`), which counts every
 * slow answer many times over: its p99 "at a rate" is close to a saturated p99. Plain sockets and pre-built request
 * bytes keep this generator's CPU per request close to autocannon's (the `load gen CPU` column shows both); Node's
 * timers make it late by up to ~1 ms, for both servers alike.
 */
async function pacedLoad(
  url: string,
  requests: Buffer[],
  rate: number,
  seconds = duration,
  reuseOk = false,
): Promise<LoadResult> {
  const target = new URL(url);
  const total = Math.round(rate * seconds);
  const intervalMs = 1000 / rate;
  const latencies: number[] = [];
  let ok = 0;
  let failed = 0;
  let answered = 0;
  let written = 0; // requests written so far; request i is due at start + i × intervalMs
  let start = 0;
  const dueAt = new Map<Socket, number>(); // socket → when its request in flight was due
  const idle: Socket[] = [];
  let finished = () => {};
  const dueCount = () => Math.min(total, Math.floor((performance.now() - start) / intervalMs) + 1);
  /** Writes the oldest due request on `socket`, or parks the socket. */
  const writeNext = (socket: Socket) => {
    if (written >= dueCount()) {
      idle.push(socket);
      return;
    }
    dueAt.set(socket, start + written * intervalMs);
    socket.write(requests[written++ % requests.length]!);
  };
  const settle = (status: number) => {
    if (status >= 200 && status < 300) ok++;
    else failed++;
    if (++answered === total) finished();
  };
  const open = () =>
    new Promise<Socket>((opened, failedToOpen) => {
      const socket = connect(Number(target.port), target.hostname, () => opened(socket));
      socket.setNoDelay(true);
      let received: Buffer = Buffer.alloc(0);
      socket.on('data', (chunk: Buffer) => {
        received = received.length === 0 ? chunk : Buffer.concat([received, chunk]);
        const headEnd = received.indexOf('\r\n\r\n');
        if (headEnd < 0) return;
        const head = received.subarray(0, headEnd).toString('latin1');
        const length = Number(/\r\ncontent-length: *(\d+)/i.exec(head)?.[1] ?? 0);
        if (received.length < headEnd + 4 + length) return;
        received = received.subarray(headEnd + 4 + length);
        latencies.push(performance.now() - dueAt.get(socket)!);
        dueAt.delete(socket);
        settle(Number(head.slice(9, 12))); // "HTTP/1.1 200 …"
        writeNext(socket);
      });
      socket.on('error', failedToOpen); // after the connect, 'close' follows and is handled below
      // A server closing a connection mid-request fails that request; the run goes on with one socket less.
      socket.on('close', () => {
        if (idle.includes(socket)) idle.splice(idle.indexOf(socket), 1);
        if (dueAt.delete(socket)) settle(0);
      });
    });
  const sockets = await Promise.all(Array.from({ length: connections }, open));
  start = performance.now();
  idle.push(...sockets);
  await new Promise<void>((resolve) => {
    finished = resolve;
    const tick = () => {
      while (idle.length > 0 && written < dueCount()) writeNext(idle.pop()!);
      if (written < total) setTimeout(tick, Math.max(0, start + written * intervalMs - performance.now()));
    };
    tick();
  });
  const elapsedS = (performance.now() - start) / 1000;
  for (const socket of sockets) socket.destroy();
  if (total > requests.length && !reuseOk)
    console.warn(`(${url}: bodies reused after ${requests.length}; raise the count)`);
  latencies.sort((a, b) => a - b);
  const percentile = (p: number) =>
    latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))] ?? 0;
  return {
    reqPerSec: (ok + failed) / elapsedS,
    p50: percentile(0.5),
    p99: percentile(0.99),
    max: latencies.at(-1) ?? 0,
    ok,
    failed,
  };
}

/**
 * The bytes of one HTTP/1.1 request per body, built before a paced run (autocannon builds each request as it
 * sends it; this is cheaper).
 */
function requestBytes(url: string, bodies: Body[]): Buffer[] {
  const target = new URL(url);
  return bodies.map((item) => {
    // autocannon adds `Content-Length` to the headers objects it was given: leave it out, it is set below.
    const head = Object.entries(item.headers)
      .filter(([name]) => name.toLowerCase() !== 'content-length')
      .map(([name, value]) => `${name}: ${value}\r\n`);
    return Buffer.from(
      `POST ${target.pathname} HTTP/1.1\r\nhost: ${target.host}\r\n${head.join('')}` +
        `content-length: ${Buffer.byteLength(item.body)}\r\n\r\n${item.body}`,
    );
  });
}

/** Clock ticks of CPU time: the whole machine (busy), or one process (user + system); null without /proc. */
function machineBusyTicks(): number | null {
  try {
    const fields = readFileSync('/proc/stat', 'utf8')
      .split('\n')[0]!
      .trim()
      .split(/\s+/)
      .slice(1)
      .map(Number);
    // user nice system idle iowait irq softirq steal: busy = all but idle and iowait.
    return fields.slice(0, 8).reduce((sum, value, i) => (i === 3 || i === 4 ? sum : sum + value), 0);
  } catch {
    return null;
  }
}
function processTicks(pid: number | undefined): number {
  if (!pid) return 0;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]); // utime + stime
  } catch {
    return 0;
  }
}
const TICKS_PER_S = 100;

/** Runs `load` and adds the CPU time the server, Redis and the rest of the machine (noise) used meanwhile. */
/**
 * The ingress's own stalls and GC since the last call, from its Prometheus metrics (prom-client's default ones:
 * the event-loop delay histogram is reset at every scrape; GC pauses are a cumulative histogram).
 */
async function serverStalls(
  metricsUrl: string,
): Promise<{ lagMaxMs: number; gcMs: number; gcOver10Ms: number }> {
  const text = await (await fetch(metricsUrl)).text();
  const sum = (pattern: RegExp) =>
    [...text.matchAll(pattern)].reduce((total, match) => total + Number(match[1]), 0);
  return {
    lagMaxMs: sum(/^relay_nodejs_eventloop_lag_max_seconds ([\d.e+-]+)$/gm) * 1000,
    gcMs: sum(/^relay_nodejs_gc_duration_seconds_sum{[^}]*} ([\d.e+-]+)$/gm) * 1000,
    gcOver10Ms:
      sum(/^relay_nodejs_gc_duration_seconds_count{[^}]*} ([\d.e+-]+)$/gm) -
      sum(/^relay_nodejs_gc_duration_seconds_bucket{le="0.01",[^}]*} ([\d.e+-]+)$/gm),
  };
}

async function measured(
  serverPid: number | undefined,
  load: () => Promise<LoadResult>,
  metricsUrl?: string,
): Promise<RunResult> {
  const snapshot = () => ({
    machine: machineBusyTicks(),
    self: processTicks(process.pid),
    server: processTicks(serverPid),
    redis: processTicks(redisPid),
  });
  collectGarbage(); // the load generator's own garbage (bodies built for the run) is not collected mid-run
  const stalls = monitorEventLoopDelay({ resolution: 5 });
  const serverBefore = metricsUrl ? await serverStalls(metricsUrl) : null;
  const before = snapshot();
  const t0 = performance.now();
  stalls.enable();
  const result = await load();
  stalls.disable();
  const after = snapshot();
  const serverAfter = metricsUrl ? await serverStalls(metricsUrl) : null;
  const elapsedS = (performance.now() - t0) / 1000;
  const answered = result.ok + result.failed;
  const perRequestUs = (ticks: number) => (answered > 0 ? (ticks / TICKS_PER_S / answered) * 1e6 : null);
  const ours = (['self', 'server', 'redis'] as const).reduce((sum, key) => sum + after[key] - before[key], 0);
  return {
    ...result,
    loadStallMs: stalls.max / 1e6,
    server:
      serverBefore && serverAfter
        ? {
            lagMaxMs: serverAfter.lagMaxMs,
            gcMs: serverAfter.gcMs - serverBefore.gcMs,
            gcOver10Ms: serverAfter.gcOver10Ms - serverBefore.gcOver10Ms,
          }
        : null,
    loadCpuUs: after.self > 0 ? perRequestUs(after.self - before.self) : null,
    serverCpuUs: after.server > 0 ? perRequestUs(after.server - before.server) : null,
    redisCpuUs: after.redis > 0 ? perRequestUs(after.redis - before.redis) : null,
    otherCpuPct:
      before.machine === null || after.machine === null
        ? null
        : (Math.max(0, after.machine - before.machine - ours) / (elapsedS * TICKS_PER_S * cpus().length)) *
          100,
  };
}

const runs: Run[] = [];
/** Bodies for `seconds` at up to `rate` req/s, each a new message id (the bare handler's are reused). */
const bodiesFor = (rate: number, seconds: number) => makeBodies(Math.ceil(rate * seconds * 1.05) + 1000);
const barePool = makeBodies(20_000);

// Bare Express.
const barePort = await freePort();
const bare = spawnNode(['--import', 'tsx', 'bench/fixtures/bareExpress.ts', String(barePort)], {});
const bareUrl = `http://127.0.0.1:${barePort}/webhooks/waha`;
await waitUntilListening(bareUrl);
await cannon(bareUrl, barePool, undefined, warmupS, true); // warm-up (JIT, heap)
const bareMax = await measured(bare.pid, async () =>
  fromAutocannon(await cannon(bareUrl, barePool, undefined, duration, true)),
);
runs.push({ label: 'bare Express, saturated', result: bareMax });

// The relay ingress: bodies signed just before each run and sized from the bare maximum (the ingress does not
// answer faster), so every request it gets is a new message and a real enqueue.
const prefix = `bench-ingress-${randomUUID().slice(0, 8)}`;
const ingressPort = await freePort();
const ingress = spawnNode(['bin/relay.js', 'ingress'], {
  REDIS_URL,
  REDIS_PREFIX: prefix,
  HOST: '127.0.0.1',
  PORT: String(ingressPort),
  LOG_LEVEL: 'warn',
  CHATWOOT_BASE_URL: 'http://127.0.0.1:9',
  CHATWOOT_API_TOKEN: 'bench-token',
  CHATWOOT_ACCOUNT_ID: '1',
  CHATWOOT_INBOX_ID: '1',
  WAHA_BASE_URL: 'http://127.0.0.1:9',
  WAHA_WEBHOOK_HMAC_KEY: HMAC_KEY,
  // No worker drains the queues here: keep the backpressure threshold (503) out of the measurement.
  INGRESS_MAX_QUEUE_DEPTH: '100000000',
});
const ingressUrl = `http://127.0.0.1:${ingressPort}/webhooks/waha`;
const ingressMetrics = `http://127.0.0.1:${ingressPort}/metrics`;
try {
  await waitForHttp(`http://127.0.0.1:${ingressPort}/readyz`, 60_000);
  const warmUp = await cannon(ingressUrl, bodiesFor(bareMax.reqPerSec, warmupS), undefined, warmupS);
  let bodies = bodiesFor(bareMax.reqPerSec, duration);
  const ingressMax = await measured(
    ingress.pid,
    async () => fromAutocannon(await cannon(ingressUrl, bodies)),
    ingressMetrics,
  );
  runs.push({ label: 'relay ingress, saturated', result: ingressMax });
  const rate = Math.round(bareMax.reqPerSec * at);
  bodies = bodiesFor(rate, duration);
  const ingressAt = await measured(
    ingress.pid,
    async () => fromAutocannon(await cannon(ingressUrl, bodies, rate)),
    ingressMetrics,
  );
  runs.push({ label: `relay ingress at ${rate} req/s (${at} × bare max), autocannon`, result: ingressAt });
  const bareAt = await measured(bare.pid, async () =>
    fromAutocannon(await cannon(bareUrl, barePool, rate, duration, true)),
  );
  runs.push({ label: `bare Express at ${rate} req/s, autocannon`, result: bareAt });
  let requests = requestBytes(ingressUrl, bodiesFor(rate, duration));
  const ingressPaced = await measured(
    ingress.pid,
    () => pacedLoad(ingressUrl, requests, rate),
    ingressMetrics,
  );
  runs.push({ label: `relay ingress at ${rate} req/s (${at} × bare max), paced`, result: ingressPaced });
  requests = requestBytes(bareUrl, barePool);
  const barePaced = await measured(bare.pid, () => pacedLoad(bareUrl, requests, rate, duration, true));
  runs.push({ label: `bare Express at ${rate} req/s, paced`, result: barePaced });
  // And at half the ingress's own maximum, for the latency at a rate it sustains.
  const half = Math.round(ingressMax.reqPerSec / 2);
  requests = requestBytes(ingressUrl, bodiesFor(half, duration));
  const ingressHalf = await measured(
    ingress.pid,
    () => pacedLoad(ingressUrl, requests, half),
    ingressMetrics,
  );
  runs.push({ label: `relay ingress at ${half} req/s (0.5 × its max), paced`, result: ingressHalf });

  const ms = (value: number) => (Number.isInteger(value) ? String(value) : value.toFixed(1));
  const rows = runs.map(({ label, result }) => [
    label,
    fmt(result.reqPerSec),
    ms(result.p50),
    ms(result.p99),
    ms(result.max),
    String(result.ok),
    String(result.failed),
    result.loadCpuUs === null ? '?' : fmt(result.loadCpuUs),
    result.serverCpuUs === null ? '?' : fmt(result.serverCpuUs),
    result.redisCpuUs === null ? '?' : fmt(result.redisCpuUs),
    result.otherCpuPct === null ? '?' : `${result.otherCpuPct.toFixed(0)} %`,
    fmt(result.loadStallMs),
    result.server ? fmt(result.server.lagMaxMs) : '',
    result.server ? `${fmt(result.server.gcMs)} (${result.server.gcOver10Ms})` : '',
  ]);
  console.log(
    table(
      [
        'server, load',
        'req/s (mean)',
        'p50 ms',
        'p99 ms',
        'max ms',
        '2xx',
        'non-2xx/errors',
        'load gen CPU µs/req',
        'server CPU µs/req',
        'Redis CPU µs/req',
        'other CPU',
        'load gen stall ms',
        'server stall ms',
        'server GC ms (pauses > 10 ms)',
      ],
      rows,
    ),
  );
  const ratio = ingressMax.reqPerSec / bareMax.reqPerSec;
  const queued = await countQueued(prefix);
  console.log(
    `\ningress / bare throughput: ${(ratio * 100).toFixed(1)} % (target ≥ 50 %); ingress p99 at ${rate} req/s: ` +
      `${ms(ingressPaced.p99)} ms paced, ${ms(ingressAt.p99)} ms with autocannon's overallRate (target < 20 ms)`,
  );
  const cpu = (value: number | null) => (value === null ? '?' : fmt(value));
  console.log(
    `CPU per request, saturated: ingress ${cpu(ingressMax.serverCpuUs)} µs + Redis ${cpu(ingressMax.redisCpuUs)} µs, ` +
      `bare Express ${cpu(bareMax.serverCpuUs)} µs`,
  );
  const accepted = runs.filter((r) => r.label.startsWith('relay')).reduce((n, r) => n + r.result.ok, 0);
  console.log(
    `jobs in Redis after the runs: ${queued}; 2xx answers of the ingress: ${accepted + warmUp['2xx']} ` +
      `(requests in flight when an autocannon run stops, at most ${connections} per run, are enqueued but not counted)`,
  );
} finally {
  await stop(ingress);
  await stop(bare);
  await deletePrefix(redis, prefix);
  redis.disconnect();
}

/** Sum of the `inbound-*` queues' waiting lists of the run (BullMQ keys `<prefix>:<queue>:wait`). */
async function countQueued(keyPrefix: string): Promise<number> {
  let total = 0;
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${keyPrefix}:inbound-*:wait`, 'COUNT', 1000);
    cursor = next;
    for (const key of keys) total += await redis.llen(key);
  } while (cursor !== '0');
  return total;
}

async function waitUntilListening(url: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      await fetch(url, { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } });
      return;
    } catch {
      if (Date.now() > deadline) throw new Error(`${url} not listening`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}
