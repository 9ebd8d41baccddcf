import type { RelayConfig } from '@relay/config';
import type { Logger, RelayMetrics } from '@relay/observability';
import { createMessageLedger, createRedisConnection } from '@relay/queue';
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
  const tenants = createTenantRegistry(config.tenants, { metrics: deps.metrics });
  const inbound = await startInboundWorkers({
    config,
    connection,
    tenants,
    ledger: createMessageLedger(connection, config.redisPrefix),
    chatCache: createChatCache(connection, config.redisPrefix),
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
      connection.disconnect();
    },
  };
}
