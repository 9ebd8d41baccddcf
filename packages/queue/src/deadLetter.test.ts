import { startTestRedis, type TestRedis, waitFor } from '@relay/testing';
import { type Job, Queue, UnrecoverableError, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  createDeadLetters,
  DEAD_LETTER_QUEUE,
  type DeadLetterInput,
  type DeadLetters,
} from './deadLetter.js';

let redis: TestRedis;
let connection: Redis;
const opened: Array<{ close(): Promise<unknown> }> = [];

beforeAll(async () => {
  redis = await startTestRedis();
  connection = new Redis(redis.url, { maxRetriesPerRequest: null });
});
afterEach(async () => {
  await Promise.all(opened.splice(0).map((thing) => thing.close()));
});
afterAll(async () => {
  connection.disconnect();
  await redis.close();
});

function track<T extends { close(): Promise<unknown> }>(thing: T): T {
  opened.push(thing);
  return thing;
}

function store(label: string, replayTarget?: Parameters<typeof createDeadLetters>[0]['replayTarget']) {
  const prefix = redis.uniquePrefix(label);
  return { prefix, deadLetters: track(createDeadLetters({ connection, prefix, replayTarget })) };
}

const T0 = Date.UTC(2025, 0, 31, 10, 0, 0);
const HOUR = 3_600_000;

function input(n: number, overrides: Partial<DeadLetterInput> = {}): DeadLetterInput {
  const chatId = overrides.chatId ?? `49151000000${n}@c.us`;
  return {
    sourceQueue: 'inbound-acme-p0',
    sourceJobId: `msg-acme-${n}`,
    jobName: 'waha.message',
    payload: {
      tenant: overrides.tenant ?? 'acme',
      message: { chatId, messageId: `false_${chatId}_WA${n}`, phoneAlt: null, body: `hello ${n}` },
      retries: 3,
    },
    attemptsMade: 1,
    errorClass: 'chatwoot_unauthorized',
    lastError: 'chatwoot_unauthorized: 401 Unauthorized',
    stack: null,
    lastFailedAt: T0 + n * HOUR,
    tenant: 'acme',
    chatId,
    messageId: `false_${chatId}_WA${n}`,
    overtaken: false,
    ...overrides,
  };
}

async function addAll(deadLetters: DeadLetters, inputs: DeadLetterInput[]) {
  for (const entry of inputs) await deadLetters.add(entry);
}

describe('dead letters: add and list', () => {
  it('copies the same failure once', async () => {
    const { deadLetters } = store('dlq-add');
    const first = await deadLetters.add(input(1));
    const again = await deadLetters.add({ ...input(1), lastError: 'another copy' });
    expect(first).toEqual({ id: 'inbound-acme-p0-msg-acme-1', created: true });
    expect(again).toEqual({ id: first.id, created: false });
    expect(await deadLetters.count()).toBe(1);
    expect(await deadLetters.get(first.id)).toMatchObject({
      id: first.id,
      lastError: 'chatwoot_unauthorized: 401 Unauthorized',
      firstFailedAt: T0 + HOUR,
      replays: 0,
    });
    expect(await deadLetters.get('nope')).toBeNull();
  });

  it('filters by tenant, chat (phone digits, E.164, chat id, LID phone), error class, time and message id', async () => {
    const { deadLetters } = store('dlq-filter');
    await addAll(deadLetters, [
      input(1),
      input(2, { tenant: 'other', errorClass: 'invalid_payload' }),
      input(3, { chatId: '31612345678@c.us' }),
      input(4, {
        chatId: '99887766@lid',
        payload: { tenant: 'acme', message: { chatId: '99887766@lid', phoneAlt: '4917655501234@c.us' } },
      }),
      input(5, { payload: { tenant: 'acme', chatwootMessageId: 777123 } }),
    ]);
    const ids = async (filter: Parameters<DeadLetters['list']>[0]) =>
      (await deadLetters.list(filter)).entries.map((entry) => entry.sourceJobId);

    expect(await ids({})).toEqual(['msg-acme-5', 'msg-acme-4', 'msg-acme-3', 'msg-acme-2', 'msg-acme-1']);
    expect(await ids({ tenant: 'other' })).toEqual(['msg-acme-2']);
    expect(await ids({ errorClass: 'invalid_payload' })).toEqual(['msg-acme-2']);
    expect(await ids({ chat: '+31 6 1234-5678' })).toEqual(['msg-acme-3']);
    expect(await ids({ chat: '5678' })).toEqual(['msg-acme-3']);
    expect(await ids({ chat: '31612345678@c.us' })).toEqual(['msg-acme-3']);
    expect(await ids({ chat: '+49 176 555 01234' })).toEqual(['msg-acme-4']);
    expect(await ids({ from: T0 + 2 * HOUR, to: T0 + 3 * HOUR })).toEqual(['msg-acme-3', 'msg-acme-2']);
    expect(await ids({ search: '_wa1' })).toEqual(['msg-acme-1']);
    expect(await ids({ search: '777123' })).toEqual(['msg-acme-5']);
    expect(await ids({ search: 'msg-acme-2' })).toEqual(['msg-acme-2']);
    expect(await ids({ tenant: 'acme', errorClass: 'invalid_payload' })).toEqual([]);
  });

  it('pages newest first and reports the total', async () => {
    const { deadLetters } = store('dlq-page');
    await addAll(
      deadLetters,
      Array.from({ length: 7 }, (_, n) => input(n)),
    );
    const page = await deadLetters.list({}, { offset: 2, limit: 3 });
    expect(page.total).toBe(7);
    expect(page.entries.map((entry) => entry.sourceJobId)).toEqual([
      'msg-acme-4',
      'msg-acme-3',
      'msg-acme-2',
    ]);
    expect((await deadLetters.list({}, { offset: 6, limit: 3 })).entries).toHaveLength(1);
  });
});

