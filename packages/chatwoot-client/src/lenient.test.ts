import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ChatwootClient, createChatwootClient, isChatwootError } from './index.js';

/** Answers with the customer's seed-doc shapes (flat contact, bare arrays, string message_type...). */
const SEED_ANSWERS: Record<string, unknown> = {
  'POST /api/v1/accounts/7/contacts': {
    id: 123,
    name: 'John Doe',
    phone_number: '+31612345678',
    identifier: 'j',
  },
  'GET /api/v1/accounts/7/contacts/search': {
    payload: [{ id: 123, name: 'John', contact_inboxes: [{ inbox_id: 1, source_id: 's-1' }] }],
  },
  'GET /api/v1/accounts/7/conversations/456': {
    id: 456,
    status: 'open',
    inbox_id: 1,
    contact_id: 123,
    meta: { sender: { id: 123 } },
  },
  'POST /api/v1/accounts/7/conversations': { id: 456, status: 'open', inbox_id: 1, contact_id: 123 },
  'GET /api/v1/accounts/7/conversations/456/messages': [
    {
      id: 789,
      content: 'Hello',
      message_type: 'incoming',
      created_at: '2025-01-15T10:30:00Z',
      sender: { id: 1 },
    },
  ],
  'POST /api/v1/accounts/7/contacts/123/contact_inboxes': {
    id: 10,
    contact_id: 123,
    inbox_id: 1,
    source_id: 's-9',
  },
  'GET /api/v1/accounts/7/conversations': { data: { payload: [{ id: 456, status: 1, inbox_id: 1 }] } },
  'POST /api/v1/accounts/7/conversations/456/toggle_status': { id: 456, status: 'resolved' },
  'GET /api/v1/accounts/7/inboxes/1': { id: 1, name: 'WhatsApp', channel_type: 'Channel::Api' },
  'POST /api/v1/accounts/7/conversations/456/labels': '',
  'GET /api/v1/accounts/7/contacts/5': { hello: 'no id here' },
  'POST /api/v1/accounts/7/contacts/filter': { payload: [] },
};

let server: Server;
let client: ChatwootClient;
let lastHeaders: Record<string, unknown> = {};

beforeAll(async () => {
  server = createServer((req, res) => {
    lastHeaders = req.headers;
    const key = `${req.method} ${new URL(req.url ?? '/', 'http://x').pathname}`;
    req.resume();
    req.on('end', () => {
      if (key === 'PUT /api/v1/accounts/7/contacts/123') {
        res.writeHead(422, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({
            message: 'Validation failed',
            errors: { phone_number: ['has already been taken'] },
          }),
        );
        return;
      }
      const answer = SEED_ANSWERS[key];
      if (answer === undefined) {
        res.writeHead(404, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: 'Resource not found' }));
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(typeof answer === 'string' ? answer : JSON.stringify(answer));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  client = createChatwootClient({ baseUrl: `http://127.0.0.1:${port}`, apiToken: 'tok', accountId: 7 });
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe('lenient parsing of seed-doc shapes', () => {
  it('accepts a flat created contact and finds its source id in contact_inboxes when present', async () => {
    const { contact, sourceId } = await client.createContact({ name: 'John Doe', inbox_id: 1 });
    expect(contact).toMatchObject({
      id: 123,
      phone_number: '+31612345678',
      custom_attributes: {},
      contact_inboxes: [],
    });
    expect(sourceId).toBeNull();
    expect(lastHeaders['api-access-token']).toBe('tok');
    expect(lastHeaders['api_access_token']).toBeUndefined();
  });

  it('accepts search without meta and contact_inboxes with inbox_id', async () => {
    const { contacts, hasMore } = await client.searchContacts('John');
    expect(contacts[0]?.contact_inboxes).toEqual([{ inbox_id: 1, source_id: 's-1' }]);
    expect(hasMore).toBe(false);
  });

  it('accepts conversations with contact_id, integer statuses and seed toggle answers', async () => {
    expect(await client.getConversation(456)).toMatchObject({ id: 456, contact_id: 123, source_id: null });
    expect(await client.createConversation({ contact_id: 123, inbox_id: 1 })).toMatchObject({
      contact_id: 123,
    });
    expect((await client.listConversations())[0]?.status).toBe('resolved');
    expect(await client.toggleStatus(456, { status: 'resolved' })).toEqual({ currentStatus: 'resolved' });
  });

  it('accepts a bare message array with string message_type and ISO created_at', async () => {
    const [message] = await client.listMessages(456);
    expect(message).toMatchObject({
      id: 789,
      message_type: 'incoming',
      created_at: 1736937000,
      private: false,
    });
  });

  it('accepts the seed contact_inbox shape, an inbox, and an empty labels answer', async () => {
    expect(await client.createContactInbox(123, { inbox_id: 1, source_id: 's-9' })).toEqual({
      sourceId: 's-9',
      inboxId: 1,
    });
    expect(await client.getInbox(1)).toMatchObject({ id: 1, lock_to_single_conversation: false });
    expect(await client.setConversationLabels(456, ['a'])).toEqual(['a']);
    expect(await client.filterContacts([{ attribute: 'email', value: 'x@y.z' }])).toEqual([]);
  });

  it('reads the seed 422 errors hash and the seed 404 body', async () => {
    const err = await client.updateContact(123, { phone_number: '+1' }).catch((e: unknown) => e);
    expect(err).toMatchObject({ kind: 'validation', detail: 'Validation failed' });
    const notFound = await client.listInboxes().catch((e: unknown) => e);
    expect(notFound).toMatchObject({ kind: 'not_found', detail: 'Resource not found' });
  });

  it('turns an unusable 2xx body into a server error', async () => {
    const err = await client.getContact(5).catch((e: unknown) => e);
    expect(isChatwootError(err) && err.kind === 'server' && err.status === 200).toBe(true);
  });
});
