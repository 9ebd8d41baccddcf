import type { RelayMetrics } from '@relay/observability';
import { Counter } from 'prom-client';

/** Qualification's own series, registered on the process registry (once, however many workers start). */
export interface QualificationMetrics {
  /** Label changes skipped after a 404. */
  labelSkips: Counter<'tenant' | 'reason'>;
  /** Routing actions done (assign, status). */
  routed: Counter<'tenant' | 'action'>;
  /** Messages mirrored whose qualification could not be enqueued (the message itself is fine). */
  enqueueFailures: Counter<'tenant'>;
}

function counter<L extends string>(
  metrics: RelayMetrics,
  name: string,
  help: string,
  labelNames: L[],
): Counter<L> {
  const existing = metrics.registry.getSingleMetric(name);
  if (existing) return existing as Counter<L>;
  return new Counter({ name, help, labelNames, registers: [metrics.registry] });
}

export function qualificationMetrics(metrics: RelayMetrics): QualificationMetrics {
  return {
    labelSkips: counter(
      metrics,
      'relay_qualification_label_skips_total',
      'Label changes skipped because Chatwoot answered 404, per tenant and reason',
      ['tenant', 'reason'],
    ),
    routed: counter(
      metrics,
      'relay_qualification_routed_total',
      'Routing actions done on a threshold crossing',
      ['tenant', 'action'],
    ),
    enqueueFailures: counter(
      metrics,
      'relay_qualification_enqueue_failures_total',
      'Mirrored messages whose qualification job could not be enqueued',
      ['tenant'],
    ),
  };
}
