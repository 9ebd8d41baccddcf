/** Account-level endpoints: agents, teams and labels (chatwoot-api.md §5.6, §7). */
import { unprocessable } from './errors.js';
import type { SimContext, SimRoute } from './router.js';
import { agentJson } from './serialize.js';
import { SIM_TEAM } from './store.js';

const LABEL_TITLE = /^[a-z0-9_-]+$/;

/** Labels have no ids in the store: the position in insertion order stands in for one. */
function labelJson(title: string, index: number): Record<string, unknown> {
  return { id: index + 1, title, description: null, color: '#1f93ff', show_on_sidebar: true };
}

function listLabels(ctx: SimContext) {
  const titles = [...ctx.store.account(ctx.accountId).labels];
  return { body: { payload: titles.map(labelJson) } };
}

function createLabel(ctx: SimContext) {
  const labels = ctx.store.account(ctx.accountId).labels;
  const title = String(ctx.body.title ?? '').toLowerCase();
  if (!LABEL_TITLE.test(title)) throw unprocessable('Title is invalid');
  if (labels.has(title)) throw unprocessable('Title has already been taken');
  labels.add(title);
  return { body: labelJson(title, labels.size - 1) };
}

/** Routes of the account endpoints; agents and teams are bare arrays (no envelope). */
export const accountRoutes: SimRoute[] = [
  { method: 'GET', template: '/agents', handler: () => ({ body: [agentJson()] }) },
  { method: 'GET', template: '/teams', handler: () => ({ body: [{ ...SIM_TEAM, description: '' }] }) },
  { method: 'GET', template: '/labels', handler: listLabels },
  { method: 'POST', template: '/labels', handler: createLabel },
];
