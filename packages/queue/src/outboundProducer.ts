import { type Job, Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { connected } from './connection.js';
import { OUTBOUND_JOB_NAME, type OutboundJobInput } from './outboundJob.js';
import { outboundQueueFor, outboundQueueNames } from './partitions.js';
import { JOB_RETENTION } from './retention.js';

const SEEN_TTL_S = 86_400;

/** Result of {@link OutboundProducer.enqueue}. */
export interface OutboundEnqueueResult {
  jobId: string;
  queue: string;
  /** A job with this id was accepted before (redelivery). */
  duplicate: boolean;
}

/** Puts jobs on their chat's outbound partition (used by the ingress and by the worker's echo forwarding). */
export interface OutboundProducer {
  /** Stores the job; resolves once it is in Redis. Idempotent by `jobId`. */
  enqueue(data: OutboundJobInput, jobId: string, opts?: { delayMs?: number }): Promise<OutboundEnqueueResult>;
  /** Resolves once the connection is ready (waiting a moment for one being established); rejects otherwise. */
  ready(): Promise<void>;
  /** A job by queue and id (send-API status). */
  getJob(queue: string, jobId: string): Promise<Job | undefined>;
  close(): Promise<void>;
}

/** Creates the producer for the given tenants' outbound partitions. */
export function createOutboundProducer(opts: {
  connection: Redis;
  prefix: string;
  partitions: number;
  tenants: readonly string[];
}): OutboundProducer {
  const queues = new Map(
    outboundQueueNames(opts.tenants, opts.partitions).map((name) => [
      name,
      new Queue(name, { connection: opts.connection, prefix: opts.prefix }).on('error', () => {}),
    ]),
  );
  return {
    async enqueue(data, jobId, enqueueOpts = {}) {
      const name = outboundQueueFor(data.tenant, data.chatId, opts.partitions);
      const queue = queues.get(name);
      if (!queue) throw new Error(`tenant "${data.tenant}" has no outbound queues`);
      await connected(opts.connection);
      const first = await opts.connection.set(`${opts.prefix}:seen:${jobId}`, '1', 'EX', SEEN_TTL_S, 'NX');
      await queue.add(OUTBOUND_JOB_NAME[data.kind], data, {
        jobId,
        ...JOB_RETENTION,
        ...(enqueueOpts.delayMs ? { delay: enqueueOpts.delayMs } : {}),
      });
      return { jobId, queue: name, duplicate: first === null };
    },
    ready: () => connected(opts.connection),
    async getJob(queue, jobId) {
      return (await queues.get(queue)?.getJob(jobId)) ?? undefined;
    },
    async close() {
      await Promise.all([...queues.values()].map((queue) => queue.close()));
    },
  };
}
