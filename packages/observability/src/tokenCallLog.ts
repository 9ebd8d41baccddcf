import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';

/**
 * A per-token log of recent Chatwoot calls, so the dashboard can show how much of a token's budget the current
 * sliding window has used. One sorted set `<prefix>:rl:calls:<tokenHash>` (score = call start, epoch ms), trimmed
 * to one window on every write and expiring with it. It holds no token, only its hash.
 */
export function tokenCallLogKey(prefix: string, tokenHash: string): string {
  return `${prefix}:rl:calls:${tokenHash}`;
}

/** Records one call that starts now. Best effort: the caller does not wait for it. */
export async function recordTokenCall(
  redis: Redis,
  prefix: string,
  tokenHash: string,
  windowMs: number,
  now = Date.now(),
): Promise<void> {
  const key = tokenCallLogKey(prefix, tokenHash);
  await redis
    .multi()
    .zadd(key, now, `${now}-${randomBytes(4).toString('hex')}`)
    .zremrangebyscore(key, '-inf', now - windowMs)
    .pexpire(key, windowMs + 1000)
    .exec();
}

/** Calls that started in the last `windowMs`. */
export async function countTokenCalls(
  redis: Redis,
  prefix: string,
  tokenHash: string,
  windowMs: number,
  now = Date.now(),
): Promise<number> {
  return redis.zcount(tokenCallLogKey(prefix, tokenHash), now - windowMs, '+inf');
}
