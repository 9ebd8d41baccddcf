/**
 * Normalises the engine-specific response of WAHA's send endpoints (`shared/reference/waha.md` §4.1):
 * GOWS `{id, _data.Info.ID}`, NOWEB Baileys `{key:{remoteJid, fromMe, id}}`, WEBJS `{id:{_serialized, id}}`.
 */
import { normalizeChatId, parseSerializedMessageId } from '@relay/domain';

/** The ids of a message WAHA just sent. */
export interface SentMessage {
  /** Serialized id `true_{chatId}_{rawId}`: what acks, reactions and the `message.any` echo refer to. */
  id: string;
  /** Bare id: what `replyTo.id`, `editedMessageId` and `revokedMessageId` refer to. */
  rawId: string;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function str(v: unknown): string | null {
  return typeof v === 'string' && v !== '' ? v : null;
}

function fromSerialized(id: string, rawFallback: string | null): SentMessage | null {
  const parsed = parseSerializedMessageId(id);
  const rawId = parsed?.rawId ?? rawFallback;
  return rawId === null ? null : { id, rawId };
}

/**
 * Extracts `{id, rawId}` from a send response of any engine, or null when the shape is not recognised.
 * `chatId` completes NOWEB responses whose key lacks `remoteJid`.
 */
export function parseSendResponse(body: unknown, chatId: string): SentMessage | null {
  if (!isRecord(body)) return null;
  const info = isRecord(body._data) && isRecord(body._data.Info) ? body._data.Info : null;

  // GOWS: id is the serialized string.
  const topId = str(body.id);
  if (topId !== null) return fromSerialized(topId, str(info?.ID));

  // WEBJS: id is an object.
  if (isRecord(body.id)) {
    const serialized = str(body.id._serialized);
    const raw = str(body.id.id);
    if (serialized !== null) return fromSerialized(serialized, raw);
    if (raw !== null) {
      const remote = str(body.id.remote) ?? chatId;
      return { id: `${body.id.fromMe !== false}_${normalizeChatId(remote)}_${raw}`, rawId: raw };
    }
  }

  // NOWEB: Baileys WebMessageInfo.
  if (isRecord(body.key)) {
    const raw = str(body.key.id);
    if (raw === null) return null;
    const remote = normalizeChatId(str(body.key.remoteJid) ?? chatId);
    return { id: `${body.key.fromMe !== false}_${remote}_${raw}`, rawId: raw };
  }
  return null;
}
