import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { DashboardAuthConfig, TenantConfig } from '@relay/config';
import { createLogger, createMetrics } from '@relay/observability';
import { createDeadLetters, DEAD_LETTER_QUEUE, type DeadLetters, replayTargetFor } from '@relay/queue';
import { startTestRedis, type TestRedis } from '@relay/testing';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createDashboardApp } from './app.js';
import { type TestClient, testClient } from './testClient.js';

const TOKEN = 'dashboard-token-0123456789';
const CHATWOOT_TOKEN = 'cw-token-never-shown';
const AUTH: DashboardAuthConfig = {
  disabled: false,
  users: [
    { name: 'alice', password: 'alice-pw', role: 'admin' },
    { name: 'bob', password: 'bob-pw', role: 'viewer' },
  ],
  token: TOKEN,
};
const tenant = {
  id: 'dealer',
  wahaSession: 'default',
  chatwoot: {
    baseUrl: 'http://x',
    apiToken: CHATWOOT_TOKEN,
    accountId: 1,
    inboxId: 1,
    budget: { perWindow: 100, windowMs: 60_000, maxConcurrent: 4 },
  },
  waha: { baseUrl: 'http://w', apiKey: null, webhookHmacKeys: [] },
  fromMeMode: 'outgoing',
} as TenantConfig;

let redis: TestRedis;
let connection: Redis;
let running: { server: Server; url: string; deadLetters: DeadLetters; queues: Queue[] } | null = null;

beforeAll(async () => {
  redis = await startTestRedis();
  connection = new Redis(redis.url, { maxRetriesPerRequest: null });
});
afterAll(async () => {
  connection.disconnect();
  await redis.close();
});
afterEach(async () => {
  if (!running) return;
  await new Promise((resolve) => running!.server.close(resolve));
  await Promise.all([running.deadLetters.close(), ...running.queues.map((queue) => queue.close())]);
  running = null;
});

