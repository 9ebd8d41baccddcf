import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
// Relative import: @relay/testing's index.ts (owned by the lead) re-exports this once it exists.
import { type ChatwootSimulator, startChatwootSimulator } from '../../testing/src/chatwootSimulator/index.js';
import { type ChatwootClient, createChatwootClient } from './index.js';

let sim: ChatwootSimulator;
let client: ChatwootClient;
const calls: Array<{ endpoint: string; status: number }> = [];
let seq = 0;
const unique = () => `${Date.now()}${++seq}`.slice(-9);

beforeAll(async () => {
  sim = await startChatwootSimulator({
    inboxes: [
      { accountId: 1, id: 1, name: 'WhatsApp' },
      { accountId: 1, id: 2, name: 'Locked', lockToSingleConversation: true },
      { accountId: 1, id: 3, name: 'Email', channelType: 'Channel::Email' },
    ],
  });
  client = createChatwootClient({
    baseUrl: `${sim.url}/`,
    apiToken: 'sim-token',
    accountId: 1,
    onCall: (info) => calls.push(info),
  });
});
afterAll(() => sim.close());
beforeEach(() => {
  calls.length = 0;
});

async function newContactWithConversation(inboxId = 1) {
  const n = unique();
  const { contact, sourceId } = await client.createContact({
    name: `C ${n}`,
    phone_number: `+3161${n.slice(-8)}`,
    identifier: `${n}@c.us`,
    inbox_id: inboxId,
    source_id: `${n}@c.us`,
  });
  const conversation = await client.createConversation({
    contact_id: contact.id,
    inbox_id: inboxId,
    source_id: sourceId ?? undefined,
  });
  return { contact, sourceId, conversation };
}

describe('contacts', () => {
  it('creates with a contact_inbox, gets, updates (merging custom attributes) and filters exactly', async () => {
    const { contact, sourceId } = await client.createContact({
      name: 'Jan',
      phone_number: '+31612345678',
      identifier: '31612345678@c.us',
      email: 'Jan@Example.com',
      inbox_id: 1,
      source_id: '31612345678@c.us',
      custom_attributes: { a: 1 },
    });
    expect(sourceId).toBe('31612345678@c.us');
    expect(contact.contact_inboxes).toEqual([{ source_id: '31612345678@c.us', inbox_id: 1 }]);
    expect(contact.email).toBe('jan@example.com');

    const updated = await client.updateContact(contact.id, { name: 'Jan B', custom_attributes: { b: 2 } });
    expect(updated.custom_attributes).toEqual({ a: 1, b: 2 });
    expect((await client.getContact(contact.id)).name).toBe('Jan B');

    const byPhone = await client.filterContacts([
      { attribute: 'phone_number', value: '31612345678' },
      { attribute: 'identifier', value: 'nobody@c.us' },
    ]);
    expect(byPhone.map((c) => c.id)).toEqual([contact.id]);
    expect(await client.filterContacts([{ attribute: 'phone_number', value: '+316123' }])).toEqual([]);
    expect(calls.at(-1)).toMatchObject({ endpoint: 'POST /contacts/filter', status: 200 });
  });

  it('searches fuzzily (substring) while filter stays exact', async () => {
    const { contacts } = await client.searchContacts('+316123');
    expect(contacts.some((c) => c.phone_number === '+31612345678')).toBe(true);
    await client.createContact({ name: 'Xavier', email: 'xa@b.com' });
    await client.createContact({ name: 'Alice', email: 'a@b.com' });
    const fuzzy = await client.searchContacts('a@b.com');
    expect(fuzzy.contacts.map((c) => c.email).sort()).toEqual(['a@b.com', 'xa@b.com']);
    expect(fuzzy.hasMore).toBe(false);
    const exact = await client.filterContacts([{ attribute: 'email', value: 'A@B.com' }]);
    expect(exact.map((c) => c.email)).toEqual(['a@b.com']);
    expect(sim.requests.at(-2)?.path).toContain('/contacts/search');
    await expect(client.searchContacts('  ')).rejects.toThrow(TypeError);
  });

  it('encodes + as %2B in the search query', async () => {
    const before = sim.requests.length;
    await client.searchContacts('+316123', 2);
    const req = sim.requests[before];
    expect(req).toMatchObject({ endpoint: 'GET /contacts/search', query: '?q=%2B316123&page=2' });
    expect(req?.tokenHash).toMatch(/^[0-9a-f]{12}$/);
  });

  it('follows filter pages while they are full (max 5)', async () => {
    const tag = unique();
    for (let i = 0; i < 17; i++) await client.createContact({ email: `p${i}-${tag}@x.io` });
    const conds = Array.from({ length: 17 }, (_, i) => ({
      attribute: 'email' as const,
      value: `p${i}-${tag}@x.io`,
    }));
    sim.clearRequests();
    const found = await client.filterContacts(conds);
    expect(found).toHaveLength(17);
    expect(sim.requests.filter((r) => r.endpoint === 'POST /contacts/filter')).toHaveLength(2);
  });

  it('adds a contact inbox idempotently and lists contact conversations', async () => {
    const { contact, conversation } = await newContactWithConversation();
    const ci = await client.createContactInbox(contact.id, { inbox_id: 1, source_id: 'extra-src' });
    expect(ci).toEqual({ sourceId: 'extra-src', inboxId: 1 });
    expect(await client.createContactInbox(contact.id, { inbox_id: 1, source_id: 'extra-src' })).toEqual(ci);
    const list = await client.listContactConversations(contact.id);
    expect(list.map((c) => c.id)).toEqual([conversation.id]);
    expect(list[0]?.contact_id).toBe(contact.id);
  });
});

