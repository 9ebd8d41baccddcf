/**
 * Lenient normalisers: accept the real Chatwoot envelopes and the seed-doc shapes alike
 * (`payload` as array or object, flat or wrapped contact, `message_type` integer or string).
 */
import {
  CONVERSATION_STATUSES,
  type Contact,
  type ContactInboxRef,
  type Conversation,
  type ConversationStatus,
  type Inbox,
  MESSAGE_TYPES,
  type Message,
  type MessageAttachment,
  type MessageType,
} from './types.js';

/** A plain object, or null for anything else. */
export type Obj = Record<string, unknown>;

/** Returns `v` when it is a plain object, else null. */
export function asObj(v: unknown): Obj | null {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Obj) : null;
}

/** Returns `v` as a number (numeric strings included), else null. */
export function asNum(v: unknown): number | null {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return Number(v);
  return null;
}

/** Returns `v` when it is a string, else null. */
export function asStr(v: unknown): string | null {
  return typeof v === 'string' ? v : null;
}

/** Thrown (by the client) when a 2xx body cannot be understood at all. */
export class UnexpectedShapeError extends Error {
  override readonly name = 'UnexpectedShapeError';
}

/** Unwraps `payload` when the body is an object carrying one. */
export function unwrapPayload(body: unknown): unknown {
  const o = asObj(body);
  return o && 'payload' in o ? o.payload : body;
}

/** Finds the list in `[...]`, `{payload:[...]}` or `{data:{payload:[...]}}`; [] otherwise. */
export function listOf(body: unknown): unknown[] {
  if (Array.isArray(body)) return body;
  const o = asObj(body);
  if (!o) return [];
  if (Array.isArray(o.payload)) return o.payload;
  const data = asObj(o.data);
  if (data && Array.isArray(data.payload)) return data.payload;
  if (Array.isArray(o.data)) return o.data;
  return [];
}

function requireId(o: Obj | null, what: string): number {
  const id = o ? asNum(o.id) : null;
  if (id === null) throw new UnexpectedShapeError(`expected a ${what} with a numeric id`);
  return id;
}

function contactInboxes(v: unknown): ContactInboxRef[] {
  if (!Array.isArray(v)) return [];
  const out: ContactInboxRef[] = [];
  for (const item of v) {
    const o = asObj(item);
    const sourceId = o ? asStr(o.source_id) : null;
    const inboxId = o ? (asNum(asObj(o.inbox)?.id) ?? asNum(o.inbox_id)) : null;
    if (sourceId !== null && inboxId !== null) out.push({ source_id: sourceId, inbox_id: inboxId });
  }
  return out;
}

/** Normalises one contact object (already unwrapped). */
export function toContact(raw: unknown): Contact {
  const o = asObj(raw);
  return {
    id: requireId(o, 'contact'),
    name: asStr(o?.name),
    email: asStr(o?.email),
    phone_number: asStr(o?.phone_number),
    identifier: asStr(o?.identifier),
    custom_attributes: asObj(o?.custom_attributes) ?? {},
    contact_inboxes: contactInboxes(o?.contact_inboxes),
  };
}

/** Finds the contact in `{payload:{contact}}`, `{payload:contact}`, `{contact}` or a flat contact. */
export function contactFromBody(body: unknown): Contact {
  const inner = unwrapPayload(body);
  const o = asObj(inner);
  const wrapped = o ? asObj(o.contact) : null;
  return toContact(wrapped ?? inner);
}

function toStatus(v: unknown): ConversationStatus {
  if (typeof v === 'string' && (CONVERSATION_STATUSES as readonly string[]).includes(v)) {
    return v as ConversationStatus;
  }
  const n = asNum(v);
  return n !== null ? (CONVERSATION_STATUSES[n] ?? 'open') : 'open';
}

/** Normalises one conversation object (`id` is the display id). */
export function toConversation(raw: unknown): Conversation {
  const o = asObj(raw);
  const sender = asObj(asObj(o?.meta)?.sender);
  const contactInbox = asObj(o?.contact_inbox);
  const labels = Array.isArray(o?.labels) ? o.labels.filter((l): l is string => typeof l === 'string') : [];
  return {
    id: requireId(o, 'conversation'),
    status: toStatus(o?.status),
    inbox_id: asNum(o?.inbox_id) ?? 0,
    contact_id: asNum(sender?.id) ?? asNum(o?.contact_id),
    source_id: asStr(contactInbox?.source_id) ?? asStr(o?.source_id),
    labels,
  };
}

/** Finds the conversation in `{payload:conversation}` or a bare conversation object. */
export function conversationFromBody(body: unknown): Conversation {
  const o = asObj(body);
  return toConversation(o && !('id' in o) && 'payload' in o ? o.payload : body);
}

function toMessageType(v: unknown): MessageType {
  if (typeof v === 'string' && (MESSAGE_TYPES as readonly string[]).includes(v)) return v as MessageType;
  const n = asNum(v);
  return n !== null ? (MESSAGE_TYPES[n] ?? 'activity') : 'activity';
}

function toUnixSeconds(v: unknown): number {
  const n = asNum(v);
  if (n !== null) return Math.floor(n);
  if (typeof v === 'string') {
    const ms = Date.parse(v);
    if (!Number.isNaN(ms)) return Math.floor(ms / 1000);
  }
  return 0;
}

function toAttachments(v: unknown): MessageAttachment[] {
  if (!Array.isArray(v)) return [];
  return v.map((item) => {
    const o = asObj(item);
    const out: MessageAttachment = {};
    const fileType = asStr(o?.file_type);
    const dataUrl = asStr(o?.data_url);
    if (fileType !== null) out.file_type = fileType;
    if (dataUrl !== null) out.data_url = dataUrl;
    return out;
  });
}

function contentAttributes(v: unknown): Record<string, unknown> {
  if (typeof v === 'string') {
    try {
      return asObj(JSON.parse(v)) ?? {};
    } catch {
      return {};
    }
  }
  return asObj(v) ?? {};
}

/** Normalises one message object. */
export function toMessage(raw: unknown): Message {
  const o = asObj(raw);
  return {
    id: requireId(o, 'message'),
    conversation_id: asNum(o?.conversation_id) ?? asNum(asObj(o?.conversation)?.id) ?? 0,
    content: asStr(o?.content),
    message_type: toMessageType(o?.message_type),
    private: o?.private === true,
    source_id: asStr(o?.source_id),
    status: asStr(o?.status),
    created_at: toUnixSeconds(o?.created_at),
    content_attributes: contentAttributes(o?.content_attributes),
    attachments: toAttachments(o?.attachments),
  };
}

/** Finds the message in `{payload:message}` or a bare message object. */
export function messageFromBody(body: unknown): Message {
  const o = asObj(body);
  return toMessage(o && !('id' in o) && 'payload' in o ? o.payload : body);
}

/** Normalises one inbox object. */
export function toInbox(raw: unknown): Inbox {
  const o = asObj(raw);
  return {
    id: requireId(o, 'inbox'),
    name: asStr(o?.name) ?? '',
    channel_type: asStr(o?.channel_type) ?? '',
    lock_to_single_conversation: o?.lock_to_single_conversation === true,
  };
}

/** Reads the string labels of `{payload:[...]}`, `{labels:[...]}` or `[...]`. */
export function labelsFromBody(body: unknown): string[] {
  const o = asObj(body);
  const list = o && Array.isArray(o.labels) ? o.labels : listOf(body);
  return list.filter((l): l is string => typeof l === 'string');
}
