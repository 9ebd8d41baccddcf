/** Posts a webhook envelope the way WAHA does (`shared/reference/waha.md` §3.1), over real HTTP. */
import { signWahaBody } from '@relay/domain';
import { webhookRequestId } from './ids.js';

/** Options of {@link postWebhook}. */
export interface PostWebhookOptions {
  /** Sign with this key: adds `X-Webhook-Hmac` (hex HMAC-SHA512 of the raw bytes) and `X-Webhook-Hmac-Algorithm`. */
  hmacKey?: string;
  /** Send these exact bytes instead of `JSON.stringify(envelope)` (signed as sent). */
  rawBody?: string;
  /** Extra or overriding headers (e.g. a tampered `X-Webhook-Hmac`, or WAHA `customHeaders`). */
  headers?: Record<string, string>;
  /** Reuse a request id, as WAHA does across retries of one POST. Default: a fresh upper-case ULID. */
  requestId?: string;
  signal?: AbortSignal;
}

/** The receiver's answer. `body` is parsed JSON when possible, else the text. */
export interface PostWebhookResult {
  status: number;
  body: unknown;
  /** The `Retry-After` header of the answer (a 503's), or null. */
  retryAfter: string | null;
  /** The request id that was sent, to replay a WAHA retry. */
  requestId: string;
}

/**
 * POSTs `envelope` to `targetUrl` with WAHA's headers: `Content-Type`, `User-Agent: WAHA/2026.7.1`,
 * `X-Webhook-Request-Id`, `X-Webhook-Timestamp` (the body's `timestamp` when present) and, with `hmacKey`,
 * `X-Webhook-Hmac` + `X-Webhook-Hmac-Algorithm: sha512`.
 */
export async function postWebhook(
  targetUrl: string,
  envelope: unknown,
  opts: PostWebhookOptions = {},
): Promise<PostWebhookResult> {
  const raw = opts.rawBody ?? JSON.stringify(envelope);
  const requestId = opts.requestId ?? webhookRequestId();
  const bodyTimestamp =
    typeof envelope === 'object' && envelope !== null && 'timestamp' in envelope
      ? envelope.timestamp
      : undefined;
  const headers: Record<string, string> = {
    'Content-Type': 'application/json',
    'User-Agent': 'WAHA/2026.7.1',
    'X-Webhook-Request-Id': requestId,
    'X-Webhook-Timestamp': String(typeof bodyTimestamp === 'number' ? bodyTimestamp : Date.now()),
  };
  if (opts.hmacKey !== undefined) {
    headers['X-Webhook-Hmac'] = signWahaBody(raw, opts.hmacKey);
    headers['X-Webhook-Hmac-Algorithm'] = 'sha512';
  }
  Object.assign(headers, opts.headers);
  const res = await fetch(targetUrl, { method: 'POST', headers, body: raw, signal: opts.signal ?? null });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = text === '' ? null : (JSON.parse(text) as unknown);
  } catch {
    // Not JSON: keep the text.
  }
  return { status: res.status, body, retryAfter: res.headers.get('retry-after'), requestId };
}
