/**
 * The Fellegi–Sunter model: defaults per preset, scoring of one pair (explained), and unsupervised
 * estimation — u from random pairs, m by EM on the blocked pairs of each blocking rule (leaving out the
 * comparisons that rule forces to agree), the prior from the expected number of matches. Pure.
 */
import { COMPARATORS, PRESET_COMPARISONS } from './comparisons.ts';
import { PRESET_RULES, type Candidates } from './blocking.ts';
import type { Comparison, MatchModel, PairScore, Prepared, TermFrequencies } from './types.ts';

/** Starting u (chance agreement of two different records) when no data have been seen: small for agreement levels. */
function defaultU(levels: number, name: string): number[] {
  if (name === 'cn.gender') return [0.5, 0.5];
  if (name === 'febrl.state') return [0.3, 0.7];
  const u: number[] = Array.from({ length: levels }, (_, i) => (i === 0 ? 0.002 : i === levels - 1 ? 0 : 0.01));
  u[levels - 1] = 1 - u.reduce((s, v) => s + v, 0);
  return u;
}

/**
 * A preset's model before training: its comparisons with starting m/u, thresholds, a small prior.
 * Thresholds are posterior probabilities: ≥ 0.999 sure match, ≥ 0.5 review, else sure non-match.
 * @example defaultModel('febrl').comparisons.map((c) => c.field) // ['given_name', 'surname', …]
 */
export function defaultModel(preset: 'cn-bank' | 'febrl'): MatchModel {
  const comparisons: Comparison[] = PRESET_COMPARISONS[preset].map((name) => {
    const c = COMPARATORS[name]!;
    const u = defaultU(c.levels.length, name);
    return {
      name,
      field: c.field,
      levels: c.levels.map((label, i) => ({ label, m: c.m[i]!, u: u[i]! })),
      ...(c.tfValue ? { termFrequency: true } : {}),
    };
  });
  return {
    preset,
    comparisons,
    priorMatchProbability: { person: 1e-5, org: 1e-5 },
    matchThreshold: 0.999,
    reviewThreshold: 0.5,
  };
}

/** Comparisons that apply to records of this kind. */
function applies(c: Comparison, kind: 'person' | 'org'): boolean {
  const k = COMPARATORS[c.name]?.kind;
  return !k || k === kind;
}

/**
 * The level index of each comparison for a pair (-1 = missing or not applicable), in model order.
 * @example comparisonLevels(a, b, model) // Int8Array [0, 0, -1, 1, …]
 */
export function comparisonLevels(a: Prepared, b: Prepared, model: MatchModel, out = new Int8Array(model.comparisons.length)): Int8Array {
  for (let c = 0; c < model.comparisons.length; c++) {
    const comp = model.comparisons[c]!;
    out[c] = a.kind === b.kind && applies(comp, a.kind) ? COMPARATORS[comp.name]!.compare(a, b) : -1;
  }
  return out;
}

const log2 = Math.log2;

/** Weight of one level: the manual override, else log2(m/u); agreement on a frequent value weighs less. */
function levelWeight(model: MatchModel, c: number, level: number, a: Prepared, b: Prepared): number {
  const comp = model.comparisons[c]!;
  const lv = comp.levels[level]!;
  if (lv.weight !== undefined) return lv.weight;
  if (level === 0 && comp.termFrequency) {
    const tf = model.termFrequencies?.[comp.name];
    const value = COMPARATORS[comp.name]!.tfValue?.(a);
    if (tf && value && value === COMPARATORS[comp.name]!.tfValue?.(b)) {
      const count = tf.counts[value] ?? 1;
      // Chance that a random other record carries this value; never below 1 in the table's size.
      const u = Math.max(count, 1) / Math.max(tf.total, 1);
      return log2(lv.m / Math.max(u, lv.u / 10));
    }
  }
  return log2(Math.max(lv.m, 1e-9) / Math.max(lv.u, 1e-9));
}

function zoneOf(p: number, model: MatchModel): PairScore['zone'] {
  return p >= model.matchThreshold ? 'match' : p >= model.reviewThreshold ? 'review' : 'nonmatch';
}

/** The conflict the anti-chaining guard refuses: two different numbers of one kind that both pass their check. */
export function idConflict(a: Prepared, b: Prepared): string | undefined {
  if (a.idValid && b.idValid && a.idKind === b.idKind && a.idNo !== b.idNo) return `different valid ${a.idKind} numbers`;
  return undefined;
}

