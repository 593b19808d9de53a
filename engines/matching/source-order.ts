/**
 * The "discreteness method" (I4): merge sources starting from the most valuable one, then always the
 * remaining source that overlaps least with what is merged so far, so the error-prone decisions come last
 * with the most evidence. Overlap = share of a source's records sharing a blocking key with the merged set. Pure.
 */

/** One step of the order, with the figure that justified it. */
export type SourceStep = { source: string; records: number; overlap: number };

/**
 * The merge order of sources. `valueRank` lists sources most valuable first (sources not listed come after,
 * by name); `override`, when given, is used as the order (its overlaps are still reported).
 * @example
 * sourceOrder([{ source: 'core', keys: ['m:1'] }, { source: 'card', keys: ['m:1'] }, { source: 'wealth', keys: ['m:2'] }], ['core', 'card', 'wealth'])
 * // { order: ['core', 'wealth', 'card'], steps: [{ source: 'core', overlap: 0 …}, { source: 'wealth', overlap: 0 …}, { source: 'card', overlap: 1 …}], overridden: false }
 */
export function sourceOrder(
  records: ReadonlyArray<{ source: string; keys: readonly string[] }>,
  valueRank: readonly string[],
  override?: readonly string[],
): { order: string[]; steps: SourceStep[]; overridden: boolean } {
  const bySource = new Map<string, Array<readonly string[]>>();
  for (const r of records) {
    let list = bySource.get(r.source);
    if (!list) bySource.set(r.source, (list = []));
    list.push(r.keys);
  }
  const rank = (s: string) => {
    const i = valueRank.indexOf(s);
    return i < 0 ? valueRank.length : i;
  };
  const remaining = [...bySource.keys()].sort((x, y) => rank(x) - rank(y) || (x < y ? -1 : x > y ? 1 : 0));
  const merged = new Set<string>();
  const overlapOf = (s: string) => {
    const list = bySource.get(s)!;
    let hit = 0;
    for (const keys of list) if (keys.some((k) => merged.has(k))) hit++;
    return list.length ? hit / list.length : 0;
  };
  const steps: SourceStep[] = [];
  const take = (s: string) => {
    steps.push({ source: s, records: bySource.get(s)?.length ?? 0, overlap: Math.round(overlapOf(s) * 10000) / 10000 });
    for (const keys of bySource.get(s) ?? []) for (const k of keys) merged.add(k);
    remaining.splice(remaining.indexOf(s), 1);
  };
  if (override?.length) {
    for (const s of override) if (remaining.includes(s)) take(s);
    while (remaining.length) take(remaining[0]!);
    return { order: steps.map((s) => s.source), steps, overridden: true };
  }
  while (remaining.length) {
    if (!steps.length) {
      take(remaining[0]!);
      continue;
    }
    let best = remaining[0]!;
    let bestOverlap = overlapOf(best);
    for (const s of remaining.slice(1)) {
      const o = overlapOf(s);
      if (o < bestOverlap) {
        best = s;
        bestOverlap = o;
      }
    }
    take(best);
  }
  return { order: steps.map((s) => s.source), steps, overridden: false };
}
