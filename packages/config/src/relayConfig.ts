import {
  type DashboardAuthConfig,
  parseDashboardUsers,
  parseSendApiTokens,
  type SendApiTokenScope,
} from './accessConfig.js';
import { renameEnvProblem, SINGLE_TENANT_KEYS, tenantFromEnv } from './envTenant.js';
import { ConfigError } from './errors.js';
import { resolveSecretFiles } from './secretFiles.js';
import { type Env, readSettings, SECOND_MS } from './settings.js';
import { parseTenants, readTenantsFile, type TenantConfig } from './tenants.js';

/** Everything the relay reads from its environment, parsed once at boot. */
export interface RelayConfig {
  redisUrl: string;
  /** Prefix of every Redis key the relay and BullMQ write. */
  redisPrefix: string;
  host: string;
  port: number;
  /** Inbound queues are split into this many partitions; one chat always maps to one partition. */
  inboundPartitions: number;
  /** Jobs one worker process runs at once (across partitions). */
  workerConcurrency: number;
  wahaWebhookMaxAgeMs: number;
  maxBodyBytes: number;
  /** Largest request head (request line + headers) the HTTP servers accept; Node answers 431 past it. */
  maxHeaderBytes: number;
  /** Refused (4xx) requests one IP may make per minute on the public endpoints before it gets 429; 0 = off. */
  publicRateLimitPerMinute: number;
  mediaMaxBytes: number;
  /** A cached conversation older than this is re-checked against Chatwoot before it is reused. */
  conversationCacheTtlMs: number;
  /** Retries of a transient failure before the job fails for good. */
  jobAttempts: number;
  retryBaseDelayMs: number;
  retryMaxDelayMs: number;
  lockDurationMs: number;
  stalledIntervalMs: number;
  shutdownTimeoutMs: number;
  dlqSweepIntervalMs: number;
  /** Bearer token of the dead-letter HTTP API (`/v1/dlq`); null turns the API off. */
  adminApiToken: string | null;
  logLevel: string;
  logFormat: 'json' | 'pretty';
  tenants: TenantConfig[];
  /** Where `relay dashboard` (and `relay all`) serve the ops dashboard. */
  dashboardPort: number;
  /** Dashboard sign-in: users from `DASHBOARD_USERS`, a bearer token, or explicitly off. */
  dashboardAuth: DashboardAuthConfig;
  /** Port of the worker's /healthz, /readyz and /metrics; null = no HTTP server in `relay worker`. */
  workerPort: number | null;
  /** Lead qualification: at most one lead_score write per contact and one label write per conversation per window. */
  qualificationWindowMs: number;
  /** Qualification jobs one worker process runs at once, per tenant. */
  qualificationConcurrency: number;
  /** Create the account labels the rules can set that are missing, at qualification start (per-tenant override: `createLabels`). */
  qualificationCreateLabels: boolean;
  /** Outbound (agent reply) queues per tenant; one WhatsApp chat always maps to one. */
  outboundPartitions: number;
  /** Signed Chatwoot webhooks older (or newer) than this are refused; 0 = no check. */
  chatwootWebhookMaxAgeMs: number;
  /** Bearer tokens of the send API `POST /v1/messages`; empty turns the API off. */
  sendApiTokens: string[];
  /** The tenants each send-API token may act for (`null` = every tenant); same order as `sendApiTokens`. */
  sendApiTokenScopes: SendApiTokenScope[];
  /** Mark seen + typing for this long before each agent reply (WAHA's ban-avoidance advice); 0 = off. */
  outboundTypingMs: number;
  /** Which WhatsApp message changes are mirrored into Chatwoot (`CHANGE_MIRRORING`). */
  changeMirroring: ChangeMirroring;
  /** Backpressure: past this many waiting inbound jobs of a tenant the ingress answers 503; 0 = off. */
  ingressMaxQueueDepth: number;
  /** Backpressure: past this share of Redis `maxmemory` the ingress answers 503; 0 = off (or no maxmemory). */
  ingressMaxRedisMemoryRatio: number;
  /**
   * TEST ONLY (`RELAY_UNSAFE_DISABLE_LEDGER=1`): inbound messages skip the ledger check and claim, so a retried job
   * creates its message again. Exists for the chaos suite's negative control; never set it in production.
   */
  unsafeDisableLedger: boolean;
}

/** `CHANGE_MIRRORING`: edits, deletes, reactions, and whether a removed reaction posts a note. */
export interface ChangeMirroring {
  edits: boolean;
  deletes: boolean;
  reactions: boolean;
  reactionRemovals: boolean;
}

/**
 * Parses the environment. Throws one {@link ConfigError} listing every bad key.
 * Tenants come from `TENANTS_FILE` (YAML or JSON) or, when it is unset, from the single-tenant variables.
 */
