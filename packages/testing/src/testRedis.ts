import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { Redis } from 'ioredis';
import { hasRedisServerBinary, startRedisServer } from './redisServer.js';

/** A Redis for one test file, and a prefix unique to each use so tests never see each other's keys. */
export interface TestRedis {
  url: string;
  /** Where it came from: `REDIS_URL`, `testcontainers` or `redis-server`. */
  origin: 'REDIS_URL' | 'testcontainers' | 'redis-server';
  uniquePrefix(label?: string): string;
  /** Deletes every key under the prefixes handed out, then stops what was started. */
  close(): Promise<void>;
}

function dockerAnswers(): boolean {
  return Boolean(process.env.DOCKER_HOST) || existsSync('/var/run/docker.sock');
}

/**
 * `REDIS_URL` if set, else testcontainers when a Docker engine answers, else a `redis-server` from PATH on a free port.
 * Fails loudly when none is available: a test that needs Redis is never skipped silently.
 */
export async function startTestRedis(): Promise<TestRedis> {
  const prefixes: string[] = [];
  const uniquePrefix = (label = 't') => {
    const prefix = `test-${label}-${randomUUID().slice(0, 8)}`;
    prefixes.push(prefix);
    return prefix;
  };
  const cleanup = async (url: string) => {
    const client = new Redis(url, { maxRetriesPerRequest: 1 });
    try {
      for (const prefix of prefixes) {
        let cursor = '0';
        do {
          const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
          cursor = next;
          if (keys.length > 0) await client.unlink(...keys);
        } while (cursor !== '0');
      }
    } finally {
      client.disconnect();
    }
  };

  if (process.env.REDIS_URL) {
    const url = process.env.REDIS_URL;
    return { url, origin: 'REDIS_URL', uniquePrefix, close: () => cleanup(url) };
  }
  if (dockerAnswers()) {
    try {
      const { GenericContainer } = await import('testcontainers');
      const container = await new GenericContainer('redis:7-alpine').withExposedPorts(6379).start();
      const url = `redis://${container.getHost()}:${container.getMappedPort(6379)}`;
      return {
        url,
        origin: 'testcontainers',
        uniquePrefix,
        close: async () => void (await container.stop()),
      };
    } catch {
      // No usable engine after all: fall through to a local redis-server.
    }
  }
  if (!hasRedisServerBinary()) {
    throw new Error(
      'No Redis for tests: set REDIS_URL, run a Docker engine, or install redis-server (apt-get install redis-server)',
    );
  }
  const server = await startRedisServer();
  return { url: server.url, origin: 'redis-server', uniquePrefix, close: () => server.stop() };
}
