/** Contact endpoints (chatwoot-api.md §4). */
import { recordInvalid, SimHttpError, type ValidationFailure } from './errors.js';
import type { SimContext, SimRoute } from './router.js';
import { contactInboxJson, contactJson, conversationJson, inboxRefJson } from './serialize.js';
import { nowSeconds, type SimStore } from './store.js';
import type { SimContact } from './types.js';

const PER_PAGE = 15;
const E164_PATTERN = /\+[1-9]\d{1,14}$/;
const EMAIL_PATTERN = /^[^@\s]+@[^@\s]+$/;
const FILTER_KEYS = ['name', 'email', 'phone_number', 'identifier'] as const;
type FilterKey = (typeof FILTER_KEYS)[number];

function optionalString(v: unknown): string | null {
  if (v === undefined || v === null) return null;
  const s = String(v);
  return s === '' ? null : s;
}

function record(v: unknown): Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

function page(ctx: SimContext): number {
  const n = Number(ctx.query.get('page') ?? '1');
  return Number.isInteger(n) && n > 0 ? n : 1;
}

/** Model validations of app/models/contact.rb, in declaration order. */
function validateContact(store: SimStore, c: SimContact): void {
  const failures: ValidationFailure[] = [];
  const others = [...store.account(c.accountId).contacts.values()].filter((o) => o.id !== c.id);
  if (c.email !== null) {
    if (others.some((o) => o.email === c.email)) failures.push(['email', 'Email has already been taken']);
    if (!EMAIL_PATTERN.test(c.email)) failures.push(['email', 'Email Invalid email']);
  }
  if (c.identifier !== null && others.some((o) => o.identifier === c.identifier)) {
    failures.push(['identifier', 'Identifier has already been taken']);
  }
  if (c.phone_number !== null) {
    if (others.some((o) => o.phone_number === c.phone_number)) {
      failures.push(['phone_number', 'Phone number has already been taken']);
    }
    if (!E164_PATTERN.test(c.phone_number))
      failures.push(['phone_number', 'Phone number should be in e164 format']);
  }
  if ((c.name?.length ?? 0) > 255) failures.push(['name', 'Name is too long (maximum is 255 characters)']);
  if (failures.length) throw recordInvalid(failures);
}

