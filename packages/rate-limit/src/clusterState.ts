import type { Redis } from 'ioredis';

/** What the deferral decision reads from a key's Bottleneck settings in Redis (one pipelined round trip). */
export interface ClusterState {
  /** False when the settings hash is gone (expired or flushed): the local instance must be replaced. */
  exists: boolean;
  /** Epoch ms (client clocks) of the next free start slot, reserved atomically by Bottleneck's `register` script. */
  nextRequest: number;
  minTime: number | null;
  maxConcurrent: number | null;
  /** Jobs submitted but not yet registered, summed over every process (`client_num_queued`). */
  queued: number;
}

/** Reads `b_<id>_settings` (nextRequest, minTime, maxConcurrent) and sums `b_<id>_client_num_queued`. */
export async function readClusterState(client: Redis, id: string): Promise<ClusterState> {
  const results = await client
    .pipeline()
    .hmget(`b_${id}_settings`, 'nextRequest', 'minTime', 'maxConcurrent')
    .hvals(`b_${id}_client_num_queued`)
    .exec();
  const [settingsReply, queuedReply] = results ?? [];
  if (settingsReply?.[0]) throw settingsReply[0];
  if (queuedReply?.[0]) throw queuedReply[0];
  const [nextRequest, minTime, maxConcurrent] = (settingsReply?.[1] ?? []) as (string | null)[];
  const queued = ((queuedReply?.[1] ?? []) as string[]).reduce(
    (sum, v) => sum + Math.max(0, Number(v) || 0),
    0,
  );
  return {
    exists: nextRequest !== null && nextRequest !== undefined,
    nextRequest: Number(nextRequest ?? 0),
    minTime: toNumber(minTime),
    maxConcurrent: toNumber(maxConcurrent),
    queued,
  };
}

/**
 * Expected wait before a call submitted now would start: the next free slot, plus one `minTime` per call queued
 * ahead of it. Ahead = calls queued in the cluster (which include this process's submitted ones, `localQueued`) plus
 * this process's calls received but not yet submitted (`localReceived`). Calls already registered are inside
 * `nextRequest`. Not counted: `maxConcurrent` saturation by slow calls, and admissions racing this one at the same
 * instant in other processes (each can under-estimate by those few slots).
 */
export function expectedWaitMs(
  state: ClusterState,
  minTime: number,
  local: { queued: number; received: number },
  now = Date.now(),
): number {
  const ahead = Math.max(state.queued, local.queued) + local.received;
  return Math.max(0, state.nextRequest - now) + ahead * minTime;
}

function toNumber(raw: string | null | undefined): number | null {
  if (raw === null || raw === undefined || raw === '') return null;
  const n = Number(raw);
  return Number.isFinite(n) ? n : null;
}
