import type { ChatwootSimulator, SimRequest, WahaSimulator } from '@relay/testing';

/**
 * Every event of the chaos suite carries a token in its text: `c<chat>m<i>` (customer message i of a chat),
 * `c<chat>e<i>` (an edit of message i, mirrored as `✏️ Edited: …`), `c<chat>r<j>` (agent reply j, sent to WhatsApp).
 */
export const token = (chat: number, kind: 'm' | 'e' | 'r', index: number) => `c${chat}${kind}${index}`;
const TOKEN = /c(\d+)([mer])(\d+)/;
const WHOLE_TOKEN = /^c\d+[mer]\d+$/;

export interface DeadLetterSummary {
  /** The entry's id in the DLQ. */
  id: string;
  /** JSON of the dead-lettered job's data (tokens are found in it). */
  payload: string;
  errorClass: string;
  lastError: string;
}

/**
 * The token of a dead-lettered job: a string value of its data that is exactly a token (the message text, edit text
 * or reply content), never a token-like run inside an id or a hex hash.
 */
export function deadLetterToken(entry: Pick<DeadLetterSummary, 'payload'>): string | null {
  const pending: unknown[] = entry.payload ? [JSON.parse(entry.payload)] : [];
  while (pending.length > 0) {
    const value = pending.pop();
    if (typeof value === 'string' && WHOLE_TOKEN.test(value)) return value;
    if (value !== null && typeof value === 'object') pending.push(...Object.values(value));
  }
  return null;
}

export interface InvariantReport {
  acknowledged: number;
  delivered: number;
  lost: number;
  duplicated: number;
  outOfOrderChats: number;
  editsBeforeOriginal: number;
  deadLettered: number;
  deadLettersWithoutReason: number;
  /** Dead-lettered and yet delivered: a DLQ entry that tells the operator a delivered message failed. */
  deadLetteredAndDelivered: number;
  maxRequestsInWindow: number;
  budget: number;
  windowsOver: number;
  /** Samples for the failure message. */
  lostTokens: string[];
  duplicatedTokens: string[];
  /** Every dead-lettered token, sorted. */
  deadLetteredTokens: string[];
}

export interface InvariantInput {
  chatwoot: ChatwootSimulator;
  waha: WahaSimulator;
  /** Tokens whose webhook the ingress answered 2xx accepted/duplicate. */
  acknowledged: ReadonlySet<string>;
  deadLetters: DeadLetterSummary[];
  budget: { perWindow: number; windowMs: number; tokenHash: string };
  /** Requests the test itself made with the tenant's token (agents writing in Chatwoot), left out of the budget. */
  ownRequests?: ReadonlySet<SimRequest>;
}

/**
 * The requests arrive at the simulator a few ms after the limiter granted them; a window this much shorter than
 * the budget window absorbs that skew instead of reporting it as an overrun.
 */
const ARRIVAL_SKEW_MS = 50;

/** Checks the chaos invariants from the simulators' own logs, never from the relay's view of itself. */
export function checkInvariants(input: InvariantInput): InvariantReport {
  // 1. What arrived, in arrival order: Chatwoot messages (customer messages, edits) and WhatsApp sends (replies).
  const arrived: string[] = [];
  for (const message of input.chatwoot.allMessages(1)) {
    const match = TOKEN.exec(message.content ?? '');
    if (match && match[2] !== 'r') arrived.push(match[0]);
  }
  for (const send of input.waha.sends) {
    if (send.id === undefined) continue;
    const match = TOKEN.exec(send.text ?? '');
    if (match?.[2] === 'r') arrived.push(match[0]);
  }
  const counts = new Map<string, number>();
  for (const t of arrived) counts.set(t, (counts.get(t) ?? 0) + 1);

  // 2. Lost: acknowledged, not arrived, and not in the DLQ (undelivered and unaccounted for).
  //    Duplicated: arrived more than once. Dead-lettered and delivered: the DLQ claims a failure that did not happen.
  const deadTokens = new Set<string>();
  for (const entry of input.deadLetters) {
    const t = deadLetterToken(entry);
    if (t) deadTokens.add(t);
  }
  const lostTokens = [...input.acknowledged].filter((t) => !counts.has(t) && !deadTokens.has(t));
  const duplicatedTokens = [...counts].filter(([, n]) => n > 1).map(([t]) => t);

  // 3. Order per chat and kind: indices only grow; an edit never arrives before its original.
  const outOfOrder = new Set<number>();
  let editsBeforeOriginal = 0;
  const last = new Map<string, number>();
  const seen = new Set<string>();
  for (const t of arrived) {
    const [, chat, kind, index] = TOKEN.exec(t) as RegExpExecArray;
    if (kind === 'e') {
      if (!seen.has(`c${chat}m${index}`)) editsBeforeOriginal++;
    } else {
      const key = `${chat}${kind}`;
      if (Number(index) < (last.get(key) ?? -1)) outOfOrder.add(Number(chat));
      last.set(key, Math.max(Number(index), last.get(key) ?? -1));
    }
    seen.add(t);
  }

  // 4. Budget: a sliding window over the simulator's request log of this token.
  const times = input.chatwoot.requests
    .filter((r) => r.tokenHash === input.budget.tokenHash && !input.ownRequests?.has(r))
    .map((r) => r.at)
    .sort((a, b) => a - b);
  const window = input.budget.windowMs - ARRIVAL_SKEW_MS;
  let maxInWindow = 0;
  let windowsOver = 0;
  for (let end = 0, start = 0; end < times.length; end++) {
    while ((times[end] as number) - (times[start] as number) >= window) start++;
    const inWindow = end - start + 1;
    maxInWindow = Math.max(maxInWindow, inWindow);
    if (inWindow > input.budget.perWindow) windowsOver++;
  }

  return {
    acknowledged: input.acknowledged.size,
    delivered: counts.size,
    lost: lostTokens.length,
    duplicated: duplicatedTokens.length,
    outOfOrderChats: outOfOrder.size,
    editsBeforeOriginal,
    deadLettered: input.deadLetters.length,
    deadLettersWithoutReason: input.deadLetters.filter((d) => !d.errorClass || !d.lastError).length,
    deadLetteredAndDelivered: [...deadTokens].filter((t) => counts.has(t)).length,
    maxRequestsInWindow: maxInWindow,
    budget: input.budget.perWindow,
    windowsOver,
    lostTokens: lostTokens.slice(0, 10),
    duplicatedTokens: duplicatedTokens.slice(0, 10),
    deadLetteredTokens: [...deadTokens].sort(),
  };
}

/** Missing acknowledged tokens (for waiting until the relay has caught up). */
export function missing(
  input: Pick<InvariantInput, 'chatwoot' | 'waha' | 'acknowledged'>,
  dead: Set<string>,
) {
  const arrived = new Set<string>();
  for (const m of input.chatwoot.allMessages(1)) {
    const match = TOKEN.exec(m.content ?? '');
    if (match && match[2] !== 'r') arrived.add(match[0]);
  }
  for (const s of input.waha.sends) {
    const match = s.id === undefined ? null : TOKEN.exec(s.text ?? '');
    if (match?.[2] === 'r') arrived.add(match[0]);
  }
  return [...input.acknowledged].filter((t) => !arrived.has(t) && !dead.has(t));
}
