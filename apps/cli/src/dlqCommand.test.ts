import { createDeadLetters, type DeadLetterInput, type DeadLetters } from '@relay/queue';
import { startTestRedis, type TestRedis } from '@relay/testing';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DLQ_HELP, runDlqCommand } from './dlqCommand.js';
import { maskChat } from './dlqFormat.js';

let redis: TestRedis;
let connection: Redis;
let prefix: string;
let deadLetters: DeadLetters;

const T0 = Date.UTC(2025, 0, 31, 10, 0, 0);
const HOUR = 3_600_000;

beforeAll(async () => {
  redis = await startTestRedis();
  connection = new Redis(redis.url);
});
beforeEach(async () => {
  await deadLetters?.close();
  prefix = redis.uniquePrefix('dlq-cli');
  deadLetters = createDeadLetters({ connection, prefix });
});
afterAll(async () => {
  await deadLetters?.close();
  connection.disconnect();
  await redis.close();
});

function input(n: number, overrides: Partial<DeadLetterInput> = {}): DeadLetterInput {
  const chatId = `4915112345${n}@c.us`;
  return {
    sourceQueue: 'inbound-acme-p0',
    sourceJobId: `msg-acme-${n}`,
    jobName: 'waha.message',
    payload: { tenant: 'acme', message: { chatId, body: `hello ${n}` }, retries: 2 },
    attemptsMade: 1,
    errorClass: 'chatwoot_unauthorized',
    lastError: 'chatwoot_unauthorized: POST /api/v1/accounts/1/conversations/7/messages answered 401',
    stack: null,
    lastFailedAt: T0 + n * HOUR,
    tenant: 'acme',
    chatId,
    messageId: `false_${chatId}_M${n}`,
    overtaken: n === 2,
    ...overrides,
  };
}

/** Runs `relay dlq …` in-process against the test Redis, capturing both streams. */
async function relayDlq(...argv: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await runDlqCommand(argv, {
    env: { REDIS_URL: redis.url, REDIS_PREFIX: prefix },
    stdout: { write: (chunk: string) => (stdout += chunk) },
    stderr: { write: (chunk: string) => (stderr += chunk) },
    now: () => T0 + 10 * HOUR,
  });
  return { code, stdout, stderr };
}

