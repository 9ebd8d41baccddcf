import type { CallOptions, RequestFn } from './http.js';
import { asObj, conversationFromBody, labelsFromBody, listOf, toConversation } from './parse.js';
import {
  CONVERSATION_STATUSES,
  type Conversation,
  type ConversationStatus,
  type CreateConversationInput,
  type ListConversationsQuery,
} from './types.js';

/** Conversation and label endpoints of the client. Every `id` is the conversation's display id. */
export interface ConversationMethods {
  /** `GET /conversations` (envelope `data.payload`, 25 per page; Chatwoot defaults to `status=open`). */
  listConversations(q?: ListConversationsQuery, opts?: CallOptions): Promise<Conversation[]>;
  /** `GET /conversations/:id`. */
  getConversation(id: number, opts?: CallOptions): Promise<Conversation>;
  /**
   * `POST /conversations`. Always creates a new conversation unless the inbox is locked to a single
   * conversation; the caller must find-or-create itself.
   */
  createConversation(input: CreateConversationInput, opts?: CallOptions): Promise<Conversation>;
  /** `POST /conversations/:id/toggle_status`; `snoozed_until` is unix seconds. */
  toggleStatus(
    id: number,
    input: { status: ConversationStatus; snoozed_until?: number },
    opts?: CallOptions,
  ): Promise<{ currentStatus: ConversationStatus }>;
  /** `POST /conversations/:id/assignments`; an unknown assignee silently unassigns (returns null). */
  assignConversation(
    id: number,
    input: { assignee_id?: number; team_id?: number },
    opts?: CallOptions,
  ): Promise<unknown>;
  /** `GET /conversations/:id/labels`. */
  listConversationLabels(id: number, opts?: CallOptions): Promise<string[]>;
  /** `POST /conversations/:id/labels`: **replaces** the whole label set; returns the stored set. */
  setConversationLabels(id: number, labels: string[], opts?: CallOptions): Promise<string[]>;
}

function asStatus(v: unknown): ConversationStatus | null {
  return typeof v === 'string' && (CONVERSATION_STATUSES as readonly string[]).includes(v)
    ? (v as ConversationStatus)
    : null;
}

/** Builds the conversation and label methods on top of a requester. */
export function createConversationMethods(request: RequestFn): ConversationMethods {
  return {
    listConversations(q = {}, opts) {
      return request(
        {
          method: 'GET',
          path: '/conversations',
          template: '/conversations',
          query: { ...q },
          signal: opts?.signal,
        },
        (body) => listOf(body).map(toConversation),
      );
    },

    getConversation(id, opts) {
      return request(
        { method: 'GET', path: `/conversations/${id}`, template: '/conversations/:id', signal: opts?.signal },
        conversationFromBody,
      );
    },

    createConversation(input, opts) {
      return request(
        {
          method: 'POST',
          path: '/conversations',
          template: '/conversations',
          json: input,
          signal: opts?.signal,
        },
        conversationFromBody,
      );
    },

    toggleStatus(id, input, opts) {
      return request(
        {
          method: 'POST',
          path: `/conversations/${id}/toggle_status`,
          template: '/conversations/:id/toggle_status',
          json: input,
          signal: opts?.signal,
        },
        (body) => {
          const payload = asObj(asObj(body)?.payload);
          const current =
            asStatus(payload?.current_status) ?? asStatus(asObj(body)?.status) ?? asStatus(payload?.status);
          return { currentStatus: current ?? input.status };
        },
      );
    },

    assignConversation(id, input, opts) {
      return request(
        {
          method: 'POST',
          path: `/conversations/${id}/assignments`,
          template: '/conversations/:id/assignments',
          json: input,
          signal: opts?.signal,
        },
        (body) => body,
      );
    },

    listConversationLabels(id, opts) {
      return request(
        {
          method: 'GET',
          path: `/conversations/${id}/labels`,
          template: '/conversations/:id/labels',
          signal: opts?.signal,
        },
        labelsFromBody,
      );
    },

    setConversationLabels(id, labels, opts) {
      return request(
        {
          method: 'POST',
          path: `/conversations/${id}/labels`,
          template: '/conversations/:id/labels',
          json: { labels },
          signal: opts?.signal,
        },
        // An empty body still means the set was replaced with `labels`.
        (body) => (body === null ? [...labels] : labelsFromBody(body)),
      );
    },
  };
}
