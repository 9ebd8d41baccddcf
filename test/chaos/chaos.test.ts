import { randomUUID } from 'node:crypto';
import { createChatwootClient } from '@relay/chatwoot-client';
import {
  buildAck,
  buildChatwootMessageWebhook,
  buildEdited,
  buildTextMessage,
  type ChatwootSimulator,
  type RedisServer,
  type SimRequest,
  startRedisServer,
  waitFor,
} from '@relay/testing';
import { afterEach, describe, expect, it } from 'vitest';
import {
  CHATWOOT_TOKEN,
  type RelayHarness,
  type SpawnedWorker,
  startRelayHarness,
} from '../support/relayHarness.js';
import {
  checkInvariants,
  deadLetterToken,
  type InvariantInput,
  type InvariantReport,
  missing,
  token,
} from './invariants.js';
import {
  createDeliveryStats,
  deadTokens,
  deliver,
  deliverySummary,
  discardDeadLetters,
  readDeadLetters,
  seeded,
  sleep,
  tokenHash,
} from './senders.js';

/**
 * The chaos suite (issue 7): messages and agent replies through the real ingress while workers are SIGKILLed and
 * SIGTERMed, Redis is SIGKILLed and restarted (AOF, fsync always), Chatwoot answers 5xx, hangs and 429 storms, and
 * webhooks are redelivered and arrive out of order. One chat's contact is refused by Chatwoot for good, so its
 * messages must end in the DLQ with their reason; while Redis is down webhooks keep arriving and must be refused
 * with 503 + Retry-After. The invariants are read from the simulators' own logs; the negative controls prove the
 * same checks see a loss, a duplicate and an undelivered message missing from the DLQ when there is one.
 */

let relay: RelayHarness | undefined;
let redis: RedisServer | undefined;

afterEach(async () => {
  await relay?.close();
  await redis?.stop();
  relay = undefined;
  redis = undefined;
});

const CHATS = 8;
const PER_CHAT = 12;
/** Agent replies per chat, posted after customer messages 4 and 8. */
const REPLIES = 2;
const BUDGET = { perWindow: 60, windowMs: 1000 };
/** A chat Chatwoot refuses for good: each of its messages can only end in the DLQ. */
const DEAD_CHAT = CHATS;
const DEAD_MESSAGES = 3;
/** Chats that post only while Redis is down (chats `CHATS + 1` …), each message retried until accepted. */
const OUTAGE_CHATS = 2;
const OUTAGE_MESSAGES = 3;
const chatId = (chat: number) => `3169000${String(chat).padStart(4, '0')}@c.us`;
const rawIdOf = (envelope: { payload: unknown }) =>
  (envelope.payload as { id: string }).id.split('_')[2] ?? '';

/** The invariants of a run on this suite's token, read from the harness's simulators and the given DLQ entries. */
function invariantsOf(
  harness: RelayHarness,
  acknowledged: ReadonlySet<string>,
  deadLetters: InvariantInput['deadLetters'],
  ownRequests?: ReadonlySet<SimRequest>,
): InvariantReport {
  return checkInvariants({
    chatwoot: harness.chatwoot,
    waha: harness.waha,
    acknowledged,
    deadLetters,
    budget: { ...BUDGET, tokenHash: tokenHash(CHATWOOT_TOKEN) },
    ...(ownRequests ? { ownRequests } : {}),
  });
}

function report(scenario: string, result: InvariantReport, extra: Record<string, unknown> = {}) {
  const { lostTokens, duplicatedTokens, deadLetteredTokens, ...counts } = result;
  console.info(`[chaos] ${JSON.stringify({ scenario, ...counts, ...extra })}`);
}

/**
 * Chatwoot refuses to create this chat's contact with a 422 (as for a phone it does not accept), every time: a
 * permanent failure, so each of the chat's messages goes straight to the DLQ.
 */
