/**
 * The WAHA webhook envelope (`WAHAWebhook`, `shared/reference/waha.md` §1): validation and types.
 *
 * Unknown fields are accepted everywhere; only the fields the relay relies on are checked.
 */
import { z } from 'zod';

function expected(what: string) {
  return (issue: { input?: unknown }) => (issue.input === undefined ? 'missing' : `expected ${what}`);
}

const nonEmptyString = z
  .string({ error: expected('a non-empty string') })
  .min(1, { error: 'expected a non-empty string' });

const meSchema = z.looseObject(
  {
    id: z.string({ error: expected('a string') }).optional(),
    pushName: z.string({ error: expected('a string') }).nullish(),
    lid: z.string({ error: expected('a string') }).nullish(),
    jid: z.string({ error: expected('a string') }).nullish(),
  },
  { error: expected('an object') },
);

const environmentSchema = z.looseObject(
  {
    version: z.string({ error: expected('a string') }).nullish(),
    engine: z.string({ error: expected('a string') }).nullish(),
    tier: z.string({ error: expected('a string') }).nullish(),
    browser: z.string({ error: expected('a string') }).nullish(),
  },
  { error: expected('an object') },
);

// Session metadata is documented as Record<string,string>; non-string values are dropped rather than rejected,
// because a rejected event makes WAHA retry it 15 times.
const metadataSchema = z
  .record(z.string(), z.unknown(), { error: expected('an object') })
  .transform((record) => {
    const out: Record<string, string> = {};
    for (const [key, value] of Object.entries(record)) if (typeof value === 'string') out[key] = value;
    return out;
  });

/** Zod schema of the WAHA webhook envelope. `timestamp` is in milliseconds. */
export const wahaEnvelopeSchema = z.looseObject({
  id: nonEmptyString,
  timestamp: z
    .number({ error: expected('a number (unix ms)') })
    .finite({ error: 'expected a finite number' }),
  event: nonEmptyString,
  session: nonEmptyString,
  payload: z.record(z.string(), z.unknown(), { error: expected('an object') }),
  engine: z.string({ error: expected('a string') }).nullish(),
  me: meSchema.nullish(),
  metadata: metadataSchema.nullish(),
  environment: environmentSchema.nullish(),
});

/** A validated WAHA webhook envelope. */
export type WahaEnvelope = z.infer<typeof wahaEnvelopeSchema>;

/** Result of {@link parseWahaEnvelope}. */
export type ParseWahaEnvelopeResult = { ok: true; envelope: WahaEnvelope } | { ok: false; error: string };

/**
 * Validates a parsed webhook body. On failure `error` names the first bad field,
 * e.g. `"session: expected a non-empty string"` or `"payload: missing"`.
 */
export function parseWahaEnvelope(body: unknown): ParseWahaEnvelopeResult {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return { ok: false, error: 'body: expected a JSON object' };
  }
  const result = wahaEnvelopeSchema.safeParse(body);
  if (result.success) return { ok: true, envelope: result.data };
  const issue = result.error.issues[0];
  if (!issue) return { ok: false, error: 'body: invalid envelope' };
  const field = issue.path.length > 0 ? issue.path.map(String).join('.') : 'body';
  return { ok: false, error: `${field}: ${issue.message}` };
}