function likePattern(q: string, flags: string): RegExp {
  const body = q
    .split('')
    .map((ch) => (ch === '%' ? '.*' : ch === '_' ? '.' : ch.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
    .join('');
  return new RegExp(body, flags);
}

function search(ctx: SimContext) {
  const q = (ctx.query.get('q') ?? '').trim();
  const p = page(ctx);
  if (q === '') return { body: { meta: { count: 0, current_page: p, has_more: false }, payload: [] } };
  const ci = likePattern(q, 'i');
  const cs = likePattern(q, '');
  const matches = [...ctx.store.account(ctx.accountId).contacts.values()].filter(
    (c) =>
      [c.name, c.email, c.phone_number].some((v) => v !== null && ci.test(v)) ||
      (c.identifier !== null && cs.test(c.identifier)),
  );
  const slice = matches.slice((p - 1) * PER_PAGE, p * PER_PAGE);
  const withInboxes = ctx.query.get('include_contact_inboxes') !== 'false';
  return {
    body: {
      meta: { count: slice.length, current_page: p, has_more: matches.length > p * PER_PAGE },
      payload: slice.map((c) => contactJson(ctx.store, c, withInboxes)),
    },
  };
}

function conditionMatches(c: SimContact, key: FilterKey, operator: string, values: string[]): boolean {
  const stored = c[key];
  const normalise = (v: string) => (key === 'phone_number' ? `+${v.replace(/\D/g, '')}` : v.toLowerCase());
  const wanted = values.map(normalise);
  const actual = stored === null ? null : key === 'phone_number' ? stored : stored.toLowerCase();
  if (operator === 'equal_to') return actual !== null && wanted.includes(actual);
  if (operator === 'not_equal_to') return actual === null || !wanted.includes(actual);
  if (operator === 'contains') return actual !== null && wanted.some((w) => actual.includes(w));
  return actual === null || !wanted.some((w) => actual.includes(w));
}

function filter(ctx: SimContext) {
  const conditions = ctx.body.payload;
  if (!Array.isArray(conditions) || conditions.length === 0) {
    throw new SimHttpError(422, { error: 'param is missing or the value is empty: payload' });
  }
  // SQL precedence: AND binds tighter than OR, so split into OR-groups of AND-ed conditions.
  const groups: Array<Array<(c: SimContact) => boolean>> = [[]];
  for (const raw of conditions) {
    const cond = record(raw);
    const key = String(cond.attribute_key);
    const operator = String(cond.filter_operator);
    if (!(FILTER_KEYS as readonly string[]).includes(key)) {
      throw new SimHttpError(422, { error: `Invalid attribute key - ${key}` });
    }
    if (!['equal_to', 'not_equal_to', 'contains', 'does_not_contain'].includes(operator)) {
      throw new SimHttpError(422, {
        error: `Invalid operator. The allowed operators for ${key} are [equal_to,not_equal_to,contains,does_not_contain].`,
      });
    }
    const values = (Array.isArray(cond.values) ? cond.values : [cond.values]).map(String);
    groups.at(-1)?.push((c) => conditionMatches(c, key as FilterKey, operator, values));
    if (String(cond.query_operator).toUpperCase() === 'OR') groups.push([]);
  }
  const resolved = [...ctx.store.account(ctx.accountId).contacts.values()].filter(
    (c) => c.email !== null || c.phone_number !== null || c.identifier !== null,
  );
  const matches = resolved.filter((c) => groups.some((g) => g.length > 0 && g.every((test) => test(c))));
  const p = page(ctx);
  return {
    body: {
      meta: { count: matches.length, current_page: p },
      payload: matches.slice((p - 1) * PER_PAGE, p * PER_PAGE).map((c) => contactJson(ctx.store, c)),
    },
  };
}

function create(ctx: SimContext) {
  const b = ctx.body;
  const now = nowSeconds();
  const contact: SimContact = {
    id: 0,
    accountId: ctx.accountId,
    name: optionalString(b.name),
    email: optionalString(b.email)?.toLowerCase() ?? null,
    phone_number: optionalString(b.phone_number),
    identifier: optionalString(b.identifier),
    blocked: b.blocked === true || b.blocked === 'true',
    additional_attributes: record(b.additional_attributes),
    custom_attributes: record(b.custom_attributes),
    created_at: now,
    last_activity_at: null,
  };
  validateContact(ctx.store, contact);
  // The inbox is checked before anything is stored: an unknown inbox rolls back the whole create.
  const inbox =
    b.inbox_id !== undefined && b.inbox_id !== null ? ctx.store.inbox(ctx.accountId, b.inbox_id) : null;
  contact.id = ctx.store.nextId('contact');
  ctx.store.account(ctx.accountId).contacts.set(contact.id, contact);
  let contactInbox = null;
  if (inbox) {
    try {
      contactInbox = ctx.store.buildContactInbox(contact, inbox, optionalString(b.source_id), now);
    } catch (err) {
      ctx.store.account(ctx.accountId).contacts.delete(contact.id);
      throw err;
    }
  }
  return {
    body: {
      payload: {
        contact: contactJson(ctx.store, contact),
        contact_inbox: {
          inbox: inbox ? inboxRefJson(inbox) : null,
          source_id: contactInbox?.sourceId ?? null,
        },
      },
    },
  };
}

function update(ctx: SimContext) {
  const current = ctx.store.contact(ctx.accountId, ctx.params.id);
  const b = ctx.body;
  const next: SimContact = { ...current };
  if ('name' in b) next.name = optionalString(b.name);
  if ('email' in b) next.email = optionalString(b.email)?.toLowerCase() ?? null;
  if ('phone_number' in b) next.phone_number = optionalString(b.phone_number);
  if ('identifier' in b) next.identifier = optionalString(b.identifier);
  if ('blocked' in b) next.blocked = b.blocked === true || b.blocked === 'true';
  next.custom_attributes = { ...current.custom_attributes, ...record(b.custom_attributes) };
  next.additional_attributes = { ...current.additional_attributes, ...record(b.additional_attributes) };
  validateContact(ctx.store, next);
  Object.assign(current, next);
  return { body: { payload: contactJson(ctx.store, current) } };
}

function addContactInbox(ctx: SimContext) {
  const contact = ctx.store.contact(ctx.accountId, ctx.params.id);
  if (ctx.body.inbox_id === undefined)
    throw new SimHttpError(422, { error: 'param is missing or the value is empty: inbox_id' });
  const inbox = ctx.store.inbox(ctx.accountId, ctx.body.inbox_id);
  const ci = ctx.store.buildContactInbox(contact, inbox, optionalString(ctx.body.source_id), nowSeconds());
  return { body: contactInboxJson(ctx.store, ci) };
}

function contactConversations(ctx: SimContext) {
  const contact = ctx.store.contact(ctx.accountId, ctx.params.id);
  const list = [...ctx.store.account(ctx.accountId).conversations.values()]
    .filter((c) => c.contactId === contact.id)
    .sort((a, b) => b.last_activity_at - a.last_activity_at || b.id - a.id)
    .slice(0, 20);
  return { body: { payload: list.map((c) => conversationJson(ctx.store, c)) } };
}

/** Routes of the contact endpoints. */
export const contactRoutes: SimRoute[] = [
  { method: 'GET', template: '/contacts/search', handler: search },
  { method: 'POST', template: '/contacts/filter', handler: filter },
  { method: 'POST', template: '/contacts', handler: create },
  {
    method: 'GET',
    template: '/contacts/:id',
    handler: (ctx) => ({
      body: { payload: contactJson(ctx.store, ctx.store.contact(ctx.accountId, ctx.params.id)) },
    }),
  },
  { method: 'PUT', template: '/contacts/:id', handler: update },
  { method: 'PATCH', template: '/contacts/:id', handler: update },
  { method: 'POST', template: '/contacts/:id/contact_inboxes', handler: addContactInbox },
  { method: 'GET', template: '/contacts/:id/conversations', handler: contactConversations },
];
