import {
  desiredLabels,
  emptyAccumulator,
  foldEvents,
  type LeadAccumulator,
  type LeadEvent,
  type LeadRules,
} from '@relay/lead-rules';

/** Recent events kept per contact; older ones are folded into `base` (a later event older than that is dropped). */
export const MAX_EVENTS = 200;

/** What Redis keeps per contact (JSON). The score is always `fold(base, events)`, never patched in place. */
export interface LeadState {
  /** Fold of the events compacted out of `events`. */
  base: LeadAccumulator;
  /** Recent events, in timestamp order. */
  events: LeadEvent[];
  /** `fold(base, events)`: what Chatwoot should show. */
  acc: LeadAccumulator;
  /** Labels last handed to the label writer, and for which conversation. */
  published: { conversationId: number; labels: string[] } | null;
}

/** A contact with no messages yet. */
export function emptyLeadState(): LeadState {
  return { base: emptyAccumulator(), events: [], acc: emptyAccumulator(), published: null };
}

/** What one message changes: the next state and the label changes to apply to its conversation. */
export interface LeadStep {
  /** `duplicate`: seen before; `late`: older than the compacted history; `applied`: folded in. */
  outcome: 'applied' | 'duplicate' | 'late';
  state: LeadState;
  labelChanges: { add: string[]; remove: string[] };
  /** Thresholds (with routing) whose crossing count went up, with the new count. */
  newCrossings: Array<{ threshold: string; crossing: number }>;
}

/**
 * Applies one message to a contact's lead state. Pure. The event is inserted by timestamp and the score re-folded,
 * so a late event lands where it belongs and a replayed one (same id) changes nothing.
 */
export function applyMessage(
  rules: LeadRules,
  state: LeadState,
  event: LeadEvent,
  conversationId: number,
): LeadStep {
  const unchanged = { state, labelChanges: { add: [], remove: [] }, newCrossings: [] };
  if (state.events.some((seen) => seen.id === event.id)) return { outcome: 'duplicate', ...unchanged };
  if (state.base.lastAt !== null && event.at < state.base.lastAt) return { outcome: 'late', ...unchanged };

  let events = [...state.events, event];
  let base = state.base;
  const acc = foldEvents(rules, events, base);
  events = [...events].sort((a, b) => a.at - b.at || (a.id < b.id ? -1 : 1));
  if (events.length > MAX_EVENTS) {
    const old = events.slice(0, events.length - MAX_EVENTS);
    base = foldEvents(rules, old, base);
    events = events.slice(old.length);
  }

  const desired = desiredLabels(rules, acc);
  const before = state.published?.conversationId === conversationId ? state.published.labels : [];
  const add = desired.filter((label) => !before.includes(label));
  const remove = before.filter((label) => !desired.includes(label));

  const newCrossings = rules.thresholds
    .filter((t) => t.assign !== undefined || t.status !== undefined)
    .filter((t) => (acc.crossings[t.name] ?? 0) > (state.acc.crossings[t.name] ?? 0))
    .map((t) => ({ threshold: t.name, crossing: acc.crossings[t.name] ?? 0 }));

  return {
    outcome: 'applied',
    state: { base, events, acc, published: { conversationId, labels: desired } },
    labelChanges: { add, remove },
    newCrossings,
  };
}
