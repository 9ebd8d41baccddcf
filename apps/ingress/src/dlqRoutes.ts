import { createHash, timingSafeEqual } from 'node:crypto';
import {
  type DeadLetterFilter,
  type DeadLetterSelection,
  type DeadLetters,
  isEmptyDeadLetterFilter,
  parseTimeBound,
} from '@relay/queue';
import express, { type ErrorRequestHandler, type RequestHandler, type Response, Router } from 'express';
import { z } from 'zod';

/** Default and maximum page of `GET /`. */
const LIST_LIMIT = { default: 50, max: 1000 } as const;
/** Replay/discard move at most this many entries per call (bounded redrive); `matched` tells what is left. */
const BULK_LIMIT = { default: 1000, max: 10_000 } as const;
const BODY_LIMIT = '64kb';

const timeBound = z.union([z.string(), z.number()]).transform((value, ctx) => {
  const ms = typeof value === 'number' ? value : parseTimeBound(value);
  if (ms === null || !Number.isFinite(ms)) {
    ctx.addIssue({ code: 'custom', message: 'expected an ISO date, epoch ms or a duration such as 2h' });
    return z.NEVER;
  }
  return ms;
});

const filterFields = {
  tenant: z.string().min(1).optional(),
  chat: z.string().min(1).optional(),
  errorClass: z.string().min(1).optional(),
  since: timeBound.optional(),
  until: timeBound.optional(),
  search: z.string().min(1).optional(),
};

const listQuery = z.object({
  ...filterFields,
  offset: z.coerce.number().int().min(0).default(0),
  limit: z.coerce.number().int().min(1).max(LIST_LIMIT.max).default(LIST_LIMIT.default),
});

const bulkBody = z
  .object({
    ids: z.array(z.string().min(1)).min(1).max(BULK_LIMIT.max).optional(),
    filter: z.strictObject(filterFields).optional(),
    dryRun: z.boolean().default(false),
    limit: z.number().int().min(1).max(BULK_LIMIT.max).default(BULK_LIMIT.default),
  })
  .strict()
  .superRefine((body, ctx) => {
    if (body.ids && body.filter) {
      ctx.addIssue({ code: 'custom', path: ['filter'], message: 'give either ids or filter, not both' });
    } else if (!body.ids && !body.filter) {
      ctx.addIssue({ code: 'custom', path: ['ids'], message: 'give ids or filter' });
    } else if (body.filter && isEmptyDeadLetterFilter(body.filter)) {
      ctx.addIssue({ code: 'custom', path: ['filter'], message: 'needs at least one criterion' });
    }
  });

type FilterInput = { [K in keyof typeof filterFields]?: z.output<(typeof filterFields)[K]> };

function toFilter(input: FilterInput): DeadLetterFilter {
  const filter: DeadLetterFilter = {
    tenant: input.tenant,
    chat: input.chat,
    errorClass: input.errorClass,
    from: input.since,
    to: input.until,
    search: input.search,
  };
  for (const key of Object.keys(filter) as Array<keyof DeadLetterFilter>) {
    if (filter[key] === undefined) delete filter[key];
  }
  return filter;
}

function invalid(res: Response, error: z.ZodError, where: 'query' | 'body'): void {
  const issue = error.issues[0];
  const field = issue && issue.path.length > 0 ? issue.path.join('.') : where;
  res.status(400).json({
    error: where === 'body' ? 'invalid_body' : 'invalid_query',
    field,
    message: `${field}: ${issue?.message ?? 'invalid'}`,
  });
}

const digest = (value: string) => createHash('sha256').update(value).digest();