describe('relay dlq', () => {
  it('lists entries as a table, newest first, masking chats', async () => {
    for (let n = 1; n <= 3; n++) await deadLetters.add(input(n, n === 3 ? { tenant: 'other' } : {}));
    const { code, stdout } = await relayDlq('list', '--tenant', 'acme');
    expect(code).toBe(0);
    const lines = stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^ID +LAST FAILURE +TENANT +CHAT +ERROR CLASS +REASON$/);
    expect(lines[1]).toMatch(
      /^inbound-acme-p0-msg-acme-2 +2025-01-31 12:00:00Z +acme +\*\*\*3452@c\.us +chatwoot_unauthorized +\[overtaken\] chatwoot_unauthorized: POST/,
    );
    expect(lines[1]).toContain('…');
    expect(lines[2]).toMatch(/^inbound-acme-p0-msg-acme-1 /);
    expect(lines.at(-1)).toBe('2 entries');
    expect(stdout).not.toContain('491511234521');

    const page = await relayDlq('list', '--limit', '1', '--offset', '1', '--since', '9h');
    expect(page.stdout).toContain('entries 2-2 of 3');
    const json = await relayDlq('list', '--chat', '+49 1511 2345 1', '--json');
    expect(JSON.parse(json.stdout)).toMatchObject({ total: 1, entries: [{ sourceJobId: 'msg-acme-1' }] });
    expect((await relayDlq('list', '--error-class', 'nothing')).stdout).toBe(
      'no dead-letter entries match\n',
    );
  });

  it('shows one entry with its payload', async () => {
    const { id } = await deadLetters.add(input(1));
    const { code, stdout } = await relayDlq('show', id);
    expect(code).toBe(0);
    expect(stdout).toContain(`id:`);
    expect(stdout).toContain('49151123451@c.us');
    expect(stdout).toContain('"body": "hello 1"');
    const missing = await relayDlq('show', 'nope');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('no dead-letter entry "nope"');
  });

  it('replays: a dry run changes nothing, several entries need --yes, progress goes to stderr', async () => {
    for (let n = 1; n <= 5; n++) await deadLetters.add(input(n));
    const queue = new Queue('inbound-acme-p0', { connection, prefix });

    const dry = await relayDlq('replay', '--tenant', 'acme', '--dry-run');
    expect(dry).toMatchObject({
      code: 0,
      stdout: '5 entries match\ndry run: would replay 5 entries; nothing changed\n',
    });
    const refused = await relayDlq('replay', '--tenant', 'acme');
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('without --yes');
    expect(await deadLetters.count()).toBe(5);
    expect(await queue.count()).toBe(0);

    const done = await relayDlq('replay', '--tenant', 'acme', '--yes', '--batch-size', '2', '--limit', '4');
    expect(done.code).toBe(0);
    expect(done.stderr).toBe('replayed 2/4\nreplayed 4/4\n');
    expect(done.stdout).toBe(
      '4 entries match (of 5; --limit 4, oldest first)\n' +
        'replayed 4 entries as jobs msg-acme-1-r1, msg-acme-2-r1, msg-acme-3-r1, msg-acme-4-r1\n',
    );
    expect(await queue.getWaitingCount()).toBe(4);
    expect(await deadLetters.count()).toBe(1);

    // A single entry by id needs no --yes.
    const one = await relayDlq('replay', 'inbound-acme-p0-msg-acme-5', '--json');
    expect(one.code).toBe(0);
    expect(JSON.parse(one.stdout)).toMatchObject({ matched: 1, replayed: 1, jobIds: ['msg-acme-5-r1'] });
    expect(await deadLetters.count()).toBe(0);
    await queue.close();
  });

  it('discards by ids, failing on an unknown id without touching anything', async () => {
    await deadLetters.add(input(1));
    await deadLetters.add(input(2));
    const unknown = await relayDlq('discard', 'inbound-acme-p0-msg-acme-1', 'nope', '--yes');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('"nope"');
    expect(await deadLetters.count()).toBe(2);
    const done = await relayDlq(
      'discard',
      'inbound-acme-p0-msg-acme-1',
      'inbound-acme-p0-msg-acme-2',
      '--yes',
    );
    expect(done.code).toBe(0);
    expect(done.stdout).toContain('discarded 2 entries');
    expect(await deadLetters.count()).toBe(0);
  });

  it('rejects bad usage with exit code 2', async () => {
    expect((await relayDlq()).code).toBe(2);
    expect(await relayDlq('--help')).toMatchObject({ code: 0, stdout: DLQ_HELP });
    expect((await relayDlq('purge')).stderr).toContain('unknown command "purge"');
    expect((await relayDlq('list', '--bogus')).code).toBe(2);
    expect((await relayDlq('list', '--limit', 'ten')).stderr).toContain('--limit expects an integer');
    expect((await relayDlq('list', '--since', 'yesterday')).code).toBe(2);
    expect((await relayDlq('replay')).stderr).toContain('give entry ids, at least one filter, or --all');
    expect((await relayDlq('discard', 'x', '--tenant', 'acme')).code).toBe(2);
    expect((await relayDlq('show')).code).toBe(2);
    const badConfig = await runDlqCommand(['list'], {
      env: { REDIS_URL: redis.url, REDIS_PREFIX: 'no:colons' },
      stderr: { write: () => true },
    });
    expect(badConfig).toBe(2);
  });

  it('masks a chat to its last four digits', () => {
    expect(maskChat('4915112345678@c.us')).toBe('***5678@c.us');
    expect(maskChat('120363012345678901@g.us')).toBe('***8901@g.us');
    expect(maskChat(null)).toBe('-');
  });
});
