/** Public and internal types of the Chatwoot simulator. */

/** Conversation statuses (Chatwoot enum order: 0 open, 1 resolved, 2 pending, 3 snoozed). */
export const SIM_CONVERSATION_STATUSES = ['open', 'resolved', 'pending', 'snoozed'] as const;
/** One of {@link SIM_CONVERSATION_STATUSES}. */
export type SimConversationStatus = (typeof SIM_CONVERSATION_STATUSES)[number];

/** Message types in REST order: 0 incoming, 1 outgoing, 2 activity, 3 template. */
export const SIM_MESSAGE_TYPES = ['incoming', 'outgoing', 'activity', 'template'] as const;

/** An inbox to create at start-up or with `addInbox`. */
export interface SimInboxInput {
  accountId: number;
  id?: number;
  name?: string;
  lockToSingleConversation?: boolean;
  /** Default `Channel::Api`. */
  channelType?: string;
}

/** Fixed-window rate limit per token (epoch-aligned windows, like rack-attack). */
export interface SimRateLimit {
  limit: number;
  windowMs: number;
}

/** Options of `startChatwootSimulator`. */
export interface ChatwootSimulatorOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Token → account id. Default `{ 'sim-token': 1 }`. */
  tokens?: Record<string, number>;
  /** Default: one API inbox, id 1, in account 1. */
  inboxes?: SimInboxInput[];
  /** Per token; 429 text/plain `Retry later\n` without Retry-After. Default null (off). */
  rateLimit?: SimRateLimit | null;
  /** `seed`: POST labels 404s for labels that are not account labels; `source` (default): accepted. */
  labelMode?: 'source' | 'seed';
  /** Added before every answer. Default 0. */
  latencyMs?: number;
  /** Chatwoot's CONVERSATION_MESSAGE_PER_MINUTE_LIMIT (422 "Too many messages"). Default 200; null = off. */
  messagesPerMinuteLimit?: number | null;
}

/** One request the simulator answered. */
export interface SimRequest {
  /** Epoch ms when the request arrived. */
  at: number;
  method: string;
  /** Path without query string. */
  path: string;
  /** Raw query string including `?` (empty when none), as sent on the wire. */
  query: string;
  /** Templated like the client's, e.g. `GET /conversations/:id/messages`; `METHOD <path>` when unrouted. */
  endpoint: string;
  status: number;
  /** First 12 hex chars of sha256(token); null without a token. */
  tokenHash: string | null;
  accountId: number | null;
}

/** A fault to inject; consumed in order, `count` times. */
export interface SimFault {
  /** Matches the templated path (`/contacts`), the endpoint (`POST /contacts`) or, as a RegExp, either. */
  endpoint?: string | RegExp;
  method?: string;
  /** Answer with this status (429 answers like rack-attack, others with a Rails-like JSON body). */
  status?: number;
  /** Hang this long, then destroy the socket. */
  timeoutMs?: number;
  /** Extra response headers (e.g. `Retry-After`), for clients that must parse them. */
  headers?: Record<string, string>;
  /** Only requests whose raw body matches (e.g. one contact's `identifier`), so a fault can target one chat. */
  requestBody?: RegExp;
  /** JSON body of a `status` answer instead of the generic one (e.g. a Rails 422 `{message, attributes}`). */
  responseBody?: unknown;
  /** Uses left; `Number.POSITIVE_INFINITY` keeps the fault until `clearFaults`. */
  count: number;
}

/** A stored contact. */
export interface SimContact {
  id: number;
  accountId: number;
  name: string | null;
  email: string | null;
  phone_number: string | null;
  identifier: string | null;
  blocked: boolean;
  additional_attributes: Record<string, unknown>;
  custom_attributes: Record<string, unknown>;
  created_at: number;
  last_activity_at: number | null;
}

/** A stored contact_inbox. */
export interface SimContactInbox {
  id: number;
  contactId: number;
  inboxId: number;
  sourceId: string;
  created_at: number;
}

/** A stored inbox. */
export interface SimInbox {
  id: number;
  accountId: number;
  name: string;
  channelType: string;
  lockToSingleConversation: boolean;
}

/** A stored conversation; `id` is the global id, `displayId` the per-account one used in the API. */
export interface SimConversation {
  id: number;
  displayId: number;
  accountId: number;
  uuid: string;
  inboxId: number;
  contactId: number;
  contactInboxId: number;
  status: SimConversationStatus;
  snoozedUntil: number | null;
  labels: string[];
  assigneeId: number | null;
  teamId: number | null;
  additional_attributes: Record<string, unknown>;
  custom_attributes: Record<string, unknown>;
  created_at: number;
  /** Float seconds, like Chatwoot. */
  updated_at: number;
  last_activity_at: number;
}

/** A stored attachment (metadata only; the bytes are not kept). */
export interface SimAttachment {
  id: number;
  file_type: 'image' | 'audio' | 'video' | 'file';
  filename: string;
  contentType: string;
  size: number;
  data_url: string;
}

/** A stored message. */
export interface SimMessage {
  id: number;
  accountId: number;
  conversationDisplayId: number;
  inboxId: number;
  content: string | null;
  /** 0 incoming, 1 outgoing, 2 activity, 3 template. */
  message_type: number;
  private: boolean;
  source_id: string | null;
  status: string;
  external_error: string | null;
  content_type: string;
  content_attributes: Record<string, unknown>;
  /** Unix seconds. */
  created_at: number;
  /** Epoch ms at creation (for rate checks and finer ordering). */
  createdAtMs: number;
  /** Global insertion order, 1-based: tests assert message order with it. */
  seq: number;
  attachments: SimAttachment[];
  senderType: 'contact' | 'user';
  senderId: number;
}
