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
const DEBUG = 20;
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

afterEach(async () => {
  vi.restoreAllMocks();
  await relay?.close();
  await redis?.stop();
  relay = undefined;
  redis = undefined;
});

/** A debug logger whose lines land in `lines`, parsed. */
function capturedLog() {
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
  return { lines, logger };
}

/** The connections (by name) that have logged a failed reconnect after the first one. */
const reconnectingAgain = (lines: Line[]) =>
  new Set(
    lines.filter((l) => l.level === DEBUG && /^redis still unreachable/.test(l.msg)).map((l) => l.connection),
  );

/** A Redis of its own (AOF on, so it can be killed and restarted), the relay on it logging into `lines`, a worker. */
async function startRelayWithWorker(name: string) {
  const { lines, logger } = capturedLog();
  const server = await startRedisServer({ appendonly: true });
  redis = server;
  relay = await startRelayHarness({
    redisUrl: server.url,
    prefix: `${name}-${randomUUID().slice(0, 8)}`,
    logger,
  });
  const worker = await relay.startWorker();
  return { lines, harness: relay, worker, server };
}

describe('a Redis outage in the log', () => {
  it('is one warn line per connection when lost and one info line when back, with no stacks and nothing on stderr', async () => {
    const stderr = vi.spyOn(console, 'error');
    const { lines, harness, server } = await startRelayWithWorker('outage');
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
    const admin = new Redis(server.url);
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
    await server.kill('SIGKILL');
    await waitFor(() => connectionsIn(WARN).length === CONNECTIONS.length, {
      what: 'every connection reported lost',
      timeoutMs: 10_000,
      describe: () => redisLines(WARN),
    });
    // Failed reconnects after the first one are debug lines, not more warnings.
    await waitFor(() => CONNECTIONS.every((name) => reconnectingAgain(lines).has(name)), {
      what: 'a second failed reconnect on every connection',
      timeoutMs: 15_000,
    });
    await server.restart();
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

  it('does not keep a worker from closing while its connections are still reconnecting (bullmq#4656)', async () => {
    const { lines, harness, worker, server } = await startRelayWithWorker('close');
    const answer = await harness.post(buildTextMessage({ chatId: '31690000002@c.us', body: 'one' }));
    expect(answer.status).toBe(200);
    await waitFor(() => harness.chatwoot.allMessages(1).length === 1, { what: 'the message in Chatwoot' });
    await server.kill('SIGKILL');
    // Down long enough for reconnect attempts to back off: the blocking connections then wait a while to retry.
    await waitFor(() => reconnectingAgain(lines).has('worker'), {
      what: 'a second failed reconnect of the worker connection',
      timeoutMs: 15_000,
    });
    await server.restart();
    // Right after the restart the Workers' blocking connections are still waiting to reconnect, and BullMQ's own
    // close() waits for an 'end' event they never emit. Before, this await never returned.
    await worker.close(500);
    expect(
      lines.some((l) => l.level === WARN && /^workers not closed at the shutdown deadline/.test(l.msg)),
    ).toBe(true);
  }, 30_000);
});
