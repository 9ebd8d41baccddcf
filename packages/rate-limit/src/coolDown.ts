import type { Redis } from 'ioredis';

/** Keeps the later deadline: returns the deadline in force after the call. Expires with the deadline (+ grace). */
const SET_LATER = `
local current = tonumber(redis.call('GET', KEYS[1]))
local wanted = tonumber(ARGV[1])
if current ~= nil and current >= wanted then return tostring(current) end
redis.call('SET', KEYS[1], ARGV[1], 'PXAT', wanted + tonumber(ARGV[2]))
return ARGV[1]
`;

/** Extra life of the key past its deadline, so a Redis clock slightly ahead of ours does not drop it early. */
const EXPIRY_GRACE_MS = 5_000;

/**
 * The shared per-token cool-down after a 429: one Redis string `<prefix>:rl:cooldown:<hash>` holding the deadline
 * (epoch ms). Reads are cached in process for `cacheMs`, so a busy token costs at most one GET per `cacheMs`.
 */
export class CoolDownStore {
  readonly #redis: Redis;
  readonly #prefix: string;
  readonly #cacheMs: number;
  readonly #cache = new Map<string, { until: number | null; readAt: number }>();

  constructor(redis: Redis, prefix: string, cacheMs: number) {
    this.#redis = redis;
    this.#prefix = prefix;
    this.#cacheMs = cacheMs;
  }

  #key(hash: string): string {
    return `${this.#prefix}:rl:cooldown:${hash}`;
  }

  /** Sets the deadline unless a later one is already set; every process sees it on its next (uncached) read. */
  async set(hash: string, untilMs: number): Promise<void> {
    const kept = await this.#redis.eval(
      SET_LATER,
      1,
      this.#key(hash),
      String(Math.ceil(untilMs)),
      EXPIRY_GRACE_MS,
    );
    this.#cache.set(hash, { until: Number(kept), readAt: Date.now() });
  }

  /** The deadline in force (epoch ms), or null when the token may be called. */
  async until(hash: string, fresh = false): Promise<number | null> {
    const now = Date.now();
    const cached = this.#cache.get(hash);
    let until: number | null;
    if (!fresh && cached && now - cached.readAt < this.#cacheMs) {
      until = cached.until;
    } else {
      const raw = await this.#redis.get(this.#key(hash));
      until = raw === null ? null : Number(raw);
      this.#cache.set(hash, { until, readAt: now });
      if (this.#cache.size > 10_000) this.#cache.clear();
    }
    return until !== null && until > now ? until : null;
  }
}
