import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/** One queue as the queue gauges report it. */
export interface QueueStats {
  queue: string;
  /** Jobs not yet running: waiting, prioritized and delayed. */
  depth: number;
  /** Age of the oldest job not yet running, 0 when there is none. */
  oldestAgeSeconds: number;
  /** Workers connected to the queue (BullMQ's client list). */
  workers: number;
}

/** What a scrape reads from Redis: every queue, and the dead-letter queue's size. */
export interface QueueSnapshot {
  queues: QueueStats[];
  deadLetters: number;
}

/** A scrape reuses a snapshot this young, so the four queue gauges cost one Redis round of reads. */
const SNAPSHOT_REUSE_MS = 1000;

/** The relay's Prometheus series; one registry per process. */
export interface RelayMetrics {
  registry: Registry;
  webhooks: Counter<'source' | 'outcome' | 'reason'>;
  jobs: Counter<'job' | 'outcome'>;
  jobDuration: Histogram<'job' | 'outcome'>;
  chatwootCalls: Counter<'endpoint' | 'status'>;
  deadLettered: Counter<'job' | 'error_class'>;
  /** Time a Chatwoot call waited for its slot in the token's shared budget. */
  limiterWait: Histogram<'token_hash'>;
  /** Calls not made because the token was cooling down or over budget (the job was deferred). */
  limiterDeferrals: Counter<'token_hash' | 'reason'>;
  /** 429 answers from Chatwoot, per token hash. */
  rateLimited: Counter<'token_hash'>;
  /** Dead-letter entries replayed / discarded, by where it was done (dashboard, api, cli). */
  replays: Counter<'source'>;
  discards: Counter<'source'>;
  queueDepth: Gauge<'queue'>;
  queueOldestAge: Gauge<'queue'>;
  queueWorkers: Gauge<'queue'>;
  dlqSize: Gauge;
  /**
   * Makes the queue gauges (depth, oldest age, workers, DLQ size) read `source` at every scrape. Without a source
   * they are absent.
   */
  setQueueSource(source: () => Promise<QueueSnapshot>): void;
}

function createQueueGauges(registry: Registry) {
  let source: (() => Promise<QueueSnapshot>) | null = null;
  let last: { at: number; snapshot: Promise<QueueSnapshot> } | null = null;
  const snapshot = () => {
    if (!source) return null;
    if (!last || Date.now() - last.at > SNAPSHOT_REUSE_MS) {
      last = { at: Date.now(), snapshot: source() };
      // A failed read is not reused.
      last.snapshot.catch(() => {
        last = null;
      });
    }
    return last.snapshot;
  };
  const perQueue = (name: string, help: string, pick: (stats: QueueStats) => number) =>
    new Gauge({
      name,
      help,
      labelNames: ['queue'],
      registers: [registry],
      async collect() {
        const current = await snapshot();
        this.reset();
        for (const stats of current?.queues ?? []) this.set({ queue: stats.queue }, pick(stats));
      },
    });
  return {
    queueDepth: perQueue(
      'relay_queue_depth',
      'Jobs waiting, prioritized or delayed, per queue',
      (s) => s.depth,
    ),
    queueOldestAge: perQueue(
      'relay_queue_oldest_job_age_seconds',
      'Age of the oldest job not yet running, per queue (0 when empty)',
      (s) => s.oldestAgeSeconds,
    ),
    queueWorkers: perQueue('relay_queue_workers', 'Workers connected, per queue', (s) => s.workers),
    dlqSize: new Gauge({
      name: 'relay_dlq_size',
      help: 'Entries in the dead-letter queue',
      registers: [registry],
      async collect() {
        const current = await snapshot();
        if (current) this.set(current.deadLetters);
      },
    }),
    setQueueSource(next: () => Promise<QueueSnapshot>) {
      source = next;
      last = null;
    },
  };
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
    limiterWait: new Histogram({
      name: 'relay_limiter_wait_seconds',
      help: "Time a Chatwoot call waited for its slot in the token's shared budget, per token hash",
      labelNames: ['token_hash'],
      buckets: [0.005, 0.05, 0.1, 0.25, 0.5, 1, 2, 3, 5],
      registers: [registry],
    }),
    limiterDeferrals: new Counter({
      name: 'relay_limiter_deferrals_total',
      help: 'Chatwoot calls deferred instead of waiting (reason: cool_down after a 429, or budget), per token hash',
      labelNames: ['token_hash', 'reason'],
      registers: [registry],
    }),
    rateLimited: new Counter({
      name: 'relay_chatwoot_429_total',
      help: 'HTTP 429 answers from Chatwoot, per token hash',
      labelNames: ['token_hash'],
      registers: [registry],
    }),
    replays: new Counter({
      name: 'relay_dlq_replays_total',
      help: 'Dead-letter entries replayed, by where (dashboard, api, cli)',
      labelNames: ['source'],
      registers: [registry],
    }),
    discards: new Counter({
      name: 'relay_dlq_discards_total',
      help: 'Dead-letter entries discarded, by where (dashboard, api, cli)',
      labelNames: ['source'],
      registers: [registry],
    }),
    ...createQueueGauges(registry),
  };
}
