import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ChatwootSimulator, startChatwootSimulator } from '../../testing/src/chatwootSimulator/index.js';
import {
  type ChatwootError,
  classifyStatus,
  createChatwootClient,
  extractDetail,
  isChatwootError,
  isTransient,
  parseRetryAfter,
} from './index.js';

let sim: ChatwootSimulator;
beforeAll(async () => {
  sim = await startChatwootSimulator();
});
afterAll(() => sim.close());

const clientFor = (extra: { apiToken?: string; timeoutMs?: number; baseUrl?: string } = {}) =>
  createChatwootClient({ baseUrl: sim.url, apiToken: 'sim-token', accountId: 1, ...extra });

async function failure(p: Promise<unknown>): Promise<ChatwootError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  if (!isChatwootError(err)) throw new Error(`expected a ChatwootError, got ${String(err)}`);
  return err;
}

describe('error classification against the simulator', () => {
  it('422 on a duplicate phone → already_taken with the detail in the message', async () => {
    const client = clientFor();
    await client.createContact({ name: 'A', phone_number: '+31600000001' });
    const err = await failure(client.createContact({ name: 'B', phone_number: '+31600000001' }));
    expect(err).toMatchObject({ status: 422, kind: 'already_taken', endpoint: 'POST /contacts' });
    expect(err.detail).toBe('Phone number has already been taken');
    expect(err.message).toBe('Chatwoot POST /contacts failed: 422 Phone number has already been taken');
    expect(err.cause).toMatchObject({ attributes: ['phone_number'] });
    const invalid = await failure(client.createContact({ phone_number: '0612' }));
    expect(invalid).toMatchObject({ kind: 'validation', detail: 'Phone number should be in e164 format' });
  });

  it('401 on a bad token, without leaking the token', async () => {
    const err = await failure(clientFor({ apiToken: 'very-secret-token' }).listInboxes());
    expect(err).toMatchObject({ status: 401, kind: 'unauthorized', detail: 'Invalid Access Token' });
    expect(err.message).not.toContain('very-secret-token');
    expect(isTransient(err)).toBe(false);
  });

  it('injected 5xx → server (transient)', async () => {
    sim.injectFault({ endpoint: 'GET /inboxes', status: 503, count: 1 });
    const err = await failure(clientFor().listInboxes());
    expect(err).toMatchObject({ status: 503, kind: 'server' });
    expect(isTransient(err)).toBe(true);
    expect(await clientFor().listInboxes()).toHaveLength(1);
  });

  it('a hanging server → timeout with status 0', async () => {
    sim.injectFault({ endpoint: '/inboxes', timeoutMs: 500, count: 1 });
    const seen: number[] = [];
    const client = createChatwootClient({
      baseUrl: sim.url,
      apiToken: 'sim-token',
      accountId: 1,
      timeoutMs: 80,
      onCall: (info) => seen.push(info.status),
    });
    const err = await failure(client.listInboxes());
    expect(err).toMatchObject({ status: 0, kind: 'timeout' });
    expect(isTransient(err)).toBe(true);
    expect(seen).toEqual([0]);
  });

  it('caller abort rethrows the AbortError instead of classifying it', async () => {
    sim.injectFault({ endpoint: '/inboxes', timeoutMs: 300, count: 1 });
    const controller = new AbortController();
    const pending = clientFor().listInboxes({ signal: controller.signal });
    setTimeout(() => controller.abort(), 20);
    const err = await pending.catch((e: unknown) => e);
    expect(isChatwootError(err)).toBe(false);
    expect((err as Error).name).toBe('AbortError');
  });

  it('rate limit → 429 rate_limited with no Retry-After', async () => {
    sim.setRateLimit({ limit: 2, windowMs: 60_000 });
    try {
      const client = clientFor();
      const results = await Promise.allSettled([
        client.listInboxes(),
        client.listInboxes(),
        client.listInboxes(),
      ]);
      const rejected = results.filter((r) => r.status === 'rejected');
      expect(rejected.length).toBeGreaterThanOrEqual(1);
      const err = (rejected[0] as PromiseRejectedResult).reason as ChatwootError;
      expect(err).toMatchObject({
        status: 429,
        kind: 'rate_limited',
        retryAfterMs: null,
        detail: 'Retry later',
      });
    } finally {
      sim.setRateLimit(null);
    }
  });

  it('a Retry-After header is parsed when present', async () => {
    sim.injectFault({ endpoint: '/inboxes', status: 429, headers: { 'Retry-After': '7' }, count: 1 });
    const err = await failure(clientFor().listInboxes());
    expect(err.retryAfterMs).toBe(7000);
  });

  it('connection refused → network', async () => {
    const err = await failure(clientFor({ baseUrl: 'http://127.0.0.1:1' }).listInboxes());
    expect(err).toMatchObject({ status: 0, kind: 'network' });
  });

  it('schedule wraps every call with the templated endpoint', async () => {
    const scheduled: string[] = [];
    const client = createChatwootClient({
      baseUrl: sim.url,
      apiToken: 'sim-token',
      accountId: 1,
      schedule: (fn, call) => {
        scheduled.push(call.endpoint);
        return fn();
      },
    });
    await client.getInbox(1);
    await failure(client.getContact(424242));
    expect(scheduled).toEqual(['GET /inboxes/:id', 'GET /contacts/:id']);
  });
});

describe('pure helpers', () => {
  it('classifies statuses', () => {
    expect(classifyStatus(422, 'Identifier has already been taken')).toBe('already_taken');
    expect(classifyStatus(422, 'source_id should be unique')).toBe('already_taken');
    expect(classifyStatus(422, 'Incoming messages are only allowed in Api inboxes')).toBe('validation');
    expect(classifyStatus(400, '')).toBe('validation');
    expect(classifyStatus(403, '')).toBe('forbidden');
    expect(classifyStatus(404, '')).toBe('not_found');
    expect(classifyStatus(409, '')).toBe('client');
    expect(classifyStatus(500, '')).toBe('server');
  });

  it('extracts details from every known body shape', () => {
    expect(extractDetail({ message: 'm', error: 'e' }, '')).toBe('m');
    expect(extractDetail({ error: 'e' }, '')).toBe('e');
    expect(extractDetail({ errors: ['You need to sign in'] }, '')).toBe('You need to sign in');
    expect(extractDetail({ errors: [{ field: 'email', message: 'is bad' }] }, '')).toBe('email is bad');
    expect(extractDetail({ errors: { phone_number: ['has already been taken'] } }, '')).toBe(
      'phone_number has already been taken',
    );
    expect(extractDetail(null, `<html>${'x'.repeat(500)}</html>`)).toHaveLength(200);
  });

  it('parses Retry-After seconds and dates', () => {
    expect(parseRetryAfter(null)).toBeNull();
    expect(parseRetryAfter('3')).toBe(3000);
    expect(parseRetryAfter(new Date(61_000).toUTCString(), 1_000)).toBe(60_000);
    expect(parseRetryAfter('soon')).toBeNull();
  });
});
