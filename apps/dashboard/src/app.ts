import { readFileSync } from 'node:fs';
import type { RelayConfig } from '@relay/config';
import type { Logger, RelayMetrics } from '@relay/observability';
import type { DeadLetters } from '@relay/queue';
import type { Queue } from 'bullmq';
import express, { type ErrorRequestHandler, type Express } from 'express';
import type { Redis } from 'ioredis';
import { createDashboardAuth, csrfTokenOf, identityOf } from './auth.js';
import { bullBoardRouter } from './bullBoard.js';
import { csrfField, html, layout } from './html.js';
import { queueSnapshot } from './queueHealth.js';
import { dashboardRoutes } from './routes.js';

/** What the dashboard reads and changes; `startDashboard` builds it from the config. */
export interface DashboardDeps {
  config: Pick<RelayConfig, 'redisPrefix' | 'tenants' | 'dashboardAuth'>;
  /** Used by `/readyz` and the budget page. */
  redis: Redis;
  deadLetters: DeadLetters;
  /** Every inbound partition queue and the dead-letter queue. */
  queues: readonly Queue[];
  /** Maps a dead-letter entry to the queue its replay goes to. */
  replayTarget: (entry: { tenant: string | null; chatId: string | null; sourceQueue: string }) => string;
  logger: Logger;
  metrics: RelayMetrics;
  /** Mount path when the app is mounted under another one ('' = at the root). */
  basePath?: string;
}

const CSS = readFileSync(new URL('./style.css', import.meta.url), 'utf8');

/** Builds the ops dashboard's Express app; it never listens by itself. */
export function createDashboardApp(deps: DashboardDeps): Express {
  const base = deps.basePath ?? '';
  const app = express();
  app.disable('x-powered-by');
  const auth = createDashboardAuth(deps.config.dashboardAuth, { base });
  deps.metrics.setQueueSource(() => queueSnapshot(deps.queues));

  app.use((_req, res, next) => {
    res.setHeader('X-Frame-Options', 'DENY');
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Referrer-Policy', 'same-origin');
    next();
  });
  app.get('/static/dashboard.css', (_req, res) => {
    res.type('text/css').send(CSS);
  });
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
  app.get('/metrics', async (_req, res) => {
    res.type(deps.metrics.registry.contentType).send(await deps.metrics.registry.metrics());
  });

  app.use(express.urlencoded({ extended: false, limit: '256kb', parameterLimit: 20_000 }));
  app.use(auth.session);

  const loginPage = (csrf: string, next: string, error?: string) =>
    layout(
      { title: 'Sign in', user: null, csrfToken: csrf, base },
      html`<form method="post" action="${base}/login" class="login">${csrfField(csrf)}
        <input type="hidden" name="next" value="${next}">
        ${error ? html`<p class="error">${error}</p>` : ''}
        <label>User <input name="username" autocomplete="username" required></label>
        <label>Password <input name="password" type="password" autocomplete="current-password" required></label>
        <button type="submit">Sign in</button></form>`,
    );
  const safeNext = (value: unknown) =>
    typeof value === 'string' && value.startsWith(`${base}/`) && !value.startsWith('//') ? value : `${base}/`;
  app.get('/login', (req, res) => {
    res.type('html').send(loginPage(csrfTokenOf(res), safeNext(req.query.next)));
  });
  app.post('/login', auth.csrf, (req, res) => {
    const body = req.body as Record<string, unknown>;
    const identity = auth.verify(String(body.username ?? ''), String(body.password ?? ''));
    if (!identity) {
      deps.logger.warn({ user: String(body.username ?? '').slice(0, 64) }, 'dashboard sign-in refused');
      res
        .status(401)
        .type('html')
        .send(loginPage(csrfTokenOf(res), safeNext(body.next), 'Wrong user or password.'));
      return;
    }
    auth.signIn(res, identity);
    deps.logger.info({ user: identity.name, role: identity.role }, 'dashboard sign-in');
    res.redirect(303, safeNext(body.next));
  });

  app.use(auth.authenticate, auth.csrf, auth.requireAdminForWrites);
  app.post('/logout', (req, res) => {
    auth.signOut(req, res);
    res.redirect(303, `${base}/login`);
  });

  // Bull Board shows every tenant's queues and jobs and cannot be filtered: tenant-scoped users get none.
  app.use(['/queues', '/queues-ro'], (_req, res, next) => {
    if (identityOf(res).tenants === null) return next();
    res.status(403).json({
      error: 'forbidden',
      message: "Bull Board shows every tenant's queues; a tenant-scoped user cannot use it (see /dlq and /)",
    });
  });
  // Viewers get a read-only board; an admin's board is read-only for the dead-letter queue only.
  app.use('/queues', (req, res, next) => {
    if (identityOf(res).role === 'admin') return next();
    res.redirect(302, `${base}/queues-ro${req.url === '/' ? '' : req.url}`);
  });
  app.use('/queues', bullBoardRouter(deps.queues, { basePath: `${base}/queues`, readOnly: false }));
  app.use('/queues-ro', bullBoardRouter(deps.queues, { basePath: `${base}/queues-ro`, readOnly: true }));
  app.use(dashboardRoutes({ ...deps, base }));

  app.use((_req, res) => {
    res.status(404).json({ error: 'not_found', message: 'no such page' });
  });
  const onError: ErrorRequestHandler = (error, _req, res, _next) => {
    const status =
      typeof error?.status === 'number' && error.status >= 400 && error.status < 500 ? error.status : 500;
    if (status === 500) deps.logger.error({ err: error }, 'dashboard error');
    res.status(status).json({ error: status === 500 ? 'internal_error' : 'bad_request' });
  };
  app.use(onError);
  return app;
}
