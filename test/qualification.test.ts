import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createChatwootClient } from '@relay/chatwoot-client';
import { DEALERSHIP_RULES_FILE } from '@relay/lead-rules';
import {
  createDeadLetters,
  createRedisConnection,
  QUALIFY_ROUTE_JOB,
  QUALIFY_SCORE_JOB,
  qualificationQueueName,
  qualifyScoreJobId,
  replayTargetFor,
} from '@relay/queue';
import { buildTextMessage, waitFor } from '@relay/testing';
import { Queue } from 'bullmq';
import { afterEach, describe, expect, it } from 'vitest';
import { CHATWOOT_TOKEN, type RelayHarness } from './support/relayHarness.js';
import { useRelayHarness } from './support/useRelayHarness.js';

const relays = useRelayHarness('qualify');
const opened: Array<{ close(): Promise<unknown> }> = [];

// Runs before the harness closes (vitest runs after-hooks in reverse order).
afterEach(async () => {
  await Promise.all(opened.splice(0).map((item) => item.close()));
});

const CHAT = '31612345678@c.us';

async function startRelay(opts: {
  rulesFile?: string;
  env?: Record<string, string>;
  labelMode?: 'source' | 'seed';
}) {
  const relay = await relays.start({
    tenant: { rulesFile: opts.rulesFile ?? DEALERSHIP_RULES_FILE },
    env: { QUALIFICATION_WINDOW_MS: '1000', ...opts.env },
    ...(opts.labelMode ? { labelMode: opts.labelMode } : {}),
  });
  await relay.startWorker();
  return relay;
}

function qualificationQueue(harness: RelayHarness): Queue {
  const queue = new Queue(qualificationQueueName('dealer'), {
    connection: createRedisConnection(harness.config.redisUrl, 'worker'),
    prefix: harness.config.redisPrefix,
  });
  opened.push(queue);
  return queue;
}

/** Resolves once no qualification job is waiting, delayed or running. */
async function qualificationSettled(queue: Queue) {
  await waitFor(
    async () => {
      const counts = await queue.getJobCounts('waiting', 'delayed', 'active', 'prioritized');
      return Object.values(counts).every((count) => count === 0);
    },
    { what: 'qualification queue drained' },
  );
}

const requestsTo = (harness: RelayHarness, endpoint: string, status = 200) =>
  harness.chatwoot.requests.filter((r) => r.endpoint === endpoint && r.status === status);

async function send(
  harness: RelayHarness,
  body: string,
  extra: { timestampSec?: number; rawId?: string } = {},
) {
  const response = await harness.post(buildTextMessage({ chatId: CHAT, body, ...extra }));
  expect(response.status).toBe(200);
}

const waitForMessages = (harness: RelayHarness, count: number) =>
  waitFor(() => harness.chatwoot.allMessages(1).length >= count, { what: `${count} Chatwoot messages` });

function writeRules(rules: object): string {
  const path = join(mkdtempSync(join(tmpdir(), 'lead-rules-')), 'rules.json');
  writeFileSync(path, JSON.stringify(rules));
  return path;
}

async function labelSkips(harness: RelayHarness): Promise<number> {
  const metric = harness.metrics.registry.getSingleMetric('relay_qualification_label_skips_total');
  const values = (await metric?.get())?.values ?? [];
  return values.reduce((sum, value) => sum + value.value, 0);
}

