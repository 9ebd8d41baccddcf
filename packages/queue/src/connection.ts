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
      maxRetriesPerRequest: 1,
      connectTimeout: 2000,
      retryStrategy: (times) => Math.min(times * 200, 2000),
    });
  }
  return new Redis(url, { maxRetriesPerRequest: null, enableReadyCheck: true });
}
