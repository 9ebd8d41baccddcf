import { type ChatwootClient, createChatwootClient } from '@relay/chatwoot-client';
import type { TenantConfig } from '@relay/config';
import type { RelayMetrics } from '@relay/observability';
import { createWahaClient, type WahaClient } from '@relay/waha-client';

const INBOX_SETTINGS_TTL_MS = 5 * 60_000;

/** A tenant's clients and the inbox settings the worker needs, built once per process. */
export interface TenantRuntime {
  config: TenantConfig;
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
  opts: { metrics?: RelayMetrics; schedule?: Parameters<typeof createChatwootClient>[0]['schedule'] } = {},
): TenantRegistry {
  const runtimes = new Map<string, TenantRuntime>();
  for (const config of tenants) {
    const chatwoot = createChatwootClient({
      baseUrl: config.chatwoot.baseUrl,
      apiToken: config.chatwoot.apiToken,
      accountId: config.chatwoot.accountId,
      schedule: opts.schedule,
      onCall: ({ endpoint, status }) => opts.metrics?.chatwootCalls.inc({ endpoint, status: String(status) }),
    });
    const waha = createWahaClient({ baseUrl: config.waha.baseUrl, apiKey: config.waha.apiKey ?? undefined });
    let inboxSettings: { lock: boolean; readAt: number } | null = null;
    runtimes.set(config.id, {
      config,
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
