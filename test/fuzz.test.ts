/**
 * Property-based fuzzing of the three public write endpoints: the WAHA webhook, the Chatwoot webhook and the send
 * API. Payloads are random JSON, or the real WAHA samples (`shared/reference/waha/*.json`, else the builders in
 * `@relay/testing`) and Chatwoot webhook shapes with fields dropped, replaced or retyped, huge strings, deep nesting
 * and wrong content types. Signed correctly where a signature is needed, so the body checks are reached.
 *
 * Properties: never a 5xx (Redis is up), always a JSON `{ error }` body on a 4xx, the server keeps answering, and
 * every job left in any queue under the test prefix validates against its zod schema from `@relay/queue`.
 *
 * CI runs `FUZZ_RUNS` (default 200) cases per endpoint; a longer run on demand:
 *   FUZZ_RUNS=20000 npx vitest run test/fuzz.test.ts
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { signWahaBody } from '@relay/domain';
import {
  INBOUND_MESSAGE_JOB,
  inboundJobSchema,
  MESSAGE_CHANGE_JOB,
  messageChangeJobSchema,
  OUTBOUND_JOBS,
  outboundJobSchema,
} from '@relay/queue';
import {
  buildAck,
  buildChatwootMessageWebhook,
  buildConversationStatusWebhook,
  buildEdited,
  buildGroupMessage,
  buildImageMessage,
  buildReaction,
  buildRevoked,
  buildSessionStatus,
  buildTextMessage,
  signChatwootBody,
  startTestRedis,
  type TestRedis,
} from '@relay/testing';
import fc from 'fast-check';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ZodType } from 'zod';
import { HMAC_KEY, REPO_ROOT, type RelayHarness, startRelayHarness } from './support/relayHarness.js';

const RUNS = Math.max(1, Number(process.env.FUZZ_RUNS ?? 200) || 200);
const CW_SECRET = 'fuzz-chatwoot-secret';
const SEND_TOKEN = 'fuzz-send-api-token-0123456789';
const SAMPLES_DIR = join(REPO_ROOT, '../shared/reference/waha');

let redis: TestRedis;
let relay: RelayHarness;
let prefix: string;

beforeAll(async () => {
  redis = await startTestRedis();
  prefix = redis.uniquePrefix('fuzz');
  relay = await startRelayHarness({
    redisUrl: redis.url,
    prefix,
    // No freshness window: the samples are old, and the point is to reach the body checks.
    // No refusal rate limit either: most fuzz cases are refused, all from 127.0.0.1.
    env: {
      WAHA_WEBHOOK_MAX_AGE_SECONDS: '0',
      SEND_API_TOKENS: SEND_TOKEN,
      PUBLIC_RATE_LIMIT_PER_MINUTE: '0',
    },
    chatwootWebhook: { secrets: [CW_SECRET] },
  });
});
afterAll(async () => {
  await relay?.close();
  await redis?.close();
});

type Json = unknown;

function wahaSamples(): Json[] {
  const fromFiles = existsSync(SAMPLES_DIR)
    ? readdirSync(SAMPLES_DIR)
        .filter((name) => name.endsWith('.json'))
        .map((name) => JSON.parse(readFileSync(join(SAMPLES_DIR, name), 'utf8')) as Json)
    : [];
  const chatId = '31612345678@c.us';
  const built = [
    buildTextMessage({ chatId, body: 'hi' }),
    buildGroupMessage({
      groupId: '120363000000000001@g.us',
      participant: chatId,
      senderName: 'Ann',
      body: 'hi',
    }),
    buildImageMessage({ chatId, caption: 'pic', mediaUrl: 'http://127.0.0.1:9/media/a.jpg' }),
    buildAck({ messageId: `true_${chatId}_ABC`, ack: 3 }),
    buildReaction({ chatId, messageId: `false_${chatId}_ABC`, text: '👍' }),
    buildEdited({ chatId, editedMessageId: `false_${chatId}_ABC`, body: 'edited' }),
    buildRevoked({ chatId, revokedMessageId: `false_${chatId}_ABC` }),
    buildSessionStatus('WORKING'),
  ] as Json[];
  return [...fromFiles, ...built];
}

const CHATWOOT_SAMPLES: Json[] = [
  buildChatwootMessageWebhook({ id: 11, conversationId: 7, chatId: '31612345678@c.us', content: 'hello' }),
  buildChatwootMessageWebhook({
    event: 'message_updated',
    id: 12,
    conversationId: 7,
    chatId: '31612345678@c.us',
    content: 'again',
    status: 'sent',
    attachments: [{ file_type: 'image', data_url: 'https://files.example/a/photo.jpg' }],
  }),
  buildConversationStatusWebhook({ conversationId: 7, chatId: '31612345678@c.us', status: 'resolved' }),
];

const SEND_SAMPLES: Json[] = [
  { phone: '+31 6 4000 0001', text: 'hello' },
  { tenant: 'dealer', chatId: '31612345678@c.us', text: 'hi', labels: ['lead'] },
  {
    chatId: '120363000000000001@g.us',
    attachments: [{ url: 'https://files.example/a.pdf', filename: 'a.pdf' }],
  },
];

/** Every path (list of keys) inside a JSON value, the root included. */
function pathsOf(value: Json, path: (string | number)[] = [], out: (string | number)[][] = []) {
  out.push(path);
  if (Array.isArray(value)) {
    for (const [index, item] of value.entries()) pathsOf(item, [...path, index], out);
  } else if (value !== null && typeof value === 'object')
    for (const [key, item] of Object.entries(value)) pathsOf(item, [...path, key], out);
  return out;
}

