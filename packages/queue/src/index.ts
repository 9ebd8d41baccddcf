export { createRedisConnection } from './connection.js';
export {
  INBOUND_MESSAGE_JOB,
  type InboundJobData,
  inboundJobId,
  inboundJobSchema,
} from './inboundJob.js';
export {
  chatOrderingKey,
  createInboundProducer,
  type EnqueueResult,
  type InboundProducer,
} from './inboundProducer.js';
export { createMessageLedger, type MessageLedger, type MessageRecord } from './messageLedger.js';
export { inboundQueueName, inboundQueueNames, partitionOf } from './partitions.js';
export { JOB_RETENTION } from './retention.js';
