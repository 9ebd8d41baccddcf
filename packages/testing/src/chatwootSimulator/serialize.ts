/** JSON views of stored records, shaped like Chatwoot v4.13 jbuilder output (chatwoot-api.md §4.2, §5.2, §6.3, §8). */
import { SIM_AGENT, type SimStore } from './store.js';
import type { SimContact, SimContactInbox, SimConversation, SimInbox, SimMessage } from './types.js';

/** Full inbox object (`GET /inboxes/:id`, no envelope). */
export function inboxJson(inbox: SimInbox): Record<string, unknown> {
  const api = inbox.channelType === 'Channel::Api';
  return {
    id: inbox.id,
    avatar_url: '',
    channel_id: inbox.id,
    name: inbox.name,
    channel_type: inbox.channelType,
    lock_to_single_conversation: inbox.lockToSingleConversation,
    allow_messages_after_resolved: true,
    enable_auto_assignment: true,
    provider: null,
    ...(api ? { webhook_url: '', inbox_identifier: `sim-inbox-${inbox.id}`, additional_attributes: {} } : {}),
  };
}

/** The short inbox embedded in contact_inboxes. */
export function inboxRefJson(inbox: SimInbox | undefined): Record<string, unknown> | null {
  if (!inbox) return null;
  return {
    id: inbox.id,
    avatar_url: '',
    channel_id: inbox.id,
    name: inbox.name,
    channel_type: inbox.channelType,
    provider: null,
  };
}

/** `{source_id, inbox}` as in `contact_inboxes[]` and the contact_inboxes create answer. */
export function contactInboxJson(store: SimStore, ci: SimContactInbox): Record<string, unknown> {
  return { source_id: ci.sourceId, inbox: inboxRefJson(store.inboxes.get(ci.inboxId)) };
}

/** Contact object; contact endpoints add `contact_inboxes`. */
export function contactJson(store: SimStore, c: SimContact, withInboxes = true): Record<string, unknown> {
  return {
    id: c.id,
    name: c.name,
    email: c.email,
    phone_number: c.phone_number,
    identifier: c.identifier,
    blocked: c.blocked,
    thumbnail: '',
    availability_status: 'offline',
    additional_attributes: c.additional_attributes,
    custom_attributes: c.custom_attributes,
    last_activity_at: c.last_activity_at,
    created_at: c.created_at,
    ...(withInboxes
      ? { contact_inboxes: store.contactInboxesOf(c.id).map((ci) => contactInboxJson(store, ci)) }
      : {}),
  };
}

function senderJson(m: SimMessage, contact: SimContact | undefined): Record<string, unknown> {
  if (m.senderType === 'user') return { id: SIM_AGENT.id, name: SIM_AGENT.name, type: 'user' };
  return contact
    ? { id: contact.id, name: contact.name, phone_number: contact.phone_number, type: 'contact' }
    : {};
}

/** Message object (REST): `message_type` is an integer. */
export function messageJson(store: SimStore, m: SimMessage, echoId?: unknown): Record<string, unknown> {
  const conversation = store.account(m.accountId).conversations.get(m.conversationDisplayId);
  const contact = conversation ? store.account(m.accountId).contacts.get(conversation.contactId) : undefined;
  return {
    id: m.id,
    content: m.content,
    inbox_id: m.inboxId,
    conversation_id: m.conversationDisplayId,
    message_type: m.message_type,
    content_type: m.content_type,
    status: m.status,
    content_attributes: m.external_error
      ? { ...m.content_attributes, external_error: m.external_error }
      : m.content_attributes,
    created_at: m.created_at,
    private: m.private,
    source_id: m.source_id,
    sender: senderJson(m, contact),
    ...(m.attachments.length
      ? {
          attachments: m.attachments.map((a) => ({
            id: a.id,
            message_id: m.id,
            file_type: a.file_type,
            account_id: m.accountId,
            data_url: a.data_url,
            thumb_url: '',
            file_size: a.size,
          })),
        }
      : {}),
    ...(echoId !== undefined ? { echo_id: echoId } : {}),
  };
}

/** Conversation object (§5.2): `id` is the display id, `updated_at` a float. */
export function conversationJson(store: SimStore, c: SimConversation): Record<string, unknown> {
  const account = store.account(c.accountId);
  const contact = account.contacts.get(c.contactId);
  const contactInbox = store.contactInboxes.get(c.contactInboxId);
  const messages = account.messages.get(c.displayId) ?? [];
  const last = messages.at(-1);
  const lastNonActivity = [...messages].reverse().find((m) => m.message_type !== 2);
  const inbox = store.inboxes.get(c.inboxId);
  return {
    id: c.displayId,
    account_id: c.accountId,
    uuid: c.uuid,
    inbox_id: c.inboxId,
    status: c.status,
    priority: null,
    labels: c.labels,
    muted: false,
    can_reply: true,
    snoozed_until: c.snoozedUntil,
    unread_count: 0,
    sla_policy_id: null,
    additional_attributes: c.additional_attributes,
    custom_attributes: c.custom_attributes,
    created_at: c.created_at,
    timestamp: c.last_activity_at,
    last_activity_at: c.last_activity_at,
    agent_last_seen_at: 0,
    contact_last_seen_at: 0,
    assignee_last_seen_at: 0,
    first_reply_created_at: null,
    waiting_since: c.created_at,
    updated_at: c.updated_at,
    messages: last ? [messageJson(store, last)] : [],
    last_non_activity_message: lastNonActivity ? messageJson(store, lastNonActivity) : null,
    contact_inbox: contactInbox
      ? {
          id: contactInbox.id,
          contact_id: contactInbox.contactId,
          inbox_id: contactInbox.inboxId,
          source_id: contactInbox.sourceId,
          hmac_verified: false,
        }
      : null,
    meta: {
      sender: contact ? { ...contactJson(store, contact, false), type: 'contact' } : null,
      channel: inbox?.channelType ?? null,
      ...(c.assigneeId !== null ? { assignee: agentJson(), assignee_type: 'User' } : {}),
      ...(c.teamId !== null ? { team: { id: c.teamId, name: `team-${c.teamId}` } } : {}),
      hmac_verified: false,
    },
  };
}

/** The agent object returned by assignments. */
export function agentJson(): Record<string, unknown> {
  return {
    id: SIM_AGENT.id,
    name: SIM_AGENT.name,
    email: SIM_AGENT.email,
    role: SIM_AGENT.role,
    availability_status: 'online',
    confirmed: true,
  };
}
