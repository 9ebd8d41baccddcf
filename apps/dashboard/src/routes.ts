import type { DeadLetterEntry, DeadLetterFilter, DeadLetterSelection } from '@relay/queue';
import { type Response, Router } from 'express';
import type { DashboardDeps } from './app.js';
import { csrfTokenOf, identityOf } from './auth.js';
import { readTokenBudgets } from './budget.js';
import { csrfField, formatTime, html, layout, type SafeHtml } from './html.js';
import {
  dlqDetailPage,
  dlqListPage,
  dryRunCount,
  hiddenFields,
  readAction,
  readFilterForm,
  readSelection,
  toDeadLetterFilter,
} from './pages/dlqPages.js';
import { budgetPage, healthPage } from './pages/overviewPages.js';
import { readAllQueues } from './queueHealth.js';
import { redactText } from './redact.js';
import { inScope, queueInScope, type TenantScope } from './scope.js';

const PAGE_SIZE = 50;
/** A bulk action moves at most this many entries (the `/v1/dlq` API's default bound). */
const BULK_LIMIT = 1000;

/** The dashboard's own pages: health, budget, DLQ list/detail/actions and replayed-job status. */
export function dashboardRoutes(deps: DashboardDeps & { base: string }): Router {
  const { base } = deps;
  const router = Router();
  const queuesByName = new Map(deps.queues.map((queue) => [queue.name, queue]));
  const send = (res: Response, title: string, body: SafeHtml, status = 200, head = '') => {
    const { name, role } = identityOf(res);
    const page = layout({ title, user: { name, role }, csrfToken: csrfTokenOf(res), base }, body);
    res
      .status(status)
      .type('html')
      .send(head ? page.replace('</head>', `${head}</head>`) : page);
  };
  const canWrite = (res: Response) => identityOf(res).role === 'admin';
  const scopeOf = (res: Response): TenantScope => identityOf(res).tenants;
  /** A tenant-scoped user's filter is forced to their tenants (on top of what they asked for). */
  const scoped = (res: Response, filter: DeadLetterFilter): DeadLetterFilter => {
    const scope = scopeOf(res);
    return scope === null ? filter : { ...filter, tenants: scope };
  };
  const queuesOf = (res: Response) => deps.queues.filter((queue) => queueInScope(scopeOf(res), queue.name));

  router.get('/', async (_req, res) => {
    const queues = await readAllQueues(queuesOf(res));
    const deadLetters =
      scopeOf(res) === null
        ? await deps.deadLetters.count()
        : (await deps.deadLetters.list(scoped(res, {}), { limit: 1 })).total;
    send(res, 'Queue health', healthPage({ base, queues, deadLetters }));
  });

  router.get('/budget', async (_req, res) => {
    const queues = await readAllQueues(queuesOf(res).filter((queue) => queue.name !== 'dead-letter'));
    const budgets = await readTokenBudgets({
      redis: deps.redis,
      prefix: deps.config.redisPrefix,
      tenants: deps.config.tenants.filter((tenant) => inScope(scopeOf(res), tenant.id)),
      queues,
    });
    send(res, 'Chatwoot API budget per token', budgetPage({ budgets }));
  });

  router.get('/dlq', async (req, res) => {
    const form = readFilterForm(req.query);
    const offset = Math.max(0, Number(req.query.offset) || 0);
    const parsed = toDeadLetterFilter(form);
    const filter = scoped(res, 'error' in parsed ? {} : parsed.filter);
    const { entries, total } = await deps.deadLetters.list(filter, { offset, limit: PAGE_SIZE });
    const page = dlqListPage({
      base,
      csrfToken: csrfTokenOf(res),
      form,
      entries: 'error' in parsed ? [] : entries,
      total: 'error' in parsed ? 0 : total,
      offset,
      limit: PAGE_SIZE,
      error: 'error' in parsed ? parsed.error : undefined,
      canWrite: canWrite(res),
    });
    send(res, 'Dead letters', page, 'error' in parsed ? 400 : 200);
  });

  router.get('/dlq/:id', async (req, res) => {
    const found = await deps.deadLetters.get(req.params.id);
    // Another tenant's entry does not exist for a scoped user.
    const entry = found && inScope(scopeOf(res), found.tenant) ? found : null;
    if (!entry) return send(res, 'Not found', html`<p>No dead-letter entry with this id.</p>`, 404);
    send(
      res,
      'Dead letter',
      dlqDetailPage({ base, csrfToken: csrfTokenOf(res), entry, canWrite: canWrite(res) }),
    );
  });

  /** Entries the selection names, to know where each replay goes before it is made. */
  const entriesOf = async (selection: DeadLetterSelection): Promise<DeadLetterEntry[]> => {
    if ('filter' in selection)
      return (await deps.deadLetters.list(selection.filter, { limit: 100_000 })).entries;
    const found = await Promise.all(selection.ids.map((id) => deps.deadLetters.get(id)));
    return found.filter((entry): entry is DeadLetterEntry => entry !== null);
  };

  router.post('/dlq/action', async (req, res) => {
    const action = readAction(req);
    const parsed = readSelection(req.body);
    if (!action || 'error' in parsed) {
      const message = action ? (parsed as { error: string }).error : 'unknown action';
      return send(
        res,
        'Dead letters',
        html`<p class="error">${message}</p><p><a href="${base}/dlq">Back</a></p>`,
        400,
      );
    }
    const { form } = parsed;
    const scope = scopeOf(res);
    let selection = parsed.selection;
    if ('filter' in selection) selection = { filter: scoped(res, selection.filter) };
    else if (scope !== null) {
      const found = await Promise.all(selection.ids.map((id) => deps.deadLetters.get(id)));
      if (found.some((entry) => entry !== null && !inScope(scope, entry.tenant))) {
        res
          .status(403)
          .json({ error: 'forbidden_tenant', message: 'an entry belongs to a tenant outside your scope' });
        return;
      }
    }
    const ids = 'ids' in selection ? selection.ids : [];
    const selectionKind = 'ids' in selection ? 'ids' : 'filter';
    const body = req.body as Record<string, unknown>;
    if (body.confirm !== 'yes') {
      const { matched, missing } = await dryRunCount(deps.deadLetters, action, selection);
      const shown = Math.min(matched, BULK_LIMIT);
      return send(
        res,
        `Confirm ${action}`,
        html`<p class="confirm">${action === 'replay' ? 'Replay' : 'Discard'} <strong class="matched">${shown}</strong>
          ${shown === 1 ? 'entry' : 'entries'}${matched > shown ? ` (of ${matched} matching; run again for the rest)` : ''}?
          ${action === 'discard' ? ' Discarded entries are gone for good.' : ' Each goes back to its chat\u2019s partition as a fresh job.'}</p>
          ${missing.length > 0 ? html`<p class="note">${missing.length} ticked entries are gone already.</p>` : ''}
          <form method="post" action="${base}/dlq/action" class="actions">${csrfField(csrfTokenOf(res))}
          ${hiddenFields(form, ids, selectionKind)}<input type="hidden" name="confirm" value="yes">
          <button name="action" value="${action}" class="${action === 'discard' ? 'danger' : ''}" ${shown === 0 ? 'disabled' : ''}>
          Yes, ${action} ${shown}</button></form> <a href="${base}/dlq">Cancel</a>`,
      );
    }
    const user = identityOf(res).name;
    if (action === 'discard') {
      const result = await deps.deadLetters.discard(selection, { limit: BULK_LIMIT });
      deps.metrics.discards.inc({ source: 'dashboard' }, result.discarded);
      deps.logger.info(
        { user, matched: result.matched, discarded: result.discarded },
        'dead letters discarded',
      );
      return send(
        res,
        'Discarded',
        html`<p class="result">Discarded <strong>${result.discarded}</strong> of ${result.matched}.</p>
        <p><a href="${base}/dlq">Back to the dead letters</a></p>`,
      );
    }
    const entries = await entriesOf(selection);
    const targets = new Map(
      entries.map((entry) => [`${entry.sourceJobId}-r${entry.replays + 1}`, deps.replayTarget(entry)]),
    );
    const result = await deps.deadLetters.replay(selection, { limit: BULK_LIMIT });
    deps.metrics.replays.inc({ source: 'dashboard' }, result.replayed);
    deps.logger.info({ user, matched: result.matched, replayed: result.replayed }, 'dead letters replayed');
    const rows = result.jobIds.map((jobId) => {
      const queue = targets.get(jobId) ?? '';
      return html`<tr><td>${queue}</td><td><a class="job" href="${base}/jobs/${encodeURIComponent(queue)}/${encodeURIComponent(jobId)}">${jobId}</a></td></tr>`;
    });
    send(
      res,
      'Replayed',
      html`<p class="result">Replayed <strong>${result.replayed}</strong> of ${result.matched}.</p>
      <table><thead><tr><th>Queue</th><th>New job</th></tr></thead><tbody>${rows}</tbody></table>
      <p><a href="${base}/dlq">Back to the dead letters</a></p>`,
    );
  });

  router.get('/jobs/:queue/:id', async (req, res) => {
    const queue = queueInScope(scopeOf(res), req.params.queue)
      ? queuesByName.get(req.params.queue)
      : undefined;
    const job = queue ? await queue.getJob(req.params.id) : undefined;
    if (!queue || !job) return send(res, 'Job', html`<p>No such job (it may have been removed).</p>`, 404);
    const state = await job.getState();
    const finished = state === 'completed' || state === 'failed';
    send(
      res,
      'Job',
      html`<table class="fields"><tr><th>Queue</th><td>${queue.name}</td></tr><tr><th>Job</th><td>${job.id}</td></tr>
        <tr><th>State</th><td class="state state-${state}">${state}</td></tr>
        <tr><th>Attempts</th><td>${job.attemptsMade}</td></tr><tr><th>Finished</th><td>${formatTime(job.finishedOn)}</td></tr>
        <tr><th>Result</th><td>${redactText(job.returnvalue ? JSON.stringify(job.returnvalue) : '')}</td></tr>
        <tr><th>Error</th><td class="error">${redactText(job.failedReason)}</td></tr></table>
        <p><a href="${base}/queues/queue/${encodeURIComponent(queue.name)}/${encodeURIComponent(job.id ?? '')}">Open in Bull Board</a></p>`,
      200,
      finished ? '' : '<meta http-equiv="refresh" content="1">',
    );
  });
  return router;
}
