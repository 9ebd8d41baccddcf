/**
 * Chatwoot webhook payloads and signatures for tests (`shared/reference/chatwoot-api.md` §9.3, §9.4). The Chatwoot
 * simulator does not post webhooks itself: tests build them here from what the simulator holds and post them.
 */
import { createHmac, randomUUID } from 'node:crypto';

/** A webhook attachment (`attachment.push_event_data`). */
export interface ChatwootWebhookAttachment {
  id?: number;
  file_type: 'image' | 'audio' | 'video' | 'file' | string;
  data_url: string;
  extension?: string | null;
  file_size?: number;
}

/** Options of {@link buildChatwootMessageWebhook}. */
export interface ChatwootMessageWebhookOptions {
  event?: 'message_created' | 'message_updated';
  /** Chatwoot message id. */
  id: number;
  /** Conversation display id. */
  conversationId: number;
  /** The contact_inbox `source_id` (the relay uses the WhatsApp chat id). */
  chatId: string;
  content: string | null;
  messageType?: 'incoming' | 'outgoing' | 'template' | 'activity';
  private?: boolean;
  sourceId?: string | null;
  /** Default a user (agent). `contact` gives a sender without `type`, as Chatwoot does. */
  sender?: 'user' | 'agent_bot' | 'contact';
  accountId?: number;
  inboxId?: number;
  status?: 'sent' | 'delivered' | 'read' | 'failed' | 'progress';
  contentAttributes?: Record<string, unknown>;
  attachments?: ChatwootWebhookAttachment[];
  phone?: string | null;
}

/** `message_created` / `message_updated` as an account or API-inbox webhook sends it (`message.webhook_data`). */
export function buildChatwootMessageWebhook(opts: ChatwootMessageWebhookOptions): Record<string, unknown> {
  const accountId = opts.accountId ?? 1;
  const inboxId = opts.inboxId ?? 1;
  const sender =
    opts.sender === 'contact'
      ? { id: 7, name: 'Customer', email: null, phone_number: opts.phone ?? null, identifier: opts.chatId }
      : opts.sender === 'agent_bot'
        ? { id: 3, name: 'Bot', type: 'agent_bot' }
        : { id: 1, name: 'Agent Smith', email: 'agent@example.com', type: 'user' };
  return {
    event: opts.event ?? 'message_created',
    id: opts.id,
    content: opts.content,
    content_type: 'text',
    content_attributes: opts.contentAttributes ?? {},
    additional_attributes: {},
    message_type: opts.messageType ?? 'outgoing',
    private: opts.private ?? false,
    source_id: opts.sourceId ?? null,
    status: opts.status ?? 'sent',
    created_at: new Date().toISOString(),
    account: { id: accountId, name: 'Dealer' },
    inbox: { id: inboxId, name: 'WhatsApp' },
    sender,
    conversation: conversationData({ ...opts, inboxId, status: 'open' }),
    ...(opts.attachments ? { attachments: opts.attachments } : {}),
  };
}

function conversationData(opts: {
  conversationId: number;
  chatId: string;
  inboxId: number;
  status: string;
  phone?: string | null;
}): Record<string, unknown> {
  const now = Math.floor(Date.now() / 1000);
  return {
    id: opts.conversationId,
    inbox_id: opts.inboxId,
    status: opts.status,
    channel: 'Channel::Api',
    can_reply: true,
    labels: [],
    additional_attributes: {},
    custom_attributes: {},
    contact_inbox: { id: 11, contact_id: 7, inbox_id: opts.inboxId, source_id: opts.chatId },
    meta: {
      sender: {
        id: 7,
        name: 'Customer',
        identifier: opts.chatId,
        phone_number: opts.phone ?? null,
        type: 'contact',
      },
      assignee: null,
    },
    timestamp: now,
    created_at: now,
    updated_at: Date.now() / 1000,
    messages: [],
  };
}

/** `conversation_status_changed` (no top-level `account`, §9.4). */
export function buildConversationStatusWebhook(opts: {
  conversationId: number;
  chatId: string;
  status: 'open' | 'resolved' | 'pending' | 'snoozed';
  inboxId?: number;
}): Record<string, unknown> {
  return {
    event: 'conversation_status_changed',
    ...conversationData({ ...opts, inboxId: opts.inboxId ?? 1 }),
    changed_attributes: null,
  };
}

/** `sha256=` + hex HMAC-SHA256(secret, `<timestamp>.<raw body>`), as `X-Chatwoot-Signature`. */
export function signChatwootBody(rawBody: string, secret: string, timestampSec: number): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestampSec}.${rawBody}`).digest('hex')}`;
}

/** Options of {@link postChatwootWebhook}. */
export interface PostChatwootWebhookOptions {
  /** Sign with this secret (adds `X-Chatwoot-Timestamp` and `X-Chatwoot-Signature`). */
  secret?: string;
  /** Unix seconds of the signature; default now. */
  timestampSec?: number;
  /** `X-Chatwoot-Delivery`; default a fresh UUID. Reuse it to replay one delivery. */
  deliveryId?: string;
  rawBody?: string;
  headers?: Record<string, string>;
}

/** POSTs a webhook the way Chatwoot does (`lib/webhooks/trigger.rb`). */
export async function postChatwootWebhook(
  url: string,
  payload: unknown,
  opts: PostChatwootWebhookOptions = {},
): Promise<{ status: number; body: unknown; retryAfter: string | null; deliveryId: string }> {
  const raw = opts.rawBody ?? JSON.stringify(payload);
  const deliveryId = opts.deliveryId ?? randomUUID();
  const headers: Record<string, string> = {
    'Content-Type': 'application/json',
    'X-Chatwoot-Delivery': deliveryId,
  };
  if (opts.secret !== undefined) {
    const timestamp = opts.timestampSec ?? Math.floor(Date.now() / 1000);
    headers['X-Chatwoot-Timestamp'] = String(timestamp);
    headers['X-Chatwoot-Signature'] = signChatwootBody(raw, opts.secret, timestamp);
  }
  Object.assign(headers, opts.headers);
  const res = await fetch(url, { method: 'POST', headers, body: raw });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = text === '' ? null : (JSON.parse(text) as unknown);
  } catch {
    // Not JSON: keep the text.
  }
  return { status: res.status, body, retryAfter: res.headers.get('retry-after'), deliveryId };
}
