import { createHash } from 'node:crypto';

/** A token's budget: at most `perWindow` calls in ANY sliding window of `windowMs` (e.g. 100 per 60 000 ms). */
export interface TokenBudget {
  perWindow: number;
  windowMs: number;
  /** Calls of this token running at once across every process; default the limiter's `maxConcurrent`. */
  maxConcurrent?: number;
}

/** Why a call was not made: the token is cooling down after a 429, or its budget would make it wait too long. */
export type DeferralReason = 'cool_down' | 'budget';

/**
 * Thrown by `TokenLimiter.schedule` instead of waiting long. The caller defers its job (e.g. BullMQ
 * `moveToDelayed(retryAtMs + jitter)` + `DelayedError`) so the worker slot serves other tokens. `fn` was not called.
 */
export class BudgetDeferral extends Error {
  /** Epoch ms when trying again makes sense. */
  readonly retryAtMs: number;
  readonly reason: DeferralReason;
  /** The token hash (never the token). */
  readonly tokenHash: string;

  constructor(reason: DeferralReason, tokenHash: string, retryAtMs: number) {
    super(`token ${tokenHash}: ${reason === 'cool_down' ? 'cooling down after a 429' : 'over budget'}`);
    this.name = 'BudgetDeferral';
    this.reason = reason;
    this.tokenHash = tokenHash;
    this.retryAtMs = retryAtMs;
  }
}

/** The key of a Chatwoot API token: sha256 hex, first 16 chars. Use it everywhere a token would be named. */
export function tokenHash(token: string): string {
  return createHash('sha256').update(token).digest('hex').slice(0, 16);
}

/** Default extra spacing per call, for clock skew between processes (Bottleneck's scripts use each client's clock). */
export const DEFAULT_SKEW_MARGIN_MS = 2;

/**
 * Bottleneck `minTime` that keeps every sliding window of `windowMs` at or under `perWindow` calls, across processes.
 *
 * Start times are spaced by at least `minTime` in "slot space" (Bottleneck reserves `nextRequest` atomically in
 * Redis). With spacing T, N+1 calls span N·T, so T = W/N lets N+1 calls into a closed window (the fence-post).
 * T = W/(N−1) makes N+1 calls span N·W/(N−1) = W + W/(N−1): a whole interval of slack, which absorbs a late first
 * call (timer or event-loop lag) and clock skew between processes up to W/(N−1) in total. Throughput is then
 * (N−1)/N of the budget (95 % at 20, 99 % at 100). With N = 1 the spacing is the whole window.
 */
export function spacingMs(budget: TokenBudget, skewMarginMs = DEFAULT_SKEW_MARGIN_MS): number {
  const { perWindow, windowMs } = budget;
  if (!(perWindow >= 1) || !(windowMs > 0))
    throw new RangeError(`invalid budget ${perWindow}/${windowMs} ms`);
  const base = perWindow <= 1 ? windowMs : Math.ceil(windowMs / (perWindow - 1));
  return base + Math.max(0, Math.ceil(skewMarginMs));
}

/** The next epoch-aligned window boundary after `now` (Chatwoot's rack-attack counts in fixed windows `now / period`). */
export function nextWindowBoundaryMs(now: number, windowMs: number): number {
  return (Math.floor(now / windowMs) + 1) * windowMs;
}

/** The most timestamps found in any closed window `[t, t + windowMs]`, i.e. what a sliding-window limit would see. */
export function maxInSlidingWindow(timestamps: readonly number[], windowMs: number): number {
  const sorted = [...timestamps].sort((a, b) => a - b);
  let best = 0;
  let start = 0;
  for (let end = 0; end < sorted.length; end++) {
    while (sorted[end]! - sorted[start]! > windowMs) start++;
    best = Math.max(best, end - start + 1);
  }
  return best;
}
