import { Redis } from 'ioredis';

/**
 * Redis connections by role.
 * - `producer`: the ingress. Fails fast (no offline queue, one try) so a Redis outage becomes a 503 at once.
 * - `worker`: BullMQ workers and the worker's own bookkeeping. Retries forever, as BullMQ requires.
 */
export function createRedisConnection(url: string, role: 'producer' | 'worker'): Redis {
  if (role === 'producer') {
    return new Redis(url, {
      enableOfflineQueue: false,
      // Commands of concurrent requests issued in one event-loop turn share one write (BullMQ's scripts included).
      enableAutoPipelining: true,
      maxRetriesPerRequest: 1,
      connectTimeout: 2000,
      retryStrategy: (times) => Math.min(times * 200, 2000),
    });
  }
  return new Redis(url, { maxRetriesPerRequest: null, enableReadyCheck: true });
}

const CONNECT_WAIT_MS = 1000;

/**
 * Resolves when the connection is ready, waiting a moment for one being (re)established; rejects otherwise.
 * Producers call it before adding a job so that a Redis outage becomes a fast error (a 503) instead of a hang.
 */
export async function connected(connection: Redis): Promise<void> {
  if (connection.status === 'ready') return;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      connection.off('ready', onReady);
      reject(new Error(`Redis connection is ${connection.status}`));
    }, CONNECT_WAIT_MS);
    const onReady = () => {
      clearTimeout(timer);
      resolve();
    };
    connection.once('ready', onReady);
  });
}
