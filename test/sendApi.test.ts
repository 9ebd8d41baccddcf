import { buildChatwootMessageWebhook, waitFor } from '@relay/testing';
import { describe, expect, it } from 'vitest';
import { messageSends } from './support/agentReplies.js';
import { type RelayHarnessOptions, useRelayHarness } from './support/useRelayHarness.js';

const TOKEN = 'send-api-token-0123456789';

const relays = useRelayHarness('sendapi');

async function startRelay(extraTenants: RelayHarnessOptions['extraTenants'] = []) {
  const relay = await relays.start({
    env: { SEND_API_TOKENS: `other-token-abcdefghijkl,${TOKEN}` },
    extraTenants,
  });
  await relay.startWorker();
  return relay;
}

async function call(
  method: 'GET' | 'POST',
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
) {
  const res = await fetch(`${relays.current.ingress.url}${path}`, {
    method,
    headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json', ...headers },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe('send API', () => {
  it('writes the message into Chatwoot as outgoing and sends it to WhatsApp once', async () => {
    const relay = await startRelay();
    const accepted = await call('POST', '/v1/messages', {
      phone: '+31 6 4000 0001',
      text: 'Your car is *ready*',
      labels: ['Pickup'],
    });
    expect(accepted).toMatchObject({ status: 202, body: { status: 'queued' } });
    const id = accepted.body.id as string;
    const done = await waitFor(
      async () => {
        const status = await call('GET', `/v1/messages/${id}`);
        return status.body.status === 'sent' ? status : null;
      },
      { what: 'the job done' },
    );
    expect(done.body).toMatchObject({ chatId: '31640000001@c.us', result: { outcome: 'sent' } });
    expect(messageSends(relay)).toEqual([
      expect.objectContaining({ chatId: '31640000001@c.us', text: 'Your car is *ready*' }),
    ]);
    const [message] = relay.chatwoot.allMessages(1);
    expect(message).toMatchObject({ message_type: 1, private: false, content: 'Your car is *ready*' });
    expect(relay.chatwoot.contacts(1)).toEqual([expect.objectContaining({ identifier: '31640000001@c.us' })]);
    expect(relay.chatwoot.conversations(1)[0]?.labels).toEqual(['pickup']);

    // Chatwoot's webhook for the message the relay wrote is not sent a second time.
    const echo = await relay.postChatwoot(
      buildChatwootMessageWebhook({
        id: message!.id,
        conversationId: message!.conversationDisplayId,
        chatId: '31640000001@c.us',
        content: message!.content,
        sourceId: message!.source_id,
      }),
    );
    expect(echo.body).toMatchObject({ status: 'ignored', reason: 'written_by_relay' });
  });

  it('returns the first job for a retried request with the same Idempotency-Key', async () => {
    const relay = await startRelay();
    const body = { chatId: '31640000002@c.us', text: 'Once' };
    const headers = { 'Idempotency-Key': 'crm-42' };
    const first = await call('POST', '/v1/messages', body, headers);
    const again = await call('POST', '/v1/messages', body, headers);
    expect(first.status).toBe(202);
    expect(again).toMatchObject({ status: 202, body: { id: first.body.id, duplicate: true } });
    const other = await call('POST', '/v1/messages', { ...body, text: 'Different' }, headers);
    expect(other).toMatchObject({ status: 409, body: { error: 'idempotency_key_reused' } });
    await waitFor(async () => (await call('GET', `/v1/messages/${first.body.id}`)).body.status === 'sent', {
      what: 'sent',
    });
    expect(messageSends(relay).map((s) => s.text)).toEqual(['Once']);
  });

  it('answers 400 naming the field for bad input', async () => {
    await startRelay();
    const cases: Array<[unknown, string]> = [
      [{ phone: '+31640000003' }, 'text'],
      [{ text: 'hi' }, 'phone'],
      [{ phone: '+31640000003', chatId: '31640000003@c.us', text: 'hi' }, 'chatId'],
      [{ phone: 'call me', text: 'hi' }, 'phone'],
      [{ chatId: 'nobody@example.com', text: 'hi' }, 'chatId'],
      [{ phone: '+31640000003', text: 'hi', labels: 'vip' }, 'labels'],
      [{ phone: '+31640000003', text: 'hi', colour: 'red' }, ''],
    ];
    for (const [body, field] of cases) {
      const answer = await call('POST', '/v1/messages', body);
      expect(answer.status, JSON.stringify(body)).toBe(400);
      expect(answer.body).toMatchObject({ error: 'invalid_request' });
      if (field) expect(answer.body.field).toBe(field);
    }
  });

  it('refuses an unknown tenant, and requires one when several are configured', async () => {
    await startRelay([{ id: 'garage', session: 'garage', token: 'garage-token' }]);
    expect(
      await call('POST', '/v1/messages', { tenant: 'nobody', phone: '+31640000004', text: 'hi' }),
    ).toMatchObject({
      status: 404,
      body: { error: 'unknown_tenant', field: 'tenant' },
    });
    expect(await call('POST', '/v1/messages', { phone: '+31640000004', text: 'hi' })).toMatchObject({
      status: 400,
      body: { field: 'tenant' },
    });
  });

  it('requires a valid bearer token', async () => {
    await startRelay();
    const body = { phone: '+31640000005', text: 'hi' };
    expect(await call('POST', '/v1/messages', body, { Authorization: '' })).toMatchObject({
      status: 401,
      body: { error: 'unauthorized' },
    });
    expect(
      await call('POST', '/v1/messages', body, { Authorization: 'Bearer wrong-token-0123456789' }),
    ).toMatchObject({ status: 401 });
    expect((await call('GET', '/v1/messages/anything', undefined, { Authorization: '' })).status).toBe(401);
  });
});
