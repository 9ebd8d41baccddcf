import {
  DEALERSHIP_RULES_FILE,
  type LeadEvent,
  leadScore,
  loadLeadRulesFile,
  matchRules,
  parseLeadRules,
} from '@relay/lead-rules';
import { describe, expect, it } from 'vitest';
import { applyMessage, emptyLeadState, type LeadState, MAX_EVENTS } from './leadState.js';

const rules = loadLeadRulesFile(DEALERSHIP_RULES_FILE);
const event = (id: string, at: number, text: string): LeadEvent => ({
  id,
  at,
  ruleIds: matchRules(rules, text),
});

function applyAll(items: LeadEvent[], conversationId = 7, start = emptyLeadState()) {
  let state: LeadState = start;
  const steps = items.map((item) => {
    const step = applyMessage(rules, state, item, conversationId);
    state = step.state;
    return step;
  });
  return { state, steps };
}

describe('applyMessage', () => {
  it('counts a replayed message once and lets a late one land in timestamp order', () => {
    const a = event('a', 100, 'hallo');
    const b = event('b', 200, 'proefrit');
    const c = event('c', 300, 'kopen');
    const inOrder = applyAll([a, b, c]).state;
    const lateAndReplayed = applyAll([a, c, b, c, a]);
    expect(lateAndReplayed.state.acc).toEqual(inOrder.acc);
    expect(lateAndReplayed.steps.map((s) => s.outcome)).toEqual([
      'applied',
      'applied',
      'applied',
      'duplicate',
      'duplicate',
    ]);
  });

  it('asks for each label once per conversation and again for a new conversation', () => {
    const { steps, state } = applyAll([
      event('a', 1, 'test drive'),
      event('b', 2, 'price'),
      event('c', 3, 'buy'),
    ]);
    // 30 + 10 first contact = 40 (warm), 50, 75 (hot)
    expect(steps.map((s) => s.labelChanges.add)).toEqual([
      ['test-drive', 'warm-lead'],
      [],
      ['hot-lead', 'purchase-intent'],
    ]);
    const next = applyMessage(rules, state, event('d', 4, 'hi'), 8);
    expect(next.labelChanges.add).toEqual(['hot-lead', 'purchase-intent', 'test-drive', 'warm-lead']);
  });

  it('removes a threshold label when the score falls below it', () => {
    const { steps } = applyAll([event('a', 1, 'test drive'), event('b', 2, 'not interested')]);
    expect(steps[1]?.labelChanges).toEqual({ add: ['lost'], remove: ['warm-lead'] });
  });

  it('reports a routed threshold crossing once, and not again on a replay', () => {
    const routed = parseLeadRules({
      version: 1,
      rules: [{ id: 'td', keywords: ['test drive'], points: 40 }],
      thresholds: [{ name: 'hot', score: 70, label: 'hot-lead', assign: { agentId: 1 } }],
    });
    let state = emptyLeadState();
    const crossings: unknown[] = [];
    for (const e of [
      { id: 'a', at: 1 },
      { id: 'b', at: 2 },
      { id: 'b', at: 2 },
      { id: 'c', at: 3 },
    ]) {
      const step = applyMessage(routed, state, { ...e, ruleIds: ['td'] }, 1);
      state = step.state;
      crossings.push(...step.newCrossings);
    }
    expect(crossings).toEqual([{ threshold: 'hot', crossing: 1 }]);
  });

  it('compacts old events and drops a message older than the compacted history', () => {
    const many = Array.from({ length: MAX_EVENTS + 5 }, (_, i) => event(`m${i}`, 1000 + i, 'prijs'));
    const { state } = applyAll(many);
    expect(state.events).toHaveLength(MAX_EVENTS);
    expect(state.acc.count).toBe(MAX_EVENTS + 5);
    expect(leadScore(state.acc)).toBe(30);
    expect(applyMessage(rules, state, event('old', 1001, 'test drive'), 7).outcome).toBe('late');
  });
});