describe('dead letters: replay and discard', () => {
  it('replays as a fresh -r1 job on the target queue with retries reset, and removes the entry', async () => {
    const { prefix, deadLetters } = store('dlq-replay', (entry) => `inbound-${entry.tenant}-p9`);
    const { id } = await deadLetters.add(input(1));
    const target = track(new Queue('inbound-acme-p9', { connection, prefix }));

    const dry = await deadLetters.replay({ ids: [id] }, { dryRun: true });
    expect(dry).toEqual({ matched: 1, replayed: 0, jobIds: [], missing: [] });
    expect(await deadLetters.count()).toBe(1);
    expect(await target.count()).toBe(0);

    const result = await deadLetters.replay({ ids: [id, 'missing-id'] });
    expect(result).toEqual({ matched: 1, replayed: 1, jobIds: ['msg-acme-1-r1'], missing: ['missing-id'] });
    const job = await target.getJob('msg-acme-1-r1');
    expect(job?.name).toBe('waha.message');
    expect(job?.data).toMatchObject({ tenant: 'acme', retries: 0, message: { body: 'hello 1' } });
    expect(await deadLetters.get(id)).toBeNull();
    expect(await deadLetters.count()).toBe(0);
  });

  it('replays a filter in bounded batches, oldest first, reporting progress', async () => {
    const { prefix, deadLetters } = store('dlq-batch');
    await addAll(deadLetters, [
      ...Array.from({ length: 5 }, (_, n) => input(n)),
      input(9, { tenant: 'other' }),
    ]);
    const progress: Array<[number, number]> = [];
    const result = await deadLetters.replay(
      { filter: { tenant: 'acme' } },
      { batchSize: 2, limit: 4, onProgress: (done, total) => progress.push([done, total]) },
    );
    expect(result.matched).toBe(5);
    expect(result.replayed).toBe(4);
    expect(result.jobIds).toEqual(['msg-acme-0-r1', 'msg-acme-1-r1', 'msg-acme-2-r1', 'msg-acme-3-r1']);
    expect(progress).toEqual([
      [2, 4],
      [4, 4],
    ]);
    const source = track(new Queue('inbound-acme-p0', { connection, prefix }));
    // Added in order: the oldest failure is at the head of the partition.
    expect((await source.getJobs(['waiting'], 0, -1, true)).map((job) => job.id)).toEqual(result.jobIds);
    expect((await deadLetters.list()).entries.map((entry) => entry.sourceJobId)).toEqual([
      'msg-acme-9',
      'msg-acme-4',
    ]);
  });

  it('discards by ids and by filter; a dry run changes nothing', async () => {
    const { deadLetters } = store('dlq-discard');
    await addAll(
      deadLetters,
      Array.from({ length: 4 }, (_, n) => input(n, { errorClass: n < 3 ? 'invalid_payload' : 'other' })),
    );
    expect(
      await deadLetters.discard({ filter: { errorClass: 'invalid_payload' } }, { dryRun: true }),
    ).toEqual({
      matched: 3,
      discarded: 0,
      missing: [],
    });
    expect(await deadLetters.count()).toBe(4);
    expect(await deadLetters.discard({ ids: ['inbound-acme-p0-msg-acme-3'] })).toEqual({
      matched: 1,
      discarded: 1,
      missing: [],
    });
    const progress: number[] = [];
    const result = await deadLetters.discard(
      { filter: { errorClass: 'invalid_payload' } },
      { batchSize: 2, onProgress: (done) => progress.push(done) },
    );
    expect(result).toEqual({ matched: 3, discarded: 3, missing: [] });
    expect(progress).toEqual([2, 3]);
    expect(await deadLetters.count()).toBe(0);
  });
});

