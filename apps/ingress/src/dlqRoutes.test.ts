import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createDeadLetters, type DeadLetterInput, type DeadLetters } from '@relay/queue';
import { startTestRedis, type TestRedis } from '@relay/testing';
import { Queue } from 'bullmq';
import express from 'express';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createDlqRouter } from './dlqRoutes.js';

const TOKEN = 'dlq-admin-token-0123456789';

let redis: TestRedis;
let connection: Redis;
let server: Server | undefined;
let deadLetters: DeadLetters | undefined;

beforeAll(async () => {
  redis = await startTestRedis();
  connection = new Redis(redis.url);
});
afterEach(async () => {
  await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
  server = undefined;
  await deadLetters?.close();
  deadLetters = undefined;
});
afterAll(async () => {
  connection.disconnect();
  await redis.close();
});

function input(n: number, overrides: Partial<DeadLetterInput> = {}): DeadLetterInput {
  return {
    sourceQueue: 'inbound-acme-p0',
    sourceJobId: `msg-acme-${n}`,
    jobName: 'waha.message',
    payload: { tenant: 'acme', message: { chatId: `3161000000${n}@c.us` }, retries: 1 },
    attemptsMade: 1,
    errorClass: 'chatwoot_unauthorized',
    lastError: 'chatwoot_unauthorized: 401',
    stack: null,
    lastFailedAt: Date.now() - n * 60_000,
    tenant: 'acme',
    chatId: `3161000000${n}@c.us`,
    messageId: `false_3161000000${n}@c.us_M${n}`,
    overtaken: false,
    ...overrides,
  };
}

async function start(adminToken: string | null) {
  const prefix = redis.uniquePrefix('dlq-api');
  deadLetters = createDeadLetters({ connection, prefix });
  const app = express();
  app.use('/v1/dlq', createDlqRouter({ deadLetters, adminToken }));
  server = await new Promise<Server>((resolve) => {
    const listening = app.listen(0, '127.0.0.1', () => resolve(listening));
  });
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/dlq`;
  const call = async (path: string, init: { body?: string | object; token?: string | null } = {}) => {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    const token = init.token === undefined ? TOKEN : init.token;
    if (token !== null) headers.authorization = `Bearer ${token}`;
    const response = await fetch(`${base}${path}`, {
      method: init.body === undefined ? 'GET' : 'POST',
      headers,
      body: typeof init.body === 'string' ? init.body : init.body && JSON.stringify(init.body),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
  return { prefix, deadLetters, call };
}

describe('DLQ HTTP API', () => {
  it('answers 403 to everything when no admin token is configured', async () => {
    const { call } = await start(null);
    expect(await call('/')).toEqual({
      status: 403,
      body: expect.objectContaining({ error: 'dlq_api_disabled' }),
    });
    expect((await call('/replay', { body: { ids: ['x'] } })).status).toBe(403);
  });

  it('answers 401 without the bearer token or with a wrong one', async () => {
    const { call } = await start(TOKEN);
    expect(await call('/', { token: null })).toEqual({
      status: 401,
      body: expect.objectContaining({ error: 'unauthorized' }),
    });
    expect((await call('/', { token: `${TOKEN}x` })).status).toBe(401);
    expect((await call('/', { token: 'short' })).status).toBe(401);
    expect((await call('/replay', { body: { ids: ['x'] }, token: 'nope' })).status).toBe(401);
  });

  it('lists with filters and paging, and shows one entry', async () => {
    const { deadLetters, call } = await start(TOKEN);
    for (let n = 1; n <= 4; n++) await deadLetters.add(input(n, n === 4 ? { tenant: 'other' } : {}));

    const all = await call('/?tenant=acme&limit=2&offset=1');
    expect(all.status).toBe(200);
    expect(all.body).toMatchObject({ total: 3, offset: 1, limit: 2 });
    expect((all.body.entries as Array<{ sourceJobId: string }>).map((e) => e.sourceJobId)).toEqual([
      'msg-acme-2',
      'msg-acme-3',
    ]);
    expect((await call('/?chat=%2B31%206100%200000%202')).body.total).toBe(1);
    expect((await call('/?search=_M3&since=1h')).body.total).toBe(1);
    expect((await call('/?until=2000-01-01')).body.total).toBe(0);
    expect(await call('/?limit=0')).toMatchObject({
      status: 400,
      body: { error: 'invalid_query', field: 'limit' },
    });
    expect(await call('/?since=yesterday')).toMatchObject({ status: 400, body: { field: 'since' } });

    expect(await call('/inbound-acme-p0-msg-acme-1')).toMatchObject({
      status: 200,
      body: { id: 'inbound-acme-p0-msg-acme-1', tenant: 'acme', payload: { retries: 1 } },
    });
    expect(await call('/nope')).toMatchObject({ status: 404, body: { error: 'not_found' } });
  });

  it('replays and discards with dry runs, by ids and by filter', async () => {
    const { prefix, deadLetters, call } = await start(TOKEN);
    for (let n = 1; n <= 3; n++) await deadLetters.add(input(n));

    expect(await call('/replay', { body: { filter: { tenant: 'acme' }, dryRun: true } })).toEqual({
      status: 200,
      body: { matched: 3, replayed: 0, jobIds: [] },
    });
    expect(await deadLetters.count()).toBe(3);

    expect(await call('/replay', { body: { filter: { tenant: 'acme' }, limit: 2 } })).toEqual({
      status: 200,
      body: { matched: 3, replayed: 2, jobIds: ['msg-acme-3-r1', 'msg-acme-2-r1'] },
    });
    const queue = new Queue('inbound-acme-p0', { connection, prefix });
    expect(await queue.getWaitingCount()).toBe(2);
    await queue.close();

    expect(await call('/discard', { body: { ids: ['inbound-acme-p0-msg-acme-1', 'gone'] } })).toEqual({
      status: 200,
      body: { matched: 1, discarded: 1, missing: ['gone'] },
    });
    expect(await deadLetters.count()).toBe(0);
  });

  it('answers 400 naming the field for a bad body', async () => {
    const { call } = await start(TOKEN);
    expect(await call('/replay', { body: { ids: 'x' } })).toMatchObject({
      status: 400,
      body: { error: 'invalid_body', field: 'ids' },
    });
    expect(await call('/replay', { body: { ids: ['a'], dryRun: 'yes' } })).toMatchObject({
      status: 400,
      body: { field: 'dryRun' },
    });
    expect(await call('/replay', { body: {} })).toMatchObject({ status: 400, body: { field: 'ids' } });
    expect(await call('/discard', { body: { filter: {} } })).toMatchObject({
      status: 400,
      body: { field: 'filter' },
    });
    expect(await call('/discard', { body: { filter: { tenat: 'acme' } } })).toMatchObject({
      status: 400,
      body: { field: 'filter' },
    });
    expect(await call('/discard', { body: { filter: { since: 'later' } } })).toMatchObject({
      status: 400,
      body: { field: 'filter.since' },
    });
    expect(await call('/replay', { body: '{"ids": [' })).toMatchObject({
      status: 400,
      body: { error: 'invalid_json' },
    });
  });
});
