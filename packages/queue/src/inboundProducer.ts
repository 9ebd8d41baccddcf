import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { connected } from './connection.js';
import { INBOUND_MESSAGE_JOB, type InboundJobData, inboundJobId } from './inboundJob.js';
import { MESSAGE_CHANGE_JOB, type MessageChangeJobData, messageChangeJobId } from './messageChangeJob.js';
import { inboundQueueFor, inboundQueueNames } from './partitions.js';
import { JOB_RETENTION } from './retention.js';

const SEEN_TTL_S = 86_400;

export interface EnqueueResult {
  jobId: string;
  queue: string;
  /** The same message was accepted before (redelivery, or both `message` and `message.any`). */
  duplicate: boolean;
}

export interface InboundProducer {
  /** Stores the job in Redis; resolves only once it is there (the ingress answers 2xx after this). */
  enqueue(data: Omit<InboundJobData, 'retries'>): Promise<EnqueueResult>;
  /** Stores an edit, delete or reaction on the same partition as its chat's messages. */
  enqueueChange(data: Omit<MessageChangeJobData, 'retries'>): Promise<EnqueueResult>;
  close(): Promise<void>;
}

/** Puts inbound messages on their chat's partition queue under a job id derived from the message. */
export function createInboundProducer(opts: {
  connection: Redis;
  prefix: string;
  partitions: number;
  tenants: readonly string[];
}): InboundProducer {
  // Created up front: a Queue first used while Redis is down waits for it instead of failing fast.
  const queues = new Map(
    inboundQueueNames(opts.tenants, opts.partitions).map((name) => [
      name,
      // Its errors are the connection's, which the connection's owner logs (as the outbound producer's).
      new Queue(name, { connection: opts.connection, prefix: opts.prefix }).on('error', () => {}),
    ]),
  );

  /**
   * Adds the job (idempotent by job id, so a redelivery after a failed add is stored now) and, concurrently rather
   * than one round trip after it, sets the job's `seen` marker. Resolves once the job is stored, with whether the
   * marker was already there. The marker only informs the caller (losing it never loses a message); when the add
   * fails it is dropped again (best effort), so that the redelivery which stores the job is not reported as a
   * duplicate.
   */
  async function addAndMarkSeen(queue: Queue, name: string, data: object, jobId: string): Promise<boolean> {
    const seenKey = `${opts.prefix}:seen:${jobId}`;
    const [added, marked] = await Promise.allSettled([
      queue.add(name, data, { jobId, ...JOB_RETENTION }),
      opts.connection.set(seenKey, '1', 'EX', SEEN_TTL_S, 'NX'),
    ]);
    if (added.status === 'rejected') {
      if (marked.status === 'fulfilled' && marked.value === 'OK')
        void opts.connection.del(seenKey).catch(() => {});
      throw added.reason;
    }
    return marked.status === 'fulfilled' && marked.value === null;
  }

  return {
    async enqueue(data) {
      const queue = queues.get(inboundQueueFor(data.tenant, data.message.chatId, opts.partitions));
      if (!queue) throw new Error(`tenant "${data.tenant}" has no inbound queues`);
      await connected(opts.connection);
      const jobId = inboundJobId(data.tenant, data.message.rawId);
      const duplicate = await addAndMarkSeen(queue, INBOUND_MESSAGE_JOB, { ...data, retries: 0 }, jobId);
      return { jobId, queue: queue.name, duplicate };
    },
    async enqueueChange(data) {
      const queue = queues.get(inboundQueueFor(data.tenant, data.chatId, opts.partitions));
      if (!queue) throw new Error(`tenant "${data.tenant}" has no inbound queues`);
      await connected(opts.connection);
      const jobId = messageChangeJobId(data.tenant, data.change);
      const duplicate = await addAndMarkSeen(queue, MESSAGE_CHANGE_JOB, { ...data, retries: 0 }, jobId);
      return { jobId, queue: queue.name, duplicate };
    },
    async close() {
      await Promise.all([...queues.values()].map((queue) => queue.close()));
    },
  };
}
