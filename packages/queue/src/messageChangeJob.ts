import type { MessageChange } from '@relay/domain';
import type { Redis } from 'ioredis';
import { z } from 'zod';

/** Job name of a WhatsApp edit, delete or reaction to mirror into Chatwoot (on the chat's inbound partition). */
export const MESSAGE_CHANGE_JOB = 'waha.message_change';

const chatKinds = ['user', 'lid', 'group', 'newsletter', 'broadcast', 'status'] as const;

const messageChangeSchema = z.object({
  kind: z.enum(['edit', 'revoke', 'reaction']),
  chatId: z.string().min(1),
  chatKind: z.enum(chatKinds),
  originalRawId: z.string().min(1),
  changeRawId: z.string().min(1).nullable(),
  text: z.string().nullable(),
  fromMe: z.boolean(),
  timestamp: z.number(),
}) satisfies z.ZodType<MessageChange>;

export const messageChangeJobSchema = z.object({
  tenant: z.string().min(1),
  eventId: z.string().min(1),
  event: z.string().min(1),
  acceptedAt: z.number(),
  /** Top level so the dead-letter queue and replays find the chat as for messages. */
  chatId: z.string().min(1),
  change: messageChangeSchema,
  retries: z.number().int().min(0).default(0),
});

export type MessageChangeJobData = z.infer<typeof messageChangeJobSchema>;

const safe = (text: string) => text.replace(/[^A-Za-z0-9_-]/g, '_');

/**
 * The change's own identity, used for its job id, its ledger key and its Chatwoot `source_id`:
 * edit = original + the edit's message id (or timestamp), delete = original, reaction = reaction id + emoji.
 */
export function messageChangeKey(change: MessageChange): string {
  switch (change.kind) {
    case 'edit':
      return `edit:${change.originalRawId}:${change.changeRawId ?? change.timestamp}`;
    case 'revoke':
      return `delete:${change.originalRawId}`;
    case 'reaction':
      return `reaction:${change.changeRawId ?? `${change.originalRawId}-${change.timestamp}`}:${change.text ?? ''}`;
  }
}

/** BullMQ job id of a change: redeliveries of the same webhook land on the same job. */
export function messageChangeJobId(tenant: string, change: MessageChange): string {
  // Emoji are not safe in ids: hex them so two different reactions never collide.
  const key = messageChangeKey(change).replace(/[^\x20-\x7e]/gu, (c) => `u${c.codePointAt(0)?.toString(16)}`);
  return `chg-${tenant}-${safe(key)}`;
}

const PARK_TTL_S = 30 * 86_400;

/** Changes waiting for their original message to be mirrored, stored per original raw id. */
export interface ParkedChanges {
  park(tenant: string, originalRawId: string, data: MessageChangeJobData): Promise<void>;
  list(tenant: string, originalRawId: string): Promise<Array<{ field: string; data: unknown }>>;
  remove(tenant: string, originalRawId: string, fields: string[]): Promise<void>;
}

export function createParkedChanges(redis: Redis, prefix: string): ParkedChanges {
  const key = (tenant: string, rawId: string) => `${prefix}:t:${tenant}:parked:${rawId}`;
  return {
    async park(tenant, originalRawId, data) {
      const k = key(tenant, originalRawId);
      await redis
        .multi()
        .hset(k, messageChangeKey(data.change), JSON.stringify({ ...data, retries: 0 }))
        .expire(k, PARK_TTL_S)
        .exec();
    },
    async list(tenant, originalRawId) {
      const all = await redis.hgetall(key(tenant, originalRawId));
      return Object.entries(all).map(([field, raw]) => {
        try {
          return { field, data: JSON.parse(raw) as unknown };
        } catch {
          return { field, data: null };
        }
      });
    },
    async remove(tenant, originalRawId, fields) {
      if (fields.length > 0) await redis.hdel(key(tenant, originalRawId), ...fields);
    },
  };
}
