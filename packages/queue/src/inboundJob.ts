import type { InboundMessage } from '@relay/domain';
import { z } from 'zod';

/** Job name of a WhatsApp message to mirror into Chatwoot. */
export const INBOUND_MESSAGE_JOB = 'waha.message';

const chatKinds = ['user', 'lid', 'group', 'newsletter', 'broadcast', 'status'] as const;

const inboundMessageSchema = z.object({
  messageId: z.string().min(1),
  rawId: z.string().min(1),
  chatId: z.string().min(1),
  chatKind: z.enum(chatKinds),
  phoneAlt: z.string().nullable(),
  fromMe: z.boolean(),
  source: z.enum(['app', 'api']),
  timestamp: z.number(),
  body: z.string().nullable(),
  senderName: z.string().nullable(),
  participant: z.string().nullable(),
  participantPhone: z.string().nullable(),
  media: z
    .object({ url: z.string(), mimetype: z.string().nullable(), filename: z.string().nullable() })
    .nullable(),
  mediaState: z.enum(['none', 'available', 'not_downloaded', 'error']),
  replyToId: z.string().nullable(),
  location: z
    .object({
      latitude: z.number(),
      longitude: z.number(),
      name: z.string().optional(),
      address: z.string().optional(),
    })
    .nullable(),
  vCards: z.array(z.string()).nullable(),
  engine: z.string().nullable(),
}) satisfies z.ZodType<InboundMessage>;

export const inboundJobSchema = z.object({
  tenant: z.string().min(1),
  eventId: z.string().min(1),
  event: z.string().min(1),
  acceptedAt: z.number(),
  message: inboundMessageSchema,
  /**
   * Transient failures retried so far. Kept in the job data because retries that keep the job at the head of
   * its partition consume no BullMQ attempt. Contact and conversation ids are checkpointed in the chat cache.
   */
  retries: z.number().int().min(0).default(0),
});

export type InboundJobData = z.infer<typeof inboundJobSchema>;

/** BullMQ job id of a message: one job per WhatsApp message per tenant, whichever event or redelivery carried it. */
export function inboundJobId(tenant: string, rawId: string): string {
  return `msg-${tenant}-${rawId.replace(/[^A-Za-z0-9_-]/g, '_')}`;
}
