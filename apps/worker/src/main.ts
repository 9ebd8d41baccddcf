import type { RelayConfig } from '@relay/config';
import type { Logger, RelayMetrics } from '@relay/observability';
import {
  createDeadLetters,
  createMessageLedger,
  createRedisConnection,
  inboundReplayTarget,
} from '@relay/queue';
import { createTokenLimiter } from '@relay/rate-limit';
import { createChatCache } from './chatCache.js';
import { type InboundWorkers, startInboundWorkers } from './inboundWorkers.js';
import { createTenantRegistry } from './tenantRuntime.js';

export interface RunningWorker {
  inbound: InboundWorkers;
  /** Graceful: running jobs get until the deadline, then are abandoned to be retried elsewhere. */
  close(deadlineMs?: number): Promise<void>;
}

/** Starts every worker of this process against Redis. */
export async function startWorker(
  config: RelayConfig,
  deps: { logger: Logger; metrics: RelayMetrics },
): Promise<RunningWorker> {
  const connection = createRedisConnection(config.redisUrl, 'worker');
  connection.on('error', (error) => deps.logger.warn({ err: error }, 'worker redis connection error'));
  const limiter = createTokenLimiter({ redis: connection, prefix: config.redisPrefix });
  const tenants = createTenantRegistry(config.tenants, { limiter, metrics: deps.metrics });
  const deadLetters = createDeadLetters({
    connection,
    prefix: config.redisPrefix,
    replayTarget: inboundReplayTarget(config.inboundPartitions),
  });
  const inbound = await startInboundWorkers({
    config,
    connection,
    tenants,
    ledger: createMessageLedger(connection, config.redisPrefix),
    chatCache: createChatCache(connection, config.redisPrefix),
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
  return {
    inbound,
    async close(deadlineMs = config.shutdownTimeoutMs) {
      await inbound.close(deadlineMs);
      await Promise.all([limiter.close(), deadLetters.close()]);
      connection.disconnect();
    },
  };
}
