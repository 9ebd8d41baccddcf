export { ConfigError } from './errors.js';
export { CONFIG_REFERENCE, hasTenantConfig, loadConfig, type RelayConfig } from './relayConfig.js';
export {
  FROM_ME_MODES,
  type FromMeMode,
  parseTenants,
  readTenantsFile,
  type TenantConfig,
} from './tenants.js';