/**
 * Score one pair, with every comparison's level and weight.
 * @example
 * scorePair(prepare({ id: '1', source: 'a', kind: 'person', name: '田伟', idNo: '330106520818542' }),
 *           prepare({ id: '2', source: 'b', kind: 'person', name: '田玮', idNo: '330106195208185423' }), model)
 * // { zone: 'match', fields: [{ field: 'id_no', level: 'exact', weight: 17.2 }, { field: 'name', level: 'homophone', … }], … }
 */
export function scorePair(a: Prepared, b: Prepared, model: MatchModel): PairScore {
  const prior = model.priorMatchProbability[a.kind] ?? 1e-5;
  let score = log2(prior / (1 - prior));
  const fields: PairScore['fields'] = [];
  if (a.kind !== b.kind) return { score: -Infinity, probability: 0, zone: 'nonmatch', fields: [{ field: 'kind', level: 'different', weight: -Infinity }] };
  for (let c = 0; c < model.comparisons.length; c++) {
    const comp = model.comparisons[c]!;
    if (!applies(comp, a.kind)) continue;
    const level = COMPARATORS[comp.name]!.compare(a, b);
    if (level < 0) {
      fields.push({ field: comp.field, level: 'missing', weight: 0 });
      continue;
    }
    const w = levelWeight(model, c, level, a, b);
    score += w;
    fields.push({ field: comp.field, level: comp.levels[level]!.label, weight: Math.round(w * 100) / 100 });
  }
  const probability = 1 / (1 + 2 ** -score);
  const conflict = idConflict(a, b);
  let zone = zoneOf(probability, model);
  if (conflict && zone === 'match') zone = 'review';
  return conflict ? { score, probability, zone, fields, conflict } : { score, probability, zone, fields };
}

/**
 * Just the score (log2 odds) of a pair: the hot path of clustering, without building the explanation.
 * @example fastScore(a, b, model) > log2(0.999 / 0.001) // sure match
 */
export function fastScore(a: Prepared, b: Prepared, model: MatchModel): number {
  if (a.kind !== b.kind) return -Infinity;
  const prior = model.priorMatchProbability[a.kind] ?? 1e-5;
  let score = log2(prior / (1 - prior));
  for (let c = 0; c < model.comparisons.length; c++) {
    const comp = model.comparisons[c]!;
    if (!applies(comp, a.kind)) continue;
    const level = COMPARATORS[comp.name]!.compare(a, b);
    if (level >= 0) score += levelWeight(model, c, level, a, b);
  }
  return score;
}

/** Probability threshold as a log2-odds score. */
export const oddsScore = (p: number) => log2(p / (1 - p));

/**
 * Term-frequency tables of a model's TF comparisons, counted over the records being matched.
 * @example termFrequencies(records, model)['cn.person-name'].counts['张伟'] // 28
 */
export function termFrequencies(records: readonly Prepared[], model: MatchModel): Record<string, TermFrequencies> {
  const out: Record<string, TermFrequencies> = {};
  for (const comp of model.comparisons) {
    if (!comp.termFrequency) continue;
    const fn = COMPARATORS[comp.name]!.tfValue!;
    const counts: Record<string, number> = Object.create(null);
    let total = 0;
    for (const p of records) {
      if (!applies(comp, p.kind)) continue;
      const v = fn(p);
      if (!v) continue;
      counts[v] = (counts[v] ?? 0) + 1;
      total++;
    }
    out[comp.name] = { total, counts };
  }
  return out;
}

/** Level vectors of sampled pairs, by kind, as the EM step consumes them. */
export type TrainingSample = {
  kind: 'person' | 'org';
  /** Level vectors of random pairs (almost all non-matches): the u estimates. */
  random: Int8Array[];
  /** Level vectors of blocked pairs, with the blocking rule that found each. */
  blocked: Array<{ levels: Int8Array; rule: number }>;
  /** Number of blocked pairs each rule produced in full (the sample may be a subset). */
  blockedTotals: number[];
  /** Number of all possible pairs of this kind (the prior's denominator). */
  allPairs: number;
};

/** Options of estimation. */
export type FitOptions = { iterations?: number; note?: string; records?: number };

/**
 * Estimate u, m and the prior from level vectors (unsupervised). u: level frequencies among random pairs,
 * smoothed. m: for each blocking rule, EM (two classes, u held fixed) on the pairs it found, over the
 * comparisons that rule does not fix; each comparison's m is the match-weighted average over rules.
 * Prior: expected matches summed over rules / all pairs. Manual weights are kept.
 * @example fitModel(defaultModel('febrl'), [sample]).priorMatchProbability.person // ≈ 2.6e-4 on febrl3
 */
