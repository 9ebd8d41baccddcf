import { createHash } from 'node:crypto';
import { z } from 'zod';
import { inboundJobSchema } from './inboundJob.js';

/**
 * Job names of the outbound queues (`outbound-<tenant>-p<n>`, one WhatsApp chat → one partition). Every job of
 * a chat runs there one at a time: agent replies, send-API messages, acks, the `message.any` echoes of our sends
 * (WhatsApp-side edits, deletes and reactions are not routed here yet).
 */
export const OUTBOUND_JOBS = {
  send: 'chatwoot.send',
  api: 'api.send',
  ack: 'waha.ack',
  echo: 'waha.echo',
  conversationStatus: 'chatwoot.conversation_status',
} as const;

const retries = z.number().int().min(0).default(0);

/** A Chatwoot attachment to forward: WAHA fetches `url` itself. */
export const outboundAttachmentSchema = z.object({
  /** Chatwoot `file_type`: image, audio, video, file, … */
  fileType: z.string().min(1),
  url: z.string().min(1),
  filename: z.string().nullable(),
  mimetype: z.string().nullable(),
});

/** An agent's (or agent bot's) Chatwoot message to deliver to WhatsApp. */
export const outboundSendSchema = z.object({
  kind: z.literal('send'),
  tenant: z.string().min(1),
  chatId: z.string().min(1),
  conversationId: z.number().int().positive(),
  chatwootMessageId: z.number().int().positive(),
  content: z.string().nullable(),
  attachments: z.array(outboundAttachmentSchema).default([]),
  /** Chatwoot id of the quoted message (`content_attributes.in_reply_to`). */
  inReplyTo: z.number().int().nullable().default(null),
  /** `content_attributes.in_reply_to_external_id`: the quoted message's `source_id` when Chatwoot filled it. */
  inReplyToExternalId: z.string().nullable().default(null),
  /** `markdown`: Chatwoot's editor (converted to WhatsApp formatting); `whatsapp`: sent as given (send API). */
  format: z.enum(['markdown', 'whatsapp']).default('markdown'),
  /** A `message_updated` retry of a message that failed: sent again only if it did fail. */
  resend: z.boolean().default(false),
  acceptedAt: z.number(),
  retries,
});

/** A message from the send API: contact + conversation upsert, outgoing message in Chatwoot, then WhatsApp. */
export const outboundApiSchema = z.object({
  kind: z.literal('api'),
  tenant: z.string().min(1),
  chatId: z.string().min(1),
  phone: z.string().nullable(),
  text: z.string(),
  attachments: z
    .array(
      z.object({ url: z.string().url(), filename: z.string().nullable(), mimetype: z.string().nullable() }),
    )
    .default([]),
  labels: z.array(z.string()).default([]),
  acceptedAt: z.number(),
  retries,
});

/** `message.ack` of one of our messages. */
export const outboundAckSchema = z.object({
  kind: z.literal('ack'),
  tenant: z.string().min(1),
  chatId: z.string().min(1),
  rawId: z.string().min(1),
  ack: z.number().int(),
  retries,
});

/** `message.any` with fromMe + source api: our own echo (skipped), or someone else's API send (mirrored). */
export const outboundEchoSchema = z.object({
  kind: z.literal('echo'),
  tenant: z.string().min(1),
  chatId: z.string().min(1),
  eventId: z.string().min(1),
  event: z.string().min(1),
  acceptedAt: z.number(),
  message: inboundJobSchema.shape.message,
  retries,
});

/** `conversation_status_changed`: keeps the chat cache in step with the agents. */
export const outboundConversationStatusSchema = z.object({
  kind: z.literal('conversation_status'),
  tenant: z.string().min(1),
  chatId: z.string().min(1),
  conversationId: z.number().int().positive(),
  status: z.string().min(1),
  retries,
});

/** Any outbound job. */
export const outboundJobSchema = z.discriminatedUnion('kind', [
  outboundSendSchema,
  outboundApiSchema,
  outboundAckSchema,
  outboundEchoSchema,
  outboundConversationStatusSchema,
]);

/** Data of an outbound job (after defaults). */
export type OutboundJobData = z.infer<typeof outboundJobSchema>;
/** Data of an outbound job as enqueued (defaults optional). */
export type OutboundJobInput = z.input<typeof outboundJobSchema>;
/** Data of one job kind (after defaults). */
export type OutboundSendData = z.infer<typeof outboundSendSchema>;
export type OutboundApiData = z.infer<typeof outboundApiSchema>;
export type OutboundAckData = z.infer<typeof outboundAckSchema>;
export type OutboundEchoData = z.infer<typeof outboundEchoSchema>;
export type OutboundConversationStatusData = z.infer<typeof outboundConversationStatusSchema>;

/** BullMQ job name of each kind. */
export const OUTBOUND_JOB_NAME: Record<OutboundJobData['kind'], string> = {
  send: OUTBOUND_JOBS.send,
  api: OUTBOUND_JOBS.api,
  ack: OUTBOUND_JOBS.ack,
  echo: OUTBOUND_JOBS.echo,
  conversation_status: OUTBOUND_JOBS.conversationStatus,
};

const safe = (value: string) => value.replace(/[^A-Za-z0-9_-]/g, '_');

/** Job id of a Chatwoot message's delivery: one job per message, whichever webhook (or redelivery) carried it. */
export function outboundSendJobId(tenant: string, chatwootMessageId: number, resendKey?: string): string {
  const base = `send-${safe(tenant)}-${chatwootMessageId}`;
  return resendKey === undefined ? base : `${base}-resend-${safe(resendKey)}`;
}

/** Job id of a send-API request: from its `Idempotency-Key` (hashed) when given. */
export function outboundApiJobId(tenant: string, idempotencyKey: string | null, random: string): string {
  if (idempotencyKey === null) return `api-${safe(tenant)}-${safe(random)}`;
  const digest = createHash('sha256').update(idempotencyKey).digest('hex').slice(0, 32);
  return `api-${safe(tenant)}-k${digest}`;
}

/** Job id of a WAHA event (ack, echo, edit…) from the id of what it is about. */
export function outboundEventJobId(kind: string, tenant: string, id: string): string {
  return `${kind}-${safe(tenant)}-${safe(id)}`;
}
