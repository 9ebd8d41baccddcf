import { type AccountMethods, createAccountMethods } from './account.js';
import { type ContactMethods, createContactMethods } from './contacts.js';
import { type ConversationMethods, createConversationMethods } from './conversations.js';
import { type ChatwootClientOptions, createRequester } from './http.js';
import { createMessageMethods, type MessageMethods } from './messages.js';

/** Typed client for the Chatwoot Application API of one account. */
export type ChatwootClient = AccountMethods & ContactMethods & ConversationMethods & MessageMethods;

/**
 * Creates a client for `{baseUrl}/api/v1/accounts/{accountId}`.
 *
 * Every call goes through `opts.schedule` (rate limiter), is reported to `opts.onCall`, times out after
 * `opts.timeoutMs` (default 10 s) and fails with a `ChatwootError`; a caller's abort rethrows the
 * AbortError untouched.
 */
export function createChatwootClient(opts: ChatwootClientOptions): ChatwootClient {
  if (!Number.isInteger(opts.accountId) || opts.accountId <= 0) {
    throw new TypeError('createChatwootClient: accountId must be a positive integer');
  }
  const request = createRequester(opts);
  return {
    ...createAccountMethods(request),
    ...createContactMethods(request),
    ...createConversationMethods(request),
    ...createMessageMethods(request),
  };
}
