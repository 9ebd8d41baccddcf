/** One failed job copied to the dead-letter queue. See `deadLetter.ts`. */
export interface DeadLetterEntry {
  /** `${sourceQueue}-${sourceJobId}`: the same failure is copied once, and a replay that fails again comes back here. */
  id: string;
  sourceQueue: string;
  /**
   * Id of the original job. When `replays > 0` the job that failed last is `${sourceJobId}-r${replays}` on the
   * replay target queue.
   */
  sourceJobId: string;
  jobName: string;
  /** The job data as it was when the job failed (it never contains secrets). */
  payload: unknown;
  attemptsMade: number;
  errorClass: string;
  lastError: string;
  stack: string | null;
  /** Epoch ms. BullMQ does not record when an earlier attempt failed: for a first failure this is `lastFailedAt`. */
  firstFailedAt: number;
  lastFailedAt: number;
  tenant: string | null;
  chatId: string | null;
  messageId: string | null;
  /** Later messages of the same chat were processed after this one was given up. */
  overtaken: boolean;
  /** How many times it was replayed. */
  replays: number;
}

export interface DeadLetterFilter {
  tenant?: string;
  /** Only entries of one of these tenants (a tenant-scoped dashboard user); `[]` matches nothing. */
  tenants?: readonly string[];
  /** A chat id (`4915112345678@c.us`) or phone digits / E.164 (`+49 151 1234-5678`): chats containing the digits. */
  chat?: string;
  errorClass?: string;
  /** `lastFailedAt` range, epoch ms, both ends included. */
  from?: number;
  to?: number;
  /** Substring (case-insensitive) of the entry id, the job id, the WhatsApp message id or any `…id` in the payload. */
  search?: string;
}

const MAX_DEPTH = 4;

/** Scalar values whose key ends in `id` (`rawId`, `messageId`, `chatwootMessageId`, `id`, …), a few levels deep. */
function payloadIds(value: unknown, depth = 0, out: string[] = []): string[] {
  if (depth > MAX_DEPTH || value === null || typeof value !== 'object') return out;
  for (const [key, inner] of Object.entries(value)) {
    if ((typeof inner === 'string' || typeof inner === 'number') && /id$/i.test(key)) out.push(String(inner));
    else if (typeof inner === 'object') payloadIds(inner, depth + 1, out);
  }
  return out;
}

function phoneAlt(payload: unknown): string | null {
  if (payload === null || typeof payload !== 'object') return null;
  const message = (payload as { message?: unknown }).message;
  if (message === null || typeof message !== 'object') return null;
  const alt = (message as { phoneAlt?: unknown }).phoneAlt;
  return typeof alt === 'string' ? alt : null;
}

function matchesChat(entry: DeadLetterEntry, chat: string): boolean {
  const wanted = chat.trim().toLowerCase();
  if (wanted === '') return true;
  const chatId = entry.chatId?.toLowerCase() ?? '';
  if (wanted.includes('@')) return chatId === wanted;
  const digits = wanted.replace(/\D/g, '');
  if (digits === '') return chatId.includes(wanted);
  // A LID chat carries the phone number beside the chat id.
  return chatId.includes(digits) || (phoneAlt(entry.payload)?.replace(/\D/g, '').includes(digits) ?? false);
}

function matchesSearch(entry: DeadLetterEntry, search: string): boolean {
  const wanted = search.trim().toLowerCase();
  if (wanted === '') return true;
  const haystack = [entry.id, entry.sourceJobId, entry.messageId ?? '', ...payloadIds(entry.payload)];
  return haystack.some((value) => value.toLowerCase().includes(wanted));
}

/** Whether an entry passes every criterion of the filter (an empty filter passes everything). */
export function matchesDeadLetterFilter(entry: DeadLetterEntry, filter: DeadLetterFilter = {}): boolean {
  if (filter.tenant !== undefined && entry.tenant !== filter.tenant) return false;
  if (filter.tenants !== undefined && (entry.tenant === null || !filter.tenants.includes(entry.tenant)))
    return false;
  if (filter.errorClass !== undefined && entry.errorClass !== filter.errorClass) return false;
  if (filter.from !== undefined && entry.lastFailedAt < filter.from) return false;
  if (filter.to !== undefined && entry.lastFailedAt > filter.to) return false;
  if (filter.chat !== undefined && !matchesChat(entry, filter.chat)) return false;
  if (filter.search !== undefined && !matchesSearch(entry, filter.search)) return false;
  return true;
}

/** Whether the filter has at least one criterion. */
export function isEmptyDeadLetterFilter(filter: DeadLetterFilter): boolean {
  return Object.values(filter).every((value) => value === undefined);
}

const UNIT_MS = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 } as const;

/**
 * A time bound as the CLI and the API take it: an ISO date (`2025-01-31`, `2025-01-31T10:00:00Z`), epoch ms, or a
 * duration back from `now` (`90s`, `30m`, `2h`, `7d`, `1w`). Returns epoch ms, or null when it is none of these.
 */
export function parseTimeBound(text: string, now: number = Date.now()): number | null {
  const value = text.trim();
  const duration = /^(\d+(?:\.\d+)?)\s*([smhdw])$/i.exec(value);
  if (duration) {
    const unit = duration[2]!.toLowerCase() as keyof typeof UNIT_MS;
    return now - Math.round(Number(duration[1]) * UNIT_MS[unit]);
  }
  if (/^\d{10,}$/.test(value)) return Number(value);
  if (!/^\d{4}-\d{2}-\d{2}/.test(value)) return null;
  const parsed = Date.parse(value);
  return Number.isNaN(parsed) ? null : parsed;
}
