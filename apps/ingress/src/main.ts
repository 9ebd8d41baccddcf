import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RelayConfig } from '@relay/config';
import { type Logger, type RelayMetrics, watchRedisConnection } from '@relay/observability';
import {
  createDeadLetters,
  createInboundProducer,
  createOutboundProducer,
  createRedisConnection,
  replayTargetFor,
} from '@relay/queue';
import { createIngressListener } from './app.js';

export interface RunningIngress {
  url: string;
  server: Server;
  close(): Promise<void>;
}

/** Starts the ingress HTTP server with its own fail-fast Redis connection. */
export async function startIngress(
  config: RelayConfig,
  deps: { logger: Logger; metrics: RelayMetrics },
): Promise<RunningIngress> {
  const redis = createRedisConnection(config.redisUrl, 'producer');
  // Outages are logged once (lost / back), not once per failed reconnect.
  watchRedisConnection(redis, { logger: deps.logger, name: 'ingress' });
  const producer = createInboundProducer({
    connection: redis,
    prefix: config.redisPrefix,
    partitions: config.inboundPartitions,
    tenants: config.tenants.map((tenant) => tenant.id),
  });
  const outbound = createOutboundProducer({
    connection: redis,
    prefix: config.redisPrefix,
    partitions: config.outboundPartitions,
    tenants: config.tenants.map((tenant) => tenant.id),
  });
  const deadLetters = createDeadLetters({
    connection: redis,
    prefix: config.redisPrefix,
    replayTarget: replayTargetFor(config.inboundPartitions, config.outboundPartitions),
  });
  const listener = createIngressListener({
    config,
    producer,
    outbound,
    deadLetters,
    redis,
    logger: deps.logger,
    metrics: deps.metrics,
  });
  const server = await new Promise<Server>((resolve, reject) => {
    // maxHeaderSize: Node answers 431 to a request whose head is larger (MAX_HEADER_BYTES).
    const listening = createServer({ maxHeaderSize: config.maxHeaderBytes }, listener);
    listening.listen(config.port, config.host, () => resolve(listening));
    listening.once('error', reject);
  });
  // Slow clients must not hold sockets forever; WAHA and Chatwoot post small bodies.
  server.requestTimeout = 15_000;
  server.headersTimeout = 10_000;
  const { port } = server.address() as AddressInfo;
  const host = config.host === '0.0.0.0' ? '127.0.0.1' : config.host;
  const url = `http://${host}:${port}`;
  deps.logger.info({ url, tenants: config.tenants.map((t) => t.id) }, 'ingress listening');
  return {
    url,
    server,
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await Promise.all([producer.close(), outbound.close(), deadLetters.close()]);
      redis.disconnect();
    },
  };
}
