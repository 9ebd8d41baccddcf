import type { Redis } from 'ioredis';
import { BudgetDeferral, DEFAULT_SKEW_MARGIN_MS, spacingMs, type TokenBudget } from './budget.js';
import { expectedWaitMs, readClusterState } from './clusterState.js';
import { CoolDownStore } from './coolDown.js';
import { BOTTLENECK_DEFECT, LimiterPool, NotStarted, type PoolEntry } from './limiterPool.js';

/** Per-call options of {@link TokenLimiter.schedule}. */
export interface ScheduleOptions {
  /** Defer (throw {@link BudgetDeferral}) when the expected wait before `fn` starts exceeds this. */
  maxWaitMs?: number;
  /** Aborts a call still waiting for its slot (rejects with the signal's reason; `fn` is not called). */
  signal?: AbortSignal;
}

/** A per-token limiter shared by every process through Redis. Keys are token hashes ({@link tokenHash}). */
export interface TokenLimiter {
  /**
   * Runs `fn` within the token's budget, spaced with minTime. Throws {@link BudgetDeferral} when the token is
   * cooling down after a 429, or when the expected wait before `fn` could start exceeds `maxWaitMs`: the caller
   * defers its job instead of holding a worker slot. Errors of `fn` pass through unchanged.
   */
  schedule<T>(key: string, budget: TokenBudget, fn: () => Promise<T>, opts?: ScheduleOptions): Promise<T>;
  /** A 429 was seen for this token: every process stops calling it until `untilMs` (the later deadline wins). */
  coolDown(key: string, untilMs: number): Promise<void>;
  /** Current cool-down deadline (epoch ms) or null. */
  coolDownUntil(key: string): Promise<number | null>;
  /** Stops the limiter and quits its own Redis connections (never the client passed in). */
  close(): Promise<void>;
}

/** Options of {@link createTokenLimiter}. */
export interface TokenLimiterOptions {
  /** ioredis client; the limiter duplicates it for Bottleneck and its own reads, and leaves it open on close. */
  redis: Redis;
  /** Redis key prefix, e.g. 'relay'. Keys: `b_<prefix>:rl:<hash>_*` (Bottleneck), `<prefix>:rl:cooldown:<hash>`. */
  prefix: string;
  /** Default of {@link ScheduleOptions.maxWaitMs}. Default 3000. */
  maxWaitMs?: number;
  /** Called when a call starts, with how long it waited for its slot. */
  onWait?: (key: string, waitedMs: number) => void;
  /** Errors other than the handled Bottleneck defect (Redis connection errors and the like). */
  onError?: (err: Error) => void;
  /**
   * Called once with each Redis connection the limiter opens, as soon as it exists: its own client (`rate-limit`)
   * and Bottleneck's subscriber (`rate-limit-subscriber`), e.g. to log their outages. Their errors reach `onError`
   * as well.
   */
  onConnection?: (client: Redis, name: 'rate-limit' | 'rate-limit-subscriber') => void;
  /** Cluster-wide concurrent calls per token when its budget names none. Default 4. */
  maxConcurrent?: number;
  /**
   * Bottleneck job `expiration`: a crashed process's in-flight calls keep their `maxConcurrent` slots this long.
   * Default 12 000: a slot is held for one HTTP call, which the Chatwoot client times out after 10 s.
   */
  jobExpirationMs?: number;
  /** A token idle this long has its Redis state expire (Bottleneck `timeout`). Default 5 min. */
  idleTimeoutMs?: number;
  /** Added to minTime, see {@link spacingMs}. Default 2. */
  skewMarginMs?: number;
  /** How long a cool-down read is reused in process. Default 250. */
  coolDownCacheMs?: number;
}

