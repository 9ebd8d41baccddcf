/**
 * Request limits of the public endpoints (README "Security"): JSON nesting depth and a per-IP rate of refused
 * requests. Body size is `MAX_BODY_BYTES` (express.raw / express.json), header size is `MAX_HEADER_BYTES` (Node's
 * `maxHeaderSize`, see `main.ts`).
 */
import type { Request, RequestHandler, Response } from 'express';

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

/** After `express.raw`: refuses a body nested deeper than {@link MAX_JSON_DEPTH} with 400. */
export const rejectDeepJson: RequestHandler = (req, res, next) => {
  if (Buffer.isBuffer(req.body) && exceedsJsonDepth(req.body)) {
    res.status(400).json({ error: 'too_deep', message: new JsonTooDeepError().message });
    return;
  }
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

const WINDOW_MS = 60_000;

const addressOf = (req: Request): string => req.ip ?? req.socket.remoteAddress ?? 'unknown';

/**
 * Per-IP fixed-window limiter of the public endpoints, in memory (per ingress process). It counts the requests an
 * IP gets refused (any 4xx: bad signature, bad token, bad body, unknown tenant…); once an IP has had `perMinute`
 * refusals in the current minute, every further request from it gets 429 + Retry-After until the window ends.
 * Correctly authenticated senders (WAHA, Chatwoot, send-API clients) are never throttled by their volume: that is
 * the backpressure's job. Keyed by `req.ip` (the socket address unless Express `trust proxy` is set).
 */
export function createRefusalRateLimiter(opts: RateLimiterOptions): RequestHandler {
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
  return (req: Request, res: Response, next) => {
    if (opts.perMinute <= 0) return next();
    const current = roll();
    // `req.ip` is resolved only when some address has refusals this minute (usually none), not on every request.
    if (refusals.size > 0 && (refusals.get(addressOf(req)) ?? 0) >= opts.perMinute) {
      const retryAfterS = Math.max(1, Math.ceil(((current + 1) * WINDOW_MS - now()) / 1000));
      res.setHeader('Retry-After', String(retryAfterS));
      res.status(429).json({
        error: 'rate_limited',
        message: `too many refused requests from this address; retry in ${retryAfterS} s`,
      });
      return;
    }
    res.once('finish', () => {
      if (res.statusCode < 400 || res.statusCode >= 500 || res.statusCode === 429) return;
      if (roll() !== current) return;
      const ip = addressOf(req);
      if (!refusals.has(ip) && refusals.size >= maxTracked) refusals.clear();
      refusals.set(ip, (refusals.get(ip) ?? 0) + 1);
    });
    next();
  };
}
