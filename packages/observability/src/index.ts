export { createLogger, type Logger, maskPersonalData, maskPhone } from './logger.js';
export { createMetrics, type QueueSnapshot, type QueueStats, type RelayMetrics } from './metrics.js';
export {
  isRedisConnectionError,
  logNonConnectionErrors,
  type RedisConnectionLogOptions,
  watchRedisConnection,
} from './redisConnectionLog.js';
export { countTokenCalls, recordTokenCall, tokenCallLogKey } from './tokenCallLog.js';
