import type { CallOptions, RequestFn } from './http.js';
import { listOf, messageFromBody, toInbox, toMessage, unwrapPayload } from './parse.js';
import type { CreateMessageInput, Inbox, Message, MessageDeliveryStatus } from './types.js';

/** Message and inbox endpoints of the client. */
export interface MessageMethods {
  /**
   * `GET /conversations/:id/messages`: latest 20 ascending; `before` = 20 older than that message id,
   * `after` = up to 100 newer.
   */
  listMessages(
    conversationId: number,
    q?: { before?: number; after?: number },
    opts?: CallOptions,
  ): Promise<Message[]>;
  /**
   * `POST /conversations/:id/messages`. JSON, or multipart/form-data when `attachments` are given.
   * Chatwoot does **not** dedupe: keep an own mapping before retrying.
   */
  createMessage(conversationId: number, input: CreateMessageInput, opts?: CallOptions): Promise<Message>;
  /** `PATCH /conversations/:id/messages/:messageId` (API inboxes only; 403 elsewhere). */
  updateMessageStatus(
    conversationId: number,
    messageId: number,
    input: { status: MessageDeliveryStatus; external_error?: string },
    opts?: CallOptions,
  ): Promise<Message>;
  /** `GET /inboxes`. */
  listInboxes(opts?: CallOptions): Promise<Inbox[]>;
  /** `GET /inboxes/:id` (no envelope). */
  getInbox(id: number, opts?: CallOptions): Promise<Inbox>;
}

function toForm(input: CreateMessageInput): FormData {
  const form = new FormData();
  if (input.content !== undefined) form.append('content', input.content);
  form.append('message_type', input.message_type);
  if (input.private !== undefined) form.append('private', String(input.private));
  if (input.source_id !== undefined) form.append('source_id', input.source_id);
  if (input.content_attributes !== undefined) {
    form.append('content_attributes', JSON.stringify(input.content_attributes));
  }
  for (const file of input.attachments ?? []) {
    form.append('attachments[]', new Blob([file.data], { type: file.contentType }), file.filename);
  }
  return form;
}

/** Builds the message and inbox methods on top of a requester. */
export function createMessageMethods(request: RequestFn): MessageMethods {
  return {
    listMessages(conversationId, q = {}, opts) {
      return request(
        {
          method: 'GET',
          path: `/conversations/${conversationId}/messages`,
          template: '/conversations/:id/messages',
          query: { before: q.before, after: q.after },
          signal: opts?.signal,
        },
        (body) => listOf(body).map(toMessage),
      );
    },

    createMessage(conversationId, input, opts) {
      const { attachments, ...fields } = input;
      const multipart = attachments !== undefined && attachments.length > 0;
      return request(
        {
          method: 'POST',
          path: `/conversations/${conversationId}/messages`,
          template: '/conversations/:id/messages',
          ...(multipart ? { form: toForm(input) } : { json: fields }),
          signal: opts?.signal,
        },
        messageFromBody,
      );
    },

    updateMessageStatus(conversationId, messageId, input, opts) {
      return request(
        {
          method: 'PATCH',
          path: `/conversations/${conversationId}/messages/${messageId}`,
          template: '/conversations/:id/messages/:messageId',
          json: input,
          signal: opts?.signal,
        },
        messageFromBody,
      );
    },

    listInboxes(opts) {
      return request(
        { method: 'GET', path: '/inboxes', template: '/inboxes', signal: opts?.signal },
        (body) => listOf(body).map(toInbox),
      );
    },

    getInbox(id, opts) {
      return request(
        { method: 'GET', path: `/inboxes/${id}`, template: '/inboxes/:id', signal: opts?.signal },
        // Real Chatwoot answers with no envelope; tolerate {payload: inbox} too.
        (body) => toInbox(unwrapPayload(body)),
      );
    },
  };
}
