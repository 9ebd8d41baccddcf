import type { RelayConfig } from '@relay/config';
import type { InboundMessage } from '@relay/domain';
import type { Logger, RelayMetrics } from '@relay/observability';
import {
  createParkedChanges,
  createSendLedger,
  type DeadLetters,
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
import type { Job, Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { ChatCache } from './chatCache.js';
import { handleInboundMessage } from './handlers/inboundMessage.js';
import { handleMessageChange, rememberSnippet } from './handlers/messageChange.js';
import { type PartitionWorkers, parseJobData, startPartitionWorkers } from './partitionWorkers.js';
import type { Qualification } from './qualification/workers.js';
import { PermanentJobError } from './retryPolicy.js';
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

export type InboundWorkers = PartitionWorkers;

/** Whether later messages of the same chat are already queued behind the one that failed for good. */
async function overtaken(job: Job, queue: Queue): Promise<boolean> {
  const chatId = chatIdOf(job.data);
  if (!chatId) return false;
  const waiting = await queue.getWaiting(0, 500);
  return waiting.some((other) => chatIdOf(other.data) === chatId);
}

function chatIdOf(data: unknown): string | undefined {
  const record = data as Partial<InboundJobData & MessageChangeJobData> | undefined;
  return record?.message?.chatId ?? record?.chatId;
}

/**
 * The inbound partitions (`inbound-<tenant>-p<n>`): WhatsApp messages and their edits, deletes and reactions,
 * one chat at a time in the order they were accepted (see {@link startPartitionWorkers}).
 */
export async function startInboundWorkers(deps: InboundWorkersDeps): Promise<InboundWorkers> {
  const { config, logger } = deps;
  const names = inboundQueueNames(
    config.tenants.map((tenant) => tenant.id),
    config.inboundPartitions,
  );
  const parked = createParkedChanges(deps.connection, config.redisPrefix);
  const sendLedger = createSendLedger(deps.connection, config.redisPrefix);
  let partitions: PartitionWorkers | undefined;

  /** After a message settles: keep its text for reaction quotes and put the changes parked on it back in line. */
  const afterSettled = async (tenantId: string, queueName: string, message: InboundMessage) => {
    await rememberSnippet(deps.connection, config.redisPrefix, tenantId, message.rawId, message.body);
    const waiting = await parked.list(tenantId, message.rawId);
    const queue = partitions?.queues.get(queueName);
    if (waiting.length === 0 || !queue) return;
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

  const tenantOf = (tenantId: string) => {
    const tenant = deps.tenants.get(tenantId);
    if (!tenant) throw new PermanentJobError('unknown_tenant', `tenant "${tenantId}" is not configured`);
    return tenant;
  };

  const handleChange = async (job: Job, data: MessageChangeJobData, signal?: AbortSignal) => {
    const jobLogger = logger.child({
      jobId: job.id,
      tenant: data.tenant,
      chatId: data.chatId,
      eventId: data.eventId,
    });
    const outcome = await handleMessageChange(data, {
      tenant: tenantOf(data.tenant),
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
    return { outcome };
  };

  const handleMessage = async (job: Job, data: InboundJobData, signal?: AbortSignal) => {
    const tenant = tenantOf(data.tenant);
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
    return { outcome };
  };

  partitions = await startPartitionWorkers<InboundJobData | MessageChangeJobData>({
    names,
    label: 'message',
    config,
    connection: deps.connection,
    semaphore: new Semaphore(config.workerConcurrency),
    deadLetters: deps.deadLetters,
    logger,
    metrics: deps.metrics,
    parse: (job) =>
      job.name === MESSAGE_CHANGE_JOB
        ? parseJobData(messageChangeJobSchema, job)
        : parseJobData(inboundJobSchema, job),
    where: (job, data) => ({ jobId: job.id, job: job.name, tenant: data?.tenant, chatId: chatIdOf(data) }),
    handle: (job, data, signal) =>
      'change' in data ? handleChange(job, data, signal) : handleMessage(job, data, signal),
    overtaken,
  });
  return partitions;
}
