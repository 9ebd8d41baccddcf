import type { CallOptions, RequestFn } from './http.js';
import {
  asNum,
  asObj,
  asStr,
  contactFromBody,
  listOf,
  toContact,
  toConversation,
  unwrapPayload,
} from './parse.js';
import type {
  Contact,
  ContactFilterCondition,
  Conversation,
  CreateContactInput,
  UpdateContactInput,
} from './types.js';

/** Chatwoot pages contact lists by 15. */
export const CONTACTS_PER_PAGE = 15;
/** `filterContacts` never follows more pages than this. */
export const FILTER_MAX_PAGES = 5;

/** Contact endpoints of the client. */
export interface ContactMethods {
  /**
   * Exact lookup (`POST /contacts/filter`, `equal_to` conditions OR-ed). Follows pages while they come back
   * full, at most {@link FILTER_MAX_PAGES}. Chatwoot only matches contacts with an email, phone or identifier.
   */
  filterContacts(conditions: ContactFilterCondition[], opts?: CallOptions): Promise<Contact[]>;
  /**
   * Fuzzy substring search (`GET /contacts/search`). Never use it for identity; throws a TypeError on a blank
   * query.
   */
  searchContacts(
    q: string,
    page?: number,
    opts?: CallOptions,
  ): Promise<{ contacts: Contact[]; hasMore: boolean }>;
  /** `GET /contacts/:id`. */
  getContact(id: number, opts?: CallOptions): Promise<Contact>;
  /**
   * `POST /contacts`. With `inbox_id` Chatwoot also creates a contact_inbox; `sourceId` is its source id
   * (null when none was created or the server answered the seed doc's flat shape without one).
   */
  createContact(
    input: CreateContactInput,
    opts?: CallOptions,
  ): Promise<{ contact: Contact; sourceId: string | null }>;
  /** `PUT /contacts/:id`; attribute hashes are merged shallowly by Chatwoot. */
  updateContact(id: number, input: UpdateContactInput, opts?: CallOptions): Promise<Contact>;
  /** `POST /contacts/:id/contact_inboxes`; idempotent only because `source_id` is required here. */
  createContactInbox(
    contactId: number,
    input: { inbox_id: number; source_id: string },
    opts?: CallOptions,
  ): Promise<{ sourceId: string; inboxId: number }>;
  /** `GET /contacts/:id/conversations`: all statuses, newest activity first, at most 20. */
  listContactConversations(contactId: number, opts?: CallOptions): Promise<Conversation[]>;
}

function filterBody(conditions: ContactFilterCondition[]) {
  return {
    payload: conditions.map((c, i) => ({
      attribute_key: c.attribute,
      filter_operator: 'equal_to',
      values: [c.value],
      query_operator: i === conditions.length - 1 ? null : 'OR',
    })),
  };
}

const contactList = (body: unknown): Contact[] => listOf(body).map(toContact);

/** Builds the contact methods on top of a requester. */
export function createContactMethods(request: RequestFn): ContactMethods {
  return {
    async filterContacts(conditions, opts) {
      if (conditions.length === 0) throw new TypeError('filterContacts: at least one condition is required');
      const seen = new Map<number, Contact>();
      for (let page = 1; page <= FILTER_MAX_PAGES; page++) {
        const contacts = await request(
          {
            method: 'POST',
            path: '/contacts/filter',
            template: '/contacts/filter',
            query: { page },
            json: filterBody(conditions),
            signal: opts?.signal,
          },
          contactList,
        );
        for (const c of contacts) seen.set(c.id, c);
        if (contacts.length < CONTACTS_PER_PAGE) break;
      }
      return [...seen.values()];
    },

    async searchContacts(q, page = 1, opts) {
      if (q.trim() === '') throw new TypeError('searchContacts: q must not be blank');
      return request(
        {
          method: 'GET',
          path: '/contacts/search',
          template: '/contacts/search',
          query: { q: q.trim(), page },
          signal: opts?.signal,
        },
        (body) => {
          const contacts = contactList(body);
          const hasMore = asObj(asObj(body)?.meta)?.has_more;
          // Before 4.11 (and in the seed doc) there is no has_more: a full page may have a successor.
          return {
            contacts,
            hasMore: typeof hasMore === 'boolean' ? hasMore : contacts.length >= CONTACTS_PER_PAGE,
          };
        },
      );
    },

    getContact(id, opts) {
      return request(
        { method: 'GET', path: `/contacts/${id}`, template: '/contacts/:id', signal: opts?.signal },
        contactFromBody,
      );
    },

    createContact(input, opts) {
      return request(
        { method: 'POST', path: '/contacts', template: '/contacts', json: input, signal: opts?.signal },
        (body) => {
          const contact = contactFromBody(body);
          const contactInbox = asObj(asObj(unwrapPayload(body))?.contact_inbox);
          let sourceId = asStr(contactInbox?.source_id);
          if (sourceId === null && input.inbox_id !== undefined) {
            sourceId =
              contact.contact_inboxes.find((ci) => ci.inbox_id === input.inbox_id)?.source_id ?? null;
          }
          return { contact, sourceId };
        },
      );
    },

    updateContact(id, input, opts) {
      return request(
        {
          method: 'PUT',
          path: `/contacts/${id}`,
          template: '/contacts/:id',
          json: input,
          signal: opts?.signal,
        },
        contactFromBody,
      );
    },

    createContactInbox(contactId, input, opts) {
      return request(
        {
          method: 'POST',
          path: `/contacts/${contactId}/contact_inboxes`,
          template: '/contacts/:id/contact_inboxes',
          json: input,
          signal: opts?.signal,
        },
        (body) => {
          // Real: {source_id, inbox:{id,...}}; seed: {id, contact_id, inbox_id, source_id}.
          const o = asObj(unwrapPayload(body));
          return {
            sourceId: asStr(o?.source_id) ?? input.source_id,
            inboxId: asNum(asObj(o?.inbox)?.id) ?? asNum(o?.inbox_id) ?? input.inbox_id,
          };
        },
      );
    },

    listContactConversations(contactId, opts) {
      return request(
        {
          method: 'GET',
          path: `/contacts/${contactId}/conversations`,
          template: '/contacts/:id/conversations',
          signal: opts?.signal,
        },
        (body) => listOf(body).map(toConversation),
      );
    },
  };
}