type Mutation = { pick: number; op: 'drop' | 'replace' | 'retype'; value: Json };

function mutate(sample: Json, mutations: Mutation[]): Json {
  let doc = structuredClone(sample);
  for (const { pick, op, value } of mutations) {
    const paths = pathsOf(doc);
    const path = paths[pick % paths.length] ?? [];
    if (path.length === 0) {
      doc = op === 'drop' ? null : value;
      continue;
    }
    const parent = path.slice(0, -1).reduce<Json>((node, key) => (node as Record<string, Json>)[key], doc) as
      | Record<string | number, Json>
      | Json[];
    const key = path[path.length - 1] as string | number;
    const current = (parent as Record<string | number, Json>)[key];
    if (op === 'drop') {
      if (Array.isArray(parent)) parent.splice(key as number, 1);
      else delete (parent as Record<string | number, Json>)[key];
    } else if (op === 'retype') {
      (parent as Record<string | number, Json>)[key] =
        typeof current === 'string'
          ? Number(current) || 0
          : typeof current === 'number'
            ? String(current)
            : typeof current === 'boolean'
              ? current
                ? 1
                : 'true'
              : Array.isArray(current)
                ? { ...current }
                : current !== null && typeof current === 'object'
                  ? Object.values(current)
                  : value;
    } else (parent as Record<string | number, Json>)[key] = value;
  }
  return doc;
}

const hugeString = fc.integer({ min: 10_000, max: 1_200_000 }).map((n) => 'x'.repeat(n));
const leafValue = fc.oneof(
  { weight: 6, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  { weight: 1, arbitrary: hugeString },
  {
    weight: 1,
    arbitrary: fc.constantFrom(null, '', 0, -1, 1e308, true, [], {}, '@c.us', 'default', 'dealer'),
  },
);
const mutationArb = fc.record({
  pick: fc.nat(),
  op: fc.constantFrom<Mutation['op']>('drop', 'replace', 'retype'),
  value: leafValue,
});
/** `[[[…]]]` or `{"a":{"a":…}}` to this depth, as raw text (JSON.stringify of a deep value would itself recurse). */
const deepNesting = fc
  .tuple(fc.integer({ min: 10, max: 20_000 }), fc.boolean())
  .map(([depth, arrays]) =>
    arrays ? '['.repeat(depth) + ']'.repeat(depth) : '{"a":'.repeat(depth) + '1' + '}'.repeat(depth),
  );

/** A raw body: a mutated sample (most cases), random JSON, deep nesting, or non-JSON bytes. */
function rawBodyArb(samples: Json[]): fc.Arbitrary<string> {
  const mutated = fc
    .tuple(fc.constantFrom(...samples), fc.array(mutationArb, { minLength: 0, maxLength: 4 }))
    .map(([sample, mutations]) => JSON.stringify(mutate(sample, mutations)) ?? 'null');
  return fc.oneof(
    { weight: 12, arbitrary: mutated },
    { weight: 2, arbitrary: fc.jsonValue().map((value) => JSON.stringify(value) ?? 'null') },
    { weight: 1, arbitrary: deepNesting },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 300 }) },
    {
      weight: 1,
      arbitrary: fc.constantFrom('', '{', '{"event":', 'null', '[]', '"x"', '\u0000', '{"a":1}{"b":2}'),
    },
  );
}

