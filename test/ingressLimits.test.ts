/**
 * The ingress limits (README "Security"): JSON nesting depth, body size, header size and the per-IP rate of refused
 * requests on the public endpoints. Each refusal is a 4xx JSON error and enqueues nothing.
 */

import { signWahaBody } from '@relay/domain';
import { exceedsJsonDepth, MAX_JSON_DEPTH } from '@relay/ingress';
import { buildTextMessage } from '@relay/testing';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { HMAC_KEY } from './support/relayHarness.js';
import { useRelayHarness } from './support/useRelayHarness.js';

const SEND_TOKEN = 'limits-send-api-token-0123456789';

const relays = useRelayHarness('limits', {
  env: { SEND_API_TOKENS: SEND_TOKEN, WAHA_WEBHOOK_MAX_AGE_SECONDS: '0' },
});

const start = (env: Record<string, string> = {}) => relays.start({ env });

async function post(path: string, body: string, headers: Record<string, string> = {}) {
  const res = await fetch(`${relays.current.ingress.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body,
  });
  const text = await res.text();
  let json: Record<string, unknown> = {};
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    // Node's own 431 has no JSON body.
  }
  return { status: res.status, body: json, headers: res.headers };
}

async function jobKeys(): Promise<string[]> {
  const client = new Redis(relays.redis.url);
  const keys = await client.keys(`${relays.current.config.redisPrefix}:*`);
  client.disconnect();
  return keys.filter((key) => !key.endsWith(':meta') && !key.endsWith(':id'));
}

const nested = (depth: number) => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;

describe('JSON depth scan', () => {
  it('counts brackets outside strings only', () => {
    expect(exceedsJsonDepth(Buffer.from(nested(MAX_JSON_DEPTH)))).toBe(false);
    expect(exceedsJsonDepth(Buffer.from(nested(MAX_JSON_DEPTH + 1)))).toBe(true);
    expect(exceedsJsonDepth(Buffer.from(JSON.stringify({ s: '['.repeat(500) })))).toBe(false);
    expect(exceedsJsonDepth(Buffer.from(JSON.stringify({ s: '\\"[[[' })))).toBe(false);
    expect(exceedsJsonDepth(Buffer.from('['.repeat(3), 'utf8'), 2)).toBe(true);
  });
});

describe('ingress limits', () => {
  it('refuses JSON nested deeper than 64 levels with 400 on every public endpoint', async () => {
    await start();
    const deep = JSON.stringify({ ...buildTextMessage({ chatId: '31612345678@c.us', body: 'x' }) }).replace(
      /}$/,
      `,"extra":${nested(MAX_JSON_DEPTH + 1)}}`,
    );
    const waha = await post('/webhooks/waha', deep, { 'x-webhook-hmac': signWahaBody(deep, HMAC_KEY) });
    expect(waha).toMatchObject({ status: 400, body: { error: 'too_deep' } });
    const chatwoot = await post('/webhooks/chatwoot', nested(10_000));
    expect(chatwoot).toMatchObject({ status: 400, body: { error: 'too_deep' } });
    const send = await post('/v1/messages', `{"phone":"+31640000001","text":"hi","x":${nested(100)}}`, {
      authorization: `Bearer ${SEND_TOKEN}`,
    });
    expect(send.status).toBe(400);
    expect(String(send.body.message)).toMatch(/deeper than 64/);
    // 64 levels are fine: the same webhook without the extra level is accepted.
    const ok = JSON.stringify({ ...buildTextMessage({ chatId: '31612345678@c.us', body: 'x' }) }).replace(
      /}$/,
      `,"extra":${nested(MAX_JSON_DEPTH - 3)}}`,
    );
    expect((await post('/webhooks/waha', ok, { 'x-webhook-hmac': signWahaBody(ok, HMAC_KEY) })).status).toBe(
      200,
    );
  });

  it('refuses a body over MAX_BODY_BYTES with 413 JSON', async () => {
    await start({ MAX_BODY_BYTES: '2048' });
    const big = JSON.stringify({ pad: 'x'.repeat(4096) });
    expect(await post('/webhooks/waha', big)).toMatchObject({
      status: 413,
      body: { error: 'body_too_large' },
    });
    expect(await jobKeys()).toEqual([]);
  });

  it('refuses request headers over MAX_HEADER_BYTES with 431', async () => {
    await start({ MAX_HEADER_BYTES: '4096' });
    const fine = await post('/webhooks/chatwoot', '{}', { 'x-pad': 'x'.repeat(1000) });
    expect(fine.status).not.toBe(431);
    const tooBig = await post('/webhooks/chatwoot', '{}', { 'x-pad': 'x'.repeat(8000) });
    expect(tooBig.status).toBe(431);
  });

  it('answers 429 + Retry-After to an IP past PUBLIC_RATE_LIMIT_PER_MINUTE refused requests', async () => {
    const relay = await start({ PUBLIC_RATE_LIMIT_PER_MINUTE: '5' });
    for (let i = 0; i < 5; i++) {
      const refused = await post('/webhooks/waha', '{"not":"signed"}');
      expect(refused.status).toBeGreaterThanOrEqual(400);
      expect(refused.status).toBeLessThan(500);
    }
    const limited = await post('/webhooks/waha', '{"not":"signed"}');
    expect(limited).toMatchObject({ status: 429, body: { error: 'rate_limited' } });
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    // Every public endpoint shares the limit, even for a valid request, until the window ends.
    const valid = JSON.stringify(buildTextMessage({ chatId: '31612345678@c.us', body: 'hi' }));
    expect(
      (await post('/webhooks/waha', valid, { 'x-webhook-hmac': signWahaBody(valid, HMAC_KEY) })).status,
    ).toBe(429);
    expect((await post('/v1/messages', '{}', { authorization: `Bearer ${SEND_TOKEN}` })).status).toBe(429);
    // Health and metrics are not public write endpoints: not limited.
    expect((await fetch(`${relay.ingress.url}/healthz`)).status).toBe(200);
  });

  it('never throttles correctly signed traffic by its volume', async () => {
    await start({ PUBLIC_RATE_LIMIT_PER_MINUTE: '3' });
    for (let i = 0; i < 10; i++) {
      const body = JSON.stringify(buildTextMessage({ chatId: '31612345678@c.us', body: `m${i}` }));
      expect(
        (await post('/webhooks/waha', body, { 'x-webhook-hmac': signWahaBody(body, HMAC_KEY) })).status,
      ).toBe(200);
    }
  });
});