export function fitModel(base: MatchModel, samples: TrainingSample[], opts: FitOptions = {}): MatchModel {
  const iterations = opts.iterations ?? 30;
  const model: MatchModel = structuredClone({ ...base, termFrequencies: undefined });
  const rules = PRESET_RULES[base.preset];
  let pairsSeen = 0;
  for (const sample of samples) {
    const comps = model.comparisons.map((c, i) => ({ c, i })).filter(({ c }) => applies(c, sample.kind));
    // u from random pairs (Laplace-smoothed so no level is impossible).
    const u = comps.map(({ c, i }) => {
      const counts = new Array<number>(c.levels.length).fill(0.5);
      for (const v of sample.random) if (v[i]! >= 0) counts[v[i]!]! += 1;
      const total = counts.reduce((s, x) => s + x, 0);
      return counts.map((x) => x / total);
    });
    const mSum = comps.map(({ c }) => new Array<number>(c.levels.length).fill(0));
    const mWeight = comps.map(() => 0);
    let expectedMatches = 0;
    for (let r = 0; r < rules.length; r++) {
      const fixed = new Set(rules[r]!.fixes);
      const rows = sample.blocked.filter((x) => x.rule === r).map((x) => x.levels);
      if (!rows.length) continue;
      pairsSeen += rows.length;
      // Distinct patterns with counts: EM runs over patterns, not pairs.
      const patterns = new Map<string, { v: Int8Array; n: number }>();
      for (const v of rows) {
        const key = v.join(',');
        const p = patterns.get(key);
        if (p) p.n++;
        else patterns.set(key, { v, n: 1 });
      }
      const pats = [...patterns.values()];
      const free = comps.map(({ c }, k) => ({ k, use: !fixed.has(c.name) }));
      let m = comps.map(({ c }) => c.levels.map((l) => l.m));
      let lambda = 0.5;
      const post = new Float64Array(pats.length);
      for (let it = 0; it < iterations; it++) {
        let sumPost = 0;
        let total = 0;
        for (let p = 0; p < pats.length; p++) {
          let lr = Math.log(lambda / (1 - lambda));
          for (const { k, use } of free) {
            if (!use) continue;
            const lv = pats[p]!.v[comps[k]!.i]!;
            if (lv < 0) continue;
            lr += Math.log(Math.max(m[k]![lv]!, 1e-9) / u[k]![lv]!);
          }
          post[p] = 1 / (1 + Math.exp(-lr));
          sumPost += post[p]! * pats[p]!.n;
          total += pats[p]!.n;
        }
        lambda = Math.min(Math.max(sumPost / total, 1e-6), 1 - 1e-6);
        m = comps.map(({ c, i }, k) => {
          if (!free[k]!.use) return m[k]!;
          const acc = new Array<number>(c.levels.length).fill(1e-3);
          for (let p = 0; p < pats.length; p++) {
            const lv = pats[p]!.v[i]!;
            if (lv >= 0) acc[lv]! += post[p]! * pats[p]!.n;
          }
          const s = acc.reduce((x, y) => x + y, 0);
          return acc.map((x) => x / s);
        });
      }
      const share = rows.length / Math.max(1, sample.blocked.length);
      const ruleTotal = sample.blockedTotals[r] ?? rows.length;
      expectedMatches += lambda * ruleTotal;
      comps.forEach((_, k) => {
        if (!free[k]!.use) return;
        const w = lambda * rows.length;
        mWeight[k] += w;
        m[k]!.forEach((x, l) => (mSum[k]![l]! += x * w));
      });
      void share;
    }
    comps.forEach(({ c }, k) => {
      c.levels.forEach((lv, l) => {
        // A comparison used by a kind of both persons and orgs keeps one set of levels: the person sample (larger) wins ties.
        if (c.name !== 'cn.id' && c.name !== 'cn.mobile' && c.name !== 'cn.email' && c.name !== 'cn.address') {
          lv.u = u[k]![l]!;
          if (mWeight[k]! > 0) lv.m = mSum[k]![l]! / mWeight[k]!;
        }
      });
    });
    model.priorMatchProbability[sample.kind] = Math.min(0.5, Math.max(expectedMatches / Math.max(1, sample.allPairs), 1e-12));
    sharedEstimates.set(sample.kind, { comps: comps.map(({ c }) => c.name), u, m: comps.map((_, k) => (mWeight[k]! > 0 ? mSum[k]!.map((x) => x / mWeight[k]!) : null)), w: mWeight });
  }
  // Comparisons shared by both kinds (ID, mobile, e-mail, address): pool the kinds' estimates by weight.
  for (const c of model.comparisons) {
    const kinds = [...sharedEstimates.entries()].filter(([, e]) => e.comps.includes(c.name));
    if (!kinds.length || COMPARATORS[c.name]?.kind) continue;
    const name = c.name;
    if (name !== 'cn.id' && name !== 'cn.mobile' && name !== 'cn.email' && name !== 'cn.address') continue;
    c.levels.forEach((lv, l) => {
      let uSum = 0;
      let mS = 0;
      let wS = 0;
      for (const [, e] of kinds) {
        const k = e.comps.indexOf(name);
        uSum += e.u[k]![l]!;
        if (e.m[k]) {
          mS += e.m[k]![l]! * e.w[k]!;
          wS += e.w[k]!;
        }
      }
      lv.u = uSum / kinds.length;
      if (wS > 0) lv.m = mS / wS;
    });
  }
  sharedEstimates.clear();
  model.trainedOn = {
    records: opts.records ?? 0,
    pairs: pairsSeen,
    iterations,
    note: opts.note ?? 'u from random pairs; m by EM per blocking rule (rule fields fixed); prior from expected matches; thresholds are fixed posterior probabilities',
  };
  return model;
}

