/**
 * Builders of WAHA webhook envelopes in the real shape (`shared/reference/waha/*.json`), with fresh `evt_` ids and
 * current timestamps. GOWS by default; pass `engine` for NOWEB/WEBJS. Callers post them (see `postWebhook`).
 */
import { apiRawId, eventId, phoneRawId, toCus, toJid } from './ids.js';
import {
  environmentOf,
  type MessageSpec,
  messagePayload,
  SIM_ME,
  type SimulatedEngine,
} from './messagePayload.js';

/** A WAHA webhook envelope as posted by WAHA. */
export interface WahaEnvelopeFixture {
  id: string;
  timestamp: number;
  event: string;
  session: string;
  metadata: Record<string, string>;
  me: typeof SIM_ME | null;
  payload: Record<string, unknown>;
  engine: SimulatedEngine;
  environment: ReturnType<typeof environmentOf>;
}

/** Options shared by every message builder. */
export interface MessageEventOptions {
  /** Default `default`. */
  session?: string;
  /** Default `GOWS`. */
  engine?: SimulatedEngine;
  /** Default `message.any` when `fromMe`, else `message`. */
  event?: 'message' | 'message.any';
  fromMe?: boolean;
  /** Default `app`. */
  source?: 'app' | 'api';
  senderName?: string | null;
  /** Default: a fresh id (`3EB0…` for API sends, 32 hex chars otherwise). */
  rawId?: string;
  /** Default: now. */
  timestampSec?: number;
  metadata?: Record<string, string>;
}

/** Wraps a payload in an envelope with a fresh id and the current time. */
export function buildEnvelope(
  event: string,
  payload: Record<string, unknown>,
  opts: {
    session?: string;
    engine?: SimulatedEngine;
    metadata?: Record<string, string>;
    me?: typeof SIM_ME | null;
  } = {},
): WahaEnvelopeFixture {
  const engine = opts.engine ?? 'GOWS';
  return {
    id: eventId(),
    timestamp: Date.now(),
    event,
    session: opts.session ?? 'default',
    metadata: opts.metadata ?? {},
    me: opts.me === undefined ? SIM_ME : opts.me,
    payload,
    engine,
    environment: environmentOf(engine),
  };
}

type SpecExtras = Partial<Omit<MessageSpec, 'engine' | 'fromMe' | 'source' | 'rawId' | 'timestampSec'>> & {
  chatId: string;
};

function messageEvent(opts: MessageEventOptions, extras: SpecExtras): WahaEnvelopeFixture {
  const fromMe = opts.fromMe ?? false;
  const source = opts.source ?? 'app';
  const engine = opts.engine ?? 'GOWS';
  const body = extras.body ?? null;
  const spec: MessageSpec = {
    engine,
    fromMe,
    source,
    rawId: opts.rawId ?? (source === 'api' ? apiRawId() : phoneRawId()),
    timestampSec: opts.timestampSec ?? Math.floor(Date.now() / 1000),
    senderName: opts.senderName === undefined ? (fromMe ? SIM_ME.pushName : 'Test Klant') : opts.senderName,
    participant: null,
    senderAlt: null,
    recipientAlt: null,
    hasMedia: false,
    media: null,
    replyTo: null,
    content: { conversation: body ?? '' },
    ...extras,
    body,
  };
  const event = opts.event ?? (fromMe ? 'message.any' : 'message');
  return buildEnvelope(event, messagePayload(spec), {
    engine,
    ...(opts.session !== undefined && { session: opts.session }),
    ...(opts.metadata !== undefined && { metadata: opts.metadata }),
  });
}

/** 1:1 text message (`message.text.json`). `chatId` like `31612345678@c.us` (digits are accepted too). */
export function buildTextMessage(
  opts: MessageEventOptions & { chatId: string; body: string },
): WahaEnvelopeFixture {
  return messageEvent(opts, { chatId: toCus(opts.chatId), body: opts.body });
}

/** 1:1 text from a hidden-number chat (`message.text.lid.json`): chat `…@lid`, phone in `SenderAlt`. */
export function buildLidMessage(
  opts: MessageEventOptions & { lid: string; phone?: string | null; body: string },
): WahaEnvelopeFixture {
  const lid = opts.lid.endsWith('@lid') ? opts.lid : `${opts.lid}@lid`;
  const phoneJid = opts.phone ? toJid(toCus(opts.phone)) : null;
  const fromMe = opts.fromMe ?? false;
  return messageEvent(opts, {
    chatId: lid,
    body: opts.body,
    senderAlt: fromMe ? SIM_ME.jid.replace(':12', '') : phoneJid,
    recipientAlt: fromMe ? phoneJid : null,
  });
}

/** Group message (`message.group.json`): sender in `participant` and appended to the id. */
export function buildGroupMessage(
  opts: MessageEventOptions & {
    groupId: string;
    participant: string;
    participantPhone?: string | null;
    senderName: string;
    body: string;
  },
): WahaEnvelopeFixture {
  return messageEvent(opts, {
    chatId: opts.groupId.endsWith('@g.us') ? opts.groupId : `${opts.groupId}@g.us`,
    participant: opts.participant,
    senderAlt: opts.participantPhone ? toJid(toCus(opts.participantPhone)) : null,
    body: opts.body,
  });
}

/** Image with caption (`message.image.json`); `mediaUrl` typically from `simulator.putFile`. */
export function buildImageMessage(
  opts: MessageEventOptions & {
    chatId: string;
    caption?: string | null;
    mediaUrl: string;
    mimetype?: string;
    filename?: string | null;
  },
): WahaEnvelopeFixture {
  const mimetype = opts.mimetype ?? 'image/jpeg';
  return messageEvent(opts, {
    chatId: toCus(opts.chatId),
    body: opts.caption ?? null,
    hasMedia: true,
    media: { url: opts.mediaUrl, mimetype, filename: opts.filename ?? null, error: null },
    content: { imageMessage: { mimetype, caption: opts.caption ?? undefined, fileLength: 1 } },
  });
}

/** Media that WAHA did not download (`hasMedia: true, media: null`, e.g. `WHATSAPP_DOWNLOAD_MEDIA=false`). */
export function buildMediaNotDownloaded(
  opts: MessageEventOptions & { chatId: string; caption?: string | null; mimetype?: string },
): WahaEnvelopeFixture {
  return messageEvent(opts, {
    chatId: toCus(opts.chatId),
    body: opts.caption ?? null,
    hasMedia: true,
    media: null,
    content: {
      imageMessage: { mimetype: opts.mimetype ?? 'image/jpeg', caption: opts.caption ?? undefined },
    },
  });
}

/** Reply quoting `replyToRawId` (`message.reply.json`); `replyTo.id` is the bare id. */
export function buildReplyMessage(
  opts: MessageEventOptions & {
    chatId: string;
    body: string;
    replyToRawId: string;
    quotedBody?: string | null;
    /** Who wrote the quoted message; default us. */
    quotedParticipant?: string;
  },
): WahaEnvelopeFixture {
  const quotedParticipant = opts.quotedParticipant ?? SIM_ME.id;
  return messageEvent(opts, {
    chatId: toCus(opts.chatId),
    body: opts.body,
    replyTo: { id: opts.replyToRawId, participant: quotedParticipant, body: opts.quotedBody ?? null },
    content: {
      extendedTextMessage: {
        text: opts.body,
        contextInfo: {
          stanzaID: opts.replyToRawId,
          participant: toJid(quotedParticipant),
          quotedMessage: { conversation: opts.quotedBody ?? '' },
        },
      },
    },
  });
}
