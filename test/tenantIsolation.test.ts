/**
 * Tenant isolation and secret rotation (README "Security"): a webhook authenticated for tenant A cannot enqueue work
 * for tenant B, a send-API token only acts for its tenants, and during a rotation the new and the previous webhook
 * secrets are both accepted (and nothing else).
 */
import { Writable } from 'node:stream';
import { signWahaBody } from '@relay/domain';
import { createLogger } from '@relay/observability';
import { buildChatwootMessageWebhook, buildTextMessage } from '@relay/testing';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { useRelayHarness } from './support/useRelayHarness.js';

const KEY_A = 'tenant-a-hmac-key';
const KEY_B = 'tenant-b-hmac-key';
const TOKEN_A = 'tenant-a-url-token-0123456789';
const TOKEN_B = 'tenant-b-url-token-0123456789';
const SECRET_A = 'tenant-a-chatwoot-secret';
const SECRET_B = 'tenant-b-chatwoot-secret';
const SEND_A = 'send-token-only-dealer-0123456789';
const SEND_ALL = 'send-token-every-tenant-0123456789';

const relays = useRelayHarness('isolation');

function startTwoTenants(env: Record<string, string> = {}) {
  return relays.start({
    env: { WAHA_WEBHOOK_MAX_AGE_SECONDS: '0', ...env },
    tenant: { hmacKeys: [KEY_A] },
    chatwootWebhook: { secrets: [SECRET_A], token: TOKEN_A },
    extraTenants: [
      {
        id: 'other',
        session: 'other-session',
        token: 'other-chatwoot-api-token',
        hmacKeys: [KEY_B],
        chatwootWebhook: { secrets: [SECRET_B], token: TOKEN_B },
      },
    ],
  });
}

/** The tenant of every job stored under the prefix. */
async function jobTenants(): Promise<string[]> {
  const client = new Redis(relays.redis.url);
  try {
    const tenants: string[] = [];
    for (const key of await client.keys(`${relays.current.config.redisPrefix}:*`)) {
      if ((await client.type(key)) !== 'hash') continue;
      const data = await client.hget(key, 'data');
      if (data) tenants.push(String((JSON.parse(data) as { tenant?: unknown }).tenant));
    }
    return tenants;
  } finally {
    client.disconnect();
  }
}

