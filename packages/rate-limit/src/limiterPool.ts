import Bottleneck from 'bottleneck';
import type { Redis } from 'ioredis';

/** Bottleneck's cluster errors that mean "this limiter's Redis state or client registration is gone". */
export const BOTTLENECK_DEFECT = /SETTINGS_KEY_NOT_FOUND|UNKNOWN_CLIENT/;

/** Thrown by {@link LimiterPool.run} when the slot was never granted: `fn` did not run, so a retry is safe. */
export class NotStarted extends Error {
  constructor(override readonly cause: unknown) {
    super(`limiter did not start the call: ${cause instanceof Error ? cause.message : String(cause)}`);
    this.name = 'NotStarted';
  }
}

/** One key's clustered Bottleneck in this process. */
export interface PoolEntry {
  readonly hash: string;
  readonly limiter: Bottleneck;
  readonly ready: Promise<unknown>;
  lastUsed: number;
  active: number;
  stale: boolean;
  /** Rejections of calls queued here and not yet started; called when the limiter turns out to be broken. */
  readonly pending: Set<(err: unknown) => void>;
}

/** Bottleneck settings of a key's limiter, shared by every process through Redis. */
export interface LimiterSettings {
  minTime: number;
  maxConcurrent: number;
}

export interface PoolOptions {
  /** Bottleneck's own client (scripts are defined on it; a subscriber is duplicated from it). */
  client: Redis;
  prefix: string;
  jobExpirationMs: number;
  /** Redis keys of a key idle this long expire (Bottleneck `timeout`); the local instance is dropped before that. */
  idleTimeoutMs: number;
  onError: (err: Error) => void;
}

/**
 * Per-key clustered Bottleneck instances sharing one connection, with no Group: Group.deleteKey DELs the shared
 * Redis state, which would reset `nextRequest` under other processes. Here a broken or idle instance is only dropped
 * locally; its successor's `init` recreates the settings if they expired, or joins them if they exist.
 */
export class LimiterPool {
  readonly #opts: PoolOptions;
  readonly #connection: Bottleneck.IORedisConnection;
  /** Bottleneck's own subscriber connection, duplicated from the client. */
  readonly subscriber: Redis;
  readonly #entries = new Map<string, PoolEntry>();
  readonly #sweep: NodeJS.Timeout;

  constructor(opts: PoolOptions) {
    this.#opts = opts;
    this.#connection = new Bottleneck.IORedisConnection({ client: opts.client });
    this.#connection.on('error', (err: unknown) => opts.onError(asError(err)));
    // Set in IORedisConnection's constructor (`client.duplicate()`); its typings leave it out.
    this.subscriber = (this.#connection as unknown as { subscriber: Redis }).subscriber;
    this.#sweep = setInterval(() => this.#dropIdle(), Math.max(50, opts.idleTimeoutMs / 4));
    this.#sweep.unref();
  }

  /** Bottleneck id of a key: Redis keys are `b_<id>_settings` etc., so they name the hash, never the token. */
  id(hash: string): string {
    return `${this.#opts.prefix}:rl:${hash}`;
  }

  /** The live instance for `hash`, created with these settings if needed; replaced first if stale or idle near expiry. */
  async acquire(hash: string, settings: LimiterSettings): Promise<PoolEntry> {
    const now = Date.now();
    let entry = this.#entries.get(hash);
    const nearExpiry =
      entry !== undefined && entry.active === 0 && now - entry.lastUsed > this.#opts.idleTimeoutMs / 2;
    if (entry && (entry.stale || nearExpiry)) {
      this.invalidate(entry);
      entry = undefined;
    }
    entry ??= this.#create(hash, settings);
    entry.lastUsed = now;
    await entry.ready;
    return entry;
  }

  /** Drops a broken instance locally and fails its not-yet-started calls with a retryable {@link NotStarted}. */
  invalidate(entry: PoolEntry, cause: unknown = new Error('limiter replaced')): void {
    entry.stale = true;
    if (this.#entries.get(entry.hash) === entry) this.#entries.delete(entry.hash);
    for (const reject of entry.pending) reject(cause);
    entry.pending.clear();
    void Promise.resolve(entry.limiter.disconnect(false)).catch(() => undefined);
  }

  /**
   * Runs `fn` in a slot of `entry`. Bottleneck only opens the gate: its job resolves `fn`'s start and then holds the
   * slot until `fn` settles, while `fn`'s own result is returned directly. So a Bottleneck bookkeeping failure after
   * the start (a `free` script error, an `expiration`) can neither fail nor hang the call, and any failure before the
   * start is a {@link NotStarted}.
   */
  async run<T>(entry: PoolEntry, fn: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    let started = false;
    let abandoned = false;
    let release = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    entry.active++;
    entry.lastUsed = Date.now();
    try {
      await new Promise<void>((resolve, reject) => {
        const fail = (err: unknown) => reject(new NotStarted(err));
        entry.pending.add(fail);
        const onAbort = () => reject(signal?.reason ?? new Error('aborted'));
        signal?.addEventListener('abort', onAbort, { once: true });
        const cleanup = () => {
          entry.pending.delete(fail);
          signal?.removeEventListener('abort', onAbort);
        };
        entry.limiter
          .schedule({ expiration: this.#opts.jobExpirationMs }, async () => {
            if (abandoned) return;
            started = true;
            cleanup();
            resolve();
            await held;
          })
          .catch((err: unknown) => {
            cleanup();
            if (!started) fail(err);
          });
      });
    } catch (err) {
      abandoned = true;
      release();
      entry.active--;
      throw err;
    }
    try {
      return await fn();
    } finally {
      release();
      entry.active--;
      entry.lastUsed = Date.now();
    }
  }

  /** Disconnects every instance and the connection (quits Bottleneck's own client and subscriber). */
  async close(): Promise<void> {
    clearInterval(this.#sweep);
    for (const entry of [...this.#entries.values()]) this.invalidate(entry, new Error('limiter closed'));
    await Promise.resolve(this.#connection.disconnect(true)).catch(() => undefined);
  }

  #create(hash: string, settings: LimiterSettings): PoolEntry {
    const limiter = new Bottleneck({
      id: this.id(hash),
      datastore: 'ioredis',
      connection: this.#connection,
      minTime: settings.minTime,
      maxConcurrent: settings.maxConcurrent,
      timeout: this.#opts.idleTimeoutMs,
    });
    const entry: PoolEntry = {
      hash,
      limiter,
      ready: limiter.ready(),
      lastUsed: Date.now(),
      active: 0,
      stale: false,
      pending: new Set(),
    };
    limiter.on('error', (raw: unknown) => {
      const err = asError(raw);
      // The defect (e.g. from a heartbeat or a register in Bottleneck's drain loop, which would leave the call queued
      // forever): retire the instance and hand its waiting calls back for one retry on a fresh one.
      if (BOTTLENECK_DEFECT.test(err.message)) this.invalidate(entry, err);
      else this.#opts.onError(err);
    });
    this.#entries.set(hash, entry);
    return entry;
  }

  #dropIdle(): void {
    const now = Date.now();
    for (const entry of [...this.#entries.values()]) {
      if (entry.active === 0 && (entry.stale || now - entry.lastUsed > this.#opts.idleTimeoutMs / 2)) {
        this.invalidate(entry);
      }
    }
  }
}

function asError(value: unknown): Error {
  return value instanceof Error ? value : new Error(String(value));
}
