import { isChatwootError } from '@relay/chatwoot-client';
import { BudgetDeferral } from '@relay/rate-limit';
import { isWahaError } from '@relay/waha-client';

/** What to do with a failed attempt: retry later (the job stays at its partition head) or fail for good. */
export type FailureDecision =
  | { kind: 'retry'; delayMs: number; errorClass: string; reason: string; consumesAttempt: boolean }
  | { kind: 'fail'; errorClass: string; reason: string };

/** A failure that no retry can fix (bad payload, unknown tenant…). */
export class PermanentJobError extends Error {
  readonly errorClass: string;
  constructor(errorClass: string, message: string) {
    super(message);
    this.name = 'PermanentJobError';
    this.errorClass = errorClass;
  }
}

export interface RetrySettings {
  jobAttempts: number;
  retryBaseDelayMs: number;
  retryMaxDelayMs: number;
}

/** Smallest pause of a partition (BullMQ's rate limit needs a positive time). */
const MIN_DELAY_MS = 50;

/** Exponential backoff with ±50 % jitter: base·2^(n−1), capped. */
export function backoffDelayMs(retry: number, settings: RetrySettings, random = Math.random): number {
  const exponential = Math.min(settings.retryBaseDelayMs * 2 ** (retry - 1), settings.retryMaxDelayMs);
  return Math.round(exponential * (0.5 + random()));
}

function classify(error: unknown): { errorClass: string; transient: boolean; retryAfterMs?: number } {
  if (error instanceof PermanentJobError) return { errorClass: error.errorClass, transient: false };
  if (error instanceof BudgetDeferral) {
    return {
      errorClass: `budget_${error.reason}`,
      transient: true,
      retryAfterMs: Math.max(error.retryAtMs - Date.now(), 0),
    };
  }
  if (isChatwootError(error)) {
    const transient = ['network', 'timeout', 'server', 'rate_limited'].includes(error.kind);
    // After a 429 the call policy has set the token's shared cool-down; the retry meets it and learns the exact time.
    const retryAfterMs = error.kind === 'rate_limited' ? (error.retryAfterMs ?? MIN_DELAY_MS) : undefined;
    return { errorClass: `chatwoot_${error.kind}`, transient, retryAfterMs };
  }
  if (isWahaError(error)) {
    const transient = ['network', 'timeout', 'server', 'session_not_ready'].includes(error.kind);
    return { errorClass: `waha_${error.kind}`, transient };
  }
  // Redis hiccups, lock waits and anything unexpected: retry, and let the attempt limit end it.
  return { errorClass: 'internal', transient: true };
}

/** Decides the fate of a failed attempt; `retriesSoFar` counts earlier retries of this job. */
export function decideFailure(
  error: unknown,
  retriesSoFar: number,
  settings: RetrySettings,
): FailureDecision {
  const { errorClass, transient, retryAfterMs } = classify(error);
  const reason = error instanceof Error ? error.message : String(error);
  if (!transient) return { kind: 'fail', errorClass, reason };
  // A 429 or an exhausted budget is the token's doing, not the job's: wait, consume no attempt.
  if (retryAfterMs !== undefined) {
    return {
      kind: 'retry',
      delayMs: Math.max(retryAfterMs, MIN_DELAY_MS),
      errorClass,
      reason,
      consumesAttempt: false,
    };
  }
  const retry = retriesSoFar + 1;
  if (retry >= settings.jobAttempts) {
    return { kind: 'fail', errorClass, reason: `gave up after ${settings.jobAttempts} attempts: ${reason}` };
  }
  return {
    kind: 'retry',
    delayMs: backoffDelayMs(retry, settings),
    errorClass,
    reason,
    consumesAttempt: true,
  };
}
