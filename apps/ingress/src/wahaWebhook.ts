import type { RelayConfig, TenantConfig } from '@relay/config';
import {
  isMessageChangeEvent,
  isMessageEvent,
  type MessageChangeKind,
  normalizeMessage,
  normalizeMessageChange,
  parseWahaEnvelope,
  verifyWahaSignature,
} from '@relay/domain';
import type { InboundProducer, OutboundProducer } from '@relay/queue';
import { BACKPRESSURE_RETRY_AFTER_S, type Backpressure } from './backpressure.js';
import { routeWahaOutbound } from './wahaOutbound.js';

/** What became of one webhook; `app.ts` maps each outcome to an HTTP answer in one table. */
export type IngestOutcome =
  | { kind: 'accepted'; jobId: string; duplicate: boolean; tenant: string }
  | { kind: 'ignored'; reason: string; tenant?: string }
  | { kind: 'rejected'; status: 400 | 401 | 404; code: string; message: string }
  | {
      kind: 'unavailable';
      message: string;
      reason?: 'redis' | 'queue_depth' | 'redis_memory';
      retryAfterS?: number;
    };

/** Chat kinds the relay does not mirror: channels, status updates and broadcast lists. */
const UNMIRRORED_CHAT_KINDS = new Set(['newsletter', 'broadcast', 'status']);

export interface WahaIngestDeps {
  config: Pick<RelayConfig, 'wahaWebhookMaxAgeMs' | 'changeMirroring'>;
  tenantsBySession: ReadonlyMap<string, TenantConfig>;
  producer: InboundProducer;
  /** When set, acks and the echoes of our own sends go to the outbound partitions (`wahaOutbound.ts`). */
  outbound?: OutboundProducer;
  /** When set, refuses (503) new events past the tenant's queue depth or Redis memory limit. */
  backpressure?: Backpressure;
  now?: () => number;
}

const rejected = (status: 400 | 401 | 404, code: string, message: string): IngestOutcome => ({
  kind: 'rejected',
  status,
  code,
  message,
});

/**
 * Checks one WAHA webhook and, for a message, stores its job.
 * Steps: 1. JSON, 2. envelope, 3. tenant by session, 4. HMAC with that tenant's keys, 5. freshness,
 * 6. event routing, 7. enqueue (idempotent by message id).
 */
export async function ingestWahaWebhook(
  rawBody: Buffer,
  signature: string | undefined,
  deps: WahaIngestDeps,
): Promise<IngestOutcome> {
  let body: unknown;
  try {
    body = JSON.parse(rawBody.toString('utf8'));
  } catch (error) {
    return rejected(400, 'invalid_json', `body is not valid JSON: ${(error as Error).message}`);
  }
  const parsed = parseWahaEnvelope(body);
  if (!parsed.ok) return rejected(400, 'invalid_envelope', parsed.error);
  const envelope = parsed.envelope;

  const tenant = deps.tenantsBySession.get(envelope.session);
  if (!tenant)
    return rejected(404, 'unknown_session', `WAHA session "${envelope.session}" is not mapped to a tenant`);

  const keys = tenant.waha.webhookHmacKeys;
  if (keys.length > 0) {
    if (!signature) return rejected(401, 'missing_signature', 'X-Webhook-Hmac header is required');
    if (!verifyWahaSignature(rawBody, signature, keys)) {
      return rejected(401, 'invalid_signature', 'X-Webhook-Hmac does not match the body');
    }
  }

  const now = deps.now?.() ?? Date.now();
  const maxAgeMs = deps.config.wahaWebhookMaxAgeMs;
  if (maxAgeMs > 0 && Math.abs(now - envelope.timestamp) > maxAgeMs) {
    return rejected(
      400,
      'stale_event',
      `event timestamp ${new Date(envelope.timestamp).toISOString()} is outside the ${maxAgeMs / 1000} s window`,
    );
  }

  const refusal = await deps.backpressure?.refusal(tenant.id);
  if (refusal) return { kind: 'unavailable', retryAfterS: BACKPRESSURE_RETRY_AFTER_S, ...refusal };

  if (deps.outbound) {
    try {
      const routed = await routeWahaOutbound(envelope, tenant, deps.outbound, now);
      if (routed) return routed;
    } catch (error) {
      return { kind: 'unavailable', message: `could not store the event: ${(error as Error).message}` };
    }
  }
  if (isMessageChangeEvent(envelope.event)) return ingestMessageChange(envelope, tenant, deps, now);
  if (!isMessageEvent(envelope.event))
    return { kind: 'ignored', reason: `event:${envelope.event}`, tenant: tenant.id };
  const normalized = normalizeMessage(envelope);
  if (!normalized.ok) return rejected(400, 'invalid_payload', normalized.error);
  const message = normalized.message;
  if (UNMIRRORED_CHAT_KINDS.has(message.chatKind)) {
    return { kind: 'ignored', reason: `chat:${message.chatKind}`, tenant: tenant.id };
  }

  try {
    const result = await deps.producer.enqueue({
      tenant: tenant.id,
      eventId: envelope.id,
      event: envelope.event,
      acceptedAt: now,
      message,
    });
    return { kind: 'accepted', jobId: result.jobId, duplicate: result.duplicate, tenant: tenant.id };
  } catch (error) {
    return { kind: 'unavailable', message: `could not store the event: ${(error as Error).message}` };
  }
}

const CHANGE_SETTING: Record<MessageChangeKind, 'edits' | 'deletes' | 'reactions'> = {
  edit: 'edits',
  revoke: 'deletes',
  reaction: 'reactions',
};

/** An edit, delete or reaction: stored on the chat's inbound partition, behind the messages accepted before it. */
async function ingestMessageChange(
  envelope: Parameters<typeof normalizeMessageChange>[0],
  tenant: TenantConfig,
  deps: WahaIngestDeps,
  now: number,
): Promise<IngestOutcome> {
  const normalized = normalizeMessageChange(envelope);
  if (!normalized.ok) return rejected(400, 'invalid_payload', normalized.error);
  const change = normalized.change;
  const setting = CHANGE_SETTING[change.kind];
  if (!deps.config.changeMirroring[setting])
    return { kind: 'ignored', reason: `change_off:${setting}`, tenant: tenant.id };
  if (UNMIRRORED_CHAT_KINDS.has(change.chatKind))
    return { kind: 'ignored', reason: `chat:${change.chatKind}`, tenant: tenant.id };
  try {
    const result = await deps.producer.enqueueChange({
      tenant: tenant.id,
      eventId: envelope.id,
      event: envelope.event,
      acceptedAt: now,
      chatId: change.chatId,
      change,
    });
    return { kind: 'accepted', jobId: result.jobId, duplicate: result.duplicate, tenant: tenant.id };
  } catch (error) {
    return { kind: 'unavailable', message: `could not store the event: ${(error as Error).message}` };
  }
}
