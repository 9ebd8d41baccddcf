import { type Job, type Processor, Worker, type WorkerOptions } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Semaphore } from './semaphore.js';

/**
 * A partition queue's Worker that takes a job only once its process has a free slot to run it.
 *
 * A partition has a global concurrency of 1, so the process holding its active job holds the chat's whole queue.
 * Plain BullMQ Workers take a job first and would wait for a slot while holding it, and fetch the next job of the
 * same partition in the script that finishes the last one, so one process keeps every partition it ever took and
 * a second process has nothing to do. Here a job is taken only with a slot in hand, the next job of a partition
 * included, and a process that is full hands the partition's wake-up to the other processes before waiting its turn.
 */
/** Adds the partition's wake-up marker only when it has waiting jobs. */
const WAKE_IF_WAITING = `if redis.call('LLEN', KEYS[1]) > 0 then redis.call('ZADD', KEYS[2], 0, '0') end`;

export class SlotGatedWorker extends Worker {
  readonly #slots: Semaphore;
  readonly #connection: Redis;

  constructor(
    name: string,
    processor: Processor,
    opts: WorkerOptions & { connection: Redis },
    slots: Semaphore,
  ) {
    super(name, processor, opts);
    this.#slots = slots;
    this.#connection = opts.connection;
  }

  protected override async moveToActive(token: string, name?: string): Promise<Job> {
    if (!this.#slots.tryAcquire()) {
      // Wake this partition's worker in another process, which may have a slot free now, if there is a job for it.
      // An unconditional marker would wake this worker itself once it has its slot, even with its partition empty:
      // 7 empty fetches per job in a full process (bench/throughput.ts --chats 50, one process).
      await this.#connection.eval(WAKE_IF_WAITING, 2, this.toKey('wait'), this.toKey('marker'));
      await this.#slots.acquire();
    }
    if (this.closing) {
      this.#slots.release();
      return undefined as unknown as Job;
    }
    let job: Job | undefined;
    try {
      job = await super.moveToActive(token, name);
    } finally {
      if (!job) this.#slots.release();
    }
    return job;
  }

  /** Runs the job, then takes the partition's next job through the slot gate (BullMQ would chain it without one). */
  override async processJob(job: Job, token: string): ReturnType<Worker['processJob']> {
    try {
      await super.processJob(job, token, () => false);
    } finally {
      this.#slots.release();
    }
    if (this.closing || this.paused) return undefined;
    // A failed fetch (Redis down) must not reach BullMQ's main loop as a rejected job: its own fetch retries.
    return this.moveToActive(token, this.opts.name).catch(() => undefined);
  }
}
