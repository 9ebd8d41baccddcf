import { createHash, randomUUID, timingSafeEqual } from 'node:crypto';
import type { SendApiTokenScope, TenantConfig } from '@relay/config';
import { normalizeChatId, parseChatKind, toE164 } from '@relay/domain';
import {
  type OutboundJobInput,
  type OutboundProducer,
  outboundApiJobId,
  outboundQueueFor,
} from '@relay/queue';
import express, { type ErrorRequestHandler, type Request, type Response, Router } from 'express';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import { verifyJsonDepth } from './limits.js';

const INDEX_TTL_S = 7 * 86_400;
const SENDABLE_CHATS = new Set(['user', 'lid', 'group']);

const bodySchema = z
  .strictObject({
    tenant: z.string().min(1).optional(),
    phone: z.string().min(1).optional(),
    chatId: z.string().min(1).optional(),
    text: z.string().max(65_536).default(''),
    attachments: z
      .array(
        z.strictObject({
          url: z.url({ protocol: /^https?$/ }),
          filename: z.string().min(1).optional(),
          mimetype: z
            .string()
            .regex(/^[\w.+-]+\/[\w.+-]+$/, 'expected a MIME type')
            .optional(),
        }),
      )
      .max(10)
      .default([]),
    labels: z
      .array(z.string().regex(/^[\w-]{1,255}$/, 'letters, digits, "-" or "_"'))
      .max(20)
      .default([]),
  })
  .superRefine((body, ctx) => {
    if (!body.phone === !body.chatId)
      ctx.addIssue({
        code: 'custom',
        path: [body.phone ? 'chatId' : 'phone'],
        message: 'give phone or chatId (one of them)',
      });
    if (body.text.trim() === '' && body.attachments.length === 0)
      ctx.addIssue({ code: 'custom', path: ['text'], message: 'text is required without attachments' });
  });

/** What `POST /v1/messages` and `GET /v1/messages/:id` need. */
export interface SendApiDeps {
  tokens: readonly string[];
  /** Tenants each token may act for (default: every token, every tenant); `sendApiTokenScopes` of the config. */
  scopes?: readonly SendApiTokenScope[];
  tenants: readonly TenantConfig[];
  outbound: OutboundProducer;
  outboundPartitions: number;
  redis: Redis;
  prefix: string;
}

