import type { Redis } from 'ioredis';
import type { Logger } from 'pino';

/** Socket-level failures: Redis is unreachable or the connection broke, and ioredis reconnects by itself. */
const CONNECTION_ERROR_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'ENETUNREACH',
  'ENETDOWN',
  'ENOTFOUND',
  'EAI_AGAIN',
]);
/** ioredis's and BullMQ's text for a command cut off by a closed connection. */
const CONNECTION_CLOSED_MESSAGE = 'Connection is closed.';

/**
 * True for an error that only says the Redis connection is down or broke (refused, reset, timed out, host not
 * found, closed): the client reconnects by itself, so it is an outage to report once, not a failure with a stack.
 * Anything else (a script error, NOAUTH, OOM, max clients reached) is a genuine error.
 */
export function isRedisConnectionError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as NodeJS.ErrnoException).code;
  return (
    (typeof code === 'string' && CONNECTION_ERROR_CODES.has(code)) ||
    error.message === CONNECTION_CLOSED_MESSAGE ||
    error.name === 'ConnectionClosedError'
  );
}

/** `ECONNREFUSED 127.0.0.1:6379`: the error's code and the endpoint it names, else the client's endpoint. */
function describeFailure(error: Error, connection: Redis): string {
  const { code, address, port, hostname } = error as NodeJS.ErrnoException & {
    address?: string;
    port?: number;
    hostname?: string;
  };
  const options = connection.options ?? {};
  const endpoint = address
    ? `${address}${port ? `:${port}` : ''}`
    : (hostname ?? (options.path || (options.host ? `${options.host}:${options.port}` : undefined)));
  if (!code) {
    const message = error.message.replace(/\.$/, '');
    return endpoint ? `${message}, ${endpoint}` : message;
  }
  return endpoint ? `${code} ${endpoint}` : code;
}

/**
 * Genuine errors logged (with their stack) already. BullMQ Queues and Workers on a shared connection, and a
 * limiter's error callback, pass the very same error object on: it is logged once, repeats go to debug.
 */
const reported = new WeakSet<Error>();

/** True the first time an error is seen here, false when it has been logged already. */
function firstReport(error: Error): boolean {
  if (typeof error !== 'object' || error === null) return true;
  if (reported.has(error)) return false;
  reported.add(error);
  return true;
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

export interface RedisConnectionLogOptions {
  logger: Logger;
  /** How the connection reads in the log, e.g. `worker`, `rate-limit`. */
  name: string;
  /** While the connection stays down, one warn line this often (the failures in between are debug). Default 60 s. */
  remindEveryMs?: number;
}

/**
 * Logs a Redis connection's outages briefly: one warn line when it is lost ("redis connection lost (ECONNREFUSED
 * 127.0.0.1:6379); reconnecting"), debug lines for the failed reconnects after it (a warn reminder once a minute
 * while it lasts), and one info line when the connection is ready again. Any other error event is logged at error
 * level with its stack. Being an `error` listener, it also keeps ioredis from printing "Unhandled error event" stacks
 * to stderr. It only observes: reconnecting stays ioredis's (and the retry strategy's) business.
 *
 * Returns a function that removes the listeners.
 */
export function watchRedisConnection(connection: Redis, opts: RedisConnectionLogOptions): () => void {
  const { logger, name } = opts;
  const remindEveryMs = opts.remindEveryMs ?? 60_000;
  let everReady = connection.status === 'ready';
  let outage: { since: number; failures: number; remindedAt: number } | null = null;

  const onError = (error: Error) => {
    if (!isRedisConnectionError(error)) {
      if (firstReport(error))
        logger.error({ err: error, connection: name }, `redis connection error (${name})`);
      else logger.debug({ connection: name, reason: error.message }, `redis connection error (${name})`);
      return;
    }
    const reason = describeFailure(error, connection);
    const now = Date.now();
    if (!outage) {
      outage = { since: now, failures: 1, remindedAt: now };
      logger.warn(
        { connection: name, reason: error.message },
        everReady
          ? `redis connection lost (${reason}); reconnecting`
          : `redis connection failed (${reason}); retrying`,
      );
      return;
    }
    outage.failures++;
    const fields = { connection: name, failures: outage.failures, downMs: now - outage.since };
    if (now - outage.remindedAt >= remindEveryMs) {
      outage.remindedAt = now;
      logger.warn(
        fields,
        `redis still unreachable after ${seconds(now - outage.since)} (${reason}); reconnecting`,
      );
    } else {
      logger.debug(fields, `redis still unreachable (${reason}); reconnecting`);
    }
  };
  const onReady = () => {
    everReady = true;
    if (!outage) return;
    const downMs = Date.now() - outage.since;
    logger.info(
      { connection: name, downMs, failures: outage.failures },
      `redis connection back after ${seconds(downMs)}`,
    );
    outage = null;
  };
  connection.on('error', onError);
  connection.on('ready', onReady);
  return () => {
    connection.off('error', onError);
    connection.off('ready', onReady);
  };
}

/**
 * An `error` listener for what passes Redis connection errors on besides its own (a BullMQ Queue or Worker, a
 * limiter's error callback): connection errors go to debug, since the connections' watchers
 * ({@link watchRedisConnection}) report the outage once; any other error is logged at error level with its stack,
 * once (the same error object passed on again, or already logged by a watcher, goes to debug).
 */
export function logNonConnectionErrors(
  logger: Logger,
  message: string,
  fields: Record<string, unknown> = {},
): (error: Error) => void {
  return (error) => {
    if (isRedisConnectionError(error) || !firstReport(error))
      logger.debug({ ...fields, reason: error.message }, message);
    else logger.error({ ...fields, err: error }, message);
  };
}
