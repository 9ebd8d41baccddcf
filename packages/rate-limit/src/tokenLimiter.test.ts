import { startTestRedis, type TestRedis } from '@relay/testing';
import Bottleneck from 'bottleneck';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  BudgetDeferral,
  createTokenLimiter,
  maxInSlidingWindow,
  nextWindowBoundaryMs,
  spacingMs,
  type TokenLimiter,
  tokenHash,
} from './index.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const budget = { perWindow: 20, windowMs: 3_000 };

let testRedis: TestRedis;
let redis: Redis;
const limiters: TokenLimiter[] = [];
const errors: Error[] = [];
const make = (opts: Partial<Parameters<typeof createTokenLimiter>[0]> = {}) => {
  const limiter = createTokenLimiter({
    redis,
    prefix: testRedis.uniquePrefix('rl'),
    onError: (err) => errors.push(err),
    ...opts,
  });
  limiters.push(limiter);
  return limiter;
};

beforeAll(async () => {
  testRedis = await startTestRedis();
  redis = new Redis(testRedis.url);
});
afterEach(() => {
  expect(errors.map((e) => e.message)).toEqual([]);
});
afterAll(async () => {
  await Promise.all(limiters.map((l) => l.close()));
  redis.disconnect();
  await testRedis.close();
});

describe('sizing helpers', () => {
  it('hashes tokens to 16 hex chars and never echoes the token', () => {
    const hash = tokenHash('secret-token');
    expect(hash).toMatch(/^[0-9a-f]{16}$/);
    expect(hash).not.toContain('secret');
  });
  it('spaces N calls per W at ceil(W/(N-1)) + margin, so N+1 starts never fit in a closed window', () => {
    expect(spacingMs({ perWindow: 100, windowMs: 60_000 }, 0)).toBe(607);
    const t = spacingMs(budget);
    const starts = Array.from({ length: 50 }, (_, i) => i * t);
    expect(maxInSlidingWindow(starts, budget.windowMs)).toBeLessThanOrEqual(budget.perWindow);
    // The naive W/N spacing lets the fence-post through.
    const naive = Array.from({ length: 50 }, (_, i) => i * (budget.windowMs / budget.perWindow));
    expect(maxInSlidingWindow(naive, budget.windowMs)).toBe(budget.perWindow + 1);
  });
  it('finds the next epoch-aligned boundary', () => {
    expect(nextWindowBoundaryMs(61_000, 60_000)).toBe(120_000);
    expect(nextWindowBoundaryMs(60_000, 60_000)).toBe(120_000);
  });
});

describe('Bottleneck Redis-7 defect', () => {
  it('exists upstream: a clustered limiter idle past its key expiry fails its next call', async () => {
    const client = new Redis(testRedis.url);
    const connection = new Bottleneck.IORedisConnection({ client });
    const raw = new Bottleneck({
      id: `${testRedis.uniquePrefix('raw')}`,
      datastore: 'ioredis',
      connection,
      minTime: 10,
      timeout: 300,
    });
    raw.on('error', () => {});
    try {
      await expect(raw.schedule(async () => 'first')).resolves.toBe('first');
      await sleep(700);
      await expect(raw.schedule(async () => 'second')).rejects.toThrow(/SETTINGS_KEY_NOT_FOUND/);
    } finally {
      await connection.disconnect(false);
    }
  });

  it('never surfaces: idle past key expiry, then the next call succeeds', async () => {
    const limiter = make({ idleTimeoutMs: 300 });
    await expect(limiter.schedule('idle', budget, async () => 1)).resolves.toBe(1);
    await sleep(700);
    await expect(limiter.schedule('idle', budget, async () => 2)).resolves.toBe(2);
  });

  it('never surfaces: state lost under a live instance (UNKNOWN_CLIENT, SETTINGS_KEY_NOT_FOUND) is retried once', async () => {
    const prefix = testRedis.uniquePrefix('lost');
    const limiter = make({ prefix });
    let calls = 0;
    const fn = async () => ++calls;
    await limiter.schedule('k', budget, fn);
    // As after this process was paused past clientTimeout: other clients dropped its registration.
    await redis.del(`b_${prefix}:rl:k_client_last_seen`);
    await expect(limiter.schedule('k', budget, fn)).resolves.toBe(2);
    // As after a Redis restart without persistence: every key of the limiter is gone.
    const keys = await redis.keys(`b_${prefix}:rl:k_*`);
    await redis.del(...keys);
    await expect(limiter.schedule('k', budget, fn)).resolves.toBe(3);
    expect(calls).toBe(3);
  });
});

