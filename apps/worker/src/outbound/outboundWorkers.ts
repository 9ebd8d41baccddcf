import type { RelayConfig } from '@relay/config';
import type { Logger, RelayMetrics } from '@relay/observability';
import {
  type DeadLetters,
  type InboundProducer,
  type MessageLedger,
  type OutboundJobData,
  type OutboundProducer,
  outboundJobSchema,
  outboundQueueNames,
  type SendLedger,
} from '@relay/queue';
import { type Job, Queue, RateLimitError, UnrecoverableError, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { ChatCache } from '../chatCache.js';
import { errorClassOf } from '../inboundWorkers.js';
import { decideFailure, PermanentJobError } from '../retryPolicy.js';
import { Semaphore } from '../semaphore.js';
import type { TenantRegistry } from '../tenantRuntime.js';
import { handleApiSend } from './apiSend.js';
import type { OutboundDeps } from './deps.js';
import { handleSend } from './sendMessage.js';
import { handleAck, handleConversationStatus, handleEcho } from './waSideHandlers.js';

/** What the outbound workers need. */
export interface OutboundWorkersDeps {
  config: RelayConfig;
  connection: Redis;
  tenants: TenantRegistry;
  ledger: SendLedger;
  inboundLedger: MessageLedger;
  chatCache: ChatCache;
  inboundProducer: InboundProducer;
  outboundProducer: OutboundProducer;
  deadLetters: DeadLetters;
  logger: Logger;
  metrics: RelayMetrics;
}

/** The running outbound partition workers. */
export interface OutboundWorkers {
  workers: Worker[];
  sweep(): Promise<void>;
  close(deadlineMs: number): Promise<void>;
}

const HEAD_OF_LINE_LIMITER = { max: 1_000_000_000, duration: 1000 };
const EXTERNAL_ERROR_MAX = 200;

function parseJobData(job: Job): OutboundJobData {
  const parsed = outboundJobSchema.safeParse(job.data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new PermanentJobError(
      'invalid_payload',
      `job data invalid at ${issue?.path.join('.')}: ${issue?.message}`,
    );
  }
  return parsed.data;
}

async function run(data: OutboundJobData, deps: OutboundDeps): Promise<Record<string, unknown>> {
  switch (data.kind) {
    case 'send':
      return { outcome: await handleSend(data, deps) };
    case 'api':
      return { ...(await handleApiSend(data, deps)) };
    case 'ack':
      return { outcome: await handleAck(data, deps) };
    case 'echo':
      return { outcome: await handleEcho(data, deps) };
    case 'conversation_status':
      return { outcome: await handleConversationStatus(data, deps) };
  }
}

/**
 * One BullMQ Worker per outbound partition (`outbound-<tenant>-p<n>`, global concurrency 1): a chat's replies,
 * acks and echoes run one at a time in the order they were accepted. Retries keep the job at the head of its
 * partition (as inbound does). A send that fails for good is marked `failed` in Chatwoot, then dead-lettered.
 */
export async function startOutboundWorkers(deps: OutboundWorkersDeps): Promise<OutboundWorkers> {
  const { config, logger, metrics } = deps;
  const semaphore = new Semaphore(config.workerConcurrency);
  const names = outboundQueueNames(
    config.tenants.map((tenant) => tenant.id),
    config.outboundPartitions,
  );
  const queues = new Map(
    names.map((name) => [name, new Queue(name, { connection: deps.connection, prefix: config.redisPrefix })]),
  );
  await Promise.all([...queues.values()].map((queue) => queue.setGlobalConcurrency(1)));

  const markFailed = async (data: OutboundJobData, deps2: OutboundDeps, reason: string) => {
    if (data.kind !== 'send') return;
    const externalError = reason.slice(0, EXTERNAL_ERROR_MAX);
    await deps2.ledger.markMessage(data.tenant, data.chatwootMessageId, {
      state: 'failed',
      conversationId: data.conversationId,
      reason: externalError,
      at: Date.now(),
    });
    await deps2.tenant.chatwoot.updateMessageStatus(
      data.conversationId,
      data.chatwootMessageId,
      { status: 'failed', external_error: externalError },
      { signal: deps2.signal },
    );
  };

  const process = async (job: Job, token?: string, signal?: AbortSignal) => {
    const started = performance.now();
    await semaphore.acquire();
    let data: OutboundJobData | undefined;
    let handlerDeps: OutboundDeps | undefined;
    try {
      data = parseJobData(job);
      const tenant = deps.tenants.get(data.tenant);
      if (!tenant) throw new PermanentJobError('unknown_tenant', `tenant "${data.tenant}" is not configured`);
      handlerDeps = {
        tenant,
        ledger: deps.ledger,
        inboundLedger: deps.inboundLedger,
        chatCache: deps.chatCache,
        inboundProducer: deps.inboundProducer,
        outboundProducer: deps.outboundProducer,
        redis: deps.connection,
        config,
        logger: logger.child({ jobId: job.id, tenant: data.tenant, chatId: data.chatId, kind: data.kind }),
        jobId: job.id ?? '',
        signal,
      };
      const result = await run(data, handlerDeps);
      handlerDeps.logger.info(result, `outbound ${data.kind} ${String(result.outcome)}`);
      metrics.jobs.inc({ job: job.name, outcome: String(result.outcome) });
      metrics.jobDuration.observe(
        { job: job.name, outcome: String(result.outcome) },
        (performance.now() - started) / 1000,
      );
      return result;
    } catch (error) {
      const retries = data?.retries ?? 0;
      const decision = decideFailure(error, retries, config);
      const where = {
        jobId: job.id,
        tenant: data?.tenant,
        chatId: data?.chatId,
        errorClass: decision.errorClass,
      };
      metrics.jobs.inc({ job: job.name, outcome: decision.kind });
      if (decision.kind === 'fail' || !token || !data) {
        logger.error(
          { ...where, err: error },
          `outbound job failed for good (${decision.errorClass}): ${decision.reason}`,
        );
        if (data && handlerDeps) {
          await markFailed(data, handlerDeps, `${decision.errorClass}: ${decision.reason}`).catch(
            (statusError: unknown) =>
              logger.error({ ...where, err: statusError }, 'could not mark the Chatwoot message failed'),
          );
        }
        throw new UnrecoverableError(`${decision.errorClass}: ${decision.reason}`);
      }
      logger.warn(
        { ...where, retry: retries + 1 },
        `outbound attempt failed (${decision.errorClass}): ${decision.reason}`,
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
  for (const worker of workers) {
    worker.on('error', (error) => logger.error({ err: error, queue: worker.name }, 'outbound worker error'));
    worker.on('failed', (job) => {
      if (!job) return;
      const errorClass = errorClassOf(job);
      deps.deadLetters
        .fromFailedJob(job, { errorClass, overtaken: false })
        .then(({ created }) => {
          if (created) metrics.deadLettered.inc({ job: job.name, error_class: errorClass });
        })
        .catch((error: unknown) =>
          logger.error({ err: error, jobId: job.id }, 'could not dead-letter; the sweep will'),
        );
    });
  }
  const sweep = async () => {
    await deps.deadLetters.sweep([...queues.values()], (job) => ({
      errorClass: errorClassOf(job),
      overtaken: false,
    }));
  };
  const sweepTimer = setInterval(() => {
    sweep().catch((error: unknown) => logger.error({ err: error }, 'outbound dead-letter sweep failed'));
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
      if (timedOut) await Promise.all(workers.map((worker) => worker.close(true)));
      await Promise.all([...queues.values()].map((queue) => queue.close()));
    },
  };
}
