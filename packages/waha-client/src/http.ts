/** The low-level fetch wrapper shared by every `@relay/waha-client` call: auth header, timeout, error mapping. */
import { classifyStatus, extractDetail, WahaError } from './errors.js';

/** What the `onCall` hook learns about every finished call (status 0 = network failure or timeout). */
export interface WahaCallInfo {
  method: string;
  /** Templated endpoint, e.g. `POST /api/sendText`. */
  endpoint: string;
  status: number;
  durationMs: number;
}

/** Options of the requester (a subset of the client options). */
export interface RequesterOptions {
  baseUrl: string;
  apiKey?: string | undefined;
  timeoutMs: number;
  onCall?: ((info: WahaCallInfo) => void) | undefined;
}

/** One HTTP call. */
export interface RequestSpec {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** Absolute URL. */
  url: URL;
  /** Templated endpoint for errors and metrics; never contains ids or the query string. */
  endpoint: string;
  json?: unknown;
  /** Send `X-Api-Key` (only ever to the WAHA origin). */
  sendKey: boolean;
  signal?: AbortSignal | undefined;
  timeoutMs?: number | undefined;
  /** Reject bodies larger than this many bytes. */
  maxBytes?: number | undefined;
}

/** A successful response, body fully read. */
export interface RawResponse {
  status: number;
  contentType: string | null;
  data: Uint8Array;
}

class BodyTooLargeError extends Error {}

async function readLimited(res: Response, maxBytes: number | undefined): Promise<Uint8Array> {
  const declared = Number(res.headers.get('content-length'));
  if (maxBytes !== undefined && Number.isFinite(declared) && declared > maxBytes) {
    await res.body?.cancel();
    throw new BodyTooLargeError();
  }
  if (!res.body) return new Uint8Array(0);
  const chunks: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of res.body) {
    total += chunk.byteLength;
    if (maxBytes !== undefined && total > maxBytes) throw new BodyTooLargeError();
    chunks.push(chunk);
  }
  const out = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return out;
}

const MAX_REDIRECTS = 5;
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

/**
 * Follows redirects by hand so that `X-Api-Key` is dropped as soon as a hop leaves the original origin
 * (fetch's own redirect handling would forward custom headers to any host).
 */
async function fetchFollowingRedirects(
  url: URL,
  init: { method: string; headers: Record<string, string>; body: string | null; signal: AbortSignal },
): Promise<Response> {
  let current = url;
  let { method, body } = init;
  const headers = { ...init.headers };
  for (let hop = 0; ; hop++) {
    const res = await fetch(current, { method, headers, body, signal: init.signal, redirect: 'manual' });
    const location = res.headers.get('location');
    if (!REDIRECT_STATUSES.has(res.status) || location === null || hop >= MAX_REDIRECTS) return res;
    await res.body?.cancel();
    const next = new URL(location, current);
    if (next.origin !== url.origin) delete headers['X-Api-Key'];
    if (res.status === 303 || ((res.status === 301 || res.status === 302) && method === 'POST')) {
      method = 'GET';
      body = null;
      delete headers['Content-Type'];
    }
    current = next;
  }
}

/** Parses a JSON body; returns the text itself when it is not JSON and null when empty. */
export function parseJsonBody(data: Uint8Array): unknown {
  const text = new TextDecoder().decode(data);
  if (text.trim() === '') return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/** Builds the request function: adds auth and a timeout, maps failures to {@link WahaError}. */
export function createRequester(opts: RequesterOptions): (spec: RequestSpec) => Promise<RawResponse> {
  return async function request(spec: RequestSpec): Promise<RawResponse> {
    spec.signal?.throwIfAborted();
    const timeoutSignal = AbortSignal.timeout(spec.timeoutMs ?? opts.timeoutMs);
    const signal = spec.signal ? AbortSignal.any([spec.signal, timeoutSignal]) : timeoutSignal;
    const headers: Record<string, string> = { Accept: 'application/json' };
    if (spec.sendKey && opts.apiKey) headers['X-Api-Key'] = opts.apiKey;
    let body: string | null = null;
    if (spec.json !== undefined) {
      headers['Content-Type'] = 'application/json';
      body = JSON.stringify(spec.json);
    }
    const started = performance.now();
    let status = 0;
    const fail = (init: Omit<ConstructorParameters<typeof WahaError>[0], 'method' | 'endpoint'>) =>
      new WahaError({ ...init, method: spec.method, endpoint: spec.endpoint });

    try {
      let res: Response;
      let data: Uint8Array;
      try {
        res = await fetchFollowingRedirects(spec.url, { method: spec.method, headers, body, signal });
        status = res.status;
        data = await readLimited(res, res.ok ? spec.maxBytes : undefined);
      } catch (err) {
        if (err instanceof BodyTooLargeError) {
          throw fail({ status, kind: 'client', detail: `body exceeds ${spec.maxBytes} bytes` });
        }
        // The caller's own abort is not a WAHA failure: surface it unchanged.
        if (spec.signal?.aborted) throw spec.signal.reason;
        status = 0;
        const timedOut = timeoutSignal.aborted;
        const detail = timedOut
          ? `no response within ${spec.timeoutMs ?? opts.timeoutMs} ms`
          : err instanceof Error
            ? (err.cause instanceof Error ? err.cause.message : '') || err.message
            : 'request failed';
        throw fail({ status: 0, kind: timedOut ? 'timeout' : 'network', detail, cause: err });
      }
      if (!res.ok) {
        const parsed = parseJsonBody(data);
        const text = typeof parsed === 'string' ? parsed : new TextDecoder().decode(data);
        const detail = extractDetail(parsed, text, opts.apiKey);
        throw fail({ status, kind: classifyStatus(status, detail), detail, cause: parsed });
      }
      return { status, contentType: res.headers.get('content-type'), data };
    } finally {
      try {
        opts.onCall?.({
          method: spec.method,
          endpoint: spec.endpoint,
          status,
          durationMs: performance.now() - started,
        });
      } catch {
        // An observer must never break a call.
      }
    }
  };
}
