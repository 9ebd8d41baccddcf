import { startRedisServer } from '@relay/testing';
import { Redis } from 'ioredis';

async function answers(url: string): Promise<boolean> {
  const client = new Redis(url, {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    connectTimeout: 1000,
  });
  try {
    await client.connect();
    await client.ping();
    return true;
  } catch {
    return false;
  } finally {
    client.disconnect();
  }
}

/** `REDIS_URL`, else a Redis on localhost:6379, else a `redis-server` from PATH; null with a hint when none. */
export async function findDemoRedis(): Promise<{
  url: string;
  origin: string;
  stop?: () => Promise<void>;
} | null> {
  if (process.env.REDIS_URL) return { url: process.env.REDIS_URL, origin: 'REDIS_URL' };
  const local = 'redis://127.0.0.1:6379';
  if (await answers(local)) return { url: local, origin: 'localhost:6379' };
  try {
    const server = await startRedisServer();
    return { url: server.url, origin: 'redis-server started for the demo', stop: () => server.stop() };
  } catch {
    return null;
  }
}

export const NO_REDIS_HINT = `No Redis found. The demo needs one of:
  - REDIS_URL=redis://host:6379 npm run demo
  - a Redis on 127.0.0.1:6379 (e.g. docker run -p 6379:6379 redis:7)
  - redis-server on PATH (Debian/Ubuntu: apt-get install redis-server; macOS: brew install redis)
`;
