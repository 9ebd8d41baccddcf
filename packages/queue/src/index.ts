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
export {
  createParkedChanges,
  MESSAGE_CHANGE_JOB,
  type MessageChangeJobData,
  messageChangeJobId,
  messageChangeJobSchema,
  messageChangeKey,
  type ParkedChanges,
} from './messageChangeJob.js';
export { createMessageLedger, type MessageLedger, type MessageRecord } from './messageLedger.js';
export {
  OUTBOUND_JOB_NAME,
  OUTBOUND_JOBS,
  type OutboundAckData,
  type OutboundApiData,
  type OutboundConversationStatusData,
  type OutboundEchoData,
  type OutboundJobData,
  type OutboundJobInput,
  type OutboundSendData,
  outboundApiJobId,
  outboundEventJobId,
  outboundJobSchema,
  outboundSendJobId,
} from './outboundJob.js';
export {
  createOutboundProducer,
  type OutboundEnqueueResult,
  type OutboundProducer,
} from './outboundProducer.js';
export {
  inboundQueueFor,
  inboundQueueName,
  inboundQueueNames,
  outboundQueueFor,
  outboundQueueName,
  outboundQueueNames,
  partitionOf,
  replayTargetFor,
} from './partitions.js';
export {
  isQualificationQueue,
  QUALIFICATION_JOBS,
  QUALIFY_ATTRIBUTES_JOB,
  QUALIFY_LABELS_JOB,
  QUALIFY_ROUTE_JOB,
  QUALIFY_SCORE_JOB,
  type QualifyAttributesData,
  type QualifyLabelsData,
  type QualifyRouteData,
  type QualifyScoreData,
  qualificationQueueName,
  qualifyAttributesSchema,
  qualifyLabelsSchema,
  qualifyRouteJobId,
  qualifyRouteSchema,
  qualifyScoreJobId,
  qualifyScoreSchema,
} from './qualificationJob.js';
export { JOB_RETENTION } from './retention.js';
export {
  createSendLedger,
  type SendLedger,
  type SendMessageRecord,
  type SendPartRecord,
  type SentMapping,
} from './sendLedger.js';
