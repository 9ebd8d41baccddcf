import { createHash } from 'node:crypto';
import { createDeadLetters, type DeadLetterEntry, inboundQueueFor } from '@relay/queue';
import { nextWindowBoundaryMs } from '@relay/rate-limit';
import { buildTextMessage, waitFor } from '@relay/testing';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHATWOOT_TOKEN, type RelayHarness } from './support/relayHarness.js';
import { useRelayHarness } from './support/useRelayHarness.js';

const ADMIN_TOKEN = 'test-admin-token-0123456789';

const relays = useRelayHarness('fail');
let connection: Redis;

beforeAll(() => {
  connection = new Redis(relays.redis.url);
});
afterAll(() => {
  connection.disconnect();
});

async function startRelay(
  env: Record<string, string> = {},
  budget?: { perWindow: number; windowMs: number },
) {
  const relay = await relays.start({ budget, env: { ADMIN_API_TOKEN: ADMIN_TOKEN, ...env } });
  await relay.startWorker();
  return { relay, prefix: relay.config.redisPrefix };
}

/** The simulator logs a token as the first 12 hex digits of its SHA-256. */
const simTokenHash = (token: string) => createHash('sha256').update(token).digest('hex').slice(0, 12);

const callsTo = (harness: RelayHarness, endpoint: string) =>
  harness.chatwoot.requests.filter((request) => request.endpoint === endpoint);

