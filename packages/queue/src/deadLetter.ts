import { type Job, Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { type DeadLetterEntry, type DeadLetterFilter, matchesDeadLetterFilter } from './deadLetterFilter.js';
import { JOB_RETENTION } from './retention.js';

export {
  type DeadLetterEntry,
  type DeadLetterFilter,
  isEmptyDeadLetterFilter,
  matchesDeadLetterFilter,
  parseTimeBound,
} from './deadLetterFilter.js';

/**
 * The dead-letter queue: a BullMQ queue with no worker, so its entries stay `waiting` and Bull Board shows them.
 * Each job is one {@link DeadLetterEntry} (job id = entry id, job name = the failed job's name).
 */
export const DEAD_LETTER_QUEUE = 'dead-letter';

/** Bookkeeping outlives failed jobs (kept 30 days, see `JOB_RETENTION`) so the sweep never copies one twice. */
const BOOKKEEPING_TTL_S = 31 * 86_400;
const SCAN_PAGE = 1000;
const DEFAULT_BATCH_SIZE = 100;
const DEFAULT_LIST_LIMIT = 100;

export type DeadLetterSelection = { ids: string[] } | { filter: DeadLetterFilter };

export interface BulkOptions {
  /** Count what would be touched; change nothing. */
  dryRun?: boolean;
  /** Entries handled per round trip; `onProgress` is called after each batch. Default 100. */
  batchSize?: number;
  /** Handle at most this many (the oldest failures first). */
  limit?: number;
  onProgress?: (done: number, total: number) => void;
}

export interface ReplayResult {
  /** Entries the selection matched (before `limit`). */
  matched: number;
  replayed: number;
  /** Ids of the fresh jobs, in the order they were added. */
  jobIds: string[];
  /** Requested ids with no entry (selection by ids only). */
  missing: string[];
}

export interface DiscardResult {
  matched: number;
  discarded: number;
  missing: string[];
}

export type DeadLetterInput = Omit<DeadLetterEntry, 'id' | 'replays' | 'firstFailedAt'> & {
  firstFailedAt?: number;
  replays?: number;
};

export interface DeadLetters {
  /** Stores an entry unless one with the same id is there already (`created: false`). */
  add(input: DeadLetterInput): Promise<{ id: string; created: boolean }>;
  /**
   * Copies a job that failed for good (the caller checks finality). A job that was copied before (even if its
   * entry was discarded or replayed since) is not copied again. A failed replay comes back under its entry's id.
   */
  fromFailedJob(
    job: Job,
    info: { errorClass: string; overtaken: boolean },
  ): Promise<{ id: string; created: boolean }>;
  /** Newest failure first. Default page: offset 0, limit 100. */
  list(
    filter?: DeadLetterFilter,
    page?: { offset?: number; limit?: number },
  ): Promise<{ entries: DeadLetterEntry[]; total: number }>;
  get(id: string): Promise<DeadLetterEntry | null>;
  /**
   * Adds each entry back as a fresh job `${sourceJobId}-r${replays + 1}` (same name, payload with `retries: 0`) to
   * the replay target, oldest failure first, then removes the entry. Exactly-once markers are not touched: the
   * worker still skips a message that did reach Chatwoot.
   */
  replay(selection: DeadLetterSelection, opts?: BulkOptions): Promise<ReplayResult>;
  /** Removes the entries for good. */
  discard(selection: DeadLetterSelection, opts?: BulkOptions): Promise<DiscardResult>;
  /** Copies the failed jobs of `queues` that were never copied (a crash between failing and copying). */
  sweep(queues: Queue[], classify: (job: Job) => { errorClass: string; overtaken: boolean }): Promise<number>;
  /** Entries in the dead-letter queue. */
  count(): Promise<number>;
  /** Closes the queues it opened; the connection stays open (it belongs to the caller). */
  close(): Promise<void>;
}

/** What a replay leaves behind so that the replayed job, if it fails too, returns to the same entry. */
interface ReplayRecord {
  sourceQueue: string;
  sourceJobId: string;
  replays: number;
  firstFailedAt: number;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function stringAt(value: unknown, ...path: string[]): string | null {
  let current = value;
  for (const key of path) {
    if (!isRecord(current)) return null;
    current = current[key];
  }
  return typeof current === 'string' ? current : null;
}

function toEntry(job: Job | undefined | null): DeadLetterEntry | null {
  if (!job?.id || !isRecord(job.data) || typeof job.data.sourceQueue !== 'string') return null;
  return { ...(job.data as unknown as DeadLetterEntry), id: job.id };
}

function entryId(sourceQueue: string, sourceJobId: string): string {
  return `${sourceQueue}-${sourceJobId}`;
}

function freshPayload(payload: unknown): unknown {
  return isRecord(payload) && 'retries' in payload ? { ...payload, retries: 0 } : payload;
}

function byOldestFailure(a: DeadLetterEntry, b: DeadLetterEntry): number {
  return a.lastFailedAt - b.lastFailedAt || a.id.localeCompare(b.id);
}

/** The dead-letter store. Every read and write of the DLQ goes through here (STYLE §4.10). */
export function createDeadLetters(opts: {
  connection: Redis;
  prefix: string;
  /** Queue a replay goes to; default the entry's `sourceQueue`. */
  replayTarget?: (entry: DeadLetterEntry) => string;
}): DeadLetters {
  const { connection, prefix } = opts;
  // Connection errors reach callers as rejected operations; the owner of the connection logs them.
  const open = (name: string) => new Queue(name, { connection, prefix }).on('error', () => {});
  const dlq = open(DEAD_LETTER_QUEUE);
  const targets = new Map<string, Queue>();
  const target = (name: string) => {
    let queue = targets.get(name);
    if (!queue) {
      queue = open(name);
      targets.set(name, queue);
    }
    return queue;
  };
  const copiedKey = (queue: string, jobId: string) => `${prefix}:dlq:copied:${queue}:${jobId}`;
  const replayKey = (queue: string, jobId: string) => `${prefix}:dlq:replay:${queue}:${jobId}`;

  const scan = async (): Promise<DeadLetterEntry[]> => {
    const entries: DeadLetterEntry[] = [];
    for (let start = 0; ; start += SCAN_PAGE) {
      const jobs = await dlq.getJobs(['waiting'], start, start + SCAN_PAGE - 1, true);
      for (const job of jobs) {
        const entry = toEntry(job as Job);
        if (entry) entries.push(entry);
      }
      if (jobs.length < SCAN_PAGE) return entries;
    }
  };

  const get = async (id: string) => toEntry((await dlq.getJob(id)) as Job | undefined);

  const select = async (selection: DeadLetterSelection, limit: number | undefined) => {
    let entries: DeadLetterEntry[];
    let missing: string[] = [];
    if ('ids' in selection) {
      const ids = [...new Set(selection.ids)];
      const found = await Promise.all(ids.map(get));
      entries = found.filter((entry): entry is DeadLetterEntry => entry !== null);
      missing = ids.filter((_, i) => found[i] === null);
    } else {
      entries = (await scan()).filter((entry) => matchesDeadLetterFilter(entry, selection.filter));
    }
    // Oldest first: a chat's messages go back to its partition in the order they failed.
    entries.sort(byOldestFailure);
    const matched = entries.length;
    return { matched, missing, chosen: limit === undefined ? entries : entries.slice(0, Math.max(0, limit)) };
  };

  const inBatches = async <T>(
    items: T[],
    bulk: BulkOptions,
    handle: (batch: T[]) => Promise<void>,
  ): Promise<void> => {
    const size = Math.max(1, Math.floor(bulk.batchSize ?? DEFAULT_BATCH_SIZE));
    for (let done = 0; done < items.length; ) {
      const batch = items.slice(done, done + size);
      await handle(batch);
      done += batch.length;
      bulk.onProgress?.(done, items.length);
    }
  };

  const add: DeadLetters['add'] = async (input) => {
    const id = entryId(input.sourceQueue, input.sourceJobId);
    if (await dlq.getJob(id)) return { id, created: false };
    const entry: DeadLetterEntry = {
      ...input,
      id,
      firstFailedAt: input.firstFailedAt ?? input.lastFailedAt,
      replays: input.replays ?? 0,
    };
    // Idempotent by job id: a concurrent copy of the same failure stores nothing more.
    await dlq.add(entry.jobName, entry, { jobId: id });
    return { id, created: true };
  };

  const fromFailedJob: DeadLetters['fromFailedJob'] = async (job, info) => {
    const jobId = job.id ?? '';
    const rawReplay = await connection.get(replayKey(job.queueName, jobId));
    const replay = rawReplay === null ? null : (JSON.parse(rawReplay) as ReplayRecord);
    const sourceQueue = replay?.sourceQueue ?? job.queueName;
    const sourceJobId = replay?.sourceJobId ?? jobId;
    const id = entryId(sourceQueue, sourceJobId);
    if ((await connection.exists(copiedKey(job.queueName, jobId))) === 1) return { id, created: false };
    const lastFailedAt = job.finishedOn ?? job.processedOn ?? job.timestamp ?? Date.now();
    const result = await add({
      sourceQueue,
      sourceJobId,
      jobName: job.name,
      payload: job.data,
      attemptsMade: job.attemptsMade,
      errorClass: info.errorClass,
      lastError: job.failedReason ?? '',
      stack: job.stacktrace?.at(-1) ?? null,
      firstFailedAt: replay?.firstFailedAt ?? lastFailedAt,
      lastFailedAt,
      tenant: stringAt(job.data, 'tenant'),
      chatId: stringAt(job.data, 'message', 'chatId') ?? stringAt(job.data, 'chatId'),
      messageId: stringAt(job.data, 'message', 'messageId'),
      overtaken: info.overtaken,
      replays: replay?.replays ?? 0,
    });
    await connection.set(copiedKey(job.queueName, jobId), result.id, 'EX', BOOKKEEPING_TTL_S);
    return result;
  };

  return {
    add,
    fromFailedJob,
    get,

    async list(filter = {}, page = {}) {
      const matching = (await scan())
        .filter((entry) => matchesDeadLetterFilter(entry, filter))
        .sort((a, b) => -byOldestFailure(a, b));
      const offset = Math.max(0, page.offset ?? 0);
      const limit = Math.max(0, page.limit ?? DEFAULT_LIST_LIMIT);
      return { entries: matching.slice(offset, offset + limit), total: matching.length };
    },

    async replay(selection, bulk = {}) {
      const { matched, missing, chosen } = await select(selection, bulk.limit);
      const jobIds: string[] = [];
      if (bulk.dryRun) return { matched, replayed: 0, jobIds, missing };
      await inBatches(chosen, bulk, async (batch) => {
        const planned = batch.map((entry) => ({
          entry,
          queue: opts.replayTarget?.(entry) ?? entry.sourceQueue,
          jobId: `${entry.sourceJobId}-r${entry.replays + 1}`,
        }));
        // 1. Where a failed replay must come back to, written before the job can run.
        const records = connection.multi();
        for (const { entry, queue, jobId } of planned) {
          const record: ReplayRecord = {
            sourceQueue: entry.sourceQueue,
            sourceJobId: entry.sourceJobId,
            replays: entry.replays + 1,
            firstFailedAt: entry.firstFailedAt,
          };
          records.set(replayKey(queue, jobId), JSON.stringify(record), 'EX', BOOKKEEPING_TTL_S);
        }
        await records.exec();
        // 2. Fresh jobs, one addBulk per queue so a chat's messages keep their order. A retry after a crash
        //    reuses the same job ids, so nothing is added twice.
        const byQueue = new Map<string, typeof planned>();
        for (const plan of planned) byQueue.set(plan.queue, [...(byQueue.get(plan.queue) ?? []), plan]);
        for (const [queue, plans] of byQueue) {
          await target(queue).addBulk(
            plans.map(({ entry, jobId }) => ({
              name: entry.jobName,
              data: freshPayload(entry.payload),
              opts: { jobId, ...JOB_RETENTION },
            })),
          );
        }
        // 3. Only then the entries leave the DLQ.
        await Promise.all(planned.map(({ entry }) => dlq.remove(entry.id)));
        jobIds.push(...planned.map((plan) => plan.jobId));
      });
      return { matched, replayed: jobIds.length, jobIds, missing };
    },

    async discard(selection, bulk = {}) {
      const { matched, missing, chosen } = await select(selection, bulk.limit);
      let discarded = 0;
      if (bulk.dryRun) return { matched, discarded, missing };
      await inBatches(chosen, bulk, async (batch) => {
        const removed = await Promise.all(batch.map((entry) => dlq.remove(entry.id)));
        discarded += removed.filter((count) => count === 1).length;
      });
      return { matched, discarded, missing };
    },

    async sweep(queues, classify) {
      let created = 0;
      for (const queue of queues) {
        for (let start = 0; ; start += SCAN_PAGE) {
          const page = await queue.getJobs(['failed'], start, start + SCAN_PAGE - 1, true);
          const jobs = page.filter((job): job is Job => Boolean(job?.id));
          const copied = connection.pipeline();
          for (const job of jobs) copied.exists(copiedKey(job.queueName, job.id!));
          const seen = (await copied.exec()) ?? [];
          for (const [i, job] of jobs.entries()) {
            if (seen[i]?.[1] === 1) continue;
            if ((await fromFailedJob(job, classify(job))).created) created += 1;
          }
          if (page.length < SCAN_PAGE) break;
        }
      }
      return created;
    },

    count: () => dlq.getWaitingCount(),

    async close() {
      await Promise.all([dlq, ...targets.values()].map((queue) => queue.close()));
    },
  };
}
