import {
  fieldAt,
  finiteNumber,
  firstString,
  isRecord,
  nonEmptyString,
  serializedIdOf,
} from './payloadFields.js';
import { type ChatKind, chatKind, normalizeChatId, parseSerializedMessageId } from './phoneIds.js';
import type { WahaEnvelope } from './wahaEnvelope.js';

/** WAHA events that change an earlier message (`shared/reference/waha.md` §1.1, §5.2). */
export const MESSAGE_CHANGE_EVENTS = ['message.edited', 'message.revoked', 'message.reaction'] as const;

export type MessageChangeEvent = (typeof MESSAGE_CHANGE_EVENTS)[number];

export function isMessageChangeEvent(event: string): event is MessageChangeEvent {
  return (MESSAGE_CHANGE_EVENTS as readonly string[]).includes(event);
}

/** What changed: an edit (new text), a delete for everyone, or a reaction (empty text = removed). */
export type MessageChangeKind = 'edit' | 'revoke' | 'reaction';

/** One normalised edit, delete or reaction, pointing at its original by bare raw id. */
export interface MessageChange {
  kind: MessageChangeKind;
  chatId: string;
  chatKind: ChatKind;
  /** Bare raw id of the message that was edited, deleted or reacted to. */
  originalRawId: string;
  /** Raw id of the change event's own message (edits, reactions), or null when the payload has none. */
  changeRawId: string | null;
  /** New text of an edit, emoji of a reaction (`''` = removed), null for a delete. */
  text: string | null;
  fromMe: boolean;
  /** Unix seconds. */
  timestamp: number;
}

export type NormalizeMessageChangeResult = { ok: true; change: MessageChange } | { ok: false; error: string };

/** Chat of a change message: from its serialized id, else `to` (our own) / `from`, else `_data.Info.Chat`. */
function chatOf(message: unknown): { chatId: string | null; rawId: string | null; fromMe: boolean } {
  const id = serializedIdOf(fieldAt(message, 'id'));
  const parsed = id ? parseSerializedMessageId(id) : null;
  const fromMe = parsed?.fromMe ?? fieldAt(message, 'fromMe') === true;
  const chat =
    parsed?.chatId ??
    firstString(
      fromMe ? fieldAt(message, 'to') : fieldAt(message, 'from'),
      fieldAt(message, 'from'),
      fieldAt(message, '_data', 'Info', 'Chat'),
    );
  return { chatId: chat ? normalizeChatId(chat) : null, rawId: parsed?.rawId ?? null, fromMe };
}

/** Normalises `message.edited`, `message.revoked` or `message.reaction`. */
export function normalizeMessageChange(envelope: WahaEnvelope): NormalizeMessageChangeResult {
  const payload = envelope.payload;
  const timestampOf = (message: unknown) =>
    finiteNumber(fieldAt(message, 'timestamp')) ?? Math.floor(envelope.timestamp / 1000);
  switch (envelope.event) {
    case 'message.edited': {
      const original = nonEmptyString(payload.editedMessageId);
      if (!original) return { ok: false, error: 'payload.editedMessageId missing' };
      const { chatId, rawId, fromMe } = chatOf(payload);
      if (!chatId) return { ok: false, error: 'payload names no chat' };
      const body = typeof payload.body === 'string' ? payload.body : '';
      return {
        ok: true,
        change: {
          kind: 'edit',
          chatId,
          chatKind: chatKind(chatId),
          originalRawId: original,
          changeRawId: rawId,
          text: body,
          fromMe,
          timestamp: timestampOf(payload),
        },
      };
    }
    case 'message.revoked': {
      const original = nonEmptyString(payload.revokedMessageId);
      if (!original) return { ok: false, error: 'payload.revokedMessageId missing' };
      const after = isRecord(payload.after) ? payload.after : payload;
      const { chatId, rawId, fromMe } = chatOf(after);
      const chat = chatId ?? nonEmptyString(fieldAt(payload, '_data', 'Info', 'Chat'));
      if (!chat) return { ok: false, error: 'payload names no chat' };
      const normalized = normalizeChatId(chat);
      return {
        ok: true,
        change: {
          kind: 'revoke',
          chatId: normalized,
          chatKind: chatKind(normalized),
          originalRawId: original,
          changeRawId: rawId,
          text: null,
          fromMe,
          timestamp: timestampOf(after),
        },
      };
    }
    case 'message.reaction': {
      const target = serializedIdOf(fieldAt(payload, 'reaction', 'messageId'));
      const parsedTarget = target ? parseSerializedMessageId(target) : null;
      const text = fieldAt(payload, 'reaction', 'text');
      if (!parsedTarget) return { ok: false, error: 'payload.reaction.messageId missing or malformed' };
      if (typeof text !== 'string') return { ok: false, error: 'payload.reaction.text missing' };
      const { rawId, fromMe } = chatOf(payload);
      return {
        ok: true,
        change: {
          kind: 'reaction',
          chatId: parsedTarget.chatId,
          chatKind: chatKind(parsedTarget.chatId),
          originalRawId: parsedTarget.rawId,
          changeRawId: rawId,
          text,
          fromMe,
          timestamp: timestampOf(payload),
        },
      };
    }
    default:
      return { ok: false, error: `event ${envelope.event} is not a message change` };
  }
}
