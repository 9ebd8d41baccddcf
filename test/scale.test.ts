import { buildTextMessage, freePort, startTestRedis, type TestRedis, waitFor } from '@relay/testing';
import { Queue } from 'bullmq';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type RelayHarness, startRelayHarness } from './support/relayHarness.js';

let redis: TestRedis;
let relay: RelayHarness;

beforeAll(async () => {
  redis = await startTestRedis();
});
afterAll(async () => {
  await redis.close();
});
afterEach(async () => {
  await relay?.close();
});

/** These tests are about order and crashes, not the API budget: give the token room. */
const UNTHROTTLED = { perWindow: 100_000, windowMs: 60_000 };
const CHATS = 20;
const PER_CHAT = 10;
const chatId = (chat: number) => `3161000${String(chat).padStart(4, '0')}@c.us`;
const body = (chat: number, index: number) => `chat ${chat} #${index}`;

/** Posts PER_CHAT rounds; each round sends one message to every chat at once, so chats interleave. */
async function postAll(harness: RelayHarness): Promise<void> {
  for (let index = 0; index < PER_CHAT; index++) {
    const answers = await Promise.all(
      Array.from({ length: CHATS }, (_, chat) =>
        harness.post(buildTextMessage({ chatId: chatId(chat), body: body(chat, index) })),
      ),
    );
    expect(answers.every((answer) => answer.status === 200)).toBe(true);
  }
}

/** Lost, duplicated and out-of-order messages, read from the simulator's own store. */
function audit(harness: RelayHarness) {
  const messages = harness.chatwoot.allMessages(1);
  const contents = messages.map((m) => m.content ?? '');
  const seen = new Map<string, number>();
  for (const content of contents) seen.set(content, (seen.get(content) ?? 0) + 1);
  const expected = Array.from({ length: CHATS }, (_, chat) =>
    Array.from({ length: PER_CHAT }, (_, i) => body(chat, i)),
  ).flat();
  const lost = expected.filter((content) => !seen.has(content));
  const duplicated = [...seen].filter(([, count]) => count > 1).map(([content]) => content);
  const outOfOrder: number[] = [];
  for (let chat = 0; chat < CHATS; chat++) {
    const order = contents.filter((c) => c.startsWith(`chat ${chat} #`)).map((c) => Number(c.split('#')[1]));
    if (order.some((value, i) => i > 0 && value < order[i - 1]!)) outOfOrder.push(chat);
  }
  return { total: messages.length, lost, duplicated, outOfOrder };
}

const waitForAll = (harness: RelayHarness) =>
  waitFor(() => harness.chatwoot.allMessages(1).length >= CHATS * PER_CHAT, {
    what: `${CHATS * PER_CHAT} messages`,
    timeoutMs: 90_000,
    describe: () => harness.chatwoot.allMessages(1).length,
  });

describe('scale-out', () => {
  it('mirrors 200 messages over 20 chats exactly once and in order with 2 worker processes of concurrency 4', async () => {
    relay = await startRelayHarness({
      redisUrl: redis.url,
      prefix: redis.uniquePrefix('scale'),
      budget: UNTHROTTLED,
      env: { WORKER_CONCURRENCY: '4' },
    });
    await Promise.all([relay.spawnWorker(), relay.spawnWorker()]);
    await postAll(relay);
    await waitForAll(relay);
    const result = audit(relay);
    expect(result).toEqual({ total: 200, lost: [], duplicated: [], outOfOrder: [] });
    expect(relay.chatwoot.contacts(1)).toHaveLength(CHATS);
    expect(relay.chatwoot.conversations(1)).toHaveLength(CHATS);
  });

  it('loses, duplicates and reorders nothing when a worker process is SIGKILLed mid-stream and restarted', async () => {
    relay = await startRelayHarness({
      redisUrl: redis.url,
      prefix: redis.uniquePrefix('kill'),
      budget: UNTHROTTLED,
      env: { WORKER_CONCURRENCY: '4' },
    });
    // Slow Chatwoot down so the kill lands while requests are in flight.
    relay.chatwoot.setLatency(15);
    const victim = await relay.spawnWorker();
    await relay.spawnWorker();
    await postAll(relay);
    await waitFor(() => relay.chatwoot.allMessages(1).length >= 60, {
      what: '60 messages before the kill',
      timeoutMs: 60_000,
    });
    await victim.kill('SIGKILL');
    const atKill = relay.chatwoot.allMessages(1).length;
    await relay.spawnWorker();
    await waitForAll(relay);
    const result = audit(relay);
    console.info(
      `[kill] SIGKILL after ${atKill}/200 messages: ${JSON.stringify({ ...result, lost: result.lost.length })}`,
    );
    expect(atKill).toBeLessThan(200);
    expect(result).toEqual({ total: 200, lost: [], duplicated: [], outOfOrder: [] });
  });

  it('shares a backlog between worker processes: a process takes a partition only when it has a slot free', async () => {
    relay = await startRelayHarness({
      redisUrl: redis.url,
      prefix: redis.uniquePrefix('share'),
      budget: { ...UNTHROTTLED, maxConcurrent: 32 },
      env: { WORKER_CONCURRENCY: '2' },
    });
    relay.chatwoot.setLatency(20);
    // The backlog waits in paused partitions until both processes are ready, so neither gets a head start.
    const { inboundPartitions, redisPrefix } = relay.config;
    const partitions = Array.from(
      { length: inboundPartitions },
      (_, p) => new Queue(`inbound-dealer-p${p}`, { connection: { url: redis.url }, prefix: redisPrefix }),
    );
    await Promise.all(partitions.map((queue) => queue.pause()));
    await postAll(relay);
    const ports = [await freePort(), await freePort()];
    await Promise.all(ports.map((port) => relay.spawnWorker({ WORKER_PORT: String(port) })));
    await Promise.all(
      ports.map((port) =>
        waitFor(async () => (await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => null))?.ok, {
          what: `worker on :${port} ready`,
          timeoutMs: 30_000,
        }),
      ),
    );
    await Promise.all(partitions.map((queue) => queue.resume()));
    await waitForAll(relay);
    // A process counts a message once its job has finished, just after Chatwoot has it: wait for both counts.
    const createdBy = (port: number) =>
      fetch(`http://127.0.0.1:${port}/metrics`)
        .then((res) => res.text())
        .then((text) =>
          [...text.matchAll(/^relay_jobs_total\{[^}]*outcome="created"[^}]*\} (\d+)/gm)].reduce(
            (sum, match) => sum + Number(match[1]),
            0,
          ),
        );
    const created = await waitFor(
      async () => {
        const counts = await Promise.all(ports.map(createdBy));
        return counts[0]! + counts[1]! === CHATS * PER_CHAT ? counts : undefined;
      },
      { what: 'both processes to count every message', timeoutMs: 10_000 },
    );
    await Promise.all(partitions.map((queue) => queue.close()));
    console.info(`[share] messages created per process: ${created.join(' / ')}`);
    // Equal slots, equal share; a process holding partitions it cannot run leaves the other one a trickle.
    for (const count of created) expect(count).toBeGreaterThan(CHATS * PER_CHAT * 0.3);
    expect(audit(relay)).toEqual({ total: 200, lost: [], duplicated: [], outOfOrder: [] });
  });
});
