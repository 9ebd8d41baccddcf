import { setTimeout as sleep } from 'node:timers/promises';
import { parseSerializedMessageId } from '@relay/domain';
import type { OutboundSendData, SendPartRecord } from '@relay/queue';
import type { MediaKind, SentMessage, WahaFile } from '@relay/waha-client';
import { applyAck, type OutboundDeps } from './deps.js';
import { chatwootMarkdownToWhatsApp } from './markdown.js';
import { type HistoryMessage, recentOwnMessages } from './wahaHistory.js';

/** What became of one Chatwoot message. */
export type SendOutcome = 'sent' | 'reconciled' | 'duplicate' | 'empty';

/** One WhatsApp message of a Chatwoot message: its text, or one attachment (the first carries the caption). */
export type SendPart =
  | { kind: 'text'; text: string }
  | { kind: MediaKind; file: WahaFile; caption: string | null };

const MIME_BY_EXTENSION: Record<string, string> = {
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  png: 'image/png',
  gif: 'image/gif',
  webp: 'image/webp',
  mp4: 'video/mp4',
  mov: 'video/quicktime',
  ogg: 'audio/ogg',
  oga: 'audio/ogg',
  opus: 'audio/ogg',
  mp3: 'audio/mpeg',
  m4a: 'audio/mp4',
  wav: 'audio/wav',
  pdf: 'application/pdf',
};

/** Clock skew allowed between our claim and WAHA's timestamp of the message. */
const RECONCILE_SKEW_S = 60;

function guessMime(url: string, filename: string | null): string {
  const name = filename ?? new URL(url, 'http://x').pathname;
  const extension = /\.([A-Za-z0-9]+)$/.exec(name)?.[1]?.toLowerCase() ?? '';
  return MIME_BY_EXTENSION[extension] ?? 'application/octet-stream';
}

/** Which WAHA endpoint sends a Chatwoot attachment: images WhatsApp shows inline, video, voice, else a file. */
export function mediaKindOf(fileType: string, mimetype: string): MediaKind {
  if (fileType === 'image' && /^image\/(jpeg|png)$/.test(mimetype)) return 'image';
  if (fileType === 'video') return 'video';
  if (fileType === 'audio') return 'voice';
  return 'file';
}

/** The WhatsApp messages a Chatwoot message becomes, in sending order. */
export function partsOf(data: Pick<OutboundSendData, 'content' | 'attachments' | 'format'>): SendPart[] {
  const content = data.content ?? '';
  const text = (data.format === 'whatsapp' ? content : chatwootMarkdownToWhatsApp(content)).trim();
  if (data.attachments.length === 0) return text === '' ? [] : [{ kind: 'text', text }];
  const media = data.attachments.map((attachment): SendPart => {
    const mimetype = attachment.mimetype ?? guessMime(attachment.url, attachment.filename);
    const kind = mediaKindOf(attachment.fileType, mimetype);
    const file: WahaFile = {
      mimetype,
      url: attachment.url,
      ...(attachment.filename ? { filename: attachment.filename } : {}),
    };
    return { kind, file, caption: null };
  });
  const first = media[0];
  if (text === '' || !first || first.kind === 'text') return media;
  // Voice notes carry no caption: the text goes first, on its own.
  if (first.kind === 'voice') return [{ kind: 'text', text }, ...media];
  return [{ ...first, caption: text }, ...media.slice(1)];
}

/** Serialized WhatsApp id of the message the agent quoted, when we know it. */
async function replyToOf(data: OutboundSendData, deps: OutboundDeps): Promise<string | null> {
  if (data.inReplyToExternalId && parseSerializedMessageId(data.inReplyToExternalId))
    return data.inReplyToExternalId;
  if (data.inReplyTo === null) return null;
  const ours = await deps.ledger.getPart(deps.tenant.config.id, data.inReplyTo, 0);
  if (ours?.state === 'sent') return ours.waId;
  // A customer message mirrored by the relay keeps its WhatsApp id as `source_id`.
  const around = await deps.tenant.chatwoot.listMessages(
    data.conversationId,
    { after: data.inReplyTo - 1 },
    { signal: deps.signal },
  );
  const quoted = around.find((message) => message.id === data.inReplyTo);
  return quoted?.source_id && parseSerializedMessageId(quoted.source_id) ? quoted.source_id : null;
}

/** Mark seen → typing → pause → stop typing (waha.md §4.3). Best effort: a failure here never blocks the send. */
async function typingPause(data: OutboundSendData, deps: OutboundDeps, text: string): Promise<void> {
  const base = deps.config.outboundTypingMs;
  if (base <= 0) return;
  const session = deps.tenant.config.wahaSession;
  const pauseMs = Math.min(base + text.length * 20, base * 3);
  try {
    await deps.tenant.waha.sendSeen({ session, chatId: data.chatId });
    await deps.tenant.waha.startTyping({ session, chatId: data.chatId });
    await sleep(pauseMs, undefined, { signal: deps.signal });
    await deps.tenant.waha.stopTyping({ session, chatId: data.chatId });
  } catch (error) {
    if (deps.signal?.aborted) throw error;
    deps.logger.warn({ err: error, chatId: data.chatId }, 'mark seen / typing failed; sending anyway');
  }
}

