import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Redis } from 'ioredis';

const RELEASE_SCRIPT = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end`;
const RENEW_SCRIPT = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) else return 0 end`;

/**
 * Runs `fn` while holding a Redis lock shared by every worker process.
 * The lock is a lease of `ttlMs`, renewed every third of it while `fn` runs, so a long `fn` keeps it and a crashed
 * holder blocks the others for at most `ttlMs`. Waiting for it longer than `waitMs` throws.
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
  // A failed renewal (Redis briefly down) is retried at the next one; the lease covers two of them.
  const renewal = setInterval(
    () => void redis.eval(RENEW_SCRIPT, 1, key, owner, opts.ttlMs).catch(() => {}),
    Math.max(50, Math.floor(opts.ttlMs / 3)),
  );
  try {
    return await fn();
  } finally {
    clearInterval(renewal);
    await redis.eval(RELEASE_SCRIPT, 1, key, owner);
  }
}
