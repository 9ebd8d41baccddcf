import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ChatwootSimulator, startChatwootSimulator } from './index.js';

let sim: ChatwootSimulator;
const TOKEN = 'sim-token';

beforeAll(async () => {
  sim = await startChatwootSimulator({
    tokens: { [TOKEN]: 1, 'other-token': 2 },
    inboxes: [
      { accountId: 1, id: 1 },
      { accountId: 1, id: 5, channelType: 'Channel::Whatsapp', name: 'Cloud' },
      { accountId: 2, id: 9 },
    ],
    messagesPerMinuteLimit: 30,
  });
});
afterAll(() => sim.close());

type Json = Record<string, unknown> & { payload?: unknown };

async function api(method: string, path: string, body?: unknown, token: string | null = TOKEN, account = 1) {
  const headers: Record<string, string> = {};
  if (token) headers['api_access_token'] = token;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${sim.url}/api/v1/accounts/${account}${path}`, {
    method,
    headers,
    body: body === undefined ? null : JSON.stringify(body),
  });
  const text = await res.text();
  let json: unknown = text;
  try {
    json = JSON.parse(text);
  } catch {}
  return { status: res.status, json: json as Json, text, headers: res.headers };
}

async function contact(fields: Record<string, unknown>) {
  const res = await api('POST', '/contacts', fields);
  expect(res.status).toBe(200);
  const payload = res.json.payload as {
    contact: { id: number };
    contact_inbox: { source_id: string | null };
  };
  return { id: payload.contact.id, sourceId: payload.contact_inbox.source_id };
}

async function conversation(body: Record<string, unknown>) {
  const res = await api('POST', '/conversations', body);
  expect(res.status).toBe(200);
  return res.json as Json & { id: number; status: string; contact_inbox: { source_id: string } };
}

describe('auth and errors', () => {
  it('answers Chatwoot 401/404 bodies and never records the token', async () => {
    expect((await api('GET', '/inboxes', undefined, null)).json).toEqual({
      errors: ['You need to sign in or sign up before continuing.'],
    });
    expect((await api('GET', '/inboxes', undefined, 'nope')).json).toEqual({ error: 'Invalid Access Token' });
    expect((await api('GET', '/inboxes', undefined, TOKEN, 2)).status).toBe(401);
    expect(await api('GET', '/contacts/1')).toMatchObject({
      status: 404,
      json: { error: 'Resource could not be found' },
    });
    expect(JSON.stringify(sim.requests)).not.toContain(TOKEN);
    expect(sim.requests.at(-1)).toMatchObject({ endpoint: 'GET /contacts/:id', status: 404, accountId: 1 });
  });
});

describe('contacts', () => {
  it('validates like the model: identifier case-sensitive, email case-insensitive, E.164 phones', async () => {
    await contact({ identifier: 'Abc', email: 'Me@X.io', phone_number: '+4915112345678' });
    expect((await api('POST', '/contacts', { identifier: 'abc' })).status).toBe(200);
    expect((await api('POST', '/contacts', { identifier: 'Abc' })).json).toEqual({
      message: 'Identifier has already been taken',
      attributes: ['identifier'],
    });
    expect((await api('POST', '/contacts', { email: 'me@x.IO', phone_number: '004915' })).json).toEqual({
      message: 'Email has already been taken, Phone number should be in e164 format',
      attributes: ['email', 'phone_number'],
    });
  });

  it('creates contact_inboxes: random uuid without source_id, 500 on another contact source_id', async () => {
    const a = await contact({ name: 'a', inbox_id: 1 });
    expect(a.sourceId).toMatch(/^[0-9a-f-]{36}$/);
    const first = await api('POST', `/contacts/${a.id}/contact_inboxes`, { inbox_id: 1 });
    const second = await api('POST', `/contacts/${a.id}/contact_inboxes`, { inbox_id: 1 });
    expect(first.json.source_id).not.toBe(second.json.source_id);
    const b = await contact({ name: 'b' });
    expect(
      (await api('POST', `/contacts/${b.id}/contact_inboxes`, { inbox_id: 1, source_id: a.sourceId })).status,
    ).toBe(500);
    expect((await api('POST', '/contacts', { name: 'c', inbox_id: 9 })).status).toBe(404);
    expect(sim.contacts(1).some((c) => c.name === 'c')).toBe(false);
    const wa = await contact({ name: 'w', phone_number: '+5511999990000', inbox_id: 5 });
    expect(wa.sourceId).toBe('5511999990000');
  });

  it('search: substring, 15 per page, page-size count; filter: exact with AND/OR', async () => {
    for (let i = 0; i < 16; i++) await contact({ name: `Zed ${i}`, email: `zed${i}@q.io` });
    const page1 = await api('GET', '/contacts/search?q=zed');
    expect(page1.json.meta).toEqual({ count: 15, current_page: 1, has_more: true });
    const page2 = await api('GET', '/contacts/search?q=zed&page=2');
    expect(page2.json.meta).toEqual({ count: 1, current_page: 2, has_more: false });
    const filtered = await api('POST', '/contacts/filter', {
      payload: [
        { attribute_key: 'email', filter_operator: 'equal_to', values: ['ZED1@q.io'], query_operator: 'AND' },
        { attribute_key: 'phone_number', filter_operator: 'equal_to', values: ['+1'], query_operator: 'OR' },
        { attribute_key: 'email', filter_operator: 'equal_to', values: ['zed2@q.io'], query_operator: null },
      ],
    });
    expect((filtered.json.payload as Array<{ email: string }>).map((c) => c.email)).toEqual(['zed2@q.io']);
    expect(filtered.json.meta).toMatchObject({ count: 1 });
  });
});

describe('conversations', () => {
  it('uses per-account display ids and the §5.2 shape', async () => {
    const c = await contact({ name: 'd', inbox_id: 1, source_id: 'src-d' });
    const conv = await conversation({ contact_id: c.id, inbox_id: 1, source_id: 'src-d' });
    const stored = sim.conversations(1).find((x) => x.displayId === conv.id);
    expect(stored?.id).toBeGreaterThan(5000);
    expect(conv).toMatchObject({
      account_id: 1,
      status: 'open',
      labels: [],
      contact_inbox: { source_id: 'src-d' },
    });
    expect((conv.meta as { sender: { id: number; type: string } }).sender).toMatchObject({
      id: c.id,
      type: 'contact',
    });
    expect(Number.isInteger(conv.created_at)).toBe(true);
    const o = await api('POST', '/contacts', { name: 'o', inbox_id: 9 }, 'other-token', 2);
    const oId = (o.json.payload as { contact: { id: number } }).contact.id;
    const res = await api('POST', '/conversations', { contact_id: oId, inbox_id: 9 }, 'other-token', 2);
    expect(res.json.id).toBe(1);
    expect(
      (await api('POST', '/conversations', { contact_id: oId, inbox_id: 1 }, 'other-token', 2)).status,
    ).toBe(404);
  });

  it('creates a new contact_inbox per create without source_id; source_id only looks up globally', async () => {
    const c = await contact({ name: 'e' });
    const one = await conversation({ contact_id: c.id, inbox_id: 1 });
    const two = await conversation({ contact_id: c.id, inbox_id: 1 });
    expect(one.contact_inbox.source_id).not.toBe(two.contact_inbox.source_id);
    const three = await conversation({ source_id: one.contact_inbox.source_id });
    expect(three.contact_inbox.source_id).toBe(one.contact_inbox.source_id);
    expect((await api('POST', '/conversations', { source_id: 'missing' })).status).toBe(404);
    const other = await contact({ name: 'f' });
    const clash = await api('POST', '/conversations', {
      contact_id: other.id,
      inbox_id: 1,
      source_id: one.contact_inbox.source_id,
    });
    expect(clash).toMatchObject({ status: 422, json: { error: 'source_id should be unique' } });
    expect(
      (await api('POST', '/conversations', { contact_id: c.id, inbox_id: 1, status: 'foo' })).status,
    ).toBe(500);
  });

  it('forces resolved for blocked contacts and toggles status without a status param', async () => {
    const blocked = await contact({ name: 'g', blocked: true });
    const conv = await conversation({ contact_id: blocked.id, inbox_id: 1, status: 'open' });
    expect(conv.status).toBe('resolved');
    const toggled = await api('POST', `/conversations/${conv.id}/toggle_status`, {});
    expect(toggled.json).toEqual({
      meta: {},
      payload: { success: true, conversation_id: conv.id, current_status: 'open', snoozed_until: null },
    });
  });

  it('lists with default status open, counts in data.meta', async () => {
    const list = await api('GET', '/conversations?inbox_id=1');
    const data = list.json.data as { meta: Record<string, number>; payload: Array<{ status: string }> };
    expect(Object.keys(data.meta).sort()).toEqual([
      'all_count',
      'assigned_count',
      'mine_count',
      'unassigned_count',
    ]);
    expect(data.payload.every((c) => c.status === 'open')).toBe(true);
    expect(data.payload.length).toBeLessThanOrEqual(25);
  });

  it('labels: POST replaces, missing labels wipe; seed mode 404s unknown labels', async () => {
    const c = await contact({ name: 'h' });
    const conv = await conversation({ contact_id: c.id, inbox_id: 1 });
    expect((await api('POST', `/conversations/${conv.id}/labels`, { labels: ['a', 'b'] })).json).toEqual({
      payload: ['a', 'b'],
    });
    expect((await api('POST', `/conversations/${conv.id}/labels`, { labels: 'x' })).json).toEqual({
      payload: [],
    });
    sim.setLabelMode('seed');
    try {
      sim.createAccountLabel(1, 'Known');
      expect((await api('POST', `/conversations/${conv.id}/labels`, { labels: ['known'] })).status).toBe(200);
      expect(
        await api('POST', `/conversations/${conv.id}/labels`, { labels: ['known', 'new'] }),
      ).toMatchObject({
        status: 404,
        json: { error: 'Resource not found' },
      });
      expect((await api('GET', `/conversations/${conv.id}/labels`)).json).toEqual({ payload: ['known'] });
    } finally {
      sim.setLabelMode('source');
    }
  });
});

describe('account endpoints', () => {
  it('lists the agent and team as bare arrays', async () => {
    expect(await api('GET', '/agents')).toMatchObject({ status: 200, json: [{ id: 1, name: 'Sim Admin' }] });
    expect(await api('GET', '/teams')).toMatchObject({ status: 200, json: [{ id: 1, name: 'sim-team' }] });
  });

  it('lists and creates account labels (lower-cased, validated, unique)', async () => {
    const before = sim.accountLabels(2).length;
    const res = await api('POST', '/labels', { title: 'Hot-Lead' }, 'other-token', 2);
    expect(res).toMatchObject({ status: 200, json: { title: 'hot-lead' } });
    expect(sim.accountLabels(2)).toContain('hot-lead');
    expect((await api('POST', '/labels', { title: 'hot-lead' }, 'other-token', 2)).status).toBe(422);
    expect((await api('POST', '/labels', { title: 'no spaces' }, 'other-token', 2)).status).toBe(422);
    const list = await api('GET', '/labels', undefined, 'other-token', 2);
    expect(list.json.payload).toHaveLength(before + 1);
    expect(list.json.payload).toContainEqual(expect.objectContaining({ title: 'hot-lead' }));
  });
});

describe('messages', () => {
  it('stores messages, echoes echo_id, reopens on incoming and pages with before/after', async () => {
    const c = await contact({ name: 'm', inbox_id: 1, source_id: 'src-m' });
    const conv = await conversation({
      contact_id: c.id,
      inbox_id: 1,
      source_id: 'src-m',
      status: 'resolved',
    });
    const first = await api('POST', `/conversations/${conv.id}/messages`, {
      content: 'm0',
      message_type: 'incoming',
      source_id: 'wa-0',
      echo_id: 'e-1',
    });
    expect(first.json).toMatchObject({
      message_type: 0,
      source_id: 'wa-0',
      echo_id: 'e-1',
      conversation_id: conv.id,
    });
    expect(sim.conversations(1).find((x) => x.displayId === conv.id)?.status).toBe('open');
    for (let i = 1; i < 25; i++)
      await api('POST', `/conversations/${conv.id}/messages`, { content: `m${i}` });
    const contents = (r: { json: Json }) =>
      (r.json.payload as Array<{ content: string }>).map((m) => m.content);
    const latest = await api('GET', `/conversations/${conv.id}/messages`);
    expect(contents(latest)).toEqual(Array.from({ length: 20 }, (_, i) => `m${i + 5}`));
    const ids = sim.messages(1, conv.id).map((m) => m.id);
    expect(contents(await api('GET', `/conversations/${conv.id}/messages?before=${ids[5]}`))).toHaveLength(5);
    expect(contents(await api('GET', `/conversations/${conv.id}/messages?after=${ids[20]}`))).toEqual([
      'm21',
      'm22',
      'm23',
      'm24',
    ]);
    const seqs = sim.allMessages(1).map((m) => m.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    expect((await api('POST', `/conversations/${conv.id}/messages`, { content: 'x' })).status).toBe(200);
  });

  it('rejects the 31st message per minute with 422 (limit configured to 30)', async () => {
    const c = await contact({ name: 'r' });
    const conv = await conversation({ contact_id: c.id, inbox_id: 1 });
    for (let i = 0; i < 30; i++) await api('POST', `/conversations/${conv.id}/messages`, { content: `${i}` });
    expect((await api('POST', `/conversations/${conv.id}/messages`, { content: 'too many' })).json).toEqual({
      error: 'Validation failed: Too many messages',
    });
  });

  it('incoming only on API inboxes; PATCH status only on API inboxes', async () => {
    const c = await contact({ name: 'n', phone_number: '+5511988887777' });
    const conv = await conversation({ contact_id: c.id, inbox_id: 5 });
    expect(
      (await api('POST', `/conversations/${conv.id}/messages`, { content: 'x', message_type: 'incoming' }))
        .json,
    ).toEqual({ error: 'Incoming messages are only allowed in Api inboxes' });
    const out = await api('POST', `/conversations/${conv.id}/messages`, { content: 'x' });
    expect(
      (await api('PATCH', `/conversations/${conv.id}/messages/${out.json.id}`, { status: 'read' })).status,
    ).toBe(403);
  });

  it('parses multipart uploads', async () => {
    const c = await contact({ name: 'u' });
    const conv = await conversation({ contact_id: c.id, inbox_id: 1 });
    const form = new FormData();
    form.append('content', 'voice');
    form.append('message_type', 'incoming');
    form.append(
      'attachments[]',
      new Blob([new Uint8Array([1, 2, 3, 13, 10])], { type: 'audio/ogg' }),
      'v.ogg',
    );
    const res = await fetch(`${sim.url}/api/v1/accounts/1/conversations/${conv.id}/messages`, {
      method: 'POST',
      headers: { 'Api-Access-Token': TOKEN },
      body: form,
    });
    const json = (await res.json()) as { attachments: Array<{ file_type: string; data_url: string }> };
    expect(json.attachments[0]?.file_type).toBe('audio');
    expect(json.attachments[0]?.data_url.startsWith(sim.url)).toBe(true);
    expect(sim.messages(1, conv.id)[0]?.attachments[0]).toMatchObject({ filename: 'v.ogg', size: 5 });
  });
});

describe('controls', () => {
  it('exposes faults, requests and state over /__sim', async () => {
    await fetch(`${sim.url}/__sim/faults`, {
      method: 'POST',
      body: JSON.stringify({ endpointPattern: '^GET /inboxes', status: 502, count: 2 }),
    });
    expect((await api('GET', '/inboxes')).status).toBe(502);
    expect((await api('GET', '/inboxes/1')).status).toBe(502);
    expect((await api('GET', '/inboxes')).status).toBe(200);
    const requests = (await (await fetch(`${sim.url}/__sim/requests`)).json()) as { requests: unknown[] };
    expect(requests.requests.length).toBe(sim.requests.length);
    const state = (await (await fetch(`${sim.url}/__sim/state?accountId=1`)).json()) as {
      contacts: unknown[];
    };
    expect(state.contacts.length).toBe(sim.contacts(1).length);
    expect((await fetch(`${sim.url}/__sim/faults`, { method: 'DELETE' })).status).toBe(204);
  });

  it('targets a fault at requests whose body matches, answering the given body until cleared', async () => {
    sim.injectFault({
      endpoint: 'POST /contacts',
      requestBody: /refused-chat@c\.us/,
      status: 422,
      responseBody: { message: 'Phone number should be in e164 format', attributes: ['phone_number'] },
      count: Number.POSITIVE_INFINITY,
    });
    try {
      for (let i = 0; i < 2; i++) {
        const refused = await api('POST', '/contacts', { name: 'R', identifier: 'refused-chat@c.us' });
        expect(refused).toMatchObject({
          status: 422,
          json: { message: 'Phone number should be in e164 format', attributes: ['phone_number'] },
        });
      }
      expect((await api('POST', '/contacts', { name: 'A', identifier: 'accepted-chat@c.us' })).status).toBe(
        200,
      );
      expect(sim.pendingFaults()).toMatchObject([
        { endpoint: 'POST /contacts', requestBody: 'refused-chat@c\\.us' },
      ]);
    } finally {
      sim.clearFaults();
    }
  });

  it('rate limits per token in fixed windows with a plain-text 429 and no Retry-After', async () => {
    sim.setRateLimit({ limit: 2, windowMs: 60_000 });
    try {
      const statuses = [];
      for (let i = 0; i < 3; i++) statuses.push((await api('GET', '/inboxes')).status);
      const limited = await api('GET', '/inboxes');
      expect(statuses.slice(0, 2)).toEqual([200, 200]);
      expect(limited).toMatchObject({ status: 429, text: 'Retry later\n' });
      expect(limited.headers.get('retry-after')).toBeNull();
      expect((await api('GET', '/inboxes', undefined, 'other-token', 2)).status).toBe(200);
    } finally {
      sim.setRateLimit(null);
    }
  });
});