function refuseContactOf(chatwoot: ChatwootSimulator, chat: string) {
  chatwoot.injectFault({
    endpoint: 'POST /contacts',
    requestBody: new RegExp(chat.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')),
    status: 422,
    responseBody: { message: 'Phone number should be in e164 format', attributes: ['phone_number'] },
    count: Number.POSITIVE_INFINITY,
  });
}

async function startRelay(redisUrl: string, env: Record<string, string> = {}) {
  relay = await startRelayHarness({
    redisUrl,
    prefix: `chaos-${randomUUID().slice(0, 8)}`,
    budget: BUDGET,
    env: {
      WORKER_CONCURRENCY: '4',
      JOB_ATTEMPTS: '30',
      INBOUND_PARTITIONS: '8',
      OUTBOUND_PARTITIONS: '4',
      ...env,
    },
  });
  return relay;
}

describe('chaos', () => {
  it('loses, duplicates and reorders nothing acknowledged through worker kills, SIGTERM, a Redis crash, Chatwoot faults and redelivered, reordered webhooks', async () => {
    const seed = Number(process.env.CHAOS_SEED ?? Date.now() % 100_000);
    const rng = seeded(seed);
    redis = await startRedisServer({ appendonly: true });
    const harness = await startRelay(redis.url);
    harness.chatwoot.setLatency(10);
    refuseContactOf(harness.chatwoot, chatId(DEAD_CHAT));
    const workers: SpawnedWorker[] = await Promise.all([harness.spawnWorker(), harness.spawnWorker()]);
    const acknowledged = new Set<string>();
    const stats = createDeliveryStats();
    const postWaha = (envelope: object, t: string | null) =>
      deliver(() => harness.post(envelope), t, acknowledged, stats);

    // Phase 1: every chat's first message, so each has a conversation agents can reply in.
    const firsts = Array.from({ length: CHATS }, (_, chat) =>
      buildTextMessage({ chatId: chatId(chat), body: token(chat, 'm', 0) }),
    );
    await Promise.all(firsts.map((envelope, chat) => postWaha(envelope, token(chat, 'm', 0))));
    const conversations = await waitFor(
      () => {
        const byChat = new Map<number, number>();
        for (const m of harness.chatwoot.allMessages(1)) {
          const chat = /^c(\d+)m0$/.exec(m.content ?? '')?.[1];
          if (chat !== undefined) byChat.set(Number(chat), m.conversationDisplayId);
        }
        return byChat.size === CHATS ? byChat : undefined;
      },
      { what: 'a conversation per chat', timeoutMs: 30_000 },
    );

    // Agents write their replies in Chatwoot now (the test's own requests, left out of the budget check);
    // Chatwoot's webhooks for them are posted during the chaos below.
    const client = createChatwootClient({
      baseUrl: harness.chatwoot.url,
      apiToken: CHATWOOT_TOKEN,
      accountId: 1,
    });
    const ownFrom = harness.chatwoot.requests.length;
    const replies = new Map<number, Array<{ payload: unknown; deliveryId: string }>>();
    for (let chat = 0; chat < CHATS; chat++) {
      const list: Array<{ payload: unknown; deliveryId: string }> = [];
      for (let j = 0; j < REPLIES; j++) {
        const content = token(chat, 'r', j);
        const conversationId = conversations.get(chat) as number;
        const created = await client.createMessage(conversationId, { content, message_type: 'outgoing' });
        list.push({
          payload: buildChatwootMessageWebhook({
            id: created.id,
            conversationId,
            chatId: chatId(chat),
            content,
          }),
          deliveryId: randomUUID(),
        });
      }
      replies.set(chat, list);
    }
    const ownRequests = new Set<SimRequest>(harness.chatwoot.requests.slice(ownFrom));

    // Phase 2: every chat posts its messages (with an edit before its original, an ack before its message,
    // redeliveries) and its agent replies, while the chaos schedule runs.
    const chatTraffic = async (chat: number) => {
      const sent: object[] = [firsts[chat] as object];
      let reply = 0;
      for (let i = 1; i < PER_CHAT; i++) {
        const envelope = buildTextMessage({ chatId: chatId(chat), body: token(chat, 'm', i) });
        if (i === 3 && chat % 2 === 0) {
          // Edit before original: parked until the original is in Chatwoot.
          const edit = buildEdited({
            chatId: chatId(chat),
            editedMessageId: rawIdOf(envelope),
            body: token(chat, 'e', i),
          });
          await postWaha(edit, token(chat, 'e', i));
        }
        if (i === 2) {
          // Ack before message.
          await postWaha(buildAck({ messageId: (envelope.payload as { id: string }).id, ack: 3 }), null);
        }
        await postWaha(envelope, token(chat, 'm', i));
        sent.push(envelope);
        if (i % 4 === 0 && reply < REPLIES) {
          const r = replies.get(chat)?.[reply] as { payload: unknown; deliveryId: string };
          const t = token(chat, 'r', reply++);
          await deliver(
            () => harness.postChatwoot(r.payload, { deliveryId: r.deliveryId }),
            t,
            acknowledged,
            stats,
          );
          // Chatwoot redelivers a webhook now and then.
          if (rng.next() < 0.5)
            await deliver(
              () => harness.postChatwoot(r.payload, { deliveryId: r.deliveryId }),
              t,
              acknowledged,
              stats,
            );
        }
        // WAHA redelivers an earlier webhook now and then.
        if (rng.next() < 0.25) await postWaha(sent[rng.between(0, sent.length - 1)] as object, null);
        await sleep(rng.between(150, 450));
      }
    };

    // The refused chat posts beside the others, with redeliveries.
    const deadChatTraffic = async () => {
      const sent: object[] = [];
      for (let i = 0; i < DEAD_MESSAGES; i++) {
        const envelope = buildTextMessage({ chatId: chatId(DEAD_CHAT), body: token(DEAD_CHAT, 'm', i) });
        await postWaha(envelope, token(DEAD_CHAT, 'm', i));
        sent.push(envelope);
        if (rng.next() < 0.5) await postWaha(sent[rng.between(0, sent.length - 1)] as object, null);
        await sleep(rng.between(150, 450));
      }
    };
    // Webhooks that arrive while Redis is down: each is refused (503) and retried until it is accepted.
    const outageTraffic = () =>
      Promise.all(
        Array.from({ length: OUTAGE_CHATS }, async (_, k) => {
          const chat = CHATS + 1 + k;
          for (let i = 0; i < OUTAGE_MESSAGES; i++) {
            const envelope = buildTextMessage({ chatId: chatId(chat), body: token(chat, 'm', i) });
            await postWaha(envelope, token(chat, 'm', i));
          }
        }),
      );

    const events: string[] = [];
    let sigtermExit: number | null = null;
    const chaos = async () => {
      const respawn = async (index: number, signal: NodeJS.Signals) => {
        const victim = workers[index] as SpawnedWorker;
        await victim.kill(signal);
        if (signal === 'SIGTERM') sigtermExit = await victim.exited;
        workers[index] = await harness.spawnWorker();
      };
      await sleep(rng.between(300, 800));
      events.push('SIGKILL worker');
      const killed = rng.between(0, 1);
      await respawn(killed, 'SIGKILL');
      await sleep(rng.between(200, 600));
      events.push('chatwoot 5xx + hangs');
      harness.chatwoot.injectFault({ endpoint: /POST/, status: 502, count: 6 });
      harness.chatwoot.injectFault({ endpoint: /messages/, timeoutMs: 800, count: 2 });
      await sleep(rng.between(200, 600));
      // SIGTERM the worker consuming since the start (a process still starting has nothing in flight).
      events.push('SIGTERM worker');
      await respawn(1 - killed, 'SIGTERM');
      await sleep(rng.between(200, 600));
      events.push('429 storm');
      harness.chatwoot.setRateLimit({ limit: 5, windowMs: 1000 });
      await sleep(1500);
      harness.chatwoot.setRateLimit(null);
      events.push('SIGKILL redis');
      await redis?.kill('SIGKILL');
      stats.redisDown = true;
      const outage = outageTraffic();
      // Down for the schedule's time and until the ingress has refused a webhook for it: the ingress waits up to
      // 1 s for a reconnect before it answers 503, so a shorter outage is ridden out, not refused.
      await Promise.all([
        sleep(rng.between(800, 1500)),
        waitFor(() => stats.unavailableDuringOutage > 0, {
          what: 'a webhook answered 503 while Redis is down',
          timeoutMs: 15_000,
          describe: () => deliverySummary(stats),
        }),
      ]);
      stats.redisDown = false;
      await redis?.restart();
      events.push('redis restarted');
      await sleep(rng.between(300, 800));
      events.push('SIGKILL worker');
      await respawn(rng.between(0, 1), 'SIGKILL');
      await outage;
    };

    const started = Date.now();
    await Promise.all([
      chaos(),
      deadChatTraffic(),
      ...Array.from({ length: CHATS }, (_, chat) => chatTraffic(chat)),
    ]);

    let dead = deadTokens(await readDeadLetters(harness));
    await waitFor(
      async () => {
        dead = deadTokens(await readDeadLetters(harness));
        return missing({ ...harness, acknowledged }, dead).length === 0;
      },
      {
        what: 'every acknowledged event delivered or dead-lettered',
        timeoutMs: 90_000,
        intervalMs: 250,
        describe: () => missing({ ...harness, acknowledged }, dead).slice(0, 20),
      },
    );
    await sleep(1500); // let a late duplicate show up
    const deadLetters = await readDeadLetters(harness);
    const result = invariantsOf(harness, acknowledged, deadLetters, ownRequests);
    report('chaos', result, {
      seed,
      chats: CHATS,
      deadLetterClasses: [...new Set(deadLetters.map((d) => d.errorClass))],
      webhooks: deliverySummary(stats),
      sigtermExit,
      events,
      seconds: (Date.now() - started) / 1000,
    });
    expect(sigtermExit).toBe(143);
    expect(result.acknowledged).toBe(
      CHATS * PER_CHAT + CHATS / 2 + CHATS * REPLIES + DEAD_MESSAGES + OUTAGE_CHATS * OUTAGE_MESSAGES,
    );
    expect(result).toMatchObject({
      lost: 0,
      duplicated: 0,
      outOfOrderChats: 0,
      editsBeforeOriginal: 0,
      deadLettersWithoutReason: 0,
      deadLetteredAndDelivered: 0,
      windowsOver: 0,
    });
    // Exactly the refused chat's messages are in the DLQ, one entry each, with the permanent reason.
    expect(result.deadLetteredTokens).toEqual(
      Array.from({ length: DEAD_MESSAGES }, (_, i) => token(DEAD_CHAT, 'm', i)).sort(),
    );
    expect(result.deadLettered).toBe(DEAD_MESSAGES);
    for (const entry of deadLetters) {
      expect(entry).toMatchObject({
        errorClass: 'chatwoot_validation',
        lastError: expect.stringMatching(/e164/),
      });
    }
    // The Redis outage was answered 503 + Retry-After, promptly, and every refused webhook got through later.
    expect(stats.unavailableDuringOutage).toBeGreaterThanOrEqual(1);
    expect(stats.unavailableWithoutRetryAfter).toBe(0);
    expect(stats.slowestUnavailableMs).toBeLessThan(5000);
    expect(stats.gaveUp).toBe(0);
  }, 180_000);

  it('negative control: Redis WITHOUT persistence killed and restarted loses acknowledged events, and the check sees it', async () => {
    redis = await startRedisServer({ appendonly: false });
    const harness = await startRelay(redis.url);
    const acknowledged = new Set<string>();
    const stats = createDeliveryStats();
    // Acknowledged while no worker runs: the events exist only in Redis memory.
    for (let i = 0; i < 5; i++) {
      await Promise.all(
        Array.from({ length: 4 }, (_, chat) =>
          deliver(
            () => harness.post(buildTextMessage({ chatId: chatId(chat), body: token(chat, 'm', i) })),
            token(chat, 'm', i),
            acknowledged,
            stats,
          ),
        ),
      );
    }
    await redis.kill('SIGKILL');
    await redis.restart();
    await harness.spawnWorker();
    await sleep(3000);
    const result = invariantsOf(harness, acknowledged, await readDeadLetters(harness));
    report('negative:redis-without-persistence', result);
    expect(result.acknowledged).toBe(20);
    expect(result.lost).toBeGreaterThan(0);
  }, 60_000);

  it('negative control: with the ledger switched off a worker kill duplicates messages, and the check sees it', async () => {
    redis = await startRedisServer({ appendonly: false });
    const harness = await startRelay(redis.url, { RELAY_UNSAFE_DISABLE_LEDGER: '1' });
    // Chatwoot stores each message after 300 ms whether or not the caller is still there, so a worker killed
    // while its requests are in flight leaves messages behind whose jobs run again.
    harness.chatwoot.setLatency(300);
    const victim = await harness.spawnWorker();
    const acknowledged = new Set<string>();
    const stats = createDeliveryStats();
    await Promise.all(
      Array.from({ length: 4 }, async (_, chat) => {
        for (let i = 0; i < 4; i++) {
          await deliver(
            () => harness.post(buildTextMessage({ chatId: chatId(chat), body: token(chat, 'm', i) })),
            token(chat, 'm', i),
            acknowledged,
            stats,
          );
        }
      }),
    );
    // Once every chat has its contact and conversation (no contact lock held), kill while a message create is in
    // flight: the simulator has it (status 0 = not answered yet) and stores it after its latency.
    const createInFlight = () =>
      harness.chatwoot.requests.some(
        (r) => r.method === 'POST' && /\/messages$/.test(r.path) && r.status === 0,
      );
    await waitFor(
      () =>
        harness.chatwoot.conversations(1).length === 4 &&
        harness.chatwoot.allMessages(1).length >= 4 &&
        createInFlight(),
      { what: 'a message create in flight', timeoutMs: 30_000, intervalMs: 5 },
    );
    await victim.kill('SIGKILL');
    await harness.spawnWorker();
    await waitFor(() => missing({ ...harness, acknowledged }, new Set()).length === 0, {
      what: 'every message delivered',
      timeoutMs: 45_000,
    });
    await sleep(1000);
    const result = invariantsOf(harness, acknowledged, await readDeadLetters(harness));
    report('negative:ledger-off', result);
    expect(result.duplicated).toBeGreaterThan(0);
  }, 90_000);

  it('negative control: an undelivered message whose DLQ entry is discarded is unaccounted for, and the check sees it', async () => {
    redis = await startRedisServer({ appendonly: false });
    const harness = await startRelay(redis.url);
    refuseContactOf(harness.chatwoot, chatId(DEAD_CHAT));
    await harness.startWorker();
    const acknowledged = new Set<string>();
    const stats = createDeliveryStats();
    for (const chat of [0, DEAD_CHAT]) {
      for (let i = 0; i < 2; i++) {
        await deliver(
          () => harness.post(buildTextMessage({ chatId: chatId(chat), body: token(chat, 'm', i) })),
          token(chat, 'm', i),
          acknowledged,
          stats,
        );
      }
    }
    await waitFor(
      async () =>
        missing({ ...harness, acknowledged }, deadTokens(await readDeadLetters(harness))).length === 0,
      { what: 'every message delivered or dead-lettered', timeoutMs: 20_000, intervalMs: 100 },
    );
    const check = async () => invariantsOf(harness, acknowledged, await readDeadLetters(harness));
    expect(await check()).toMatchObject({
      acknowledged: 4,
      delivered: 2,
      deadLettered: 2,
      lost: 0,
      deadLettersWithoutReason: 0,
      deadLetteredAndDelivered: 0,
    });
    // An operator discards one entry: its message is now neither delivered nor in the DLQ.
    const [victim] = await readDeadLetters(harness);
    if (!victim) throw new Error('no dead letter to discard');
    expect(await discardDeadLetters(harness, [victim.id])).toMatchObject({ discarded: 1 });
    const result = await check();
    report('negative:dlq-entry-discarded', result, { discarded: deadLetterToken(victim) });
    expect(result).toMatchObject({ lost: 1, lostTokens: [deadLetterToken(victim)], deadLettered: 1 });
  }, 30_000);
});
