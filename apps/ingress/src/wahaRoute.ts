/**
 * `POST /webhooks/waha`, the ingress's hot path, on Node's own request and response objects: WAHA posts every
 * WhatsApp event here, so it skips Express's request decoration, router and body-parser (about 40 % of the
 * ingress's CPU per webhook in bench/ingress.ts). The same limits apply as on the Express routes: the refusal rate limit, the body size
 * (413) and the JSON depth (400). Requests this path does not take (a query string, a compressed body) go through
 * Express, to the same {@link WahaRoute.respond}.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger, RelayMetrics } from '@relay/observability';
import { type RefusalRateLimiter, refusedAsTooDeep } from './limits.js';
import { answer, outcomeLabels, sendJson } from './respond.js';
import { ingestWahaWebhook, type WahaIngestDeps } from './wahaWebhook.js';

export const WAHA_WEBHOOK_PATH = '/webhooks/waha';

export interface WahaRoute {
  /** True when {@link handle} can take this request (plain POST to the path, uncompressed body). */
  takes(req: IncomingMessage): boolean;
  /** Answers the request: limits, body, then {@link respond}. */
  handle(req: IncomingMessage, res: ServerResponse): void;
  /** Ingests a body already read and checked, counts the outcome and answers. */
  respond(rawBody: Buffer, signature: string | undefined, res: ServerResponse): Promise<void>;
}

export function createWahaRoute(deps: {
  ingest: WahaIngestDeps;
  maxBodyBytes: number;
  rateLimit: RefusalRateLimiter;
  logger: Logger;
  metrics: RelayMetrics;
}): WahaRoute {
  const { logger, metrics } = deps;

  async function respond(rawBody: Buffer, signature: string | undefined, res: ServerResponse): Promise<void> {
    const outcome = await ingestWahaWebhook(rawBody, signature, deps.ingest);
    const labels = outcomeLabels(outcome);
    metrics.webhooks.inc({ source: 'waha', ...labels });
    if (outcome.kind === 'rejected' || outcome.kind === 'unavailable') {
      logger.warn({ source: 'waha', outcome: outcome.kind, reason: labels.reason }, outcome.message);
    } else if (outcome.kind === 'accepted') {
      logger.debug(
        { source: 'waha', jobId: outcome.jobId, duplicate: outcome.duplicate },
        'webhook accepted',
      );
    }
    answer(res, outcome);
  }

  function refuse(res: ServerResponse, status: 400 | 413, code: string, message: string): void {
    metrics.webhooks.inc({ source: 'http', outcome: 'rejected', reason: code });
    sendJson(res, status, { error: code, message });
  }

  async function read(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req, deps.maxBodyBytes);
    if (body === null) {
      refuse(res, 413, 'body_too_large', `body exceeds ${deps.maxBodyBytes} bytes`);
      return;
    }
    if (refusedAsTooDeep(body, res)) return;
    const signature = req.headers['x-webhook-hmac'];
    await respond(body, typeof signature === 'string' ? signature : undefined, res);
  }

  return {
    takes: (req) =>
      req.method === 'POST' &&
      req.url === WAHA_WEBHOOK_PATH &&
      (req.headers['content-encoding'] === undefined || req.headers['content-encoding'] === 'identity'),
    handle(req, res) {
      if (!deps.rateLimit.admit(req, res)) return;
      read(req, res).catch((error: Error) => {
        if (res.headersSent || res.destroyed) return;
        if (error instanceof BodyReadError) {
          refuse(res, 400, 'bad_request', error.message);
          return;
        }
        logger.error({ err: error, source: 'waha' }, 'unhandled ingress error');
        metrics.webhooks.inc({ source: 'http', outcome: 'rejected', reason: 'internal_error' });
        sendJson(res, 500, { error: 'internal_error', message: 'internal error' });
      });
    },
    respond,
  };
}

class BodyReadError extends Error {}

/**
 * The request body, or null when it is larger than `limit` bytes (by its Content-Length, or once more than that
 * has arrived; the rest is then discarded by Node after the answer). Rejects when the client goes away mid-body.
 */
function readBody(req: IncomingMessage, limit: number): Promise<Buffer | null> {
  if (Number(req.headers['content-length']) > limit) return Promise.resolve(null);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let length = 0;
    const onData = (chunk: Buffer) => {
      length += chunk.length;
      if (length <= limit) {
        chunks.push(chunk);
        return;
      }
      req.off('data', onData);
      req.resume();
      resolve(null);
    };
    req.on('data', onData);
    req.once('end', () =>
      resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, length)),
    );
    req.once('error', (error) =>
      reject(new BodyReadError(`request body could not be read: ${error.message}`)),
    );
    req.once('close', () => {
      if (!req.complete)
        reject(new BodyReadError('request body could not be read: the client closed the request'));
    });
  });
}
