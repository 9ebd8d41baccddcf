import type { OutboundAckData, OutboundConversationStatusData, OutboundEchoData } from '@relay/queue';
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
 * `conversation_status_changed`: a resolved conversation is forgotten for its chat (the next customer message
 * finds or starts the right one; locked inboxes let Chatwoot pick as before), a reopened one becomes the chat's.
 */
export async function handleConversationStatus(
  data: OutboundConversationStatusData,
  deps: OutboundDeps,
): Promise<'forgotten' | 'cached' | 'unchanged'> {
  const tenantId = deps.tenant.config.id;
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
