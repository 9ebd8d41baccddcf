/**
 * Builders of the non-message WAHA events: ack, reaction, edit, revoke, session status
 * (`shared/reference/waha/message.ack.json`, `message.reaction.json`, … `session.status.*.json`).
 */
import { parseSerializedMessageId } from '@relay/domain';
import { phoneRawId, toCus, toJid } from './ids.js';
import { SIM_ME, type SimulatedEngine } from './messagePayload.js';
import { buildEnvelope, type WahaEnvelopeFixture } from './wahaEvents.js';

interface EventBase {
  session?: string;
  engine?: SimulatedEngine;
}

const ACK_NAMES: Record<number, string> = {
  [-1]: 'ERROR',
  0: 'PENDING',
  1: 'SERVER',
  2: 'DEVICE',
  3: 'READ',
  4: 'PLAYED',
};

function envelopeOpts(opts: EventBase) {
  return { ...(opts.session !== undefined && { session: opts.session }), engine: opts.engine ?? 'GOWS' };
}

function nowSec(): number {
  return Math.floor(Date.now() / 1000);
}

/** `message.ack` for one of our messages (`messageId` serialized, e.g. from a send). `ack` 3 = READ. */
export function buildAck(
  opts: EventBase & { messageId: string; ack: -1 | 0 | 1 | 2 | 3 | 4 },
): WahaEnvelopeFixture {
  const parsed = parseSerializedMessageId(opts.messageId);
  const chatId = parsed?.chatId ?? '';
  return buildEnvelope(
    'message.ack',
    {
      id: opts.messageId,
      from: chatId,
      to: null,
      participant: null,
      fromMe: parsed?.fromMe ?? true,
      ack: opts.ack,
      ackName: ACK_NAMES[opts.ack] ?? 'UNKNOWN',
      _data: {
        Chat: toJid(chatId),
        Sender: toJid(chatId),
        MessageIDs: [parsed?.rawId ?? ''],
        Type: opts.ack >= 3 ? 'read' : 'delivery',
        Timestamp: new Date().toISOString(),
      },
    },
    envelopeOpts(opts),
  );
}

/** `message.reaction` on `messageId` (serialized); `text: ''` removes the reaction. */
export function buildReaction(
  opts: EventBase & { chatId: string; messageId: string; text: string; fromMe?: boolean; rawId?: string },
): WahaEnvelopeFixture {
  const chatId = toCus(opts.chatId);
  const fromMe = opts.fromMe ?? false;
  return buildEnvelope(
    'message.reaction',
    {
      id: `${fromMe}_${chatId}_${opts.rawId ?? phoneRawId()}`,
      timestamp: nowSec(),
      from: chatId,
      fromMe,
      source: 'app',
      to: null,
      participant: null,
      reaction: { text: opts.text, messageId: opts.messageId },
    },
    envelopeOpts(opts),
  );
}

/** `message.edited`: `editedMessageId` is the bare id of the original, `body` the new text. */
export function buildEdited(
  opts: EventBase & { chatId: string; editedMessageId: string; body: string; fromMe?: boolean },
): WahaEnvelopeFixture {
  const chatId = toCus(opts.chatId);
  const fromMe = opts.fromMe ?? false;
  const rawId = phoneRawId();
  return buildEnvelope(
    'message.edited',
    {
      id: `${fromMe}_${chatId}_${rawId}`,
      timestamp: nowSec(),
      from: chatId,
      fromMe,
      source: 'app',
      body: opts.body,
      to: null,
      participant: null,
      hasMedia: false,
      media: null,
      replyTo: null,
      editedMessageId: opts.editedMessageId,
      _data: { Info: { Chat: toJid(chatId), ID: rawId, IsFromMe: fromMe, Edit: '1' } },
    },
    envelopeOpts(opts),
  );
}

/** `message.revoked` (delete for everyone): `revokedMessageId` is the bare id of the original. */
export function buildRevoked(
  opts: EventBase & { chatId: string; revokedMessageId: string; fromMe?: boolean },
): WahaEnvelopeFixture {
  const chatId = toCus(opts.chatId);
  const fromMe = opts.fromMe ?? false;
  const rawId = phoneRawId();
  return buildEnvelope(
    'message.revoked',
    {
      after: {
        id: `${fromMe}_${chatId}_${rawId}`,
        timestamp: nowSec(),
        from: chatId,
        fromMe,
        source: 'app',
        body: null,
        to: null,
        participant: null,
        hasMedia: false,
        media: null,
      },
      before: null,
      revokedMessageId: opts.revokedMessageId,
    },
    envelopeOpts(opts),
  );
}

/** `session.status` with the last three statuses; `me` is null unless the session is WORKING. */
export function buildSessionStatus(status: string, opts: EventBase = {}): WahaEnvelopeFixture {
  const now = Date.now();
  const session = opts.session ?? 'default';
  const envelope = buildEnvelope(
    'session.status',
    {
      name: session,
      status,
      statuses: [
        { status: 'STOPPED', timestamp: now - 20_000 },
        { status: 'STARTING', timestamp: now - 15_000 },
        { status, timestamp: now },
      ],
      data: null,
    },
    { ...envelopeOpts(opts), me: status === 'WORKING' ? SIM_ME : null },
  );
  envelope.timestamp = now;
  return envelope;
}
