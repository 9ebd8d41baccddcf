import { createHash } from 'node:crypto';

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

/**
 * Where a dead-lettered inbound job is replayed: its chat's queue under today's partition count (which may differ
 * from the one the job failed in), or its source queue when it names no chat.
 */
export function inboundReplayTarget(
  partitions: number,
): (entry: { tenant: string | null; chatId: string | null; sourceQueue: string }) => string {
  return (entry) =>
    entry.tenant && entry.chatId
      ? inboundQueueFor(entry.tenant, entry.chatId, partitions)
      : entry.sourceQueue;
}