describe('dead letters: failed jobs', () => {
  async function failOnce(prefix: string, queueName: string, jobId: string, data: object) {
    const queue = track(new Queue(queueName, { connection, prefix }));
    const worker = track(
      new Worker(
        queueName,
        async () => {
          throw new UnrecoverableError('chatwoot_unauthorized: 401 Unauthorized');
        },
        { connection, prefix },
      ),
    );
    await queue.add('waha.message', data, { jobId });
    const failed = await waitFor(
      async () => {
        // Read again once failed: the first read may predate `finishedOn`.
        const job = await queue.getJob(jobId);
        return (await job?.isFailed()) ? queue.getJob(jobId) : null;
      },
      { what: `job ${jobId} to fail` },
    );
    await worker.close();
    return { queue, job: failed as Job };
  }

  const classify = () => ({ errorClass: 'chatwoot_unauthorized', overtaken: true });

  it('sweeps a failed job into the DLQ once, never after it was discarded', async () => {
    const { prefix, deadLetters } = store('dlq-sweep');
    const data = {
      tenant: 'acme',
      message: { chatId: '4915112345678@c.us', messageId: 'false_4915112345678@c.us_AAA' },
      retries: 2,
    };
    const { queue, job } = await failOnce(prefix, 'inbound-acme-p1', 'msg-acme-AAA', data);

    expect(await deadLetters.sweep([queue], classify)).toBe(1);
    expect(await deadLetters.sweep([queue], classify)).toBe(0);
    expect(await deadLetters.fromFailedJob(job, classify())).toEqual({
      id: 'inbound-acme-p1-msg-acme-AAA',
      created: false,
    });
    const entry = await deadLetters.get('inbound-acme-p1-msg-acme-AAA');
    expect(entry).toMatchObject({
      sourceQueue: 'inbound-acme-p1',
      sourceJobId: 'msg-acme-AAA',
      jobName: 'waha.message',
      payload: data,
      attemptsMade: 1,
      errorClass: 'chatwoot_unauthorized',
      lastError: 'chatwoot_unauthorized: 401 Unauthorized',
      tenant: 'acme',
      chatId: '4915112345678@c.us',
      messageId: 'false_4915112345678@c.us_AAA',
      overtaken: true,
      replays: 0,
    });
    expect(entry?.stack).toContain('UnrecoverableError');
    expect(entry?.lastFailedAt).toBe(job.finishedOn);

    await deadLetters.discard({ ids: [entry!.id] });
    expect(await deadLetters.sweep([queue], classify)).toBe(0);
    expect(await deadLetters.count()).toBe(0);
    const dlq = track(new Queue(DEAD_LETTER_QUEUE, { connection, prefix }));
    expect(await dlq.getWaitingCount()).toBe(0);
  });

  it('brings a replay that fails again back under the same entry id, counting the replay', async () => {
    const { prefix, deadLetters } = store('dlq-again');
    const data = { tenant: 'acme', message: { chatId: '1@c.us', messageId: 'm1' }, retries: 1 };
    const first = await failOnce(prefix, 'inbound-acme-p2', 'msg-acme-BBB', data);
    const { id } = await deadLetters.fromFailedJob(first.job, classify());
    const firstFailedAt = (await deadLetters.get(id))!.firstFailedAt;

    expect((await deadLetters.replay({ ids: [id] })).jobIds).toEqual(['msg-acme-BBB-r1']);
    const worker = track(
      new Worker(
        'inbound-acme-p2',
        async () => {
          throw new UnrecoverableError('chatwoot_unauthorized: still 401');
        },
        { connection, prefix },
      ),
    );
    const again = await waitFor(
      async () => {
        const job = await first.queue.getJob('msg-acme-BBB-r1');
        return (await job?.isFailed()) ? first.queue.getJob('msg-acme-BBB-r1') : null;
      },
      { what: 'the replay to fail' },
    );
    await worker.close();
    expect(again.data).toMatchObject({ retries: 0 });

    expect(await deadLetters.fromFailedJob(again as Job, classify())).toEqual({ id, created: true });
    expect(await deadLetters.get(id)).toMatchObject({
      sourceJobId: 'msg-acme-BBB',
      replays: 1,
      firstFailedAt,
      lastError: 'chatwoot_unauthorized: still 401',
    });
    // The original failed job and the failed replay were both copied already.
    expect(await deadLetters.sweep([first.queue], classify)).toBe(0);
    expect((await deadLetters.replay({ ids: [id] })).jobIds).toEqual(['msg-acme-BBB-r2']);
  });
});
