/** Conversation, assignment and label endpoints (chatwoot-api.md §5, §7). */
import { randomUUID } from 'node:crypto';
import { internalError, notFound, SimHttpError } from './errors.js';
import { buildMessage } from './messageRoutes.js';
import type { SimContext, SimRoute } from './router.js';
import { agentJson, conversationJson } from './serialize.js';
import { nowSeconds, SIM_AGENT, SIM_TEAM } from './store.js';
import {
  SIM_CONVERSATION_STATUSES,
  type SimContactInbox,
  type SimConversation,
  type SimConversationStatus,
} from './types.js';

const PER_PAGE = 25;

function parseStatus(v: unknown): SimConversationStatus | null {
  if (v === undefined || v === null || v === '') return null;
  const s = String(v);
  // Rails raises ArgumentError for an unknown enum value, which is not rescued.
  if (!(SIM_CONVERSATION_STATUSES as readonly string[]).includes(s))
    throw internalError(`ArgumentError: '${s}' is not a valid status`);
  return s as SimConversationStatus;
}

function record(v: unknown): Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

function list(ctx: SimContext) {
  const q = ctx.query;
  const status = q.get('status') || 'open';
  const inboxId = q.get('inbox_id');
  const sourceId = q.get('source_id');
  const filtered = [...ctx.store.account(ctx.accountId).conversations.values()].filter(
    (c) =>
      (status === 'all' || c.status === status) &&
      (!inboxId || c.inboxId === Number(inboxId)) &&
      (!sourceId || ctx.store.contactInboxes.get(c.contactInboxId)?.sourceId === sourceId),
  );
  const assigneeType = q.get('assignee_type');
  const byAssignee = filtered.filter((c) => {
    if (assigneeType === 'me') return c.assigneeId === SIM_AGENT.id;
    if (assigneeType === 'unassigned') return c.assigneeId === null;
    if (assigneeType === 'assigned') return c.assigneeId !== null;
    return true;
  });
  const page = Math.max(1, Number(q.get('page') ?? '1') || 1);
  const sorted = byAssignee.sort((a, b) => b.last_activity_at - a.last_activity_at || b.id - a.id);
  return {
    body: {
      data: {
        meta: {
          mine_count: filtered.filter((c) => c.assigneeId === SIM_AGENT.id).length,
          assigned_count: filtered.filter((c) => c.assigneeId !== null).length,
          unassigned_count: filtered.filter((c) => c.assigneeId === null).length,
          all_count: filtered.length,
        },
        payload: sorted
          .slice((page - 1) * PER_PAGE, page * PER_PAGE)
          .map((c) => conversationJson(ctx.store, c)),
      },
    },
  };
}

function resolveContactInbox(ctx: SimContext): SimContactInbox {
  const b = ctx.body;
  const sourceId =
    b.source_id === undefined || b.source_id === null || b.source_id === '' ? null : String(b.source_id);
  if (b.contact_id === undefined || b.inbox_id === undefined) {
    // `source_id` only: a global lookup, not scoped to account or inbox.
    const found = [...ctx.store.contactInboxes.values()].find((ci) => ci.sourceId === sourceId);
    if (!found) throw notFound();
    return found;
  }
  const contact = ctx.store.contact(ctx.accountId, b.contact_id);
  const inbox = ctx.store.inbox(ctx.accountId, b.inbox_id);
  if (sourceId !== null) {
    const taken = [...ctx.store.contactInboxes.values()].some(
      (ci) => ci.inboxId === inbox.id && ci.sourceId === sourceId && ci.contactId !== contact.id,
    );
    if (taken) throw new SimHttpError(422, { error: 'source_id should be unique' });
  }
  return ctx.store.buildContactInbox(contact, inbox, sourceId, nowSeconds());
}

