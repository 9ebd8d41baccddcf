/**
 * Ingress throughput and latency: autocannon posts signed WAHA `message` webhooks (every request a distinct
 * WhatsApp message id, so every one is a real enqueue) to `relay ingress`, and the same bodies to a bare Express
 * handler answering 200 (bench/fixtures/bareExpress.ts), each server in its own process on this machine.
 * Three runs per server family: saturation (max req/s), then the ingress at a fixed rate of `--at` × the bare
 * handler's max (default 0.5, the target) to read its p50/p99 there.
 *
 *   node --import tsx bench/ingress.ts [--duration 10] [--connections 20] [--at 0.5]
 *
 * Uses REDIS_URL, else redis://127.0.0.1:6379 (keys under a fresh prefix, deleted afterwards).
 */
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
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
  },
});
const duration = Number(values.duration);
const connections = Number(values.connections);
const at = Number(values.at);
const HMAC_KEY = 'bench-hmac-key';

const redis = new Redis(REDIS_URL);
await printHeader('ingress.ts', redis);
console.log(
  `autocannon: ${connections} connections, ${duration} s per run, POST /webhooks/waha, signed (HMAC-SHA512) ` +
    `GOWS text messages over 1000 chats, every body a new message id\n`,
);

/** Pre-signed bodies: signing is not part of the load generator's cost. */
function makeBodies(count: number): Array<{ body: string; headers: Record<string, string> }> {
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

interface Run {
  label: string;
  result: autocannon.Result;
}

async function cannon(
  url: string,
  bodies: ReturnType<typeof makeBodies>,
  overallRate?: number,
  seconds = duration,
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
  if (next > bodies.length) console.warn(`(${url}: bodies reused after ${bodies.length}; raise the pool)`);
  return result;
}

const runs: Run[] = [];
const pool = 120_000;
const t0 = Date.now();
const bodies = makeBodies(pool);
console.log(`${pool} bodies signed in ${Date.now() - t0} ms\n`);

// Bare Express.
const barePort = await freePort();
const bare = spawnNode(['--import', 'tsx', 'bench/fixtures/bareExpress.ts', String(barePort)], {});
const bareUrl = `http://127.0.0.1:${barePort}/webhooks/waha`;
await waitUntilListening(bareUrl);
await cannon(bareUrl, bodies, undefined, 2); // warm-up (JIT)
const bareMax = await cannon(bareUrl, bodies);
runs.push({ label: 'bare Express, saturated', result: bareMax });

// The relay ingress.
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
try {
  await waitForHttp(`http://127.0.0.1:${ingressPort}/readyz`, 60_000);
  // Warm-up with bodies of their own (message ids not used later).
  const warmUp = await cannon(ingressUrl, makeBodies(10_000), undefined, 2);
  const ingressMax = await cannon(ingressUrl, bodies.slice(0, pool / 2));
  runs.push({ label: 'relay ingress, saturated', result: ingressMax });
  const rate = Math.round(bareMax.requests.average * at);
  const ingressAt = await cannon(ingressUrl, bodies.slice(pool / 2), rate);
  runs.push({ label: `relay ingress at ${rate} req/s (${at} × bare max)`, result: ingressAt });
  const bareAt = await cannon(bareUrl, bodies, rate);
  runs.push({ label: `bare Express at ${rate} req/s`, result: bareAt });
  // And at half the ingress's own maximum, for the latency at a rate it sustains (fresh message ids).
  const half = Math.round(ingressMax.requests.average / 2);
  const ingressHalf = await cannon(ingressUrl, makeBodies(half * duration + 1000), half);
  runs.push({ label: `relay ingress at ${half} req/s (0.5 × its max)`, result: ingressHalf });

  const rows = runs.map(({ label, result }) => [
    label,
    fmt(result.requests.average),
    String(result.latency.p50),
    String(result.latency.p99),
    String(result.latency.max),
    String(result['2xx']),
    String(result.non2xx + result.errors + result.timeouts),
  ]);
  console.log(
    table(['server, load', 'req/s (mean)', 'p50 ms', 'p99 ms', 'max ms', '2xx', 'non-2xx/errors'], rows),
  );
  const ratio = ingressMax.requests.average / bareMax.requests.average;
  const queued = await countQueued(prefix);
  console.log(
    `\ningress / bare throughput: ${(ratio * 100).toFixed(1)} % (target ≥ 50 %); ` +
      `ingress p99 at ${rate} req/s: ${ingressAt.latency.p99} ms (target < 20 ms)`,
  );
  const accepted = runs.filter((r) => r.label.startsWith('relay')).reduce((n, r) => n + r.result['2xx'], 0);
  console.log(
    `jobs in Redis after the runs: ${queued}; 2xx answers of the ingress: ${accepted + warmUp['2xx']} ` +
      `(requests in flight when a run stops, at most ${connections} per run, are enqueued but not counted)`,
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
