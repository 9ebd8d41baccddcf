/**
 * Chatwoot calls per mirrored message, counted from the Chatwoot simulator's own request log: cold (a new contact's
 * first message: contact search, contact create, conversation lookup and create, message create), warm (returning
 * contacts whose contact and conversation ids are cached) and a new contact's burst (first message cold, the rest
 * warm). One worker process, unthrottled simulator; qualification off (no rules file).
 *
 *   node --import tsx bench/calls.ts [--chats 50] [--warm 10] [--burst 10]
 *
 * Uses REDIS_URL, else redis://127.0.0.1:6379.
 */
import { parseArgs } from 'node:util';
import { buildTextMessage, type SimRequest, waitFor } from '@relay/testing';
import { Redis } from 'ioredis';
import { startRelayHarness } from '../test/support/relayHarness.js';
import { deletePrefix, printHeader, REDIS_URL, table } from './fixtures/common.js';

const { values } = parseArgs({
  options: {
    chats: { type: 'string', default: '50' },
    warm: { type: 'string', default: '10' },
    burst: { type: 'string', default: '10' },
  },
});
const CHATS = Number(values.chats);
const WARM = Number(values.warm);
const BURST = Number(values.burst);

const redis = new Redis(REDIS_URL);
await printHeader('calls.ts', redis);
console.log(
  `${CHATS} chats; cold = 1 message per new chat, warm = ${WARM} more per chat (same chats), ` +
    `burst = ${BURST} messages per new chat posted at once; conversation cache TTL 60 s (default)\n`,
);

const prefix = `bench-calls-${Date.now().toString(36)}`;
const relay = await startRelayHarness({
  redisUrl: REDIS_URL,
  prefix,
  budget: { perWindow: 10_000_000, windowMs: 60_000 },
});
const chatId = (base: number, chat: number) => `31${base}${String(chat).padStart(7, '0')}@c.us`;

async function phase(label: string, messages: Array<{ chatId: string; body: string }>) {
  const before = relay.chatwoot.requests.length;
  const created = relay.chatwoot.allMessages(1).length;
  for (let i = 0; i < messages.length; i += 25) {
    const answers = await Promise.all(messages.slice(i, i + 25).map((m) => relay.post(buildTextMessage(m))));
    if (answers.some((a) => a.status !== 200)) throw new Error(`${label}: ingress refused a webhook`);
  }
  await waitFor(() => relay.chatwoot.allMessages(1).length >= created + messages.length, {
    what: `${label}: ${messages.length} messages`,
    timeoutMs: 120_000,
  });
  const requests = relay.chatwoot.requests.slice(before);
  return { label, messages: messages.length, requests };
}

let result: Array<Awaited<ReturnType<typeof phase>>> = [];
try {
  await relay.spawnWorker();
  const range = (n: number) => Array.from({ length: n }, (_, i) => i);
  const cold = await phase(
    'cold (new contact)',
    range(CHATS).map((c) => ({ chatId: chatId(64, c), body: `cold ${c}` })),
  );
  const warm = await phase(
    'warm (returning, cached)',
    range(WARM).flatMap((i) => range(CHATS).map((c) => ({ chatId: chatId(64, c), body: `warm ${c} #${i}` }))),
  );
  const burst = await phase(
    `new contact, burst of ${BURST}`,
    range(CHATS).flatMap((c) =>
      range(BURST).map((i) => ({ chatId: chatId(65, c), body: `burst ${c} #${i}` })),
    ),
  );
  result = [cold, warm, burst];
} finally {
  await relay.close();
  await deletePrefix(redis, prefix);
  redis.disconnect();
}

const endpoints = [...new Set(result.flatMap((r) => r.requests.map((q) => q.endpoint)))].sort();
const count = (requests: SimRequest[], endpoint: string) =>
  requests.filter((q) => q.endpoint === endpoint).length;
console.log(
  table(
    ['phase', 'messages', 'Chatwoot calls', 'calls / message', 'non-2xx'],
    result.map((r) => [
      r.label,
      String(r.messages),
      String(r.requests.length),
      (r.requests.length / r.messages).toFixed(2),
      String(r.requests.filter((q) => q.status >= 300).length),
    ]),
  ),
);
console.log('\ncalls per message by endpoint:\n');
console.log(
  table(
    ['endpoint', ...result.map((r) => r.label)],
    endpoints.map((e) => [e, ...result.map((r) => (count(r.requests, e) / r.messages).toFixed(2))]),
  ),
);
const warm = result[1]!;
console.log(`\nwarm: ${(warm.requests.length / warm.messages).toFixed(2)} calls per message (target ≤ 1.1)`);
