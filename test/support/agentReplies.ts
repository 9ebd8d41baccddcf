import { createChatwootClient } from '@relay/chatwoot-client';
import {
  buildChatwootMessageWebhook,
  buildTextMessage,
  type ChatwootMessageWebhookOptions,
  waitFor,
} from '@relay/testing';
import { CHATWOOT_TOKEN, type RelayHarness } from './relayHarness.js';

/** A customer's first WhatsApp message mirrored into Chatwoot: the conversation agents reply in. */
export async function customerConversation(
  relay: RelayHarness,
  chatId: string,
  body = 'Is the car available?',
) {
  const envelope = buildTextMessage({ chatId, body });
  await relay.post(envelope);
  const message = await waitFor(
    () => relay.chatwoot.allMessages(1).find((m) => m.source_id === (envelope.payload as { id: string }).id),
    { what: `the customer's message from ${chatId}` },
  );
  return { conversationId: message.conversationDisplayId, customerMessage: message };
}

/**
 * An agent writes in Chatwoot (stored in the simulator as outgoing) and Chatwoot's webhook for it is posted to
 * the relay, as Chatwoot would.
 */
export async function agentReply(
  relay: RelayHarness,
  chat: { chatId: string; conversationId: number },
  content: string,
  extra: Partial<ChatwootMessageWebhookOptions> = {},
  post: { deliveryId?: string; secret?: string } = {},
) {
  const client = createChatwootClient({
    baseUrl: relay.chatwoot.url,
    apiToken: CHATWOOT_TOKEN,
    accountId: 1,
  });
  const created = await client.createMessage(chat.conversationId, {
    content,
    message_type: extra.messageType === 'template' ? 'template' : 'outgoing',
    ...(extra.private ? { private: true } : {}),
  });
  const payload = buildChatwootMessageWebhook({
    id: created.id,
    conversationId: chat.conversationId,
    chatId: chat.chatId,
    content,
    ...extra,
  });
  const response = await relay.postChatwoot(payload, post);
  return { id: created.id, payload, response };
}

/** The simulator's copy of a Chatwoot message. */
export function chatwootMessage(relay: RelayHarness, id: number) {
  return relay.chatwoot.allMessages(1).find((m) => m.id === id);
}

/** Message sends (not seen/typing) WAHA received. */
export function messageSends(relay: RelayHarness) {
  return relay.waha.sends.filter((s) => s.id !== undefined);
}
