/**
 * End-to-end throughput: messages posted as signed WAHA webhooks through the relay ingress are mirrored by 1, 2 and
 * 4 spawned `relay worker` processes into a Chatwoot simulator with no rate limit (budget 10⁷ per minute, up to
 * `--max-concurrent-calls` in flight, default 64) and a fixed answer latency (`--latency-ms`, default 0; the
 * simulator answers any number of calls at once, so latency does not make Chatwoot the limit), and the mirrored
 * messages per second are measured side by side.
 *
 *   node --import tsx bench/throughput.ts [--mode live|backlog] [--procs 1,2,4] [--chats 200] [--per-chat 10]
 *      [--concurrency 8] [--partitions 32] [--latency-ms 0]
 *      [--max-concurrent-calls 64]
 *
 * Per run a fresh Redis prefix. `--mode live` (default): the workers are spawned and every /readyz answers 200, then
 * all messages are posted (16 at a time) and the rate is messages ÷ (last message created − first post).
 * `--mode backlog`: all messages are accepted first with no worker running, then the workers are spawned; the rate
 * is counted from the moment every worker's /readyz answers 200 to the last message created (messages created
 * before that are left out). The ingress and both simulators run in this process; its CPU share is printed so you
 * can see whether "Chatwoot" was the limit, with Redis's and the whole machine's (from /proc/stat), which tell when
 * the machine's CPUs are. Uses REDIS_URL, else redis://127.0.0.1:6379.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { buildTextMessage, freePort } from '@relay/testing';
import { Redis } from 'ioredis';
import { type RelayHarness, type SpawnedWorker, startRelayHarness } from '../test/support/relayHarness.js';
import { deletePrefix, fmt, printHeader, REDIS_URL, table, waitForHttp } from './fixtures/common.js';

const { values } = parseArgs({
  options: {
    procs: { type: 'string', default: '1,2,4' },
    chats: { type: 'string', default: '200' },
    'per-chat': { type: 'string', default: '10' },
    concurrency: { type: 'string', default: '8' },
    partitions: { type: 'string', default: '32' },
    mode: { type: 'string', default: 'live' },
    'latency-ms': { type: 'string', default: '0' },
    'max-concurrent-calls': { type: 'string', default: '64' },
  },
});
const procCounts = values.procs.split(',').map(Number);
const CHATS = Number(values.chats);
const PER_CHAT = Number(values['per-chat']);
const TOTAL = CHATS * PER_CHAT;
const LIVE = values.mode !== 'backlog';
const LATENCY_MS = Number(values['latency-ms']);
const MAX_CONCURRENT_CALLS = Number(values['max-concurrent-calls']);

const redis = new Redis(REDIS_URL);
await printHeader('throughput.ts', redis);
console.log(
  `${TOTAL} messages (${CHATS} new chats × ${PER_CHAT}), WORKER_CONCURRENCY=${values.concurrency}, ` +
    `INBOUND_PARTITIONS=${values.partitions}, lock 30 s, stalled check 30 s, mode ${LIVE ? 'live' : 'backlog'}; ` +
    `Chatwoot simulator unthrottled (CHATWOOT_MAX_CONCURRENT_CALLS=${MAX_CONCURRENT_CALLS}), ${LATENCY_MS} ms latency\n`,
);

const chatId = (chat: number) => `3163${String(chat).padStart(7, '0')}@c.us`;

const redisPid = Number(/process_id:(\d+)/.exec(await redis.info('server'))?.[1]);

/** Busy and total CPU time of the whole machine (all CPUs), from /proc/stat (Linux); null elsewhere. */
function machineCpu(): { busy: number; total: number } | null {
  try {
    const [user, nice, system, idle, iowait, irq, softirq, steal] = readFileSync('/proc/stat', 'utf8')
      .split('\n')[0]!
      .trim()
      .split(/\s+/)
      .slice(1)
      .map(Number) as number[];
    const busy = user! + nice! + system! + irq! + softirq! + steal!;
    return { busy, total: busy + idle! + iowait! };
  } catch {
    return null;
  }
}

/** CPU seconds (user + system) of a process, from /proc (Linux); null elsewhere. */
function cpuSeconds(pid: number | undefined): number | null {
  if (!pid) return null;
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return null;
  }
}

async function postAll(relay: RelayHarness): Promise<void> {
  let next = 0;
  const post = async () => {
    for (let i = next++; i < TOTAL; i = next++) {
      const chat = i % CHATS;
      const index = Math.floor(i / CHATS);
      const answer = await relay.post(
        buildTextMessage({ chatId: chatId(chat), body: `chat ${chat} #${index}` }),
      );
      if (answer.status !== 200) throw new Error(`ingress answered ${answer.status}`);
    }
  };
  await Promise.all(Array.from({ length: 16 }, post));
}

/**
 * Commands Redis has run so far, those run inside Lua scripts included (the sum of INFO commandstats): the work
 * the relay asks of the Redis every worker shares. Counts every client of this Redis, the bench's own polling too.
 */
