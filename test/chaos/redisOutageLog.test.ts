import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { createLogger } from '@relay/observability';
import { buildTextMessage, type RedisServer, startRedisServer, waitFor } from '@relay/testing';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { type RelayHarness, startRelayHarness } from '../support/relayHarness.js';

/**
 * What an operator sees when Redis dies under a running relay: per connection of the ingress and the worker one warn line when it is lost
 * and one info line when it is back, no stacks, and nothing on stderr (before, every reconnect attempt printed an
 * ECONNREFUSED stack per BullMQ queue without an `error` listener).
 */

interface Line {
  level: number;
  msg: string;
  connection?: string;
  err?: { stack?: string };
}
const WARN = 40;
const INFO = 30;
const ERROR = 50;
/**
 * The ingress's and the worker's own connections (BullMQ Workers' blocking connections report at debug, through
 * their Worker).
 */
const CONNECTIONS = ['ingress', 'rate-limit', 'rate-limit-subscriber', 'worker'];

let relay: RelayHarness | undefined;
let redis: RedisServer | undefined;
/**
 * Set while the test has Redis down. A failed run restarts it and gives the connections time to reconnect (ioredis
 * waits up to 2 s between attempts) before closing the relay: closing BullMQ workers mid-reconnect can hang.
 */
let redisDown = false;

afterEach(async () => {
  vi.restoreAllMocks();
  if (redisDown) {
    await redis?.restart();
    await new Promise((resolve) => setTimeout(resolve, 3000));
  }
  redisDown = false;
  await relay?.close();
  await redis?.stop();
  relay = undefined;
  redis = undefined;
});

describe('a Redis outage in the log', () => {
  it('is one warn line per connection when lost and one info line when back, with no stacks and nothing on stderr', async () => {
    const lines: Line[] = [];
    const sink = new Writable({
      write(chunk, _encoding, done) {
        for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Line);
        done();
      },
    });
    const logger = createLogger({
      service: 'outage',
      level: 'debug',
      destination: sink,
      maskPersonalData: false,
    });
    const stderr = vi.spyOn(console, 'error');
    redis = await startRedisServer({ appendonly: true });
    const harness = await startRelayHarness({
      redisUrl: redis.url,
      prefix: `outage-${randomUUID().slice(0, 8)}`,
      logger,
    });
    relay = harness;
    await harness.startWorker();
    const delivered = (body: string) =>
      waitFor(() => harness.chatwoot.allMessages(1).some((m) => m.content === body), {
        what: `"${body}" in Chatwoot`,
        timeoutMs: 20_000,
      });
    const post = async (body: string) => {
      const answer = await harness.post(buildTextMessage({ chatId: '31690000001@c.us', body }));
      expect(answer.status).toBe(200);
      await delivered(body);
    };
    await post('before the outage');
    // Nothing in flight when Redis dies: a job cut off mid-way would rightly log a genuine error (its lock lost).
    const admin = new Redis(redis.url);
    const active = async () => {
      const keys = await admin.keys(`${harness.config.redisPrefix}:*:active`);
      const lengths = await Promise.all(keys.map((key) => admin.llen(key)));
      return lengths.reduce((sum, n) => sum + n, 0);
    };
    await waitFor(async () => (await active()) === 0, { what: 'no job running', timeoutMs: 10_000 });
    admin.disconnect();

    const redisLines = (level: number) =>
      lines.filter((l) => l.level === level && l.connection !== undefined && /^redis /.test(l.msg));
    const connectionsIn = (level: number) => [...new Set(redisLines(level).map((l) => l.connection))].sort();
    await redis.kill('SIGKILL');
    redisDown = true;
    await waitFor(() => connectionsIn(WARN).length === CONNECTIONS.length, {
      what: 'every connection reported lost',
      timeoutMs: 10_000,
      describe: () => redisLines(WARN),
    });
    // Failed reconnects after the first one are debug lines, not more warnings.
    const repeated = () =>
      new Set(
        lines
          .filter((l) => l.level === 20 && /^redis still unreachable/.test(l.msg))
          .map((l) => l.connection),
      );
    await waitFor(() => CONNECTIONS.every((name) => repeated().has(name)), {
      what: 'a second failed reconnect on every connection',
      timeoutMs: 15_000,
    });
    await redis.restart();
    redisDown = false;
    await waitFor(() => connectionsIn(INFO).length === CONNECTIONS.length, {
      what: 'every connection back',
      timeoutMs: 15_000,
      describe: () => redisLines(INFO),
    });
    await post('after the outage');

    expect(connectionsIn(WARN)).toEqual(CONNECTIONS);
    expect(redisLines(WARN)).toHaveLength(CONNECTIONS.length);
    for (const line of redisLines(WARN))
      expect(line.msg).toMatch(
        /^redis connection lost \((ECONNREFUSED|ECONNRESET) 127\.0\.0\.1:\d+\); reconnecting$/,
      );
    expect(redisLines(INFO)).toHaveLength(CONNECTIONS.length);
    // Nothing at warn or above carries a stack, nothing is an error, and stderr stayed quiet.
    expect(lines.filter((l) => l.level >= WARN && l.err?.stack)).toEqual([]);
    expect(lines.filter((l) => l.level >= ERROR)).toEqual([]);
    expect(stderr).not.toHaveBeenCalled();
  }, 60_000);
});
