import type { CallInfo } from '@relay/chatwoot-client';
import { isChatwootError, isTransient } from '@relay/chatwoot-client';
import { nextWindowBoundaryMs, type TokenBudget, type TokenLimiter } from '@relay/rate-limit';
import pRetry from 'p-retry';

/** Short in-process retries of reads that hit a network error, timeout or 5xx; longer outages belong to the job. */
export const SHORT_RETRY = {
  retries: 2,
  minTimeout: 250,
  factor: 2,
  randomize: true,
  maxRetryTime: 5000,
} as const;

/** Reads, safe to send twice. Writes are never retried in-process: the job retry reconciles them first. */
function isIdempotent(call: CallInfo): boolean {
  return call.method === 'GET' || call.endpoint === 'POST /contacts/filter';
}

/**
 * How every Chatwoot call of one token is made: within the token's shared budget (Bottleneck on Redis), with a
 * shared cool-down after a 429 (Retry-After when given, else the next window boundary plus jitter), and with a
 * couple of quick retries for idempotent calls.
 */
export function createChatwootCallPolicy(opts: {
  limiter: TokenLimiter;
  tokenHash: string;
  budget: TokenBudget;
  random?: () => number;
}): <T>(fn: () => Promise<T>, call: CallInfo) => Promise<T> {
  const random = opts.random ?? Math.random;
  const callOnce = <T>(fn: () => Promise<T>, signal?: AbortSignal) =>
    opts.limiter.schedule(
      opts.tokenHash,
      opts.budget,
      async () => {
        try {
          return await fn();
        } catch (error) {
          if (isChatwootError(error) && error.kind === 'rate_limited') {
            const now = Date.now();
            const until =
              error.retryAfterMs !== null
                ? now + error.retryAfterMs
                : nextWindowBoundaryMs(now, opts.budget.windowMs) + Math.round(random() * 1000);
            await opts.limiter.coolDown(opts.tokenHash, until);
          }
          throw error;
        }
      },
      { signal },
    );
  return (fn, call) => {
    if (!isIdempotent(call)) return callOnce(fn, call.signal);
    return pRetry(() => callOnce(fn, call.signal), {
      ...SHORT_RETRY,
      signal: call.signal,
      shouldRetry: ({ error }) => isTransient(error),
    });
  };
}