describe('conversations', () => {
  it('uses display ids that differ from global ids', async () => {
    const { conversation, contact, sourceId } = await newContactWithConversation();
    const stored = sim.conversations(1).find((c) => c.displayId === conversation.id);
    expect(stored).toBeDefined();
    expect(stored?.id).not.toBe(conversation.id);
    const got = await client.getConversation(conversation.id);
    expect(got).toMatchObject({
      id: conversation.id,
      contact_id: contact.id,
      source_id: sourceId,
      status: 'open',
    });
    await expect(client.getConversation(stored?.id ?? 0)).rejects.toMatchObject({ kind: 'not_found' });
  });

  it('lists with filters, toggles status and assigns', async () => {
    const { conversation, sourceId } = await newContactWithConversation();
    const open = await client.listConversations({ inbox_id: 1, source_id: sourceId ?? '' });
    expect(open.map((c) => c.id)).toEqual([conversation.id]);
    expect(await client.toggleStatus(conversation.id, { status: 'resolved' })).toEqual({
      currentStatus: 'resolved',
    });
    expect(await client.listConversations({ source_id: sourceId ?? '' })).toEqual([]);
    const all = await client.listConversations({ source_id: sourceId ?? '', status: 'all' });
    expect(all[0]?.status).toBe('resolved');
    const snoozed = await client.toggleStatus(conversation.id, {
      status: 'snoozed',
      snoozed_until: 2_000_000_000,
    });
    expect(snoozed.currentStatus).toBe('snoozed');
    expect(await client.assignConversation(conversation.id, { assignee_id: 1 })).toMatchObject({ id: 1 });
    expect(await client.assignConversation(conversation.id, { assignee_id: 999 })).toBeNull();
  });

  it('reuses the last conversation on a lock_to_single_conversation inbox, whatever its status', async () => {
    const { contact, conversation, sourceId } = await newContactWithConversation(2);
    await client.toggleStatus(conversation.id, { status: 'resolved' });
    const again = await client.createConversation({
      contact_id: contact.id,
      inbox_id: 2,
      source_id: sourceId ?? '',
    });
    expect(again.id).toBe(conversation.id);
    expect(again.status).toBe('resolved');
    const other = await newContactWithConversation(1);
    const fresh = await client.createConversation({
      contact_id: other.contact.id,
      inbox_id: 1,
      source_id: other.sourceId ?? '',
    });
    expect(fresh.id).not.toBe(other.conversation.id);
  });

  it('replaces labels on POST and lists them', async () => {
    const { conversation } = await newContactWithConversation();
    expect(await client.setConversationLabels(conversation.id, ['hot-lead', 'vip'])).toEqual([
      'hot-lead',
      'vip',
    ]);
    expect(await client.setConversationLabels(conversation.id, ['vip'])).toEqual(['vip']);
    expect(await client.listConversationLabels(conversation.id)).toEqual(['vip']);
    expect(await client.getConversation(conversation.id)).toMatchObject({ labels: ['vip'] });
  });
});

