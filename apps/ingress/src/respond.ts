import type { ServerResponse } from 'node:http';
import type { IngestOutcome } from './wahaWebhook.js';

const RETRY_AFTER_S = 5;

/**
 * Writes a JSON answer with Node's own response methods: the bytes Express's `res.status(status).json(body)` would
 * write (the ingress has no ETag), usable on a plain `ServerResponse` as well as an Express one.
 */
export function sendJson(
  res: ServerResponse,
  status: number,
  body: object,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    ...headers,
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
  });
  res.end(text);
}

/** The HTTP answer to a webhook's outcome, one table for WAHA and Chatwoot webhooks. */
export function answer(res: ServerResponse, outcome: IngestOutcome): void {
  switch (outcome.kind) {
    case 'accepted':
      sendJson(res, 200, { status: outcome.duplicate ? 'duplicate' : 'accepted', jobId: outcome.jobId });
      return;
    case 'ignored':
      sendJson(res, 200, { status: 'ignored', reason: outcome.reason });
      return;
    case 'rejected':
      sendJson(res, outcome.status, { error: outcome.code, message: outcome.message });
      return;
    case 'unavailable':
      sendJson(
        res,
        503,
        { error: outcome.reason ?? 'unavailable', message: outcome.message },
        { 'Retry-After': String(outcome.retryAfterS ?? RETRY_AFTER_S) },
      );
      return;
  }
}

/** The `outcome` and `reason` labels of the `webhooks` metric. */
export function outcomeLabels(outcome: IngestOutcome): { outcome: string; reason: string } {
  switch (outcome.kind) {
    case 'accepted':
      return { outcome: outcome.duplicate ? 'duplicate' : 'accepted', reason: '' };
    case 'ignored':
      return { outcome: 'ignored', reason: outcome.reason };
    case 'rejected':
      return { outcome: 'rejected', reason: outcome.code };
    case 'unavailable':
      return { outcome: 'unavailable', reason: outcome.reason ?? 'redis' };
  }
}
