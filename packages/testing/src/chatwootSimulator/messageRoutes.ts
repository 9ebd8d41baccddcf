/** Message endpoints (chatwoot-api.md §6). */
import { SimHttpError, unprocessable } from './errors.js';
import type { MultipartFile } from './multipart.js';
import type { SimContext, SimRoute } from './router.js';
import { agentJson, contactJson, messageJson } from './serialize.js';
import { SIM_AGENT } from './store.js';
import { SIM_MESSAGE_TYPES, type SimAttachment, type SimConversation, type SimMessage } from './types.js';

const DELIVERY_STATUSES = ['sent', 'delivered', 'read', 'failed'];
const MINUTE_MS = 60_000;

function parseMessageType(v: unknown): number {
  if (v === undefined || v === null || v === '') return 1;
  const asNumber = typeof v === 'number' ? v : /^\d+$/.test(String(v)) ? Number(v) : null;
  const index = asNumber ?? (SIM_MESSAGE_TYPES as readonly string[]).indexOf(String(v));
  if (index < 0 || index >= SIM_MESSAGE_TYPES.length)
    throw unprocessable(`'${String(v)}' is not a valid message_type`);
  return index;
}

function parseAttributes(v: unknown): Record<string, unknown> {
  if (typeof v === 'string') {
    try {
      return parseAttributes(JSON.parse(v));
    } catch {
      return {};
    }
  }
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

function fileType(contentType: string): SimAttachment['file_type'] {
  const major = contentType.split('/')[0];
  return major === 'image' || major === 'audio' || major === 'video' ? major : 'file';
}

/** MessageBuilder: validates, stores and returns a new message (also used by conversation create). */
export function buildMessage(
  ctx: SimContext,
  conversation: SimConversation,
  params: Record<string, unknown>,
  files: MultipartFile[],
): SimMessage {
  const inbox = ctx.store.inboxes.get(conversation.inboxId);
  const type = parseMessageType(params.message_type);
  if (type === 0 && inbox?.channelType !== 'Channel::Api') {
    throw unprocessable('Incoming messages are only allowed in Api inboxes');
  }
  const account = ctx.store.account(ctx.accountId);
  const list = account.messages.get(conversation.displayId) ?? [];
  const nowMs = Date.now();
  const limit = ctx.settings.messagesPerMinuteLimit;
  if (limit !== null && list.filter((m) => m.createdAtMs > nowMs - MINUTE_MS).length >= limit) {
    throw unprocessable('Validation failed: Too many messages');
  }
  const content = params.content === undefined || params.content === null ? null : String(params.content);
  if (content !== null && content.length > 150_000) {
    throw unprocessable('Validation failed: Content is too long (maximum is 150000 characters)');
  }
  const id = ctx.store.nextId('message');
  const attachments = files
    .filter((f) => f.field === 'attachments[]' || f.field === 'attachments')
    .map((f): SimAttachment => {
      const fileId = ctx.store.nextId('file');
      return {
        id: fileId,
        file_type: fileType(f.contentType),
        filename: f.filename,
        contentType: f.contentType,
        size: f.data.length,
        data_url: `${ctx.settings.baseUrl}/rails/active_storage/blobs/sim/${fileId}/${encodeURIComponent(f.filename)}`,
      };
    });
  const message: SimMessage = {
    id,
    accountId: ctx.accountId,
    conversationDisplayId: conversation.displayId,
    inboxId: conversation.inboxId,
    content,
    message_type: type,
    private: params.private === true || params.private === 'true',
    source_id: params.source_id === undefined || params.source_id === null ? null : String(params.source_id),
    status: 'sent',
    external_error: null,
    content_type: typeof params.content_type === 'string' ? params.content_type : 'text',
    content_attributes: parseAttributes(params.content_attributes),
    created_at: Math.floor(nowMs / 1000),
    createdAtMs: nowMs,
    seq: ctx.store.nextMessageOrder(),
    attachments,
    senderType: type === 0 ? 'contact' : 'user',
    senderId: type === 0 ? conversation.contactId : SIM_AGENT.id,
  };
  list.push(message);
  account.messages.set(conversation.displayId, list);
  conversation.last_activity_at = message.created_at;
  conversation.updated_at = nowMs / 1000;
  if (type === 0) {
    // Message#reopen_conversation: an incoming message reopens resolved/snoozed conversations on API inboxes.
    if (conversation.status === 'resolved' || conversation.status === 'snoozed') {
      conversation.status = 'open';
      conversation.snoozedUntil = null;
    }
    const contact = account.contacts.get(conversation.contactId);
    if (contact) contact.last_activity_at = message.created_at;
  }
  return message;
}

function idParam(v: string | null): number | null {
  if (v === null || !/^\d+$/.test(v)) return null;
  return Number(v);
}

function list(ctx: SimContext) {
  const conversation = ctx.store.conversation(ctx.accountId, ctx.params.id);
  const account = ctx.store.account(ctx.accountId);
  const all = account.messages.get(conversation.displayId) ?? [];
  const before = idParam(ctx.query.get('before'));
  const after = idParam(ctx.query.get('after'));
  let selected: SimMessage[];
  if (before !== null && after !== null) {
    selected = all.filter((m) => m.id > after && m.id < before).slice(0, 1000);
  } else if (before !== null) {
    selected = all.filter((m) => m.id < before).slice(-20);
  } else if (after !== null) {
    selected = all.filter((m) => m.id > after).slice(0, 100);
  } else {
    selected = all.slice(-20);
  }
  const contact = account.contacts.get(conversation.contactId);
  return {
    body: {
      meta: {
        labels: conversation.labels,
        additional_attributes: conversation.additional_attributes,
        contact: contact ? contactJson(ctx.store, contact, false) : null,
        ...(conversation.assigneeId !== null ? { assignee: agentJson() } : {}),
        agent_last_seen_at: null,
        assignee_last_seen_at: null,
      },
      payload: selected.map((m) => messageJson(ctx.store, m)),
    },
  };
}

function create(ctx: SimContext) {
  const conversation = ctx.store.conversation(ctx.accountId, ctx.params.id);
  const message = buildMessage(ctx, conversation, ctx.body, ctx.files);
  return { body: messageJson(ctx.store, message, ctx.body.echo_id) };
}

function updateStatus(ctx: SimContext) {
  const conversation = ctx.store.conversation(ctx.accountId, ctx.params.id);
  const message = (ctx.store.account(ctx.accountId).messages.get(conversation.displayId) ?? []).find(
    (m) => m.id === Number(ctx.params.messageId),
  );
  if (!message) throw new SimHttpError(404, { error: 'Resource could not be found' });
  if (ctx.store.inboxes.get(conversation.inboxId)?.channelType !== 'Channel::Api') {
    throw new SimHttpError(403, { error: 'Message status update is only allowed for API inboxes' });
  }
  const status = String(ctx.body.status);
  if (!DELIVERY_STATUSES.includes(status)) throw unprocessable(`'${status}' is not a valid status`);
  message.status = status;
  message.external_error = typeof ctx.body.external_error === 'string' ? ctx.body.external_error : null;
  return { body: messageJson(ctx.store, message) };
}

/** Routes of the message endpoints. */
export const messageRoutes: SimRoute[] = [
  { method: 'GET', template: '/conversations/:id/messages', handler: list },
  { method: 'POST', template: '/conversations/:id/messages', handler: create },
  { method: 'PATCH', template: '/conversations/:id/messages/:messageId', handler: updateStatus },
];
