import { createMessageLedger, inboundQueueFor } from '@relay/queue';
import { buildTextMessage, waitFor } from '@relay/testing';
import { Queue, QueueEvents } from 'bullmq';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { useRelayHarness } from './support/useRelayHarness.js';

const relays = useRelayHarness('once');

describe('exactly once across a crash between Chatwoot answering and our bookkeeping', () => {
  it('finds the message by its source_id instead of creating it again', async () => {
    const relay = await relays.start();
    const prefix = relay.config.redisPrefix;
    await relay.startWorker();
    const envelope = buildTextMessage({ chatId: '31699990000@c.us', body: 'created before the crash' });
    const response = await relay.post(envelope);
    await waitFor(() => relay.chatwoot.allMessages(1).length === 1, { what: 'first message' });
    const [created] = relay.chatwoot.allMessages(1);

    // Rewind the ledger to what a crash right after Chatwoot's answer leaves behind: a pending claim.
    const connection = new Redis(relays.redis.url);
    const ledger = createMessageLedger(connection, prefix);
    const rawId = (envelope.payload as { id: string }).id.split('_').at(-1)!;
    await ledger.markPending('dealer', rawId, {
      conversationId: created!.conversationDisplayId,
      jobId: 'crashed',
    });

    // The retry: the same job data under a fresh id (the original job id is still taken by the completed job).
    const queueName = inboundQueueFor('dealer', '31699990000@c.us', relay.config.inboundPartitions);
    const queue = new Queue(queueName, { connection, prefix });
    const eventsConnection = new Redis(relays.redis.url, { maxRetriesPerRequest: null });
    const events = new QueueEvents(queueName, { connection: eventsConnection, prefix });
    await events.waitUntilReady();
    const original = await queue.getJob((response.body as { jobId: string }).jobId);
    const retry = await queue.add(original!.name, original!.data, { jobId: 'retry-after-crash' });
    const result = await retry.waitUntilFinished(events, 20_000);

    expect(result).toEqual({ outcome: 'reconciled' });
    expect(relay.chatwoot.allMessages(1)).toHaveLength(1);
    expect(await ledger.get('dealer', rawId)).toMatchObject({
      state: 'done',
      chatwootMessageId: created!.id,
    });
    await events.close();
    eventsConnection.disconnect();
    await queue.close();
    connection.disconnect();
  });
});
