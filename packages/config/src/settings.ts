import { z } from 'zod';
import { parseSendApiTokens } from './accessConfig.js';

export const SECOND_MS = 1000;
const MINUTE_MS = 60 * SECOND_MS;
const MIB = 1024 * 1024;

/** The environment as read: every value a string or absent. */
export type Env = Record<string, string | undefined>;

export const CHANGE_KINDS = ['edits', 'deletes', 'reactions', 'reaction_removals', 'none'] as const;

const int = (min: number) => z.coerce.number().int().min(min);

/** Settings that are not per tenant; `env name → [schema, default]`. */
export const settings = {
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

export type SettingName = keyof typeof settings;

/** Parses every setting, falling back to its default; each bad one adds a line to `problems`. */
export function readSettings(env: Env, problems: string[]): Record<SettingName, string | number | undefined> {
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
