import { createHash, createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import type { RelayConfig, TenantConfig } from '@relay/config';
import { normalizeChatId, parseChatKind, toE164 } from '@relay/domain';
import {
  type OutboundJobInput,
  type OutboundProducer,
  outboundEventJobId,
  outboundSendJobId,
} from '@relay/queue';
import type { Redis } from 'ioredis';
import type { IngestOutcome } from './wahaWebhook.js';

const DELIVERY_TTL_S = 86_400;
const SIGNATURE_PATTERN = /^sha256=([0-9a-f]{64})$/i;
/** `source_id`s the relay writes: WhatsApp ids of mirrored messages, `relay:…` for send-API messages. */
const RELAY_SOURCE_ID = /^(true|false)_|^relay:/;
const SENDERS = new Set(['user', 'agent_bot']);
const MIRRORED_CHAT_KINDS = new Set(['user', 'lid', 'group']);

/** What the Chatwoot webhook needs from the ingress. */
export interface ChatwootIngestDeps {
  config: Pick<RelayConfig, 'chatwootWebhookMaxAgeMs' | 'redisPrefix'>;
  tenants: readonly TenantConfig[];
  outbound: OutboundProducer;
  redis: Redis;
  now?: () => number;
}

/** The request as the route hands it over. */
export interface ChatwootWebhookRequest {
  rawBody: Buffer;
  /** `/webhooks/chatwoot/<tenant>[/<token>]`; both undefined on `/webhooks/chatwoot`. */
  tenantId?: string;
  urlToken?: string;
  signature?: string;
  timestamp?: string;
  deliveryId?: string;
}

type Json = Record<string, unknown>;
const isRecord = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const rec = (value: unknown): Json => (isRecord(value) ? value : {});
const num = (value: unknown): number | null =>
  typeof value === 'number' && Number.isInteger(value) ? value : null;
const str = (value: unknown): string | null => (typeof value === 'string' && value !== '' ? value : null);

const rejected = (status: 400 | 401 | 404, code: string, message: string): IngestOutcome => ({
  kind: 'rejected',
  status,
  code,
  message,
});

function sameSecret(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

/** Checks `sha256=` HMAC-SHA256 of `<timestamp>.<raw body>` against every secret, in constant time per secret. */
export function verifyChatwootSignature(
  rawBody: Buffer,
  timestamp: string,
  signature: string,
  secrets: readonly string[],
): boolean {
  const received = SIGNATURE_PATTERN.exec(signature.trim())?.[1];
  if (!received) return false;
  const receivedBytes = Buffer.from(received.toLowerCase(), 'hex');
  let matched = false;
  for (const secret of secrets) {
    const expected = createHmac('sha256', secret).update(`${timestamp}.`).update(rawBody).digest();
    if (timingSafeEqual(expected, receivedBytes)) matched = true;
  }
  return matched;
}

/** Signature when secrets are configured (the URL token stands in for unsigned Chatwoot versions), else the token. */
function authenticate(
  req: ChatwootWebhookRequest,
  tenant: TenantConfig,
  deps: ChatwootIngestDeps,
): IngestOutcome | null {
  const secrets = tenant.chatwoot.webhookSecrets ?? [];
  const token = tenant.chatwoot.webhookToken ?? null;
  const tokenOk = token !== null && req.urlToken !== undefined && sameSecret(req.urlToken, token);
  if (req.urlToken !== undefined && !tokenOk)
    return rejected(401, 'invalid_token', 'the URL token is not valid');
  if (secrets.length > 0 && req.signature) {
    if (!req.timestamp || !/^\d+$/.test(req.timestamp))
      return rejected(401, 'missing_timestamp', 'X-Chatwoot-Timestamp header is required with a signature');
    if (!verifyChatwootSignature(req.rawBody, req.timestamp, req.signature, secrets))
      return rejected(401, 'invalid_signature', 'X-Chatwoot-Signature does not match the body');
    const maxAgeMs = deps.config.chatwootWebhookMaxAgeMs;
    const now = deps.now?.() ?? Date.now();
    if (maxAgeMs > 0 && Math.abs(now - Number(req.timestamp) * 1000) > maxAgeMs)
      return rejected(
        401,
        'stale_signature',
        `signature timestamp is outside the ${maxAgeMs / 1000} s window`,
      );
    return null;
  }
  if (tokenOk) return null;
  if (secrets.length > 0)
    return rejected(401, 'missing_signature', 'X-Chatwoot-Signature header is required');
  if (token !== null)
    return rejected(401, 'missing_token', 'this tenant needs /webhooks/chatwoot/<tenant>/<token>');
  return null;
}

/** The WhatsApp chat of a conversation: contact_inbox source_id, else the contact's identifier, else its phone. */
export function chatIdOf(conversation: Json): string | null {
  const sender = rec(rec(conversation.meta).sender);
  for (const candidate of [str(rec(conversation.contact_inbox).source_id), str(sender.identifier)]) {
    if (candidate?.includes('@') && MIRRORED_CHAT_KINDS.has(parseChatKind(candidate) ?? ''))
      return normalizeChatId(candidate);
  }
  const phone = str(sender.phone_number);
  const e164 = phone ? toE164(phone) : null;
  return e164 ? `${e164.slice(1)}@c.us` : null;
}

function findTenant(req: ChatwootWebhookRequest, body: Json, tenants: readonly TenantConfig[]) {
  if (req.tenantId !== undefined) return tenants.find((tenant) => tenant.id === req.tenantId) ?? null;
  const inboxId = num(rec(body.inbox).id) ?? num(body.inbox_id);
  const accountId = num(rec(body.account).id);
  const matching = tenants.filter(
    (tenant) =>
      tenant.chatwoot.inboxId === inboxId && (accountId === null || tenant.chatwoot.accountId === accountId),
  );
  return matching.length === 1 ? (matching[0] ?? null) : null;
}

/** Why a message event is not sent to WhatsApp, or null when it is. */
function skipReason(body: Json, event: string): string | null {
  const type = str(body.message_type);
  if (type !== 'outgoing' && type !== 'template') return `message_type:${type}`;
  if (body.private === true) return 'private_note';
  const senderType = str(rec(body.sender).type);
  if (!(senderType && SENDERS.has(senderType)) && !(type === 'template' && !isRecord(body.sender)))
    return `sender:${senderType ?? 'contact'}`;
  const sourceId = str(body.source_id);
  if (sourceId && RELAY_SOURCE_ID.test(sourceId)) return 'written_by_relay';
  if (event === 'message_updated' && str(body.status) !== 'sent') return `status:${str(body.status)}`;
  return null;
}

function sendJob(
  body: Json,
  tenant: TenantConfig,
  chatId: string,
  now: number,
  resend: boolean,
): OutboundJobInput | null {
  const id = num(body.id);
  const conversationId = num(rec(body.conversation).id) ?? num(body.conversation_id);
  if (id === null || conversationId === null) return null;
  const attributes = rec(body.content_attributes);
  const attachments = (Array.isArray(body.attachments) ? body.attachments : []).flatMap((raw) => {
    const attachment = rec(raw);
    const url = str(attachment.data_url);
    if (!url) return [];
    const filename = decodeURIComponent(new URL(url, 'http://x').pathname.split('/').pop() ?? '') || null;
    return [{ fileType: str(attachment.file_type) ?? 'file', url, filename, mimetype: null }];
  });
  return {
    kind: 'send',
    tenant: tenant.id,
    chatId,
    conversationId,
    chatwootMessageId: id,
    content: typeof body.content === 'string' ? body.content : null,
    attachments,
    inReplyTo: num(attributes.in_reply_to),
    inReplyToExternalId: str(attributes.in_reply_to_external_id),
    resend,
    acceptedAt: now,
  };
}

/**
 * Checks one Chatwoot webhook and, for an agent reply or a status change, stores its job.
 * Steps: 1. JSON, 2. tenant (URL or inbox), 3. signature / URL token, 4. delivery dedupe, 5. routing and
 * filters (public outgoing/template by a user or bot in the tenant's inbox, not written by the relay),
 * 6. enqueue (job id from the Chatwoot message id, so a second `message_created` collapses).
 */
export async function ingestChatwootWebhook(
  req: ChatwootWebhookRequest,
  deps: ChatwootIngestDeps,
): Promise<IngestOutcome> {
  let body: Json;
  try {
    const parsed = JSON.parse(req.rawBody.toString('utf8')) as unknown;
    if (!isRecord(parsed)) return rejected(400, 'invalid_payload', 'body: expected a JSON object');
    body = parsed;
  } catch (error) {
    return rejected(400, 'invalid_json', `body is not valid JSON: ${(error as Error).message}`);
  }
  const tenant = findTenant(req, body, deps.tenants);
  if (!tenant) return rejected(404, 'unknown_tenant', 'no tenant matches this URL or inbox');
  const denied = authenticate(req, tenant, deps);
  if (denied) return denied;

  const event = str(body.event) ?? '';
  const now = deps.now?.() ?? Date.now();
  try {
    await deps.outbound.ready();
    if (req.deliveryId) {
      const key = `${deps.config.redisPrefix}:cw:delivery:${tenant.id}:${req.deliveryId}`;
      if ((await deps.redis.set(key, '1', 'EX', DELIVERY_TTL_S, 'NX')) === null)
        return { kind: 'accepted', jobId: '', duplicate: true, tenant: tenant.id };
    }
    const inboxId = num(rec(body.inbox).id) ?? num(body.inbox_id) ?? num(rec(body.conversation).inbox_id);
    if (inboxId !== tenant.chatwoot.inboxId)
      return { kind: 'ignored', reason: 'inbox_not_mapped', tenant: tenant.id };

    if (event === 'message_created' || event === 'message_updated') {
      const reason = skipReason(body, event);
      if (reason) return { kind: 'ignored', reason, tenant: tenant.id };
      const chatId = chatIdOf(rec(body.conversation));
      if (!chatId) return { kind: 'ignored', reason: 'no_whatsapp_chat', tenant: tenant.id };
      const resend = event === 'message_updated';
      const job = sendJob(body, tenant, chatId, now, resend);
      if (job?.kind !== 'send')
        return rejected(400, 'invalid_payload', 'message id or conversation id missing');
      const jobId = outboundSendJobId(
        tenant.id,
        job.chatwootMessageId,
        resend ? (req.deliveryId ?? randomUUID()) : undefined,
      );
      const result = await deps.outbound.enqueue(job, jobId);
      return { kind: 'accepted', jobId, duplicate: result.duplicate, tenant: tenant.id };
    }
    if (event === 'conversation_status_changed') {
      const chatId = chatIdOf(body);
      const conversationId = num(body.id);
      const status = str(body.status);
      if (!chatId || conversationId === null || !status)
        return { kind: 'ignored', reason: 'no_whatsapp_chat', tenant: tenant.id };
      const jobId = outboundEventJobId(
        'cstatus',
        tenant.id,
        `${conversationId}-${req.deliveryId ?? randomUUID()}`,
      );
      const job: OutboundJobInput = {
        kind: 'conversation_status',
        tenant: tenant.id,
        chatId,
        conversationId,
        status,
      };
      const result = await deps.outbound.enqueue(job, jobId);
      return { kind: 'accepted', jobId, duplicate: result.duplicate, tenant: tenant.id };
    }
    return { kind: 'ignored', reason: `event:${event || 'none'}`, tenant: tenant.id };
  } catch (error) {
    return { kind: 'unavailable', message: `could not store the event: ${(error as Error).message}` };
  }
}
