import { buildChatwootMessageWebhook } from '@relay/testing';
import { describe, expect, it } from 'vitest';
import { useRelayHarness } from './support/useRelayHarness.js';

const SECRET = 'chatwoot-webhook-secret';
const TOKEN = 'url-token-0123456789abcdef';

const relays = useRelayHarness('cwsig');

const reply = (id: number) =>
  buildChatwootMessageWebhook({ id, conversationId: 1, chatId: '31630000001@c.us', content: 'Hello' });

describe('Chatwoot webhook authentication', () => {
  it('accepts a valid signature and refuses invalid, stale and missing ones', async () => {
    const relay = await relays.start({
      chatwootWebhook: { secrets: ['old-secret', SECRET] },
    });
    expect(await relay.postChatwoot(reply(1), { secret: SECRET })).toMatchObject({
      status: 200,
      body: { status: 'accepted', jobId: 'send-dealer-1' },
    });
    expect(await relay.postChatwoot(reply(2), { secret: 'wrong-secret' })).toMatchObject({
      status: 401,
      body: { error: 'invalid_signature' },
    });
    const tampered = JSON.stringify(reply(3));
    expect(
      await relay.postChatwoot(null, {
        secret: SECRET,
        rawBody: tampered,
        headers: { 'X-Chatwoot-Timestamp': '1' },
      }),
    ).toMatchObject({ status: 401, body: { error: 'invalid_signature' } });
    const anHourAgo = Math.floor(Date.now() / 1000) - 3600;
    expect(await relay.postChatwoot(reply(4), { secret: SECRET, timestampSec: anHourAgo })).toMatchObject({
      status: 401,
      body: { error: 'stale_signature' },
    });
    expect(await relay.postChatwoot(reply(5))).toMatchObject({
      status: 401,
      body: { error: 'missing_signature' },
    });
    expect(await relay.postChatwoot(reply(6), { secret: SECRET, path: 'nobody' })).toMatchObject({
      status: 404,
      body: { error: 'unknown_tenant' },
    });
  });

  it('accepts unsigned webhooks with the tenant token in the URL (Chatwoot versions that do not sign)', async () => {
    const relay = await relays.start({
      chatwootWebhook: { token: TOKEN },
    });
    expect(await relay.postChatwoot(reply(1), { path: `dealer/${TOKEN}` })).toMatchObject({
      status: 200,
      body: { status: 'accepted' },
    });
    expect(await relay.postChatwoot(reply(2), { path: 'dealer/not-the-token' })).toMatchObject({
      status: 401,
      body: { error: 'invalid_token' },
    });
    expect(await relay.postChatwoot(reply(3))).toMatchObject({
      status: 401,
      body: { error: 'missing_token' },
    });
  });
});
