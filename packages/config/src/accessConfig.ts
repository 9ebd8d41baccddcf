/** A dashboard role: `viewer` only reads; `admin` may also replay, discard and use Bull Board's actions. */
export type DashboardRole = 'admin' | 'viewer';

/** One `DASHBOARD_USERS` entry. */
export interface DashboardUser {
  name: string;
  password: string;
  role: DashboardRole;
  /** Tenants whose data the user sees (optional 4th field, ids separated by `|`); null = every tenant. */
  tenants?: string[] | null;
}

/** How the dashboard authenticates; `disabled` only when `DASHBOARD_AUTH=off`. */
export interface DashboardAuthConfig {
  disabled: boolean;
  users: DashboardUser[];
  /** Bearer token with the admin role (scripts, Prometheus scraping). */
  token: string | null;
}

/**
 * Parses `alice:secret:admin,bob:pw:viewer:dealer-a|dealer-b` (a password may contain `:`; the role is the last
 * field, or the one before an optional tenant scope of `|`-separated tenant ids).
 */
export function parseDashboardUsers(raw: string, problems: string[]): DashboardUser[] {
  const users: DashboardUser[] = [];
  const isRole = (value: string): value is DashboardRole => value === 'admin' || value === 'viewer';
  for (const item of raw.split(',').map((part) => part.trim())) {
    if (item === '') continue;
    const first = item.indexOf(':');
    let last = item.lastIndexOf(':');
    let end = item.length;
    let tenants: string[] | null = null;
    if (!isRole(item.slice(last + 1)) && last > first) {
      tenants = item
        .slice(last + 1)
        .split('|')
        .map((id) => id.trim());
      end = last;
      last = item.lastIndexOf(':', last - 1);
    }
    const role = item.slice(last + 1, end);
    const name = item.slice(0, first);
    const password = item.slice(first + 1, last);
    if (first <= 0 || last <= first || password === '' || !isRole(role) || tenants?.includes('')) {
      problems.push(
        `DASHBOARD_USERS: each entry must be name:password:admin|viewer[:tenant|tenant…] (got an entry for "${name || '?'}")`,
      );
      continue;
    }
    users.push(tenants ? { name, password, role, tenants } : { name, password, role });
  }
  return users;
}

/** One send-API token and the tenants it may act for (`null` = every tenant). */
export interface SendApiTokenScope {
  token: string;
  tenants: string[] | null;
}

/**
 * Parses `SEND_API_TOKENS`: either the plain comma list `token1,token2` (every token may act for every tenant), or,
 * as soon as a `:` appears, scoped entries separated by `;`: `token1:tenantA,tenantB;token2:*` (`*` or no `:…` =
 * every tenant).
 */
export function parseSendApiTokens(raw: string): SendApiTokenScope[] {
  if (!raw.includes(':'))
    return raw
      .split(',')
      .map((token) => token.trim())
      .filter((token) => token !== '')
      .map((token) => ({ token, tenants: null }));
  return raw
    .split(';')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '')
    .map((entry) => {
      const colon = entry.indexOf(':');
      const token = (colon < 0 ? entry : entry.slice(0, colon)).trim();
      const list = colon < 0 ? '*' : entry.slice(colon + 1);
      const tenants = list
        .split(',')
        .map((id) => id.trim())
        .filter((id) => id !== '');
      return { token, tenants: tenants.length === 0 || tenants.includes('*') ? null : tenants };
    });
}
