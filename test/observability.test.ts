import { Writable } from 'node:stream';
import { type RunningDashboard, startDashboard } from '@relay/dashboard';
import { createLogger } from '@relay/observability';
import { createDeadLetters } from '@relay/queue';
import { tokenHash } from '@relay/rate-limit';
import {
  buildSessionStatus,
  buildTextMessage,
  startTestRedis,
  type TestRedis,
  waitFor,
} from '@relay/testing';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agentReply } from './support/agentReplies.js';
import { CHATWOOT_TOKEN, HMAC_KEY, type RelayHarness, startRelayHarness } from './support/relayHarness.js';

const ADMIN_TOKEN = 'obs-admin-token-0123456789';
const CHATWOOT_WEBHOOK_SECRET = 'obs-chatwoot-webhook-secret';
const DASHBOARD_TOKEN = 'obs-dashboard-token-0123456789';
const DASHBOARD_PASSWORD = 'obs-dashboard-password';
const PHONES = ['31610000101', '31610000102', '31610000103', '31610000104'];

let redis: TestRedis;
let connection: Redis;
let relay: RelayHarness;
let dashboard: RunningDashboard;
const logLines: string[] = [];

beforeAll(async () => {
  redis = await startTestRedis();
  connection = new Redis(redis.url);
  const sink = new Writable({
    write(chunk, _encoding, done) {
      logLines.push(...String(chunk).split('\n').filter(Boolean));
      done();
    },
  });
  const logger = createLogger({ service: 'obs', level: 'debug', destination: sink });
  relay = await startRelayHarness({
    redisUrl: redis.url,
    prefix: redis.uniquePrefix('obs'),
    logger,
    budget: { perWindow: 100, windowMs: 2000 },
    chatwootWebhook: { secrets: [CHATWOOT_WEBHOOK_SECRET] },
    env: {
      ADMIN_API_TOKEN: ADMIN_TOKEN,
      DASHBOARD_USERS: `ops:${DASHBOARD_PASSWORD}:admin`,
      DASHBOARD_TOKEN,
      WORKER_PORT: '0',
    },
  });
  await relay.startWorker();
  dashboard = await startDashboard(relay.config, { logger, metrics: relay.metrics, port: 0 });
});
afterAll(async () => {
  await dashboard?.close();
  await relay?.close();
  connection?.disconnect();
  await redis?.close();
});

/** The value of one series in a Prometheus text exposition, or undefined. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

/** Every Redis value under the relay's prefix, as text (job data, DLQ entries, ledgers, caches). */
async function dumpRedis(prefix: string): Promise<string> {
  const out: string[] = [];
  let cursor = '0';
  do {
    const [next, keys] = await connection.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    cursor = next;
    for (const key of keys) {
      const type = await connection.type(key);
      if (type === 'string') out.push(String(await connection.get(key)));
      else if (type === 'hash') out.push(JSON.stringify(await connection.hgetall(key)));
      else if (type === 'list') out.push(...(await connection.lrange(key, 0, -1)));
      else if (type === 'zset') out.push(...(await connection.zrange(key, 0, -1)));
      else if (type === 'set') out.push(...(await connection.smembers(key)));
      else if (type === 'stream') out.push(JSON.stringify(await connection.xrange(key, '-', '+')));
    }
  } while (cursor !== '0');
  return out.join('\n');
}

