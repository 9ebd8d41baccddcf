import {
  type DeadLetterEntry,
  type DeadLetterFilter,
  type DeadLetterSelection,
  type DeadLetters,
  parseTimeBound,
} from '@relay/queue';
import type { Request } from 'express';
import { csrfField, formatTime, html, type SafeHtml } from '../html.js';
import { redactForDisplay, redactText } from '../redact.js';

/** The filter fields of the DLQ list, as query or form fields (the same names as the `/v1/dlq` API). */
export const FILTER_FIELDS = ['tenant', 'chat', 'errorClass', 'since', 'until', 'search'] as const;
export type FilterForm = Partial<Record<(typeof FILTER_FIELDS)[number], string>>;

/** Reads the filter fields from a query or a form body; blank fields are left out. */
export function readFilterForm(source: unknown): FilterForm {
  const record = (source ?? {}) as Record<string, unknown>;
  const form: FilterForm = {};
  for (const field of FILTER_FIELDS) {
    const value = record[field];
    if (typeof value === 'string' && value.trim() !== '') form[field] = value.trim();
  }
  return form;
}

/** Turns the form into the store's filter; a time bound that does not parse is an error message. */
export function toDeadLetterFilter(form: FilterForm): { filter: DeadLetterFilter } | { error: string } {
  const filter: DeadLetterFilter = {};
  if (form.tenant) filter.tenant = form.tenant;
  if (form.chat) filter.chat = form.chat;
  if (form.errorClass) filter.errorClass = form.errorClass;
  if (form.search) filter.search = form.search;
  for (const [field, key] of [
    ['since', 'from'],
    ['until', 'to'],
  ] as const) {
    const text = form[field];
    if (!text) continue;
    const ms = parseTimeBound(text);
    if (ms === null) return { error: `${field}: expected an ISO date, epoch ms or a duration such as 2h` };
    filter[key] = ms;
  }
  return { filter };
}

/** The selection of a bulk form: ticked ids, or every entry matching the filter (which needs a criterion). */
export function readSelection(
  body: unknown,
): { selection: DeadLetterSelection; form: FilterForm } | { error: string } {
  const record = (body ?? {}) as Record<string, unknown>;
  const raw = record.ids;
  const ids = (Array.isArray(raw) ? raw : raw === undefined ? [] : [raw]).filter(
    (id): id is string => typeof id === 'string' && id !== '',
  );
  const form = readFilterForm(record);
  if (record.scope === 'filter') {
    if (Object.keys(form).length === 0) return { error: 'a filter needs at least one criterion' };
    const parsed = toDeadLetterFilter(form);
    return 'error' in parsed ? parsed : { selection: { filter: parsed.filter }, form };
  }
  if (ids.length === 0) return { error: 'tick at least one entry' };
  return { selection: { ids }, form };
}

export function hiddenFields(form: FilterForm, ids: readonly string[], scope: string): SafeHtml {
  return html`${FILTER_FIELDS.map((field) =>
    form[field] ? html`<input type="hidden" name="${field}" value="${form[field]}">` : '',
  )}${ids.map((id) => html`<input type="hidden" name="ids" value="${id}">`)}<input type="hidden" name="scope" value="${scope}">`;
}

function filterForm(form: FilterForm): SafeHtml {
  const field = (name: (typeof FILTER_FIELDS)[number], label: string, hint: string) =>
    html`<label>${label}<input name="${name}" value="${form[name] ?? ''}" placeholder="${hint}"></label>`;
  return html`<form method="get" class="filters">
    ${field('tenant', 'Tenant', 'dealer')} ${field('chat', 'Phone / chat', '+31 6 1234 5678')}
    ${field('errorClass', 'Error class', 'chatwoot_unauthorized')} ${field('since', 'Since', '2h or 2025-01-31')}
    ${field('until', 'Until', '')} ${field('search', 'Job / message id', 'WhatsApp or Chatwoot id')}
    <button type="submit">Filter</button></form>`;
}

function entryRow(base: string, entry: DeadLetterEntry): SafeHtml {
  return html`<tr>
    <td><input type="checkbox" name="ids" value="${entry.id}" form="bulk"></td>
    <td>${formatTime(entry.lastFailedAt)}</td><td>${entry.tenant ?? '–'}</td>
    <td>${redactText(entry.chatId) || '–'}</td><td><code>${entry.errorClass}</code></td>
    <td class="error">${redactText(entry.lastError).slice(0, 120)}</td>
    <td>${entry.attemptsMade}</td><td>${entry.replays}</td><td>${entry.overtaken ? 'yes' : ''}</td>
    <td><a href="${base}/dlq/${encodeURIComponent(entry.id)}">${entry.sourceJobId}</a></td></tr>`;
}

