import { type ChatwootClient, createChatwootClient } from '@relay/chatwoot-client';
import type { TenantConfig } from '@relay/config';
import type { RelayMetrics } from '@relay/observability';
import { type TokenLimiter, tokenHash } from '@relay/rate-limit';
import { createWahaClient, type WahaClient } from '@relay/waha-client';
import { createChatwootCallPolicy } from './chatwootCallPolicy.js';

const INBOX_SETTINGS_TTL_MS = 5 * 60_000;

/** A tenant's clients and the inbox settings the worker needs, built once per process. */
export interface TenantRuntime {
  config: TenantConfig;
  /** Hash of the Chatwoot token: the limiter key and the only form of the token in logs and metrics. */
  tokenHash: string;
  chatwoot: ChatwootClient;
  waha: WahaClient;
  /** Whether the inbox locks contacts to a single conversation (read from Chatwoot, cached for 5 minutes). */
  lockToSingleConversation(signal?: AbortSignal): Promise<boolean>;
}

export interface TenantRegistry {
  get(tenantId: string): TenantRuntime | undefined;
}

export function createTenantRegistry(
  tenants: TenantConfig[],
  opts: { limiter: TokenLimiter; metrics?: RelayMetrics },
): TenantRegistry {
  const runtimes = new Map<string, TenantRuntime>();
  for (const config of tenants) {
    const hash = tokenHash(config.chatwoot.apiToken);
    const chatwoot = createChatwootClient({
      baseUrl: config.chatwoot.baseUrl,
      apiToken: config.chatwoot.apiToken,
      accountId: config.chatwoot.accountId,
      schedule: createChatwootCallPolicy({
        limiter: opts.limiter,
        tokenHash: hash,
        budget: config.chatwoot.budget,
      }),
      onCall: ({ endpoint, status }) => opts.metrics?.chatwootCalls.inc({ endpoint, status: String(status) }),
    });
    const waha = createWahaClient({ baseUrl: config.waha.baseUrl, apiKey: config.waha.apiKey ?? undefined });
    let inboxSettings: { lock: boolean; readAt: number } | null = null;
    runtimes.set(config.id, {
      config,
      tokenHash: hash,
      chatwoot,
      waha,
      async lockToSingleConversation(signal) {
        if (inboxSettings && Date.now() - inboxSettings.readAt < INBOX_SETTINGS_TTL_MS)
          return inboxSettings.lock;
        const inbox = await chatwoot.getInbox(config.chatwoot.inboxId, { signal });
        inboxSettings = { lock: inbox.lock_to_single_conversation, readAt: Date.now() };
        return inboxSettings.lock;
      },
    });
  }
  return { get: (tenantId) => runtimes.get(tenantId) };
}
