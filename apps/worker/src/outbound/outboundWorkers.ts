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
import type { Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { ChatCache } from '../chatCache.js';
import {
  type PartitionJobResult,
  type PartitionWorkers,
  parseJobData,
  startPartitionWorkers,
} from '../partitionWorkers.js';
import { PermanentJobError } from '../retryPolicy.js';
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
export type OutboundWorkers = PartitionWorkers;

const EXTERNAL_ERROR_MAX = 200;

async function run(data: OutboundJobData, deps: OutboundDeps): Promise<PartitionJobResult> {
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

/** A send that fails for good: recorded in the send ledger and shown as failed (with the reason) in Chatwoot. */
async function markFailed(data: OutboundJobData, deps: OutboundDeps, reason: string): Promise<void> {
  if (data.kind !== 'send') return;
  const externalError = reason.slice(0, EXTERNAL_ERROR_MAX);
  await deps.ledger.markMessage(data.tenant, data.chatwootMessageId, {
    state: 'failed',
    conversationId: data.conversationId,
    reason: externalError,
    at: Date.now(),
  });
  await deps.tenant.chatwoot.updateMessageStatus(data.conversationId, data.chatwootMessageId, {
    status: 'failed',
    external_error: externalError,
  });
}

/**
 * The outbound partitions (`outbound-<tenant>-p<n>`): a chat's replies, acks and echoes run one at a time in the
 * order they were accepted (see {@link startPartitionWorkers}). A send that fails for good is marked `failed` in
 * Chatwoot, then dead-lettered.
 */
export async function startOutboundWorkers(deps: OutboundWorkersDeps): Promise<OutboundWorkers> {
  const { config, logger } = deps;
  const handlerDeps = (job: Job, data: OutboundJobData, signal?: AbortSignal): OutboundDeps => {
    const tenant = deps.tenants.get(data.tenant);
    if (!tenant) throw new PermanentJobError('unknown_tenant', `tenant "${data.tenant}" is not configured`);
    return {
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
  };
  return startPartitionWorkers<OutboundJobData>({
    names: outboundQueueNames(
      config.tenants.map((tenant) => tenant.id),
      config.outboundPartitions,
    ),
    label: 'outbound job',
    config,
    connection: deps.connection,
    semaphore: new Semaphore(config.workerConcurrency),
    deadLetters: deps.deadLetters,
    logger,
    metrics: deps.metrics,
    parse: (job) => parseJobData(outboundJobSchema, job),
    where: (job, data) => ({ jobId: job.id, tenant: data?.tenant, chatId: data?.chatId, kind: data?.kind }),
    async handle(job, data, signal) {
      const jobDeps = handlerDeps(job, data, signal);
      const result = await run(data, jobDeps);
      jobDeps.logger.info(result, `outbound ${data.kind} ${result.outcome}`);
      return result;
    },
    onGiveUp: (job, data, reason) => markFailed(data, handlerDeps(job, data), reason),
  });
}
