import type { TenantConfig } from '@relay/config';
import { normalizeMessage, parseSerializedMessageId, type WahaEnvelope } from '@relay/domain';
import { type OutboundProducer, outboundEventJobId } from '@relay/queue';
import type { IngestOutcome } from './wahaWebhook.js';

const ECHO_CHAT_KINDS = new Set(['user', 'lid', 'group']);

/**
 * WAHA events that belong to the outbound path, stored on the chat's outbound partition:
 * `message.ack` of our messages, and `message.any` with fromMe + source api (the echo of a send: it must run
 * after the send recorded its mapping, which the shared partition guarantees). Null = not an outbound event.
 */
export async function routeWahaOutbound(
  envelope: WahaEnvelope,
  tenant: TenantConfig,
  outbound: OutboundProducer,
  now: number,
): Promise<IngestOutcome | null> {
  const payload = envelope.payload;
  if (envelope.event === 'message.ack') {
    const id = typeof payload.id === 'string' ? parseSerializedMessageId(payload.id) : null;
    const ack = typeof payload.ack === 'number' ? payload.ack : null;
    if (!id || ack === null)
      return {
        kind: 'rejected',
        status: 400,
        code: 'invalid_payload',
        message: 'payload.id or payload.ack missing',
      };
    if (!id.fromMe) return { kind: 'ignored', reason: 'ack:not_ours', tenant: tenant.id };
    const jobId = outboundEventJobId('ack', tenant.id, `${id.rawId}-${ack}`);
    const result = await outbound.enqueue(
      { kind: 'ack', tenant: tenant.id, chatId: id.chatId, rawId: id.rawId, ack },
      jobId,
    );
    return { kind: 'accepted', jobId, duplicate: result.duplicate, tenant: tenant.id };
  }
  if (envelope.event === 'message.any' && payload.fromMe === true && payload.source === 'api') {
    const normalized = normalizeMessage(envelope);
    if (!normalized.ok)
      return { kind: 'rejected', status: 400, code: 'invalid_payload', message: normalized.error };
    const message = normalized.message;
    if (!ECHO_CHAT_KINDS.has(message.chatKind))
      return { kind: 'ignored', reason: `chat:${message.chatKind}`, tenant: tenant.id };
    const jobId = outboundEventJobId('echo', tenant.id, message.rawId);
    const result = await outbound.enqueue(
      {
        kind: 'echo',
        tenant: tenant.id,
        chatId: message.chatId,
        eventId: envelope.id,
        event: envelope.event,
        acceptedAt: now,
        message,
      },
      jobId,
    );
    return { kind: 'accepted', jobId, duplicate: result.duplicate, tenant: tenant.id };
  }
  return null;
}
