import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger, RelayMetrics } from '@relay/observability';
import type { Worker } from 'bullmq';
import type { Redis } from 'ioredis';

/** The worker's own HTTP endpoints for probes and Prometheus. */
export interface WorkerOpsServer {
  url: string;
  close(): Promise<void>;
}

/**
 * `GET /healthz` (process up), `GET /readyz` (Redis answers and every partition worker is running; 503 otherwise,
 * and while shutting down) and `GET /metrics`, on `host:port`.
 */
export async function startWorkerOpsServer(opts: {
  host: string;
  port: number;
  redis: Redis;
  workers: () => readonly Worker[];
  metrics: RelayMetrics;
  logger: Logger;
}): Promise<WorkerOpsServer> {
  let closing = false;
  const send = (res: ServerResponse, status: number, type: string, body: string) => {
    res.writeHead(status, { 'content-type': type });
    res.end(body);
  };
  const json = (res: ServerResponse, status: number, body: object) =>
    send(res, status, 'application/json; charset=utf-8', JSON.stringify(body));

  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET') return json(res, 405, { error: 'method_not_allowed' });
    if (path === '/healthz') return json(res, 200, { status: 'ok' });
    if (path === '/readyz') {
      const workers = opts.workers();
      const running = workers.filter((worker) => worker.isRunning()).length;
      opts.redis.ping().then(
        () => {
          const ready = !closing && workers.length > 0 && running === workers.length;
          json(res, ready ? 200 : 503, {
            status: ready ? 'ready' : 'not_ready',
            redis: 'ok',
            workers: { running, total: workers.length },
          });
        },
        (error: Error) =>
          json(res, 503, {
            status: 'not_ready',
            redis: error.message,
            workers: { running, total: workers.length },
          }),
      );
      return;
    }
    if (path === '/metrics') {
      opts.metrics.registry.metrics().then(
        (text) => send(res, 200, opts.metrics.registry.contentType, text),
        (error: Error) => {
          opts.logger.error({ err: error }, 'metrics collection failed');
          json(res, 500, { error: 'internal_error' });
        },
      );
      return;
    }
    json(res, 404, { error: 'not_found' });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://${opts.host === '0.0.0.0' ? '127.0.0.1' : opts.host}:${port}`;
  opts.logger.info({ url }, 'worker health and metrics listening');
  return {
    url,
    async close() {
      closing = true;
      await new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
    },
  };
}