async function dlqApi(harness: RelayHarness, path: string, body?: object) {
  const response = await fetch(`${harness.ingress.url}/v1/dlq${path}`, {
    method: body ? 'POST' : 'GET',
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
    body: body ? JSON.stringify(body) : undefined,
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe('failure classes', () => {
  it('retries a 5xx burst on a read in-process and on a write through the job, creating the message once', async () => {
    const { relay } = await startRelay();
    relay.chatwoot.injectFault({ endpoint: 'POST /contacts/filter', status: 503, count: 2 });
    relay.chatwoot.injectFault({ endpoint: 'POST /conversations/:id/messages', status: 500, count: 2 });
    await relay.post(buildTextMessage({ chatId: '31610000001@c.us', body: 'through the storm' }));
    await waitFor(() => relay.chatwoot.allMessages(1).length === 1, { what: 'the message' });

    expect(callsTo(relay, 'POST /contacts/filter').map((r) => r.status)).toEqual([503, 503, 200]);
    expect(callsTo(relay, 'POST /conversations/:id/messages').map((r) => r.status)).toEqual([500, 500, 200]);
    // Each retry of the write first looks for the message it may have created (the pending claim).
    expect(callsTo(relay, 'GET /conversations/:id/messages')).toHaveLength(2);
    expect(relay.chatwoot.allMessages(1).map((m) => m.content)).toEqual(['through the storm']);
  });

  it('waits out a 429 without consuming an attempt and without calling during the cool-down', async () => {
    // One attempt only: if the 429 consumed it, the message would be dead-lettered instead of delivered.
    const windowMs = 2000;
    const { relay } = await startRelay({ JOB_ATTEMPTS: '1' }, { perWindow: 100, windowMs });
    relay.chatwoot.injectFault({ endpoint: 'POST /conversations/:id/messages', status: 429, count: 1 });
    await relay.post(buildTextMessage({ chatId: '31610000002@c.us', body: 'after the storm' }));
    await waitFor(() => relay.chatwoot.allMessages(1).length === 1, {
      what: 'the message',
      timeoutMs: 30_000,
    });

    const calls = relay.chatwoot.requests;
    const throttled = calls.findIndex((r) => r.status === 429);
    expect(throttled).toBeGreaterThan(-1);
    // No call until the window after the 429 (no Retry-After: the limiter waits for the boundary plus jitter).
    expect(calls[throttled + 1]!.at).toBeGreaterThanOrEqual(
      nextWindowBoundaryMs(calls[throttled]!.at, windowMs),
    );
    const deadLetters = createDeadLetters({ connection, prefix: relay.config.redisPrefix });
    expect(await deadLetters.count()).toBe(0);
    await deadLetters.close();
  });

  it('dead-letters a 401 at once with its reason, replays it exactly once, and a second replay creates nothing', async () => {
    const { relay, prefix } = await startRelay();
    relay.chatwoot.injectFault({ status: 401, count: 1 });
    const envelope = buildTextMessage({ chatId: '31610000003@c.us', body: 'needs a good token' });
    await relay.post(envelope);
    const listed = await waitFor(
      async () => {
        const answer = await dlqApi(relay, '?tenant=dealer');
        return (answer.body.entries as unknown[]).length > 0 && answer;
      },
      { what: 'a dead-letter entry' },
    );
    const [entry] = listed.body.entries as Array<Record<string, unknown>>;
    expect(entry).toMatchObject({
      errorClass: 'chatwoot_unauthorized',
      tenant: 'dealer',
      chatId: '31610000003@c.us',
    });
    expect(entry!.lastError).toMatch(/401/);
    expect(relay.chatwoot.requests).toHaveLength(1);

    expect((await dlqApi(relay, '/replay', { ids: [entry!.id], dryRun: true })).body).toMatchObject({
      matched: 1,
      replayed: 0,
    });
    expect((await dlqApi(relay, '/replay', { ids: [entry!.id] })).body).toMatchObject({
      matched: 1,
      replayed: 1,
    });
    await waitFor(() => relay.chatwoot.allMessages(1).length === 1, { what: 'the replayed message' });

    // An entry for a message that did get through (e.g. replayed twice by two operators): nothing new is created.
    const deadLetters = createDeadLetters({ connection, prefix });
    const again = await deadLetters.add({ ...(entry as unknown as DeadLetterEntry), sourceJobId: 'again' });
    await dlqApi(relay, '/replay', { ids: [again.id] });
    const queue = new Queue(inboundQueueFor('dealer', '31610000003@c.us', relay.config.inboundPartitions), {
      connection,
      prefix,
    });
    await waitFor(async () => (await queue.getCompletedCount()) === 2, {
      what: 'the second replay to finish',
    });
    expect(relay.chatwoot.allMessages(1)).toHaveLength(1);
    await queue.close();
    await deadLetters.close();
  });

  it('dead-letters a job whose payload fails validation, and one for an unknown tenant', async () => {
    const { relay, prefix } = await startRelay();
    const queue = new Queue(inboundQueueFor('dealer', 'x@c.us', relay.config.inboundPartitions), {
      connection,
      prefix,
    });
    await queue.add('waha.message', { tenant: 'dealer', message: { chatId: 'x@c.us' } }, { jobId: 'broken' });
    const ghost = {
      tenant: 'ghost',
      eventId: 'e',
      event: 'message',
      acceptedAt: 1,
      message: normalizedMessage(),
      retries: 0,
    };
    await queue.add('waha.message', ghost, { jobId: 'ghost' });
    const deadLetters = createDeadLetters({ connection, prefix });
    await waitFor(async () => (await deadLetters.count()) === 2, { what: 'two dead-letter entries' });
    const { entries } = await deadLetters.list();
    expect(entries.map((e) => [e.sourceJobId, e.errorClass]).sort()).toEqual([
      ['broken', 'invalid_payload'],
      ['ghost', 'unknown_tenant'],
    ]);
    expect(relay.chatwoot.requests).toHaveLength(0);
    await queue.close();
    await deadLetters.close();
  });
});

function normalizedMessage() {
  return {
    messageId: 'false_x@c.us_ABC',
    rawId: 'ABC',
    chatId: 'x@c.us',
    chatKind: 'user',
    phoneAlt: null,
    fromMe: false,
    source: 'app',
    timestamp: 1,
    body: 'hi',
    senderName: null,
    participant: null,
    participantPhone: null,
    media: null,
    mediaState: 'none',
    replyToId: null,
    location: null,
    vCards: null,
    engine: 'GOWS',
  };
}

describe('shared budget', () => {
  it('keeps 3 worker processes on one token within budget at ≥ 90 % use, while a second token runs at its own rate', async () => {
    const budget = { perWindow: 20, windowMs: 3000 };
    const relay = await relays.start({
      budget,
      extraTenants: [{ id: 'other', session: 'other', token: 'other-chatwoot-token' }],
      env: { WORKER_CONCURRENCY: '8' },
    });
    await Promise.all([relay.spawnWorker(), relay.spawnWorker(), relay.spawnWorker()]);
    const posts: Promise<unknown>[] = [];
    for (let i = 0; i < 12; i++) {
      for (let chat = 0; chat < 6; chat++) {
        posts.push(
          relay.post(buildTextMessage({ chatId: `3162000000${chat}@c.us`, body: `a ${chat}/${i}` })),
        );
        if (chat < 3)
          posts.push(
            relay.post(
              buildTextMessage({
                session: 'other',
                chatId: `3163000000${chat}@c.us`,
                body: `b ${chat}/${i}`,
              }),
            ),
          );
      }
    }
    await Promise.all(posts);
    await waitFor(() => relay.chatwoot.allMessages(1).length === 72 + 36, {
      what: 'all 108 messages',
      timeoutMs: 120_000,
      describe: () => relay.chatwoot.allMessages(1).length,
    });

    for (const token of [CHATWOOT_TOKEN, 'other-chatwoot-token']) {
      const times = relay.chatwoot.requests
        .filter((r) => r.tokenHash === simTokenHash(token))
        .map((r) => r.at);
      const maxInWindow = Math.max(
        ...times.map((start) => times.filter((t) => t >= start && t < start + budget.windowMs).length),
      );
      const busyMs = times.at(-1)! - times[0]!;
      const utilisation = (times.length - 1) / ((busyMs / budget.windowMs) * budget.perWindow);
      console.info(
        `[budget] token ${simTokenHash(token).slice(0, 6)}: ${times.length} calls, max ${maxInWindow}/${budget.perWindow} per ${budget.windowMs} ms window, utilisation ${(utilisation * 100).toFixed(1)} %`,
      );
      expect(maxInWindow).toBeLessThanOrEqual(budget.perWindow);
      expect(utilisation).toBeGreaterThanOrEqual(0.9);
    }
  });
});
