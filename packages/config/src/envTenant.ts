import type { Env } from './settings.js';

/** The single-tenant variables; all of them are needed when TENANTS_FILE is not set. */
export const SINGLE_TENANT_KEYS = [
  'CHATWOOT_BASE_URL',
  'CHATWOOT_API_TOKEN',
  'CHATWOOT_ACCOUNT_ID',
  'CHATWOOT_INBOX_ID',
  'WAHA_BASE_URL',
] as const;

/** The single tenant the variables describe, in the tenants-file shape, for the same validation. */
export function tenantFromEnv(env: Env): unknown {
  const optional = (name: string) => (env[name] === undefined || env[name] === '' ? undefined : env[name]);
  const hmacKeys = [optional('WAHA_WEBHOOK_HMAC_KEY'), optional('WAHA_WEBHOOK_HMAC_KEY_PREVIOUS')].filter(
    (key): key is string => key !== undefined,
  );
  const cwSecrets = [
    optional('CHATWOOT_WEBHOOK_SECRET'),
    optional('CHATWOOT_WEBHOOK_SECRET_PREVIOUS'),
  ].filter((secret): secret is string => secret !== undefined);
  return {
    tenants: [
      {
        wahaSession: optional('WAHA_SESSION') ?? 'default',
        chatwoot: {
          baseUrl: optional('CHATWOOT_BASE_URL'),
          apiToken: optional('CHATWOOT_API_TOKEN'),
          accountId: optional('CHATWOOT_ACCOUNT_ID'),
          inboxId: optional('CHATWOOT_INBOX_ID'),
          budgetPerWindow: optional('CHATWOOT_BUDGET_PER_WINDOW'),
          budgetWindowSeconds: optional('CHATWOOT_BUDGET_WINDOW_SECONDS'),
          maxConcurrentCalls: optional('CHATWOOT_MAX_CONCURRENT_CALLS'),
          webhookSecret: cwSecrets.length > 0 ? cwSecrets : undefined,
          webhookToken: optional('CHATWOOT_WEBHOOK_TOKEN'),
        },
        waha: {
          baseUrl: optional('WAHA_BASE_URL'),
          apiKey: optional('WAHA_API_KEY') ?? null,
          webhookHmacKey: hmacKeys.length > 0 ? hmacKeys : undefined,
        },
        fromMeMode: optional('FROM_ME_MODE'),
        resolveMessage: optional('RESOLVE_MESSAGE'),
        rulesFile: optional('QUALIFICATION_RULES_FILE'),
      },
    ],
  };
}

/** Names the env vars behind a single-tenant path such as `env.tenants.0.chatwoot.apiToken`. */
const ENV_NAME_OF: Record<string, string> = {
  'chatwoot.baseUrl': 'CHATWOOT_BASE_URL',
  'chatwoot.apiToken': 'CHATWOOT_API_TOKEN',
  'chatwoot.accountId': 'CHATWOOT_ACCOUNT_ID',
  'chatwoot.inboxId': 'CHATWOOT_INBOX_ID',
  'chatwoot.budgetPerWindow': 'CHATWOOT_BUDGET_PER_WINDOW',
  'chatwoot.budgetWindowSeconds': 'CHATWOOT_BUDGET_WINDOW_SECONDS',
  'chatwoot.maxConcurrentCalls': 'CHATWOOT_MAX_CONCURRENT_CALLS',
  'chatwoot.webhookSecret': 'CHATWOOT_WEBHOOK_SECRET',
  'chatwoot.webhookToken': 'CHATWOOT_WEBHOOK_TOKEN',
  'waha.baseUrl': 'WAHA_BASE_URL',
  'waha.apiKey': 'WAHA_API_KEY',
  'waha.webhookHmacKey': 'WAHA_WEBHOOK_HMAC_KEY',
  wahaSession: 'WAHA_SESSION',
  fromMeMode: 'FROM_ME_MODE',
  resolveMessage: 'RESOLVE_MESSAGE',
  rulesFile: 'QUALIFICATION_RULES_FILE',
};

/** Turns a problem at `env.tenants.0.<path>` into one named by its env var. */
export function renameEnvProblem(problem: string): string {
  const match = /^env\.tenants\.0\.([^:]+?)(\.\d+)?: (.*)$/.exec(problem);
  if (!match?.[1]) return problem;
  const name = ENV_NAME_OF[match[1]];
  return name ? `${name}: ${match[3]}` : problem;
}

/** True when the environment names no Chatwoot/WAHA at all (the demo uses the built-in simulators then). */
export function hasTenantConfig(env: Env = process.env): boolean {
  return (
    Boolean(env.TENANTS_FILE) || SINGLE_TENANT_KEYS.some((key) => Boolean(env[key] || env[`${key}_FILE`]))
  );
}
