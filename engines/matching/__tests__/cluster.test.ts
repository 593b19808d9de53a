import { describe, expect, it } from 'vitest';
import { clusterScored, seededRandom, type GuardInfo } from '../index.ts';

const SURE = 10;
const REVIEW = 0;
const noIds = (n: number): GuardInfo => ({ personId: Array(n).fill(''), orgId: Array(n).fill('') });
/** Pairs as [a, b, score] triples. */
const pairsOf = (ps: [number, number, number][]) => ({ a: ps.map((p) => p[0]), b: ps.map((p) => p[1]), score: ps.map((p) => p[2]) });
const linksOf = (ls: [number, number][]) => ({ a: ls.map((l) => l[0]), b: ls.map((l) => l[1]) });

describe('clusterScored — cannot-link pairs', () => {
  it.each([
    {
      label: 'a chain through a third record: A(0)–C(1) and C–B(2) sure, A–B for review and cannot-link',
      n: 3, pairs: [[0, 1, 30], [1, 2, 25], [0, 2, 5]], links: [[0, 2]],
      root: [0, 0, 2], review: [{ a: 1, b: 2, score: 25, reason: 'conflict' }, { a: 0, b: 2, score: 5, reason: 'fuzzy' }],
    },
    {
      label: 'the same chain, the stronger link on the other side: the weaker sure merge is the one refused',
      n: 3, pairs: [[0, 1, 25], [1, 2, 30], [0, 2, 5]], links: [[0, 2]],
      root: [0, 1, 1], review: [{ a: 0, b: 1, score: 25, reason: 'conflict' }, { a: 0, b: 2, score: 5, reason: 'fuzzy' }],
    },
    {
      label: 'a cannot-link on a sure pair itself (no chaining): refused, for review',
      n: 2, pairs: [[0, 1, 30]], links: [[1, 0]],
      root: [0, 1], review: [{ a: 0, b: 1, score: 30, reason: 'conflict' }],
    },
    {
      label: 'a cannot-link between records no sure match joins changes nothing, beside one that does',
      n: 6, pairs: [[0, 1, 30], [2, 3, 30], [4, 5, 30]], links: [[0, 2], [5, 4]],
      root: [0, 0, 2, 2, 4, 5], review: [{ a: 4, b: 5, score: 30, reason: 'conflict' }],
    },
    {
      label: 'a longer chain: 0–1–2–3–4 sure, 0 and 4 apart; the weakest link in between is cut',
      n: 5, pairs: [[0, 1, 40], [1, 2, 35], [2, 3, 20], [3, 4, 30]], links: [[0, 4]],
      root: [0, 0, 0, 3, 3], review: [{ a: 2, b: 3, score: 20, reason: 'conflict' }],
    },
    {
      label: 'a record linked to itself is ignored',
      n: 3, pairs: [[0, 1, 30], [1, 2, 25]], links: [[1, 1], [0, 2]],
      root: [0, 0, 2], review: [{ a: 1, b: 2, score: 25, reason: 'conflict' }],
    },
  ] as { label: string; n: number; pairs: [number, number, number][]; links: [number, number][]; root: number[]; review: unknown[] }[])('$label', ({ n, pairs, links, root, review }) => {
    const got = clusterScored(n, pairsOf(pairs), SURE, REVIEW, noIds(n), { cannotLink: linksOf(links) });
    expect(Array.from(got.root)).toEqual(root);
    expect(got.reviewPairs).toEqual(review);
  });

  it('the chain case: without the cannot-link all three join, with it A and B stay apart and the chain is asked about', () => {
    const pairs = pairsOf([[0, 1, 30], [1, 2, 25], [0, 2, 5]]);
    expect(Array.from(clusterScored(3, pairs, SURE, REVIEW, noIds(3)).root)).toEqual([0, 0, 0]);
    expect(Array.from(clusterScored(3, pairs, SURE, REVIEW, noIds(3), { cannotLink: { a: [], b: [] } }).root)).toEqual([0, 0, 0]);
    const got = clusterScored(3, pairs, SURE, REVIEW, noIds(3), { cannotLink: linksOf([[0, 2]]) });
    expect(got.root[0]).not.toBe(got.root[2]);
    expect(got.reviewPairs.some((p) => p.reason === 'conflict')).toBe(true);
  });

  it('works with the ID guard and the source order', () => {
    // 0 and 2 hold one valid ID (no clash for the guard); 1 has none; 3 another ID. Source stages put 2–1 first.
    const guard: GuardInfo = { personId: ['X', '', 'X', 'Y'], orgId: ['', '', '', ''] };
    const got = clusterScored(4, pairsOf([[0, 1, 30], [1, 2, 25], [2, 3, 40]]), SURE, REVIEW, guard, { sourceRank: [1, 0, 0, 0], cannotLink: linksOf([[0, 2]]) });
    // Stage 0: 2–3 refused by the guard (X vs Y), 1–2 merged; stage 1: 0–1 refused by the cannot-link.
    expect(Array.from(got.root)).toEqual([0, 1, 1, 3]);
    expect(got.reviewPairs.map((p) => [p.a, p.b, p.reason])).toEqual([[2, 3, 'conflict'], [0, 1, 'conflict']]);
  });

  it('many cannot-links on random graphs: no cluster holds both ends of one, and the outcome is the naive check\'s', () => {
    const random = seededRandom(7);
    for (let round = 0; round < 30; round++) {
      const n = 60 + Math.floor(random() * 140);
      const pairs: [number, number, number][] = [];
      for (let k = 0; k < n * 2; k++) pairs.push([Math.floor(random() * n), Math.floor(random() * n), Math.round(random() * 400) / 10]);
      const links: [number, number][] = [];
      for (let k = 0; k < n / 2; k++) links.push([Math.floor(random() * n), Math.floor(random() * n)]);
      const got = clusterScored(n, pairsOf(pairs), SURE, REVIEW, noIds(n), { cannotLink: linksOf(links) });
      for (const [a, b] of links) if (a !== b) expect(got.root[a]).not.toBe(got.root[b]);
      expect(Array.from(got.root)).toEqual(naive(n, pairs, links));
      // Every refused sure pair is asked about (unless its records were joined anyway).
      const refused = got.reviewPairs.filter((p) => p.reason === 'conflict');
      for (const p of refused) expect(p.score).toBeGreaterThanOrEqual(SURE);
      // And every sure pair left apart is one of them.
      const apart = pairs.filter(([a, b, s]) => s >= SURE && got.root[a] !== got.root[b]);
      expect(refused.length).toBe(apart.length);
    }
  });

  it('stays fast with many cannot-links', () => {
    const n = 200_000;
    const random = seededRandom(3);
    const a = new Int32Array(n);
    const b = new Int32Array(n);
    const score = new Float64Array(n);
    for (let k = 0; k < n; k++) {
      a[k] = Math.floor(random() * n);
      b[k] = Math.floor(random() * n);
      score[k] = 10 + random() * 30;
    }
    const la = Array.from({ length: 20_000 }, () => Math.floor(random() * n));
    const lb = Array.from({ length: 20_000 }, () => Math.floor(random() * n));
    const t0 = performance.now();
    const got = clusterScored(n, { a, b, score }, SURE, REVIEW, noIds(n), { cannotLink: { a: la, b: lb } });
    const ms = performance.now() - t0;
    let joined = 0;
    for (let k = 0; k < la.length; k++) if (la[k] !== lb[k] && got.root[la[k]!] === got.root[lb[k]!]) joined++;
    expect(joined).toBe(0);
    // Generous (a shared machine); checking every link on every merge would be some 10⁹ look-ups.
    expect(ms).toBeLessThan(5_000);
  });
});

/** The same greedy clustering, checking every cannot-link on every merge (the reference the fast path must equal). */
function naive(n: number, pairs: [number, number, number][], links: [number, number][]): number[] {
  const parent = Array.from({ length: n }, (_, i) => i);
  const find = (i: number): number => (parent[i] === i ? i : (parent[i] = find(parent[i]!)));
  const sure = pairs.map((p, k) => [...p, k] as const).filter((p) => p[2] >= SURE).sort((x, y) => y[2] - x[2] || x[3] - y[3]);
  for (const [a, b] of sure) {
    let ra = find(a);
    let rb = find(b);
    if (ra === rb) continue;
    if (links.some(([x, y]) => x !== y && ((find(x) === ra && find(y) === rb) || (find(x) === rb && find(y) === ra)))) continue;
    if (rb < ra) [ra, rb] = [rb, ra];
    parent[rb] = ra;
  }
  return Array.from({ length: n }, (_, i) => find(i));
}
