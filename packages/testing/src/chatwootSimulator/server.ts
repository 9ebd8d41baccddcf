/** The HTTP request listener: auth, rate limit, faults, routing and request recording. */
import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { accountRoutes } from './accountRoutes.js';
import { contactRoutes } from './contactRoutes.js';
import { handleControl } from './control.js';
import { conversationRoutes } from './conversationRoutes.js';
import { SimHttpError } from './errors.js';
import type { FaultQueue, FixedWindowLimiter } from './faults.js';
import { inboxRoutes } from './inboxRoutes.js';
import { messageRoutes } from './messageRoutes.js';
import { multipartBoundary, parseMultipart } from './multipart.js';
import { matchRoute, type SimContext, type SimRoute, type SimSettings } from './router.js';
import type { ChatwootSimulator } from './simulator.js';
import type { SimStore } from './store.js';
import type { SimRequest } from './types.js';

const ROUTES: SimRoute[] = [
  ...accountRoutes,
  ...contactRoutes,
  ...conversationRoutes,
  ...messageRoutes,
  ...inboxRoutes,
];
const ACCOUNT_PREFIX = /^\/api\/v1\/accounts\/(\d+)(\/.*)?$/;

/** Everything the listener needs from the simulator. */
export interface ListenerDeps {
  sim: ChatwootSimulator;
  store: SimStore;
  settings: SimSettings;
  faults: FaultQueue;
  limiter: FixedWindowLimiter;
  tokens: Record<string, number>;
  latencyMs: () => number;
  requests: SimRequest[];
  /** Pending "hang" timers, cleared on close. */
  timers: Set<NodeJS.Timeout>;
}

/** sha256(token), first 12 hex characters. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex').slice(0, 12);
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function send(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  if (res.headersSent || res.destroyed) return;
  const isText = typeof body === 'string';
  const payload = status === 204 ? '' : isText ? body : JSON.stringify(body);
  res.writeHead(status, {
    'content-type': isText ? 'text/plain' : 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(payload),
    ...headers,
  });
  res.end(payload);
}

function parseBody(raw: Buffer, contentType: string | undefined): Pick<SimContext, 'body' | 'files'> {
  const boundary = multipartBoundary(contentType);
  if (boundary) {
    const form = parseMultipart(raw, boundary);
    return { body: form.fields, files: form.files };
  }
  if (raw.length === 0) return { body: {}, files: [] };
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw.toString('utf8'));
  } catch {
    throw new SimHttpError(400, { error: 'Invalid JSON body' });
  }
  const body = typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? parsed : {};
  return { body: body as Record<string, unknown>, files: [] };
}

function tokenOf(req: IncomingMessage): string | null {
  const value = req.headers['api_access_token'] ?? req.headers['api-access-token'];
  const token = Array.isArray(value) ? value[0] : value;
  return token ? token : null;
}

/** Builds the `http.createServer` listener. */
export function createListener(deps: ListenerDeps) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const at = Date.now();
    const method = (req.method ?? 'GET').toUpperCase();
    const url = new URL(req.url ?? '/', 'http://sim.local');
    const raw = await readBody(req).catch(() => Buffer.alloc(0));

    if (url.pathname.startsWith('/__sim')) {
      let body: unknown = {};
      try {
        body = raw.length ? JSON.parse(raw.toString('utf8')) : {};
      } catch {
        return send(res, 400, { error: 'Invalid JSON body' });
      }
      const result = handleControl(deps.sim, method, url, body);
      return result
        ? send(res, result.status, result.body)
        : send(res, 404, { error: 'Unknown control path' });
    }

    const token = tokenOf(req);
    const prefix = ACCOUNT_PREFIX.exec(url.pathname);
    const accountId = prefix ? Number(prefix[1]) : null;
    const subPath = prefix?.[2] ?? '/';
    const match = prefix ? matchRoute(ROUTES, method, subPath) : null;
    const entry: SimRequest = {
      at,
      method,
      path: url.pathname,
      query: url.search,
      endpoint: `${method} ${match ? match.route.template : prefix ? subPath : url.pathname}`,
      status: 0,
      tokenHash: token ? hashToken(token) : null,
      accountId,
    };
    deps.requests.push(entry);
    const reply = (status: number, body: unknown, headers?: Record<string, string>) => {
      entry.status = status;
      send(res, status, body, headers);
    };

    const latency = deps.latencyMs();
    if (latency > 0) await sleep(latency);
    if (!deps.limiter.allow(token ?? '')) return reply(429, 'Retry later\n');

    const fault = deps.faults.take(method, match?.route.template ?? subPath, subPath, raw);
    if (fault?.kind === 'hang') {
      const timer = setTimeout(() => {
        deps.timers.delete(timer);
        req.socket.destroy();
      }, fault.timeoutMs);
      deps.timers.add(timer);
      return;
    }
    if (fault?.kind === 'status') {
      const body =
        fault.body ??
        (fault.status === 429 ? 'Retry later\n' : { status: fault.status, error: 'Internal Server Error' });
      return reply(fault.status, body, fault.headers);
    }

    if (!token) return reply(401, { errors: ['You need to sign in or sign up before continuing.'] });
    const tokenAccount = deps.tokens[token];
    if (tokenAccount === undefined) return reply(401, { error: 'Invalid Access Token' });
    if (accountId === null || !match) return reply(404, { error: 'Resource could not be found' });
    if (tokenAccount !== accountId)
      return reply(401, { error: 'You are not authorized to access this account' });

    try {
      const parsed = parseBody(raw, req.headers['content-type']);
      const ctx: SimContext = {
        store: deps.store,
        settings: deps.settings,
        accountId,
        params: match.params,
        query: url.searchParams,
        ...parsed,
      };
      const result = match.route.handler(ctx);
      reply(result.status ?? 200, result.body);
    } catch (err) {
      if (err instanceof SimHttpError) return reply(err.status, err.body);
      reply(500, { status: 500, error: 'Internal Server Error', exception: String(err) });
    }
  };
}
