import { createDeadLetters, createMessageLedger } from '@relay/queue';
import { buildAck, buildConversationStatusWebhook, buildTextMessage, waitFor } from '@relay/testing';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { agentReply, chatwootMessage, customerConversation, messageSends } from './support/agentReplies.js';
import type { RelayHarness } from './support/relayHarness.js';
import { type RelayHarnessOptions, useRelayHarness } from './support/useRelayHarness.js';

const relays = useRelayHarness('outbound');
let connection: Redis | undefined;

// Runs before the harness closes (vitest runs after-hooks in reverse order).
afterEach(() => {
  connection?.disconnect();
  connection = undefined;
});

async function startRelay(opts: RelayHarnessOptions = {}) {
  const relay = await relays.start(opts);
  await relay.startWorker();
  return relay;
}

const waitForSends = (harness: RelayHarness, count: number) =>
  waitFor(() => messageSends(harness).length >= count, {
    what: `${count} WhatsApp sends`,
    describe: () => harness.waha.sends.map((s) => [s.kind, s.text ?? s.caption]),
  });

describe('Chatwoot → WhatsApp', () => {
  it('sends an agent reply once, to the chat, with WhatsApp formatting', async () => {
    const relay = await startRelay();
    const chatId = '31610000001@c.us';
    const chat = { chatId, ...(await customerConversation(relay, chatId)) };
    const { response } = await agentReply(relay, chat, 'Yes, **today** until 6');
    expect(response).toMatchObject({ status: 200, body: { status: 'accepted' } });
    await waitForSends(relay, 1);
    expect(messageSends(relay)).toEqual([
      expect.objectContaining({ kind: 'text', session: 'default', chatId, text: 'Yes, *today* until 6' }),
    ]);
  });

  it('never sends private notes, incoming or relay-written messages; sends one per message however often posted', async () => {
    const relay = await startRelay();
    const chatId = '31610000002@c.us';
    const chat = { chatId, ...(await customerConversation(relay, chatId)) };
    const note = await agentReply(relay, chat, 'internal: call him back', { private: true });
    expect(note.response.body).toMatchObject({ status: 'ignored', reason: 'private_note' });
    const mirrored = await agentReply(relay, chat, 'typed on the phone', {
      sourceId: `true_${chatId}_3EB0AAAA`,
    });
    expect(mirrored.response.body).toMatchObject({ status: 'ignored', reason: 'written_by_relay' });
    const incoming = await agentReply(relay, chat, 'from the customer', {
      messageType: 'incoming',
      sender: 'contact',
    });
    expect(incoming.response.body).toMatchObject({ status: 'ignored' });

    const reply = await agentReply(relay, chat, 'once only', {}, { deliveryId: 'delivery-1' });
    const sameDelivery = await relay.postChatwoot(reply.payload, { deliveryId: 'delivery-1' });
    const secondCreated = await relay.postChatwoot(reply.payload, { deliveryId: 'delivery-2' });
    expect(sameDelivery.body).toMatchObject({ status: 'duplicate' });
    expect(secondCreated.body).toMatchObject({ status: 'duplicate' });
    await agentReply(relay, chat, 'next');
    await waitForSends(relay, 2);
    expect(messageSends(relay).map((s) => s.text)).toEqual(['once only', 'next']);
  });

  it('delivers 5 quick replies in order', async () => {
    const relay = await startRelay();
    const chatId = '31610000003@c.us';
    const chat = { chatId, ...(await customerConversation(relay, chatId)) };
    const texts = ['one', 'two', 'three', 'four', 'five'];
    for (const text of texts) await agentReply(relay, chat, text);
    await waitForSends(relay, 5);
    expect(messageSends(relay).map((s) => s.text)).toEqual(texts);
  });

  it('quotes the message the agent replied to, and sends media with its caption', async () => {
    const relay = await startRelay();
    const chatId = '31610000004@c.us';
    const chat = { chatId, ...(await customerConversation(relay, chatId)) };
    await agentReply(relay, chat, 'About that:', {
      contentAttributes: { in_reply_to: chat.customerMessage.id },
    });
    const dataUrl = `${relay.chatwoot.url}/rails/active_storage/blobs/sim/99/front.jpg`;
    await agentReply(relay, chat, 'Here is a photo', {
      attachments: [{ file_type: 'image', data_url: dataUrl }],
    });
    await waitForSends(relay, 2);
    const [quoted, media] = messageSends(relay);
    expect(quoted).toMatchObject({ kind: 'text', reply_to: chat.customerMessage.source_id });
    expect(media).toMatchObject({
      kind: 'image',
      chatId,
      caption: 'Here is a photo',
      file: { url: dataUrl, mimetype: 'image/jpeg', filename: 'front.jpg' },
    });
  });

  it('shows WhatsApp acks as the Chatwoot status, also when the ack comes before the mapping', async () => {
    const relay = await startRelay();
    const chatId = '31610000005@c.us';
    const chat = { chatId, ...(await customerConversation(relay, chatId)) };
    const first = await agentReply(relay, chat, 'read me');
    await waitForSends(relay, 1);
    await relay.post(buildAck({ messageId: messageSends(relay)[0]!.id!, ack: 3 }));
    await waitFor(() => chatwootMessage(relay, first.id)?.status === 'read', { what: 'status read' });
    // A late DEVICE ack does not downgrade it.
    await relay.post(buildAck({ messageId: messageSends(relay)[0]!.id!, ack: 2 }));

    // WAHA sends but answers late: its READ ack arrives before the relay has recorded the mapping.
    relay.waha.injectFault({ path: '/api/sendText', holdResponseMs: 1500, count: 1 });
    const second = await agentReply(relay, chat, 'acked early');
    await waitForSends(relay, 2);
    expect((await relay.post(buildAck({ messageId: messageSends(relay)[1]!.id!, ack: 3 }))).status).toBe(200);
    await waitFor(() => chatwootMessage(relay, second.id)?.status === 'read', { what: 'early ack applied' });
    expect(chatwootMessage(relay, first.id)?.status).toBe('read');
  });

  it('marks the message failed in Chatwoot and dead-letters it when WAHA stays down', async () => {
    const relay = await startRelay({ env: { JOB_ATTEMPTS: '2' } });
    const chatId = '31610000006@c.us';
    const chat = { chatId, ...(await customerConversation(relay, chatId)) };
    relay.waha.injectFault({ status: 500, count: 1000 });
    const reply = await agentReply(relay, chat, 'lost');
    await waitFor(() => chatwootMessage(relay, reply.id)?.status === 'failed', { what: 'status failed' });
    expect(chatwootMessage(relay, reply.id)?.external_error).toMatch(/^waha_server: /);
    connection = new Redis(relays.redis.url);
    const deadLetters = createDeadLetters({ connection, prefix: relay.config.redisPrefix });
    const entry = await waitFor(
      async () =>
        (await deadLetters.list({ tenant: 'dealer' })).entries.find((e) => e.jobName === 'chatwoot.send'),
      { what: 'a dead-letter entry' },
    );
    expect(entry).toMatchObject({
      errorClass: 'waha_server',
      sourceQueue: expect.stringMatching(/^outbound-dealer-p/),
    });
    await deadLetters.close();
  });

  it('retries while the WAHA session is not WORKING (422) and sends once it is', async () => {
    const relay = await startRelay();
    const chatId = '31610000007@c.us';
    const chat = { chatId, ...(await customerConversation(relay, chatId)) };
    relay.waha.setSessionStatus('default', 'STARTING');
    await agentReply(relay, chat, 'after the restart');
    await waitFor(() => relay.waha.requests.filter((r) => r.status === 422).length >= 2, {
      what: 'two 422s',
    });
    relay.waha.setSessionStatus('default', 'WORKING');
    await waitForSends(relay, 1);
    expect(messageSends(relay).map((s) => s.text)).toEqual(['after the restart']);
  });

  it('does not mirror the message.any echo of its own send back into Chatwoot', async () => {
    const relay = await startRelay();
    const chatId = '31610000008@c.us';
    const chat = { chatId, ...(await customerConversation(relay, chatId)) };
    await agentReply(relay, chat, 'echo me');
    await waitForSends(relay, 1);
    const sent = messageSends(relay)[0]!;
    const echo = buildTextMessage({
      chatId,
      body: 'echo me',
      fromMe: true,
      source: 'api',
      event: 'message.any',
      rawId: sent.rawId,
    });
    expect((await relay.post(echo)).status).toBe(200);
    connection = new Redis(relays.redis.url);
    const ledger = createMessageLedger(connection, relay.config.redisPrefix);
    await waitFor(async () => (await ledger.get('dealer', sent.rawId!))?.state === 'skipped', {
      what: 'echo skipped',
    });
    expect(relay.chatwoot.allMessages(1).filter((m) => m.content === 'echo me')).toHaveLength(1);
  });

  it('starts a new conversation for the next customer message once the agent resolved the current one', async () => {
    const relay = await startRelay();
    const chatId = '31610000009@c.us';
    const chat = { chatId, ...(await customerConversation(relay, chatId)) };
    relay.chatwoot.setConversationStatus(1, chat.conversationId, 'resolved');
    const response = await relay.postChatwoot(
      buildConversationStatusWebhook({ conversationId: chat.conversationId, chatId, status: 'resolved' }),
    );
    expect(response.body).toMatchObject({ status: 'accepted' });
    connection = new Redis(relays.redis.url);
    const cacheKey = `${relay.config.redisPrefix}:t:dealer:chat:${chatId}`;
    await waitFor(async () => (await connection!.hget(cacheKey, 'conversationId')) === null, {
      what: 'cache forgot it',
    });
    await relay.post(buildTextMessage({ chatId, body: 'one more question' }));
    await waitFor(() => relay.chatwoot.conversations(1).length === 2, { what: 'a second conversation' });
  });

  it('sends the configured message on resolve once, logged in the conversation, even when the webhook comes twice', async () => {
    const relay = await startRelay({ tenant: { resolveMessage: 'Thanks for visiting *Autohaus*!' } });
    const chatId = '31610000010@c.us';
    const chat = { chatId, ...(await customerConversation(relay, chatId)) };
    relay.chatwoot.setConversationStatus(1, chat.conversationId, 'resolved');
    const webhook = buildConversationStatusWebhook({
      conversationId: chat.conversationId,
      chatId,
      status: 'resolved',
    });
    await relay.postChatwoot(webhook, { deliveryId: 'resolve-delivery-1' });
    await relay.postChatwoot(webhook, { deliveryId: 'resolve-delivery-1' });
    await waitForSends(relay, 1);
    expect(messageSends(relay)).toEqual([
      expect.objectContaining({ chatId, text: 'Thanks for visiting *Autohaus*!' }),
    ]);
    const logged = relay.chatwoot
      .messages(1, chat.conversationId)
      .filter((m) => m.source_id?.startsWith('relay:resolve:'));
    expect(logged).toEqual([
      expect.objectContaining({ message_type: 1, content: 'Thanks for visiting *Autohaus*!' }),
    ]);
    // Writing an outgoing message does not reopen the conversation.
    expect(relay.chatwoot.conversations(1).find((c) => c.displayId === chat.conversationId)?.status).toBe(
      'resolved',
    );
  });
});