/** The DLQ list: filters, the page of entries (newest failure first), and bulk replay/discard forms. */
export function dlqListPage(opts: {
  base: string;
  csrfToken: string;
  form: FilterForm;
  entries: DeadLetterEntry[];
  total: number;
  offset: number;
  limit: number;
  error?: string;
  canWrite: boolean;
}): SafeHtml {
  const { base, form, entries, total, offset, limit } = opts;
  const query = new URLSearchParams(form as Record<string, string>);
  const pageLink = (at: number, label: string) => {
    query.set('offset', String(at));
    return html`<a href="${base}/dlq?${query.toString()}">${label}</a>`;
  };
  const hasFilter = Object.keys(form).length > 0;
  const actions = opts.canWrite
    ? html`<form id="bulk" method="post" action="${base}/dlq/action" class="actions">
        ${csrfField(opts.csrfToken)}${hiddenFields(form, [], 'ids')}
        <button name="action" value="replay">Replay ticked</button>
        <button name="action" value="discard" class="danger">Discard ticked</button></form>
      ${
        hasFilter
          ? html`<form method="post" action="${base}/dlq/action" class="actions">
        ${csrfField(opts.csrfToken)}${hiddenFields(form, [], 'filter')}
        <button name="action" value="replay">Replay all ${total} matching</button>
        <button name="action" value="discard" class="danger">Discard all ${total} matching</button></form>`
          : ''
      }`
    : html`<p class="note">Read-only: replay and discard need the admin role.</p>`;
  return html`${filterForm(form)}${opts.error ? html`<p class="error">${opts.error}</p>` : ''}
    <p><strong class="total">${total}</strong> entries${hasFilter ? ' match' : ''}.</p>${actions}
    <table class="dlq"><thead><tr><th></th><th>Last failure</th><th>Tenant</th><th>Chat</th><th>Error class</th>
    <th>Last error</th><th>Attempts</th><th>Replays</th><th>Overtaken</th><th>Job</th></tr></thead>
    <tbody>${entries.map((entry) => entryRow(base, entry))}</tbody></table>
    <p class="pages">${offset > 0 ? pageLink(Math.max(0, offset - limit), '← newer') : ''}
    ${offset + limit < total ? pageLink(offset + limit, 'older →') : ''}</p>`;
}

/** One entry: payload (redacted), error, stack, attempts and timeline, with replay/discard buttons. */
export function dlqDetailPage(opts: {
  base: string;
  csrfToken: string;
  entry: DeadLetterEntry;
  canWrite: boolean;
}): SafeHtml {
  const { base, entry } = opts;
  const timeline = [
    ['First failure', formatTime(entry.firstFailedAt)],
    ['Last failure', formatTime(entry.lastFailedAt)],
    ['Attempts (last run)', String(entry.attemptsMade)],
    ['Replays so far', String(entry.replays)],
  ];
  const fields = [
    ['Entry', entry.id],
    ['Source queue', entry.sourceQueue],
    ['Source job', entry.sourceJobId],
    ['Job name', entry.jobName],
    ['Tenant', entry.tenant ?? '–'],
    ['Chat', redactText(entry.chatId) || '–'],
    ['WhatsApp message', redactText(entry.messageId) || '–'],
    ['Error class', entry.errorClass],
    ['Later messages overtook it', entry.overtaken ? 'yes' : 'no'],
  ];
  const row = ([name, value]: string[]) => html`<tr><th>${name}</th><td>${value}</td></tr>`;
  return html`<table class="fields">${fields.map(row)}${timeline.map(row)}</table>
    ${
      opts.canWrite
        ? html`<form method="post" action="${base}/dlq/action" class="actions">
      ${csrfField(opts.csrfToken)}${hiddenFields({}, [entry.id], 'ids')}
      <button name="action" value="replay">Replay</button>
      <button name="action" value="discard" class="danger">Discard</button></form>`
        : ''
    }
    <h3>Error</h3><pre class="error">${redactText(entry.lastError)}</pre>
    <h3>Stack</h3><pre>${redactText(entry.stack) || '–'}</pre>
    <h3>Payload</h3><pre>${JSON.stringify(redactForDisplay(entry.payload), null, 2)}</pre>`;
}

/** Bulk action as the form posted it. */
export function readAction(req: Request): 'replay' | 'discard' | null {
  const action = (req.body as Record<string, unknown> | undefined)?.action;
  return action === 'replay' || action === 'discard' ? action : null;
}

/** Dry run of a bulk action: how many entries it would touch. */
export async function dryRunCount(
  deadLetters: DeadLetters,
  action: 'replay' | 'discard',
  selection: DeadLetterSelection,
): Promise<{ matched: number; missing: string[] }> {
  const result =
    action === 'replay'
      ? await deadLetters.replay(selection, { dryRun: true })
      : await deadLetters.discard(selection, { dryRun: true });
  return { matched: result.matched, missing: result.missing };
}
