import type { LeadRule, LeadRules } from './schema.js';

const DAY_S = 86_400;

/** One inbound message as the scorer sees it: its id, WhatsApp timestamp (unix seconds) and matched rules. */
export interface LeadEvent {
  id: string;
  /** Message timestamp, unix seconds. */
  at: number;
  /** Ids of the rules the message text matched ({@link matchRules}). */
  ruleIds: string[];
}

/** Everything the fold carries from one event to the next; JSON-safe so it can be stored. */
export interface LeadAccumulator {
  /** Unrounded score after the last event (decay is applied between events, never after the last one). */
  score: number;
  /** Timestamp of the last event folded in, null before the first. */
  lastAt: number | null;
  /** Events folded in. */
  count: number;
  /** How many messages each rule has scored (for `maxTimes`). */
  ruleCounts: Record<string, number>;
  /** Rule labels earned so far (they stay). */
  labels: string[];
  /** Thresholds the score is currently at or above. */
  above: string[];
  /** How many times each threshold was crossed from below. */
  crossings: Record<string, number>;
}

/** The accumulator of a contact with no messages yet. */
export function emptyAccumulator(): LeadAccumulator {
  return { score: 0, lastAt: null, count: 0, ruleCounts: {}, labels: [], above: [], crossings: {} };
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

const matchers = new WeakMap<LeadRule, RegExp[]>();

function matchersOf(rule: LeadRule): RegExp[] {
  let list = matchers.get(rule);
  if (!list) {
    list = [];
    if (rule.match !== undefined) list.push(new RegExp(rule.match, 'iu'));
    for (const keyword of rule.keywords ?? []) {
      const phrase = escapeRegExp(keyword.trim()).replace(/\s+/g, '\\s+');
      list.push(new RegExp(`(?<![\\p{L}\\p{N}])${phrase}(?![\\p{L}\\p{N}])`, 'iu'));
    }
    matchers.set(rule, list);
  }
  return list;
}

/** Ids of the rules a message text matches, in rule order. Pure. */
export function matchRules(rules: LeadRules, text: string | null): string[] {
  if (!text) return [];
  return rules.rules.filter((rule) => matchersOf(rule).some((re) => re.test(text))).map((rule) => rule.id);
}

/** Decay factor for `seconds` between two messages: 0.5^(days / halfLifeDays), 1 without decay. */
export function decayFactor(rules: LeadRules, seconds: number): number {
  const halfLife = rules.scoring.halfLifeDays;
  if (halfLife === undefined || seconds <= 0) return 1;
  return 0.5 ** (seconds / DAY_S / halfLife);
}

/**
 * Folds one event into the accumulator. Pure; the caller feeds events in timestamp order ({@link foldEvents}).
 * 1. Decay the previous score over the time since the last event.
 * 2. Points: matched rules (each at most `maxTimes` messages), + first-contact bonus on the first message,
 *    + returning bonus when `afterDays` have passed since the previous message; capped by `maxPointsPerMessage`.
 * 3. Clamp the score to [0, maxScore]; record thresholds crossed from below and the ones now above.
 */
export function foldEvent(rules: LeadRules, acc: LeadAccumulator, event: LeadEvent): LeadAccumulator {
  const gap = acc.lastAt === null ? 0 : event.at - acc.lastAt;
  const ruleCounts = { ...acc.ruleCounts };
  const labels = new Set(acc.labels);
  let points = 0;
  for (const rule of rules.rules) {
    if (!event.ruleIds.includes(rule.id)) continue;
    for (const label of rule.labels) labels.add(label);
    const used = ruleCounts[rule.id] ?? 0;
    if (rule.maxTimes !== undefined && used >= rule.maxTimes) continue;
    ruleCounts[rule.id] = used + 1;
    points += rule.points;
  }
  if (acc.lastAt === null) points += rules.bonuses.firstContact;
  const returning = rules.bonuses.returning;
  if (acc.lastAt !== null && returning && gap >= returning.afterDays * DAY_S) points += returning.points;
  if (rules.scoring.maxPointsPerMessage !== undefined)
    points = Math.min(points, rules.scoring.maxPointsPerMessage);

  const score = Math.min(rules.scoring.maxScore, Math.max(0, acc.score * decayFactor(rules, gap) + points));
  const crossings = { ...acc.crossings };
  const above: string[] = [];
  for (const threshold of rules.thresholds) {
    if (score < threshold.score) continue;
    above.push(threshold.name);
    if (!acc.above.includes(threshold.name)) crossings[threshold.name] = (crossings[threshold.name] ?? 0) + 1;
  }
  return {
    score,
    lastAt: event.at,
    count: acc.count + 1,
    ruleCounts,
    labels: [...labels].sort(),
    above,
    crossings,
  };
}

/** Timestamp order, ties broken by message id, so every process folds the same events the same way. */
export function byTimestamp(a: LeadEvent, b: LeadEvent): number {
  return a.at - b.at || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

/**
 * The lead state after `events`, whatever order they arrive in: sorted by timestamp, duplicates (same id)
 * counted once, folded from `start`. Pure: a late or replayed event yields exactly what in-order delivery would.
 */
export function foldEvents(
  rules: LeadRules,
  events: readonly LeadEvent[],
  start: LeadAccumulator = emptyAccumulator(),
): LeadAccumulator {
  const unique = new Map(events.map((event) => [event.id, event]));
  return [...unique.values()].sort(byTimestamp).reduce((acc, event) => foldEvent(rules, acc, event), start);
}

/** The integer `lead_score` written to Chatwoot. */
export function leadScore(acc: LeadAccumulator): number {
  return Math.round(acc.score);
}

/** Labels the conversation should carry: earned rule labels plus the labels of thresholds currently reached. */
export function desiredLabels(rules: LeadRules, acc: LeadAccumulator): string[] {
  const labels = new Set(acc.labels);
  for (const threshold of rules.thresholds)
    if (threshold.label && acc.above.includes(threshold.name)) labels.add(threshold.label);
  return [...labels].sort();
}

/** Labels managed by the rules (rule and threshold labels): the only ones qualification ever removes. */
export function thresholdLabels(rules: LeadRules): string[] {
  return rules.thresholds.flatMap((threshold) => (threshold.label ? [threshold.label] : []));
}
