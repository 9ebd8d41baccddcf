/**
 * Normalises a WAHA `message` / `message.any` payload (GOWS, NOWEB, WEBJS) into the small {@link InboundMessage}
 * that the queue carries. Never copies `_data`, tokens or other large fields. See `shared/reference/waha.md` §2, §6.3.
 */
import {
  fieldAt as at,
  field,
  finiteNumber,
  firstString,
  isRecord,
  type JsonRecord,
  nonEmptyString,
  serializedIdOf,
} from './payloadFields.js';
import {
  type ChatKind,
  normalizeChatId,
  parseChatKind,
  parseSerializedMessageId,
  phoneFromChatId,
  toE164,
} from './phoneIds.js';
import type { WahaEnvelope } from './wahaEnvelope.js';

/** Media attached to a message, as far as the relay needs it. `url` needs WAHA's `X-Api-Key` to download. */
export interface InboundMedia {
  url: string;
  mimetype: string | null;
  filename: string | null;
}

/** Where the media of a message stands: `not_downloaded` = `hasMedia` without `media` (disabled by config). */
export type MediaState = 'none' | 'available' | 'not_downloaded' | 'error';

/** A shared location. */
export interface InboundLocation {
  latitude: number;
  longitude: number;
  name?: string;
  address?: string;
}

/** The normalised WhatsApp message carried as job data (small, no `_data`, no secrets). */
export interface InboundMessage {
  /** Serialized id (`payload.id`), e.g. `false_316…@c.us_A1B2…`. */
  messageId: string;
  /** Bare id: from the serialized id, else `_data.Info.ID` / `_data.id.id` / `_data.key.id`. */
  rawId: string;
  /** Normalised chat id: GOWS/NOWEB `payload.from`; WEBJS `_data.id.remote`, else `fromMe ? to : from`. */
  chatId: string;
  chatKind: ChatKind;
  /**
   * E.164 phone of a 1:1 chat when known: from the chat id for `@c.us`, from `_data.Info.SenderAlt` (incoming) /
   * `RecipientAlt` (own) or NOWEB `key.remoteJidAlt` for `@lid`. Null for groups and unknown.
   */
  phoneAlt: string | null;
  fromMe: boolean;
  /** `api` = sent through WAHA; `app` = typed on a phone/linked device, and every incoming message. */
  source: 'app' | 'api';
  /** Unix seconds (may be fractional). */
  timestamp: number;
  /** Text or caption; null when absent or empty. */
  body: string | null;
  /** Push name of the sender: `_data.Info.PushName` (GOWS), `_data.pushName` (NOWEB), `_data.notifyName` (WEBJS). */
  senderName: string | null;
  /** Normalised group sender id; null in 1:1 chats. */
  participant: string | null;
  /** E.164 of the group sender when known (participant `@c.us`, or `SenderAlt`). */
  participantPhone: string | null;
  /** Non-null exactly when `mediaState === 'available'`. */
  media: InboundMedia | null;
  mediaState: MediaState;
  /** Bare id of the quoted message. */
  replyToId: string | null;
  location: InboundLocation | null;
  /** vCards of shared contacts; null when none. */
  vCards: string[] | null;
  /** `GOWS`, `NOWEB`, `WEBJS`, `WPP`, or null when the envelope does not say. */
  engine: string | null;
}

/** Result of {@link normalizeMessage}; `error` names the field, e.g. `"payload.id: missing"`. */
export type NormalizeMessageResult = { ok: true; message: InboundMessage } | { ok: false; error: string };

const WEB_ENGINES = new Set(['WEBJS', 'WPP']);
const ONE_TO_ONE: ReadonlySet<ChatKind> = new Set(['user', 'lid']);

function engineOf(envelope: WahaEnvelope): string | null {
  return firstString(envelope.engine, envelope.environment?.engine)?.toUpperCase() ?? null;
}

/** Chat id per engine (§6.3): WEBJS `_data.id.remote`, else `fromMe ? to : from`; GOWS/NOWEB `from`. */
function rawChatId(
  payload: JsonRecord,
  data: unknown,
  engine: string | null,
  fromMe: boolean,
): string | null {
  const remote = serializedIdOf(at(data, 'id', 'remote'));
  if (remote !== null) return remote;
  if (engine !== null && WEB_ENGINES.has(engine)) {
    return serializedIdOf(fromMe ? payload.to : payload.from);
  }
  return serializedIdOf(payload.from);
}

function phoneOf(jid: unknown): string | null {
  const text = nonEmptyString(jid);
  return text === null ? null : toE164(text);
}

function chatPhone(kind: ChatKind, chatId: string, data: unknown, fromMe: boolean): string | null {
  if (kind === 'user') return phoneFromChatId(chatId);
  if (kind !== 'lid') return null;
  // On own messages Info.Sender (and SenderAlt) is us; the other side is the recipient.
  const gowsAlt = fromMe ? at(data, 'Info', 'RecipientAlt') : at(data, 'Info', 'SenderAlt');
  const nowebAlt = at(data, 'key', 'remoteJidAlt');
  const nowebSender = fromMe ? undefined : at(data, 'key', 'senderPn');
  return phoneOf(gowsAlt) ?? phoneOf(nowebAlt) ?? phoneOf(nowebSender);
}

