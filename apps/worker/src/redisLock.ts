import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Redis } from 'ioredis';

const RELEASE_SCRIPT = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end`;

/**
 * Runs `fn` while holding a short Redis lock shared by every worker process.
 * The lock expires by itself after `ttlMs`, so a crashed holder blocks others for at most that long.
 */
export async function withRedisLock<T>(
  redis: Redis,
  key: string,
  opts: { ttlMs: number; waitMs: number },
  fn: () => Promise<T>,
): Promise<T> {
  const owner = randomUUID();
  const deadline = Date.now() + opts.waitMs;
  let pauseMs = 20;
  while ((await redis.set(key, owner, 'PX', opts.ttlMs, 'NX')) === null) {
    if (Date.now() > deadline) throw new Error(`lock ${key} still held after ${opts.waitMs} ms`);
    await sleep(pauseMs);
    pauseMs = Math.min(pauseMs * 2, 250);
  }
  try {
    return await fn();
  } finally {
    await redis.eval(RELEASE_SCRIPT, 1, key, owner);
  }
}
