import { createHash } from 'node:crypto';

/** Stable partition of an ordering key (tenant + chat): the same chat always lands in the same queue. */
export function partitionOf(orderingKey: string, partitions: number): number {
  const digest = createHash('sha1').update(orderingKey).digest();
  return digest.readUInt32BE(0) % partitions;
}

/** Name of one inbound partition queue. */
export function inboundQueueName(partition: number): string {
  return `inbound-p${partition}`;
}

/** Every inbound partition queue name. */
export function inboundQueueNames(partitions: number): string[] {
  return Array.from({ length: partitions }, (_, partition) => inboundQueueName(partition));
}