function mediaOf(payload: JsonRecord): { media: InboundMedia | null; mediaState: MediaState } {
  const media = payload.media;
  const url = firstString(field(media, 'url'), payload.mediaUrl);
  if (isRecord(media) && media.error !== null && media.error !== undefined && media.error !== false) {
    return { media: null, mediaState: 'error' };
  }
  if (url !== null) {
    return {
      media: {
        url,
        mimetype: nonEmptyString(field(media, 'mimetype')),
        filename: nonEmptyString(field(media, 'filename')),
      },
      mediaState: 'available',
    };
  }
  return { media: null, mediaState: payload.hasMedia === true ? 'not_downloaded' : 'none' };
}

/** Quoted id: `replyTo.id` (bare, or serialized on some engines), else the raw message's `contextInfo`. */
function replyToIdOf(payload: JsonRecord, data: unknown): string | null {
  const fromReply = serializedIdOf(field(payload.replyTo, 'id'));
  if (fromReply !== null) return parseSerializedMessageId(fromReply)?.rawId ?? fromReply;
  const content = field(data, 'Message') ?? field(data, 'message');
  if (isRecord(content)) {
    for (const part of Object.values(content)) {
      const stanza = firstString(at(part, 'contextInfo', 'stanzaID'), at(part, 'contextInfo', 'stanzaId'));
      if (stanza !== null) return stanza;
    }
  }
  return firstString(field(data, 'quotedStanzaID'));
}

function locationOf(value: unknown): InboundLocation | null {
  if (!isRecord(value)) return null;
  const latitude = finiteNumber(value.latitude);
  const longitude = finiteNumber(value.longitude);
  if (latitude === null || longitude === null) return null;
  const location: InboundLocation = { latitude, longitude };
  const name = nonEmptyString(value.name);
  const address = nonEmptyString(value.address);
  if (name !== null) location.name = name;
  if (address !== null) location.address = address;
  return location;
}

function vCardsOf(value: unknown): string[] | null {
  if (!Array.isArray(value)) return null;
  const cards = value.filter((card): card is string => typeof card === 'string' && card.trim() !== '');
  return cards.length > 0 ? cards : null;
}

function participantOf(kind: ChatKind, payload: JsonRecord, parsedParticipant: string | null): string | null {
  if (ONE_TO_ONE.has(kind)) return null;
  const id = firstString(
    serializedIdOf(payload.participant),
    serializedIdOf(payload.author),
    parsedParticipant,
  );
  return id === null ? null : normalizeChatId(id);
}

/**
 * Turns the envelope of a `message` / `message.any` event into an {@link InboundMessage}.
 *
 * Steps: 1. message id; 2. fromMe; 3. chat id per engine; 4. raw id; 5. everything optional, tolerating
 * null/absent fields. Fails, naming the field, only when the message cannot be identified.
 */
export function normalizeMessage(envelope: WahaEnvelope): NormalizeMessageResult {
  const payload = envelope.payload;
  const data = payload._data;
  const engine = engineOf(envelope);

  // 1. Message id.
  if (payload.id === undefined || payload.id === null) return { ok: false, error: 'payload.id: missing' };
  const messageId = serializedIdOf(payload.id);
  if (messageId === null) return { ok: false, error: 'payload.id: expected a non-empty string' };
  const parsed = parseSerializedMessageId(messageId);

  // 2. fromMe.
  const fromMe = typeof payload.fromMe === 'boolean' ? payload.fromMe : parsed?.fromMe;
  if (fromMe === undefined) return { ok: false, error: 'payload.fromMe: missing' };

  // 3. Chat id.
  const chatSource = rawChatId(payload, data, engine, fromMe) ?? parsed?.chatId ?? null;
  if (chatSource === null) return { ok: false, error: 'payload.from: missing' };
  const chatId = normalizeChatId(chatSource);
  const kind = parseChatKind(chatId);
  if (kind === null) return { ok: false, error: `payload.from: unrecognised chat id "${chatId}"` };

  // 4. Raw id.
  const rawId =
    parsed?.rawId ?? firstString(at(data, 'Info', 'ID'), at(data, 'id', 'id'), at(data, 'key', 'id'));
  if (rawId === null) return { ok: false, error: 'payload.id: no raw id in the id or _data' };

  // 5. Optional fields.
  const participant = participantOf(kind, payload, parsed?.participant ?? null);
  const participantPhone =
    participant === null
      ? null
      : (phoneFromChatId(participant) ??
        phoneOf(at(data, 'Info', 'SenderAlt')) ??
        phoneOf(at(data, 'key', 'participantAlt')) ??
        phoneOf(at(data, 'key', 'participantPn')));
  const timestamp = finiteNumber(payload.timestamp) ?? envelope.timestamp / 1000;

  return {
    ok: true,
    message: {
      messageId,
      rawId,
      chatId,
      chatKind: kind,
      phoneAlt: chatPhone(kind, chatId, data, fromMe),
      fromMe,
      source: payload.source === 'api' ? 'api' : 'app',
      timestamp,
      body: nonEmptyString(payload.body),
      senderName: firstString(
        at(data, 'Info', 'PushName'),
        field(data, 'pushName'),
        field(data, 'notifyName'),
      ),
      participant,
      participantPhone,
      ...mediaOf(payload),
      replyToId: replyToIdOf(payload, data),
      location: locationOf(payload.location),
      vCards: vCardsOf(payload.vCards),
      engine,
    },
  };
}