describe('account: agents, teams and labels', () => {
  it('lists agents and teams (bare arrays)', async () => {
    expect(await client.listAgents()).toEqual([{ id: 1, name: 'Sim Admin' }]);
    expect(await client.listTeams()).toEqual([{ id: 1, name: 'sim-team' }]);
    expect(calls.map((c) => c.endpoint)).toEqual(['GET /agents', 'GET /teams']);
  });

  it('lists and creates account labels', async () => {
    const title = `lbl-${unique()}`;
    const created = await client.createAccountLabel(title);
    expect(created).toMatchObject({ title });
    expect(await client.listAccountLabels()).toContainEqual(created);
    await expect(client.createAccountLabel(title)).rejects.toMatchObject({ status: 422 });
    await expect(client.createAccountLabel(' ')).rejects.toThrow(TypeError);
  });
});

describe('messages and inboxes', () => {
  it('creates JSON messages, lists them in order and updates delivery status', async () => {
    const { conversation } = await newContactWithConversation();
    const incoming = await client.createMessage(conversation.id, {
      content: 'hi',
      message_type: 'incoming',
      source_id: 'wa-1',
      content_attributes: { wa: true },
    });
    expect(incoming).toMatchObject({
      message_type: 'incoming',
      source_id: 'wa-1',
      conversation_id: conversation.id,
    });
    const out = await client.createMessage(conversation.id, { content: 'yo', message_type: 'outgoing' });
    const listed = await client.listMessages(conversation.id);
    expect(listed.map((m) => m.content)).toEqual(['hi', 'yo']);
    expect(listed[0]?.content_attributes).toEqual({ wa: true });
    expect(await client.listMessages(conversation.id, { after: incoming.id })).toHaveLength(1);
    const read = await client.updateMessageStatus(conversation.id, out.id, { status: 'read' });
    expect(read.status).toBe('read');
    expect(calls.at(-1)?.endpoint).toBe('PATCH /conversations/:id/messages/:messageId');
  });

  it('uploads attachments as multipart/form-data', async () => {
    const { conversation } = await newContactWithConversation();
    const data = new Uint8Array([0xff, 0xd8, 0xff, 0x00, 0x10, 0x0d, 0x0a]);
    const message = await client.createMessage(conversation.id, {
      content: 'photo',
      message_type: 'incoming',
      private: false,
      content_attributes: { k: 'v' },
      attachments: [
        { filename: 'a.jpg', contentType: 'image/jpeg', data },
        { filename: 'b.pdf', contentType: 'application/pdf', data: new Uint8Array(3) },
      ],
    });
    expect(message.attachments.map((a) => a.file_type)).toEqual(['image', 'file']);
    const stored = sim.messages(1, conversation.id).at(-1);
    expect(stored?.attachments.map((a) => [a.filename, a.contentType, a.size])).toEqual([
      ['a.jpg', 'image/jpeg', 7],
      ['b.pdf', 'application/pdf', 3],
    ]);
    expect(stored?.content_attributes).toEqual({ k: 'v' });
    expect(stored?.message_type).toBe(0);
  });

  it('lists and gets inboxes', async () => {
    const inboxes = await client.listInboxes();
    expect(inboxes.map((i) => i.id)).toEqual([1, 2, 3]);
    expect(await client.getInbox(2)).toEqual({
      id: 2,
      name: 'Locked',
      channel_type: 'Channel::Api',
      lock_to_single_conversation: true,
    });
  });
});
