import type { RelayConfig } from '@relay/config';
import type { Logger } from '@relay/observability';
import {
  type MessageChangeJobData,
  type MessageLedger,
  messageChangeKey,
  type ParkedChanges,
  type SendLedger,
} from '@relay/queue';
import type { Redis } from 'ioredis';
import type { TenantRuntime } from '../tenantRuntime.js';
import { findBySourceId } from './inboundMessage.js';

/** What became of one edit, delete or reaction. */
export type MessageChangeOutcome = 'created' | 'reconciled' | 'duplicate' | 'skipped' | 'parked';

export interface MessageChangeDeps {
  tenant: TenantRuntime;
  ledger: MessageLedger;
  sendLedger: Pick<SendLedger, 'getSent'>;
  parked: ParkedChanges;
  redis: Redis;
  config: Pick<RelayConfig, 'redisPrefix' | 'changeMirroring'>;
  logger: Logger;
  jobId: string;
  signal?: AbortSignal;
}

const SNIPPET_CHARS = 80;
const TTL_S = 30 * 86_400;

const snippetKey = (prefix: string, tenant: string, rawId: string) => `${prefix}:t:${tenant}:wabody:${rawId}`;
const reactionKey = (prefix: string, tenant: string, rawId: string, who: string) =>
  `${prefix}:t:${tenant}:reaction:${rawId}:${who}`;

/** Keeps the start of a mirrored message's text, so a later reaction can quote it. */
export async function rememberSnippet(
  redis: Redis,
  prefix: string,
  tenant: string,
  rawId: string,
  body: string | null,
): Promise<void> {
  if (!body) return;
  await redis.set(snippetKey(prefix, tenant, rawId), body.slice(0, SNIPPET_CHARS), 'EX', TTL_S);
}

/** The Chatwoot message the change points at: mirrored by us from WhatsApp, or an agent reply we sent. */
async function originalOf(
  data: MessageChangeJobData,
  deps: MessageChangeDeps,
): Promise<
  { state: 'found'; conversationId: number; chatwootMessageId: number } | { state: 'skipped' | 'missing' }
> {
  const tenantId = deps.tenant.config.id;
  const record = await deps.ledger.get(tenantId, data.change.originalRawId);
  if (record?.state === 'done')
    return {
      state: 'found',
      conversationId: record.conversationId,
      chatwootMessageId: record.chatwootMessageId,
    };
  const sent = await deps.sendLedger.getSent(tenantId, data.change.originalRawId);
  if (sent)
    return { state: 'found', conversationId: sent.conversationId, chatwootMessageId: sent.chatwootMessageId };
  return record?.state === 'skipped' ? { state: 'skipped' } : { state: 'missing' };
}

function enabled(data: MessageChangeJobData, deps: MessageChangeDeps): boolean {
  const setting = deps.config.changeMirroring;
  const { kind, text } = data.change;
  if (kind === 'edit') return setting.edits;
  if (kind === 'revoke') return setting.deletes;
  return setting.reactions && (text !== '' || setting.reactionRemovals);
}

/**
 * Mirrors one WhatsApp edit, delete or reaction into Chatwoot exactly once, as a reply to its original.
 * 1. Off by `CHANGE_MIRRORING` or already done → nothing. 2. Original not mirrored yet → parked under its raw id
 * (park first, then look again: whichever of this and the original's hook runs second sees the other's write).
 * 3. A pending claim → look for our `source_id` first. 4. Claim, create, record.
 */
export async function handleMessageChange(
  data: MessageChangeJobData,
  deps: MessageChangeDeps,
): Promise<MessageChangeOutcome> {
  const { change } = data;
  const tenantId = deps.tenant.config.id;
  const prefix = deps.config.redisPrefix;
  if (!enabled(data, deps)) return 'skipped';
  const key = messageChangeKey(change);
  const record = await deps.ledger.get(tenantId, key);
  if (record?.state === 'done' || record?.state === 'skipped') return 'duplicate';

  let original = await originalOf(data, deps);
  if (original.state === 'missing') {
    await deps.parked.park(tenantId, change.originalRawId, data);
    original = await originalOf(data, deps);
    if (original.state === 'missing') return 'parked';
    await deps.parked.remove(tenantId, change.originalRawId, [key]);
  }
  if (original.state === 'skipped') {
    await deps.ledger.markSkipped(tenantId, key, 'original message is not mirrored');
    return 'skipped';
  }
  if (original.state !== 'found') return 'parked';
  const fromMeMode = deps.tenant.config.fromMeMode;
  if (change.fromMe && change.kind !== 'revoke' && fromMeMode === 'ignore') {
    await deps.ledger.markSkipped(tenantId, key, 'fromMe mirroring is off');
    return 'skipped';
  }

  const sourceId = key;
  const { conversationId, chatwootMessageId } = original;
  if (record?.state === 'pending') {
    const existing = await findBySourceId(deps.tenant.chatwoot, record.conversationId, sourceId, deps.signal);
    if (existing !== null) {
      await deps.ledger.markDone(tenantId, key, {
        conversationId: record.conversationId,
        chatwootMessageId: existing,
      });
      return 'reconciled';
    }
  }

  const who = change.fromMe ? 'me' : data.chatId;
  let content: string;
  if (change.kind === 'edit') content = `✏️ Edited: ${change.text ?? ''}`;
  else if (change.kind === 'revoke') content = '🗑️ Deleted in WhatsApp';
  else if (change.text) {
    const snippet = await deps.redis.get(snippetKey(prefix, tenantId, change.originalRawId));
    content = `${change.text} reacted to: "${snippet ?? '…'}"`;
  } else {
    const previous = await deps.redis.get(reactionKey(prefix, tenantId, change.originalRawId, who));
    content = previous ? `Reaction ${previous} removed` : 'Reaction removed';
  }
  const kind =
    change.kind === 'revoke'
      ? { message_type: 'outgoing' as const, private: true }
      : !change.fromMe
        ? { message_type: 'incoming' as const, private: false }
        : { message_type: 'outgoing' as const, private: fromMeMode === 'private_note' };

  await deps.ledger.markPending(tenantId, key, { conversationId, jobId: deps.jobId });
  const created = await deps.tenant.chatwoot.createMessage(
    conversationId,
    { content, ...kind, source_id: sourceId, content_attributes: { in_reply_to: chatwootMessageId } },
    { signal: deps.signal },
  );
  await deps.ledger.markDone(tenantId, key, { conversationId, chatwootMessageId: created.id });
  if (change.kind === 'reaction' && change.text)
    await deps.redis.set(reactionKey(prefix, tenantId, change.originalRawId, who), change.text, 'EX', TTL_S);
  return 'created';
}
