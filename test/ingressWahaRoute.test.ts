/**
 * `POST /webhooks/waha` runs on Node's own request objects (apps/ingress/src/wahaRoute.ts), beside Express: the
 * body limits hold for bodies without a Content-Length, a client that goes away mid-body costs nothing, and the
 * requests that path leaves to Express (a query string, a gzip body) are still ingested.
 */
import { request } from 'node:http';
import { connect } from 'node:net';
import { gzipSync } from 'node:zlib';
import { signWahaBody } from '@relay/domain';
import { buildTextMessage } from '@relay/testing';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { HMAC_KEY } from './support/relayHarness.js';
import { useRelayHarness } from './support/useRelayHarness.js';

const relays = useRelayHarness('waharoute', { env: { WAHA_WEBHOOK_MAX_AGE_SECONDS: '0' } });

async function inboundJobs(): Promise<number> {
  const client = new Redis(relays.redis.url);
  const keys = await client.keys(`${relays.current.config.redisPrefix}:inbound-*:wait`);
  let total = 0;
  for (const key of keys) total += await client.llen(key);
  client.disconnect();
  return total;
}

const signedMessage = (body: string) => {
  const raw = JSON.stringify(buildTextMessage({ chatId: '31612345678@c.us', body }));
  return { raw, signature: signWahaBody(raw, HMAC_KEY) };
};

/** Posts `chunks` with `Transfer-Encoding: chunked` (no Content-Length), one write each. */
function postChunked(url: string, chunks: string[], headers: Record<string, string> = {}) {
  return new Promise<{ status: number; body: Record<string, unknown> }>((resolve, reject) => {
    const req = request(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers } });
    req.on('response', (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (part: string) => {
        text += part;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) }));
    });
    req.on('error', reject);
    for (const chunk of chunks) req.write(chunk);
    req.end();
  });
}

describe('POST /webhooks/waha outside Express', () => {
  it('accepts a signed message sent in chunks without a Content-Length', async () => {
    const relay = await relays.start();
    const { raw, signature } = signedMessage('in pieces');
    const third = Math.ceil(raw.length / 3);
    const answer = await postChunked(
      relay.webhookUrl,
      [raw.slice(0, third), raw.slice(third, 2 * third), raw.slice(2 * third)],
      { 'x-webhook-hmac': signature },
    );
    expect(answer).toMatchObject({ status: 200, body: { status: 'accepted' } });
    expect(await inboundJobs()).toBe(1);
  });

  it('refuses a chunked body past MAX_BODY_BYTES with 413 once the limit is crossed', async () => {
    const relay = await relays.start({ env: { MAX_BODY_BYTES: '2048' } });
    const answer = await postChunked(relay.webhookUrl, [
      '{"pad":"',
      'x'.repeat(1500),
      'x'.repeat(1500),
      '"}',
    ]);
    expect(answer).toMatchObject({ status: 413, body: { error: 'body_too_large' } });
    expect(await inboundJobs()).toBe(0);
  });

  it('keeps answering after a client goes away mid-body, and stores nothing of it', async () => {
    const relay = await relays.start();
    const { raw } = signedMessage('never finished');
    const { port, hostname } = new URL(relay.webhookUrl);
    const socket = connect(Number(port), hostname);
    await new Promise((resolve) => socket.once('connect', resolve));
    const closed = new Promise((resolve) => socket.once('close', resolve));
    socket.write(
      `POST /webhooks/waha HTTP/1.1\r\nhost: ${hostname}\r\ncontent-type: application/json\r\n` +
        `content-length: ${raw.length}\r\n\r\n${raw.slice(0, 40)}`,
    );
    socket.destroy();
    await closed;
    const { raw: next, signature } = signedMessage('after the abort');
    const answer = await fetch(relay.webhookUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-webhook-hmac': signature },
      body: next,
    });
    expect(answer.status).toBe(200);
    expect(await inboundJobs()).toBe(1);
  });

  it('leaves a query string and a gzip body to Express, which ingests them the same way', async () => {
    const relay = await relays.start();
    const plain = signedMessage('with a query string');
    const withQuery = await fetch(`${relay.webhookUrl}?source=waha`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-webhook-hmac': plain.signature },
      body: plain.raw,
    });
    expect(withQuery.status).toBe(200);
    expect(await withQuery.json()).toMatchObject({ status: 'accepted' });
    const zipped = signedMessage('gzip');
    const gzipped = await fetch(relay.webhookUrl, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'content-encoding': 'gzip',
        'x-webhook-hmac': zipped.signature,
      },
      body: gzipSync(zipped.raw),
    });
    expect(gzipped.status).toBe(200);
    expect(await gzipped.json()).toMatchObject({ status: 'accepted' });
    expect(await inboundJobs()).toBe(2);
  });
});
