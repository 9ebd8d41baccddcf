import { createHash } from 'node:crypto';
import { isQualificationQueue } from './qualificationJob.js';

/** Stable partition of a chat: the same chat always lands in the same queue. */
export function partitionOf(chatId: string, partitions: number): number {
  const digest = createHash('sha1').update(chatId).digest();
  return digest.readUInt32BE(0) % partitions;
}

/**
 * Name of one inbound partition queue. Queues are per tenant, so a tenant whose Chatwoot token is over budget
 * (its partitions paused) never holds up another tenant's chats.
 */
export function inboundQueueName(tenant: string, partition: number): string {
  return `inbound-${tenant}-p${partition}`;
}

/** The queue a chat's messages go to. */
export function inboundQueueFor(tenant: string, chatId: string, partitions: number): string {
  return inboundQueueName(tenant, partitionOf(chatId, partitions));
}

/** Every inbound partition queue of the given tenants. */
export function inboundQueueNames(tenants: readonly string[], partitions: number): string[] {
  return tenants.flatMap((tenant) =>
    Array.from({ length: partitions }, (_, partition) => inboundQueueName(tenant, partition)),
  );
}

/** Name of one outbound (Chatwoot → WhatsApp) partition queue of a tenant. */
export function outboundQueueName(tenant: string, partition: number): string {
  return `outbound-${tenant}-p${partition}`;
}

/** The outbound queue of a WhatsApp chat: agent replies, acks and WhatsApp-side events of one chat share it. */
export function outboundQueueFor(tenant: string, chatId: string, partitions: number): string {
  return outboundQueueName(tenant, partitionOf(chatId, partitions));
}

/** Every outbound partition queue of the given tenants. */
export function outboundQueueNames(tenants: readonly string[], partitions: number): string[] {
  return tenants.flatMap((tenant) =>
    Array.from({ length: partitions }, (_, partition) => outboundQueueName(tenant, partition)),
  );
}

/** An outbound entry goes back to its chat's outbound queue (when the partition count is known), else its source. */
function outboundReplayTarget(
  entry: { tenant: string | null; chatId: string | null; sourceQueue: string },
  partitions: number | undefined,
): string {
  return entry.tenant && entry.chatId && partitions !== undefined
    ? outboundQueueFor(entry.tenant, entry.chatId, partitions)
    : entry.sourceQueue;
}

/**
 * Where a dead-lettered job is replayed: inbound and outbound jobs go to their chat's queue under today's partition
 * counts (which may differ from the ones the job failed in); qualification jobs, and jobs that name no chat, go
 * back to their source queue.
 */
export function replayTargetFor(
  partitions: number,
  outboundPartitions?: number,
): (entry: { tenant: string | null; chatId: string | null; sourceQueue: string }) => string {
  return (entry) =>
    entry.sourceQueue.startsWith('outbound-')
      ? outboundReplayTarget(entry, outboundPartitions)
      : entry.tenant && entry.chatId && !isQualificationQueue(entry.sourceQueue)
        ? inboundQueueFor(entry.tenant, entry.chatId, partitions)
        : entry.sourceQueue;
}
