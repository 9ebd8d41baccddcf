import type { Redis } from 'ioredis';

const CHAT_CACHE_TTL_S = 7 * 86_400;

/** What the relay remembers about one WhatsApp chat. Chatwoot stays the system of record: a lost entry is re-resolved. */
export interface ChatEntry {
  /** Chatwoot contact identifier (= contact_inbox source_id): the chat id, or the phone chat id of a resolved `@lid`. */
  identifier?: string;
  contactId?: number;
  sourceId?: string;
  conversationId?: number;
  /** When the conversation was last known to be open (ms). */
  conversationCheckedAt?: number;
}

export interface ChatCache {
  get(tenant: string, chatId: string): Promise<ChatEntry>;
  set(tenant: string, chatId: string, entry: ChatEntry): Promise<void>;
  forgetConversation(tenant: string, chatId: string): Promise<void>;
  forget(tenant: string, chatId: string): Promise<void>;
}

const NUMBER_FIELDS = new Set(['contactId', 'conversationId', 'conversationCheckedAt']);

export function createChatCache(redis: Redis, prefix: string): ChatCache {
  const key = (tenant: string, chatId: string) => `${prefix}:t:${tenant}:chat:${chatId}`;
  return {
    async get(tenant, chatId) {
      const raw = await redis.hgetall(key(tenant, chatId));
      const entry: Record<string, string | number> = {};
      for (const [field, value] of Object.entries(raw))
        entry[field] = NUMBER_FIELDS.has(field) ? Number(value) : value;
      return entry as ChatEntry;
    },
    async set(tenant, chatId, entry) {
      const fields = Object.entries(entry).filter(([, value]) => value !== undefined);
      if (fields.length === 0) return;
      await redis
        .multi()
        .hset(key(tenant, chatId), Object.fromEntries(fields.map(([field, value]) => [field, String(value)])))
        .expire(key(tenant, chatId), CHAT_CACHE_TTL_S)
        .exec();
    },
    async forgetConversation(tenant, chatId) {
      await redis.hdel(key(tenant, chatId), 'conversationId', 'conversationCheckedAt');
    },
    async forget(tenant, chatId) {
      await redis.del(key(tenant, chatId));
    },
  };
}
