import { z } from 'zod';
import { ConfigError } from './errors.js';
import { resolveSecretFiles } from './secretFiles.js';
import { parseTenants, readTenantsFile, type TenantConfig } from './tenants.js';

const SECOND_MS = 1000;
const MINUTE_MS = 60 * SECOND_MS;
const MIB = 1024 * 1024;

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

const CHANGE_KINDS = ['edits', 'deletes', 'reactions', 'reaction_removals', 'none'] as const;

/** A dashboard role: `viewer` only reads; `admin` may also replay, discard and use Bull Board's actions. */
export type DashboardRole = 'admin' | 'viewer';

/** One `DASHBOARD_USERS` entry. */
export interface DashboardUser {
  name: string;
  password: string;
  role: DashboardRole;
  /** Tenants whose data the user sees (optional 4th field, ids separated by `|`); null = every tenant. */
  tenants?: string[] | null;
}

/** How the dashboard authenticates; `disabled` only when `DASHBOARD_AUTH=off`. */
export interface DashboardAuthConfig {
  disabled: boolean;
  users: DashboardUser[];
  /** Bearer token with the admin role (scripts, Prometheus scraping). */
  token: string | null;
}

/**
 * Parses `alice:secret:admin,bob:pw:viewer:dealer-a|dealer-b` (a password may contain `:`; the role is the last
 * field, or the one before an optional tenant scope of `|`-separated tenant ids).
 */
export function parseDashboardUsers(raw: string, problems: string[]): DashboardUser[] {
  const users: DashboardUser[] = [];
  const isRole = (value: string): value is DashboardRole => value === 'admin' || value === 'viewer';
  for (const item of raw.split(',').map((part) => part.trim())) {
    if (item === '') continue;
    const first = item.indexOf(':');
    let last = item.lastIndexOf(':');
    let end = item.length;
    let tenants: string[] | null = null;
    if (!isRole(item.slice(last + 1)) && last > first) {
      tenants = item
        .slice(last + 1)
        .split('|')
        .map((id) => id.trim());
      end = last;
      last = item.lastIndexOf(':', last - 1);
    }
    const role = item.slice(last + 1, end);
    const name = item.slice(0, first);
    const password = item.slice(first + 1, last);
    if (first <= 0 || last <= first || password === '' || !isRole(role) || tenants?.includes('')) {
      problems.push(
        `DASHBOARD_USERS: each entry must be name:password:admin|viewer[:tenant|tenant…] (got an entry for "${name || '?'}")`,
      );
      continue;
    }
    users.push(tenants ? { name, password, role, tenants } : { name, password, role });
  }
  return users;
}

type Env = Record<string, string | undefined>;

/** One send-API token and the tenants it may act for (`null` = every tenant). */
export interface SendApiTokenScope {
  token: string;
  tenants: string[] | null;
}

/**
 * Parses `SEND_API_TOKENS`: either the plain comma list `token1,token2` (every token may act for every tenant), or,
 * as soon as a `:` appears, scoped entries separated by `;`: `token1:tenantA,tenantB;token2:*` (`*` or no `:…` =
 * every tenant).
 */
export function parseSendApiTokens(raw: string): SendApiTokenScope[] {
  if (!raw.includes(':'))
    return raw
      .split(',')
      .map((token) => token.trim())
      .filter((token) => token !== '')
      .map((token) => ({ token, tenants: null }));
  return raw
    .split(';')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '')
    .map((entry) => {
      const colon = entry.indexOf(':');
      const token = (colon < 0 ? entry : entry.slice(0, colon)).trim();
      const list = colon < 0 ? '*' : entry.slice(colon + 1);
      const tenants = list
        .split(',')
        .map((id) => id.trim())
        .filter((id) => id !== '');
      return { token, tenants: tenants.length === 0 || tenants.includes('*') ? null : tenants };
    });
}

const int = (min: number) => z.coerce.number().int().min(min);