async function postWaha(envelope: object, key: string) {
  const raw = JSON.stringify(envelope);
  const res = await fetch(relays.current.webhookUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-webhook-hmac': signWahaBody(raw, key) },
    body: raw,
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

const reply = (id: number) =>
  buildChatwootMessageWebhook({ id, conversationId: 5, chatId: '31612345678@c.us', content: 'hello' });

describe('tenant isolation', () => {
  it("refuses a WAHA webhook signed with tenant A's key that names tenant B's session", async () => {
    await startTwoTenants();
    const forB = buildTextMessage({ chatId: '31612345678@c.us', body: 'hi', session: 'other-session' });
    expect(await postWaha(forB, KEY_A)).toMatchObject({ status: 401, body: { error: 'invalid_signature' } });
    expect(await jobTenants()).toEqual([]);
    // Control: B's own key works.
    expect((await postWaha(forB, KEY_B)).status).toBe(200);
    expect(await jobTenants()).toEqual(['other']);
  });

  it("does not let tenant A's Chatwoot URL token or signing secret enqueue for tenant B", async () => {
    const relay = await startTwoTenants();
    const withToken = await relay.postChatwoot(reply(1), { path: `other/${TOKEN_A}` });
    expect(withToken).toMatchObject({ status: 401, body: { error: 'invalid_token' } });
    const signedByA = await relay.postChatwoot(reply(2), { path: 'other', secret: SECRET_A });
    expect(signedByA).toMatchObject({ status: 401, body: { error: 'invalid_signature' } });
    // Both tenants share the inbox here: without the tenant in the URL the relay cannot tell, so it refuses.
    const ambiguous = await relay.postChatwoot(reply(3), { secret: SECRET_A });
    expect(ambiguous.status).toBe(404);
    expect(await jobTenants()).toEqual([]);
    // Control: A's credentials work for A only.
    expect((await relay.postChatwoot(reply(4), { path: `dealer/${TOKEN_A}` })).status).toBe(200);
    expect(await jobTenants()).toEqual(['dealer']);
  });

  it('scopes send-API tokens to their tenants, for sends and status reads', async () => {
    const relay = await startTwoTenants({ SEND_API_TOKENS: `${SEND_A}:dealer;${SEND_ALL}:*` });
    const send = async (token: string, body: object) => {
      const res = await fetch(`${relay.ingress.url}/v1/messages`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    };
    const read = async (token: string, id: unknown) =>
      (
        await fetch(`${relay.ingress.url}/v1/messages/${id}`, {
          headers: { authorization: `Bearer ${token}` },
        })
      ).status;

    expect(await send(SEND_A, { tenant: 'other', phone: '+31640000001', text: 'x' })).toMatchObject({
      status: 403,
      body: { error: 'forbidden_tenant' },
    });
    expect(await jobTenants()).toEqual([]);
    // A token scoped to one tenant needs no `tenant` field, even with several tenants configured.
    const own = await send(SEND_A, { phone: '+31640000001', text: 'x' });
    expect(own.status).toBe(202);
    const forOther = await send(SEND_ALL, { tenant: 'other', phone: '+31640000002', text: 'y' });
    expect(forOther.status).toBe(202);
    expect((await jobTenants()).sort()).toEqual(['dealer', 'other']);

    expect(await read(SEND_A, own.body.id)).toBe(200);
    expect(await read(SEND_A, forOther.body.id)).toBe(403);
    expect(await read(SEND_ALL, forOther.body.id)).toBe(200);
  });
});

describe('secret rotation: the new and the previous secret are both accepted', () => {
  it('WAHA HMAC keys', async () => {
    await relays.start({
      env: { WAHA_WEBHOOK_MAX_AGE_SECONDS: '0' },
      tenant: { hmacKeys: ['hmac-new', 'hmac-previous'] },
    });
    const envelope = () => buildTextMessage({ chatId: '31612345678@c.us', body: 'hi' });
    expect((await postWaha(envelope(), 'hmac-new')).status).toBe(200);
    expect((await postWaha(envelope(), 'hmac-previous')).status).toBe(200);
    expect((await postWaha(envelope(), 'hmac-retired')).status).toBe(401);
  });

  it('Chatwoot signing secrets', async () => {
    const relay = await relays.start({
      chatwootWebhook: { secrets: ['cw-new-secret', 'cw-previous-secret'] },
    });
    expect((await relay.postChatwoot(reply(1), { path: 'dealer', secret: 'cw-new-secret' })).status).toBe(
      200,
    );
    expect(
      (await relay.postChatwoot(reply(2), { path: 'dealer', secret: 'cw-previous-secret' })).status,
    ).toBe(200);
    expect((await relay.postChatwoot(reply(3), { path: 'dealer', secret: 'cw-retired-secret' })).status).toBe(
      401,
    );
  });
});

describe('secrets never reach a log line', () => {
  it('redacts every secret of a tenant and of the config', () => {
    const lines: string[] = [];
    const destination = new Writable({
      write(chunk, _encoding, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const logger = createLogger({ service: 'test', level: 'info', destination });
    logger.info(
      {
        chatwoot: { apiToken: 'S1', webhookSecrets: ['S2'], webhookToken: 'S3' },
        waha: { apiKey: 'S4', webhookHmacKeys: ['S5'] },
        config: { sendApiTokens: ['S6'], adminApiToken: 'S7' },
      },
      'secrets',
    );
    expect(lines.join('')).toContain('[redacted]');
    expect(lines.join('')).not.toMatch(/"S\d"|\["S\d"\]/);
  });
});