function create(ctx: SimContext) {
  const b = ctx.body;
  const requested = parseStatus(b.status);
  const contactInbox = resolveContactInbox(ctx);
  const account = ctx.store.account(ctx.accountId);
  const inbox = ctx.store.inboxes.get(contactInbox.inboxId);
  if (inbox?.lockToSingleConversation) {
    const last = [...account.conversations.values()]
      .filter((c) => c.contactInboxId === contactInbox.id)
      .at(-1);
    if (last) return { body: conversationJson(ctx.store, last) };
  }
  const contact = account.contacts.get(contactInbox.contactId);
  const now = nowSeconds();
  const conversation: SimConversation = {
    id: ctx.store.nextId('conversation'),
    displayId: account.nextDisplayId++,
    accountId: ctx.accountId,
    uuid: randomUUID(),
    inboxId: contactInbox.inboxId,
    contactId: contactInbox.contactId,
    contactInboxId: contactInbox.id,
    status: contact?.blocked ? 'resolved' : (requested ?? 'open'),
    snoozedUntil: typeof b.snoozed_until === 'number' ? b.snoozed_until : null,
    labels: [],
    assigneeId: b.assignee_id === SIM_AGENT.id ? SIM_AGENT.id : null,
    teamId: b.team_id === SIM_TEAM.id ? SIM_TEAM.id : null,
    additional_attributes: record(b.additional_attributes),
    custom_attributes: record(b.custom_attributes),
    created_at: now,
    updated_at: Date.now() / 1000,
    last_activity_at: now,
  };
  account.conversations.set(conversation.displayId, conversation);
  const initial = record(b.message);
  if (Object.keys(initial).length > 0) {
    try {
      buildMessage(ctx, conversation, initial, []);
    } catch (err) {
      account.conversations.delete(conversation.displayId); // one transaction in Chatwoot
      throw err;
    }
  }
  return { body: conversationJson(ctx.store, conversation) };
}

function toggleStatus(ctx: SimContext) {
  const conversation = ctx.store.conversation(ctx.accountId, ctx.params.id);
  const requested = parseStatus(ctx.body.status);
  const next = requested ?? (conversation.status === 'open' ? 'resolved' : 'open');
  conversation.status = next;
  conversation.snoozedUntil =
    next === 'snoozed' && ctx.body.snoozed_until !== undefined ? Number(ctx.body.snoozed_until) : null;
  conversation.updated_at = Date.now() / 1000;
  return {
    body: {
      meta: {},
      payload: {
        success: true,
        conversation_id: conversation.displayId,
        current_status: conversation.status,
        snoozed_until: conversation.snoozedUntil,
      },
    },
  };
}

function assign(ctx: SimContext) {
  const conversation = ctx.store.conversation(ctx.accountId, ctx.params.id);
  if ('assignee_id' in ctx.body) {
    // An unknown assignee silently unassigns.
    const known = Number(ctx.body.assignee_id) === SIM_AGENT.id;
    conversation.assigneeId = known ? SIM_AGENT.id : null;
    return { body: known ? agentJson() : null };
  }
  if ('team_id' in ctx.body) {
    const known = Number(ctx.body.team_id) === SIM_TEAM.id;
    conversation.teamId = known ? SIM_TEAM.id : null;
    return { body: known ? { ...SIM_TEAM } : null };
  }
  return { body: null };
}

function setLabels(ctx: SimContext) {
  const conversation = ctx.store.conversation(ctx.accountId, ctx.params.id);
  const raw = ctx.body.labels;
  // Strong params drop a non-array `labels`, and nil wipes the set.
  const labels = Array.isArray(raw) ? [...new Set(raw.map(String).filter((l) => l !== ''))] : [];
  if (ctx.settings.labelMode === 'seed') {
    const known = ctx.store.account(ctx.accountId).labels;
    if (labels.some((l) => !known.has(l.toLowerCase())))
      throw new SimHttpError(404, { error: 'Resource not found' });
  }
  conversation.labels = labels;
  conversation.updated_at = Date.now() / 1000;
  return { body: { payload: conversation.labels } };
}

/** Routes of the conversation endpoints. */
export const conversationRoutes: SimRoute[] = [
  { method: 'GET', template: '/conversations', handler: list },
  { method: 'POST', template: '/conversations', handler: create },
  {
    method: 'GET',
    template: '/conversations/:id',
    handler: (ctx) => ({
      body: conversationJson(ctx.store, ctx.store.conversation(ctx.accountId, ctx.params.id)),
    }),
  },
  { method: 'POST', template: '/conversations/:id/toggle_status', handler: toggleStatus },
  { method: 'POST', template: '/conversations/:id/assignments', handler: assign },
  {
    method: 'GET',
    template: '/conversations/:id/labels',
    handler: (ctx) => ({ body: { payload: ctx.store.conversation(ctx.accountId, ctx.params.id).labels } }),
  },
  { method: 'POST', template: '/conversations/:id/labels', handler: setLabels },
];
