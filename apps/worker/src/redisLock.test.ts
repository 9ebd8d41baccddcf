import { setTimeout as sleep } from 'node:timers/promises';
import { startTestRedis, type TestRedis } from '@relay/testing';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withRedisLock } from './redisLock.js';

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

const TTL_MS = 150;

describe('withRedisLock', () => {
  it('keeps the lease while the holder works past its ttl: a second caller enters only after the release', async () => {
    const key = `${testRedis.uniquePrefix('lock')}:contact`;
    const order: string[] = [];
    let holderIn!: () => void;
    const holding = new Promise<void>((resolve) => {
      holderIn = resolve;
    });
    const holder = withRedisLock(redis, key, { ttlMs: TTL_MS, waitMs: 10_000 }, async () => {
      holderIn();
      await sleep(TTL_MS * 4); // the holder's work: four leases long
      order.push('holder out');
    });
    await holding;
    const contender = withRedisLock(redis, key, { ttlMs: TTL_MS, waitMs: 10_000 }, async () => {
      order.push('contender in');
    });
    await Promise.all([holder, contender]);
    expect(order).toEqual(['holder out', 'contender in']);
    expect(await redis.exists(key)).toBe(0);
  });

  it('lets the next caller in once a crashed holder’s lease runs out', async () => {
    const key = `${testRedis.uniquePrefix('lock')}:contact`;
    // A holder that died: its lease is there and nobody renews or releases it.
    await redis.set(key, 'crashed-holder', 'PX', TTL_MS);
    await expect(
      withRedisLock(redis, key, { ttlMs: TTL_MS, waitMs: TTL_MS * 20 }, async () => 'entered'),
    ).resolves.toBe('entered');
  });

  it('gives up after waitMs with an error naming the lock', async () => {
    const key = `${testRedis.uniquePrefix('lock')}:contact`;
    await redis.set(key, 'someone-else', 'PX', 60_000);
    await expect(
      withRedisLock(redis, key, { ttlMs: TTL_MS, waitMs: 100 }, async () => 'entered'),
    ).rejects.toThrow(`lock ${key} still held after 100 ms`);
  });
});