/** Settings that are not per tenant; `env name → [schema, default]`. */
const settings = {
  REDIS_URL: [
    z.string().regex(/^rediss?:\/\//, 'must start with redis:// or rediss://'),
    'redis://127.0.0.1:6379',
  ],
  REDIS_PREFIX: [z.string().regex(/^[A-Za-z0-9_-]+$/, 'letters, digits, "-" or "_"'), 'relay'],
  HOST: [z.string().min(1), '0.0.0.0'],
  PORT: [int(0).max(65535), '3000'],
  INBOUND_PARTITIONS: [int(1).max(1024), '16'],
  WORKER_CONCURRENCY: [int(1).max(1000), '8'],
  WAHA_WEBHOOK_MAX_AGE_SECONDS: [int(0), '900'],
  MAX_BODY_BYTES: [int(1024), String(MIB)],
  MAX_HEADER_BYTES: [int(1024).max(1024 * 1024), '16384'],
  PUBLIC_RATE_LIMIT_PER_MINUTE: [int(0), '600'],
  MEDIA_MAX_BYTES: [int(1024), String(32 * MIB)],
  CONVERSATION_CACHE_TTL_SECONDS: [int(0), '60'],
  JOB_ATTEMPTS: [int(1).max(100), '8'],
  RETRY_BASE_DELAY_MS: [int(0), String(5 * SECOND_MS)],
  RETRY_MAX_DELAY_MS: [int(0), String(5 * MINUTE_MS)],
  WORKER_LOCK_DURATION_MS: [int(1000), String(30 * SECOND_MS)],
  WORKER_STALLED_INTERVAL_MS: [int(500), String(30 * SECOND_MS)],
  SHUTDOWN_TIMEOUT_MS: [int(0), String(25 * SECOND_MS)],
  DLQ_SWEEP_INTERVAL_SECONDS: [int(1), '60'],
  ADMIN_API_TOKEN: [z.string().min(16, 'must be at least 16 characters').optional(), undefined],
  LOG_LEVEL: [z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']), 'info'],
  LOG_FORMAT: [z.enum(['json', 'pretty']), 'json'],
  DASHBOARD_PORT: [int(0).max(65535), '3001'],
  DASHBOARD_AUTH: [z.enum(['on', 'off']), 'on'],
  DASHBOARD_USERS: [z.string().optional(), undefined],
  DASHBOARD_TOKEN: [z.string().min(16, 'must be at least 16 characters').optional(), undefined],
  WORKER_PORT: [int(0).max(65535).optional(), undefined],
  QUALIFICATION_WINDOW_MS: [int(0), '10000'],
  QUALIFICATION_CONCURRENCY: [int(1).max(100), '4'],
  QUALIFICATION_CREATE_LABELS: [z.enum(['true', 'false'], { error: 'must be true or false' }), 'false'],
  OUTBOUND_PARTITIONS: [int(1).max(1024), '8'],
  CHATWOOT_WEBHOOK_MAX_AGE_SECONDS: [int(0), '300'],
  SEND_API_TOKENS: [
    z
      .string()
      .refine(
        (raw) => parseSendApiTokens(raw).every(({ token }) => token.length >= 16),
        'each token must be at least 16 characters',
      )
      .optional(),
    undefined,
  ],
  OUTBOUND_TYPING_MS: [int(0).max(60_000), '0'],
  CHANGE_MIRRORING: [
    z.string().refine(
      (raw) =>
        raw
          .split(',')
          .map((part) => part.trim())
          .every((part) => part === '' || (CHANGE_KINDS as readonly string[]).includes(part)),
      `comma list of ${CHANGE_KINDS.join(', ')}`,
    ),
    'edits,deletes,reactions',
  ],
  INGRESS_MAX_QUEUE_DEPTH: [int(0), '100000'],
  INGRESS_MAX_REDIS_MEMORY_RATIO: [z.coerce.number().min(0).max(1), '0.9'],
  RELAY_UNSAFE_DISABLE_LEDGER: [z.enum(['0', '1'], { error: 'must be 0 or 1' }), '0'],
} as const;

type SettingName = keyof typeof settings;

function readSettings(env: Env, problems: string[]): Record<SettingName, string | number | undefined> {
  const values = {} as Record<SettingName, string | number | undefined>;
  for (const [name, [schema, fallback]] of Object.entries(settings) as [
    SettingName,
    (typeof settings)[SettingName],
  ][]) {
    const raw = env[name];
    const result = schema.safeParse(raw === undefined || raw === '' ? fallback : raw);
    if (result.success) values[name] = result.data;
    else {
      // Never echo a secret back, not even a wrong one.
      const got = /_TOKENS?$/.test(name) ? `${raw?.length ?? 0} characters` : `"${raw}"`;
      problems.push(`${name}: ${result.error.issues[0]?.message ?? 'invalid'} (got ${got})`);
    }
  }
  return values;
}

/** The single-tenant variables; all of them are needed when TENANTS_FILE is not set. */
const SINGLE_TENANT_KEYS = [
  'CHATWOOT_BASE_URL',
  'CHATWOOT_API_TOKEN',
  'CHATWOOT_ACCOUNT_ID',
  'CHATWOOT_INBOX_ID',
  'WAHA_BASE_URL',
] as const;

function tenantFromEnv(env: Env): unknown {
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

function renameEnvProblem(problem: string): string {
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

/** The env var table for `--help` and the README: name, default, meaning. */
export const CONFIG_REFERENCE: ReadonlyArray<readonly [string, string, string]> = [
  [
    'REDIS_URL',
    settings.REDIS_URL[1],
    'Redis for queues, claims and caches (AOF + noeviction in production)',
  ],
  ['REDIS_PREFIX', settings.REDIS_PREFIX[1], 'prefix of every Redis key'],
  ['HOST / PORT', '0.0.0.0 / 3000', 'where the ingress listens'],
  [
    'TENANTS_FILE',
    '',
    'YAML/JSON file mapping WAHA sessions to Chatwoot inboxes (instead of the variables below)',
  ],
  ['CHATWOOT_BASE_URL', '', 'Chatwoot URL, e.g. https://chatwoot.example.com'],
  ['CHATWOOT_API_TOKEN', '', 'administrator user access token'],
  ['CHATWOOT_ACCOUNT_ID', '', 'Chatwoot account id'],
  ['CHATWOOT_INBOX_ID', '', 'id of the API-channel inbox messages go to'],
  [
    'CHATWOOT_BUDGET_PER_WINDOW',
    '100',
    'Chatwoot requests this token may make in any sliding window, across all workers',
  ],
  ['CHATWOOT_BUDGET_WINDOW_SECONDS', '60', 'length of that window'],
  ['WAHA_BASE_URL', '', 'WAHA URL (media downloads, lid lookups, sends)'],
  ['WAHA_API_KEY', '', 'WAHA X-Api-Key'],
  ['WAHA_SESSION', 'default', 'WAHA session routed to this tenant'],
  ['WAHA_WEBHOOK_HMAC_KEY', '', 'HMAC key WAHA signs webhooks with; unsigned webhooks are refused when set'],
  ['WAHA_WEBHOOK_HMAC_KEY_PREVIOUS', '', 'second accepted key during a rotation'],
  ['FROM_ME_MODE', 'outgoing', 'messages typed on the business phone: outgoing | private_note | ignore'],
  [
    'RESOLVE_MESSAGE',
    '',
    'sent to the customer on WhatsApp when an agent resolves the conversation (off when unset)',
  ],
  [
    'CHANGE_MIRRORING',
    settings.CHANGE_MIRRORING[1],
    'WhatsApp edits, deletes and reactions mirrored into Chatwoot (add reaction_removals for removal notes; none = off)',
  ],
  [
    'WAHA_WEBHOOK_MAX_AGE_SECONDS',
    settings.WAHA_WEBHOOK_MAX_AGE_SECONDS[1],
    'older webhooks are refused (0 = off)',
  ],
  ['MAX_BODY_BYTES', settings.MAX_BODY_BYTES[1], 'largest webhook body accepted'],
  [
    'MAX_HEADER_BYTES',
    settings.MAX_HEADER_BYTES[1],
    'largest request head (headers) the ingress accepts; 431 past it',
  ],
  [
    'PUBLIC_RATE_LIMIT_PER_MINUTE',
    settings.PUBLIC_RATE_LIMIT_PER_MINUTE[1],
    'refused (4xx) requests per IP per minute on /webhooks/* and /v1/messages before 429 + Retry-After (0 = off)',
  ],
  ['MEDIA_MAX_BYTES', settings.MEDIA_MAX_BYTES[1], 'largest media file downloaded from WAHA'],
  ['INBOUND_PARTITIONS', settings.INBOUND_PARTITIONS[1], 'ordered partitions; a chat always uses one'],
  ['WORKER_CONCURRENCY', settings.WORKER_CONCURRENCY[1], 'jobs one worker process runs at once'],
  [
    'CONVERSATION_CACHE_TTL_SECONDS',
    settings.CONVERSATION_CACHE_TTL_SECONDS[1],
    'reuse a cached conversation this long without re-checking it',
  ],
  ['JOB_ATTEMPTS', settings.JOB_ATTEMPTS[1], 'tries of a transiently failing job'],
  [
    'RETRY_BASE_DELAY_MS / RETRY_MAX_DELAY_MS',
    '5000 / 300000',
    'exponential backoff between tries (with jitter)',
  ],
  [
    'WORKER_LOCK_DURATION_MS / WORKER_STALLED_INTERVAL_MS',
    '30000 / 30000',
    "how fast a crashed worker's jobs are taken over",
  ],
  ['SHUTDOWN_TIMEOUT_MS', settings.SHUTDOWN_TIMEOUT_MS[1], 'graceful shutdown deadline on SIGTERM'],
  ['ADMIN_API_TOKEN', '', 'bearer token of the dead-letter API /v1/dlq (off when unset; 16+ characters)'],
  [
    'DLQ_SWEEP_INTERVAL_SECONDS',
    settings.DLQ_SWEEP_INTERVAL_SECONDS[1],
    'how often failed jobs missing from the dead-letter queue are copied',
  ],
  ['LOG_LEVEL / LOG_FORMAT', 'info / json', 'pino level; json or pretty'],
  [
    'DASHBOARD_PORT',
    settings.DASHBOARD_PORT[1],
    'where `relay dashboard` and `relay all` serve the ops dashboard',
  ],
  [
    'DASHBOARD_USERS',
    '',
    'dashboard sign-ins, `name:password:admin|viewer[:tenant|tenant…]` comma-separated (viewer = read-only; the optional tenant scope, ids separated by `|`, limits the user to those tenants; none = all)',
  ],
  ['DASHBOARD_TOKEN', '', 'bearer token with the dashboard admin role, for scripts (16+ characters)'],
  ['DASHBOARD_AUTH', settings.DASHBOARD_AUTH[1], '`off` disables dashboard sign-in (trusted networks only)'],
  ['WORKER_PORT', '', 'port of the worker /healthz, /readyz, /metrics (no HTTP server when unset)'],
  [
    'QUALIFICATION_RULES_FILE',
    '',
    'lead rules (YAML/JSON) of this tenant; qualification is off without one (`rulesFile` in TENANTS_FILE)',
  ],
  [
    'QUALIFICATION_WINDOW_MS',
    settings.QUALIFICATION_WINDOW_MS[1],
    'coalescing window: at most one lead_score write per contact and one label write per conversation',
  ],
  [
    'QUALIFICATION_CONCURRENCY',
    settings.QUALIFICATION_CONCURRENCY[1],
    'qualification jobs one worker process runs at once, per tenant',
  ],
  [
    'QUALIFICATION_CREATE_LABELS',
    settings.QUALIFICATION_CREATE_LABELS[1],
    'create missing account labels the rules can set at worker start (`createLabels` per tenant in TENANTS_FILE)',
  ],
  [
    'CHATWOOT_WEBHOOK_SECRET',
    '',
    'secret Chatwoot signs webhooks with (X-Chatwoot-Signature); unsigned ones are refused when set',
  ],
  ['CHATWOOT_WEBHOOK_SECRET_PREVIOUS', '', 'second accepted Chatwoot signing secret during a rotation'],
  [
    'CHATWOOT_WEBHOOK_TOKEN',
    '',
    'secret path segment: /webhooks/chatwoot/<tenant>/<token>, for Chatwoot versions that do not sign (16+)',
  ],
  [
    'CHATWOOT_WEBHOOK_MAX_AGE_SECONDS',
    settings.CHATWOOT_WEBHOOK_MAX_AGE_SECONDS[1],
    'signed Chatwoot webhooks outside this window are refused (0 = off)',
  ],
  [
    'OUTBOUND_PARTITIONS',
    settings.OUTBOUND_PARTITIONS[1],
    'ordered agent-reply partitions; a chat always uses one',
  ],
  [
    'SEND_API_TOKENS',
    '',
    'bearer tokens of the send API POST /v1/messages, comma-separated (off when unset); scoped: `tok1:tenantA,tenantB;tok2:*`',
  ],
  [
    'OUTBOUND_TYPING_MS',
    settings.OUTBOUND_TYPING_MS[1],
    'mark seen and show typing this long before each agent reply (0 = off)',
  ],
  [
    'INGRESS_MAX_QUEUE_DEPTH',
    settings.INGRESS_MAX_QUEUE_DEPTH[1],
    'backpressure: past this many waiting inbound jobs of a tenant the ingress answers 503 + Retry-After (0 = off)',
  ],
  [
    'INGRESS_MAX_REDIS_MEMORY_RATIO',
    settings.INGRESS_MAX_REDIS_MEMORY_RATIO[1],
    'backpressure: 503 + Retry-After past this share of Redis maxmemory (when maxmemory is set; 0 = off)',
  ],
  [
    'RELAY_UNSAFE_DISABLE_LEDGER',
    settings.RELAY_UNSAFE_DISABLE_LEDGER[1],
    'TEST ONLY: 1 skips the inbound ledger check/claim (chaos negative control); never in production',
  ],
];
