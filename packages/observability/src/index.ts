export { createLogger, type Logger, maskPhone } from './logger.js';
export { createMetrics, type RelayMetrics } from './metrics.js';
