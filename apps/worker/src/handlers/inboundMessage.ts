import type { ChatwootClient } from '@relay/chatwoot-client';
import { isChatwootError } from '@relay/chatwoot-client';
import type { RelayConfig } from '@relay/config';
import type { InboundMessage } from '@relay/domain';
import type { Logger } from '@relay/observability';
import type { InboundJobData, MessageLedger } from '@relay/queue';
import type { Redis } from 'ioredis';
import type { ChatCache, ChatEntry } from '../chatCache.js';
import { conversationForChat } from '../chatConversation.js';
import { type ChatIdentity, chatIdentity } from '../identity.js';
import { mediaNote, messageContent } from '../messageContent.js';
import type { TenantRuntime } from '../tenantRuntime.js';

/** What became of one inbound message. */
export type InboundOutcome = 'created' | 'reconciled' | 'duplicate' | 'skipped';

export interface InboundDeps {
  tenant: TenantRuntime;
  ledger: MessageLedger;
  chatCache: ChatCache;
  redis: Redis;
  config: Pick<RelayConfig, 'conversationCacheTtlMs' | 'mediaMaxBytes' | 'redisPrefix' | 'lockDurationMs'>;
  logger: Logger;
  jobId: string;
  signal?: AbortSignal;
  /** Runs once the message is mirrored (or settled as skipped): re-enqueues edits/reactions parked on it. */
  afterSettled?: (message: InboundMessage) => Promise<void>;
}

const RECONCILE_PAGES = 5;

/** Looks for a message we may have created before a crash: Chatwoot keeps our `source_id` (chatwoot-api.md §6.2). */
export async function findBySourceId(
  client: ChatwootClient,
  conversationId: number,
  sourceId: string,
  signal?: AbortSignal,
): Promise<number | null> {
  let before: number | undefined;
  for (let page = 0; page < RECONCILE_PAGES; page++) {
    const messages = await client.listMessages(conversationId, before === undefined ? {} : { before }, {
      signal,
    });
    const found = messages.find((message) => message.source_id === sourceId);
    if (found) return found.id;
    if (messages.length < 20) return null;
    before = Math.min(...messages.map((message) => message.id));
  }
  return null;
}

async function resolveIdentity(
  deps: InboundDeps,
  message: InboundMessage,
  cached: ChatEntry,
): Promise<ChatIdentity> {
  let lidPhone: string | null = null;
  if (message.chatKind === 'lid' && !message.phoneAlt) {
    if (cached.identifier) return { ...chatIdentity(message, null), identifier: cached.identifier };
    try {
      lidPhone = await deps.tenant.waha.getLidPhone(deps.tenant.config.wahaSession, message.chatId);
    } catch (error) {
      deps.logger.warn(
        { err: error, chatId: message.chatId },
        'lid lookup failed; keeping the lid as the identifier',
      );
    }
  }
  return chatIdentity(message, lidPhone);
}

async function downloadAttachments(deps: InboundDeps, message: InboundMessage) {
  const notes: string[] = [];
  if (message.mediaState === 'not_downloaded') notes.push(mediaNote(message, 'WAHA did not download it'));
  if (message.mediaState === 'error') notes.push(mediaNote(message, 'WAHA reported a download error'));
  if (message.mediaState !== 'available' || !message.media) return { attachments: [], notes };
  try {
    const file = await deps.tenant.waha.downloadMedia(message.media.url, {
      signal: deps.signal,
      maxBytes: deps.config.mediaMaxBytes,
    });
    const contentType = message.media.mimetype ?? file.contentType ?? 'application/octet-stream';
    const extension = contentType.split('/')[1]?.split(';')[0] ?? 'bin';
    const filename = message.media.filename ?? `${message.rawId}.${extension}`;
    return { attachments: [{ filename, contentType, data: file.data }], notes };
  } catch (error) {
    deps.logger.warn(
      { err: error, messageId: message.messageId },
      'media download failed; posting the text with a note',
    );
    return { attachments: [], notes: [...notes, mediaNote(message, (error as Error).message)] };
  }
}

