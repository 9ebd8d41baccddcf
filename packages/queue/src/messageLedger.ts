import type { Redis } from 'ioredis';

const LEDGER_TTL_S = 30 * 86_400;

/**
 * What the relay knows about one WhatsApp message.
 * `pending`: a Chatwoot create was (maybe) sent and its answer not recorded; a retry must look before creating.
 * `done`: it exists in Chatwoot. `skipped`: deliberately not mirrored (e.g. our own API echo).
 */
export type MessageRecord =
  | { state: 'pending'; conversationId: number; jobId: string; at: number }
  | { state: 'done'; conversationId: number; chatwootMessageId: number; at: number }
  | { state: 'skipped'; reason: string; at: number };

export interface MessageLedger {
  get(tenant: string, rawId: string): Promise<MessageRecord | null>;
  markPending(
    tenant: string,
    rawId: string,
    record: { conversationId: number; jobId: string },
  ): Promise<void>;
  markDone(
    tenant: string,
    rawId: string,
    record: { conversationId: number; chatwootMessageId: number },
  ): Promise<void>;
  markSkipped(tenant: string, rawId: string, reason: string): Promise<void>;
}

/** Per-message claims and the WhatsApp id → Chatwoot id mapping, kept 30 days. */
export function createMessageLedger(redis: Redis, prefix: string): MessageLedger {
  const key = (tenant: string, rawId: string) => `${prefix}:t:${tenant}:wamsg:${rawId}`;
  const write = async (tenant: string, rawId: string, record: MessageRecord) => {
    await redis.set(key(tenant, rawId), JSON.stringify(record), 'EX', LEDGER_TTL_S);
  };
  return {
    async get(tenant, rawId) {
      const raw = await redis.get(key(tenant, rawId));
      return raw === null ? null : (JSON.parse(raw) as MessageRecord);
    },
    markPending: (tenant, rawId, record) =>
      write(tenant, rawId, { state: 'pending', ...record, at: Date.now() }),
    markDone: (tenant, rawId, record) => write(tenant, rawId, { state: 'done', ...record, at: Date.now() }),
    markSkipped: (tenant, rawId, reason) =>
      write(tenant, rawId, { state: 'skipped', reason, at: Date.now() }),
  };
}
