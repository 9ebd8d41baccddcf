const DAY_S = 86_400;

/** Completed jobs stay a day (job-id dedupe window); failed ones 30 days for ops. */
export const JOB_RETENTION = {
  removeOnComplete: { age: DAY_S, count: 100_000 },
  removeOnFail: { age: 30 * DAY_S },
} as const;
