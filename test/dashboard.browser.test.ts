import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { type RunningDashboard, startDashboard } from '@relay/dashboard';
import { createLogger } from '@relay/observability';
import { createDeadLetters } from '@relay/queue';
import { buildTextMessage, startTestRedis, type TestRedis, waitFor } from '@relay/testing';
import { Redis } from 'ioredis';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, type RelayHarness, startRelayHarness } from './support/relayHarness.js';

/** Debian's chromium (`apt-get install chromium`); CI must have it, a laptop without it skips. */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium && process.env.CI) {
  throw new Error(`no Chromium at ${CHROMIUM}: apt-get install -y chromium (or set CHROMIUM_PATH)`);
}
/** `UPDATE_SCREENSHOTS=1 npx vitest run test/dashboard.browser.test.ts` refreshes docs/dashboard-*.png. */
const SCREENSHOTS = process.env.UPDATE_SCREENSHOTS === '1';
const PHONE = '31610000042';

let redis: TestRedis;
let connection: Redis;
let relay: RelayHarness;
let dashboard: RunningDashboard;
let browser: Browser;

beforeAll(async () => {
  if (!hasChromium) return;
  redis = await startTestRedis();
  connection = new Redis(redis.url);
  relay = await startRelayHarness({
    redisUrl: redis.url,
    prefix: redis.uniquePrefix('browser'),
    env: { DASHBOARD_USERS: 'alice:alice-password:admin,bob:bob-password:viewer' },
  });
  await relay.startWorker();
  dashboard = await startDashboard(relay.config, {
    logger: createLogger({ service: 'test', level: 'silent' }),
    metrics: relay.metrics,
    port: 0,
  });
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
});
afterAll(async () => {
  await browser?.close();
  await dashboard?.close();
  await relay?.close();
  connection?.disconnect();
  await redis?.close();
});

async function shoot(page: Page, name: string): Promise<void> {
  if (SCREENSHOTS)
    await page.screenshot({ path: join(REPO_ROOT, 'docs', `dashboard-${name}.png`), fullPage: true });
}

describe.skipIf(!hasChromium)('dashboard in a browser', () => {
  it('refuses an anonymous visit, signs in, finds the dead letter of a failing job, replays it and sees it complete', async () => {
    // A job that fails for good: Chatwoot refuses the token once.
    relay.chatwoot.injectFault({ status: 401, count: 1 });
    await relay.post(buildTextMessage({ chatId: `${PHONE}@c.us`, body: 'I would like a test drive' }));
    const deadLetters = createDeadLetters({ connection, prefix: relay.config.redisPrefix });
    await waitFor(async () => (await deadLetters.count()) === 1, { what: 'the dead-letter entry' });
    await deadLetters.close();

    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    // Anonymous: no page content, only the sign-in form (and 401 for non-HTML clients).
    const anonymous = await page.goto(`${dashboard.url}/dlq`);
    expect(new URL(page.url()).pathname).toBe('/login');
    expect(anonymous?.status()).toBe(200);
    expect(await page.locator('table.dlq').count()).toBe(0);
    expect((await fetch(`${dashboard.url}/dlq`, { headers: { accept: 'application/json' } })).status).toBe(
      401,
    );

    await page.fill('input[name=username]', 'alice');
    await page.fill('input[name=password]', 'alice-password');
    await Promise.all([page.waitForURL(`${dashboard.url}/dlq`), page.click('button[type=submit]')]);

    // Find the customer's failed message by phone number.
    await page.fill('input[name=chat]', `+${PHONE}`);
    await Promise.all([page.waitForURL(/chat=/), page.click('form.filters button')]);
    await expect.poll(() => page.locator('strong.total').textContent()).toBe('1');
    const row = page.locator('table.dlq tbody tr');
    expect(await row.textContent()).toContain('chatwoot_unauthorized');
    // The list masks the number (only the filter field echoes what was typed).
    expect(await page.locator('table.dlq').innerHTML()).not.toContain(PHONE);
    await shoot(page, 'dlq');

    await Promise.all([page.waitForURL(/\/dlq\/.+/), row.locator('a').click()]);
    await shoot(page, 'dlq-entry');
    await Promise.all([page.waitForURL(/\/dlq\/action/), page.click('button[value=replay]')]);
    expect(await page.locator('strong.matched').textContent()).toBe('1');
    await shoot(page, 'replay-confirm');
    await Promise.all([page.waitForLoadState(), page.click('form.actions button[value=replay]')]);
    await expect.poll(() => page.locator('p.result').textContent()).toContain('Replayed 1 of 1');

    // The job page refreshes itself until the replayed job is done.
    await Promise.all([page.waitForURL(/\/jobs\//), page.click('a.job')]);
    await page.locator('.state-completed').waitFor({ timeout: 20_000 });
    expect(relay.chatwoot.allMessages(1).map((message) => message.content)).toEqual([
      'I would like a test drive',
    ]);

    await page.goto(`${dashboard.url}/`);
    expect(await page.locator('.dlq-size').textContent()).toBe('0');
    await shoot(page, 'health');
    await page.goto(`${dashboard.url}/budget`);
    expect(await page.locator('table.budget tbody tr').count()).toBe(1);
    await shoot(page, 'budget');
    await page.goto(`${dashboard.url}/queues`);
    await page.waitForLoadState('networkidle');
    await shoot(page, 'bull-board');
    await page.close();
  });
});
