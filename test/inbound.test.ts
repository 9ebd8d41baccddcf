import { createChatwootClient } from '@relay/chatwoot-client';
import {
  buildGroupMessage,
  buildImageMessage,
  buildLidMessage,
  buildMediaNotDownloaded,
  buildTextMessage,
  waitFor,
} from '@relay/testing';
import { describe, expect, it } from 'vitest';
import { CHATWOOT_TOKEN, type RelayHarness } from './support/relayHarness.js';
import { type RelayHarnessOptions, useRelayHarness } from './support/useRelayHarness.js';

const relays = useRelayHarness('inbound');

async function startRelay(opts: RelayHarnessOptions = {}) {
  const relay = await relays.start(opts);
  await relay.startWorker();
  return relay;
}

const messagesIn = (harness: RelayHarness) => harness.chatwoot.allMessages(1);
const waitForMessages = (harness: RelayHarness, count: number) =>
  waitFor(() => messagesIn(harness).length >= count, {
    what: `${count} Chatwoot messages`,
    describe: () => messagesIn(harness).map((m) => m.content),
  });
const apiCalls = (harness: RelayHarness) => harness.chatwoot.requests.length;

describe('WhatsApp → Chatwoot', () => {
  it('creates a new contact with its contact_inbox, a conversation and the incoming message', async () => {
    const relay = await startRelay();
    const envelope = buildTextMessage({
      chatId: '31612345678@c.us',
      body: 'Hello, I am looking for a car',
      senderName: 'Jan',
    });
    const response = await relay.post(envelope);
    expect(response).toMatchObject({ status: 200, body: { status: 'accepted' } });
    await waitForMessages(relay, 1);

    const [contact] = relay.chatwoot.contacts(1);
    expect(contact).toMatchObject({
      name: 'Jan',
      identifier: '31612345678@c.us',
      phone_number: '+31612345678',
    });
    expect(relay.chatwoot.contactInboxes(1)).toEqual([
      expect.objectContaining({ contactId: contact?.id, inboxId: 1, sourceId: '31612345678@c.us' }),
    ]);
    const [conversation] = relay.chatwoot.conversations(1);
    expect(conversation).toMatchObject({ contactId: contact?.id, inboxId: 1, status: 'open' });
    const [message] = relay.chatwoot.messages(1, conversation!.displayId);
    expect(message).toMatchObject({
      content: 'Hello, I am looking for a car',
      message_type: 0,
      private: false,
      source_id: (envelope.payload as { id: string }).id,
    });
    // Closing note figure: calls for a brand-new contact (inbox settings read once per process included).
    console.info(`[calls] new contact: ${apiCalls(relay)} Chatwoot calls for 1 message`);
  });

  it('reuses the open conversation of a returning contact', async () => {
    const relay = await startRelay();
    const client = createChatwootClient({
      baseUrl: relay.chatwoot.url,
      apiToken: CHATWOOT_TOKEN,
      accountId: 1,
    });
    const { contact } = await client.createContact({
      name: 'Existing',
      identifier: '31611112222@c.us',
      phone_number: '+31611112222',
      inbox_id: 1,
      source_id: '31611112222@c.us',
    });
    const existing = await client.createConversation({
      contact_id: contact.id,
      inbox_id: 1,
      source_id: '31611112222@c.us',
    });
    relay.chatwoot.clearRequests();

    await relay.post(buildTextMessage({ chatId: '31611112222@c.us', body: 'first' }));
    await waitForMessages(relay, 1);
    const coldCalls = apiCalls(relay);
    for (const body of ['second', 'third', 'fourth'])
      await relay.post(buildTextMessage({ chatId: '31611112222@c.us', body }));
    await waitForMessages(relay, 4);

    expect(relay.chatwoot.contacts(1)).toHaveLength(1);
    expect(relay.chatwoot.conversations(1)).toHaveLength(1);
    expect(relay.chatwoot.messages(1, existing.id).map((m) => m.content)).toEqual([
      'first',
      'second',
      'third',
      'fourth',
    ]);
    const warmCalls = (apiCalls(relay) - coldCalls) / 3;
    expect(warmCalls).toBe(1);
    console.info(
      `[calls] returning contact: ${coldCalls} calls for the first message, ${warmCalls} per message after`,
    );
  });

  it('starts a new conversation when the last one was resolved', async () => {
    const relay = await startRelay({ env: { CONVERSATION_CACHE_TTL_SECONDS: '0' } });
    await relay.post(buildTextMessage({ chatId: '31633334444@c.us', body: 'before' }));
    await waitForMessages(relay, 1);
    const [first] = relay.chatwoot.conversations(1);
    relay.chatwoot.setConversationStatus(1, first!.displayId, 'resolved');

    await relay.post(buildTextMessage({ chatId: '31633334444@c.us', body: 'after' }));
    await waitForMessages(relay, 2);
    const conversations = relay.chatwoot.conversations(1);
    expect(conversations).toHaveLength(2);
    expect(conversations.map((c) => c.status)).toEqual(['resolved', 'open']);
    expect(relay.chatwoot.messages(1, conversations[1]!.displayId).map((m) => m.content)).toEqual(['after']);
  });

  it('joins the single conversation of a locked inbox whatever its status', async () => {
    const relay = await startRelay({
      lockToSingleConversation: true,
      env: { CONVERSATION_CACHE_TTL_SECONDS: '0' },
    });
    await relay.post(buildTextMessage({ chatId: '31633335555@c.us', body: 'one' }));
    await waitForMessages(relay, 1);
    relay.chatwoot.setConversationStatus(1, relay.chatwoot.conversations(1)[0]!.displayId, 'resolved');
    await relay.post(buildTextMessage({ chatId: '31633335555@c.us', body: 'two' }));
    await waitForMessages(relay, 2);
    expect(relay.chatwoot.conversations(1)).toHaveLength(1);
  });

  it('mirrors a group as one contact and prefixes each message with its sender', async () => {
    const relay = await startRelay();
    const groupId = '120363000000000001@g.us';
    await relay.post(
      buildGroupMessage({
        groupId,
        participant: '200000000000003@lid',
        participantPhone: '+31611111111',
        senderName: 'Piet',
        body: 'Open on Sunday?',
      }),
    );
    await relay.post(
      buildGroupMessage({
        groupId,
        participant: '31622223333@c.us',
        senderName: 'Anna',
        body: 'And Monday?',
      }),
    );
    await waitForMessages(relay, 2);
    expect(relay.chatwoot.contacts(1)).toEqual([
      expect.objectContaining({ identifier: groupId, phone_number: null }),
    ]);
    expect(messagesIn(relay).map((m) => m.content)).toEqual([
      '**Piet (+31611111111):** Open on Sunday?',
      '**Anna (+31622223333):** And Monday?',
    ]);
  });

  it('resolves an @lid chat to its phone through WAHA, and keeps the lid when it cannot', async () => {
    const relay = await startRelay();
    relay.waha.setLid('200000000000009@lid', '31622222222');
    await relay.post(
      buildLidMessage({ lid: '200000000000009@lid', body: 'hidden number', senderName: 'Sanne' }),
    );
    await relay.post(buildLidMessage({ lid: '200000000000010@lid', body: 'unknown lid' }));
    await waitForMessages(relay, 2);
    const identifiers = relay.chatwoot.contacts(1).map((c) => [c.identifier, c.phone_number]);
    expect(identifiers).toEqual(
      expect.arrayContaining([
        ['31622222222@c.us', '+31622222222'],
        ['200000000000010@lid', null],
      ]),
    );
  });

  it('attaches an image with its caption, downloaded from WAHA with the API key', async () => {
    const relay = await startRelay();
    const bytes = new Uint8Array([137, 80, 78, 71, 1, 2, 3]);
    const url = relay.waha.putFile('default', 'IMG0001', bytes, 'image/png');
    await relay.post(
      buildImageMessage({
        chatId: '31644445555@c.us',
        caption: 'This one',
        mediaUrl: url,
        mimetype: 'image/png',
      }),
    );
    await waitForMessages(relay, 1);
    const [message] = messagesIn(relay);
    expect(message).toMatchObject({ content: 'This one' });
    expect(message?.attachments).toEqual([
      expect.objectContaining({ file_type: 'image', size: bytes.length, contentType: 'image/png' }),
    ]);
  });

  it('posts the caption with a note when the media cannot be downloaded', async () => {
    const relay = await startRelay();
    const gone = `${relay.waha.url}/api/files/default/EXPIRED.jpeg`;
    await relay.post(
      buildImageMessage({
        chatId: '31655556666@c.us',
        caption: 'Look',
        mediaUrl: gone,
        mimetype: 'image/jpeg',
      }),
    );
    await relay.post(buildMediaNotDownloaded({ chatId: '31655556666@c.us' }));
    await waitForMessages(relay, 2);
    const [failed, skipped] = messagesIn(relay);
    expect(failed?.content).toMatch(/^Look\n\[image from WhatsApp could not be attached: .*404/);
    expect(failed?.attachments).toEqual([]);
    expect(skipped?.content).toMatch(/could not be attached: WAHA did not download it/);
  });

  it('creates one message when the same webhook arrives 3 times at once, or as message and message.any', async () => {
    const relay = await startRelay();
    const envelope = buildTextMessage({ chatId: '31677778888@c.us', body: 'only once' });
    const answers = await Promise.all([1, 2, 3].map(() => relay.post(envelope)));
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200]);
    expect(answers.map((a) => (a.body as { status: string }).status).sort()).toEqual([
      'accepted',
      'duplicate',
      'duplicate',
    ]);
    const payload = envelope.payload as { id: string };
    const asAny = buildTextMessage({
      chatId: '31677778888@c.us',
      body: 'only once',
      event: 'message.any',
      rawId: payload.id.split('_').at(-1),
    });
    expect((await relay.post(asAny)).body).toMatchObject({ status: 'duplicate' });
    await relay.post(buildTextMessage({ chatId: '31677778888@c.us', body: 'next' }));
    await waitForMessages(relay, 2);
    expect(messagesIn(relay).map((m) => m.content)).toEqual(['only once', 'next']);
  });

  it('mirrors messages typed on the business phone as outgoing, or as private notes when configured', async () => {
    const outgoing = await startRelay();
    await outgoing.post(
      buildTextMessage({
        chatId: '31688889999@c.us',
        body: 'from the phone',
        fromMe: true,
        source: 'app',
        event: 'message.any',
      }),
    );
    await waitForMessages(outgoing, 1);
    expect(messagesIn(outgoing)[0]).toMatchObject({
      message_type: 1,
      private: false,
      content: 'from the phone',
    });
    await outgoing.close();

    const notes = await startRelay({ tenant: { fromMeMode: 'private_note' } });
    await notes.post(
      buildTextMessage({
        chatId: '31688889999@c.us',
        body: 'note me',
        fromMe: true,
        source: 'app',
        event: 'message.any',
      }),
    );
    await waitForMessages(notes, 1);
    expect(messagesIn(notes)[0]).toMatchObject({ message_type: 1, private: true, content: 'note me' });
  });
});