// Per-kind estimates of one fitModel call (cleared before it returns, so fitModel stays pure).
const sharedEstimates = new Map<string, { comps: string[]; u: number[][]; m: (number[] | null)[]; w: number[] }>();

/** A seeded PRNG (mulberry32-style), for the engine's sampling when the caller gives only a seed. */
export function seededRandom(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Options of trainModel. */
export type TrainOptions = {
  preset: 'cn-bank' | 'febrl';
  /** Seeded PRNG for the random pairs (the engine has no randomness of its own). */
  random: () => number;
  /** Candidate pairs (default: the preset's blocking). */
  candidates?: Candidates;
  randomPairs?: number;
  maxBlockedPairs?: number;
  linkOnly?: boolean;
  iterations?: number;
};

/**
 * Train a model on the records themselves (no labels): see fitModel. Also fills the term-frequency tables.
 * @example trainModel(records.map(prepare), { preset: 'cn-bank', random: seededRandom(1), candidates }).matchThreshold // 0.999
 */
export function trainModel(records: readonly Prepared[], opts: TrainOptions & { base?: MatchModel }): MatchModel {
  const base = opts.base ?? defaultModel(opts.preset);
  const cands = opts.candidates;
  if (!cands) throw new RangeError('trainModel: candidates are required (candidatePairs(records, preset))');
  const samples: TrainingSample[] = [];
  for (const kind of ['person', 'org'] as const) {
    const idx: number[] = [];
    records.forEach((p, i) => p.kind === kind && idx.push(i));
    if (idx.length < 2) continue;
    const sourcesOf = new Map<string, number>();
    for (const i of idx) sourcesOf.set(records[i]!.source, (sourcesOf.get(records[i]!.source) ?? 0) + 1);
    let allPairs = (idx.length * (idx.length - 1)) / 2;
    if (opts.linkOnly) {
      let same = 0;
      for (const n of sourcesOf.values()) same += (n * (n - 1)) / 2;
      allPairs -= same;
    }
    const random: Int8Array[] = [];
    const want = opts.randomPairs ?? 50_000;
    for (let t = 0; random.length < want && t < want * 4; t++) {
      const i = idx[Math.floor(opts.random() * idx.length)]!;
      const j = idx[Math.floor(opts.random() * idx.length)]!;
      if (i === j || (opts.linkOnly && records[i]!.source === records[j]!.source)) continue;
      random.push(comparisonLevels(records[i]!, records[j]!, base));
    }
    const blocked: TrainingSample['blocked'] = [];
    const totals = new Array<number>(PRESET_RULES[opts.preset].length).fill(0);
    const kindPairs: number[] = [];
    for (let k = 0; k < cands.a.length; k++) if (records[cands.a[k]!]!.kind === kind && records[cands.b[k]!]!.kind === kind) kindPairs.push(k);
    const max = opts.maxBlockedPairs ?? 200_000;
    const step = Math.max(1, kindPairs.length / max);
    for (const k of kindPairs) totals[cands.rule[k]!]!++;
    for (let f = 0; f < kindPairs.length; f += step) {
      const k = kindPairs[Math.floor(f)]!;
      blocked.push({ levels: comparisonLevels(records[cands.a[k]!]!, records[cands.b[k]!]!, base), rule: cands.rule[k]! });
    }
    samples.push({ kind, random, blocked, blockedTotals: totals.map((t) => t * (blocked.length / Math.max(1, kindPairs.length)) > 0 ? t : 0), allPairs });
  }
  const model = fitModel(base, samples, { iterations: opts.iterations, records: records.length });
  model.termFrequencies = termFrequencies(records, model);
  return model;
}
