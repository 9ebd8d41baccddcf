/**
 * Resolves once `check` returns a truthy value, re-checking whenever `interval` passes; fails after `timeoutMs` with
 * `what` and the last value seen. Use it to wait on observable state (a simulator's log, a queue's counts), never
 * as a fixed sleep.
 */
export async function waitFor<T>(
  check: () => T | Promise<T>,
  opts: { what: string; timeoutMs?: number; intervalMs?: number; describe?: () => unknown },
): Promise<Exclude<T, false | null | undefined | 0 | ''>> {
  const deadline = Date.now() + (opts.timeoutMs ?? 20_000);
  for (;;) {
    const value = await check();
    if (value) return value as Exclude<T, false | null | undefined | 0 | ''>;
    if (Date.now() > deadline) {
      const state = opts.describe ? ` (state: ${JSON.stringify(opts.describe())})` : '';
      throw new Error(`timed out waiting for ${opts.what}${state}`);
    }
    await new Promise((resolve) => setTimeout(resolve, opts.intervalMs ?? 25));
  }
}
