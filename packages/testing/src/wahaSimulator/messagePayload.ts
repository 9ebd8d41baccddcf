/**
 * Builds the `payload` of a `message` / `message.any` event the way each engine shapes it, following the samples
 * in `shared/reference/waha/*.json` (GOWS) and `message.text.webjs.json` (WEBJS); NOWEB follows waha.md §2.
 */
import { toJid } from './ids.js';

/** Engines the simulator can imitate. */
export type SimulatedEngine = 'GOWS' | 'NOWEB' | 'WEBJS';

/** Our own account, as in the samples. */
export const SIM_ME = {
  id: '31687654321@c.us',
  pushName: 'Demo Business',
  lid: '100000000000001@lid',
  jid: '31687654321:12@s.whatsapp.net',
} as const;

/** Everything the engines need to describe one message. */
export interface MessageSpec {
  engine: SimulatedEngine;
  /** `…@c.us`, `…@lid` or `…@g.us`. */
  chatId: string;
  rawId: string;
  fromMe: boolean;
  source: 'app' | 'api';
  timestampSec: number;
  body: string | null;
  senderName: string | null;
  /** Group sender. */
  participant: string | null;
  /** Phone JID behind a `@lid` sender/recipient (GOWS `SenderAlt` / `RecipientAlt`). */
  senderAlt: string | null;
  recipientAlt: string | null;
  hasMedia: boolean;
  media: { url: string; mimetype: string; filename: string | null; error: unknown } | null;
  replyTo: { id: string; participant: string | null; body: string | null } | null;
  /** The raw WhatsApp message content (`conversation`, `extendedTextMessage`, `imageMessage`, …). */
  content: Record<string, unknown>;
}

function serializedId(spec: MessageSpec): string {
  const base = `${spec.fromMe}_${spec.chatId}_${spec.rawId}`;
  return spec.participant && !spec.fromMe ? `${base}_${spec.participant}` : base;
}

function commonFields(spec: MessageSpec) {
  return {
    id: serializedId(spec),
    timestamp: spec.timestampSec,
    fromMe: spec.fromMe,
    source: spec.source,
    body: spec.body,
    hasMedia: spec.hasMedia,
    media: spec.media,
    ack: spec.fromMe ? 1 : 2,
    ackName: spec.fromMe ? 'SERVER' : 'DEVICE',
    location: null,
    replyTo: spec.replyTo ? { ...spec.replyTo, _data: {} } : null,
  };
}

function gowsPayload(spec: MessageSpec): Record<string, unknown> {
  const isGroup = spec.chatId.endsWith('@g.us');
  const sender = spec.fromMe ? SIM_ME.jid : isGroup ? (spec.participant ?? '') : toJid(spec.chatId);
  return {
    ...commonFields(spec),
    from: spec.chatId,
    to: isGroup ? spec.participant : null,
    participant: isGroup ? spec.participant : null,
    vCards: null,
    _data: {
      Info: {
        Chat: toJid(spec.chatId),
        Sender: toJid(sender),
        IsFromMe: spec.fromMe,
        IsGroup: isGroup,
        AddressingMode: spec.chatId.endsWith('@lid') || spec.participant?.endsWith('@lid') ? 'lid' : '',
        SenderAlt: spec.senderAlt ?? '',
        RecipientAlt: spec.recipientAlt ?? '',
        ID: spec.rawId,
        Type: spec.hasMedia ? 'media' : 'text',
        PushName: spec.senderName ?? '',
        Timestamp: new Date(spec.timestampSec * 1000).toISOString(),
        MediaType: spec.hasMedia ? 'image' : '',
        Edit: '',
      },
      Message: spec.content,
      IsEphemeral: false,
      IsEdit: false,
      RetryCount: 0,
    },
  };
}

function nowebPayload(spec: MessageSpec): Record<string, unknown> {
  const isGroup = spec.chatId.endsWith('@g.us');
  const key: Record<string, unknown> = { remoteJid: toJid(spec.chatId), fromMe: spec.fromMe, id: spec.rawId };
  if (isGroup && spec.participant) key.participant = toJid(spec.participant);
  if (spec.chatId.endsWith('@lid') && (spec.senderAlt ?? spec.recipientAlt)) {
    key.remoteJidAlt = spec.fromMe ? spec.recipientAlt : spec.senderAlt;
  }
  if (isGroup && spec.senderAlt) key.participantAlt = spec.senderAlt;
  return {
    ...commonFields(spec),
    from: spec.chatId,
    to: null,
    participant: isGroup ? spec.participant : null,
    vCards: null,
    _data: {
      key,
      message: spec.content,
      messageTimestamp: Math.floor(spec.timestampSec),
      pushName: spec.senderName ?? undefined,
      status: spec.fromMe ? 2 : 3,
    },
  };
}

function webjsPayload(spec: MessageSpec): Record<string, unknown> {
  const isGroup = spec.chatId.endsWith('@g.us');
  const from = spec.fromMe ? SIM_ME.id : spec.chatId;
  const to = spec.fromMe ? spec.chatId : SIM_ME.id;
  const common = commonFields(spec);
  return {
    ...common,
    from,
    to,
    participant: isGroup ? spec.participant : null,
    author: isGroup ? spec.participant : undefined,
    vCards: [],
    _data: {
      id: { fromMe: spec.fromMe, remote: spec.chatId, id: spec.rawId, _serialized: common.id },
      body: spec.body ?? '',
      type: spec.hasMedia ? 'image' : 'chat',
      t: Math.floor(spec.timestampSec),
      notifyName: spec.senderName ?? undefined,
      from,
      to,
      author: isGroup ? spec.participant : undefined,
      ack: common.ack,
      isNewMsg: true,
      quotedStanzaID: spec.replyTo?.id,
    },
  };
}

/** The message payload of `spec.engine`. */
export function messagePayload(spec: MessageSpec): Record<string, unknown> {
  switch (spec.engine) {
    case 'GOWS':
      return gowsPayload(spec);
    case 'NOWEB':
      return nowebPayload(spec);
    case 'WEBJS':
      return webjsPayload(spec);
  }
}

/** The `environment` block of an envelope. */
export function environmentOf(engine: SimulatedEngine) {
  return {
    version: '2026.7.1',
    engine,
    tier: 'CORE',
    browser: engine === 'WEBJS' ? '/usr/bin/google-chrome-stable' : null,
  };
}
