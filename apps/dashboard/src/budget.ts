import type { TenantConfig } from '@relay/config';
import { countTokenCalls } from '@relay/observability';
import { tokenHash } from '@relay/rate-limit';
import type { Redis } from 'ioredis';
import type { QueueHealth } from './queueHealth.js';

/** One Chatwoot token's budget as the budget page shows it (never the token, only its hash). */
export interface TokenBudgetView {
  tokenHash: string;
  tenants: string[];
  perWindow: number;
  windowSeconds: number;
  /** Calls started in the last window (from the workers' call log). */
  used: number;
  remaining: number;
  /** Epoch ms until which the token is cooling down after a 429, or null. */
  coolDownUntil: number | null;
  /** Partitions of its tenants paused right now (a retry backoff or a budget deferral). */
  pausedPartitions: number;
  /** Jobs waiting in those paused partitions. */
  deferredJobs: number;
}

/** Reads the budget state of every configured token: the call log, the cool-down key, the paused partitions. */
export async function readTokenBudgets(opts: {
  redis: Redis;
  prefix: string;
  tenants: readonly TenantConfig[];
  queues: readonly QueueHealth[];
  now?: number;
}): Promise<TokenBudgetView[]> {
  const now = opts.now ?? Date.now();
  const byHash = new Map<string, TenantConfig[]>();
  for (const tenant of opts.tenants) {
    const hash = tokenHash(tenant.chatwoot.apiToken);
    byHash.set(hash, [...(byHash.get(hash) ?? []), tenant]);
  }
  return Promise.all(
    [...byHash].map(async ([hash, tenants]) => {
      const { perWindow, windowMs } = tenants[0]!.chatwoot.budget;
      const [used, coolDown] = await Promise.all([
        countTokenCalls(opts.redis, opts.prefix, hash, windowMs, now),
        opts.redis.get(`${opts.prefix}:rl:cooldown:${hash}`),
      ]);
      const ids = tenants.map((tenant) => tenant.id);
      const paused = opts.queues.filter(
        (queue) => queue.pausedForMs > 0 && ids.some((id) => queue.queue.startsWith(`inbound-${id}-p`)),
      );
      const until = coolDown === null ? null : Number(coolDown);
      return {
        tokenHash: hash,
        tenants: ids,
        perWindow,
        windowSeconds: windowMs / 1000,
        used,
        remaining: Math.max(0, perWindow - used),
        coolDownUntil: until !== null && until > now ? until : null,
        pausedPartitions: paused.length,
        deferredJobs: paused.reduce((sum, queue) => sum + queue.waiting, 0),
      };
    }),
  );
}