/** Bearer-token guard; compares digests so neither the content nor the length of the token leaks through timing. */
function requireAdmin(adminToken: string | null): RequestHandler {
  const expected = adminToken === null ? null : digest(adminToken);
  return (req, res, next) => {
    if (expected === null) {
      res
        .status(403)
        .json({ error: 'dlq_api_disabled', message: 'set ADMIN_API_TOKEN to enable the DLQ API' });
      return;
    }
    const match = /^Bearer\s+(\S+)\s*$/i.exec(req.get('authorization') ?? '');
    if (!match || !timingSafeEqual(digest(match[1]!), expected)) {
      res.setHeader('WWW-Authenticate', 'Bearer realm="dlq"');
      res.status(401).json({ error: 'unauthorized', message: 'missing or wrong bearer token' });
      return;
    }
    next();
  };
}

/**
 * The dead-letter admin API, mounted at `/v1/dlq`:
 * - `GET /?tenant&chat&errorClass&since&until&search&offset&limit` → `{entries, total, offset, limit}` (newest first)
 * - `GET /:id` → the entry, or 404
 * - `POST /replay` `{ids} | {filter}, dryRun?, limit?` → `{matched, replayed, jobIds}`
 * - `POST /discard` likewise → `{matched, discarded}`
 * `since`/`until` take an ISO date, epoch ms or a duration back from now (`2h`). A bulk call moves at most `limit`
 * (default 1000) entries, oldest failure first; a filter needs at least one criterion.
 */
export function createDlqRouter(deps: { deadLetters: DeadLetters; adminToken: string | null }): Router {
  const router = Router();
  router.use(requireAdmin(deps.adminToken));
  const json = express.json({ limit: BODY_LIMIT, type: () => true });

  router.get('/', async (req, res) => {
    const parsed = listQuery.safeParse(req.query);
    if (!parsed.success) return invalid(res, parsed.error, 'query');
    const { offset, limit, ...filter } = parsed.data;
    const { entries, total } = await deps.deadLetters.list(toFilter(filter), { offset, limit });
    res.json({ entries, total, offset, limit });
  });

  router.get('/:id', async (req, res) => {
    const entry = await deps.deadLetters.get(req.params.id);
    if (!entry) {
      res.status(404).json({ error: 'not_found', message: `no dead-letter entry "${req.params.id}"` });
      return;
    }
    res.json(entry);
  });

  const parseBulk = (body: unknown, res: Response) => {
    const parsed = bulkBody.safeParse(body ?? {});
    if (!parsed.success) {
      invalid(res, parsed.error, 'body');
      return null;
    }
    const { ids, filter, dryRun, limit } = parsed.data;
    const selection: DeadLetterSelection = ids ? { ids } : { filter: toFilter(filter ?? {}) };
    return { selection, options: { dryRun, limit } };
  };

  router.post('/replay', json, async (req, res) => {
    const bulk = parseBulk(req.body, res);
    if (!bulk) return;
    const { matched, replayed, jobIds, missing } = await deps.deadLetters.replay(
      bulk.selection,
      bulk.options,
    );
    res.json({ matched, replayed, jobIds, ...(missing.length > 0 ? { missing } : {}) });
  });

  router.post('/discard', json, async (req, res) => {
    const bulk = parseBulk(req.body, res);
    if (!bulk) return;
    const { matched, discarded, missing } = await deps.deadLetters.discard(bulk.selection, bulk.options);
    res.json({ matched, discarded, ...(missing.length > 0 ? { missing } : {}) });
  });

  router.use((_req, res) => {
    res.status(404).json({ error: 'not_found', message: 'no such route' });
  });

  // Body errors answered here; anything else (Redis down) goes on to the app's handler, which logs it.
  const onError: ErrorRequestHandler = (error, _req, res, next) => {
    const status = typeof error?.status === 'number' ? error.status : 500;
    if (status === 413) {
      res.status(413).json({ error: 'body_too_large', message: `body exceeds ${BODY_LIMIT}` });
    } else if (status >= 400 && status < 500) {
      res.status(400).json({ error: 'invalid_json', field: 'body', message: 'body is not valid JSON' });
    } else {
      next(error);
    }
  };
  router.use(onError);
  return router;
}