describe('settings', () => {
  it('applies each key its own budget in Redis, even when the key was created with another one', async () => {
    const prefix = testRedis.uniquePrefix('set');
    const first = make({ prefix });
    const second = make({ prefix });
    await first.schedule('k', { perWindow: 10, windowMs: 3_000 }, async () => 0);
    expect(await redis.hget(`b_${prefix}:rl:k_settings`, 'minTime')).toBe(
      String(spacingMs({ perWindow: 10, windowMs: 3_000 })),
    );
    await second.schedule('k', budget, async () => 0);
    expect(await redis.hget(`b_${prefix}:rl:k_settings`, 'minTime')).toBe(String(spacingMs(budget)));
    expect(await redis.hget(`b_${prefix}:rl:k_settings`, 'maxConcurrent')).toBe('4');
  });

  it("keeps at most the budget's maxConcurrent calls of a key in flight across processes' limiters", async () => {
    const prefix = testRedis.uniquePrefix('conc');
    const limiters = [make({ prefix }), make({ prefix })];
    const fast = { perWindow: 100_000, windowMs: 60_000, maxConcurrent: 2 };
    let inFlight = 0;
    let most = 0;
    let release = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const call = async () => {
      most = Math.max(most, ++inFlight);
      await gate;
      inFlight--;
    };
    const calls = Array.from({ length: 6 }, (_, i) =>
      limiters[i % 2]!.schedule('k', fast, call, { maxWaitMs: 60_000 }),
    );
    await vi.waitUntil(() => inFlight === 2);
    await sleep(200); // would a third call start if the cap did not hold?
    expect(inFlight).toBe(2);
    release();
    await Promise.all(calls);
    expect(most).toBe(2);
    expect(await redis.hget(`b_${prefix}:rl:k_settings`, 'maxConcurrent')).toBe('2');
  });
});

describe('cool-down after a 429', () => {
  it('defers every process until the deadline, calls nothing, and leaves other keys alone', async () => {
    const prefix = testRedis.uniquePrefix('cool');
    const here = make({ prefix });
    const elsewhere = make({ prefix });
    const deadline = Date.now() + 1_500;
    await here.coolDown('hot', deadline);
    await here.coolDown('hot', deadline - 1_000); // an earlier deadline never shortens it
    expect(await elsewhere.coolDownUntil('hot')).toBe(deadline);
    let called = 0;
    const error = await elsewhere.schedule('hot', budget, async () => ++called).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BudgetDeferral);
    expect((error as BudgetDeferral).reason).toBe('cool_down');
    expect((error as BudgetDeferral).retryAtMs).toBeGreaterThanOrEqual(deadline);
    expect((error as BudgetDeferral).tokenHash).toBe('hot');
    expect(called).toBe(0);
    await expect(elsewhere.schedule('cold', budget, async () => 'ok')).resolves.toBe('ok');
    expect(await elsewhere.coolDownUntil('cold')).toBeNull();
    await sleep(deadline - Date.now() + 300);
    await expect(elsewhere.schedule('hot', budget, async () => ++called)).resolves.toBe(1);
  });
});

describe('deferral instead of a long wait', () => {
  it('throws BudgetDeferral(budget) once the expected wait passes maxWaitMs; other keys keep their pace', async () => {
    const limiter = make({ maxWaitMs: 1_200 });
    const small = { perWindow: 5, windowMs: 2_000 }; // minTime 502 ms
    const t0 = Date.now();
    const outcomes = await Promise.allSettled(
      Array.from({ length: 8 }, () => limiter.schedule('busy', small, async () => Date.now() - t0)),
    );
    const ran = outcomes.flatMap((o) => (o.status === 'fulfilled' ? [o.value] : []));
    const deferred = outcomes.flatMap((o) => (o.status === 'rejected' ? [o.reason as unknown] : []));
    expect(ran).toHaveLength(3);
    expect(Math.max(...ran)).toBeLessThan(1_200 + 150);
    expect(deferred).toHaveLength(5);
    for (const d of deferred) {
      expect(d).toBeInstanceOf(BudgetDeferral);
      expect((d as BudgetDeferral).reason).toBe('budget');
      expect((d as BudgetDeferral).retryAtMs).toBeGreaterThan(t0 + 1_200);
    }
    const other = Date.now();
    await limiter.schedule('idle-neighbour', small, async () => 0);
    expect(Date.now() - other).toBeLessThan(150);
  });

  it('aborts a waiting call without running it', async () => {
    const limiter = make();
    const slow = { perWindow: 2, windowMs: 2_000 };
    await limiter.schedule('abort', slow, async () => 0);
    const controller = new AbortController();
    let called = false;
    const pending = limiter.schedule('abort', slow, async () => (called = true), {
      signal: controller.signal,
    });
    setTimeout(() => controller.abort(new Error('shutting down')), 100);
    await expect(pending).rejects.toThrow('shutting down');
    expect(called).toBe(false);
  });
});

describe('connections', () => {
  it('hands each Redis connection it opens to onConnection: its own client and Bottleneck subscriber', async () => {
    const seen = new Map<string, Redis>();
    const limiter = make({ onConnection: (client, name) => seen.set(name, client) });
    await expect(limiter.schedule(tokenHash('connections'), budget, async () => 'ran')).resolves.toBe('ran');
    expect([...seen.keys()]).toEqual(['rate-limit', 'rate-limit-subscriber']);
    const client = seen.get('rate-limit');
    const subscriber = seen.get('rate-limit-subscriber');
    expect(client).not.toBe(redis);
    expect(client?.status).toBe('ready');
    // The subscriber is the connection Bottleneck listens on for its limiters' messages.
    expect(subscriber?.mode).toBe('subscriber');
  });
});
