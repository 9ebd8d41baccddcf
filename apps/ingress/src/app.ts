import type { RequestListener } from 'node:http';
import type { RelayConfig, TenantConfig } from '@relay/config';
import type { Logger, RelayMetrics } from '@relay/observability';
import type { DeadLetters, InboundProducer, OutboundProducer } from '@relay/queue';
import express, { type ErrorRequestHandler, type Response } from 'express';
import type { Redis } from 'ioredis';
import { BACKPRESSURE_RETRY_AFTER_S, createBackpressure } from './backpressure.js';
import { ingestChatwootWebhook } from './chatwootWebhook.js';
import { createDlqRouter } from './dlqRoutes.js';
import { createRefusalRateLimiter, rejectDeepJson } from './limits.js';
import { answer, outcomeLabels } from './respond.js';
import { createSendApiRouter } from './sendApi.js';
import { createWahaRoute, WAHA_WEBHOOK_PATH } from './wahaRoute.js';
import type { IngestOutcome } from './wahaWebhook.js';

export interface IngressDeps {
  config: Pick<
    RelayConfig,
    | 'wahaWebhookMaxAgeMs'
    | 'maxBodyBytes'
    | 'publicRateLimitPerMinute'
    | 'tenants'
    | 'adminApiToken'
    | 'chatwootWebhookMaxAgeMs'
    | 'redisPrefix'
    | 'sendApiTokens'
    | 'sendApiTokenScopes'
    | 'outboundPartitions'
    | 'changeMirroring'
    | 'inboundPartitions'
    | 'ingressMaxQueueDepth'
    | 'ingressMaxRedisMemoryRatio'
  >;
  producer: InboundProducer;
  /** Outbound partitions: Chatwoot webhooks, the send API, and WAHA acks/echoes. */
  outbound: OutboundProducer;
  deadLetters: DeadLetters;
  /** Connection used by `/readyz` to check Redis. */
  redis: Redis;
  logger: Logger;
  metrics: RelayMetrics;
  now?: () => number;
}

/**
 * The ingress's request listener; it never listens by itself. `POST /webhooks/waha` takes the plain-Node route of
 * `wahaRoute.ts`, everything else (and that path with a query string or a compressed body) goes through Express.
 */
export function createIngressListener(deps: IngressDeps): RequestListener {
  const app = express();
  app.disable('x-powered-by');
  // Webhook and API answers are never cached: skip the per-response ETag (a SHA-1 of the body in res.send).
  app.set('etag', false);
  const tenantsBySession = new Map<string, TenantConfig>(deps.config.tenants.map((t) => [t.wahaSession, t]));
  const rawJson = express.raw({ type: () => true, limit: deps.config.maxBodyBytes });
  // Public endpoints: per-IP refusal rate first, then the body (size limit), then its nesting depth.
  const rateLimit = createRefusalRateLimiter({
    perMinute: deps.config.publicRateLimitPerMinute,
    now: deps.now,
  });
  const publicBody = [rateLimit.middleware, rawJson, rejectDeepJson];
  const backpressure = createBackpressure({
    redis: deps.redis,
    prefix: deps.config.redisPrefix,
    partitions: deps.config.inboundPartitions,
    maxQueueDepth: deps.config.ingressMaxQueueDepth,
    maxMemoryRatio: deps.config.ingressMaxRedisMemoryRatio,
  });

  const waha = createWahaRoute({
    ingest: {
      config: deps.config,
      tenantsBySession,
      producer: deps.producer,
      outbound: deps.outbound,
      backpressure,
      now: deps.now,
    },
    maxBodyBytes: deps.config.maxBodyBytes,
    rateLimit,
    logger: deps.logger,
    metrics: deps.metrics,
  });
  app.post(WAHA_WEBHOOK_PATH, publicBody, async (req: express.Request, res: Response) => {
    await waha.respond(
      Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0),
      req.get('x-webhook-hmac'),
      res,
    );
  });

  const chatwootRoute = async (req: express.Request, res: Response) => {
    const params = req.params as { tenant?: string; token?: string };
    // Agent replies go to outbound queues: only Redis memory holds them back, not the inbound backlog.
    const refusal = await backpressure.refusal(null);
    const outcome: IngestOutcome = refusal
      ? { kind: 'unavailable', retryAfterS: BACKPRESSURE_RETRY_AFTER_S, ...refusal }
      : await ingestChatwootWebhook(
          {
            rawBody: Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0),
            tenantId: params.tenant,
            urlToken: params.token,
            signature: req.get('x-chatwoot-signature'),
            timestamp: req.get('x-chatwoot-timestamp'),
            deliveryId: req.get('x-chatwoot-delivery'),
          },
          {
            config: deps.config,
            tenants: deps.config.tenants,
            outbound: deps.outbound,
            redis: deps.redis,
            now: deps.now,
          },
        );
    deps.metrics.webhooks.inc({ source: 'chatwoot', ...outcomeLabels(outcome) });
    if (outcome.kind === 'rejected' || outcome.kind === 'unavailable')
      deps.logger.warn({ source: 'chatwoot', reason: outcomeLabels(outcome).reason }, outcome.message);
    answer(res, outcome);
  };
  app.post('/webhooks/chatwoot', publicBody, chatwootRoute);
  app.post('/webhooks/chatwoot/:tenant', publicBody, chatwootRoute);
  app.post('/webhooks/chatwoot/:tenant/:token', publicBody, chatwootRoute);

  app.use(
    '/v1/messages',
    rateLimit.middleware,
    createSendApiRouter({
      tokens: deps.config.sendApiTokens,
      scopes: deps.config.sendApiTokenScopes,
      tenants: deps.config.tenants,
      outbound: deps.outbound,
      outboundPartitions: deps.config.outboundPartitions,
      redis: deps.redis,
      prefix: deps.config.redisPrefix,
    }),
  );

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });

  app.get('/readyz', async (_req, res) => {
    try {
      await deps.redis.ping();
      res.json({ status: 'ready', redis: 'ok' });
    } catch (error) {
      res.status(503).json({ status: 'not_ready', redis: (error as Error).message });
    }
  });

  app.use(
    '/v1/dlq',
    createDlqRouter({ deadLetters: deps.deadLetters, adminToken: deps.config.adminApiToken }),
  );

  app.get('/metrics', async (_req, res) => {
    res.type(deps.metrics.registry.contentType).send(await deps.metrics.registry.metrics());
  });

  app.use((_req, res) => {
    res.status(404).json({ error: 'not_found', message: 'no such route' });
  });

  const onError: ErrorRequestHandler = (error, _req, res, _next) => {
    const status =
      typeof error?.status === 'number' && error.status >= 400 && error.status < 500 ? error.status : 500;
    const code = status === 413 ? 'body_too_large' : status === 500 ? 'internal_error' : 'bad_request';
    const message =
      status === 413
        ? `body exceeds ${deps.config.maxBodyBytes} bytes`
        : status === 500
          ? 'internal error'
          : error.message;
    deps.metrics.webhooks.inc({ source: 'http', outcome: 'rejected', reason: code });
    if (status === 500) deps.logger.error({ err: error }, 'unhandled ingress error');
    res.status(status).json({ error: code, message });
  };
  app.use(onError);
  return (req, res) => {
    if (waha.takes(req)) waha.handle(req, res);
    else app(req, res);
  };
}
