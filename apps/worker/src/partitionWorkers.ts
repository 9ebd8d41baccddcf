import type { RelayConfig } from '@relay/config';
import { type Logger, logNonConnectionErrors, type RelayMetrics } from '@relay/observability';
import type { DeadLetters } from '@relay/queue';
import { type Job, Queue, RateLimitError, UnrecoverableError, type Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { z } from 'zod';
import { decideFailure, PermanentJobError } from './retryPolicy.js';
import type { Semaphore } from './semaphore.js';
import { SlotGatedWorker } from './slotGatedWorker.js';
import { closeWorkers, copyFailuresToDeadLetters } from './workerLifecycle.js';

/** The partition queues' rate-limit switch is how a retry keeps its job at the head; it needs a limiter to exist. */
const HEAD_OF_LINE_LIMITER = { max: 1_000_000_000, duration: 1000 };

/** Job data of every partition job: its tenant and the transient failures retried so far. */
export interface PartitionJobData {
  tenant: string;
  retries: number;
}

/** What a handler returns: an outcome for logs and metrics, plus anything worth keeping as the job's result. */
export type PartitionJobResult = { outcome: string } & Record<string, unknown>;

export interface PartitionWorkersOptions<T extends PartitionJobData> {
  /** Partition queue names; each gets a global concurrency of 1. */
  names: string[];
  /** How failures read in logs, e.g. `message`, `outbound job`. */
  label: string;
  config: RelayConfig;
  /** Shared connection (maxRetriesPerRequest: null); each Worker duplicates it for its blocking reads. */
  connection: Redis;
  /** Caps jobs run at once by this process across every partition worker that shares it; a job is taken only with a slot. */
  semaphore: Semaphore;
  deadLetters: DeadLetters;
  logger: Logger;
  metrics: RelayMetrics;
  /** Validates the job data again on dequeue (it may predate this deploy); throw PermanentJobError when invalid. */
  parse(job: Job): T;
  /** Fields that say which job, tenant and chat a log line is about. */
  where(job: Job, data: T | undefined): Record<string, unknown>;
  handle(job: Job, data: T, signal: AbortSignal | undefined): Promise<PartitionJobResult>;
  /** Runs before a job fails for good (e.g. mark the Chatwoot message failed); its own errors are only logged. */
  onGiveUp?(job: Job, data: T, reason: string): Promise<void>;
  /** Whether later jobs of the same chat are queued behind a job that failed for good (recorded in the DLQ). */
  overtaken?(job: Job, queue: Queue): Promise<boolean>;
}

export interface PartitionWorkers {
  workers: Worker[];
  queues: Map<string, Queue>;
  /** Copies failed jobs that have no dead-letter entry yet; also runs every `dlqSweepIntervalMs`. */
  sweep(): Promise<void>;
  /** Stops taking jobs and waits for running ones up to `deadlineMs`, then abandons them (they stall and are retried). */
  close(deadlineMs: number): Promise<void>;
}

/** Parses job data with a zod schema; invalid data is a permanent failure named by its first issue. */
export function parseJobData<T>(schema: { safeParse(data: unknown): z.ZodSafeParseResult<T> }, job: Job): T {
  const parsed = schema.safeParse(job.data);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  throw new PermanentJobError(
    'invalid_payload',
    `job data invalid at ${issue?.path.join('.')}: ${issue?.message}`,
  );
}

/**
 * One BullMQ Worker per partition queue, each queue with a global concurrency of 1, so the jobs of one chat run
 * one at a time, in order, across every process. A transient failure pauses only its partition for the backoff
 * and puts the job back at the head (RateLimitError, no BullMQ attempt used; retries are counted in the data),
 * so later jobs of the chat never overtake it. A final failure is logged once and copied to the dead-letter
 * queue; a periodic sweep copies what a crash between the two left behind.
 */
export async function startPartitionWorkers<T extends PartitionJobData>(
  opts: PartitionWorkersOptions<T>,
): Promise<PartitionWorkers> {
  const { config, logger, metrics } = opts;
  const queues = new Map(
    opts.names.map((name) => [
      name,
      new Queue(name, { connection: opts.connection, prefix: config.redisPrefix }).on(
        'error',
        logNonConnectionErrors(logger, `${opts.label} queue error`, { queue: name }),
      ),
    ]),
  );
  await Promise.all([...queues.values()].map((queue) => queue.setGlobalConcurrency(1)));

  const process = async (job: Job, token?: string, signal?: AbortSignal) => {
    const started = performance.now();
    let data: T | undefined;
    try {
      data = opts.parse(job);
      const result = await opts.handle(job, data, signal);
      metrics.jobs.inc({ job: job.name, outcome: result.outcome });
      metrics.jobDuration.observe(
        { job: job.name, outcome: result.outcome },
        (performance.now() - started) / 1000,
      );
      return result;
    } catch (error) {
      const retries = data?.retries ?? 0;
      const decision = decideFailure(error, retries, config);
      const where = { ...opts.where(job, data), errorClass: decision.errorClass };
      metrics.jobs.inc({ job: job.name, outcome: decision.kind });
      if (decision.kind === 'fail' || !token || !data) {
        const reason = `${decision.errorClass}: ${decision.reason}`;
        logger.error({ ...where, err: error }, `${opts.label} failed for good (${reason}); dead-lettered`);
        if (data && opts.onGiveUp) {
          await opts
            .onGiveUp(job, data, reason)
            .catch((hookError: unknown) =>
              logger.error({ ...where, err: hookError }, `${opts.label}: could not record the failure`),
            );
        }
        throw new UnrecoverableError(reason);
      }
      const retryAt = new Date(Date.now() + decision.delayMs).toISOString();
      logger.warn(
        { ...where, retry: retries + 1, retryAt },
        `${opts.label} attempt failed (${decision.errorClass}): ${decision.reason}; retrying at ${retryAt}`,
      );
      if (decision.consumesAttempt) await job.updateData({ ...data, retries: retries + 1 });
      await queues.get(job.queueName)?.rateLimit(decision.delayMs);
      throw new RateLimitError();
    }
  };

  const workers = opts.names.map(
    (name) =>
      new SlotGatedWorker(
        name,
        process,
        {
          connection: opts.connection,
          prefix: config.redisPrefix,
          concurrency: 1,
          limiter: HEAD_OF_LINE_LIMITER,
          lockDuration: config.lockDurationMs,
          stalledInterval: config.stalledIntervalMs,
          maxStalledCount: 3,
        },
        opts.semaphore,
      ),
  );
  const deadLetters = copyFailuresToDeadLetters({
    workers,
    queues: [...queues.values()],
    deadLetters: opts.deadLetters,
    logger,
    metrics,
    label: opts.label,
    sweepIntervalMs: config.dlqSweepIntervalMs,
    overtaken: async (job) => {
      const queue = queues.get(job.queueName);
      return queue && opts.overtaken ? opts.overtaken(job, queue) : false;
    },
  });

  return {
    workers,
    queues,
    sweep: deadLetters.sweep,
    async close(deadlineMs) {
      deadLetters.stop();
      await closeWorkers(workers, [...queues.values()], deadlineMs, logger);
    },
  };
}
