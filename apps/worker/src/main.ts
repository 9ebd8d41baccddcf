import type { RelayConfig } from '@relay/config';
import {
  type Logger,
  logNonConnectionErrors,
  type RelayMetrics,
  watchRedisConnection,
} from '@relay/observability';
import {
  createDeadLetters,
  createInboundProducer,
  createMessageLedger,
  createOutboundProducer,
  createRedisConnection,
  createSendLedger,
  type MessageLedger,
  replayTargetFor,
} from '@relay/queue';
import { createTokenLimiter } from '@relay/rate-limit';
import { createChatCache } from './chatCache.js';
import { type InboundWorkers, startInboundWorkers } from './inboundWorkers.js';
import { instrumentLimiter } from './instrumentedLimiter.js';
import { startWorkerOpsServer, type WorkerOpsServer } from './opsServer.js';
import { type OutboundWorkers, startOutboundWorkers } from './outbound/outboundWorkers.js';
import { startQualification } from './qualification/workers.js';
import { createTenantRegistry } from './tenantRuntime.js';

export interface RunningWorker {
  inbound: InboundWorkers;
  /** Agent replies, send-API messages, acks and echoes (`outbound-<tenant>-p<n>`). */
  outbound: OutboundWorkers;
  /** `/healthz`, `/readyz`, `/metrics` when `WORKER_PORT` is set. */
  ops: WorkerOpsServer | null;
  /** Graceful: running jobs get until the deadline, then are abandoned to be retried elsewhere. */
  close(deadlineMs?: number): Promise<void>;
}

/**
 * TEST ONLY (`RELAY_UNSAFE_DISABLE_LEDGER=1`): a ledger whose check never finds a record and whose claim is not
 * written, so a job run again after a crash creates its message again. The chaos suite's negative control.
 */
function withoutClaims(ledger: MessageLedger): MessageLedger {
  return { ...ledger, get: async () => null, markPending: async () => undefined };
}

/** Starts every worker of this process against Redis. */
export async function startWorker(
  config: RelayConfig,
  deps: { logger: Logger; metrics: RelayMetrics },
): Promise<RunningWorker> {
  const connection = createRedisConnection(config.redisUrl, 'worker');
  // Outages are logged once per connection (lost / back), not once per failed reconnect with a stack.
  watchRedisConnection(connection, { logger: deps.logger, name: 'worker' });
  const limiter = instrumentLimiter(
    createTokenLimiter({
      redis: connection,
      prefix: config.redisPrefix,
      onWait: (key, waitedMs) => deps.metrics.limiterWait.observe({ token_hash: key }, waitedMs / 1000),
      onConnection: (client, name) => watchRedisConnection(client, { logger: deps.logger, name }),
      onError: logNonConnectionErrors(deps.logger, 'rate limiter error'),
    }),
    { metrics: deps.metrics, redis: connection, prefix: config.redisPrefix },
  );
  const tenants = createTenantRegistry(config.tenants, { limiter, metrics: deps.metrics });
  const deadLetters = createDeadLetters({
    connection,
    prefix: config.redisPrefix,
    replayTarget: replayTargetFor(config.inboundPartitions, config.outboundPartitions),
  });
  // Lead qualification: only for tenants with a rules file (validated here, at start); null when none has one.
  const qualification = await startQualification({
    config,
    connection,
    tenants,
    chatCache: createChatCache(connection, config.redisPrefix),
    deadLetters,
    logger: deps.logger,
    metrics: deps.metrics,
  }).catch(async (error: unknown) => {
    // Refused at start (bad rules, unknown routing ids): release what was opened so the process can exit.
    await Promise.allSettled([limiter.close(), deadLetters.close()]);
    connection.disconnect();
    throw error;
  });
  const messageLedger = createMessageLedger(connection, config.redisPrefix);
  if (config.unsafeDisableLedger)
    deps.logger.warn(
      'RELAY_UNSAFE_DISABLE_LEDGER=1: inbound messages are NOT idempotent (test-only setting)',
    );
  const inbound = await startInboundWorkers({
    config,
    connection,
    tenants,
    ledger: config.unsafeDisableLedger ? withoutClaims(messageLedger) : messageLedger,
    chatCache: createChatCache(connection, config.redisPrefix),
    deadLetters,
    logger: deps.logger,
    metrics: deps.metrics,
    qualification: qualification ?? undefined,
  });
  const tenantIds = config.tenants.map((t) => t.id);
  const producers = {
    inbound: createInboundProducer({
      connection,
      prefix: config.redisPrefix,
      partitions: config.inboundPartitions,
      tenants: tenantIds,
    }),
    outbound: createOutboundProducer({
      connection,
      prefix: config.redisPrefix,
      partitions: config.outboundPartitions,
      tenants: tenantIds,
    }),
  };
  const outbound = await startOutboundWorkers({
    config,
    connection,
    tenants,
    ledger: createSendLedger(connection, config.redisPrefix),
    inboundLedger: createMessageLedger(connection, config.redisPrefix),
    chatCache: createChatCache(connection, config.redisPrefix),
    inboundProducer: producers.inbound,
    outboundProducer: producers.outbound,
    deadLetters,
    logger: deps.logger,
    metrics: deps.metrics,
  });
  deps.logger.info(
    {
      partitions: config.inboundPartitions,
      concurrency: config.workerConcurrency,
      tenants: config.tenants.map((t) => t.id),
    },
    'worker consuming',
  );
  const ops =
    config.workerPort === null
      ? null
      : await startWorkerOpsServer({
          host: config.host,
          port: config.workerPort,
          redis: connection,
          workers: () => inbound.workers,
          metrics: deps.metrics,
          logger: deps.logger,
        });
  return {
    inbound,
    outbound,
    ops,
    async close(deadlineMs = config.shutdownTimeoutMs) {
      await ops?.close();
      // Every kind of job gets the same deadline, at the same time.
      await Promise.all([
        inbound.close(deadlineMs),
        outbound.close(deadlineMs),
        qualification?.close(deadlineMs),
      ]);
      await Promise.all([producers.inbound.close(), producers.outbound.close()]);
      await Promise.all([limiter.close(), deadLetters.close()]);
      connection.disconnect();
    },
  };
}
