import { type Logger, logNonConnectionErrors, type RelayMetrics } from '@relay/observability';
import type { DeadLetters } from '@relay/queue';
import type { Job, Queue, Worker } from 'bullmq';

/** Error class of a failed job, from the `class: reason` text the processor fails with (or BullMQ's stall limit). */
export function errorClassOf(job: Job): string {
  const reason = job.failedReason ?? '';
  return /^([a-z_]+): /.exec(reason)?.[1] ?? (/stalled/i.test(reason) ? 'stalled' : 'unknown');
}

/**
 * Copies every job that fails for good to the dead-letter queue (on the workers' `failed` event), and sweeps the
 * failed sets periodically for failures that event missed (it is not atomic with the failure: a crash in between
 * leaves a failed job without an entry).
 */
export function copyFailuresToDeadLetters(opts: {
  workers: Worker[];
  queues: Queue[];
  deadLetters: DeadLetters;
  logger: Logger;
  metrics: RelayMetrics;
  /** How the workers read in logs, e.g. `message`, `qualification`. */
  label: string;
  sweepIntervalMs: number;
  /** False for a failed attempt that BullMQ will retry (workers that use BullMQ attempts). Default: every failure. */
  isFinal?(job: Job): Promise<boolean>;
  /** Whether later jobs of the same chat are queued behind the failed one. Default: false. */
  overtaken?(job: Job): Promise<boolean>;
}): { sweep(): Promise<void>; stop(): void } {
  const { logger } = opts;
  const deadLetter = async (job: Job) => {
    if (opts.isFinal && !(await opts.isFinal(job))) return;
    const errorClass = errorClassOf(job);
    const overtaken = opts.overtaken ? await opts.overtaken(job) : false;
    const { created } = await opts.deadLetters.fromFailedJob(job, { errorClass, overtaken });
    if (created) opts.metrics.deadLettered.inc({ job: job.name, error_class: errorClass });
  };
  for (const worker of opts.workers) {
    // Redis connection errors at debug: the process's connection watchers report the outage once.
    worker.on('error', logNonConnectionErrors(logger, `${opts.label} worker error`, { queue: worker.name }));
    worker.on('failed', (job) => {
      if (!job) return;
      deadLetter(job).catch((error: unknown) =>
        logger.error(
          { err: error, jobId: job.id },
          'could not copy the failed job to the dead-letter queue; the sweep will',
        ),
      );
    });
  }
  const sweep = async () => {
    const copied = await opts.deadLetters.sweep(opts.queues, (job) => ({
      errorClass: errorClassOf(job),
      overtaken: false,
    }));
    if (copied > 0) logger.warn({ copied }, 'dead-letter sweep copied failed jobs the failed handler missed');
  };
  const timer = setInterval(() => {
    sweep().catch((error: unknown) => logger.error({ err: error }, `${opts.label} dead-letter sweep failed`));
  }, opts.sweepIntervalMs);
  timer.unref();
  return { sweep, stop: () => clearInterval(timer) };
}

/** How long closing may overrun the shutdown deadline before it is left unfinished. */
const CLOSE_GRACE_MS = 1000;

/** True when `promise` settles within `ms`, false when it is still pending then. */
async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<false>((resolve) => {
    timer = setTimeout(resolve, ms, false);
  });
  try {
    return await Promise.race([
      promise.then(
        () => true,
        () => true,
      ),
      late,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Stops the workers taking jobs and waits for running ones up to `deadlineMs` (BullMQ's `close()` has no
 * deadline), then stops waiting: unfinished jobs keep their locks until these expire and are then retried by
 * another worker. BullMQ cannot force a close already under way (`close(true)` returns the pending graceful one),
 * and a Worker whose blocking connection is still reconnecting to Redis never finishes closing (bullmq#4656), so
 * the caller drops the connections instead. Closes the queues last, as long as they answer within a grace.
 */
export async function closeWorkers(
  workers: Worker[],
  queues: Queue[],
  deadlineMs: number,
  logger: Logger,
): Promise<void> {
  const open = new Set(workers.map((worker) => worker.name));
  const closing = Promise.all(
    workers.map((worker) => worker.close().finally(() => open.delete(worker.name))),
  );
  if (!(await settlesWithin(closing, deadlineMs))) {
    logger.warn(
      { deadlineMs, queues: [...open] },
      'workers not closed at the shutdown deadline (jobs still running, or Redis unreachable); not waiting for ' +
        'them: their unfinished jobs are retried once their locks expire',
    );
  }
  await settlesWithin(Promise.all(queues.map((queue) => queue.close())), CLOSE_GRACE_MS);
}
