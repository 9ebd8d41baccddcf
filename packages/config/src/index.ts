export { ConfigError } from './errors.js';
export {
  CONFIG_REFERENCE,
  type DashboardAuthConfig,
  type DashboardRole,
  type DashboardUser,
  hasTenantConfig,
  loadConfig,
  parseDashboardUsers,
  parseSendApiTokens,
  type RelayConfig,
  type SendApiTokenScope,
} from './relayConfig.js';
export { resolveSecretFiles, SECRET_ENV_NAMES } from './secretFiles.js';
export {
  FROM_ME_MODES,
  type FromMeMode,
  parseTenants,
  readTenantsFile,
  type TenantConfig,
} from './tenants.js';