function fail(res: Response, status: number, error: string, message: string, field?: string): void {
  res.status(status).json({ error, message, ...(field ? { field } : {}) });
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

/**
 * The send API: `POST /v1/messages` (bearer token) stores a send job (contact and conversation upsert, outgoing
 * message in Chatwoot, then WhatsApp through the outbound path) and answers 202 with its id; `GET /v1/messages/:id`
 * reports it. An `Idempotency-Key` makes a retried POST return the first job (409 if the body differs).
 */
export function createSendApiRouter(deps: SendApiDeps): Router {
  const router = Router();
  const scopes = deps.scopes ?? deps.tokens.map((token) => ({ token, tenants: null }));
  const tokenDigests = scopes.map(({ token, tenants }) => ({ digest: digest(token), tenants }));
  /** The tenants the caller's token may act for (`null` = all), or false after answering 401/404. */
  const authorized = (req: Request, res: Response): { tenants: readonly string[] | null } | false => {
    if (tokenDigests.length === 0) {
      fail(res, 404, 'not_found', 'the send API is off (set SEND_API_TOKENS)');
      return false;
    }
    const token = /^Bearer (.+)$/.exec(req.get('authorization') ?? '')?.[1];
    const given = token ? digest(token) : null;
    // Every token is compared (no early exit), in constant time.
    let match: { tenants: readonly string[] | null } | false = false;
    for (const expected of tokenDigests)
      if (given && timingSafeEqual(expected.digest, given) && !match) match = { tenants: expected.tenants };
    if (!match) {
      res.setHeader('WWW-Authenticate', 'Bearer');
      fail(res, 401, 'unauthorized', 'a valid Authorization: Bearer <token> is required');
      return false;
    }
    return match;
  };
  const allowed = (scope: { tenants: readonly string[] | null }, tenant: string) =>
    scope.tenants === null || scope.tenants.includes(tenant);
  const indexKey = (id: string) => `${deps.prefix}:api:job:${id}`;

  router.post('/', express.json({ limit: '64kb', verify: verifyJsonDepth }), async (req, res) => {
    const scope = authorized(req, res);
    if (!scope) return;
    const parsed = bodySchema.safeParse(req.body ?? {});
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const field = issue?.path.map(String).join('.') || 'body';
      fail(res, 400, 'invalid_request', `${field}: ${issue?.message ?? 'invalid'}`, field);
      return;
    }
    const body = parsed.data;
    const tenant = body.tenant
      ? deps.tenants.find((candidate) => candidate.id === body.tenant)
      : deps.tenants.length === 1
        ? deps.tenants[0]
        : scope.tenants?.length === 1
          ? deps.tenants.find((candidate) => candidate.id === scope.tenants?.[0])
          : undefined;
    if (!tenant) {
      if (body.tenant)
        fail(res, 404, 'unknown_tenant', `tenant "${body.tenant}" is not configured`, 'tenant');
      else
        fail(res, 400, 'invalid_request', 'tenant: required when several tenants are configured', 'tenant');
      return;
    }
    if (!allowed(scope, tenant.id))
      return fail(
        res,
        403,
        'forbidden_tenant',
        `this token may not send for tenant "${tenant.id}"`,
        'tenant',
      );
    const phone = body.phone ? toE164(body.phone) : null;
    if (body.phone && !phone)
      return fail(res, 400, 'invalid_request', 'phone: expected an E.164 number', 'phone');
    const chatId = phone ? `${phone.slice(1)}@c.us` : normalizeChatId(body.chatId ?? '');
    if (!SENDABLE_CHATS.has(parseChatKind(chatId) ?? '') || (!phone && !chatId.includes('@')))
      return fail(
        res,
        400,
        'invalid_request',
        'chatId: expected a WhatsApp chat id such as 31612345678@c.us',
        'chatId',
      );
    const key = req.get('idempotency-key') ?? null;
    if (key !== null && (key.length === 0 || key.length > 255))
      return fail(res, 400, 'invalid_request', 'Idempotency-Key: 1-255 characters', 'Idempotency-Key');

    const jobId = outboundApiJobId(tenant.id, key, randomUUID());
    const job: OutboundJobInput = {
      kind: 'api',
      tenant: tenant.id,
      chatId,
      phone,
      text: body.text,
      attachments: body.attachments.map((a) => ({
        url: a.url,
        filename: a.filename ?? null,
        mimetype: a.mimetype ?? null,
      })),
      labels: body.labels,
      acceptedAt: Date.now(),
    };
    const fingerprint = digest(JSON.stringify({ ...job, acceptedAt: 0 })).toString('hex');
    try {
      await deps.outbound.ready();
      const queue = outboundQueueFor(tenant.id, chatId, deps.outboundPartitions);
      const stored = await deps.redis.set(
        indexKey(jobId),
        JSON.stringify({ queue, fingerprint }),
        'EX',
        INDEX_TTL_S,
        'NX',
      );
      if (stored === null) {
        const previous = JSON.parse((await deps.redis.get(indexKey(jobId))) ?? '{}') as {
          fingerprint?: string;
        };
        if (previous.fingerprint !== fingerprint)
          return fail(
            res,
            409,
            'idempotency_key_reused',
            'this Idempotency-Key was used with another request',
            'Idempotency-Key',
          );
      }
      await deps.outbound.enqueue(job, jobId);
      res.status(202).json({ id: jobId, status: 'queued', duplicate: stored === null });
    } catch (error) {
      res.setHeader('Retry-After', '5');
      fail(res, 503, 'unavailable', `could not store the message: ${(error as Error).message}`);
    }
  });

  router.get('/:id', async (req, res) => {
    const scope = authorized(req, res);
    if (!scope) return;
    const raw = await deps.redis.get(indexKey(req.params.id));
    const queue = raw ? (JSON.parse(raw) as { queue?: string }).queue : undefined;
    const job = queue ? await deps.outbound.getJob(queue, req.params.id) : undefined;
    if (!job) return fail(res, 404, 'not_found', `no message job ${req.params.id}`);
    if (!allowed(scope, String(job.data?.tenant)))
      return fail(res, 403, 'forbidden_tenant', 'this token may not read jobs of that tenant');
    const state = await job.getState();
    // Read after the state: a job that finished between the two reads carries its result only in a fresh copy.
    const finished =
      state === 'completed' || state === 'failed'
        ? ((await deps.outbound.getJob(queue!, req.params.id)) ?? job)
        : job;
    const status =
      state === 'completed'
        ? 'sent'
        : state === 'failed'
          ? 'failed'
          : state === 'active'
            ? 'sending'
            : 'queued';
    res.json({
      id: req.params.id,
      status,
      tenant: job.data?.tenant,
      chatId: job.data?.chatId,
      ...(state === 'completed' ? { result: finished.returnvalue } : {}),
      ...(state === 'failed' ? { error: finished.failedReason } : {}),
    });
  });

  const onError: ErrorRequestHandler = (error, _req, res, _next) => {
    const status = typeof error?.status === 'number' && error.status < 500 ? error.status : 500;
    fail(
      res,
      status,
      status === 500 ? 'internal_error' : 'invalid_request',
      status === 500 ? 'internal error' : error.message,
      status === 500 ? undefined : 'body',
    );
  };
  router.use(onError);
  return router;
}
