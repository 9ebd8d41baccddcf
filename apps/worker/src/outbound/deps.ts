import type { MessageDeliveryStatus } from '@relay/chatwoot-client';
import type { RelayConfig } from '@relay/config';
import type { Logger } from '@relay/observability';
import type { InboundProducer, MessageLedger, OutboundProducer, SendLedger, SentMapping } from '@relay/queue';
import type { Redis } from 'ioredis';
import type { ChatCache } from '../chatCache.js';
import type { TenantRuntime } from '../tenantRuntime.js';

/** What every outbound handler gets. */
export interface OutboundDeps {
  tenant: TenantRuntime;
  ledger: SendLedger;
  /** The inbound (WhatsApp → Chatwoot) ledger: where customer messages' Chatwoot ids are. */
  inboundLedger: MessageLedger;
  chatCache: ChatCache;
  /** Forwards `message.any` API sends that were not ours to the inbound path. */
  inboundProducer: InboundProducer;
  /** Re-enqueues parked WhatsApp events. */
  outboundProducer: OutboundProducer;
  redis: Redis;
  config: Pick<RelayConfig, 'outboundTypingMs' | 'redisPrefix' | 'conversationCacheTtlMs' | 'lockDurationMs'>;
  logger: Logger;
  jobId: string;
  signal?: AbortSignal;
}

/** WAHA ack → Chatwoot status: 2 DEVICE → delivered, 3 READ / 4 PLAYED → read, -1 ERROR → failed. */
export function statusOfAck(ack: number): MessageDeliveryStatus | null {
  if (ack === -1) return 'failed';
  if (ack === 2) return 'delivered';
  if (ack >= 3) return 'read';
  return null;
}

/**
 * Sets the Chatwoot status of a message we sent from a WhatsApp ack, never downgrading (read stays read when a
 * late DEVICE ack arrives). An error ack only counts when nothing better was seen.
 */
export async function applyAck(
  deps: OutboundDeps,
  mapping: SentMapping,
  ack: number,
): Promise<'applied' | 'stale' | 'ignored'> {
  const status = statusOfAck(ack);
  if (status === null) return 'ignored';
  const tenantId = deps.tenant.config.id;
  const applied = await deps.ledger.appliedAck(tenantId, mapping.chatwootMessageId);
  if (applied !== null && applied >= ack) return 'stale';
  await deps.tenant.chatwoot.updateMessageStatus(
    mapping.conversationId,
    mapping.chatwootMessageId,
    status === 'failed' ? { status, external_error: 'WhatsApp reported a delivery error' } : { status },
    { signal: deps.signal },
  );
  await deps.ledger.raiseAppliedAck(tenantId, mapping.chatwootMessageId, ack);
  return 'applied';
}
