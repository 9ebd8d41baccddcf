import type { ChatwootClient, Conversation } from '@relay/chatwoot-client';

/** Statuses a new message may join; a resolved conversation is left closed and a new one is started. */
const REUSABLE_STATUSES = new Set(['open', 'pending', 'snoozed']);

export function isReusable(conversation: Pick<Conversation, 'status'>): boolean {
  return REUSABLE_STATUSES.has(conversation.status);
}

/**
 * The contact's current conversation in the inbox, created when there is none.
 * Locked inboxes (`lock_to_single_conversation`) let Chatwoot pick: create returns the last one whatever its status.
 * Otherwise the Application API always creates, so the worker finds first (chatwoot-api.md §5.1).
 */
export async function upsertConversation(
  client: ChatwootClient,
  input: {
    contactId: number;
    sourceId: string;
    inboxId: number;
    lockToSingleConversation: boolean;
    newContact: boolean;
  },
  signal?: AbortSignal,
): Promise<number> {
  const create = async () =>
    (
      await client.createConversation(
        { contact_id: input.contactId, inbox_id: input.inboxId, source_id: input.sourceId, status: 'open' },
        { signal },
      )
    ).id;
  if (input.lockToSingleConversation || input.newContact) return create();
  const conversations = await client.listContactConversations(input.contactId, { signal });
  // Newest activity first (chatwoot-api.md §4.6).
  const current = conversations.find((c) => c.inbox_id === input.inboxId && isReusable(c));
  return current ? current.id : create();
}