export function loadConfig(
  rawEnv: Env = process.env,
  overrides: { tenants?: TenantConfig[] } = {},
): RelayConfig {
  const problems: string[] = [];
  // `<NAME>_FILE` → `<NAME>` for every secret (Docker/Kubernetes secrets), before anything reads them.
  const env = resolveSecretFiles(rawEnv, problems);
  const values = readSettings(env, problems);
  let tenants = overrides.tenants ?? [];
  if (!overrides.tenants) {
    if (env.TENANTS_FILE) {
      const fromFile = readTenantsFile(env.TENANTS_FILE);
      tenants = fromFile.tenants;
      problems.push(...fromFile.problems);
    } else {
      const missing = SINGLE_TENANT_KEYS.filter((key) => !env[key]);
      if (missing.length > 0) {
        problems.push(...missing.map((key) => `${key}: required (or set TENANTS_FILE)`));
      } else {
        const fromEnv = parseTenants(tenantFromEnv(env), 'env');
        tenants = fromEnv.tenants;
        problems.push(...fromEnv.problems.map(renameEnvProblem));
      }
    }
  }
  const sendApiScopes = parseSendApiTokens((values.SEND_API_TOKENS as string | undefined) ?? '');
  for (const scope of sendApiScopes)
    for (const id of scope.tenants ?? [])
      if (!tenants.some((tenant) => tenant.id === id))
        problems.push(`SEND_API_TOKENS: a token is scoped to unknown tenant "${id}"`);
  const dashboardUsers = parseDashboardUsers((values.DASHBOARD_USERS as string | undefined) ?? '', problems);
  for (const user of dashboardUsers)
    for (const id of user.tenants ?? [])
      if (!tenants.some((tenant) => tenant.id === id))
        problems.push(`DASHBOARD_USERS: user "${user.name}" is scoped to unknown tenant "${id}"`);
  if (problems.length > 0) throw new ConfigError([...new Set(problems)]);
  return Object.freeze({
    redisUrl: values.REDIS_URL as string,
    redisPrefix: values.REDIS_PREFIX as string,
    host: values.HOST as string,
    port: values.PORT as number,
    inboundPartitions: values.INBOUND_PARTITIONS as number,
    workerConcurrency: values.WORKER_CONCURRENCY as number,
    wahaWebhookMaxAgeMs: (values.WAHA_WEBHOOK_MAX_AGE_SECONDS as number) * SECOND_MS,
    maxBodyBytes: values.MAX_BODY_BYTES as number,
    maxHeaderBytes: values.MAX_HEADER_BYTES as number,
    publicRateLimitPerMinute: values.PUBLIC_RATE_LIMIT_PER_MINUTE as number,
    mediaMaxBytes: values.MEDIA_MAX_BYTES as number,
    conversationCacheTtlMs: (values.CONVERSATION_CACHE_TTL_SECONDS as number) * SECOND_MS,
    jobAttempts: values.JOB_ATTEMPTS as number,
    retryBaseDelayMs: values.RETRY_BASE_DELAY_MS as number,
    retryMaxDelayMs: values.RETRY_MAX_DELAY_MS as number,
    lockDurationMs: values.WORKER_LOCK_DURATION_MS as number,
    stalledIntervalMs: values.WORKER_STALLED_INTERVAL_MS as number,
    shutdownTimeoutMs: values.SHUTDOWN_TIMEOUT_MS as number,
    dlqSweepIntervalMs: (values.DLQ_SWEEP_INTERVAL_SECONDS as number) * SECOND_MS,
    adminApiToken: (values.ADMIN_API_TOKEN as string | undefined) ?? null,
    logLevel: values.LOG_LEVEL as string,
    logFormat: values.LOG_FORMAT as 'json' | 'pretty',
    tenants,
    dashboardPort: values.DASHBOARD_PORT as number,
    dashboardAuth: {
      disabled: values.DASHBOARD_AUTH === 'off',
      users: dashboardUsers,
      token: (values.DASHBOARD_TOKEN as string | undefined) ?? null,
    },
    workerPort: (values.WORKER_PORT as number | undefined) ?? null,
    qualificationWindowMs: values.QUALIFICATION_WINDOW_MS as number,
    qualificationConcurrency: values.QUALIFICATION_CONCURRENCY as number,
    qualificationCreateLabels: values.QUALIFICATION_CREATE_LABELS === 'true',
    outboundPartitions: values.OUTBOUND_PARTITIONS as number,
    chatwootWebhookMaxAgeMs: (values.CHATWOOT_WEBHOOK_MAX_AGE_SECONDS as number) * SECOND_MS,
    sendApiTokens: sendApiScopes.map(({ token }) => token),
    sendApiTokenScopes: sendApiScopes,
    outboundTypingMs: values.OUTBOUND_TYPING_MS as number,
    changeMirroring: parseChangeMirroring(values.CHANGE_MIRRORING as string),
    ingressMaxQueueDepth: values.INGRESS_MAX_QUEUE_DEPTH as number,
    ingressMaxRedisMemoryRatio: values.INGRESS_MAX_REDIS_MEMORY_RATIO as number,
    unsafeDisableLedger: values.RELAY_UNSAFE_DISABLE_LEDGER === '1',
  });
}

/** Parses `CHANGE_MIRRORING` (already validated): `edits,deletes,reactions[,reaction_removals]` or `none`. */
export function parseChangeMirroring(raw: string): ChangeMirroring {
  const kinds = new Set(raw.split(',').map((part) => part.trim()));
  return {
    edits: kinds.has('edits'),
    deletes: kinds.has('deletes'),
    reactions: kinds.has('reactions'),
    reactionRemovals: kinds.has('reactions') && kinds.has('reaction_removals'),
  };
}
