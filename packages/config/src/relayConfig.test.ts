import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { hasTenantConfig } from './envTenant.js';
import { ConfigError } from './errors.js';
import { loadConfig } from './relayConfig.js';

const singleTenant = {
  CHATWOOT_BASE_URL: 'https://chatwoot.example.com/',
  CHATWOOT_API_TOKEN: 'secret-token',
  CHATWOOT_ACCOUNT_ID: '3',
  CHATWOOT_INBOX_ID: '7',
  WAHA_BASE_URL: 'http://waha:3000',
  WAHA_API_KEY: 'waha-key',
  WAHA_SESSION: 'dealer',
  WAHA_WEBHOOK_HMAC_KEY: 'hmac-1',
};

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

function writeTenantsFile(name: string, text: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'relay-config-')), name);
  writeFileSync(path, text);
  return path;
}

describe('loadConfig', () => {
  it('builds one tenant from the single-tenant variables, with defaults for the rest', () => {
    const config = loadConfig(singleTenant);
    expect(config.redisUrl).toBe('redis://127.0.0.1:6379');
    expect(config.port).toBe(3000);
    expect(config.inboundPartitions).toBe(16);
    expect(config.tenants).toEqual([
      {
        id: 'dealer',
        wahaSession: 'dealer',
        chatwoot: {
          baseUrl: 'https://chatwoot.example.com',
          apiToken: 'secret-token',
          accountId: 3,
          inboxId: 7,
          budget: { perWindow: 100, windowMs: 60_000, maxConcurrent: 4 },
        },
        waha: { baseUrl: 'http://waha:3000', apiKey: 'waha-key', webhookHmacKeys: ['hmac-1'] },
        fromMeMode: 'outgoing',
      },
    ]);
  });

  it('lists every bad key in one error', () => {
    const problems = problemsOf({
      ...singleTenant,
      PORT: 'eighty',
      CHATWOOT_ACCOUNT_ID: 'x',
      REDIS_URL: 'localhost',
      FROM_ME_MODE: 'loud',
      CHATWOOT_MAX_CONCURRENT_CALLS: '0',
    });
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^PORT: /),
        expect.stringMatching(/^REDIS_URL: must start with redis:\/\//),
        expect.stringMatching(/^CHATWOOT_ACCOUNT_ID: /),
        expect.stringMatching(/^FROM_ME_MODE: /),
        expect.stringMatching(/^CHATWOOT_MAX_CONCURRENT_CALLS: /),
      ]),
    );
    expect(problems).toHaveLength(5);
  });

  it('names each missing single-tenant variable', () => {
    expect(problemsOf({ CHATWOOT_BASE_URL: 'http://cw' })).toEqual([
      'CHATWOOT_API_TOKEN: required (or set TENANTS_FILE)',
      'CHATWOOT_ACCOUNT_ID: required (or set TENANTS_FILE)',
      'CHATWOOT_INBOX_ID: required (or set TENANTS_FILE)',
      'WAHA_BASE_URL: required (or set TENANTS_FILE)',
    ]);
  });

  it('reads many tenants from a YAML file and accepts two HMAC keys during a rotation', () => {
    const path = writeTenantsFile(
      'tenants.yaml',
      `tenants:
  - id: dealer-a
    wahaSession: a
    chatwoot: { baseUrl: "http://cw-a", apiToken: "ta", accountId: 1, inboxId: 2, budgetPerWindow: 50, budgetWindowSeconds: 3, maxConcurrentCalls: 16 }
    waha: { baseUrl: "http://waha", webhookHmacKey: ["new", "old"] }
  - wahaSession: b
    chatwoot: { baseUrl: "http://cw-b", apiToken: "tb", accountId: 9, inboxId: 4 }
    waha: { baseUrl: "http://waha" }
    fromMeMode: private_note
`,
    );
    const config = loadConfig({ TENANTS_FILE: path });
    expect(
      config.tenants.map((t) => [t.id, t.chatwoot.budget, t.waha.webhookHmacKeys, t.fromMeMode]),
    ).toEqual([
      ['dealer-a', { perWindow: 50, windowMs: 3000, maxConcurrent: 16 }, ['new', 'old'], 'outgoing'],
      ['b', { perWindow: 100, windowMs: 60_000, maxConcurrent: 4 }, [], 'private_note'],
    ]);
  });

  it('rejects a tenants file with duplicate sessions and bad fields, naming each', () => {
    const path = writeTenantsFile(
      'tenants.json',
      JSON.stringify({
        tenants: [
          {
            wahaSession: 's',
            chatwoot: { baseUrl: 'ftp://x', apiToken: 't', accountId: 1, inboxId: 1 },
            waha: { baseUrl: 'http://w' },
          },
        ],
      }),
    );
    expect(problemsOf({ TENANTS_FILE: path })).toEqual([
      'TENANTS_FILE.tenants.0.chatwoot.baseUrl: must be an http(s) URL',
    ]);
    const duplicate = writeTenantsFile(
      'dup.json',
      JSON.stringify({
        tenants: [1, 2].map(() => ({
          wahaSession: 's',
          chatwoot: { baseUrl: 'http://cw', apiToken: 't', accountId: 1, inboxId: 1 },
          waha: { baseUrl: 'http://w' },
        })),
      }),
    );
    expect(problemsOf({ TENANTS_FILE: duplicate })).toEqual([
      'TENANTS_FILE.tenants.1.id: duplicate tenant id "s"',
      'TENANTS_FILE.tenants.1.wahaSession: session "s" is mapped twice',
    ]);
    expect(problemsOf({ TENANTS_FILE: '/nonexistent/tenants.yaml' })[0]).toMatch(
      /^TENANTS_FILE: cannot read/,
    );
  });

  it('tells whether any Chatwoot/WAHA is configured (the demo runs its simulators when not)', () => {
    expect(hasTenantConfig({})).toBe(false);
    expect(hasTenantConfig({ TENANTS_FILE: '/x' })).toBe(true);
    expect(hasTenantConfig({ CHATWOOT_BASE_URL: 'http://cw' })).toBe(true);
  });
});
