import { signWahaBody } from '@relay/domain';
import { buildSessionStatus, buildTextMessage, startRedisServer, waitFor } from '@relay/testing';
import { Redis } from 'ioredis';
import { beforeAll, describe, expect, it } from 'vitest';
import { HMAC_KEY, startRelayHarness } from './support/relayHarness.js';
import { useRelayHarness } from './support/useRelayHarness.js';

const relays = useRelayHarness('bad');

/** Every key the relay wrote under this test's prefix: must stay empty when input is refused. */
async function keysWritten(): Promise<string[]> {
  const client = new Redis(relays.redis.url);
  const keys = await client.keys(`${relays.current.config.redisPrefix}:*`);
  client.disconnect();
  return keys.filter((key) => !key.endsWith(':meta'));
}

async function postRaw(url: string, body: string, headers: Record<string, string> = {}) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body,
  });
  return {
    status: response.status,
    body: (await response.json()) as { error?: string; message?: string; status?: string },
  };
}

describe('ingress: bad input gets a clear 4xx JSON error and enqueues nothing', () => {
  beforeAll(() => undefined);

  it('refuses malformed, unsigned, wrongly signed, stale, oversized and unroutable webhooks', async () => {
    const relay = await relays.start({ env: { MAX_BODY_BYTES: '4096' } });
    const valid = buildTextMessage({ chatId: '31612345678@c.us', body: 'hi' });
    const sign = (text: string) => ({ 'x-webhook-hmac': signWahaBody(text, HMAC_KEY) });

    const malformed = '{"event": "message",';
    expect(await postRaw(relay.webhookUrl, malformed, sign(malformed))).toMatchObject({
      status: 400,
      body: { error: 'invalid_json' },
    });

    expect(await relay.post(valid, { hmacKey: null })).toMatchObject({
      status: 401,
      body: { error: 'missing_signature' },
    });
    expect(await relay.post(valid, { hmacKey: 'someone-elses-key' })).toMatchObject({
      status: 401,
      body: { error: 'invalid_signature' },
    });

    const stale = { ...valid, timestamp: Date.now() - 60 * 60 * 1000 };
    const staleAnswer = await relay.post(stale);
    expect(staleAnswer).toMatchObject({ status: 400, body: { error: 'stale_event' } });
    expect((staleAnswer.body as { message: string }).message).toMatch(/outside the 900 s window/);

    const huge = JSON.stringify({ ...valid, padding: 'x'.repeat(10_000) });
    expect(await postRaw(relay.webhookUrl, huge, sign(huge))).toMatchObject({
      status: 413,
      body: { error: 'body_too_large' },
    });

    const otherSession = { ...valid, session: 'nobody' };
    expect(await relay.post(otherSession)).toMatchObject({ status: 404, body: { error: 'unknown_session' } });

    const noSession = JSON.stringify({ ...valid, session: undefined });
    const envelopeAnswer = await postRaw(relay.webhookUrl, noSession, sign(noSession));
    expect(envelopeAnswer).toMatchObject({ status: 400, body: { error: 'invalid_envelope' } });
    expect(envelopeAnswer.body.message).toMatch(/session/);

    const noPayloadId = { ...valid, payload: { ...(valid.payload as object), id: undefined } };
    expect(await relay.post(noPayloadId)).toMatchObject({ status: 400, body: { error: 'invalid_payload' } });

    expect(await keysWritten()).toEqual([]);
  });

  it('answers 200 and counts as ignored a valid event it does not handle', async () => {
    const relay = await relays.start();
    expect(await relay.post(buildSessionStatus('WORKING'))).toMatchObject({
      status: 200,
      body: { status: 'ignored', reason: 'event:session.status' },
    });
    const unknown = { ...buildSessionStatus('WORKING'), event: 'call.received' };
    expect(await relay.post(unknown)).toMatchObject({ status: 200, body: { status: 'ignored' } });
    const metrics = await relay.metrics.registry.getSingleMetricAsString('relay_webhooks_total');
    expect(metrics).toContain(
      'relay_webhooks_total{source="waha",outcome="ignored",reason="event:session.status"} 1',
    );
    expect(metrics).toContain(
      'relay_webhooks_total{source="waha",outcome="ignored",reason="event:call.received"} 1',
    );
    expect(await keysWritten()).toEqual([]);
  });

  it('answers 503 with Retry-After while Redis is down, and 200 once it is back', async () => {
    // Its own Redis server, to kill: not the suite's, and the harness closes before the server stops.
    const server = await startRedisServer();
    try {
      const relay = await startRelayHarness({ redisUrl: server.url, prefix: 'down' });
      try {
        await server.kill('SIGKILL');
        const down = await relay.post(buildTextMessage({ chatId: '31612345678@c.us', body: 'while down' }));
        expect(down).toMatchObject({ status: 503, body: { error: 'unavailable' } });
        const ready = await fetch(`${relay.ingress.url}/readyz`);
        expect(ready.status).toBe(503);
        await server.restart();
        // WAHA retries a 503; so does this test, until the producer has reconnected.
        const answer = await waitFor(
          async () => {
            const retried = await relay.post(buildTextMessage({ chatId: '31612345678@c.us', body: 'after' }));
            return retried.status === 200 && retried;
          },
          { what: 'a 200 once Redis is back', intervalMs: 100 },
        );
        expect(answer.body).toMatchObject({ status: 'accepted' });
      } finally {
        await relay.close();
      }
    } finally {
      await server.stop();
    }
  });
});