async function redisCalls(): Promise<number> {
  const stats = await redis.info('commandstats');
  return [...stats.matchAll(/calls=(\d+)/g)].reduce((sum, match) => sum + Number(match[1]), 0);
}

interface Row {
  procs: number;
  rate: number;
  counted: number;
  seconds: number;
  calls: number;
  workerCpu: string;
  benchCpu: string;
  redisCpu: string;
  redisCallsPerMessage: number;
  machineCpu: string;
  audit: string;
}

const rows: Row[] = [];
for (const procs of procCounts) {
  const prefix = `bench-tp-${procs}p-${Date.now().toString(36)}`;
  const relay = await startRelayHarness({
    redisUrl: REDIS_URL,
    prefix,
    budget: { perWindow: 10_000_000, windowMs: 60_000, maxConcurrent: MAX_CONCURRENT_CALLS },
    // Production lock and stalled-check timing, not the harness's test-speed settings (a stalled check per
    // partition worker per second would be measured as the relay's cost).
    env: {
      WORKER_CONCURRENCY: values.concurrency,
      INBOUND_PARTITIONS: values.partitions,
      WORKER_LOCK_DURATION_MS: '30000',
      WORKER_STALLED_INTERVAL_MS: '30000',
    },
  });
  relay.chatwoot.setLatency(LATENCY_MS);
  const workers: SpawnedWorker[] = [];
  try {
    if (!LIVE) await postAll(relay);
    const ports = await Promise.all(Array.from({ length: procs }, () => freePort()));
    for (const port of ports) workers.push(await relay.spawnWorker({ WORKER_PORT: String(port) }));
    await Promise.all(ports.map((port) => waitForHttp(`http://127.0.0.1:${port}/readyz`, 120_000)));
    const readyAt = performance.now();
    const atReady = relay.chatwoot.allMessages(1).length;
    const callsAtReady = relay.chatwoot.requests.length;
    const cpuAtReady = workers.map((w) => cpuSeconds(w.child.pid));
    const benchCpuAtReady = process.cpuUsage();
    const redisCpuAtReady = cpuSeconds(redisPid);
    const redisCallsAtReady = await redisCalls();
    const machineAtReady = machineCpu();
    if (LIVE) await postAll(relay);
    while (relay.chatwoot.allMessages(1).length < TOTAL) {
      if (performance.now() - readyAt > 300_000) throw new Error(`${procs}p: timed out`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    const seconds = (performance.now() - readyAt) / 1000;
    const workerCpu = workers.map((w, i) => {
      const now = cpuSeconds(w.child.pid);
      const before = cpuAtReady[i];
      return now === null || before == null ? '?' : `${fmt(((now - before) / seconds) * 100)}`;
    });
    const bench = process.cpuUsage(benchCpuAtReady);
    const redisCpu = cpuSeconds(redisPid);
    const redisCallsDone = await redisCalls();
    const machine = machineCpu();
    const messages = relay.chatwoot.allMessages(1);
    const contents = new Set(messages.map((m) => m.content));
    rows.push({
      procs,
      rate: (TOTAL - atReady) / seconds,
      counted: TOTAL - atReady,
      seconds,
      calls: relay.chatwoot.requests.length - callsAtReady,
      workerCpu: `${workerCpu.join(' / ')} %`,
      benchCpu: `${fmt(((bench.user + bench.system) / 1e6 / seconds) * 100)} %`,
      redisCpu:
        redisCpu === null || redisCpuAtReady === null
          ? '?'
          : `${fmt(((redisCpu - redisCpuAtReady) / seconds) * 100)} %`,
      redisCallsPerMessage: (redisCallsDone - redisCallsAtReady) / (TOTAL - atReady),
      machineCpu:
        machine && machineAtReady
          ? `${fmt(((machine.busy - machineAtReady.busy) / (machine.total - machineAtReady.total)) * 100)} %`
          : '?',
      audit: `${messages.length} created, ${contents.size} distinct`,
    });
  } finally {
    await relay.close();
    await deletePrefix(redis, prefix);
  }
}

const base = rows[0]!;
console.log(
  table(
    [
      'procs',
      'messages counted',
      'seconds',
      'messages/s',
      '× 1p',
      'Chatwoot calls',
      'CPU per worker',
      'CPU of ingress+simulators',
      'CPU of Redis',
      'Redis calls per message',
      'machine CPU busy',
      'audit',
    ],
    rows.map((r) => [
      String(r.procs),
      String(r.counted),
      fmt(r.seconds, 2),
      fmt(r.rate, 1),
      `${(r.rate / base.rate).toFixed(2)}×`,
      String(r.calls),
      r.workerCpu,
      r.benchCpu,
      r.redisCpu,
      fmt(r.redisCallsPerMessage, 1),
      r.machineCpu,
      r.audit,
    ]),
  ),
);
for (const r of rows.slice(1))
  console.log(`${r.procs}p / ${base.procs}p: ${(r.rate / base.rate).toFixed(2)}×`);
redis.disconnect();
