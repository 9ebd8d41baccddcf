export { createIngressListener, type IngressDeps } from './app.js';
export { exceedsJsonDepth, MAX_JSON_DEPTH } from './limits.js';
export { type RunningIngress, startIngress } from './main.js';
export { type IngestOutcome, ingestWahaWebhook } from './wahaWebhook.js';
