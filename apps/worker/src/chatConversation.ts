import { isChatwootError } from '@relay/chatwoot-client';
import type { RelayConfig } from '@relay/config';
import type { Redis } from 'ioredis';
import type { ChatCache, ChatEntry } from './chatCache.js';
import { upsertContact } from './contactUpsert.js';
import { isReusable, upsertConversation } from './conversationUpsert.js';
import type { ChatIdentity } from './identity.js';
import { withRedisLock } from './redisLock.js';
import type { TenantRuntime } from './tenantRuntime.js';

export interface ChatConversationDeps {
  tenant: TenantRuntime;
  chatCache: ChatCache;
  redis: Redis;
  config: Pick<RelayConfig, 'conversationCacheTtlMs' | 'redisPrefix' | 'lockDurationMs'>;
  signal?: AbortSignal;
}

/** How long a chat waits for its contact's lock; the holder's Chatwoot calls time out well within it. */
const CONTACT_LOCK_WAIT_MS = 35_000;

/**
 * The chat's Chatwoot conversation: the cached one while fresh, or while Chatwoot still has it open; else the
 * contact (cached, or found/created by `identityOf`'s identity) and an open conversation of it, under the contact's
 * lock, and the result cached. `identityOf` is asked only when Chatwoot must be searched.
 */
export async function conversationForChat(
  deps: ChatConversationDeps,
  chatId: string,
  identityOf: (cached: ChatEntry) => Promise<ChatIdentity>,
): Promise<number> {
  const { tenant, chatCache, config, signal } = deps;
  const tenantId = tenant.config.id;
  const cached = await chatCache.get(tenantId, chatId);
  const fresh =
    cached.conversationCheckedAt !== undefined &&
    Date.now() - cached.conversationCheckedAt < config.conversationCacheTtlMs;
  if (fresh && cached.conversationId !== undefined) return cached.conversationId;

  const lock = await tenant.lockToSingleConversation(signal);
  if (cached.conversationId !== undefined && !lock) {
    try {
      const conversation = await tenant.chatwoot.getConversation(cached.conversationId, { signal });
      if (isReusable(conversation)) {
        await chatCache.set(tenantId, chatId, { conversationCheckedAt: Date.now() });
        return conversation.id;
      }
    } catch (error) {
      if (!(isChatwootError(error) && error.kind === 'not_found')) throw error;
    }
  }

  const identity = await identityOf(cached);
  // One contact may be reached through two chats (`@lid` and `@c.us`) in different partitions.
  const lockKey = `${config.redisPrefix}:t:${tenantId}:lock:contact:${identity.identifier}`;
  // The lease is the job lock's (WORKER_LOCK_DURATION_MS): a crashed worker's contact is free as soon as its job is.
  const lease = {
    ttlMs: config.lockDurationMs,
    waitMs: Math.max(CONTACT_LOCK_WAIT_MS, 2 * config.lockDurationMs),
  };
  return withRedisLock(deps.redis, lockKey, lease, async () => {
    const { created, ...contact } =
      cached.contactId !== undefined &&
      cached.sourceId !== undefined &&
      cached.identifier === identity.identifier
        ? { contactId: cached.contactId, sourceId: cached.sourceId, created: false }
        : await upsertContact(tenant.chatwoot, tenant.config.chatwoot.inboxId, identity, signal);
    const conversationId = await upsertConversation(
      tenant.chatwoot,
      {
        ...contact,
        inboxId: tenant.config.chatwoot.inboxId,
        lockToSingleConversation: lock,
        newContact: created,
      },
      signal,
    );
    await chatCache.set(tenantId, chatId, {
      identifier: identity.identifier,
      ...contact,
      conversationId,
      conversationCheckedAt: Date.now(),
    });
    return conversationId;
  });
}
