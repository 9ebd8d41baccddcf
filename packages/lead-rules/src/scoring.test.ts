import { describe, expect, it } from 'vitest';
import { DEALERSHIP_RULES_FILE, loadLeadRulesFile, parseLeadRules } from './loader.js';
import { decayFactor, desiredLabels, foldEvents, type LeadEvent, leadScore, matchRules } from './scoring.js';

const dealership = loadLeadRulesFile(DEALERSHIP_RULES_FILE);
const DAY = 86_400;
const T0 = 1_750_000_000;

/** Events from texts, one minute apart unless `at` is given. */
function events(...texts: Array<string | { text: string; at: number }>): LeadEvent[] {
  return texts.map((item, i) => {
    const { text, at } = typeof item === 'string' ? { text: item, at: T0 + i * 60 } : item;
    return { id: `m${i}`, at, ruleIds: matchRules(dealership, text) };
  });
}

describe('matchRules (dealership rules)', () => {
  it('matches English and Dutch phrasings', () => {
    expect(matchRules(dealership, 'Can I book a test drive on Saturday?')).toEqual(['test-drive']);
    expect(matchRules(dealership, 'Kan ik zaterdag een proefrit maken?')).toEqual(['test-drive']);
    expect(matchRules(dealership, 'Wat is de prijs als ik mijn auto inruil?')).toEqual(['trade-in', 'price']);
    expect(matchRules(dealership, 'I would like to buy it, is financing possible?')).toEqual([
      'buy-intent',
      'financing',
    ]);
    expect(matchRules(dealership, 'Geen interesse meer, al gekocht')).toEqual(['not-interested']);
  });

  it('matches keywords as whole words only', () => {
    expect(matchRules(dealership, 'hi')).toEqual(['greeting']);
    expect(matchRules(dealership, 'this car')).toEqual([]);
    expect(matchRules(dealership, null)).toEqual([]);
  });
});

describe('foldEvents', () => {
  it('scores an English conversation up to a hot lead', () => {
    const acc = foldEvents(
      dealership,
      events('Hi!', 'Can I book a test drive?', 'I want to buy it, can I trade in my Golf?'),
    );
    // 2 + 10 (first contact), +30, +25 +20 = 87 (no decay within minutes worth a point)
    expect(leadScore(acc)).toBe(87);
    expect(acc.above).toEqual(['warm', 'hot']);
    expect(acc.crossings).toEqual({ warm: 1, hot: 1 });
    expect(desiredLabels(dealership, acc)).toEqual([
      'hot-lead',
      'purchase-intent',
      'test-drive',
      'trade-in',
      'warm-lead',
    ]);
  });

  it('scores a Dutch conversation', () => {
    const acc = foldEvents(dealership, events('Hallo', 'Wat kost deze auto?', 'Graag een proefrit'));
    expect(leadScore(acc)).toBe(2 + 10 + 10 + 30);
    expect(acc.above).toEqual(['warm']);
    expect(desiredLabels(dealership, acc)).toEqual(['test-drive', 'warm-lead']);
  });

  it('caps points per message, rule repeats and the total', () => {
    const perMessage = foldEvents(dealership, events('proefrit kopen met inruil en financiering'));
    expect(leadScore(perMessage)).toBe(50); // 30+25+20+15+10 capped at 50
    const repeats = foldEvents(dealership, events('prijs?', 'prijs?', 'prijs?', 'prijs?'));
    expect(leadScore(repeats)).toBe(10 + 10 + 10); // first contact + price twice (maxTimes 2)
    expect(repeats.ruleCounts).toEqual({ price: 2 });
    const many = foldEvents(dealership, events(...Array.from({ length: 8 }, () => 'test drive please')));
    expect(leadScore(many)).toBe(100);
  });

  it('decays the score between messages and gives the returning bonus', () => {
    expect(decayFactor(dealership, 14 * DAY)).toBeCloseTo(0.5);
    const acc = foldEvents(
      dealership,
      events({ text: 'test drive?', at: T0 }, { text: 'hello again', at: T0 + 28 * DAY }),
    );
    // 40 → 10 after two half-lives; greeting +2 (its first use); not yet 30 days: no returning bonus.
    expect(leadScore(acc)).toBe(12);
    const back = foldEvents(
      dealership,
      events({ text: 'test drive?', at: T0 }, { text: 'ok', at: T0 + 42 * DAY }),
    );
    expect(leadScore(back)).toBe(20); // 40 / 8 = 5, + 15 returning
  });

  it('never goes below zero and drops threshold labels when the score falls', () => {
    const acc = foldEvents(dealership, events('test drive', 'buy', 'not interested anymore'));
    expect(leadScore(acc)).toBe(10 + 30 + 25 - 40);
    expect(acc.above).toEqual([]);
    expect(acc.crossings).toEqual({ warm: 1 });
    expect(desiredLabels(dealership, acc)).toEqual(['lost', 'purchase-intent', 'test-drive']);
    expect(leadScore(foldEvents(dealership, events('not interested')))).toBe(0);
  });

  it('orders by message timestamp: late, shuffled or duplicated events give the in-order result', () => {
    const inOrder = events('Hi', 'proefrit?', 'kopen', 'geen interesse', 'toch een proefrit');
    const expected = foldEvents(dealership, inOrder);
    const shuffled = [inOrder[3]!, inOrder[0]!, inOrder[4]!, inOrder[2]!, inOrder[1]!];
    expect(foldEvents(dealership, shuffled)).toEqual(expected);
    expect(foldEvents(dealership, [...inOrder, inOrder[1]!, inOrder[4]!])).toEqual(expected);
  });

  it('counts a new crossing only after the score fell below the threshold', () => {
    const acc = foldEvents(dealership, events('test drive', 'buy', 'not interested', 'test drive', 'buy'));
    expect(acc.crossings).toEqual({ warm: 2, hot: 1 }); // 40, 65, 25, 55, 80
  });
});

describe('parseLeadRules', () => {
  it('lists every problem with its path', () => {
    expect(() =>
      parseLeadRules(
        {
          version: 1,
          rules: [
            { id: 'a', match: '(', points: 1 },
            { id: 'a', points: 'x' },
          ],
          thresholds: [{ name: 'hot', score: 70, assign: {} }],
        },
        'rules.yaml',
      ),
    ).toThrow(
      /rules\.yaml\.rules\.0\.match: not a valid regular expression[\s\S]*rules\.yaml\.rules\.1\.points[\s\S]*rules\.yaml\.thresholds\.0\.assign: needs agentId or teamId/,
    );
  });

  it('normalises label names', () => {
    const rules = parseLeadRules({
      version: 1,
      rules: [{ id: 'x', keywords: ['x'], points: 1, labels: ['Test Drive!'] }],
    });
    expect(rules.rules[0]?.labels).toEqual(['test-drive']);
  });
});
