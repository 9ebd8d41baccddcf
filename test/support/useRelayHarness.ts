import { startTestRedis, type TestRedis } from '@relay/testing';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { type HarnessOptions, type RelayHarness, startRelayHarness } from './relayHarness.js';

/** Everything of a harness but where it keeps its data, which the fixture chooses. */
export type RelayHarnessOptions = Partial<Omit<HarnessOptions, 'redisUrl' | 'prefix'>>;

export interface RelayHarnessFixture {
  /** The suite's test Redis, from `beforeAll` on. */
  readonly redis: TestRedis;
  /** The harness the current test started last; throws when it started none. */
  readonly current: RelayHarness;
  /** A harness on a fresh key prefix, closed after the test. `options.env` is merged into the defaults' env. */
  start(options?: RelayHarnessOptions): Promise<RelayHarness>;
}

/**
 * Registers the suite's hooks: one test Redis for the file (`beforeAll`/`afterAll`), and every harness a test starts
 * closed after that test (`afterEach`). Call it at the top level of a test file, before the suite's own hooks:
 * vitest runs after-hooks in reverse order, so the suite's own clean-up runs before the harness closes.
 */
export function useRelayHarness(name: string, defaults: RelayHarnessOptions = {}): RelayHarnessFixture {
  let redis: TestRedis | undefined;
  const started: RelayHarness[] = [];

  beforeAll(async () => {
    redis = await startTestRedis();
  });
  afterAll(async () => {
    await redis?.close();
  });
  afterEach(async () => {
    for (const harness of started.splice(0)) await harness.close();
  });
  const suiteRedis = () => {
    if (!redis) throw new Error(`useRelayHarness('${name}'): redis read before beforeAll ran`);
    return redis;
  };

  return {
    get redis() {
      return suiteRedis();
    },
    get current() {
      const harness = started.at(-1);
      if (!harness) throw new Error(`useRelayHarness('${name}'): this test started no harness`);
      return harness;
    },
    async start(options = {}) {
      const harness = await startRelayHarness({
        ...defaults,
        ...options,
        env: { ...defaults.env, ...options.env },
        redisUrl: suiteRedis().url,
        prefix: suiteRedis().uniquePrefix(name),
      });
      started.push(harness);
      return harness;
    },
  };
}
