/**
 * The one error vocabulary of `@relay/chatwoot-client`.
 *
 * Every failed Chatwoot call surfaces as a {@link ChatwootError} whose `kind` tells the caller what to do
 * with it (retry, defer, give up). See `shared/reference/chatwoot-api.md` §3 and §10 for the bodies parsed here.
 */

/** Failure classes, from the transport up to the HTTP status. */
export const CHATWOOT_ERROR_KINDS = [
  'network',
  'timeout',
  'rate_limited',
  'server',
  'unauthorized',
  'forbidden',
  'not_found',
  'already_taken',
  'validation',
  'client',
] as const;

/** One of {@link CHATWOOT_ERROR_KINDS}. */
export type ChatwootErrorKind = (typeof CHATWOOT_ERROR_KINDS)[number];

/** Constructor input of {@link ChatwootError}. */
export interface ChatwootErrorInit {
  status: number;
  method: string;
  endpoint: string;
  kind: ChatwootErrorKind;
  detail: string;
  retryAfterMs?: number | null;
  cause?: unknown;
}

const DETAIL_MAX_CHARS = 200;
const ALREADY_TAKEN_PATTERN = /has already been taken|should be unique/i;

/**
 * A failed Chatwoot call.
 *
 * `status` is 0 for network failures and timeouts. `cause` is the underlying fetch error for those, and the
 * parsed response body for HTTP failures. The API token never appears in `message` or `detail`.
 */
export class ChatwootError extends Error {
  override readonly name = 'ChatwootError';
  /** HTTP status; 0 = network failure or timeout. */
  readonly status: number;
  readonly method: string;
  /** Method plus templated path, e.g. `POST /contacts/filter`. */
  readonly endpoint: string;
  readonly kind: ChatwootErrorKind;
  /** Human-readable reason taken from the response body (≤ 200 chars). */
  readonly detail: string;
  /** From a `Retry-After` header when present; Chatwoot itself never sends one. */
  readonly retryAfterMs: number | null;

  constructor(init: ChatwootErrorInit) {
    const what = init.status > 0 ? `${init.status} ${init.detail}` : `${init.kind}: ${init.detail}`;
    super(`Chatwoot ${init.endpoint} failed: ${what}`.trimEnd(), { cause: init.cause });
    this.status = init.status;
    this.method = init.method;
    this.endpoint = init.endpoint;
    this.kind = init.kind;
    this.detail = init.detail;
    this.retryAfterMs = init.retryAfterMs ?? null;
  }
}

/** True when `e` is a {@link ChatwootError}. */
export function isChatwootError(e: unknown): e is ChatwootError {
  return e instanceof ChatwootError;
}

/** True for failures worth retrying with backoff: network, timeout and 5xx. (429 is deferred, not retried.) */
export function isTransient(e: unknown): boolean {
  return isChatwootError(e) && (e.kind === 'network' || e.kind === 'timeout' || e.kind === 'server');
}

/** Maps an HTTP status (and the body's detail, for 422) to a {@link ChatwootErrorKind}. */
export function classifyStatus(status: number, detail: string): ChatwootErrorKind {
  if (status === 429) return 'rate_limited';
  if (status >= 500) return 'server';
  if (status === 401) return 'unauthorized';
  if (status === 403) return 'forbidden';
  if (status === 404) return 'not_found';
  if (status === 422) return ALREADY_TAKEN_PATTERN.test(detail) ? 'already_taken' : 'validation';
  if (status === 400) return 'validation';
  return 'client';
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function firstErrorText(errors: unknown): string | null {
  if (typeof errors === 'string') return errors;
  if (Array.isArray(errors)) {
    const first: unknown = errors[0];
    if (typeof first === 'string') return first;
    if (isRecord(first)) {
      const message = typeof first.message === 'string' ? first.message : '';
      const field = typeof first.field === 'string' ? first.field : '';
      return [field, message].filter(Boolean).join(' ') || null;
    }
    return null;
  }
  // Seed-doc shape: {errors: {phone_number: ["has already been taken"]}}.
  if (isRecord(errors)) {
    for (const [field, value] of Object.entries(errors)) {
      const text = Array.isArray(value) ? value[0] : value;
      if (typeof text === 'string') return `${field} ${text}`;
    }
  }
  return null;
}

/**
 * Extracts the reason from an error body: `message`, then `error`, then `errors[0]` (a string or
 * `{field, message}`), then an excerpt of the raw text. Always ≤ 200 characters.
 */
export function extractDetail(body: unknown, text: string): string {
  let detail: string | null = null;
  if (isRecord(body)) {
    if (typeof body.message === 'string' && body.message) detail = body.message;
    else if (typeof body.error === 'string' && body.error) detail = body.error;
    else detail = firstErrorText(body.errors);
  }
  if (detail === null) detail = text.replace(/\s+/g, ' ').trim();
  return detail.length > DETAIL_MAX_CHARS ? `${detail.slice(0, DETAIL_MAX_CHARS - 1)}…` : detail;
}

/**
 * Parses a `Retry-After` header (delay in seconds, or an HTTP date) into milliseconds from `nowMs`.
 * Returns null when the header is absent or unparsable.
 */
export function parseRetryAfter(
  header: string | null | undefined,
  nowMs: number = Date.now(),
): number | null {
  if (header === null || header === undefined || header.trim() === '') return null;
  const value = header.trim();
  if (/^\d+(\.\d+)?$/.test(value)) return Math.round(Number(value) * 1000);
  const dateMs = Date.parse(value);
  if (Number.isNaN(dateMs)) return null;
  return Math.max(0, dateMs - nowMs);
}

/** Input of {@link errorFromResponse}. */
export interface ErrorResponseInfo {
  status: number;
  method: string;
  endpoint: string;
  bodyText: string;
  body: unknown;
  retryAfterHeader: string | null;
  /** Secret to scrub from the detail, should a proxy echo it back. */
  redact?: string;
}

/** Builds the {@link ChatwootError} for a non-2xx response. */
export function errorFromResponse(info: ErrorResponseInfo): ChatwootError {
  let detail = extractDetail(info.body, info.bodyText);
  if (info.redact) detail = detail.split(info.redact).join('[redacted]');
  return new ChatwootError({
    status: info.status,
    method: info.method,
    endpoint: info.endpoint,
    kind: classifyStatus(info.status, detail),
    detail,
    retryAfterMs: parseRetryAfter(info.retryAfterHeader),
    cause: info.body ?? info.bodyText,
  });
}
