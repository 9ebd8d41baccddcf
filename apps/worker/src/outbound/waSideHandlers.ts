import {
  type OutboundAckData,
  type OutboundConversationStatusData,
  type OutboundEchoData,
  outboundSendJobId,
} from '@relay/queue';
import { findBySourceId } from '../handlers/inboundMessage.js';
import { applyAck, type OutboundDeps, statusOfAck } from './deps.js';

/**
 * `message.ack` of a message we sent → its Chatwoot status. An ack whose mapping is not recorded yet is parked
 * (highest ack kept) and applied by the send that records the mapping. Park first, then look: whichever of the
 * two runs second sees the other's write, so no ack is lost.
 */
export async function handleAck(
  data: OutboundAckData,
  deps: OutboundDeps,
): Promise<'applied' | 'stale' | 'ignored' | 'parked'> {
  if (statusOfAck(data.ack) === null) return 'ignored';
  const tenantId = deps.tenant.config.id;
  let mapping = await deps.ledger.getSent(tenantId, data.rawId);
  if (!mapping) {
    await deps.ledger.parkAck(tenantId, data.rawId, data.ack);
    mapping = await deps.ledger.getSent(tenantId, data.rawId);
    if (!mapping) return 'parked';
    const parked = await deps.ledger.takeParkedAck(tenantId, data.rawId);
    if (parked === null) return 'stale';
  }
  return applyAck(deps, mapping, data.ack);
}

/**
 * `message.any` with fromMe + source api. It runs in the chat's outbound partition, so a send of ours in
 * flight has recorded its mapping before this runs (ordering, not timing). Ours → skipped for good; a message
 * another WAHA client sent → mirrored through the inbound path like a message typed on the phone.
 */
export async function handleEcho(
  data: OutboundEchoData,
  deps: OutboundDeps,
): Promise<'skipped' | 'forwarded'> {
  const tenantId = deps.tenant.config.id;
  if (await deps.ledger.getSent(tenantId, data.message.rawId)) {
    await deps.inboundLedger.markSkipped(tenantId, data.message.rawId, 'echo of a message the relay sent');
    return 'skipped';
  }
  await deps.inboundProducer.enqueue({
    tenant: tenantId,
    eventId: data.eventId,
    event: data.event,
    acceptedAt: data.acceptedAt,
    message: data.message,
  });
  return 'forwarded';
}

/**
 * The tenant's message on resolve: written into the resolved conversation as an outgoing message (looked up by its
 * `source_id` before it is written again, so a retried status job writes it once) and delivered to WhatsApp by
 * a regular send job, whose id comes from the Chatwoot message (so it is sent once too).
 */
async function sendResolveMessage(data: OutboundConversationStatusData, text: string, deps: OutboundDeps) {
  const { chatwoot, config } = deps.tenant;
  const sourceId = `relay:resolve:${deps.jobId}`;
  const existing = await findBySourceId(chatwoot, data.conversationId, sourceId, deps.signal);
  const chatwootMessageId =
    existing ??
    (
      await chatwoot.createMessage(
        data.conversationId,
        { content: text, message_type: 'outgoing', source_id: sourceId },
        { signal: deps.signal },
      )
    ).id;
  await deps.outboundProducer.enqueue(
    {
      kind: 'send',
      tenant: config.id,
      chatId: data.chatId,
      conversationId: data.conversationId,
      chatwootMessageId,
      content: text,
      attachments: [],
      inReplyTo: null,
      inReplyToExternalId: null,
      // Written by an operator in WhatsApp's own formatting, not Chatwoot markdown: sent as given.
      format: 'whatsapp',
      resend: false,
      acceptedAt: Date.now(),
    },
    outboundSendJobId(config.id, chatwootMessageId),
  );
}

/**
 * `conversation_status_changed`: a resolved conversation is forgotten for its chat (the next customer message
 * finds or starts the right one; locked inboxes let Chatwoot pick as before), a reopened one becomes the chat's.
 * With a message on resolve configured, the customer gets it on WhatsApp.
 */
export async function handleConversationStatus(
  data: OutboundConversationStatusData,
  deps: OutboundDeps,
): Promise<'forgotten' | 'cached' | 'unchanged'> {
  const tenantId = deps.tenant.config.id;
  if (data.status === 'resolved' && deps.tenant.config.resolveMessage) {
    await sendResolveMessage(data, deps.tenant.config.resolveMessage, deps);
  }
  const cached = await deps.chatCache.get(tenantId, data.chatId);
  if (data.status === 'resolved') {
    if (cached.conversationId !== data.conversationId) return 'unchanged';
    await deps.chatCache.forgetConversation(tenantId, data.chatId);
    return 'forgotten';
  }
  await deps.chatCache.set(tenantId, data.chatId, {
    conversationId: data.conversationId,
    conversationCheckedAt: Date.now(),
  });
  return 'cached';
}