const contentTypeArb = fc.constantFrom(
  'application/json',
  'application/json',
  'application/json; charset=utf-8',
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/octet-stream',
);

async function post(path: string, body: string, headers: Record<string, string>) {
  const res = await fetch(`${relay.ingress.url}${path}`, { method: 'POST', headers, body });
  const text = await res.text();
  return { status: res.status, contentType: res.headers.get('content-type') ?? '', text };
}

function expectSaneAnswer(answer: { status: number; contentType: string; text: string }): void {
  expect(answer.status, answer.text.slice(0, 300)).toBeLessThan(500);
  expect(answer.contentType).toMatch(/application\/json/);
  const body = JSON.parse(answer.text) as { error?: unknown };
  if (answer.status >= 400) expect(typeof body.error).toBe('string');
}

const SCHEMAS: Record<string, ZodType> = {
  [INBOUND_MESSAGE_JOB]: inboundJobSchema,
  [MESSAGE_CHANGE_JOB]: messageChangeJobSchema,
  ...Object.fromEntries(Object.values(OUTBOUND_JOBS).map((name) => [name, outboundJobSchema])),
};

/** Every BullMQ job hash under the prefix: its name and data must validate. Returns how many were checked. */
async function expectOnlyValidJobs(): Promise<number> {
  const client = new Redis(redis.url);
  try {
    let checked = 0;
    let cursor = '0';
    do {
      const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      cursor = next;
      for (const key of keys) {
        if ((await client.type(key)) !== 'hash') continue;
        const [name, data] = await client.hmget(key, 'name', 'data');
        if (!name || !data) continue;
        const schema = name === null ? undefined : SCHEMAS[name];
        expect(schema, `job ${key} has an unknown name ${name}`).toBeDefined();
        const result = schema!.safeParse(JSON.parse(data));
        expect(result.success, `job ${key}: ${JSON.stringify(result.error?.issues)}`).toBe(true);
        checked += 1;
      }
    } while (cursor !== '0');
    return checked;
  } finally {
    client.disconnect();
  }
}

describe(`fuzzing the public endpoints (${RUNS} runs each)`, () => {
  it('WAHA webhook: signed random and mutated envelopes never 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(rawBodyArb(wahaSamples()), contentTypeArb, fc.boolean(), async (raw, type, signed) => {
        const headers: Record<string, string> = { 'content-type': type };
        if (signed) headers['x-webhook-hmac'] = signWahaBody(raw, HMAC_KEY);
        expectSaneAnswer(await post('/webhooks/waha', raw, headers));
      }),
      { numRuns: RUNS },
    );
  });

  it('Chatwoot webhook: signed random and mutated payloads never 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(
        rawBodyArb(CHATWOOT_SAMPLES),
        contentTypeArb,
        fc.constantFrom('', '/dealer', '/nobody', '/dealer/not-the-token'),
        fc.boolean(),
        async (raw, type, path, signed) => {
          const headers: Record<string, string> = {
            'content-type': type,
            'x-chatwoot-delivery': crypto.randomUUID(),
          };
          if (signed) {
            const ts = Math.floor(Date.now() / 1000);
            headers['x-chatwoot-timestamp'] = String(ts);
            headers['x-chatwoot-signature'] = signChatwootBody(raw, CW_SECRET, ts);
          }
          expectSaneAnswer(await post(`/webhooks/chatwoot${path}`, raw, headers));
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('send API: random and mutated requests never 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(
        rawBodyArb(SEND_SAMPLES),
        contentTypeArb,
        fc.option(fc.string({ maxLength: 300 }), { nil: undefined }),
        async (raw, type, idempotencyKey) => {
          const headers: Record<string, string> = {
            'content-type': type,
            authorization: `Bearer ${SEND_TOKEN}`,
          };
          // Header values must be ByteStrings without CR/LF; fetch refuses others before sending.
          if (idempotencyKey !== undefined && /^[\x20-\x7e]*$/.test(idempotencyKey))
            headers['idempotency-key'] = idempotencyKey;
          expectSaneAnswer(await post('/v1/messages', raw, headers));
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('the server still answers, and every job it stored is valid', async () => {
    const health = await fetch(`${relay.ingress.url}/healthz`);
    expect(health.status).toBe(200);
    expect(await expectOnlyValidJobs()).toBeGreaterThan(0);
  });
});
