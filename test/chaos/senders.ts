import { createHash } from 'node:crypto';
import { createDeadLetters, type DeadLetters, replayTargetFor } from '@relay/queue';
import { Redis } from 'ioredis';
import type { RelayHarness } from '../support/relayHarness.js';
import { type DeadLetterSummary, deadLetterToken } from './invariants.js';

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Deterministic pseudo-random numbers (mulberry32), so a failing run can be replayed from its seed. */
export function seeded(seed: number) {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return { next, between: (min: number, max: number) => min + Math.floor(next() * (max - min + 1)) };
}

export const tokenHash = (apiToken: string) =>
  createHash('sha256').update(apiToken).digest('hex').slice(0, 12);

/** How the ingress answered the webhook posts of a run, by kind of answer. */
export interface DeliveryStats {
  attempts: number;
  /** 503 answers (Redis unreachable, or backpressure). */
  unavailable: number;
  /** 503 answers to posts sent while the test had Redis down (`redisDown`). */
  unavailableDuringOutage: number;
  /** 503 answers without a `Retry-After` header. */
  unavailableWithoutRetryAfter: number;
  /** Slowest 503 answer, ms: the ingress must refuse, not hold the request until Redis is back. */
  slowestUnavailableMs: number;
  /** Connection refused or reset, or no answer at all. */
  connectionErrors: number;
  /** Any other non-2xx answer, by status. */
  otherStatuses: Record<string, number>;
  /** Events given up on after the last retry (never acknowledged). */
  gaveUp: number;
  /** Set by the test while Redis is down. */
  redisDown: boolean;
}

export const createDeliveryStats = (): DeliveryStats => ({
  attempts: 0,
  unavailable: 0,
  unavailableDuringOutage: 0,
  unavailableWithoutRetryAfter: 0,
  slowestUnavailableMs: 0,
  connectionErrors: 0,
  otherStatuses: {},
  gaveUp: 0,
  redisDown: false,
});

/** The counts of a run for the report line (without the `redisDown` switch). */
export function deliverySummary({ redisDown, ...counts }: DeliveryStats) {
  return counts;
}

/**
 * Delivers like WAHA and Chatwoot do: retries any non-2xx answer or network error (up to 30 times, 200 ms apart).
 * A 2xx `accepted`/`duplicate` answer acknowledges the event: its token goes into `acknowledged`.
 */
export async function deliver(
  send: () => Promise<{ status: number; body: unknown; retryAfter?: string | null }>,
  tokenOf: string | null,
  acknowledged: Set<string>,
  stats: DeliveryStats,
): Promise<boolean> {
  for (let attempt = 1; attempt <= 30; attempt++) {
    stats.attempts++;
    const duringOutage = stats.redisDown;
    const started = Date.now();
    try {
      const answer = await send();
      const status = (answer.body as { status?: string } | null)?.status;
      if (answer.status >= 200 && answer.status < 300) {
        if (tokenOf && (status === 'accepted' || status === 'duplicate')) acknowledged.add(tokenOf);
        return true;
      }
      if (answer.status === 503) {
        stats.unavailable++;
        if (duringOutage) stats.unavailableDuringOutage++;
        if (!answer.retryAfter) stats.unavailableWithoutRetryAfter++;
        stats.slowestUnavailableMs = Math.max(stats.slowestUnavailableMs, Date.now() - started);
      } else {
        stats.otherStatuses[answer.status] = (stats.otherStatuses[answer.status] ?? 0) + 1;
      }
    } catch {
      // connection refused or reset: retried like a 5xx
      stats.connectionErrors++;
    }
    await sleep(200);
  }
  stats.gaveUp++;
  return false;
}

/** Runs `use` with the relay's DLQ, through the same `DeadLetters` API the CLI, HTTP API and dashboard use. */
async function withDeadLetters<T>(relay: RelayHarness, use: (deadLetters: DeadLetters) => Promise<T>) {
  const connection = new Redis(relay.config.redisUrl, { maxRetriesPerRequest: 3 });
  const deadLetters = createDeadLetters({
    connection,
    prefix: relay.config.redisPrefix,
    replayTarget: replayTargetFor(relay.config.inboundPartitions, relay.config.outboundPartitions),
  });
  try {
    return await use(deadLetters);
  } finally {
    await deadLetters.close();
    connection.disconnect();
  }
}

/** The DLQ as the operator sees it: every entry with its reason. */
export function readDeadLetters(relay: RelayHarness): Promise<DeadLetterSummary[]> {
  return withDeadLetters(relay, async (deadLetters) => {
    const { entries } = await deadLetters.list(undefined, { limit: 1000 });
    return entries.map((e) => ({
      id: e.id,
      payload: JSON.stringify(e.payload),
      errorClass: e.errorClass,
      lastError: e.lastError,
    }));
  });
}

/** Discards DLQ entries for good, as an operator would (`relay dlq discard`). */
export function discardDeadLetters(relay: RelayHarness, ids: string[]) {
  return withDeadLetters(relay, (deadLetters) => deadLetters.discard({ ids }));
}

export const deadTokens = (entries: DeadLetterSummary[]) =>
  new Set(entries.flatMap((e) => deadLetterToken(e) ?? []));
