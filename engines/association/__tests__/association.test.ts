import { describe, expect, it } from 'vitest';
import {
  ageBand, ageOn, aumBand, featuresOf, mineRules, penetration, rankCandidates, scoreCustomer, splitItem, type AntecedentCount, type Item,
} from '../index.ts';

describe('bands', () => {
  it.each([
    [0, '<30'], [29, '<30'], [30, '30-39'], [49, '40-49'], [59, '50-59'], [60, '60+'], [95, '60+'],
  ])('age %i is in band %s', (age, band) => expect(ageBand(age)).toBe(band));

  it.each([
    [0, '<50k'], [4_999_999, '<50k'], [5_000_000, '50k-500k'], [49_999_999, '50k-500k'], [50_000_000, '500k-3m'], [300_000_000, '3m+'],
  ])('AUM %i fen is in band %s', (fen, band) => expect(aumBand(fen)).toBe(band));

  it.each([
    ['1980-06-30', '2026-06-30', 46], ['1980-07-01', '2026-06-30', 45], ['2000-02-29', '2026-02-28', 25], ['2000-02-29', '2026-03-01', 26],
  ])('born %s is %i on %s', (birth, on, age) => expect(ageOn(birth, on)).toBe(age));
});

describe('featuresOf', () => {
  it('turns a person into segment items and one item per product held', () => {
    expect(featuresOf({ party: 'person', levelCode: 'gold', birthDate: '1980-05-01', aumFen: 8_000_000, riskTolerance: 'C3', products: ['WM_STABLE', 'DEP_CURRENT', 'DEP_CURRENT'] }, '2026-06-30'))
      .toEqual(['party:person', 'level:gold', 'age:40-49', 'aum:50k-500k', 'risk:C3', 'holds:DEP_CURRENT', 'holds:WM_STABLE']);
  });

  it('gives an organisation no age or risk item, and a customer without level "none"', () => {
    expect(featuresOf({ party: 'organization', levelCode: null, birthDate: null, aumFen: 0, riskTolerance: null, products: [] }, '2026-06-30'))
      .toEqual(['party:organization', 'level:none', 'aum:<50k']);
  });

  it('splits items at the first colon', () => {
    expect(splitItem('holds:WM_STABLE')).toEqual(['holds', 'WM_STABLE']);
    expect(splitItem('aum:<50k')).toEqual(['aum', '<50k']);
  });
});

// 1,000 customers, 100 hold the target (base rate 10 %).
const stats = (antecedents: AntecedentCount[]) => ({ population: 1000, targetHolders: 100, antecedents });

describe('mineRules', () => {
  it('computes support, confidence and lift', () => {
    const [r] = mineRules(stats([{ items: ['holds:DEP_LARGE_CD'], count: 200, withTarget: 80 }]));
    expect(r).toEqual({ antecedent: ['holds:DEP_LARGE_CD'], count: 200, withTarget: 80, support: 0.2, confidence: 0.4, lift: 4 });
  });

  it.each([
    ['lift below the minimum', { items: ['level:standard'], count: 500, withTarget: 50 }],
    ['too few customers', { items: ['level:private'], count: 5, withTarget: 5 }],
    ['no holder at all', { items: ['age:<30'], count: 100, withTarget: 0 }],
    ['impossible counts', { items: ['age:30-39'], count: 10, withTarget: 11 }],
  ])('drops a rule with %s', (_why, a) => {
    expect(mineRules(stats([a]))).toEqual([]);
  });

  it('keeps a pair only when it beats both of its parts', () => {
    const rules = mineRules(stats([
      { items: ['holds:DEP_TIME_1Y'], count: 300, withTarget: 60 }, // 20 %
      { items: ['level:gold'], count: 200, withTarget: 50 }, // 25 %
      { items: ['holds:DEP_TIME_1Y', 'level:gold'], count: 80, withTarget: 40 }, // 50 %: kept
      { items: ['holds:DEP_TIME_1Y', 'age:60+'], count: 50, withTarget: 9 }, // 18 % < 20 %: dropped
    ]));
    expect(rules.map((r) => r.antecedent.join('&'))).toEqual(['holds:DEP_TIME_1Y&level:gold', 'level:gold', 'holds:DEP_TIME_1Y']);
  });

  it('orders by confidence, then lift, then coverage, and caps the list', () => {
    const rules = mineRules(stats([
      { items: ['a:1'], count: 100, withTarget: 30 },
      { items: ['a:2'], count: 200, withTarget: 60 },
      { items: ['a:3'], count: 50, withTarget: 40 },
    ]), { maxRules: 2 });
    expect(rules.map((r) => r.antecedent[0])).toEqual(['a:3', 'a:2']);
  });

  it('has nothing to say when nobody holds the target', () => {
    expect(mineRules({ population: 10, targetHolders: 0, antecedents: [{ items: ['x:1'], count: 10, withTarget: 0 }] })).toEqual([]);
  });
});

describe('scoring and ranking candidates', () => {
  const rules = mineRules(stats([
    { items: ['holds:DEP_LARGE_CD'], count: 200, withTarget: 80 }, // 40 %, lift 4
    { items: ['level:gold'], count: 200, withTarget: 50 }, // 25 %, lift 2.5
    { items: ['risk:C4'], count: 100, withTarget: 25 }, // 25 %, lift 2.5
    { items: ['aum:500k-3m'], count: 150, withTarget: 30 }, // 20 %, lift 2
  ]));

  it('scores by the best matching rule and explains with the matching rules, best first', () => {
    const s = scoreCustomer(new Set<Item>(['level:gold', 'holds:DEP_LARGE_CD', 'age:40-49']), rules, 0.1);
    expect(s.score).toBe(0.4);
    expect(s.lift).toBe(4);
    expect(s.matched).toBe(2);
    expect(s.reasons.map((r) => r.antecedent[0])).toEqual(['holds:DEP_LARGE_CD', 'level:gold']);
  });

  it('falls back to the base rate when no rule matches', () => {
    expect(scoreCustomer(new Set<Item>(['level:standard']), rules, 0.1)).toEqual({ score: 0.1, lift: 1, reasons: [], matched: 0 });
  });

  it('ranks by score, then by how many rules agree, then by key', () => {
    const ranked = rankCandidates([
      { key: 'A', items: ['level:gold'] },
      { key: 'B', items: ['holds:DEP_LARGE_CD'] },
      { key: 'C', items: ['level:gold', 'risk:C4', 'aum:500k-3m'] },
      { key: 'D', items: ['level:standard'] },
      { key: 'E', items: ['risk:C4'] },
    ], rules, 0.1, 4);
    expect(ranked.map((r) => r.key)).toEqual(['B', 'C', 'A', 'E']);
    expect(ranked[1]!.reasons).toHaveLength(3);
  });

  it.each([[1, 3, 33.3], [0, 0, 0], [2, 2, 100], [1, 8, 12.5]])('penetration %i of %i is %f %%', (h, c, p) => expect(penetration(h, c)).toBe(p));
});
