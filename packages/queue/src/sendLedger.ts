import type { Redis } from 'ioredis';

const LEDGER_TTL_S = 30 * 86_400;
const PARKED_ACK_TTL_S = 86_400;

/**
 * One WhatsApp message the relay sends for a Chatwoot message (a message with text and two files is three parts).
 * `pending`: WAHA was (maybe) asked and its answer not recorded; a retry must look in the chat before sending.
 * `sent`: WAHA answered with `waId`.
 */
export type SendPartRecord =
  | { state: 'pending'; chatId: string; jobId: string; at: number }
  | { state: 'sent'; chatId: string; waId: string; rawId: string; at: number };

/** What a Chatwoot message's delivery came to; absent while it is under way. */
export type SendMessageRecord =
  | { state: 'done'; conversationId: number; parts: number; at: number }
  | { state: 'failed'; conversationId: number; reason: string; at: number };

/** A WhatsApp message the relay sent, by its bare id: the reverse mapping used by acks, replies and the echo check. */
export interface SentMapping {
  tenant: string;
  conversationId: number;
  chatwootMessageId: number;
  chatId: string;
  /** Serialized WhatsApp id `true_<chat>_<rawId>`, what `reply_to` needs. */
  waId: string;
  part: number;
}

/** Exactly-once bookkeeping of the outbound path, in Redis (30 days). */
export interface SendLedger {
  getPart(tenant: string, chatwootMessageId: number, part: number): Promise<SendPartRecord | null>;
  markPending(
    tenant: string,
    chatwootMessageId: number,
    part: number,
    claim: { chatId: string; jobId: string },
  ): Promise<void>;
  /**
   * Records WAHA's answer: the part becomes `sent` and `sent:<rawId>` (the key the inbound path checks to skip
   * our own `message.any` echo) maps the WhatsApp id back to the Chatwoot message. One MULTI.
   */
  markSent(mapping: SentMapping, rawId: string): Promise<void>;
  /** Whether (and for which Chatwoot message) the relay sent this WhatsApp message. */
  getSent(tenant: string, rawId: string): Promise<SentMapping | null>;
  getMessage(tenant: string, chatwootMessageId: number): Promise<SendMessageRecord | null>;
  markMessage(tenant: string, chatwootMessageId: number, record: SendMessageRecord): Promise<void>;
  /** Forgets a failed message's parts so that a Chatwoot "retry" sends it again. */
  resetForResend(tenant: string, chatwootMessageId: number, parts: number): Promise<void>;
  /** Keeps an ack that arrived before its mapping (the highest one wins). */
  parkAck(tenant: string, rawId: string, ack: number): Promise<void>;
  /** Takes (and removes) the parked ack of a WhatsApp message. */
  takeParkedAck(tenant: string, rawId: string): Promise<number | null>;
  /** Raises the highest ack applied to a Chatwoot message; false when it was already as high. */
  raiseAppliedAck(tenant: string, chatwootMessageId: number, ack: number): Promise<boolean>;
  appliedAck(tenant: string, chatwootMessageId: number): Promise<number | null>;
}

const PARK_MAX_SCRIPT = `
local current = tonumber(redis.call('GET', KEYS[1]) or '-100')
if tonumber(ARGV[1]) > current then redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2]) return 1 end
return 0`;

/** Creates the outbound ledger under `prefix` (keys `<prefix>:t:<tenant>:cwmsg:…`, `…:sent:<rawId>`, `…:ack…`). */
export function createSendLedger(redis: Redis, prefix: string): SendLedger {
  const t = (tenant: string) => `${prefix}:t:${tenant}`;
  const partKey = (tenant: string, id: number, part: number) => `${t(tenant)}:cwmsg:${id}:p${part}`;
  const messageKey = (tenant: string, id: number) => `${t(tenant)}:cwmsg:${id}`;
  const sentKey = (tenant: string, rawId: string) => `${t(tenant)}:sent:${rawId}`;
  const parkedKey = (tenant: string, rawId: string) => `${t(tenant)}:ack-parked:${rawId}`;
  const appliedKey = (tenant: string, id: number) => `${t(tenant)}:ack-applied:${id}`;
  const read = async <T>(key: string): Promise<T | null> => {
    const raw = await redis.get(key);
    return raw === null ? null : (JSON.parse(raw) as T);
  };
  return {
    getPart: (tenant, id, part) => read<SendPartRecord>(partKey(tenant, id, part)),
    async markPending(tenant, id, part, claim) {
      const record: SendPartRecord = { state: 'pending', ...claim, at: Date.now() };
      await redis.set(partKey(tenant, id, part), JSON.stringify(record), 'EX', LEDGER_TTL_S);
    },
    async markSent(mapping, rawId) {
      const record: SendPartRecord = {
        state: 'sent',
        chatId: mapping.chatId,
        waId: mapping.waId,
        rawId,
        at: Date.now(),
      };
      await redis
        .multi()
        .set(sentKey(mapping.tenant, rawId), JSON.stringify(mapping), 'EX', LEDGER_TTL_S)
        .set(
          partKey(mapping.tenant, mapping.chatwootMessageId, mapping.part),
          JSON.stringify(record),
          'EX',
          LEDGER_TTL_S,
        )
        .exec();
    },
    getSent: (tenant, rawId) => read<SentMapping>(sentKey(tenant, rawId)),
    getMessage: (tenant, id) => read<SendMessageRecord>(messageKey(tenant, id)),
    async markMessage(tenant, id, record) {
      await redis.set(messageKey(tenant, id), JSON.stringify(record), 'EX', LEDGER_TTL_S);
    },
    async resetForResend(tenant, id, parts) {
      const keys = [messageKey(tenant, id)];
      for (let part = 0; part < parts; part++) keys.push(partKey(tenant, id, part));
      await redis.del(...keys);
    },
    async parkAck(tenant, rawId, ack) {
      await redis.eval(PARK_MAX_SCRIPT, 1, parkedKey(tenant, rawId), String(ack), String(PARKED_ACK_TTL_S));
    },
    async takeParkedAck(tenant, rawId) {
      const raw = await redis.getdel(parkedKey(tenant, rawId));
      return raw === null ? null : Number(raw);
    },
    async raiseAppliedAck(tenant, id, ack) {
      const raised = await redis.eval(
        PARK_MAX_SCRIPT,
        1,
        appliedKey(tenant, id),
        String(ack),
        String(LEDGER_TTL_S),
      );
      return raised === 1;
    },
    async appliedAck(tenant, id) {
      const raw = await redis.get(appliedKey(tenant, id));
      return raw === null ? null : Number(raw);
    },
  };
}
