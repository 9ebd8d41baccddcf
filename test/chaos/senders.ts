import { createHash } from 'node:crypto';
import { createDeadLetters, replayTargetFor } from '@relay/queue';
import { Redis } from 'ioredis';
import type { RelayHarness } from '../support/relayHarness.js';
import { type DeadLetterSummary, TOKEN_PATTERN } from './invariants.js';

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

/**
 * Delivers like WAHA and Chatwoot do: retries any non-2xx answer or network error (up to 30 times, 200 ms apart).
 * A 2xx `accepted`/`duplicate` answer acknowledges the event: its token goes into `acknowledged`.
 */
export async function deliver(
  send: () => Promise<{ status: number; body: unknown }>,
  tokenOf: string | null,
  acknowledged: Set<string>,
  stats: { attempts: number; refused: number },
): Promise<boolean> {
  for (let attempt = 1; attempt <= 30; attempt++) {
    stats.attempts++;
    try {
      const answer = await send();
      const status = (answer.body as { status?: string } | null)?.status;
      if (answer.status >= 200 && answer.status < 300) {
        if (tokenOf && (status === 'accepted' || status === 'duplicate')) acknowledged.add(tokenOf);
        return true;
      }
    } catch {
      // connection refused or reset: retried like a 5xx
    }
    stats.refused++;
    await sleep(200);
  }
  return false;
}

/** The DLQ as the operator sees it: every entry with its reason. */
export async function readDeadLetters(relay: RelayHarness): Promise<DeadLetterSummary[]> {
  const connection = new Redis(relay.config.redisUrl, { maxRetriesPerRequest: 3 });
  const deadLetters = createDeadLetters({
    connection,
    prefix: relay.config.redisPrefix,
    replayTarget: replayTargetFor(relay.config.inboundPartitions, relay.config.outboundPartitions),
  });
  try {
    const { entries } = await deadLetters.list(undefined, { limit: 1000 });
    return entries.map((e) => ({
      payload: JSON.stringify(e.payload),
      errorClass: e.errorClass,
      lastError: e.lastError,
    }));
  } finally {
    await deadLetters.close();
    connection.disconnect();
  }
}

export const deadTokens = (entries: DeadLetterSummary[]) =>
  new Set(entries.flatMap((e) => TOKEN_PATTERN.exec(e.payload)?.[0] ?? []));