describe('metrics, logs and secrets across a known workload', () => {
  it('counts it exactly on /metrics of ingress, worker and dashboard, and leaks no token or phone', async () => {
    // 1. Two messages through, one redelivered (duplicate), a wrong signature, an event we ignore.
    const first = buildTextMessage({ chatId: `${PHONES[0]}@c.us`, body: 'hello' });
    await relay.post(first);
    await relay.post(first);
    await relay.post(buildTextMessage({ chatId: `${PHONES[1]}@c.us`, body: 'mail me at jan@example.com' }));
    await relay.post(buildTextMessage({ chatId: `${PHONES[1]}@c.us`, body: 'x' }), { hmacKey: 'wrong-key' });
    await relay.post(buildSessionStatus('WORKING'));
    await waitFor(() => relay.chatwoot.allMessages(1).length === 2, { what: 'two messages' });
    // 2. A 429 on a message create: waited out, delivered.
    relay.chatwoot.injectFault({ endpoint: 'POST /conversations/:id/messages', status: 429, count: 1 });
    await relay.post(buildTextMessage({ chatId: `${PHONES[2]}@c.us`, body: 'after a 429' }));
    await waitFor(() => relay.chatwoot.allMessages(1).length === 3, { what: 'the third', timeoutMs: 30_000 });
    // 3. A 401: dead-lettered at once.
    relay.chatwoot.injectFault({ status: 401, count: 1 });
    await relay.post(buildTextMessage({ chatId: `${PHONES[3]}@c.us`, body: 'refused' }));
    const deadLetters = createDeadLetters({ connection, prefix: relay.config.redisPrefix });
    await waitFor(async () => (await deadLetters.count()) === 1, { what: 'the dead letter' });
    await deadLetters.close();

    const hash = tokenHash(CHATWOOT_TOKEN);
    // One registry in this process, served by all three: fetch every endpoint anyway.
    const workerOps = (await relay.startWorker()).ops!;
    let text = await (await fetch(`${dashboard.url}/metrics`)).text();
    expect(sample(text, 'relay_webhooks_total{source="waha",outcome="accepted",reason=""}')).toBe(4);
    expect(sample(text, 'relay_webhooks_total{source="waha",outcome="duplicate",reason=""}')).toBe(1);
    expect(
      sample(text, 'relay_webhooks_total{source="waha",outcome="rejected",reason="invalid_signature"}'),
    ).toBe(1);
    expect(
      sample(text, 'relay_webhooks_total{source="waha",outcome="ignored",reason="event:session.status"}'),
    ).toBe(1);
    expect(sample(text, 'relay_jobs_total{job="waha.message",outcome="created"}')).toBe(3);
    expect(sample(text, 'relay_job_duration_seconds_count{job="waha.message",outcome="created"}')).toBe(3);
    expect(
      sample(text, 'relay_dead_lettered_total{job="waha.message",error_class="chatwoot_unauthorized"}'),
    ).toBe(1);
    expect(sample(text, `relay_chatwoot_429_total{token_hash="${hash}"}`)).toBe(1);
    // Every call the simulator saw is counted once, by templated endpoint and status.
    const calls = new Map<string, number>();
    for (const request of relay.chatwoot.requests) {
      const series = `relay_chatwoot_calls_total{endpoint="${request.endpoint}",status="${request.status}"}`;
      calls.set(series, (calls.get(series) ?? 0) + 1);
    }
    for (const [series, count] of calls) expect(sample(text, series), series).toBe(count);
    expect(sample(text, `relay_limiter_wait_seconds_count{token_hash="${hash}"}`)).toBe(
      relay.chatwoot.requests.length,
    );
    expect(sample(text, 'relay_dlq_size')).toBe(1);
    for (const queue of [...text.matchAll(/^relay_queue_depth\{queue="([^"]+)"\} (\d+)/gm)])
      expect(queue[2]).toBe('0');
    expect(text).toMatch(/^relay_queue_workers\{queue="inbound-dealer-p\d+"\} 2$/m);

    // 4. Replay from the dashboard (bearer token, as a script would).
    const replay = await fetch(`${dashboard.url}/dlq/action`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${DASHBOARD_TOKEN}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams({
        action: 'replay',
        scope: 'filter',
        errorClass: 'chatwoot_unauthorized',
        confirm: 'yes',
      }),
    });
    expect(await replay.text()).toContain('Replayed <strong>1</strong> of 1');
    await waitFor(() => relay.chatwoot.allMessages(1).length === 4, { what: 'the replayed message' });
    for (const url of [relay.ingress.url, workerOps.url, dashboard.url]) {
      // The queue gauges reuse a snapshot for up to 1 s: wait for one taken after the replay.
      text = await waitFor(
        async () => {
          const exposition = await (await fetch(`${url}/metrics`)).text();
          return sample(exposition, 'relay_dlq_size') === 0 && exposition;
        },
        { what: `${url}/metrics after the replay` },
      );
      expect(sample(text, 'relay_dlq_replays_total{source="dashboard"}')).toBe(1);
      expect(sample(text, 'relay_dlq_size')).toBe(0);
      expect(sample(text, 'relay_jobs_total{job="waha.message",outcome="created"}')).toBe(4);
    }
    for (const url of [workerOps.url, dashboard.url]) {
      expect((await fetch(`${url}/healthz`)).status).toBe(200);
      expect(await (await fetch(`${url}/readyz`)).json()).toMatchObject({ status: 'ready', redis: 'ok' });
    }

    // 5. The outbound half: an agent's reply, signed by Chatwoot, goes out to WhatsApp.
    const conversationId = relay.chatwoot.allMessages(1)[0]!.conversationDisplayId;
    await agentReply(
      relay,
      { chatId: `${PHONES[0]}@c.us`, conversationId },
      'See you on Saturday',
      {},
      {
        secret: CHATWOOT_WEBHOOK_SECRET,
      },
    );
    await waitFor(() => relay.waha.sends.some((send) => send.text === 'See you on Saturday'), {
      what: 'the agent reply sent to WhatsApp',
    });

    // 6. No secret anywhere: logs, Redis (job data, DLQ, ledgers), dashboard pages and APIs.
    const secrets = [
      CHATWOOT_WEBHOOK_SECRET,
      CHATWOOT_TOKEN,
      HMAC_KEY,
      relay.tenant.waha.apiKey!,
      ADMIN_TOKEN,
      DASHBOARD_TOKEN,
      DASHBOARD_PASSWORD,
    ];
    const auth = { authorization: `Bearer ${DASHBOARD_TOKEN}`, accept: 'text/html' };
    const pages = await Promise.all(
      ['/', '/dlq', '/budget', '/queues/api/queues?activeQueue=dead-letter&status=waiting', '/metrics'].map(
        async (path) => (await fetch(`${dashboard.url}${path}`, { headers: auth })).text(),
      ),
    );
    const stored = await dumpRedis(relay.config.redisPrefix);
    const logs = logLines.join('\n');
    expect(logs).toContain('"level":50'); // the dead-lettering decision was logged ...
    expect(logs).toMatch(/retrying at/); // ... and the retry after the 429
    for (const secret of secrets) {
      expect(logs, `logs contain ${secret}`).not.toContain(secret);
      expect(stored, `Redis contains ${secret}`).not.toContain(secret);
      for (const page of pages) expect(page).not.toContain(secret);
    }
    for (const phone of PHONES) {
      expect(logs, `logs contain ${phone}`).not.toContain(phone);
      for (const page of pages) expect(page).not.toContain(phone);
    }
    expect(logs).toContain(`*******${PHONES[3]!.slice(-4)}@c.us`);
    expect(logs).not.toContain('jan@example.com');
  });
});
