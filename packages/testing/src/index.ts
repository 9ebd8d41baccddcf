export * from './chatwootSimulator/index.js';
export {
  buildChatwootMessageWebhook,
  buildConversationStatusWebhook,
  type ChatwootMessageWebhookOptions,
  type ChatwootWebhookAttachment,
  type PostChatwootWebhookOptions,
  postChatwootWebhook,
  signChatwootBody,
} from './chatwootWebhooks.js';
export { freePort, hasRedisServerBinary, type RedisServer, startRedisServer } from './redisServer.js';
export { startTestRedis, type TestRedis } from './testRedis.js';
export * from './wahaSimulator/index.js';
export { waitFor } from './waitFor.js';
