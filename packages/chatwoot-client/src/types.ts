/**
 * Normalised Chatwoot shapes returned by the client, whatever shape the server answered with
 * (real v4.13 envelopes or the customer's seed-doc shapes).
 */

/** Conversation statuses accepted by Chatwoot. */
export const CONVERSATION_STATUSES = ['open', 'resolved', 'pending', 'snoozed'] as const;
/** One of {@link CONVERSATION_STATUSES}. */
export type ConversationStatus = (typeof CONVERSATION_STATUSES)[number];

/** Message types; REST answers integers (0..3), webhooks strings. Both map to these. */
export const MESSAGE_TYPES = ['incoming', 'outgoing', 'activity', 'template'] as const;
/** One of {@link MESSAGE_TYPES}. */
export type MessageType = (typeof MESSAGE_TYPES)[number];

/** Delivery statuses settable with `updateMessageStatus`. */
export type MessageDeliveryStatus = 'sent' | 'delivered' | 'read' | 'failed';

/** A contact's membership in an inbox. */
export interface ContactInboxRef {
  source_id: string;
  inbox_id: number;
}

/** A Chatwoot contact. */
export interface Contact {
  id: number;
  name: string | null;
  email: string | null;
  phone_number: string | null;
  identifier: string | null;
  custom_attributes: Record<string, unknown>;
  contact_inboxes: ContactInboxRef[];
}

/** A Chatwoot conversation; `id` is the per-account display id used in every URL. */
export interface Conversation {
  /** The display id (per account), not the database id. */
  id: number;
  status: ConversationStatus;
  inbox_id: number;
  /** From `meta.sender.id`, else `contact_id`. */
  contact_id: number | null;
  /** From `contact_inbox.source_id`. */
  source_id: string | null;
  labels: string[];
}

/** A message attachment as listed by Chatwoot. */
export interface MessageAttachment {
  file_type?: string;
  data_url?: string;
}

/** A Chatwoot message. */
export interface Message {
  id: number;
  /** Display id of the conversation. */
  conversation_id: number;
  content: string | null;
  message_type: MessageType;
  private: boolean;
  source_id: string | null;
  status: string | null;
  /** Unix seconds. */
  created_at: number;
  content_attributes: Record<string, unknown>;
  attachments: MessageAttachment[];
}

/** A Chatwoot inbox. */
export interface Inbox {
  id: number;
  name: string;
  /** e.g. `Channel::Api`. */
  channel_type: string;
  lock_to_single_conversation: boolean;
}

/** A condition of `filterContacts`: exact (`equal_to`) match on one attribute. */
export interface ContactFilterCondition {
  attribute: 'identifier' | 'phone_number' | 'email';
  value: string;
}

/** Input of `createContact`. */
export interface CreateContactInput {
  name?: string;
  identifier?: string;
  phone_number?: string;
  email?: string;
  inbox_id?: number;
  source_id?: string;
  custom_attributes?: Record<string, unknown>;
}

/** Input of `updateContact`; custom and additional attributes are merged shallowly by Chatwoot. */
export interface UpdateContactInput {
  name?: string;
  phone_number?: string;
  custom_attributes?: Record<string, unknown>;
  additional_attributes?: Record<string, unknown>;
}

/** Query of `listConversations`. */
export interface ListConversationsQuery {
  inbox_id?: number;
  /** Chatwoot defaults to `open` when omitted. */
  status?: ConversationStatus | 'all';
  source_id?: string;
  page?: number;
  assignee_type?: string;
}

/** Input of `createConversation`. */
export interface CreateConversationInput {
  contact_id: number;
  inbox_id: number;
  source_id?: string;
  status?: ConversationStatus;
  additional_attributes?: Record<string, unknown>;
  custom_attributes?: Record<string, unknown>;
}

/** A file to upload with a message. */
export interface AttachmentUpload {
  filename: string;
  contentType: string;
  data: Uint8Array;
}

/** Input of `createMessage`. Attachments switch the request to multipart/form-data. */
export interface CreateMessageInput {
  content?: string;
  message_type: 'incoming' | 'outgoing' | 'template';
  private?: boolean;
  source_id?: string;
  content_attributes?: Record<string, unknown>;
  attachments?: AttachmentUpload[];
}

/** An agent of the account (`GET /agents`). */
export interface Agent {
  id: number;
  name: string;
}

/** A team of the account (`GET /teams`). */
export interface Team {
  id: number;
  name: string;
}

/** An account label (`GET /labels`); `title` is lower case. */
export interface AccountLabel {
  id: number;
  title: string;
}
