export { apiRawId, eventId, phoneRawId, ulid, webhookRequestId } from './ids.js';
export { SIM_ME, type SimulatedEngine } from './messagePayload.js';
export { type PostWebhookOptions, type PostWebhookResult, postWebhook } from './postWebhook.js';
export {
  startWahaSimulator,
  type WahaSimFault,
  type WahaSimRequest,
  type WahaSimSend,
  type WahaSimSendKind,
  type WahaSimulator,
  type WahaSimulatorOptions,
} from './simulator.js';
export {
  buildEnvelope,
  buildGroupMessage,
  buildImageMessage,
  buildLidMessage,
  buildMediaNotDownloaded,
  buildReplyMessage,
  buildTextMessage,
  type MessageEventOptions,
  type WahaEnvelopeFixture,
} from './wahaEvents.js';
export {
  buildAck,
  buildEdited,
  buildReaction,
  buildRevoked,
  buildSessionStatus,
} from './wahaStatusEvents.js';