describe('lead qualification', () => {
  it('coalesces 3 messages within 1 s into one contact update with the final score', async () => {
    const harness = await startRelay({ env: { QUALIFICATION_WINDOW_MS: '1500' } });
    const queue = qualificationQueue(harness);
    const now = Math.floor(Date.now() / 1000);
    await send(harness, 'Hallo', { timestampSec: now });
    await send(harness, 'Kan ik een proefrit maken?', { timestampSec: now });
    await send(harness, 'Ik wil hem kopen', { timestampSec: now });
    await waitForMessages(harness, 3);
    await waitFor(() => harness.chatwoot.contacts(1)[0]?.custom_attributes.lead_score === 67, {
      what: 'lead_score 67 (2 + 10 first contact + 30 + 25)',
      describe: () => harness.chatwoot.contacts(1)[0]?.custom_attributes,
    });
    await qualificationSettled(queue);
    expect(requestsTo(harness, 'PUT /contacts/:id')).toHaveLength(1);
    expect(harness.chatwoot.contacts(1)[0]?.custom_attributes).toEqual({
      lead_score: 67,
      last_interaction: new Date(now * 1000).toISOString(),
    });
    const [conversation] = harness.chatwoot.conversations(1);
    expect(conversation?.labels.sort()).toEqual(['purchase-intent', 'test-drive', 'warm-lead']);
  });

  it('keeps both labels of two concurrent label adds on one conversation, and the agent’s own', async () => {
    const harness = await startRelay({
      env: { QUALIFICATION_WINDOW_MS: '0', QUALIFICATION_CONCURRENCY: '8' },
    });
    const queue = qualificationQueue(harness);
    await send(harness, 'hoi');
    await waitForMessages(harness, 1);
    await qualificationSettled(queue);
    const [conversation] = harness.chatwoot.conversations(1);
    const client = createChatwootClient({
      baseUrl: harness.chatwoot.url,
      apiToken: CHATWOOT_TOKEN,
      accountId: 1,
    });
    await client.setConversationLabels(conversation!.displayId, ['vip']);
    harness.chatwoot.setLatency(40); // every read-merge-write overlaps with the other one
    await send(harness, 'proefrit?');
    await send(harness, 'en mijn auto inruilen?');
    await waitForMessages(harness, 3);
    await qualificationSettled(queue);
    expect(harness.chatwoot.conversations(1)[0]?.labels.sort()).toEqual([
      'test-drive',
      'trade-in',
      'vip',
      'warm-lead',
    ]);
  });

  it('logs, counts and skips a label 404; the message is mirrored', async () => {
    const harness = await startRelay({ labelMode: 'seed' });
    const queue = qualificationQueue(harness);
    await send(harness, 'Is een proefrit mogelijk?');
    await waitForMessages(harness, 1);
    await waitFor(async () => (await labelSkips(harness)) === 1, { what: 'one label skip counted' });
    await qualificationSettled(queue);
    expect(harness.chatwoot.allMessages(1).map((m) => m.content)).toEqual(['Is een proefrit mogelijk?']);
    expect(harness.chatwoot.conversations(1)[0]?.labels).toEqual([]);
    expect(requestsTo(harness, 'PUT /contacts/:id')).toHaveLength(1);
  });

  it('assigns exactly once per threshold crossing, also after replays', async () => {
    const rulesFile = writeRules({
      version: 1,
      rules: [{ id: 'td', keywords: ['test drive'], points: 40 }],
      thresholds: [{ name: 'hot', score: 70, label: 'hot-lead', assign: { agentId: 1 }, status: 'pending' }],
    });
    const harness = await startRelay({ rulesFile });
    const queue = qualificationQueue(harness);
    const deadLetters = createDeadLetters({
      connection: createRedisConnection(harness.config.redisUrl, 'worker'),
      prefix: harness.config.redisPrefix,
      replayTarget: replayTargetFor(harness.config.inboundPartitions),
    });
    opened.push(deadLetters);
    // The first assignment attempt fails for good (422): a qualification failure in the dead-letter queue.
    harness.chatwoot.injectFault({ endpoint: 'POST /conversations/:id/assignments', status: 422, count: 1 });
    const envelope = buildTextMessage({ chatId: CHAT, body: 'test drive?' });
    await harness.post(envelope);
    await harness.post(buildTextMessage({ chatId: CHAT, body: 'test drive on Monday' }));
    await waitForMessages(harness, 2);
    const entry = await waitFor(async () => (await deadLetters.list()).entries[0], {
      what: 'a dead-lettered route',
    });
    expect(entry).toMatchObject({
      jobName: QUALIFY_ROUTE_JOB,
      errorClass: 'qualification_chatwoot_validation',
    });
    expect(harness.chatwoot.conversations(1)[0]?.assigneeId).toBeNull();

    await deadLetters.replay({ ids: [entry.id] });
    await waitFor(() => harness.chatwoot.conversations(1)[0]?.assigneeId === 1, {
      what: 'assigned to agent 1',
    });
    await qualificationSettled(queue);
    // Replays: the route entry once more, and the crossing message's score job under a fresh id.
    await queue.add(QUALIFY_ROUTE_JOB, entry.payload, { jobId: `${entry.sourceJobId}-again` });
    const payload = envelope.payload as { id: string };
    const scoreJob = await queue.getJob(qualifyScoreJobId('dealer', payload.id));
    await queue.add(QUALIFY_SCORE_JOB, scoreJob?.data, { jobId: 'replayed-score' });
    await qualificationSettled(queue);

    expect(requestsTo(harness, 'POST /conversations/:id/assignments')).toHaveLength(1);
    expect(requestsTo(harness, 'POST /conversations/:id/toggle_status')).toHaveLength(1);
    expect(harness.chatwoot.conversations(1)[0]).toMatchObject({
      assigneeId: 1,
      status: 'pending',
      labels: ['hot-lead'],
    });
  });

  it('dead-letters a qualification failure and leaves the message in Chatwoot', async () => {
    const harness = await startRelay({});
    const queue = qualificationQueue(harness);
    const deadLetters = createDeadLetters({
      connection: createRedisConnection(harness.config.redisUrl, 'worker'),
      prefix: harness.config.redisPrefix,
    });
    opened.push(deadLetters);
    harness.chatwoot.injectFault({ endpoint: 'PUT /contacts/:id', status: 422, count: 1 });
    await send(harness, 'Wat kost de lease?');
    await waitForMessages(harness, 1);
    const entry = await waitFor(async () => (await deadLetters.list()).entries[0], {
      what: 'a dead-letter entry',
    });
    await qualificationSettled(queue);
    expect(entry).toMatchObject({
      jobName: 'qualification.attributes',
      errorClass: 'qualification_chatwoot_validation',
      sourceQueue: 'qualify-dealer',
    });
    expect(await deadLetters.count()).toBe(1);
    expect(harness.chatwoot.allMessages(1).map((m) => m.content)).toEqual(['Wat kost de lease?']);
  });

  it('costs at most 1.3 Chatwoot calls per message for a burst of 10 from a returning contact', async () => {
    const harness = await startRelay({ env: { QUALIFICATION_WINDOW_MS: '3000' } });
    const queue = qualificationQueue(harness);
    const now = Math.floor(Date.now() / 1000);
    // Last seen 40 days ago: known to the relay, back after more than 30 days (returning bonus).
    await send(harness, 'Goedemorgen', { timestampSec: now - 40 * 86_400 });
    await waitForMessages(harness, 1);
    await qualificationSettled(queue);
    harness.chatwoot.clearRequests();

    const texts = [
      'Hallo, ik ben terug',
      'Hebben jullie de Golf nog?',
      'Wat kost hij?',
      'Kan ik een proefrit maken?',
      'Zaterdag misschien',
      'Ik wil mijn auto inruilen',
      'Is leasen mogelijk?',
      'Ik wil hem kopen',
      'Kan ik langskomen?',
      'Tot zaterdag',
    ];
    for (const [i, body] of texts.entries()) await send(harness, body, { timestampSec: now + i });
    await waitForMessages(harness, 11);
    await qualificationSettled(queue);

    const calls = harness.chatwoot.requests.length;
    const perMessage = calls / texts.length;
    const byEndpoint = Object.entries(
      harness.chatwoot.requests.reduce<Record<string, number>>((acc, r) => {
        acc[r.endpoint] = (acc[r.endpoint] ?? 0) + 1;
        return acc;
      }, {}),
    );
    console.info(
      `[calls] qualification on, returning contact, burst of ${texts.length}: ${calls} Chatwoot calls = ${perMessage} per message (${byEndpoint.map(([e, n]) => `${e} ×${n}`).join(', ')})`,
    );
    expect(harness.chatwoot.contacts(1)[0]?.custom_attributes.lead_score).toBe(100);
    expect(perMessage).toBeLessThanOrEqual(1.3);
  });
});