async function start(auth: DashboardAuthConfig = AUTH) {
  const prefix = redis.uniquePrefix('dash');
  const replayTarget = replayTargetFor(2);
  const deadLetters = createDeadLetters({ connection, prefix, replayTarget });
  const queues = ['inbound-dealer-p0', 'inbound-dealer-p1', DEAD_LETTER_QUEUE].map(
    (name) => new Queue(name, { connection, prefix }),
  );
  const metrics = createMetrics({ defaultMetrics: false });
  const app = createDashboardApp({
    config: { redisPrefix: prefix, tenants: [tenant], dashboardAuth: auth },
    redis: connection,
    deadLetters,
    queues,
    replayTarget,
    logger: createLogger({ service: 'test', level: 'silent' }),
    metrics,
  });
  const server = await new Promise<Server>((resolve) => {
    const listening = app.listen(0, '127.0.0.1', () => resolve(listening));
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  running = { server, url, deadLetters, queues };
  const entry = await deadLetters.add({
    sourceQueue: 'inbound-dealer-p1',
    sourceJobId: 'msg-dealer-ABC',
    jobName: 'waha.message',
    payload: { tenant: 'dealer', retries: 3, message: { chatId: '31612345678@c.us', body: 'secret text' } },
    attemptsMade: 1,
    errorClass: 'chatwoot_unauthorized',
    lastError: 'chatwoot_unauthorized: 401 for 31612345678',
    stack: null,
    lastFailedAt: Date.now(),
    tenant: 'dealer',
    chatId: '31612345678@c.us',
    messageId: 'false_31612345678@c.us_ABC',
    overtaken: false,
  });
  return { url, entryId: entry.id, metrics, queues };
}

async function signIn(url: string, user: string, password: string): Promise<TestClient> {
  const client = testClient(url);
  await client.get('/login');
  const answer = await client.post('/login', {
    username: user,
    password,
    _csrf: client.csrf(),
    next: '/dlq',
  });
  expect(answer.status).toBe(303);
  expect(answer.location).toBe('/dlq');
  return client;
}

describe('dashboard auth', () => {
  it('refuses anonymous visits: HTML to the sign-in page, anything else 401', async () => {
    const { url } = await start();
    const client = testClient(url);
    expect(await client.get('/dlq')).toMatchObject({ status: 302, location: '/login?next=%2Fdlq' });
    expect((await client.get('/queues/api/queues', { accept: 'application/json' })).status).toBe(401);
    expect(
      (await client.post('/dlq/action', { action: 'replay', ids: 'x', _csrf: client.csrf() })).status,
    ).toBe(401);
    await client.get('/login');
    const wrong = await client.post('/login', { username: 'alice', password: 'nope', _csrf: client.csrf() });
    expect(wrong.status).toBe(401);
    // A sign-in without the CSRF token of the sign-in page is refused too.
    expect((await client.post('/login', { username: 'alice', password: 'alice-pw' })).status).toBe(403);
  });

  it('lets an admin list, confirm with a dry-run count and replay, with CSRF on every POST', async () => {
    const { url, entryId, metrics, queues } = await start();
    const alice = await signIn(url, 'alice', 'alice-pw');
    const list = await alice.get('/dlq?chat=612345678');
    expect(list.status).toBe(200);
    expect(list.text).toContain('*******5678@c.us');
    expect(list.text).not.toContain('31612345678');
    const detail = await alice.get(`/dlq/${entryId}`);
    expect(detail.text).toContain('[hidden: 11 chars]');
    expect(detail.text).not.toContain('secret text');

    expect((await alice.post('/dlq/action', { action: 'replay', ids: entryId, scope: 'ids' })).status).toBe(
      403,
    );
    const confirm = await alice.post('/dlq/action', {
      action: 'replay',
      ids: entryId,
      scope: 'ids',
      _csrf: alice.csrf(),
    });
    expect(confirm.text).toMatch(/Replay <strong class="matched">1<\/strong>/);
    const done = await alice.post('/dlq/action', {
      action: 'replay',
      ids: entryId,
      scope: 'ids',
      confirm: 'yes',
      _csrf: alice.csrf(),
    });
    expect(done.text).toContain('Replayed <strong>1</strong> of 1');
    const target = queues.find(
      (queue) =>
        queue.name === replayTargetFor(2)({ tenant: 'dealer', chatId: '31612345678@c.us', sourceQueue: '' }),
    )!;
    expect((await target.getJob('msg-dealer-ABC-r1'))?.data).toMatchObject({ retries: 0 });
    expect(await metrics.registry.getSingleMetricAsString('relay_dlq_replays_total')).toContain(
      'relay_dlq_replays_total{source="dashboard"} 1',
    );
    const job = await alice.get(`/jobs/${target.name}/msg-dealer-ABC-r1`);
    expect(job.text).toContain('state-waiting');
  });

  it('gives viewers read-only pages and a read-only Bull Board', async () => {
    const { url, entryId } = await start();
    const bob = await signIn(url, 'bob', 'bob-pw');
    expect((await bob.get('/dlq')).text).toContain('Read-only');
    const refused = await bob.post('/dlq/action', {
      action: 'discard',
      ids: entryId,
      scope: 'ids',
      _csrf: bob.csrf(),
    });
    expect(refused.status).toBe(403);
    expect(await bob.get('/queues')).toMatchObject({ status: 302, location: '/queues-ro' });
    const board = await bob.get('/queues-ro/api/queues?activeQueue=dead-letter&status=waiting', {
      accept: 'application/json',
    });
    expect(board.status).toBe(200);
    expect(board.text).not.toContain('31612345678');
    expect(board.text).not.toContain('secret text');
  });

  it('accepts the bearer token without CSRF, Basic credentials for reads only, and sign-in off explicitly', async () => {
    const { url, entryId } = await start();
    const script = testClient(url);
    const bearer = { authorization: `Bearer ${TOKEN}` };
    const discarded = await script.post(
      '/dlq/action',
      { action: 'discard', ids: entryId, scope: 'ids', confirm: 'yes' },
      bearer,
    );
    expect(discarded.text).toContain('Discarded <strong>1</strong>');
    const basic = { authorization: `Basic ${Buffer.from('alice:alice-pw').toString('base64')}` };
    expect((await script.get('/budget', basic)).status).toBe(200);
    expect(
      (await script.post('/dlq/action', { action: 'discard', ids: 'x', _csrf: script.csrf() }, basic)).status,
    ).toBe(403);
    await new Promise((resolve) => running!.server.close(resolve));

    const open = await start({ disabled: true, users: [], token: null });
    const anyone = testClient(open.url);
    expect((await anyone.get('/dlq')).status).toBe(200);
    expect(
      (await anyone.post('/dlq/action', { action: 'replay', ids: open.entryId, scope: 'ids' })).status,
    ).toBe(403);
    expect(
      (
        await anyone.post('/dlq/action', {
          action: 'replay',
          ids: open.entryId,
          scope: 'ids',
          _csrf: anyone.csrf(),
        })
      ).status,
    ).toBe(200);
  });
});

describe('tenant-scoped users', () => {
  it("see and act on only their tenants' dead letters and queues, and get no Bull Board", async () => {
    const { url, entryId, queues } = await start({
      disabled: false,
      users: [
        { name: 'carol', password: 'carol-pw', role: 'viewer', tenants: ['other'] },
        { name: 'dave', password: 'dave-pw', role: 'admin', tenants: ['other'] },
      ],
      token: null,
    });
    await queues[0]!.add('waha.message', { tenant: 'dealer' }, { jobId: 'waiting-1' });
    const other = await running!.deadLetters.add({
      sourceQueue: 'inbound-other-p0',
      sourceJobId: 'msg-other-XYZ',
      jobName: 'waha.message',
      payload: { tenant: 'other', retries: 3, message: { chatId: '4915100000000@c.us' } },
      attemptsMade: 1,
      errorClass: 'chatwoot_unauthorized',
      lastError: 'chatwoot_unauthorized: 401',
      stack: null,
      lastFailedAt: Date.now(),
      tenant: 'other',
      chatId: '4915100000000@c.us',
      messageId: 'false_4915100000000@c.us_XYZ',
      overtaken: false,
    });
    const carol = await signIn(url, 'carol', 'carol-pw');
    const list = await carol.get('/dlq');
    expect(list.text).toContain('msg-other-XYZ');
    expect(list.text).not.toContain('msg-dealer-ABC');
    expect(list.text).toContain('<strong class="total">1</strong>');
    // Asking for another tenant (or searching for its job) finds nothing.
    expect((await carol.get('/dlq?tenant=dealer')).text).toContain('<strong class="total">0</strong>');
    expect((await carol.get('/dlq?search=ABC')).text).toContain('<strong class="total">0</strong>');
    expect((await carol.get(`/dlq/${entryId}`)).status).toBe(404);
    expect((await carol.get(`/dlq/${other.id}`)).status).toBe(200);
    const health = await carol.get('/');
    expect(health.text).not.toContain('inbound-dealer-p0');
    expect(health.text).toMatch(/<span class="big dlq-size">1<\/span>/);
    expect((await carol.get('/budget')).text).not.toContain('0 / 100 per 60 s');
    expect((await carol.get(`/jobs/inbound-dealer-p0/waiting-1`)).status).toBe(404);
    expect((await carol.get('/queues')).status).toBe(403);
    const board = await carol.get('/queues-ro/api/queues', { accept: 'application/json' });
    expect(board.status).toBe(403);
    expect(board.text).toContain('Bull Board');
    expect(
      (await carol.post('/dlq/action', { action: 'replay', ids: entryId, scope: 'ids', _csrf: carol.csrf() }))
        .status,
    ).toBe(403);

    // A scoped admin may not touch another tenant's entry, and a filter only takes their own.
    const dave = await signIn(url, 'dave', 'dave-pw');
    const refused = await dave.post('/dlq/action', {
      action: 'replay',
      ids: [other.id, entryId],
      scope: 'ids',
      confirm: 'yes',
      _csrf: dave.csrf(),
    });
    expect(refused.status).toBe(403);
    const discarded = await dave.post('/dlq/action', {
      action: 'discard',
      errorClass: 'chatwoot_unauthorized',
      scope: 'filter',
      confirm: 'yes',
      _csrf: dave.csrf(),
    });
    expect(discarded.text).toContain('Discarded <strong>1</strong> of 1');
    expect(await running!.deadLetters.get(entryId)).not.toBeNull();
    expect(await running!.deadLetters.get(other.id)).toBeNull();
  });
});

describe('dashboard pages and metrics', () => {
  it('shows queue health and the token budget, and exports the queue gauges', async () => {
    const { url, queues } = await start();
    await queues[0]!.add('waha.message', { tenant: 'dealer' }, { jobId: 'waiting-1' });
    const alice = await signIn(url, 'alice', 'alice-pw');
    const health = await alice.get('/');
    expect(health.text).toContain('inbound-dealer-p0');
    expect(health.text).toMatch(/<span class="big dlq-size">1<\/span>/);
    const budget = await alice.get('/budget');
    expect(budget.text).toContain('0 / 100 per 60 s');
    expect(budget.text).not.toContain(CHATWOOT_TOKEN);
    const metrics = await (await fetch(`${url}/metrics`)).text();
    expect(metrics).toContain('relay_queue_depth{queue="inbound-dealer-p0"} 1');
    expect(metrics).toContain('relay_queue_workers{queue="inbound-dealer-p0"} 0');
    expect(metrics).toContain('relay_dlq_size 1');
    expect(metrics).toMatch(/relay_queue_oldest_job_age_seconds\{queue="inbound-dealer-p0"\} \d/);
  });
});