/** How a message is written into Chatwoot, or null when it is deliberately not mirrored. */
function messageKind(deps: InboundDeps, message: InboundMessage) {
  if (!message.fromMe) return { message_type: 'incoming' as const, private: false };
  switch (deps.tenant.config.fromMeMode) {
    case 'ignore':
      return null;
    case 'private_note':
      return { message_type: 'outgoing' as const, private: true };
    case 'outgoing':
      return { message_type: 'outgoing' as const, private: false };
  }
}

/**
 * Mirrors one WhatsApp message into Chatwoot exactly once.
 * 1. Ledger: done or skipped before → nothing to do. 2. Contact + conversation (cached, serialized per contact).
 * 3. A pending claim from a crashed attempt → look for our `source_id` before creating again.
 * 4. Claim, create, record the Chatwoot id.
 */
export async function handleInboundMessage(data: InboundJobData, deps: InboundDeps): Promise<InboundOutcome> {
  const { message } = data;
  const tenantId = deps.tenant.config.id;
  const record = await deps.ledger.get(tenantId, message.rawId);
  if (record?.state === 'done' || record?.state === 'skipped') {
    await deps.afterSettled?.(message);
    return 'duplicate';
  }

  const kind = messageKind(deps, message);
  if (!kind) {
    await deps.ledger.markSkipped(tenantId, message.rawId, 'fromMe mirroring is off');
    await deps.afterSettled?.(message);
    return 'skipped';
  }
  if (message.fromMe && message.source === 'api' && (await deps.redis.exists(sentKey(deps, message.rawId)))) {
    await deps.ledger.markSkipped(tenantId, message.rawId, 'echo of a message the relay sent');
    await deps.afterSettled?.(message);
    return 'skipped';
  }

  if (record?.state === 'pending') {
    const existing = await findBySourceId(
      deps.tenant.chatwoot,
      record.conversationId,
      message.messageId,
      deps.signal,
    );
    if (existing !== null) {
      await deps.ledger.markDone(tenantId, message.rawId, {
        conversationId: record.conversationId,
        chatwootMessageId: existing,
      });
      await deps.afterSettled?.(message);
      return 'reconciled';
    }
  }

  const { attachments, notes } = await downloadAttachments(deps, message);
  const replyTo = message.replyToId ? await deps.ledger.get(tenantId, message.replyToId) : null;
  const input = {
    content: messageContent(message, notes),
    ...kind,
    source_id: message.messageId,
    ...(replyTo?.state === 'done' ? { content_attributes: { in_reply_to: replyTo.chatwootMessageId } } : {}),
    ...(attachments.length > 0 ? { attachments } : {}),
  };

  for (let pass = 1; ; pass++) {
    const conversationId = await conversationForChat(deps, message.chatId, (cached) =>
      resolveIdentity(deps, message, cached),
    );
    await deps.ledger.markPending(tenantId, message.rawId, { conversationId, jobId: deps.jobId });
    try {
      const created = await deps.tenant.chatwoot.createMessage(conversationId, input, {
        signal: deps.signal,
      });
      await deps.ledger.markDone(tenantId, message.rawId, { conversationId, chatwootMessageId: created.id });
      await deps.afterSettled?.(message);
      return 'created';
    } catch (error) {
      // A cached conversation that no longer exists: forget the chat and resolve it again, once.
      if (pass > 1 || !(isChatwootError(error) && error.kind === 'not_found')) throw error;
      deps.logger.warn(
        { conversationId, chatId: message.chatId },
        'cached conversation not found; resolving again',
      );
      await deps.chatCache.forget(tenantId, message.chatId);
    }
  }
}

/** Key set by the outbound path for every message the relay sent to WhatsApp. */
function sentKey(deps: InboundDeps, rawId: string): string {
  return `${deps.config.redisPrefix}:t:${deps.tenant.config.id}:sent:${rawId}`;
}
