export {
  type DashboardAuthConfig,
  type DashboardRole,
  type DashboardUser,
  parseDashboardUsers,
  parseSendApiTokens,
  type SendApiTokenScope,
} from './accessConfig.js';
export { CONFIG_REFERENCE } from './configReference.js';
export { hasTenantConfig } from './envTenant.js';
export { ConfigError } from './errors.js';
export { loadConfig, type RelayConfig } from './relayConfig.js';
export { resolveSecretFiles, SECRET_ENV_NAMES } from './secretFiles.js';
export {
  FROM_ME_MODES,
  type FromMeMode,
  parseTenants,
  readTenantsFile,
  type TenantConfig,
} from './tenants.js';
