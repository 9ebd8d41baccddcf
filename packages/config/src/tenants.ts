import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';

/** How messages typed on the business phone (`fromMe`, source `app`) are mirrored. */
export const FROM_ME_MODES = ['outgoing', 'private_note', 'ignore'] as const;
export type FromMeMode = (typeof FROM_ME_MODES)[number];

/** One WAHA session mapped to one Chatwoot inbox. Job data carries only `id`, never the tokens. */
export interface TenantConfig {
  id: string;
  wahaSession: string;
  chatwoot: {
    baseUrl: string;
    apiToken: string;
    accountId: number;
    inboxId: number;
    /** Requests this token may make in any sliding window, shared by every worker process. */
    budget: { perWindow: number; windowMs: number; maxConcurrent: number };
    /** Secrets Chatwoot signs webhooks with (`X-Chatwoot-Signature`); more than one during a rotation. */
    webhookSecrets?: string[];
    /** Secret path segment of `/webhooks/chatwoot/<tenant>/<token>` for Chatwoot versions that do not sign. */
    webhookToken?: string | null;
  };
  waha: {
    baseUrl: string;
    apiKey: string | null;
    /** Accepted HMAC keys for `X-Webhook-Hmac`; more than one during a key rotation. Empty = unsigned. */
    webhookHmacKeys: string[];
  };
  fromMeMode: FromMeMode;
  /** Sent to the customer on WhatsApp (and logged in the conversation) when an agent resolves it; off when absent. */
  resolveMessage?: string;
  /** Lead rules file (YAML/JSON) of this tenant; without one lead qualification is off for it. */
  rulesFile?: string;
  /** Create missing account labels at qualification start; absent = `QUALIFICATION_CREATE_LABELS`. */
  createLabels?: boolean;
}

const tenantIdPattern = /^[A-Za-z0-9_-]{1,64}$/;
const httpUrl = z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' });
const positiveInt = z.coerce.number().int().positive();

const tenantSchema = z.object({
  id: z.string().regex(tenantIdPattern, 'must be 1-64 letters, digits, "-" or "_"').optional(),
  wahaSession: z.string().min(1),
  chatwoot: z.object({
    baseUrl: httpUrl,
    apiToken: z.string().min(1),
    accountId: positiveInt,
    inboxId: positiveInt,
    budgetPerWindow: positiveInt.default(100),
    budgetWindowSeconds: z.coerce.number().positive().default(60),
    maxConcurrentCalls: positiveInt.default(4),
    webhookSecret: z.union([z.string().min(1), z.array(z.string().min(1))]).optional(),
    webhookToken: z.string().min(16, 'must be at least 16 characters').optional(),
  }),
  waha: z.object({
    baseUrl: httpUrl,
    apiKey: z.string().min(1).nullable().default(null),
    webhookHmacKey: z.union([z.string().min(1), z.array(z.string().min(1))]).optional(),
  }),
  fromMeMode: z.enum(FROM_ME_MODES).default('outgoing'),
  resolveMessage: z.string().min(1).max(4096).optional(),
  rulesFile: z.string().min(1).optional(),
  createLabels: z.boolean().optional(),
});

const tenantsFileSchema = z.object({ tenants: z.array(tenantSchema).min(1, 'needs at least one tenant') });

/** Turns zod issues into `path: message` lines prefixed with where they came from. */
export function describeIssues(prefix: string, error: z.ZodError): string[] {
  return error.issues.map((issue) => {
    const path = issue.path.length > 0 ? `${prefix}.${issue.path.join('.')}` : prefix;
    return `${path}: ${issue.message}`;
  });
}

function listOf(value: string | string[] | undefined): string[] {
  return value === undefined ? [] : Array.isArray(value) ? value : [value];
}

function toTenant(raw: z.infer<typeof tenantSchema>): TenantConfig {
  const keys = raw.waha.webhookHmacKey;
  return {
    id: raw.id ?? raw.wahaSession,
    wahaSession: raw.wahaSession,
    chatwoot: {
      baseUrl: raw.chatwoot.baseUrl.replace(/\/+$/, ''),
      apiToken: raw.chatwoot.apiToken,
      accountId: raw.chatwoot.accountId,
      inboxId: raw.chatwoot.inboxId,
      budget: {
        perWindow: raw.chatwoot.budgetPerWindow,
        windowMs: Math.round(raw.chatwoot.budgetWindowSeconds * 1000),
        maxConcurrent: raw.chatwoot.maxConcurrentCalls,
      },
      ...(raw.chatwoot.webhookSecret ? { webhookSecrets: listOf(raw.chatwoot.webhookSecret) } : {}),
      ...(raw.chatwoot.webhookToken ? { webhookToken: raw.chatwoot.webhookToken } : {}),
    },
    waha: {
      baseUrl: raw.waha.baseUrl.replace(/\/+$/, ''),
      apiKey: raw.waha.apiKey,
      webhookHmacKeys: keys === undefined ? [] : Array.isArray(keys) ? keys : [keys],
    },
    fromMeMode: raw.fromMeMode,
    ...(raw.resolveMessage === undefined ? {} : { resolveMessage: raw.resolveMessage }),
    ...(raw.rulesFile === undefined ? {} : { rulesFile: raw.rulesFile }),
    ...(raw.createLabels === undefined ? {} : { createLabels: raw.createLabels }),
  };
}

/** Validates tenant objects (from a file or built from env vars) and checks ids and sessions are unique. */
export function parseTenants(raw: unknown, source: string): { tenants: TenantConfig[]; problems: string[] } {
  const parsed = tenantsFileSchema.safeParse(raw);
  if (!parsed.success) return { tenants: [], problems: describeIssues(source, parsed.error) };
  const tenants = parsed.data.tenants.map(toTenant);
  const problems: string[] = [];
  const seenIds = new Set<string>();
  const seenSessions = new Set<string>();
  tenants.forEach((tenant, index) => {
    if (!tenantIdPattern.test(tenant.id)) {
      problems.push(`${source}.tenants.${index}.id: "${tenant.id}" must be 1-64 letters, digits, "-" or "_"`);
    }
    if (seenIds.has(tenant.id))
      problems.push(`${source}.tenants.${index}.id: duplicate tenant id "${tenant.id}"`);
    if (seenSessions.has(tenant.wahaSession)) {
      problems.push(
        `${source}.tenants.${index}.wahaSession: session "${tenant.wahaSession}" is mapped twice`,
      );
    }
    seenIds.add(tenant.id);
    seenSessions.add(tenant.wahaSession);
  });
  return { tenants, problems };
}

/** Reads a YAML or JSON tenants file (`{tenants: [...]}`). */
export function readTenantsFile(path: string): { tenants: TenantConfig[]; problems: string[] } {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    return { tenants: [], problems: [`TENANTS_FILE: cannot read ${path}: ${(error as Error).message}`] };
  }
  let raw: unknown;
  try {
    raw = path.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
  } catch (error) {
    return {
      tenants: [],
      problems: [`TENANTS_FILE: ${path} is not valid YAML/JSON: ${(error as Error).message}`],
    };
  }
  return parseTenants(raw, 'TENANTS_FILE');
}