function sendPart(data: OutboundSendData, deps: OutboundDeps, part: SendPart, replyTo: string | null) {
  const session = deps.tenant.config.wahaSession;
  const reply = replyTo ? { reply_to: replyTo } : {};
  if (part.kind === 'text')
    return deps.tenant.waha.sendText({ session, chatId: data.chatId, text: part.text, ...reply });
  return deps.tenant.waha.sendMedia(part.kind, {
    session,
    chatId: data.chatId,
    file: part.file,
    ...(part.caption ? { caption: part.caption } : {}),
    ...reply,
  });
}

/**
 * After a crash or a lost answer (a `pending` claim): our message in the chat's recent history, if WAHA did send
 * it. Matches text (or caption), sent no earlier than the claim, and not already mapped to another message.
 */
async function findSent(
  data: OutboundSendData,
  deps: OutboundDeps,
  part: SendPart,
  claim: Extract<SendPartRecord, { state: 'pending' }>,
): Promise<HistoryMessage | null> {
  const history = await recentOwnMessages(
    deps.tenant.config.waha,
    deps.tenant.config.wahaSession,
    data.chatId,
    deps.signal,
  );
  const expected = part.kind === 'text' ? part.text : part.caption;
  const candidates = history
    .filter((message) => message.timestamp >= Math.floor(claim.at / 1000) - RECONCILE_SKEW_S)
    .filter((message) => (part.kind === 'text' ? !message.hasMedia : message.hasMedia))
    .filter((message) => (expected ? message.body === expected : true))
    .sort((a, b) => a.timestamp - b.timestamp);
  for (const candidate of candidates) {
    if (!(await deps.ledger.getSent(deps.tenant.config.id, candidate.rawId))) return candidate;
  }
  return null;
}

/**
 * Delivers one Chatwoot message to WhatsApp exactly once. Per part: skip when `sent`; with a `pending` claim
 * (a crash or lost answer) look in the chat's history first; else claim, send, and record the mapping (which is
 * also what suppresses the `message.any` echo). An ack that arrived before the mapping is applied right after.
 */
export async function handleSend(data: OutboundSendData, deps: OutboundDeps): Promise<SendOutcome> {
  const tenantId = deps.tenant.config.id;
  const id = data.chatwootMessageId;
  const parts = partsOf(data);
  const record = await deps.ledger.getMessage(tenantId, id);
  if (record?.state === 'done') return 'duplicate';
  if (record?.state === 'failed') {
    if (!data.resend) return 'duplicate';
    await deps.ledger.resetForResend(tenantId, id, parts.length);
  }
  if (parts.length === 0) {
    await deps.ledger.markMessage(tenantId, id, {
      state: 'done',
      conversationId: data.conversationId,
      parts: 0,
      at: Date.now(),
    });
    return 'empty';
  }

  const replyTo = await replyToOf(data, deps);
  let reconciled = false;
  let paused = false;
  for (const [index, part] of parts.entries()) {
    const claim = await deps.ledger.getPart(tenantId, id, index);
    let sent: SentMessage | null = claim?.state === 'sent' ? { id: claim.waId, rawId: claim.rawId } : null;
    if (!sent && claim?.state === 'pending') {
      const found = await findSent(data, deps, part, claim);
      if (found) {
        sent = { id: found.waId, rawId: found.rawId };
        reconciled = true;
        deps.logger.warn(
          { chatwootMessageId: id, part: index, waId: found.waId },
          'send found in the chat after a lost answer',
        );
      }
    }
    if (!sent) {
      if (!paused) {
        await typingPause(data, deps, part.kind === 'text' ? part.text : (part.caption ?? ''));
        paused = true;
      }
      await deps.ledger.markPending(tenantId, id, index, { chatId: data.chatId, jobId: deps.jobId });
      sent = await sendPart(data, deps, part, index === 0 ? replyTo : null);
    }
    const mapping = {
      tenant: tenantId,
      conversationId: data.conversationId,
      chatwootMessageId: id,
      chatId: data.chatId,
      waId: sent.id,
      part: index,
    };
    if (claim?.state !== 'sent') await deps.ledger.markSent(mapping, sent.rawId);
    const parked = await deps.ledger.takeParkedAck(tenantId, sent.rawId);
    if (parked !== null) {
      try {
        await applyAck(deps, mapping, parked);
      } catch (error) {
        // Kept for the retry of this job (which finds the part sent and comes back here).
        await deps.ledger.parkAck(tenantId, sent.rawId, parked);
        throw error;
      }
    }
  }
  await deps.ledger.markMessage(tenantId, id, {
    state: 'done',
    conversationId: data.conversationId,
    parts: parts.length,
    at: Date.now(),
  });
  return reconciled ? 'reconciled' : 'sent';
}
