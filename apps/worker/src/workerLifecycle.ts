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

/**
 * Stops the workers taking jobs and waits for running ones up to `deadlineMs` (BullMQ's `close()` has no
 * deadline), then abandons them: they stall and are retried elsewhere. Closes the queues last.
 */
export async function closeWorkers(
  workers: Worker[],
  queues: Queue[],
  deadlineMs: number,
  logger: Logger,
): Promise<void> {
  const graceful = Promise.all(workers.map((worker) => worker.close()));
  const timedOut = await Promise.race([
    graceful.then(() => false),
    new Promise<boolean>((resolve) => setTimeout(resolve, deadlineMs, true).unref()),
  ]);
  if (timedOut) {
    logger.warn({ deadlineMs }, 'jobs still running at the shutdown deadline; abandoning them to be retried');
    await Promise.all(workers.map((worker) => worker.close(true)));
  }
  await Promise.all(queues.map((queue) => queue.close()));
}
