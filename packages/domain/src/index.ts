export {
  type InboundLocation,
  type InboundMedia,
  type InboundMessage,
  type MediaState,
  type NormalizeMessageResult,
  normalizeMessage,
} from './inboundMessage.js';
export {
  isMessageChangeEvent,
  MESSAGE_CHANGE_EVENTS,
  type MessageChange,
  type MessageChangeEvent,
  type MessageChangeKind,
  type NormalizeMessageChangeResult,
  normalizeMessageChange,
} from './messageChange.js';
export {
  CHAT_KINDS,
  type ChatKind,
  chatKind,
  normalizeChatId,
  parseChatKind,
  parseSerializedMessageId,
  phoneFromChatId,
  type SerializedMessageId,
  serializeMessageId,
  toE164,
} from './phoneIds.js';
export {
  type ParseWahaEnvelopeResult,
  parseWahaEnvelope,
  type WahaEnvelope,
  wahaEnvelopeSchema,
} from './wahaEnvelope.js';
export {
  HANDLED_WAHA_EVENTS,
  type HandledWahaEvent,
  isHandledWahaEvent,
  isMessageEvent,
  MESSAGE_EVENTS,
  type MessageEvent,
} from './wahaEventNames.js';
export { signWahaBody, verifyWahaSignature } from './wahaSignature.js';
