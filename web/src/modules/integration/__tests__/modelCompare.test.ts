import { describe, expect, it } from 'vitest';
import type { MatchModel } from '../api.ts';
import { compareWeights, effectiveWeight } from '../modelCompare.ts';

const model = (levels: Record<string, { m: number; u: number; weight?: number }>, extra: MatchModel['comparisons'] = []): MatchModel => ({
  preset: 'cn', priorMatchProbability: 0.001, matchThreshold: 0.99, reviewThreshold: 0.5,
  comparisons: [{ name: 'cn.mobile', kind: 'person', field: 'mobile', levels: Object.entries(levels).map(([label, l]) => ({ label, ...l })) }, ...extra],
});

describe('comparing a draft model version with the active one', () => {
  it('uses the override where there is one, else log2(m/u)', () => {
    expect(effectiveWeight({ m: 0.8, u: 0.1 })).toBeCloseTo(3);
    expect(effectiveWeight({ m: 0.8, u: 0.1, weight: 7.5 })).toBe(7.5);
  });

  it('gives both weights and the difference per level; a level only in one version is a change', () => {
    const active = model({ exact: { m: 0.8, u: 0.1 }, else: { m: 0.2, u: 0.9 } }, [{ name: 'cn.email', field: 'email', levels: [{ label: 'exact', m: 0.5, u: 0.01 }] }]);
    const draft = model({ exact: { m: 0.8, u: 0.025 }, else: { m: 0.2, u: 0.9 }, close: { m: 0.1, u: 0.05, weight: 2 } });
    const d = compareWeights(active, draft);
    expect(d.map((x) => [x.key, x.changed])).toEqual([
      ['person:cn.mobile/exact', true], ['person:cn.mobile/else', false], ['person:cn.mobile/close', true], [':cn.email/exact', true],
    ]);
    expect(d[0]!.active).toBeCloseTo(3);
    expect(d[0]!.other).toBeCloseTo(5);
    expect(d[0]!.delta).toBeCloseTo(2);
    expect(d[2]).toMatchObject({ active: null, other: 2, delta: null, overridden: true });
    expect(d[3]).toMatchObject({ other: null, delta: null });
  });
});
