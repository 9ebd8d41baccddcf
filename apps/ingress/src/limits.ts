/**
 * Request limits of the public endpoints (README "Security"): JSON nesting depth and a per-IP rate of refused
 * requests. Body size is `MAX_BODY_BYTES` (express.raw / express.json, and `wahaRoute.ts`), header size is
 * `MAX_HEADER_BYTES` (Node's `maxHeaderSize`, see `main.ts`).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RequestHandler } from 'express';
import { sendJson } from './respond.js';

/** Deepest JSON nesting accepted; deeper bodies are refused with 400 before `JSON.parse` sees them. */
export const MAX_JSON_DEPTH = 64;

const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/**
 * True when the bytes open more than `max` nested arrays/objects at some point. One pass, no allocation; brackets
 * inside strings are skipped. It does not validate JSON (the parser does that afterwards).
 */
export function exceedsJsonDepth(bytes: Uint8Array, max = MAX_JSON_DEPTH): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < bytes.length; i++) {
    const byte = bytes[i];
    if (inString) {
      if (byte === BACKSLASH) i++;
      else if (byte === QUOTE) inString = false;
    } else if (byte === QUOTE) inString = true;
    else if (byte === OPEN_BRACE || byte === OPEN_BRACKET) {
      if (++depth > max) return true;
    } else if (byte === CLOSE_BRACE || byte === CLOSE_BRACKET) depth--;
  }
  return false;
}

/** An error the ingress error handlers turn into 400 `{ error: 'too_deep' }`. */
export class JsonTooDeepError extends Error {
  readonly status = 400;
  readonly expose = true;
  readonly code = 'too_deep';
  constructor(max = MAX_JSON_DEPTH) {
    super(`JSON nesting deeper than ${max} levels`);
  }
}

/** Answers 400 `too_deep` and returns true when `body` is nested deeper than {@link MAX_JSON_DEPTH}. */
export function refusedAsTooDeep(body: Uint8Array, res: ServerResponse): boolean {
  if (!exceedsJsonDepth(body)) return false;
  sendJson(res, 400, { error: 'too_deep', message: new JsonTooDeepError().message });
  return true;
}

/** After `express.raw`: refuses a body nested deeper than {@link MAX_JSON_DEPTH} with 400. */
export const rejectDeepJson: RequestHandler = (req, res, next) => {
  if (Buffer.isBuffer(req.body) && refusedAsTooDeep(req.body, res)) return;
  next();
};

/** `verify` hook of `express.json`: throws before the body is parsed when it is nested too deep. */
export function verifyJsonDepth(_req: unknown, _res: unknown, buf: Buffer): void {
  if (exceedsJsonDepth(buf)) throw new JsonTooDeepError();
}

export interface RateLimiterOptions {
  /** Refused requests one IP may make per minute; 0 = no limit. */
  perMinute: number;
  now?: () => number;
  /** Distinct IPs tracked per window; past it the table is reset (bounded memory under a spoofed-source flood). */
  maxTrackedIps?: number;
}

export interface RefusalRateLimiter {
  /**
   * Answers 429 + Retry-After and returns false when the request's address is over its refusals this minute;
   * otherwise returns true and counts the request's answer once it has been sent.
   */
  admit(req: IncomingMessage, res: ServerResponse): boolean;
  /** {@link admit} as Express middleware. */
  middleware: RequestHandler;
}

const WINDOW_MS = 60_000;

/** The socket address (the ingress does not set Express `trust proxy`, so this is what `req.ip` would be). */
const addressOf = (req: IncomingMessage): string => req.socket.remoteAddress ?? 'unknown';

/** True for the answers that count as refusals: every 4xx except the limiter's own 429. */
const isRefusal = (status: number): boolean => status >= 400 && status < 500 && status !== 429;

/**
 * Per-IP fixed-window limiter of the public endpoints, in memory (per ingress process). It counts the requests an
 * IP gets refused (any 4xx: bad signature, bad token, bad body, unknown tenant…); once an IP has had `perMinute`
 * refusals in the current minute, every further request from it gets 429 + Retry-After until the window ends.
 * Correctly authenticated senders (WAHA, Chatwoot, send-API clients) are never throttled by their volume: that is
 * the backpressure's job. Keyed by the socket address.
 */
export function createRefusalRateLimiter(opts: RateLimiterOptions): RefusalRateLimiter {
  const now = opts.now ?? Date.now;
  const maxTracked = opts.maxTrackedIps ?? 100_000;
  let window = -1;
  const refusals = new Map<string, number>();
  const roll = (): number => {
    const current = Math.floor(now() / WINDOW_MS);
    if (current !== window) {
      window = current;
      refusals.clear();
    }
    return current;
  };
  const admit = (req: IncomingMessage, res: ServerResponse): boolean => {
    if (opts.perMinute <= 0) return true;
    const current = roll();
    // The address is looked up only when some address has refusals this minute (usually none).
    if (refusals.size > 0 && (refusals.get(addressOf(req)) ?? 0) >= opts.perMinute) {
      const retryAfterS = Math.max(1, Math.ceil(((current + 1) * WINDOW_MS - now()) / 1000));
      sendJson(
        res,
        429,
        {
          error: 'rate_limited',
          message: `too many refused requests from this address; retry in ${retryAfterS} s`,
        },
        { 'Retry-After': String(retryAfterS) },
      );
      return false;
    }
    res.once('finish', () => {
      if (!isRefusal(res.statusCode) || roll() !== current) return;
      const ip = addressOf(req);
      if (!refusals.has(ip) && refusals.size >= maxTracked) refusals.clear();
      refusals.set(ip, (refusals.get(ip) ?? 0) + 1);
    });
    return true;
  };
  return {
    admit,
    middleware: (req, res, next) => {
      if (admit(req, res)) next();
    },
  };
}
