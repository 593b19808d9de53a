/**
 * Clustering of scored pairs with the anti-chaining guard: sure matches are merged strongest first, and a
 * merge that would put two different valid identity numbers of one kind into one cluster (or, for
 * deduplicated inputs, two records of one source, or the two records of a cannot-link pair) is refused and
 * sent to review. Pure.
 */
import type { ReviewPair } from './types.ts';

/** Per record, what the guard needs: its valid ID (as a number/string key per kind) and its source. */
export type GuardInfo = {
  /** Valid resident-ID key per record ('' / 0 = none). */
  personId: ArrayLike<string | number>;
  /** Valid USCC key per record ('' / 0 = none). */
  orgId: ArrayLike<string | number>;
  /** Source index per record, used when uniquePerSource is set. */
  source?: ArrayLike<number>;
};

/** Options of clustering. */
export type ClusterOptions = {
  /** Each source holds no internal duplicates: a cluster never holds two records of one source. */
  uniquePerSource?: boolean;
  /** Merge order of sources (I4): pairs are merged stage by stage, stage = the later source of the pair. */
  sourceRank?: ArrayLike<number>;
  /**
   * Pairs of record indices that must never end in one cluster (a rule outside the score decided them for review,
   * e.g. one valid ID under two names), not even through third records: a sure merge that would join the two ends
   * of one is refused and sent to review (reason 'conflict'), as the ID guard refuses. Meant to be rare: without
   * any, merging costs nothing more.
   * @example { cannotLink: { a: [0], b: [2] } } // records 0 and 2 stay apart even if 0–1 and 1–2 are sure matches
   */
  cannotLink?: { a: ArrayLike<number>; b: ArrayLike<number> };
};

/**
 * Cluster n records from scored pairs. Pairs scoring ≥ matchScore are merged (strongest first, by source
 * stage when sourceRank is given); pairs in [reviewScore, matchScore) and refused merges (the guard, a
 * cannot-link) go to review, unless their two records end up in one cluster all the same.
 * Returns each record's cluster as the index of its first member.
 * @example clusterScored(3, { a: [0, 1], b: [1, 2], score: [20, 18] }, 10, 0, { personId: ['A', '', 'B'], orgId: ['', '', ''] })
 * // { root: [0, 0, 2], reviewPairs: [{ a: 1, b: 2, score: 18, reason: 'conflict' }] }
 */
export function clusterScored(
  n: number,
  pairs: { a: ArrayLike<number>; b: ArrayLike<number>; score: ArrayLike<number> },
  matchScore: number,
  reviewScore: number,
  guard: GuardInfo,
  opts: ClusterOptions = {},
): { root: Int32Array; reviewPairs: ReviewPair[] } {
  const parent = new Int32Array(n);
  for (let i = 0; i < n; i++) parent[i] = i;
  const find = (i: number): number => {
    while (parent[i] !== i) {
      parent[i] = parent[parent[i]!]!;
      i = parent[i]!;
    }
    return i;
  };
  // Guard state lives on the roots.
  const pid: (string | number)[] = Array.from(guard.personId);
  const oid: (string | number)[] = Array.from(guard.orgId);
  const srcSets: (Set<number> | null)[] = opts.uniquePerSource && guard.source ? Array.from({ length: n }, (_, i) => new Set([guard.source![i]!])) : [];
  // Per root, the records its members must never be joined with (null without cannot-links: no cost per merge).
  const apart = cannotLinks(opts.cannotLink);
  const joinsApart = (ra: number, rb: number) => {
    const xa = apart!.get(ra);
    const xb = apart!.get(rb);
    if (!xa || !xb) return false;
    // A link is held by both of its ends' roots: looking through the shorter list is enough.
    const [few, other] = xa.length <= xb.length ? [xa, rb] : [xb, ra];
    for (const x of few) if (find(x) === other) return true;
    return false;
  };

  const reviewPairs: ReviewPair[] = [];
  const sure: number[] = [];
  for (let k = 0; k < pairs.a.length; k++) {
    const s = pairs.score[k]!;
    if (s >= matchScore) sure.push(k);
    else if (s >= reviewScore) reviewPairs.push({ a: pairs.a[k]!, b: pairs.b[k]!, score: s, reason: 'fuzzy' });
  }
  const stage = (k: number) => (opts.sourceRank ? Math.max(opts.sourceRank[pairs.a[k]!]!, opts.sourceRank[pairs.b[k]!]!) : 0);
  sure.sort((x, y) => stage(x) - stage(y) || pairs.score[y]! - pairs.score[x]! || x - y);
  for (const k of sure) {
    const a = pairs.a[k]!;
    const b = pairs.b[k]!;
    let ra = find(a);
    let rb = find(b);
    if (ra === rb) continue;
    const clash =
      (pid[ra] && pid[rb] && pid[ra] !== pid[rb]) ||
      (oid[ra] && oid[rb] && oid[ra] !== oid[rb]) ||
      (srcSets.length > 0 && [...srcSets[ra]!].some((s) => srcSets[rb]!.has(s))) ||
      (apart !== null && joinsApart(ra, rb));
    if (clash) {
      reviewPairs.push({ a, b, score: pairs.score[k]!, reason: 'conflict' });
      continue;
    }
    // The smaller index becomes the root, so a cluster is named by its first record.
    if (rb < ra) [ra, rb] = [rb, ra];
    parent[rb] = ra;
    if (!pid[ra]) pid[ra] = pid[rb]!;
    if (!oid[ra]) oid[ra] = oid[rb]!;
    if (srcSets.length) {
      for (const s of srcSets[rb]!) srcSets[ra]!.add(s);
      srcSets[rb] = null;
    }
    if (apart) {
      const xb = apart.get(rb);
      if (xb) {
        const xa = apart.get(ra);
        if (!xa) apart.set(ra, xb);
        else if (xa.length >= xb.length) for (const x of xb) xa.push(x);
        else {
          for (const x of xa) xb.push(x);
          apart.set(ra, xb);
        }
        apart.delete(rb);
      }
    }
  }
  const root = new Int32Array(n);
  for (let i = 0; i < n; i++) root[i] = find(i);
  // A fuzzy pair whose records sure matches joined anyway (each to a third) is decided: nobody is asked about it.
  const open = reviewPairs.filter((p) => root[p.a] !== root[p.b]);
  open.sort((x, y) => y.score - x.score || x.a - y.a || x.b - y.b);
  return { root, reviewPairs: open };
}

/** Cannot-link pairs as, per record, the records it must stay apart from; null when there are none. */
function cannotLinks(links: ClusterOptions['cannotLink']): Map<number, number[]> | null {
  if (!links || !links.a.length) return null;
  const out = new Map<number, number[]>();
  const add = (x: number, y: number) => {
    const l = out.get(x);
    if (l) l.push(y);
    else out.set(x, [y]);
  };
  for (let k = 0; k < links.a.length; k++) {
    const a = links.a[k]!;
    const b = links.b[k]!;
    if (a === b) continue;
    add(a, b);
    add(b, a);
  }
  return out.size ? out : null;
}
