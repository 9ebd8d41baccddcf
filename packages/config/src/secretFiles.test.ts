import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { hasTenantConfig } from './envTenant.js';
import { ConfigError } from './errors.js';
import { loadConfig } from './relayConfig.js';
import { resolveSecretFiles, SECRET_ENV_NAMES } from './secretFiles.js';

const dir = mkdtempSync(join(tmpdir(), 'relay-secrets-'));
function secretFile(name: string, content: string): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

const base = {
  CHATWOOT_BASE_URL: 'https://chatwoot.example.com',
  CHATWOOT_ACCOUNT_ID: '3',
  CHATWOOT_INBOX_ID: '7',
  WAHA_BASE_URL: 'http://waha:3000',
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

describe('*_FILE secrets', () => {
  it('reads every secret from <NAME>_FILE, trimming one trailing newline', () => {
    const env: Record<string, string> = {};
    for (const name of SECRET_ENV_NAMES) env[`${name}_FILE`] = secretFile(name, `${name}-value\n`);
    const problems: string[] = [];
    const resolved = resolveSecretFiles(env, problems);
    expect(problems).toEqual([]);
    for (const name of SECRET_ENV_NAMES) expect(resolved[name]).toBe(`${name}-value`);
    // Only one newline goes; inner whitespace stays.
    const kept = resolveSecretFiles({ ADMIN_API_TOKEN_FILE: secretFile('crlf', 'a b\r\n\r\n') }, problems);
    expect(kept.ADMIN_API_TOKEN).toBe('a b\r\n');
  });

  it('feeds the file contents into the config, tenants included', () => {
    const config = loadConfig({
      ...base,
      CHATWOOT_API_TOKEN_FILE: secretFile('cw', 'chatwoot-token-from-file\n'),
      WAHA_API_KEY_FILE: secretFile('waha', 'waha-key-from-file\n'),
      WAHA_WEBHOOK_HMAC_KEY_FILE: secretFile('hmac', 'hmac-new\n'),
      WAHA_WEBHOOK_HMAC_KEY_PREVIOUS_FILE: secretFile('hmac-old', 'hmac-old\n'),
      CHATWOOT_WEBHOOK_SECRET_FILE: secretFile('cws', 'cw-secret-new\n'),
      CHATWOOT_WEBHOOK_SECRET_PREVIOUS_FILE: secretFile('cws-old', 'cw-secret-old\n'),
      SEND_API_TOKENS_FILE: secretFile('send', 'send-token-0123456789abcdef\n'),
      ADMIN_API_TOKEN_FILE: secretFile('admin', 'admin-token-0123456789\n'),
      DASHBOARD_TOKEN_FILE: secretFile('dash', 'dashboard-token-0123456789\n'),
      DASHBOARD_USERS_FILE: secretFile('users', 'alice:pw:admin\n'),
    });
    const tenant = config.tenants[0]!;
    expect(tenant.chatwoot.apiToken).toBe('chatwoot-token-from-file');
    expect(tenant.waha.apiKey).toBe('waha-key-from-file');
    expect(tenant.waha.webhookHmacKeys).toEqual(['hmac-new', 'hmac-old']);
    expect(tenant.chatwoot.webhookSecrets).toEqual(['cw-secret-new', 'cw-secret-old']);
    expect(config.sendApiTokens).toEqual(['send-token-0123456789abcdef']);
    expect(config.adminApiToken).toBe('admin-token-0123456789');
    expect(config.dashboardAuth.token).toBe('dashboard-token-0123456789');
    expect(config.dashboardAuth.users).toEqual([{ name: 'alice', password: 'pw', role: 'admin' }]);
    expect(hasTenantConfig({ CHATWOOT_API_TOKEN_FILE: '/run/secrets/x' })).toBe(true);
  });

  it('refuses NAME together with NAME_FILE, and an unreadable file, without echoing any secret', () => {
    const problems = problemsOf({
      ...base,
      CHATWOOT_API_TOKEN: 'inline-secret-value',
      CHATWOOT_API_TOKEN_FILE: secretFile('both', 'file-secret-value\n'),
      ADMIN_API_TOKEN_FILE: join(dir, 'missing'),
    });
    expect(problems).toContain(
      'CHATWOOT_API_TOKEN: set either CHATWOOT_API_TOKEN or CHATWOOT_API_TOKEN_FILE, not both',
    );
    expect(
      problems.some((p) => p.startsWith('ADMIN_API_TOKEN_FILE: cannot read') && p.includes('ENOENT')),
    ).toBe(true);
    expect(problems.join('\n')).not.toMatch(/inline-secret-value|file-secret-value/);
  });

  it('never echoes a too-short secret read from a file', () => {
    const problems = problemsOf({
      ...base,
      CHATWOOT_API_TOKEN: 'x',
      ADMIN_API_TOKEN_FILE: secretFile('short', 'short-admin\n'),
    });
    expect(problems.some((p) => p.startsWith('ADMIN_API_TOKEN:'))).toBe(true);
    expect(problems.join('\n')).not.toContain('short-admin');
  });
});
