import { z } from 'zod';

/** Scores one mirrored message (updates the contact's lead state; enqueues the writes below). */
export const QUALIFY_SCORE_JOB = 'qualification.score';
/** Writes `lead_score` and `last_interaction` of one contact (coalesced per contact). */
export const QUALIFY_ATTRIBUTES_JOB = 'qualification.attributes';
/** Applies pending label changes to one conversation (coalesced, serialized per conversation). */
export const QUALIFY_LABELS_JOB = 'qualification.labels';
/** Assigns / changes the status of a conversation once per threshold crossing. */
export const QUALIFY_ROUTE_JOB = 'qualification.route';

/** Every qualification job name; dead-letter entries with these names are qualification failures. */
export const QUALIFICATION_JOBS = [
  QUALIFY_SCORE_JOB,
  QUALIFY_ATTRIBUTES_JOB,
  QUALIFY_LABELS_JOB,
  QUALIFY_ROUTE_JOB,
] as const;

/** The qualification queue of a tenant (per tenant, like the inbound partitions, for budget isolation). */
export function qualificationQueueName(tenant: string): string {
  return `qualify-${tenant}`;
}

/** True for a qualification queue name. */
export function isQualificationQueue(name: string): boolean {
  return name.startsWith('qualify-');
}

const safe = (value: string) => value.replace(/[^A-Za-z0-9_-]/g, '_');

/**
 * Score job of a message that reached Chatwoot. `message.chatId` / `message.messageId` have the inbound job's
 * names, so dead-letter entries show the chat and message.
 */
export const qualifyScoreSchema = z.object({
  tenant: z.string().min(1),
  contactId: z.number().int().positive(),
  conversationId: z.number().int().positive(),
  message: z.object({
    chatId: z.string().min(1),
    messageId: z.string().min(1),
    rawId: z.string().min(1),
    /** WhatsApp timestamp, unix seconds. */
    timestamp: z.number(),
    text: z.string().nullable(),
  }),
});
export type QualifyScoreData = z.infer<typeof qualifyScoreSchema>;

/** Job id of a message's score job: one per message, whatever retried or replayed the inbound job. */
export function qualifyScoreJobId(tenant: string, rawId: string): string {
  return `qual-${safe(tenant)}-${safe(rawId)}`;
}

/** Attribute write of one contact; reads the latest state when it runs. */
export const qualifyAttributesSchema = z.object({
  tenant: z.string().min(1),
  contactId: z.number().int().positive(),
});
export type QualifyAttributesData = z.infer<typeof qualifyAttributesSchema>;

/** Label write of one conversation; applies every pending label change when it runs. */
export const qualifyLabelsSchema = z.object({
  tenant: z.string().min(1),
  conversationId: z.number().int().positive(),
});
export type QualifyLabelsData = z.infer<typeof qualifyLabelsSchema>;

/** Routing of the `crossing`-th crossing of `threshold` by a contact, in one conversation. */
export const qualifyRouteSchema = z.object({
  tenant: z.string().min(1),
  contactId: z.number().int().positive(),
  conversationId: z.number().int().positive(),
  threshold: z.string().min(1),
  crossing: z.number().int().positive(),
});
export type QualifyRouteData = z.infer<typeof qualifyRouteSchema>;

/** Job id (and marker key part) of one crossing's routing. */
export function qualifyRouteJobId(data: Omit<QualifyRouteData, 'conversationId'>): string {
  return `route-${safe(data.tenant)}-${data.contactId}-${safe(data.threshold)}-${data.crossing}`;
}
