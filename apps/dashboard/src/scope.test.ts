import { ConfigError, loadConfig } from '@relay/config';
import { describe, expect, it } from 'vitest';
import { inScope, queueInScope } from './scope.js';

const env = {
  CHATWOOT_BASE_URL: 'https://chatwoot.example.com',
  CHATWOOT_API_TOKEN: 'cw-token',
  CHATWOOT_ACCOUNT_ID: '3',
  CHATWOOT_INBOX_ID: '7',
  WAHA_BASE_URL: 'http://waha:3000',
};

describe('dashboard tenant scopes', () => {
  it('parses an optional 4th DASHBOARD_USERS field and refuses an unknown tenant at start', () => {
    const config = loadConfig({ ...env, DASHBOARD_USERS: 'alice:a:b:admin,bob:pw:viewer:default' });
    expect(config.dashboardAuth.users).toEqual([
      { name: 'alice', password: 'a:b', role: 'admin' },
      { name: 'bob', password: 'pw', role: 'viewer', tenants: ['default'] },
    ]);
    let problems: string[] = [];
    try {
      loadConfig({ ...env, DASHBOARD_USERS: 'bob:pw:viewer:default|dealer-x' });
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      problems = error.problems;
    }
    expect(problems).toEqual(['DASHBOARD_USERS: user "bob" is scoped to unknown tenant "dealer-x"']);
  });

  it("matches a tenant's queues exactly", () => {
    const scope = ['dealer-a'];
    for (const queue of ['inbound-dealer-a-p0', 'outbound-dealer-a-p12', 'qualify-dealer-a'])
      expect(queueInScope(scope, queue)).toBe(true);
    for (const queue of [
      'inbound-dealer-a-b-p0',
      'inbound-dealer-ab-p0',
      'qualify-dealer-a-b',
      'dead-letter',
    ])
      expect(queueInScope(scope, queue)).toBe(false);
    expect(queueInScope(null, 'dead-letter')).toBe(true);
    expect(inScope(scope, null)).toBe(false);
    expect(inScope(null, null)).toBe(true);
  });
});
