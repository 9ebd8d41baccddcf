import type { RelayConfig } from '@relay/config';
import { type LeadRules, loadLeadRulesFile } from '@relay/lead-rules';
import { type Logger, logNonConnectionErrors, type RelayMetrics } from '@relay/observability';
import {
  type DeadLetters,
  type InboundJobData,
  JOB_RETENTION,
  QUALIFY_ATTRIBUTES_JOB,
  QUALIFY_LABELS_JOB,
  QUALIFY_ROUTE_JOB,
  QUALIFY_SCORE_JOB,
  qualificationQueueName,
  qualifyAttributesSchema,
  qualifyLabelsSchema,
  qualifyRouteJobId,
  qualifyRouteSchema,
  qualifyScoreJobId,
  qualifyScoreSchema,
} from '@relay/queue';
import { DelayedError, type Job, type JobsOptions, Queue, UnrecoverableError, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { ZodType } from 'zod';
import type { ChatCache } from '../chatCache.js';
import { decideFailure, PermanentJobError } from '../retryPolicy.js';
import type { TenantRegistry } from '../tenantRuntime.js';
import { closeWorkers, copyFailuresToDeadLetters } from '../workerLifecycle.js';
import {
  type FollowUps,
  handleAttributes,
  handleLabels,
  handleRoute,
  handleScore,
  type QualificationDeps,
  type QualificationOutcome,
} from './handlers.js';
import { type QualificationMetrics, qualificationMetrics } from './metrics.js';
import { prepareQualification } from './startup.js';
import { createQualificationStore } from './store.js';

export interface QualificationWorkersDeps {
  config: RelayConfig;
  connection: Redis;
  tenants: TenantRegistry;
  chatCache: ChatCache;
  deadLetters: DeadLetters;
  logger: Logger;
  metrics: RelayMetrics;
}

/** Lead qualification of this process: one queue and worker per tenant with a rules file, none otherwise. */
export interface Qualification {
  /** Tenants with rules. */
  tenants: string[];
  /**
   * The inbound hook: enqueues the score job of a message that reached Chatwoot. Never throws: a failure is
   * logged and counted, and the message job stays successful.
   */
  afterMirrored(data: InboundJobData, logger: Logger): Promise<void>;
  /** Copies failed qualification jobs that have no dead-letter entry yet. */
  sweep(): Promise<void>;
  close(deadlineMs: number): Promise<void>;
}

/** Loads every tenant's rules file; throws (at start) with the file's problems listed. */
export function loadTenantRules(config: RelayConfig): Map<string, LeadRules> {
  const rules = new Map<string, LeadRules>();
  for (const tenant of config.tenants)
    if (tenant.rulesFile) rules.set(tenant.id, loadLeadRulesFile(tenant.rulesFile));
  return rules;
}

function parse<T>(schema: ZodType<T>, job: Job): T {
  const parsed = schema.safeParse(job.data);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  throw new PermanentJobError(
    'invalid_payload',
    `job data invalid at ${issue?.path.join('.')}: ${issue?.message}`,
  );
}

/** Starts the qualification workers of every tenant that has rules (validated here, at start). */
export async function startQualification(deps: QualificationWorkersDeps): Promise<Qualification | null> {
  const { config, logger } = deps;
  const rulesByTenant = loadTenantRules(config);
  if (rulesByTenant.size === 0) return null;
  // Chatwoot silently unassigns on an unknown id: refuse to start instead (and create labels when asked).
  await prepareQualification(
    config.tenants.flatMap((tenant) => {
      const rules = rulesByTenant.get(tenant.id);
      const runtime = deps.tenants.get(tenant.id);
      if (!rules || !runtime || !tenant.rulesFile) return [];
      const createLabels = tenant.createLabels ?? config.qualificationCreateLabels;
      return [
        { id: tenant.id, rulesFile: tenant.rulesFile, rules, chatwoot: runtime.chatwoot, createLabels },
      ];
    }),
    logger,
  );
  const metrics: QualificationMetrics = qualificationMetrics(deps.metrics);
  const store = createQualificationStore(deps.connection, config.redisPrefix);
  const window = config.qualificationWindowMs;
  const retry: JobsOptions = {
    attempts: config.jobAttempts,
    backoff: { type: 'exponential', delay: config.retryBaseDelayMs },
    ...JOB_RETENTION,
  };
  const queues = new Map(
    [...rulesByTenant.keys()].map((tenant) => {
      const name = qualificationQueueName(tenant);
      const queue = new Queue(name, { connection: deps.connection, prefix: config.redisPrefix });
      return [
        tenant,
        queue.on('error', logNonConnectionErrors(logger, 'qualification queue error', { queue: name })),
      ];
    }),
  );
  const queueOf = (tenant: string) => {
    const queue = queues.get(tenant);
    if (!queue) throw new PermanentJobError('unknown_tenant', `tenant "${tenant}" has no lead rules`);
    return queue;
  };
  /** At most one write per key per window: later requests within the window fold into the delayed job. */
  const coalesced = (id: string): JobsOptions =>
    window > 0 ? { ...retry, delay: window, deduplication: { id, ttl: window } } : retry;
  const followUps: FollowUps = {
    async attributes(data) {
      await queueOf(data.tenant).add(QUALIFY_ATTRIBUTES_JOB, data, coalesced(`attr-${data.contactId}`));
    },
    async labels(data) {
      await queueOf(data.tenant).add(QUALIFY_LABELS_JOB, data, coalesced(`labels-${data.conversationId}`));
    },
    async route(data) {
      await queueOf(data.tenant).add(QUALIFY_ROUTE_JOB, data, { ...retry, jobId: qualifyRouteJobId(data) });
    },
  };

  const run = async (job: Job, signal?: AbortSignal): Promise<QualificationOutcome> => {
    const tenantId = (job.data as { tenant?: unknown })?.tenant;
    const tenant = typeof tenantId === 'string' ? deps.tenants.get(tenantId) : undefined;
    const rules = typeof tenantId === 'string' ? rulesByTenant.get(tenantId) : undefined;
    if (!tenant || !rules)
      throw new PermanentJobError('unknown_tenant', `tenant "${String(tenantId)}" has no lead rules`);
    const jobDeps: QualificationDeps = {
      redis: deps.connection,
      store,
      tenant,
      rules,
      logger: logger.child({ jobId: job.id, job: job.name, tenant: tenantId }),
      metrics,
      followUps,
    };
    switch (job.name) {
      case QUALIFY_SCORE_JOB:
        return handleScore(parse(qualifyScoreSchema, job), jobDeps);
      case QUALIFY_ATTRIBUTES_JOB:
        return handleAttributes(parse(qualifyAttributesSchema, job), jobDeps, signal);
      case QUALIFY_LABELS_JOB:
        return handleLabels(parse(qualifyLabelsSchema, job), jobDeps, signal);
      case QUALIFY_ROUTE_JOB:
        return handleRoute(parse(qualifyRouteSchema, job), jobDeps, signal);
      default:
        throw new PermanentJobError('invalid_payload', `unknown qualification job "${job.name}"`);
    }
  };

  const processor = async (job: Job, token?: string, signal?: AbortSignal) => {
    const started = performance.now();
    try {
      const outcome = await run(job, signal);
      deps.metrics.jobs.inc({ job: job.name, outcome });
      deps.metrics.jobDuration.observe({ job: job.name, outcome }, (performance.now() - started) / 1000);
      return { outcome };
    } catch (error) {
      const decision = decideFailure(error, job.attemptsMade, config);
      deps.metrics.jobs.inc({ job: job.name, outcome: decision.kind });
      const reason = `qualification_${decision.errorClass}: ${decision.reason}`;
      const where = { jobId: job.id, job: job.name, errorClass: decision.errorClass };
      if (decision.kind === 'fail') {
        logger.error(
          { ...where, err: error },
          `qualification job failed for good; dead-lettered (${reason})`,
        );
        throw new UnrecoverableError(reason);
      }
      logger.warn({ ...where, delayMs: decision.delayMs }, `qualification job attempt failed (${reason})`);
      if (!decision.consumesAttempt && token) {
        await job.moveToDelayed(Date.now() + decision.delayMs, token);
        throw new DelayedError();
      }
      throw new Error(reason);
    }
  };

  const workers = [...queues.values()].map(
    (queue) =>
      new Worker(queue.name, processor, {
        connection: deps.connection,
        prefix: config.redisPrefix,
        concurrency: config.qualificationConcurrency,
        lockDuration: config.lockDurationMs,
        stalledInterval: config.stalledIntervalMs,
      }),
  );
  const deadLetters = copyFailuresToDeadLetters({
    workers,
    queues: [...queues.values()],
    deadLetters: deps.deadLetters,
    logger,
    metrics: deps.metrics,
    label: 'qualification',
    sweepIntervalMs: config.dlqSweepIntervalMs,
    // These workers retry through BullMQ attempts: only the last failure is final.
    isFinal: async (job) => (await job.getState()) === 'failed',
  });

  return {
    tenants: [...rulesByTenant.keys()],
    async afterMirrored(data, jobLogger) {
      const { message } = data;
      // Only what the customer wrote scores the lead; groups are not one lead.
      if (!rulesByTenant.has(data.tenant) || message.fromMe || message.chatKind === 'group') return;
      try {
        const chat = await deps.chatCache.get(data.tenant, message.chatId);
        if (chat.contactId === undefined || chat.conversationId === undefined)
          throw new Error('chat cache has no contact or conversation id');
        await queueOf(data.tenant).add(
          QUALIFY_SCORE_JOB,
          {
            tenant: data.tenant,
            contactId: chat.contactId,
            conversationId: chat.conversationId,
            message: {
              chatId: message.chatId,
              messageId: message.messageId,
              rawId: message.rawId,
              timestamp: message.timestamp,
              text: message.body,
            },
          },
          { ...retry, jobId: qualifyScoreJobId(data.tenant, message.rawId) },
        );
      } catch (error) {
        metrics.enqueueFailures.inc({ tenant: data.tenant });
        jobLogger.error(
          { err: error },
          'could not enqueue lead qualification; the message itself is mirrored',
        );
      }
    },
    sweep: deadLetters.sweep,
    async close(deadlineMs) {
      deadLetters.stop();
      await closeWorkers(workers, [...queues.values()], deadlineMs, logger);
    },
  };
}
