export { ConfigError } from './errors.js';
export {
  CONFIG_REFERENCE,
  type DashboardAuthConfig,
  type DashboardRole,
  type DashboardUser,
  hasTenantConfig,
  loadConfig,
  parseDashboardUsers,
  type RelayConfig,
} from './relayConfig.js';
export {
  FROM_ME_MODES,
  type FromMeMode,
  parseTenants,
  readTenantsFile,
  type TenantConfig,
} from './tenants.js';
