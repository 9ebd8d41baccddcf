import { isChatwootError } from '@relay/chatwoot-client';
import { type LeadRules, leadScore, matchRules, normalizeLabel } from '@relay/lead-rules';
import type { Logger } from '@relay/observability';
import {
  type QualifyAttributesData,
  type QualifyLabelsData,
  type QualifyRouteData,
  type QualifyScoreData,
  qualifyRouteJobId,
} from '@relay/queue';
import type { Redis } from 'ioredis';
import { withRedisLock } from '../redisLock.js';
import { PermanentJobError } from '../retryPolicy.js';
import type { TenantRuntime } from '../tenantRuntime.js';
import { applyMessage } from './leadState.js';
import type { QualificationMetrics } from './metrics.js';
import type { LabelOp, QualificationStore } from './store.js';

/** Follow-up jobs a score job asks for (added by the worker with coalescing options). */
export interface FollowUps {
  attributes(data: QualifyAttributesData): Promise<void>;
  labels(data: QualifyLabelsData): Promise<void>;
  route(data: QualifyRouteData): Promise<void>;
}

export interface QualificationDeps {
  redis: Redis;
  store: QualificationStore;
  tenant: TenantRuntime;
  rules: LeadRules;
  logger: Logger;
  metrics: QualificationMetrics;
  followUps: FollowUps;
}

/** Short locks: a holder that dies blocks the contact or conversation for at most `ttlMs`. */
const LOCK = { ttlMs: 30_000, waitMs: 35_000 };

/** Outcome of a qualification job, for logs and `relay_jobs_total`. */
export type QualificationOutcome = 'applied' | 'duplicate' | 'late' | 'written' | 'unchanged' | 'skipped';

/**
 * Folds a mirrored message into its contact's lead state (serialized per contact), then asks for the writes the
 * state needs. The follow-ups are asked for again on a duplicate, so a crash between saving and enqueueing loses
 * nothing; they cost no Chatwoot call when there is nothing to write.
 */
export async function handleScore(
  data: QualifyScoreData,
  deps: QualificationDeps,
): Promise<QualificationOutcome> {
  const { store, rules } = deps;
  const { tenant, contactId, conversationId, message } = data;
  const event = { id: message.rawId, at: message.timestamp, ruleIds: matchRules(rules, message.text) };
  const step = await withRedisLock(deps.redis, store.contactLockKey(tenant, contactId), LOCK, async () => {
    const next = applyMessage(rules, await store.loadState(tenant, contactId), event, conversationId);
    if (next.outcome === 'applied') {
      await store.saveState(tenant, contactId, next.state, {
        conversationId,
        ...next.labelChanges,
        at: event.at,
      });
    }
    return next;
  });
  await deps.followUps.attributes({ tenant, contactId });
  await deps.followUps.labels({ tenant, conversationId });
  const crossings = step.state.acc.crossings;
  for (const threshold of rules.thresholds) {
    const crossing = crossings[threshold.name] ?? 0;
    if (crossing === 0 || (threshold.assign === undefined && threshold.status === undefined)) continue;
    if (!step.state.acc.above.includes(threshold.name)) continue;
    await deps.followUps.route({ tenant, contactId, conversationId, threshold: threshold.name, crossing });
  }
  return step.outcome;
}

/** Writes `lead_score` and `last_interaction` (merged by Chatwoot into custom_attributes) unless unchanged. */
export async function handleAttributes(
  data: QualifyAttributesData,
  deps: QualificationDeps,
  signal?: AbortSignal,
): Promise<QualificationOutcome> {
  const { store } = deps;
  const { tenant, contactId } = data;
  return withRedisLock(deps.redis, store.attributesLockKey(tenant, contactId), LOCK, async () => {
    const { acc } = await store.loadState(tenant, contactId);
    if (acc.lastAt === null) return 'skipped';
    const next = { lead_score: leadScore(acc), last_interaction: new Date(acc.lastAt * 1000).toISOString() };
    const written = await store.writtenAttributes(tenant, contactId);
    if (written?.lead_score === next.lead_score && written.last_interaction === next.last_interaction)
      return 'unchanged';
    await deps.tenant.chatwoot.updateContact(contactId, { custom_attributes: next }, { signal });
    await store.setWrittenAttributes(tenant, contactId, next);
    return 'written';
  });
}

