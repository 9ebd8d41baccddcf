/**
 * The one error vocabulary of `@relay/waha-client` (`shared/reference/waha.md` §4.2).
 *
 * Every failed WAHA call surfaces as a {@link WahaError} whose `kind` tells the caller whether to retry.
 */

/** Failure classes, from the transport up to the HTTP status. */
export const WAHA_ERROR_KINDS = [
  'network',
  'timeout',
  'server',
  'unauthorized',
  'not_found',
  'session_not_ready',
  'validation',
  'client',
] as const;

/** One of {@link WAHA_ERROR_KINDS}. */
export type WahaErrorKind = (typeof WAHA_ERROR_KINDS)[number];

/** Constructor input of {@link WahaError}. */
export interface WahaErrorInit {
  status: number;
  method: string;
  endpoint: string;
  kind: WahaErrorKind;
  detail: string;
  cause?: unknown;
}

const DETAIL_MAX_CHARS = 200;
const SESSION_NOT_READY_PATTERN = /session status/i;
const TRANSIENT_KINDS: ReadonlySet<WahaErrorKind> = new Set([
  'network',
  'timeout',
  'server',
  'session_not_ready',
]);

/**
 * A failed WAHA call. `status` is 0 for network failures and timeouts. The API key never appears in
 * `message` or `detail`, and `endpoint` is templated (no ids, no query string).
 */
export class WahaError extends Error {
  override readonly name = 'WahaError';
  /** HTTP status; 0 = network failure or timeout. */
  readonly status: number;
  readonly method: string;
  /** Templated endpoint, e.g. `POST /api/sendText` or `GET /api/:session/lids/:lid`. */
  readonly endpoint: string;
  readonly kind: WahaErrorKind;
  /** Human-readable reason taken from the response body (≤ 200 chars). */
  readonly detail: string;

  constructor(init: WahaErrorInit) {
    const what = init.status > 0 ? `${init.status} ${init.detail}` : `${init.kind}: ${init.detail}`;
    super(`WAHA ${init.endpoint} failed: ${what}`.trimEnd(), { cause: init.cause });
    this.status = init.status;
    this.method = init.method;
    this.endpoint = init.endpoint;
    this.kind = init.kind;
    this.detail = init.detail;
  }

  /** True for failures worth retrying with backoff: network, timeout, 5xx/429 and session not WORKING. */
  get isTransient(): boolean {
    return TRANSIENT_KINDS.has(this.kind);
  }
}

/** True when `e` is a {@link WahaError}. */
export function isWahaError(e: unknown): e is WahaError {
  return e instanceof WahaError;
}

/** True when `e` is a {@link WahaError} worth retrying (see {@link WahaError.isTransient}). */
export function isTransient(e: unknown): boolean {
  return isWahaError(e) && e.isTransient;
}

/**
 * Maps an HTTP status (and, for 422, the body's detail) to a {@link WahaErrorKind}.
 * 429 counts as `server` (transient); 403 as `unauthorized` (scoped keys).
 */
export function classifyStatus(status: number, detail: string): WahaErrorKind {
  if (status >= 500 || status === 429) return 'server';
  if (status === 401 || status === 403) return 'unauthorized';
  if (status === 404) return 'not_found';
  if (status === 422) return SESSION_NOT_READY_PATTERN.test(detail) ? 'session_not_ready' : 'validation';
  if (status === 400) return 'validation';
  return 'client';
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function textOf(value: unknown): string | null {
  if (typeof value === 'string' && value.trim() !== '') return value;
  // NestJS validation errors carry `message: string[]`.
  if (Array.isArray(value)) {
    const parts = value.filter((v): v is string => typeof v === 'string');
    return parts.length > 0 ? parts.join('; ') : null;
  }
  return null;
}

/**
 * Extracts the reason from a WAHA error body: `message`, then `exception.message` (500s), then `error`, then an
 * excerpt of the raw text. Scrubs `redact` (the API key) and caps the result at 200 characters.
 */
export function extractDetail(body: unknown, text: string, redact?: string): string {
  let detail: string | null = null;
  if (isRecord(body)) {
    detail = textOf(body.message) ?? textOf(isRecord(body.exception) ? body.exception.message : null);
    detail ??= textOf(body.error);
  }
  detail ??= text.replace(/\s+/g, ' ').trim();
  if (redact) detail = detail.split(redact).join('[redacted]');
  return detail.length > DETAIL_MAX_CHARS ? `${detail.slice(0, DETAIL_MAX_CHARS - 1)}…` : detail;
}
