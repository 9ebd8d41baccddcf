export type { AccountMethods } from './account.js';
export { type ChatwootClient, createChatwootClient } from './client.js';
export { CONTACTS_PER_PAGE, type ContactMethods, FILTER_MAX_PAGES } from './contacts.js';
export type { ConversationMethods } from './conversations.js';
export {
  CHATWOOT_ERROR_KINDS,
  ChatwootError,
  type ChatwootErrorInit,
  type ChatwootErrorKind,
  classifyStatus,
  extractDetail,
  isChatwootError,
  isTransient,
  parseRetryAfter,
} from './errors.js';
export type { CallInfo, CallOptions, ChatwootClientOptions } from './http.js';
export type { MessageMethods } from './messages.js';
export {
  type AccountLabel,
  type Agent,
  type AttachmentUpload,
  CONVERSATION_STATUSES,
  type Contact,
  type ContactFilterCondition,
  type ContactInboxRef,
  type Conversation,
  type ConversationStatus,
  type CreateContactInput,
  type CreateConversationInput,
  type CreateMessageInput,
  type Inbox,
  type ListConversationsQuery,
  MESSAGE_TYPES,
  type Message,
  type MessageAttachment,
  type MessageDeliveryStatus,
  type MessageType,
  type Team,
  type UpdateContactInput,
} from './types.js';
