export { createIngressApp, type IngressDeps } from './app.js';
export { type RunningIngress, startIngress } from './main.js';
export { type IngestOutcome, ingestWahaWebhook } from './wahaWebhook.js';