/**
 * Applies the pending label changes of a conversation: read its labels, merge, write the whole set (Chatwoot's POST
 * replaces it). Serialized per conversation by a Redis lock, so concurrent jobs never lose each other's labels.
 * A 404 (conversation gone, or the seed doc's unknown-label answer) is logged, counted and skipped.
 */
export async function handleLabels(
  data: QualifyLabelsData,
  deps: QualificationDeps,
  signal?: AbortSignal,
): Promise<QualificationOutcome> {
  const { store, tenant } = deps;
  const { conversationId } = data;
  return withRedisLock(deps.redis, store.labelsLockKey(data.tenant, conversationId), LOCK, async () => {
    const pending = await store.pendingLabels(data.tenant, conversationId);
    if (pending.size === 0) return 'unchanged';
    try {
      const current = await tenant.chatwoot.listConversationLabels(conversationId, { signal });
      const merged = mergeLabels(current, pending);
      if (!sameSet(merged, current)) {
        await tenant.chatwoot.setConversationLabels(conversationId, merged, { signal });
      }
      await store.clearLabels(data.tenant, conversationId, pending);
      return sameSet(merged, current) ? 'unchanged' : 'written';
    } catch (error) {
      if (!(isChatwootError(error) && error.kind === 'not_found')) throw error;
      deps.metrics.labelSkips.inc({ tenant: data.tenant, reason: 'not_found' });
      deps.logger.warn(
        { conversationId, labels: [...pending.keys()], endpoint: error.endpoint },
        'Chatwoot answered 404 to a label change; skipped',
      );
      await store.clearLabels(data.tenant, conversationId, pending);
      return 'skipped';
    }
  });
}

/** Current labels (normalised) plus pending adds, minus pending removes; sorted. Pure. */
export function mergeLabels(current: readonly string[], pending: ReadonlyMap<string, LabelOp>): string[] {
  const labels = new Set(current.map(normalizeLabel).filter((label) => label !== ''));
  for (const [label, { op }] of pending) {
    if (op === 'add') labels.add(label);
    else labels.delete(label);
  }
  return [...labels].sort();
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  const left = new Set(a);
  const right = new Set(b.map(normalizeLabel));
  return left.size === right.size && [...left].every((label) => right.has(label));
}

/**
 * Assignment and status change of one threshold crossing, each done once: a marker per action is set after it
 * succeeded, so a retry or a dead-letter replay skips what was done. Chatwoot answers an unknown assignee by
 * silently unassigning (`null`): that is a permanent failure, not a success.
 */
export async function handleRoute(
  data: QualifyRouteData,
  deps: QualificationDeps,
  signal?: AbortSignal,
): Promise<QualificationOutcome> {
  const threshold = deps.rules.thresholds.find((t) => t.name === data.threshold);
  if (!threshold) return 'skipped';
  const routeId = qualifyRouteJobId(data);
  const { store, tenant } = deps;
  let done: QualificationOutcome = 'unchanged';
  if (threshold.assign && !(await store.routed(data.tenant, routeId, 'assign'))) {
    const input =
      threshold.assign.agentId !== undefined
        ? { assignee_id: threshold.assign.agentId }
        : { team_id: threshold.assign.teamId };
    const answer = await tenant.chatwoot.assignConversation(data.conversationId, input, { signal });
    if (answer === null || answer === undefined) {
      throw new PermanentJobError(
        'unknown_assignee',
        `Chatwoot did not know ${JSON.stringify(input)} and unassigned conversation ${data.conversationId}`,
      );
    }
    await store.markRouted(data.tenant, routeId, 'assign');
    deps.metrics.routed.inc({ tenant: data.tenant, action: 'assign' });
    done = 'written';
  }
  if (threshold.status && !(await store.routed(data.tenant, routeId, 'status'))) {
    await tenant.chatwoot.toggleStatus(data.conversationId, { status: threshold.status }, { signal });
    await store.markRouted(data.tenant, routeId, 'status');
    deps.metrics.routed.inc({ tenant: data.tenant, action: 'status' });
    done = 'written';
  }
  return done;
}
