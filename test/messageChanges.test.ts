import { buildEdited, buildReaction, buildRevoked, buildTextMessage, waitFor } from '@relay/testing';
import { describe, expect, it } from 'vitest';
import type { RelayHarness } from './support/relayHarness.js';
import { useRelayHarness } from './support/useRelayHarness.js';

const relays = useRelayHarness('changes');

const CHAT = '31612345678@c.us';

async function startRelay(env: Record<string, string> = {}) {
  const relay = await relays.start({ env });
  await relay.startWorker();
  return relay;
}

const messagesIn = (harness: RelayHarness) => harness.chatwoot.allMessages(1);
const waitForMessages = (harness: RelayHarness, count: number) =>
  waitFor(() => messagesIn(harness).length >= count, {
    what: `${count} Chatwoot messages`,
    describe: () => messagesIn(harness).map((m) => m.content),
  });
const rawIdOf = (envelope: { payload: unknown }) =>
  (envelope.payload as { id: string }).id.split('_')[2] ?? '';
const serializedIdOf = (envelope: { payload: unknown }) => (envelope.payload as { id: string }).id;

/** Posts the original and waits until it is in Chatwoot. */
async function original(harness: RelayHarness, body = 'Is the blue one still available?') {
  const envelope = buildTextMessage({ chatId: CHAT, body });
  expect(await harness.post(envelope)).toMatchObject({ status: 200 });
  await waitForMessages(harness, 1);
  return { envelope, chatwootId: messagesIn(harness)[0]!.id };
}

describe('WhatsApp edits, deletes and reactions → Chatwoot', () => {
  it('mirrors an edit once as a reply to the original, however often the webhook comes', async () => {
    const relay = await startRelay();
    const { envelope, chatwootId } = await original(relay);
    const edit = buildEdited({
      chatId: CHAT,
      editedMessageId: rawIdOf(envelope),
      body: 'Is the red one available?',
    });
    expect(await relay.post(edit)).toMatchObject({ status: 200, body: { status: 'accepted' } });
    expect(await relay.post(edit)).toMatchObject({ status: 200 });
    await waitForMessages(relay, 2);
    // A later message proves the queue moved past both deliveries.
    await relay.post(buildTextMessage({ chatId: CHAT, body: 'thanks' }));
    await waitForMessages(relay, 3);
    const edits = messagesIn(relay).filter((m) => m.content?.startsWith('✏️'));
    expect(edits).toHaveLength(1);
    expect(edits[0]).toMatchObject({
      content: '✏️ Edited: Is the red one available?',
      message_type: 0,
      private: false,
      content_attributes: expect.objectContaining({ in_reply_to: chatwootId }),
    });
  });

  it('parks an edit that arrives before its original and mirrors it after the original', async () => {
    const relay = await startRelay();
    const envelope = buildTextMessage({ chatId: CHAT, body: 'first text' });
    const edit = buildEdited({ chatId: CHAT, editedMessageId: rawIdOf(envelope), body: 'second text' });
    expect(await relay.post(edit)).toMatchObject({ status: 200, body: { status: 'accepted' } });
    await waitFor(
      async () =>
        (await relay.metrics.jobs.get()).values.some(
          (v) => v.labels.job === 'waha.message_change' && v.labels.outcome === 'parked',
        ),
      { what: 'the edit parked' },
    );
    expect(messagesIn(relay)).toHaveLength(0);
    await relay.post(envelope);
    await waitForMessages(relay, 2);
    const [first, second] = messagesIn(relay);
    expect(first?.content).toBe('first text');
    expect(second).toMatchObject({
      content: '✏️ Edited: second text',
      content_attributes: expect.objectContaining({ in_reply_to: first?.id }),
    });
  });

  it('mirrors a delete as a private note on the original', async () => {
    const relay = await startRelay();
    const { envelope, chatwootId } = await original(relay);
    await relay.post(buildRevoked({ chatId: CHAT, revokedMessageId: rawIdOf(envelope) }));
    await waitForMessages(relay, 2);
    expect(messagesIn(relay)[1]).toMatchObject({
      content: '🗑️ Deleted in WhatsApp',
      message_type: 1,
      private: true,
      content_attributes: expect.objectContaining({ in_reply_to: chatwootId }),
    });
  });

  it('mirrors a reaction quoting the original, and its removal when asked to', async () => {
    const relay = await startRelay({ CHANGE_MIRRORING: 'edits,deletes,reactions,reaction_removals' });
    const { envelope, chatwootId } = await original(relay);
    const messageId = serializedIdOf(envelope);
    await relay.post(buildReaction({ chatId: CHAT, messageId, text: '👍' }));
    await waitForMessages(relay, 2);
    expect(messagesIn(relay)[1]).toMatchObject({
      content: '👍 reacted to: "Is the blue one still available?"',
      message_type: 0,
      content_attributes: expect.objectContaining({ in_reply_to: chatwootId }),
    });
    await relay.post(buildReaction({ chatId: CHAT, messageId, text: '' }));
    await waitForMessages(relay, 3);
    expect(messagesIn(relay)[2]).toMatchObject({
      content: 'Reaction 👍 removed',
      content_attributes: expect.objectContaining({ in_reply_to: chatwootId }),
    });
  });

  it('skips a removed reaction by default', async () => {
    const relay = await startRelay();
    const { envelope } = await original(relay);
    await relay.post(buildReaction({ chatId: CHAT, messageId: serializedIdOf(envelope), text: '' }));
    await relay.post(buildTextMessage({ chatId: CHAT, body: 'after' }));
    await waitForMessages(relay, 2);
    expect(messagesIn(relay).map((m) => m.content)).toEqual(['Is the blue one still available?', 'after']);
  });

  it('ignores the kinds CHANGE_MIRRORING leaves out', async () => {
    const relay = await startRelay({ CHANGE_MIRRORING: 'edits' });
    const { envelope } = await original(relay);
    const revoked = await relay.post(buildRevoked({ chatId: CHAT, revokedMessageId: rawIdOf(envelope) }));
    const reaction = await relay.post(
      buildReaction({ chatId: CHAT, messageId: serializedIdOf(envelope), text: '❤️' }),
    );
    expect(revoked).toMatchObject({ status: 200, body: { status: 'ignored', reason: 'change_off:deletes' } });
    expect(reaction).toMatchObject({
      status: 200,
      body: { status: 'ignored', reason: 'change_off:reactions' },
    });
    await relay.post(buildEdited({ chatId: CHAT, editedMessageId: rawIdOf(envelope), body: 'changed' }));
    await waitForMessages(relay, 2);
    expect(messagesIn(relay).map((m) => m.content)).toEqual([
      'Is the blue one still available?',
      '✏️ Edited: changed',
    ]);
  });
});
