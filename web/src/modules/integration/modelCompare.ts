/** Pure comparison of two match-model versions (no React): a draft's weights beside the active one's. */
import type { MatchModel } from './api.ts';

/** Differences below this many bits are rounding, not a change anyone would look at. */
export const WEIGHT_EPSILON = 0.005;

/** A level's weight as matching uses it: the administrator's override, else log2(m/u). */
export const effectiveWeight = (l: { m: number; u: number; weight?: number }) => l.weight ?? Math.log2(Math.max(l.m, 1e-9) / Math.max(l.u, 1e-9));

export type WeightDiff = {
  key: string; comparison: string; kind?: 'person' | 'org'; field: string; level: string;
  /** null: the level is not in that version. */
  active: number | null; other: number | null;
  /** other − active (null when either is missing); changed: differs by more than rounding, or is only in one of them. */
  delta: number | null; changed: boolean; overridden: boolean;
};

const keyOf = (c: { name: string; kind?: string }, label: string) => `${c.kind ?? ''}:${c.name}/${label}`;

/**
 * Every comparison level of either version, in the other version's order (levels only the active one has last),
 * with both weights and the difference.
 * @example compareWeights(active, draft).filter((d) => d.changed)
 */
export function compareWeights(active: MatchModel, other: MatchModel): WeightDiff[] {
  const a = new Map(active.comparisons.flatMap((c) => c.levels.map((l) => [keyOf(c, l.label), { c, l }] as const)));
  const out: WeightDiff[] = [];
  const seen = new Set<string>();
  const row = (c: MatchModel['comparisons'][number], label: string, wa: number | null, wo: number | null, overridden: boolean): WeightDiff => {
    const delta = wa !== null && wo !== null ? wo - wa : null;
    return { key: keyOf(c, label), comparison: c.name, kind: c.kind, field: c.field, level: label, active: wa, other: wo, delta, changed: delta === null || Math.abs(delta) > WEIGHT_EPSILON, overridden };
  };
  for (const c of other.comparisons) {
    for (const l of c.levels) {
      const k = keyOf(c, l.label);
      seen.add(k);
      const x = a.get(k);
      out.push(row(c, l.label, x ? effectiveWeight(x.l) : null, effectiveWeight(l), l.weight !== undefined));
    }
  }
  for (const [k, x] of a) if (!seen.has(k)) out.push(row(x.c, x.l.label, effectiveWeight(x.l), null, false));
  return out;
}
