/** Tenant scope of a dashboard user: `null` = every tenant (see `DASHBOARD_USERS`). */
export type TenantScope = readonly string[] | null;

/** Whether data of `tenant` (null: an entry without a tenant) is visible within the scope. */
export function inScope(scope: TenantScope, tenant: string | null): boolean {
  return scope === null || (tenant !== null && scope.includes(tenant));
}

/**
 * Whether a queue belongs to a tenant of the scope: `inbound-<tenant>-p<n>`, `outbound-<tenant>-p<n>` or
 * `qualify-<tenant>` (tenant ids are letters, digits, `-` and `_`, so the exact pattern cannot match a longer id).
 * The dead-letter queue and any other shared queue belong to no tenant.
 */
export function queueInScope(scope: TenantScope, queue: string): boolean {
  if (scope === null) return true;
  return scope.some((tenant) => {
    const id = tenant.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    return new RegExp(`^(?:(?:inbound|outbound)-${id}-p\\d+|qualify-${id})$`).test(queue);
  });
}
