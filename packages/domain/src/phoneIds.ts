/**
 * WhatsApp id helpers: phone numbers, chat ids and serialized message ids (see `shared/reference/waha.md` §2.1, §8).
 *
 * Pure functions, no I/O.
 */

/** The kinds of chat a WhatsApp chat id can address. */
export const CHAT_KINDS = ['user', 'lid', 'group', 'newsletter', 'broadcast', 'status'] as const;

/** One of {@link CHAT_KINDS}. */
export type ChatKind = (typeof CHAT_KINDS)[number];

/** The parts of a serialized message id `{fromMe}_{chatId}_{rawId}[_{participant}]`. */
export interface SerializedMessageId {
  fromMe: boolean;
  /** Normalised chat id (`…@c.us`, `…@lid`, `…@g.us`, …). */
  chatId: string;
  /** The bare id, e.g. `3EB0…` or 32 hex characters. */
  rawId: string;
  /** Normalised group sender, or null when the id has no fourth part. */
  participant: string | null;
}

const E164_PATTERN = /^\+[1-9]\d{6,14}$/;
const PHONE_SERVERS = new Set(['c.us', 's.whatsapp.net']);
// Characters people put in phone numbers that carry no meaning.
const PHONE_FORMATTING = /[\s\-().]/g;

function splitJid(id: string): { user: string; server: string | null } {
  const at = id.lastIndexOf('@');
  if (at < 0) return { user: id, server: null };
  return { user: id.slice(0, at), server: id.slice(at + 1).toLowerCase() };
}

function stripDevice(user: string): string {
  const colon = user.indexOf(':');
  return colon < 0 ? user : user.slice(0, colon);
}

/**
 * Converts a phone number or phone JID to E.164 (`+31612345678`).
 *
 * Accepts digits with or without a leading `+` (spaces, dashes, dots and parentheses are ignored), `…@c.us`
 * and `…[:device]@s.whatsapp.net`. Returns null for anything else (`@lid`, `@g.us`, too short or too long,
 * leading zero), since the result must match `+[1-9]\d{6,14}`.
 */
export function toE164(digitsOrJid: string): string | null {
  if (typeof digitsOrJid !== 'string') return null;
  const { user, server } = splitJid(digitsOrJid.trim());
  if (server !== null && !PHONE_SERVERS.has(server)) return null;
  const bare = stripDevice(user).replace(PHONE_FORMATTING, '');
  const candidate = bare.startsWith('+') ? bare : `+${bare}`;
  return E164_PATTERN.test(candidate) ? candidate : null;
}

/**
 * Normalises a chat or participant id: trims it, lower-cases the server part, maps `@s.whatsapp.net` to
 * `@c.us` and strips a device suffix (`316…:12@s.whatsapp.net` → `316…@c.us`, also on `@lid`).
 * Other ids (groups, newsletters, broadcasts) are returned trimmed with a lower-case server.
 */
export function normalizeChatId(id: string): string {
  const { user, server } = splitJid(id.trim());
  if (server === null) return user;
  if (server === 's.whatsapp.net' || server === 'c.us') return `${stripDevice(user)}@c.us`;
  if (server === 'lid') return `${stripDevice(user)}@lid`;
  return `${user}@${server}`;
}

/**
 * Classifies a chat id, or returns null when its server part is not one WhatsApp uses.
 * Bare digits (no `@`) count as a `user`.
 */
export function parseChatKind(chatId: string): ChatKind | null {
  const normalized = normalizeChatId(chatId);
  const { user, server } = splitJid(normalized);
  if (user === '') return null;
  switch (server) {
    case null:
      return /^\d+$/.test(user) ? 'user' : null;
    case 'c.us':
      return 'user';
    case 'lid':
      return 'lid';
    case 'g.us':
      return 'group';
    case 'newsletter':
      return 'newsletter';
    case 'broadcast':
      return user === 'status' ? 'status' : 'broadcast';
    default:
      return null;
  }
}

/**
 * Classifies a chat id: `@c.us`/`@s.whatsapp.net` → `user`, `@lid` → `lid`, `@g.us` → `group`,
 * `@newsletter` → `newsletter`, `status@broadcast` → `status`, other `@broadcast` → `broadcast`.
 * Unknown servers fall back to `user`; use {@link parseChatKind} to detect them.
 */
export function chatKind(chatId: string): ChatKind {
  return parseChatKind(chatId) ?? 'user';
}

/** E.164 phone of a `@c.us` (or `@s.whatsapp.net`) chat id; null for every other kind. */
export function phoneFromChatId(chatId: string): string | null {
  const { server } = splitJid(chatId.trim());
  if (server === null || !PHONE_SERVERS.has(server)) return null;
  return toE164(chatId);
}

/**
 * Parses a serialized message id `{fromMe}_{chatId}_{rawId}[_{participant}]`, e.g.
 * `false_1203…@g.us_C3D4…_2000…@lid`. Returns null when the id does not have that shape.
 */
export function parseSerializedMessageId(id: string): SerializedMessageId | null {
  if (typeof id !== 'string') return null;
  const parts = id.trim().split('_');
  if (parts.length < 3 || parts.length > 4) return null;
  const [fromMeText, chatId, rawId, participant] = parts;
  if (fromMeText !== 'true' && fromMeText !== 'false') return null;
  if (!chatId?.includes('@') || !rawId) return null;
  if (participant !== undefined && !participant.includes('@')) return null;
  return {
    fromMe: fromMeText === 'true',
    chatId: normalizeChatId(chatId),
    rawId,
    participant: participant === undefined ? null : normalizeChatId(participant),
  };
}

/** Builds a serialized message id from its parts (the inverse of {@link parseSerializedMessageId}). */
export function serializeMessageId(parts: {
  fromMe: boolean;
  chatId: string;
  rawId: string;
  participant?: string | null;
}): string {
  const base = `${parts.fromMe}_${parts.chatId}_${parts.rawId}`;
  return parts.participant ? `${base}_${parts.participant}` : base;
}
