import { signWahaBody } from '@relay/domain';
import {
  buildChatwootMessageWebhook,
  buildTextMessage,
  type RedisServer,
  startRedisServer,
  waitFor,
} from '@relay/testing';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { HMAC_KEY, type RelayHarness, startRelayHarness } from './support/relayHarness.js';

let relay: RelayHarness | undefined;
let redis: RedisServer | undefined;

afterEach(async () => {
  await relay?.close();
  await redis?.stop();
  relay = undefined;
  redis = undefined;
});

const chatId = (n: number) => `3167000${String(n).padStart(4, '0')}@c.us`;
/** Past the ingress's 1 s cache of the measured depth and memory. */
const pastCache = () => new Promise((resolve) => setTimeout(resolve, 1100));

/** A signed WAHA webhook, with the response headers. */
async function postSigned(harness: RelayHarness, envelope: object) {
  const body = JSON.stringify(envelope);
  const response = await fetch(harness.webhookUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-webhook-hmac': signWahaBody(body, HMAC_KEY) },
    body,
  });
  return {
    status: response.status,
    retryAfter: response.headers.get('retry-after'),
    body: (await response.json()) as { error?: string; message?: string },
  };
}

describe('ingress backpressure', () => {
  it('answers 503 with Retry-After and JSON past INGRESS_MAX_QUEUE_DEPTH waiting jobs, and accepts again once drained', async () => {
    redis = await startRedisServer();
    relay = await startRelayHarness({
      redisUrl: redis.url,
      prefix: 'bp',
      env: { INGRESS_MAX_QUEUE_DEPTH: '3' },
    });
    for (let i = 0; i < 3; i++) {
      expect(await relay.post(buildTextMessage({ chatId: chatId(i), body: `m${i}` }))).toMatchObject({
        status: 200,
        body: { status: 'accepted' },
      });
    }
    await pastCache();
    const late = buildTextMessage({ chatId: chatId(9), body: 'late' });
    const refused = await postSigned(relay, late);
    expect(refused).toMatchObject({ status: 503, retryAfter: '10', body: { error: 'queue_depth' } });
    expect(refused.body.message).toMatch(/3 inbound jobs waiting/);
    // Bad input is still refused for what it is, not for the load.
    expect((await relay.post({})).status).toBe(400);

    await relay.startWorker();
    await waitFor(() => relay?.chatwoot.allMessages(1).length === 3, { what: 'the backlog drained' });
    await pastCache();
    expect(await relay.post(late)).toMatchObject({ status: 200, body: { status: 'accepted' } });
  });

  it('answers 503 with Retry-After past INGRESS_MAX_REDIS_MEMORY_RATIO of maxmemory, for WAHA and Chatwoot webhooks', async () => {
    redis = await startRedisServer();
    const admin = new Redis(redis.url);
    await admin.config('SET', 'maxmemory', String(1024 * 1024 * 1024));
    admin.disconnect();
    // About 1 MB used of 1 GiB: above a ratio of 0.0001, far below the default 0.9.
    relay = await startRelayHarness({
      redisUrl: redis.url,
      prefix: 'bpmem',
      env: { INGRESS_MAX_REDIS_MEMORY_RATIO: '0.0001' },
    });
    const refused = await postSigned(relay, buildTextMessage({ chatId: chatId(1), body: 'hello' }));
    expect(refused).toMatchObject({ status: 503, retryAfter: '10', body: { error: 'redis_memory' } });
    const chatwoot = await relay.postChatwoot(
      buildChatwootMessageWebhook({ id: 1, conversationId: 1, chatId: chatId(1), content: 'hi' }),
    );
    expect(chatwoot).toMatchObject({ status: 503, body: { error: 'redis_memory' } });
  });
});
