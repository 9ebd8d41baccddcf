import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RelayConfig } from '@relay/config';
import { type Logger, type RelayMetrics, watchRedisConnection } from '@relay/observability';
import {
  createDeadLetters,
  createRedisConnection,
  DEAD_LETTER_QUEUE,
  inboundQueueNames,
  replayTargetFor,
} from '@relay/queue';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { createDashboardApp } from './app.js';

export interface RunningDashboard {
  url: string;
  server: Server;
  close(): Promise<void>;
}

/** Why the dashboard cannot start with this config, or null. Sign-in must be configured or explicitly off. */
export function dashboardConfigProblem(config: Pick<RelayConfig, 'dashboardAuth'>): string | null {
  const { disabled, users, token } = config.dashboardAuth;
  if (disabled || users.length > 0 || token !== null) return null;
  return 'the dashboard needs DASHBOARD_USERS or DASHBOARD_TOKEN (or DASHBOARD_AUTH=off on a trusted network)';
}

/** Names of the queues that exist under `prefix` (each BullMQ queue has a `<prefix>:<name>:meta` hash). */
async function discoverQueues(redis: Redis, prefix: string): Promise<string[]> {
  const names = new Set<string>();
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*:meta`, 'COUNT', 1000);
    cursor = next;
    for (const key of keys) names.add(key.slice(prefix.length + 1, -':meta'.length));
  } while (cursor !== '0');
  return [...names];
}

/** Starts the dashboard on `DASHBOARD_PORT` with its own Redis connection and queue handles. */
export async function startDashboard(
  config: RelayConfig,
  deps: { logger: Logger; metrics: RelayMetrics; port?: number },
): Promise<RunningDashboard> {
  const problem = dashboardConfigProblem(config);
  if (problem) throw new Error(problem);
  const redis = createRedisConnection(config.redisUrl, 'worker');
  // Outages are logged once (lost / back), not once per failed reconnect.
  watchRedisConnection(redis, { logger: deps.logger, name: 'dashboard' });
  const replayTarget = replayTargetFor(config.inboundPartitions, config.outboundPartitions);
  const deadLetters = createDeadLetters({ connection: redis, prefix: config.redisPrefix, replayTarget });
  // The configured partitions and the dead-letter queue, plus any other queue found in Redis (outbound, ...).
  const configured = inboundQueueNames(
    config.tenants.map((tenant) => tenant.id),
    config.inboundPartitions,
  );
  const discovered = await discoverQueues(redis, config.redisPrefix);
  const names = [...new Set([...configured, DEAD_LETTER_QUEUE, ...discovered.sort()])];
  const queues = names.map((name) =>
    new Queue(name, { connection: redis, prefix: config.redisPrefix }).on('error', () => {}),
  );
  const app = createDashboardApp({
    config,
    redis,
    deadLetters,
    queues,
    replayTarget,
    logger: deps.logger,
    metrics: deps.metrics,
  });
  const server = await new Promise<Server>((resolve, reject) => {
    const listening = app.listen(deps.port ?? config.dashboardPort, config.host, () => resolve(listening));
    listening.once('error', reject);
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://${config.host === '0.0.0.0' ? '127.0.0.1' : config.host}:${port}`;
  if (config.dashboardAuth.disabled)
    deps.logger.warn({ url }, 'dashboard sign-in is OFF (DASHBOARD_AUTH=off)');
  deps.logger.info({ url, queues: names.length }, 'dashboard listening');
  return {
    url,
    server,
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await Promise.all([deadLetters.close(), ...queues.map((queue) => queue.close())]);
      redis.disconnect();
    },
  };
}
