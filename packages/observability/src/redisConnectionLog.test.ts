import { Writable } from 'node:stream';
import { type RedisServer, startRedisServer, waitFor } from '@relay/testing';
import { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createLogger } from './logger.js';
import {
  isRedisConnectionError,
  logNonConnectionErrors,
  watchRedisConnection,
} from './redisConnectionLog.js';

interface Line {
  level: number;
  msg: string;
  connection?: string;
  err?: { message: string; stack: string };
}
const WARN = 40;
const INFO = 30;
const DEBUG = 20;
const ERROR = 50;

let server: RedisServer;
let lines: Line[];
const clients: Redis[] = [];

function capturingLogger() {
  const sink = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Line);
      done();
    },
  });
  return createLogger({ service: 'test', level: 'debug', destination: sink, maskPersonalData: false });
}

function client(): Redis {
  const redis = new Redis(server.url, { maxRetriesPerRequest: null });
  clients.push(redis);
  return redis;
}

const of = (name: string, level?: number) =>
  lines.filter((l) => l.connection === name && (level === undefined || l.level === level));

beforeEach(async () => {
  lines = [];
  server = await startRedisServer();
});
afterEach(async () => {
  vi.restoreAllMocks();
  for (const redis of clients.splice(0)) redis.disconnect();
  await server.stop();
});

describe('watchRedisConnection', () => {
  it('logs a killed Redis as one warn per connection, debug for each failed reconnect, one info when back, and nothing on stderr', async () => {
    const stderr = vi.spyOn(console, 'error');
    const logger = capturingLogger();
    const main = client();
    const reminded = client();
    await Promise.all([main.ping(), reminded.ping()]);
    watchRedisConnection(main, { logger, name: 'main' });
    watchRedisConnection(reminded, { logger, name: 'reminded', remindEveryMs: 300 });

    await server.kill('SIGKILL');
    await waitFor(() => of('main', DEBUG).length >= 3 && of('reminded', WARN).length >= 2, {
      what: 'failed reconnects while Redis is down',
      timeoutMs: 10_000,
      describe: () => lines,
    });
    await server.restart();
    await waitFor(() => of('main', INFO).length === 1 && of('reminded', INFO).length === 1, {
      what: 'both connections back',
      timeoutMs: 10_000,
      describe: () => lines,
    });
    await expect(main.ping()).resolves.toBe('PONG');

    const [lost, ...moreWarns] = of('main', WARN);
    expect(lost?.msg).toBe(`redis connection lost (ECONNREFUSED 127.0.0.1:${server.port}); reconnecting`);
    expect(moreWarns).toEqual([]);
    expect(of('main', DEBUG).every((l) => /^redis still unreachable \(ECONNREFUSED /.test(l.msg))).toBe(true);
    expect(of('main', INFO)[0]?.msg).toMatch(/^redis connection back after \d+\.\d s$/);
    // A long outage reminds at warn level now and then.
    expect(of('reminded', WARN)[1]?.msg).toMatch(
      /^redis still unreachable after \d+\.\d s \(ECONNREFUSED 127\.0\.0\.1:\d+\); reconnecting$/,
    );
    expect(lines.filter((l) => l.level >= ERROR)).toEqual([]);
    expect(lines.some((l) => l.err !== undefined)).toBe(false);
    expect(stderr).not.toHaveBeenCalled();
  }, 30_000);

  it('says "failed" for a connection that never was up, and keeps Redis down from printing unhandled errors', async () => {
    const stderr = vi.spyOn(console, 'error');
    const logger = capturingLogger();
    await server.kill('SIGKILL');
    const never = client();
    watchRedisConnection(never, { logger, name: 'never' });
    await waitFor(() => of('never').length >= 2, { what: 'failed connects', timeoutMs: 10_000 });
    expect(of('never', WARN).map((l) => l.msg)).toEqual([
      `redis connection failed (ECONNREFUSED 127.0.0.1:${server.port}); retrying`,
    ]);
    await server.restart();
    await waitFor(() => of('never', INFO).length === 1, { what: 'the connection up', timeoutMs: 10_000 });
    expect(stderr).not.toHaveBeenCalled();
  }, 30_000);

  it('logs an error that is not about the connection at error level with its stack, once across listeners', async () => {
    const logger = capturingLogger();
    const admin = client();
    const watched = client();
    await Promise.all([admin.ping(), watched.ping()]);
    watchRedisConnection(watched, { logger, name: 'watched' });
    // What a BullMQ Queue on the shared connection does: pass the same error on to its own listener.
    const errors: Error[] = [];
    watched.on('error', (error) => errors.push(error));
    watched.on('error', logNonConnectionErrors(logger, 'queue error', { connection: 'queue' }));

    // A password set under the connection: its reconnect fails the ready check with NOAUTH.
    const id = await watched.client('ID');
    await admin.config('SET', 'requirepass', 'secret');
    try {
      await admin.client('KILL', 'ID', String(id));
      await waitFor(() => of('watched', ERROR).length >= 1, {
        what: 'the NOAUTH error',
        timeoutMs: 10_000,
        describe: () => lines,
      });
    } finally {
      await admin.config('SET', 'requirepass', '');
    }
    await waitFor(() => watched.status === 'ready', { what: 'the connection up again', timeoutMs: 10_000 });

    const [first] = of('watched', ERROR);
    expect(first?.msg).toBe('redis connection error (watched)');
    expect(first?.err?.message).toMatch(/NOAUTH/);
    expect(first?.err?.stack).toMatch(/at /);
    expect(isRedisConnectionError(errors[0])).toBe(false);
    // The queue's listener saw the very same errors and left them at debug; no outage was reported.
    expect(of('queue', ERROR)).toEqual([]);
    expect(of('queue', DEBUG).length).toBe(of('watched', ERROR).length);
    expect(lines.filter((l) => l.level === WARN || l.level === INFO)).toEqual([]);
  }, 30_000);

  it('tells connection errors from the others', async () => {
    await server.kill('SIGKILL');
    const redis = new Redis(server.url, { lazyConnect: true, retryStrategy: () => null });
    clients.push(redis);
    redis.on('error', () => {});
    const refused = await redis.connect().catch((error: unknown) => error);
    expect(isRedisConnectionError(refused)).toBe(true);
    expect(isRedisConnectionError(new Error('Connection is closed.'))).toBe(true);
    expect(isRedisConnectionError(new Error('ERR max number of clients reached'))).toBe(false);
    expect(isRedisConnectionError('ECONNREFUSED')).toBe(false);
    await server.restart();
  });
});
