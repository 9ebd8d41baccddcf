export { type ChatwootSimulator, startChatwootSimulator } from './simulator.js';
export type {
  ChatwootSimulatorOptions,
  SimAttachment,
  SimContact,
  SimContactInbox,
  SimConversation,
  SimConversationStatus,
  SimFault,
  SimInbox,
  SimInboxInput,
  SimMessage,
  SimRateLimit,
  SimRequest,
} from './types.js';
