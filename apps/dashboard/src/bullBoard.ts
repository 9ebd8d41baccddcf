import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import { DEAD_LETTER_QUEUE } from '@relay/queue';
import type { Queue } from 'bullmq';
import type { Router } from 'express';
import { redactForDisplay } from './redact.js';

/**
 * A Bull Board over every queue, mounted at `basePath`. Job data and return values go through
 * {@link redactForDisplay}. The dead-letter queue is always read-only (replay it from the DLQ pages, which keep the
 * bookkeeping a replay needs); `readOnly` makes every queue read-only (Bull Board answers 405 to writes).
 */
export function bullBoardRouter(
  queues: readonly Queue[],
  opts: { basePath: string; readOnly: boolean },
): Router {
  const serverAdapter = new ExpressAdapter();
  serverAdapter.setBasePath(opts.basePath);
  const adapters = queues.map((queue) => {
    const readOnlyMode = opts.readOnly || queue.name === DEAD_LETTER_QUEUE;
    const adapter = new BullMQAdapter(queue, { readOnlyMode, allowRetries: !readOnlyMode, delimiter: '-' });
    adapter.setFormatter('data', (data: unknown) => redactForDisplay(data));
    adapter.setFormatter('returnValue', (value: unknown) => redactForDisplay(value));
    return adapter;
  });
  createBullBoard({
    queues: adapters,
    serverAdapter,
    options: { uiConfig: { boardTitle: opts.readOnly ? 'relay (read-only)' : 'relay' } },
  });
  return serverAdapter.getRouter() as Router;
}
