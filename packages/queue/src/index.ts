export { createRedisConnection } from './connection.js';
export {
  type BulkOptions,
  createDeadLetters,
  DEAD_LETTER_QUEUE,
  type DeadLetterEntry,
  type DeadLetterFilter,
  type DeadLetterInput,
  type DeadLetterSelection,
  type DeadLetters,
  type DiscardResult,
  isEmptyDeadLetterFilter,
  matchesDeadLetterFilter,
  parseTimeBound,
  type ReplayResult,
} from './deadLetter.js';
export {
  INBOUND_MESSAGE_JOB,
  type InboundJobData,
  inboundJobId,
  inboundJobSchema,
} from './inboundJob.js';
export {
  createInboundProducer,
  type EnqueueResult,
  type InboundProducer,
} from './inboundProducer.js';
export { createMessageLedger, type MessageLedger, type MessageRecord } from './messageLedger.js';
export {
  inboundQueueFor,
  inboundQueueName,
  inboundQueueNames,
  inboundReplayTarget,
  partitionOf,
} from './partitions.js';
export { JOB_RETENTION } from './retention.js';
