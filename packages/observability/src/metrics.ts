import { Counter, collectDefaultMetrics, Histogram, Registry } from 'prom-client';

/** The relay's Prometheus series; one registry per process. */
export interface RelayMetrics {
  registry: Registry;
  webhooks: Counter<'source' | 'outcome' | 'reason'>;
  jobs: Counter<'job' | 'outcome'>;
  jobDuration: Histogram<'job' | 'outcome'>;
  chatwootCalls: Counter<'endpoint' | 'status'>;
  deadLettered: Counter<'job' | 'error_class'>;
}

export function createMetrics(opts: { defaultMetrics?: boolean } = {}): RelayMetrics {
  const registry = new Registry();
  if (opts.defaultMetrics ?? true) collectDefaultMetrics({ register: registry, prefix: 'relay_' });
  return {
    registry,
    webhooks: new Counter({
      name: 'relay_webhooks_total',
      help: 'Webhooks received, by source, outcome (accepted, duplicate, ignored, rejected, unavailable) and reason',
      labelNames: ['source', 'outcome', 'reason'],
      registers: [registry],
    }),
    jobs: new Counter({
      name: 'relay_jobs_total',
      help: 'Jobs finished, by job name and outcome (done, skipped, retry, failed)',
      labelNames: ['job', 'outcome'],
      registers: [registry],
    }),
    jobDuration: new Histogram({
      name: 'relay_job_duration_seconds',
      help: 'Job processing time by job name and outcome',
      labelNames: ['job', 'outcome'],
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [registry],
    }),
    chatwootCalls: new Counter({
      name: 'relay_chatwoot_calls_total',
      help: 'Chatwoot API calls by templated endpoint and HTTP status (0 = network error or timeout)',
      labelNames: ['endpoint', 'status'],
      registers: [registry],
    }),
    deadLettered: new Counter({
      name: 'relay_dead_lettered_total',
      help: 'Jobs that failed for good and were copied to the dead-letter queue, by job and error class',
      labelNames: ['job', 'error_class'],
      registers: [registry],
    }),
  };
}
