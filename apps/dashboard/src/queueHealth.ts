import type { QueueSnapshot, QueueStats } from '@relay/observability';
import { DEAD_LETTER_QUEUE } from '@relay/queue';
import type { Job, Queue } from 'bullmq';

/** One queue's counts as the health page shows them. */
export interface QueueHealth extends QueueStats {
  waiting: number;
  active: number;
  delayed: number;
  failed: number;
  completed: number;
  /** Remaining pause (ms) of a partition held by a retry or a budget deferral; 0 when running. */
  pausedForMs: number;
}

async function oldestTimestamp(queue: Queue): Promise<number | null> {
  const [waiting, prioritized] = await Promise.all([
    queue.getJobs(['waiting'], 0, 0, true),
    queue.getJobs(['prioritized'], 0, 0, true),
  ]);
  const stamps = [...waiting, ...prioritized]
    .filter((job): job is Job => Boolean(job))
    .map((job) => job.timestamp);
  return stamps.length > 0 ? Math.min(...stamps) : null;
}

/** Counts, oldest job and connected workers of one queue (a handful of Redis reads). */
export async function readQueueHealth(queue: Queue, now = Date.now()): Promise<QueueHealth> {
  const [counts, oldest, workers, pausedForMs] = await Promise.all([
    queue.getJobCounts('waiting', 'prioritized', 'delayed', 'active', 'failed', 'completed'),
    oldestTimestamp(queue),
    queue.name === DEAD_LETTER_QUEUE ? Promise.resolve(0) : queue.getWorkersCount(),
    // Only an explicit pause (queue.rateLimit: a retry or deferral) counts, not the worker's own rate window.
    queue.name === DEAD_LETTER_QUEUE ? Promise.resolve(0) : queue.getRateLimitTtl(Number.MAX_SAFE_INTEGER),
  ]);
  const count = (state: string) => counts[state] ?? 0;
  return {
    queue: queue.name,
    depth: count('waiting') + count('prioritized') + count('delayed'),
    oldestAgeSeconds: oldest === null ? 0 : Math.max(0, (now - oldest) / 1000),
    workers,
    waiting: count('waiting') + count('prioritized'),
    active: count('active'),
    delayed: count('delayed'),
    failed: count('failed'),
    completed: count('completed'),
    pausedForMs: Math.max(0, pausedForMs),
  };
}

/** Every queue's health; the dead-letter queue's depth is its size. */
export async function readAllQueues(queues: readonly Queue[], now = Date.now()): Promise<QueueHealth[]> {
  return Promise.all(queues.map((queue) => readQueueHealth(queue, now)));
}

/** The snapshot behind the queue gauges of `/metrics` (the DLQ is reported as `relay_dlq_size`, not as a queue). */
export async function queueSnapshot(queues: readonly Queue[]): Promise<QueueSnapshot> {
  const all = await readAllQueues(queues);
  const dlq = all.find((stats) => stats.queue === DEAD_LETTER_QUEUE);
  return {
    queues: all
      .filter((stats) => stats.queue !== DEAD_LETTER_QUEUE)
      .map(({ queue, depth, oldestAgeSeconds, workers }) => ({ queue, depth, oldestAgeSeconds, workers })),
    deadLetters: dlq?.waiting ?? 0,
  };
}
