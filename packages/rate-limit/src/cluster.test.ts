import { startTestRedis, type TestRedis } from '@relay/testing';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type DriveConfig, measureKey, runDrivers } from './fixtures/runDrivers.js';

let testRedis: TestRedis;
let redis: Redis;

beforeAll(async () => {
  testRedis = await startTestRedis();
  redis = new Redis(testRedis.url);
});
afterAll(async () => {
  redis.disconnect();
  await testRedis.close();
});

it('3 OS processes share one budget per key: no sliding window over budget, >= 90 % used, keys independent', async () => {
  const prefix = testRedis.uniquePrefix('cluster');
  const shared = { key: 'aaaaaaaaaaaaaaaa', perWindow: 20, windowMs: 3_000, callers: 3 };
  const other = { key: 'bbbbbbbbbbbbbbbb', perWindow: 30, windowMs: 3_000, callers: 3 };
  const startAt = Date.now() + 3_000; // children need ~1 s to load tsx
  const durationMs = 12_000; // 4 windows
  const config: DriveConfig = { url: testRedis.url, prefix, startAt, durationMs, keys: [shared, other] };
  const results = await runDrivers([config, config, config]);

  for (const r of results) expect(r.errors).toEqual([]);
  expect(results.every((r) => r.calls > 0)).toBe(true); // every process got calls through
  for (const k of [shared, other]) {
    const m = await measureKey(redis, prefix, k, startAt, durationMs);
    expect(m.maxInWindow, `${k.key} max in any ${k.windowMs} ms`).toBeLessThanOrEqual(k.perWindow);
    expect(m.utilisation, `${k.key} utilisation`).toBeGreaterThanOrEqual(0.9);
  }
}, 40_000);
