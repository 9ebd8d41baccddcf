import type { RelayConfig } from '@relay/config';
import type { InboundMessage } from '@relay/domain';
import type { Logger, RelayMetrics } from '@relay/observability';
import {
  createParkedChanges,
  createSendLedger,
  type DeadLetters,
  INBOUND_MESSAGE_JOB,
  type InboundJobData,
  inboundJobSchema,
  inboundQueueNames,
  JOB_RETENTION,
  MESSAGE_CHANGE_JOB,
  type MessageChangeJobData,
  type MessageLedger,
  messageChangeJobId,
  messageChangeJobSchema,
} from '@relay/queue';
import { type Job, Queue, RateLimitError, UnrecoverableError, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { z } from 'zod';
import type { ChatCache } from './chatCache.js';
import { handleInboundMessage } from './handlers/inboundMessage.js';
import { handleMessageChange, rememberSnippet } from './handlers/messageChange.js';
import type { Qualification } from './qualification/workers.js';
import { decideFailure, PermanentJobError } from './retryPolicy.js';
import { Semaphore } from './semaphore.js';
import type { TenantRegistry } from './tenantRuntime.js';

export interface InboundWorkersDeps {
  config: RelayConfig;
  /** Shared connection (maxRetriesPerRequest: null); each Worker duplicates it for its blocking reads. */
  connection: Redis;
  tenants: TenantRegistry;
  ledger: MessageLedger;
  chatCache: ChatCache;
  deadLetters: DeadLetters;
  logger: Logger;
  metrics: RelayMetrics;
  /** Lead qualification of the tenants with rules (absent: off). */
  qualification?: Pick<Qualification, 'afterMirrored'>;
}

export interface InboundWorkers {
  workers: Worker[];
  /** Copies failed jobs that have no dead-letter entry yet; also runs every `dlqSweepIntervalMs`. */
  sweep(): Promise<void>;
  /** Stops taking jobs and waits for running ones up to `deadlineMs`, then abandons them (they stall and are retried). */
  close(deadlineMs: number): Promise<void>;
}

/** The partition queues' rate-limit switch is how a retry keeps its job at the head; it needs a limiter to exist. */
const HEAD_OF_LINE_LIMITER = { max: 1_000_000_000, duration: 1000 };

function parseJobData(job: Job): InboundJobData {
  return parseWith(inboundJobSchema, job);
}

function parseWith<T>(schema: { safeParse(data: unknown): z.ZodSafeParseResult<T> }, job: Job): T {
  const parsed = schema.safeParse(job.data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new PermanentJobError(
      'invalid_payload',
      `job data invalid at ${issue?.path.join('.')}: ${issue?.message}`,
    );
  }
  return parsed.data;
}

/** Error class of a failed job, from the `class: reason` text the processor fails with (or BullMQ's stall limit). */
export function errorClassOf(job: Job): string {
  const reason = job.failedReason ?? '';
  return /^([a-z_]+): /.exec(reason)?.[1] ?? (/stalled/i.test(reason) ? 'stalled' : 'unknown');
}

/** Error class and whether later messages of the same chat are already queued behind the failed one. */
async function failureInfo(
  job: Job,
  queue: Queue | undefined,
): Promise<{ errorClass: string; overtaken: boolean }> {
  const errorClass = errorClassOf(job);
  const chatId = (job.data as Partial<InboundJobData>)?.message?.chatId;
  if (!queue || !chatId) return { errorClass, overtaken: false };
  const waiting = await queue.getWaiting(0, 500);
  return { errorClass, overtaken: waiting.some((other) => other.data?.message?.chatId === chatId) };
}

/**
 * One BullMQ Worker per inbound partition. Each partition has a global concurrency of 1, so a chat's messages run
 * one at a time, in order, across every process. A transient failure pauses only its partition for the backoff
 * and puts the job back at the head (RateLimitError), so later messages of the chat never overtake it.
 */
export async function startInboundWorkers(deps: InboundWorkersDeps): Promise<InboundWorkers> {
  const { config, logger, metrics } = deps;
  const semaphore = new Semaphore(config.workerConcurrency);
  const names = inboundQueueNames(
    config.tenants.map((tenant) => tenant.id),
    config.inboundPartitions,
  );
  const queues = new Map(
    names.map((name) => [name, new Queue(name, { connection: deps.connection, prefix: config.redisPrefix })]),
  );
  await Promise.all([...queues.values()].map((queue) => queue.setGlobalConcurrency(1)));
  const parked = createParkedChanges(deps.connection, config.redisPrefix);
  const sendLedger = createSendLedger(deps.connection, config.redisPrefix);

  /** After a message settles: keep its text for reaction quotes and put the changes parked on it back in line. */
  const afterSettled = async (tenantId: string, queueName: string, message: InboundMessage) => {
    await rememberSnippet(deps.connection, config.redisPrefix, tenantId, message.rawId, message.body);
    const waiting = await parked.list(tenantId, message.rawId);
    if (waiting.length === 0) return;
    const queue = queues.get(queueName);
    if (!queue) return;
    for (const { data } of waiting) {
      const valid = messageChangeJobSchema.safeParse(data);
      if (!valid.success) continue;
      // A fresh id: the parked job's own id is taken by its completed run; the ledger keeps it exactly once.
      const jobId = `${messageChangeJobId(tenantId, valid.data.change)}-u${Date.now()}`;
      await queue.add(MESSAGE_CHANGE_JOB, { ...valid.data, retries: 0 }, { jobId, ...JOB_RETENTION });
    }
    await parked.remove(
      tenantId,
      message.rawId,
      waiting.map((entry) => entry.field),
    );
  };

  const processChange = async (job: Job, token?: string, signal?: AbortSignal) => {
    const started = performance.now();
    await semaphore.acquire();
    let data: MessageChangeJobData | undefined;
    try {
      data = parseWith(messageChangeJobSchema, job);
      const tenant = deps.tenants.get(data.tenant);
      if (!tenant) throw new PermanentJobError('unknown_tenant', `tenant "${data.tenant}" is not configured`);
      const jobLogger = logger.child({
        jobId: job.id,
        tenant: data.tenant,
        chatId: data.chatId,
        eventId: data.eventId,
      });
      const outcome = await handleMessageChange(data, {
        tenant,
        ledger: deps.ledger,
        sendLedger,
        parked,
        redis: deps.connection,
        config,
        logger: jobLogger,
        jobId: job.id ?? '',
        signal,
      });
      jobLogger.info(
        { outcome, change: data.change.kind, original: data.change.originalRawId },
        `message change ${outcome}`,
      );
      metrics.jobs.inc({ job: MESSAGE_CHANGE_JOB, outcome });
      metrics.jobDuration.observe({ job: MESSAGE_CHANGE_JOB, outcome }, (performance.now() - started) / 1000);
      return { outcome };
    } catch (error) {
      const retries = data?.retries ?? 0;
      const decision = decideFailure(error, retries, config);
      const where = {
        jobId: job.id,
        tenant: data?.tenant,
        chatId: data?.chatId,
        errorClass: decision.errorClass,
      };
      metrics.jobs.inc({ job: MESSAGE_CHANGE_JOB, outcome: decision.kind });
      if (decision.kind === 'fail' || !token || !data) {
        logger.error(
          { ...where, err: error },
          `message change failed for good (${decision.errorClass}): ${decision.reason}; dead-lettered`,
        );
        throw new UnrecoverableError(`${decision.errorClass}: ${decision.reason}`);
      }
      const retryAt = new Date(Date.now() + decision.delayMs).toISOString();
      logger.warn(
        { ...where, retry: retries + 1, retryAt },
        `message change attempt failed (${decision.errorClass}): ${decision.reason}; retrying at ${retryAt}`,
      );
      if (decision.consumesAttempt) await job.updateData({ ...data, retries: retries + 1 });
      await queues.get(job.queueName)?.rateLimit(decision.delayMs);
      throw new RateLimitError();
    } finally {
      semaphore.release();
    }
  };

  const process = async (job: Job, token?: string, signal?: AbortSignal) => {
    if (job.name === MESSAGE_CHANGE_JOB) return processChange(job, token, signal);
    const started = performance.now();
    await semaphore.acquire();
    let data: InboundJobData | undefined;
    try {
      data = parseJobData(job);
      const tenant = deps.tenants.get(data.tenant);
      if (!tenant) throw new PermanentJobError('unknown_tenant', `tenant "${data.tenant}" is not configured`);
      const jobLogger = logger.child({
        jobId: job.id,
        tenant: data.tenant,
        chatId: data.message.chatId,
        eventId: data.eventId,
      });
      const outcome = await handleInboundMessage(data, {
        tenant,
        ledger: deps.ledger,
        chatCache: deps.chatCache,
        redis: deps.connection,
        config,
        logger: jobLogger,
        jobId: job.id ?? '',
        signal,
        afterSettled: (message) => afterSettled(tenant.config.id, job.queueName, message),
      });
      jobLogger.info({ outcome, messageId: data.message.messageId }, `message ${outcome}`);
      // Lead qualification runs as its own jobs; enqueueing never fails the message (afterMirrored never throws).
      if (outcome === 'created' || outcome === 'reconciled')
        await deps.qualification?.afterMirrored(data, jobLogger);
      metrics.jobs.inc({ job: INBOUND_MESSAGE_JOB, outcome });
      metrics.jobDuration.observe(
        { job: INBOUND_MESSAGE_JOB, outcome },
        (performance.now() - started) / 1000,
      );
      return { outcome };
    } catch (error) {
      const retries = data?.retries ?? 0;
      const decision = decideFailure(error, retries, config);
      const where = {
        jobId: job.id,
        tenant: data?.tenant,
        chatId: data?.message.chatId,
        errorClass: decision.errorClass,
      };
      metrics.jobs.inc({ job: INBOUND_MESSAGE_JOB, outcome: decision.kind });
      if (decision.kind === 'fail' || !token || !data) {
        logger.error(
          { ...where, err: error },
          `message failed for good (${decision.errorClass}): ${decision.reason}; dead-lettered`,
        );
        throw new UnrecoverableError(`${decision.errorClass}: ${decision.reason}`);
      }
      const retryAt = new Date(Date.now() + decision.delayMs).toISOString();
      logger.warn(
        { ...where, retry: retries + 1, retryAt },
        `message attempt failed (${decision.errorClass}): ${decision.reason}; retrying at ${retryAt}`,
      );
      if (decision.consumesAttempt) await job.updateData({ ...data, retries: retries + 1 });
      await queues.get(job.queueName)?.rateLimit(decision.delayMs);
      throw new RateLimitError();
    } finally {
      semaphore.release();
    }
  };

  const workers = names.map(
    (name) =>
      new Worker(name, process, {
        connection: deps.connection,
        prefix: config.redisPrefix,
        concurrency: 1,
        limiter: HEAD_OF_LINE_LIMITER,
        lockDuration: config.lockDurationMs,
        stalledInterval: config.stalledIntervalMs,
        maxStalledCount: 3,
      }),
  );
  const deadLetter = async (job: Job) => {
    const info = await failureInfo(job, queues.get(job.queueName));
    const { id, created } = await deps.deadLetters.fromFailedJob(job, info);
    if (created) metrics.deadLettered.inc({ job: job.name, error_class: info.errorClass });
    return id;
  };
  for (const worker of workers) {
    worker.on('error', (error) => logger.error({ err: error, queue: worker.name }, 'worker error'));
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
  // The failed event is not atomic with the failure: a crash in between leaves a failed job without an entry.
  const sweep = async () => {
    const copied = await deps.deadLetters.sweep([...queues.values()], (job) => ({
      errorClass: errorClassOf(job),
      overtaken: false,
    }));
    if (copied > 0) logger.warn({ copied }, 'dead-letter sweep copied failed jobs the failed handler missed');
  };
  const sweepTimer = setInterval(() => {
    sweep().catch((error: unknown) => logger.error({ err: error }, 'dead-letter sweep failed'));
  }, config.dlqSweepIntervalMs);
  sweepTimer.unref();

  return {
    workers,
    sweep,
    async close(deadlineMs) {
      clearInterval(sweepTimer);
      const graceful = Promise.all(workers.map((worker) => worker.close()));
      const timedOut = await Promise.race([
        graceful.then(() => false),
        new Promise<boolean>((resolve) => setTimeout(resolve, deadlineMs, true).unref()),
      ]);
      if (timedOut) {
        logger.warn(
          { deadlineMs },
          'jobs still running at the shutdown deadline; abandoning them to be retried',
        );
        await Promise.all(workers.map((worker) => worker.close(true)));
      }
      await Promise.all([...queues.values()].map((queue) => queue.close()));
    },
  };
}
