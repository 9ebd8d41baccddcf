import { describe, expect, it } from 'vitest';
import { parseSendApiTokens } from './accessConfig.js';
import type { ConfigError } from './errors.js';
import { loadConfig } from './relayConfig.js';

const base = {
  CHATWOOT_BASE_URL: 'https://chatwoot.example.com',
  CHATWOOT_API_TOKEN: 'chatwoot-token',
  CHATWOOT_ACCOUNT_ID: '3',
  CHATWOOT_INBOX_ID: '7',
  WAHA_BASE_URL: 'http://waha:3000',
  WAHA_SESSION: 'dealer',
};

describe('SEND_API_TOKENS', () => {
  it('keeps the plain comma list: every token for every tenant', () => {
    expect(parseSendApiTokens(' aaaaaaaaaaaaaaaa , bbbbbbbbbbbbbbbb ,')).toEqual([
      { token: 'aaaaaaaaaaaaaaaa', tenants: null },
      { token: 'bbbbbbbbbbbbbbbb', tenants: null },
    ]);
  });

  it('scopes tokens with `token:tenantA,tenantB;token2:*`', () => {
    expect(parseSendApiTokens('t1:a, b ;t2:*; t3')).toEqual([
      { token: 't1', tenants: ['a', 'b'] },
      { token: 't2', tenants: null },
      { token: 't3', tenants: null },
    ]);
    const config = loadConfig({
      ...base,
      SEND_API_TOKENS: 'only-default-0123456789:dealer;all-0123456789abcdef:*',
    });
    expect(config.sendApiTokens).toEqual(['only-default-0123456789', 'all-0123456789abcdef']);
    expect(config.sendApiTokenScopes[0]?.tenants).toEqual(['dealer']);
  });

  it('refuses short tokens and unknown tenants without echoing a token', () => {
    const attempt = (raw: string) => {
      try {
        loadConfig({ ...base, SEND_API_TOKENS: raw });
      } catch (error) {
        return (error as ConfigError).problems.join('\n');
      }
      return '';
    };
    expect(attempt('short:dealer')).toMatch(/SEND_API_TOKENS: each token must be at least 16/);
    expect(attempt('short:dealer')).not.toContain('short');
    expect(attempt('long-enough-0123456789:nobody')).toContain('unknown tenant "nobody"');
  });
});
