export {
  BudgetDeferral,
  DEFAULT_SKEW_MARGIN_MS,
  type DeferralReason,
  maxInSlidingWindow,
  nextWindowBoundaryMs,
  spacingMs,
  type TokenBudget,
  tokenHash,
} from './budget.js';
export { BOTTLENECK_DEFECT } from './limiterPool.js';
export {
  createTokenLimiter,
  type ScheduleOptions,
  type TokenLimiter,
  type TokenLimiterOptions,
} from './tokenLimiter.js';
