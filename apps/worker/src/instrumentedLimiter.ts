import { type RelayMetrics, recordTokenCall } from '@relay/observability';
import { BudgetDeferral, type TokenLimiter } from '@relay/rate-limit';
import type { Redis } from 'ioredis';

/**
 * Wraps the shared token limiter with what ops watch: 429s and deferrals per token hash in the metrics, and each
 * call that starts in the token's call log (the dashboard's "used in the window"). Behaviour is unchanged.
 */
export function instrumentLimiter(
  limiter: TokenLimiter,
  opts: { metrics: RelayMetrics; redis: Redis; prefix: string; onError?: (error: Error) => void },
): TokenLimiter {
  return {
    async schedule(key, budget, fn, callOpts) {
      try {
        return await limiter.schedule(
          key,
          budget,
          () => {
            recordTokenCall(opts.redis, opts.prefix, key, budget.windowMs).catch((error: Error) =>
              opts.onError?.(error),
            );
            return fn();
          },
          callOpts,
        );
      } catch (error) {
        if (error instanceof BudgetDeferral) {
          opts.metrics.limiterDeferrals.inc({ token_hash: key, reason: error.reason });
        }
        throw error;
      }
    },
    coolDown(key, untilMs) {
      // The call policy sets a cool-down exactly when Chatwoot answered 429.
      opts.metrics.rateLimited.inc({ token_hash: key });
      return limiter.coolDown(key, untilMs);
    },
    coolDownUntil: (key) => limiter.coolDownUntil(key),
    close: () => limiter.close(),
  };
}