/** Creates the shared per-token limiter. See docs in {@link TokenLimiter} and `spacingMs` for the sizing. */
export function createTokenLimiter(opts: TokenLimiterOptions): TokenLimiter {
  const client = opts.redis.duplicate();
  const onError = (err: Error) => {
    try {
      opts.onError?.(err);
    } catch {
      // A throwing listener inside Bottleneck's event emitter would recurse into its own 'error' event.
    }
  };
  opts.onConnection?.(client, 'rate-limit');
  client.on('error', onError);
  const pool = new LimiterPool({
    client,
    prefix: opts.prefix,
    jobExpirationMs: opts.jobExpirationMs ?? 12_000,
    idleTimeoutMs: opts.idleTimeoutMs ?? 5 * 60_000,
    onError,
  });
  opts.onConnection?.(pool.subscriber, 'rate-limit-subscriber');
  const coolDowns = new CoolDownStore(client, opts.prefix, opts.coolDownCacheMs ?? 250);
  const defaultMaxWait = opts.maxWaitMs ?? 3_000;
  const skew = opts.skewMarginMs ?? DEFAULT_SKEW_MARGIN_MS;
  const defaultMaxConcurrent = opts.maxConcurrent ?? 4;
  let closed = false;
  const admissions = new Map<string, Promise<void>>();

  /** A live instance whose cluster settings exist and match this budget, and the expected wait on it. */
  async function admit(
    key: string,
    minTime: number,
    maxConcurrent: number,
  ): Promise<{ entry: PoolEntry; waitMs: number }> {
    for (let round = 0; ; round++) {
      const entry = await pool.acquire(key, { minTime, maxConcurrent });
      const state = await readClusterState(client, pool.id(key));
      if (!state.exists && round === 0) {
        // Expired or flushed under us: the next script call would hit the defect. Start a fresh instance.
        pool.invalidate(entry);
        continue;
      }
      if (state.exists && (state.minTime !== minTime || state.maxConcurrent !== maxConcurrent)) {
        // Bottleneck keeps the settings of whoever created the key first; constructor options do not apply then.
        await entry.limiter.updateSettings({ minTime, maxConcurrent });
      }
      const counts = entry.limiter.counts();
      const local = { queued: counts.QUEUED, received: counts.RECEIVED };
      return { entry, waitMs: expectedWaitMs(state, minTime, local) };
    }
  }

  async function schedule<T>(
    key: string,
    budget: TokenBudget,
    fn: () => Promise<T>,
    callOpts: ScheduleOptions = {},
  ): Promise<T> {
    if (closed) throw new Error('token limiter is closed');
    callOpts.signal?.throwIfAborted();
    const coolingUntil = await coolDowns.until(key);
    if (coolingUntil !== null) throw new BudgetDeferral('cool_down', key, coolingUntil);
    const minTime = spacingMs(budget, skew);
    const maxConcurrent = budget.maxConcurrent ?? defaultMaxConcurrent;
    const maxWaitMs = callOpts.maxWaitMs ?? defaultMaxWait;
    const admittedAt = Date.now();
    const started = async () => {
      // A 429 seen elsewhere while this call waited for its slot: do not spend the call.
      const until = await coolDowns.until(key);
      if (until !== null) throw new BudgetDeferral('cool_down', key, until);
      opts.onWait?.(key, Date.now() - admittedAt);
      return fn();
    };
    for (let attempt = 0; ; attempt++) {
      // Admission is serialised per key in this process, so each estimate sees the calls admitted before it
      // (`pool.run` hands the job to Bottleneck synchronously, where it counts as RECEIVED at once).
      const previous = admissions.get(key) ?? Promise.resolve();
      let admitted = () => {};
      const mine = new Promise<void>((resolve) => {
        admitted = resolve;
      });
      const chain = previous.then(() => mine);
      admissions.set(key, chain);
      let running: Promise<T>;
      let entry: PoolEntry;
      try {
        await previous;
        const admission = await admit(key, minTime, maxConcurrent);
        entry = admission.entry;
        if (admission.waitMs > maxWaitMs)
          throw new BudgetDeferral('budget', key, Date.now() + admission.waitMs);
        running = pool.run(entry, started, callOpts.signal);
      } finally {
        admitted();
        if (admissions.get(key) === chain) admissions.delete(key);
      }
      try {
        return await running;
      } catch (err) {
        if (!(err instanceof NotStarted)) throw err;
        const message = err.cause instanceof Error ? err.cause.message : String(err.cause);
        // Bottleneck's Redis-7 defect (or a replaced instance): fn never ran, so one retry on a fresh instance.
        if (attempt === 0 && (BOTTLENECK_DEFECT.test(message) || entry.stale)) {
          pool.invalidate(entry, err.cause);
          continue;
        }
        throw err.cause;
      }
    }
  }

  return {
    schedule,
    coolDown: (key, untilMs) => coolDowns.set(key, untilMs),
    coolDownUntil: (key) => coolDowns.until(key, true),
    async close() {
      if (closed) return;
      closed = true;
      await pool.close();
    },
  };
}
