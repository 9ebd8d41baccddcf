import type { Redis } from 'ioredis';
import { emptyLeadState, type LeadState } from './leadState.js';

/** Lead state outlives quiet spells: a contact back after months still gets its returning bonus. */
const STATE_TTL_S = 400 * 86_400;
/** Routing markers outlive any replay of a dead-letter entry (kept 30 days). */
const MARKER_TTL_S = 60 * 86_400;

/** A pending label change: `add` or `remove`, from the message with this timestamp. */
export interface LabelOp {
  op: 'add' | 'remove';
  at: number;
}

/** The contact attributes written to Chatwoot last. */
export interface WrittenAttributes {
  lead_score: number;
  last_interaction: string;
}

/** Deletes each field only if it still holds the value given (a newer change for the label stays pending). */
const DELETE_IF_UNCHANGED = `local n = 0
for i = 1, #ARGV, 2 do
  if redis.call('HGET', KEYS[1], ARGV[i]) == ARGV[i + 1] then n = n + redis.call('HDEL', KEYS[1], ARGV[i]) end
end
return n`;

/** Redis keys and reads/writes of lead qualification, one tenant at a time. */
export interface QualificationStore {
  contactLockKey(tenant: string, contactId: number): string;
  attributesLockKey(tenant: string, contactId: number): string;
  labelsLockKey(tenant: string, conversationId: number): string;
  loadState(tenant: string, contactId: number): Promise<LeadState>;
  /** Saves the state and queues label changes for a conversation in one transaction. */
  saveState(
    tenant: string,
    contactId: number,
    state: LeadState,
    labels: { conversationId: number; add: string[]; remove: string[]; at: number },
  ): Promise<void>;
  pendingLabels(tenant: string, conversationId: number): Promise<Map<string, LabelOp>>;
  /** Drops the given pending changes unless a newer one replaced them meanwhile. */
  clearLabels(tenant: string, conversationId: number, applied: Map<string, LabelOp>): Promise<void>;
  writtenAttributes(tenant: string, contactId: number): Promise<WrittenAttributes | null>;
  setWrittenAttributes(tenant: string, contactId: number, written: WrittenAttributes): Promise<void>;
  /** True when the routing action `name` of this crossing was done before. */
  routed(tenant: string, routeId: string, action: string): Promise<boolean>;
  markRouted(tenant: string, routeId: string, action: string): Promise<void>;
}

export function createQualificationStore(redis: Redis, prefix: string): QualificationStore {
  const base = (tenant: string) => `${prefix}:t:${tenant}:lead`;
  const stateKey = (tenant: string, contactId: number) => `${base(tenant)}:contact:${contactId}`;
  const labelsKey = (tenant: string, conversationId: number) => `${base(tenant)}:labels:${conversationId}`;
  const writtenKey = (tenant: string, contactId: number) => `${base(tenant)}:written:${contactId}`;
  const markerKey = (tenant: string, routeId: string, action: string) =>
    `${base(tenant)}:routed:${routeId}:${action}`;
  return {
    contactLockKey: (tenant, contactId) => `${base(tenant)}:lock:contact:${contactId}`,
    attributesLockKey: (tenant, contactId) => `${base(tenant)}:lock:attributes:${contactId}`,
    labelsLockKey: (tenant, conversationId) => `${base(tenant)}:lock:labels:${conversationId}`,

    async loadState(tenant, contactId) {
      const raw = await redis.get(stateKey(tenant, contactId));
      return raw === null ? emptyLeadState() : (JSON.parse(raw) as LeadState);
    },

    async saveState(tenant, contactId, state, labels) {
      const tx = redis.multi().set(stateKey(tenant, contactId), JSON.stringify(state), 'EX', STATE_TTL_S);
      const ops: Array<[string, string]> = [
        ...labels.add.map((label): [string, string] => [label, JSON.stringify({ op: 'add', at: labels.at })]),
        ...labels.remove.map((label): [string, string] => [
          label,
          JSON.stringify({ op: 'remove', at: labels.at }),
        ]),
      ];
      if (ops.length > 0) {
        const key = labelsKey(tenant, labels.conversationId);
        tx.hset(key, Object.fromEntries(ops)).expire(key, STATE_TTL_S);
      }
      await tx.exec();
    },

    async pendingLabels(tenant, conversationId) {
      const raw = await redis.hgetall(labelsKey(tenant, conversationId));
      return new Map(Object.entries(raw).map(([label, value]) => [label, JSON.parse(value) as LabelOp]));
    },

    async clearLabels(tenant, conversationId, applied) {
      if (applied.size === 0) return;
      const args = [...applied].flatMap(([label, op]) => [label, JSON.stringify(op)]);
      await redis.eval(DELETE_IF_UNCHANGED, 1, labelsKey(tenant, conversationId), ...args);
    },

    async writtenAttributes(tenant, contactId) {
      const raw = await redis.get(writtenKey(tenant, contactId));
      return raw === null ? null : (JSON.parse(raw) as WrittenAttributes);
    },

    async setWrittenAttributes(tenant, contactId, written) {
      await redis.set(writtenKey(tenant, contactId), JSON.stringify(written), 'EX', STATE_TTL_S);
    },

    async routed(tenant, routeId, action) {
      return (await redis.exists(markerKey(tenant, routeId, action))) === 1;
    },

    async markRouted(tenant, routeId, action) {
      await redis.set(markerKey(tenant, routeId, action), String(Date.now()), 'EX', MARKER_TTL_S);
    },
  };
}
