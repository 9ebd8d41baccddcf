import { inboundQueueNames } from '@relay/queue';
import type { Redis } from 'ioredis';

/** How long a measured queue depth or memory use is trusted: one Redis round trip per second, not per webhook. */
export const BACKPRESSURE_CACHE_MS = 1000;
/** Retry-After of a 503 for backpressure: long enough for workers to drain some of the backlog. */
export const BACKPRESSURE_RETRY_AFTER_S = 10;

export interface Backpressure {
  /** Why the ingress should refuse new work of this tenant (null: Redis memory only) now, or null. */
  refusal(tenant: string | null): Promise<{ reason: 'queue_depth' | 'redis_memory'; message: string } | null>;
}

interface Cached<T> {
  at: number;
  value: Promise<T>;
}

/**
 * Backpressure: the tenant's waiting inbound jobs (summed over its partitions: wait, paused, prioritized, delayed)
 * and Redis memory use against `maxmemory`, each read at most once per {@link BACKPRESSURE_CACHE_MS}.
 * A failed measurement never refuses: the enqueue that follows answers 503 itself if Redis is down.
 */
export function createBackpressure(opts: {
  redis: Redis;
  prefix: string;
  partitions: number;
  maxQueueDepth: number;
  maxMemoryRatio: number;
  now?: () => number;
}): Backpressure {
  const now = opts.now ?? Date.now;
  const depths = new Map<string, Cached<number>>();
  let memory: Cached<number> | undefined;

  const cached = <T>(entry: Cached<T> | undefined, load: () => Promise<T>, fallback: T): Cached<T> => {
    if (entry && now() - entry.at < BACKPRESSURE_CACHE_MS) return entry;
    return { at: now(), value: load().catch(() => fallback) };
  };

  const queueDepth = async (tenant: string): Promise<number> => {
    const pipeline = opts.redis.pipeline();
    for (const name of inboundQueueNames([tenant], opts.partitions)) {
      const base = `${opts.prefix}:${name}`;
      pipeline
        .llen(`${base}:wait`)
        .llen(`${base}:paused`)
        .zcard(`${base}:prioritized`)
        .zcard(`${base}:delayed`);
    }
    const results = (await pipeline.exec()) ?? [];
    return results.reduce((sum, [error, count]) => (error ? sum : sum + Number(count)), 0);
  };

  /** used_memory / maxmemory, 0 when maxmemory is not set. */
  const memoryRatio = async (): Promise<number> => {
    const info = await opts.redis.info('memory');
    const field = (name: string) => Number(new RegExp(`^${name}:(\\d+)`, 'm').exec(info)?.[1] ?? 0);
    const max = field('maxmemory');
    return max > 0 ? field('used_memory') / max : 0;
  };

  return {
    async refusal(tenant) {
      if (opts.maxMemoryRatio > 0) {
        memory = cached(memory, memoryRatio, 0);
        const ratio = await memory.value;
        if (ratio >= opts.maxMemoryRatio) {
          return {
            reason: 'redis_memory',
            message: `Redis memory at ${(ratio * 100).toFixed(1)} % of maxmemory (limit ${opts.maxMemoryRatio * 100} %)`,
          };
        }
      }
      if (tenant !== null && opts.maxQueueDepth > 0) {
        const entry = cached(depths.get(tenant), () => queueDepth(tenant), 0);
        depths.set(tenant, entry);
        const depth = await entry.value;
        if (depth >= opts.maxQueueDepth) {
          return {
            reason: 'queue_depth',
            message: `${depth} inbound jobs waiting for tenant "${tenant}" (limit ${opts.maxQueueDepth})`,
          };
        }
      }
      return null;
    },
  };
}
