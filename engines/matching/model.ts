/**
 * The Fellegi–Sunter model: defaults per preset, scoring of one pair (explained), and unsupervised
 * estimation — u from random pairs that are no candidates and the blocked pairs EM finds no match, m by EM on the blocked pairs of each blocking rule (leaving out the
 * comparisons that rule forces to agree), the prior from the expected number of matches. Pure.
 */
import { COMPARATORS, PRESET_COMPARISONS, VETO, type Veto } from './comparisons.ts';
import { PRESET_RULES, type Candidates } from './blocking.ts';
import type { Comparison, MatchModel, PairScore, Prepared, TermFrequencies } from './types.ts';

/** Starting u (chance agreement of two different records) when no data have been seen: small for agreement levels. */
function defaultU(levels: number, name: string): number[] {
  if (name === 'febrl.state') return [0.3, 0.7];
  const given = COMPARATORS[name]!.u;
  const u: number[] = Array.from({ length: levels }, (_, i) => (i === levels - 1 ? 0 : given?.[i] ?? (i === 0 ? 0.002 : 0.01)));
  u[levels - 1] = 1 - u.reduce((s, v) => s + v, 0);
  return u;
}

/**
 * A preset's model before training: its comparisons with starting m/u, thresholds, a small prior.
 * Thresholds are posterior probabilities: ≥ 0.999 sure match, ≥ 0.5 review, else sure non-match.
 * @example defaultModel('febrl').comparisons.map((c) => c.field) // ['given_name', 'surname', …]
 */
export function defaultModel(preset: 'cn-bank' | 'febrl'): MatchModel {
  const comparisons: Comparison[] = PRESET_COMPARISONS[preset].map(({ name, kind }) => {
    const c = COMPARATORS[name]!;
    const u = defaultU(c.levels.length, name);
    return {
      name,
      field: c.field,
      ...(kind ? { kind } : {}),
      levels: c.levels.map((label, i) => ({ label, m: c.m[i]!, u: u[i]! })),
      ...(c.tfValue ? { termFrequency: true } : {}),
    };
  });
  return constrain({
    preset,
    comparisons,
    priorMatchProbability: { person: 1e-5, org: 1e-5 },
    matchThreshold: 0.999,
    reviewThreshold: 0.5,
  });
}

/**
 * What the data may not overturn, applied to m: a level saying two values differ (the last, 'else', and those a
 * comparator names in `differ`) never weighs for a match — a level rare among non-matches, such as two company numbers
 * not both valid, came out at +11 bits from the data — and agreement on a field with `maxWeight` weighs at most that.
 */
function constrain(model: MatchModel): MatchModel {
  for (const comp of model.comparisons) {
    const c = COMPARATORS[comp.name]!;
    comp.levels.forEach((lv, l) => {
      if ((l === comp.levels.length - 1 || c.differ?.includes(l)) && lv.m > lv.u) lv.m = lv.u;
      if (c.maxWeight !== undefined && lv.m > lv.u * 2 ** c.maxWeight) lv.m = lv.u * 2 ** c.maxWeight;
    });
  }
  return model;
}

/** Comparisons that apply to records of this kind. */
function applies(c: Comparison, kind: 'person' | 'org'): boolean {
  return !c.kind || c.kind === kind;
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
      const count = tf.counts[value] ?? tf.rest ?? 1;
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
  let doubts = 0;
  let vetoed = false;
  let vouched = false;
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
    const cmp = COMPARATORS[comp.name]!;
    const v = cmp.veto ? cmp.veto(a, b, level) : 0;
    if (v === VETO) vetoed = true;
    else doubts += v;
    if (cmp.vouch !== undefined && level <= cmp.vouch) vouched = true;
  }
  const probability = 1 / (1 + 2 ** -score);
  const conflict = idConflict(a, b);
  let zone = zoneOf(probability, model);
  if (conflict && zone === 'match') zone = 'review';
  if ((vetoed || doubts >= 2) && !vouched && zone === 'match') {
    // Shown as its own line, as the bank's other rules are: why a pair this strong is not merged automatically.
    zone = 'review';
    fields.push({ field: 'rule', level: VETO_LABEL, weight: 0 });
  }
  return conflict ? { score, probability, zone, fields, conflict } : { score, probability, zone, fields };
}

/** The explanation's line for a pair a veto kept from an automatic merge (see Comparator.veto). */
export const VETO_LABEL = 'differs-no-auto-merge';

type CompiledKind = {
  prior: number;
  /** Per comparison: its veto (Comparator.veto) and the last vouching level (-1: none). */
  veto: Array<((a: Prepared, b: Prepared, level: number) => Veto) | undefined>;
  vouch: Int8Array;
  /** Just below the sure-match score: where a vetoed pair's score is held. */
  cap: number;
  compare: Array<(a: Prepared, b: Prepared) => number>;
  weights: Float64Array[];
  /** Per comparison: its TF table and value function when level 0 is frequency-adjusted. */
  tf: Array<{ counts: Map<string, number>; total: number; rest: number; value: (p: Prepared) => string; m: number; floor: number } | null>;
};

// Compiled form of a model, per kind (models are values: changing one means a new object).
const compiled = new WeakMap<MatchModel, Partial<Record<'person' | 'org', CompiledKind>>>();

function compile(model: MatchModel, kind: 'person' | 'org'): CompiledKind {
  let byKind = compiled.get(model);
  if (!byKind) compiled.set(model, (byKind = {}));
  let c = byKind[kind];
  if (c) return c;
  const prior = model.priorMatchProbability[kind] ?? 1e-5;
  const comps = model.comparisons.filter((comp) => applies(comp, kind));
  c = {
    prior: log2(prior / (1 - prior)), compare: [], weights: [], tf: [],
    veto: comps.map((comp) => COMPARATORS[comp.name]!.veto),
    vouch: Int8Array.from(comps, (comp) => COMPARATORS[comp.name]!.vouch ?? -1),
    cap: oddsScore(model.matchThreshold) - 1e-6,
  };
  for (const comp of comps) {
    const fn = COMPARATORS[comp.name]!;
    c.compare.push(fn.compare);
    c.weights.push(Float64Array.from(comp.levels, (lv) => lv.weight ?? log2(Math.max(lv.m, 1e-9) / Math.max(lv.u, 1e-9))));
    const tf = comp.termFrequency && comp.levels[0]!.weight === undefined ? model.termFrequencies?.[comp.name] : undefined;
    c.tf.push(tf && fn.tfValue ? { counts: new Map(Object.entries(tf.counts)), total: Math.max(tf.total, 1), rest: tf.rest ?? 1, value: fn.tfValue, m: comp.levels[0]!.m, floor: comp.levels[0]!.u / 10 } : null);
  }
  byKind[kind] = c;
  return c;
}

/**
 * Just the score (log2 odds) of a pair: the hot path of clustering, without building the explanation.
 * Same value as scorePair(a, b, model).score, except that a pair a veto keeps from a sure match (scorePair: zone
 * 'review' and a `rule` line) is held just below the sure-match score.
 * @example fastScore(a, b, model) >= oddsScore(model.matchThreshold) // sure match
 */
export function fastScore(a: Prepared, b: Prepared, model: MatchModel): number {
  if (a.kind !== b.kind) return -Infinity;
  const c = compile(model, a.kind);
  let score = c.prior;
  let veto = 0; // VETO, or the doubts' sum: 2 or more keeps the pair from a sure match
  let vouched = false;
  for (let k = 0; k < c.compare.length; k++) {
    const level = c.compare[k]!(a, b);
    if (level < 0) continue;
    const vf = c.veto[k];
    if (vf && level > 0) veto += vf(a, b, level);
    if (level <= c.vouch[k]!) vouched = true;
    const tf = level === 0 ? c.tf[k] : null;
    if (tf) {
      const v = tf.value(a);
      score += log2(tf.m / Math.max(Math.max(tf.counts.get(v) ?? tf.rest, 1) / tf.total, tf.floor));
    } else score += c.weights[k]![level]!;
  }
  // A veto holds the pair just below a sure match (review at most), as scorePair's zone does.
  return veto >= VETO && !vouched ? Math.min(score, c.cap) : score;
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
    const counts = new Map<string, number>();
    let total = 0;
    for (const p of records) {
      if (!applies(comp, p.kind)) continue;
      const v = fn(p);
      if (!v) continue;
      counts.set(v, (counts.get(v) ?? 0) + 1);
      total++;
    }
    out[comp.name] = { total, counts: Object.fromEntries(counts) };
  }
  return out;
}

/**
 * Term-frequency tables cut to each one's `max` most frequent values (a model is stored and re-read as JSON). A value
 * left out counts as the mean of the values left out (`rest`), so it weighs as a rare value, not as a unique one.
 * @example capTermFrequencies({ 'cn.person-name': { total: 6, counts: { 张伟: 3, 李娜: 2, 王芳: 1 } } }, 1)['cn.person-name'] // { total: 6, counts: { 张伟: 3 }, rest: 1.5 }
 */
export function capTermFrequencies(tables: Record<string, TermFrequencies>, max: number): Record<string, TermFrequencies> {
  const out: Record<string, TermFrequencies> = {};
  for (const [name, t] of Object.entries(tables)) {
    const entries = Object.entries(t.counts);
    if (entries.length <= max) {
      out[name] = t;
      continue;
    }
    // Most frequent first; equal counts in value order, so the same records always give the same table.
    entries.sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    const kept = entries.slice(0, max);
    const left = entries.slice(max);
    const leftTotal = left.reduce((s, [, c]) => s + c, 0);
    out[name] = { total: t.total, counts: Object.fromEntries(kept), rest: leftTotal / left.length };
  }
  return out;
}

/** Level vectors of sampled pairs, by kind, as the EM step consumes them. */
export type TrainingSample = {
  kind: 'person' | 'org';
  /** Level vectors of random pairs that are no candidate pairs (next to no match among them): with the blocked pairs EM
   * takes for non-matches, the u estimates. */
  random: Int8Array[];
  /** Level vectors of a uniform sample of the blocked pairs, with the bit mask of the rules that found each. */
  blocked: Array<{ levels: Int8Array; rules: number }>;
  /** Number of blocked pairs of this kind in full (the sample may be a subset). */
  blockedTotal: number;
  /** Number of all possible pairs of this kind (the prior's denominator). */
  allPairs: number;
};

/** Options of estimation. */
export type FitOptions = { iterations?: number; note?: string; records?: number };

/**
 * How fitModel estimates, as its model's `trainedOn.note` says unless told otherwise (a caller can recognise it and say it in the reader's language).
 * @example fitModel(base, samples).trainedOn?.note === EM_NOTE // true
 */
export const EM_NOTE = 'u from random pairs; m by EM per blocking rule (rule fields left out); prior by EM over all blocked pairs; thresholds fixed posterior probabilities';

/** Below this many random pairs of a kind, u leans on the base model's (see fitModel). */
const MIN_RANDOM_PAIRS = 2000;

type Pattern = { v: Int8Array; n: number };

function patternsOf(rows: Int8Array[]): Pattern[] {
  const patterns = new Map<number, Pattern>();
  for (const v of rows) {
    // Levels are small (-1 … 6): base 8 digits, exact in a double for up to 17 comparisons.
    let key = 0;
    for (let i = 0; i < v.length; i++) key = key * 8 + v[i]! + 1;
    const p = patterns.get(key);
    if (p) p.n++;
    else patterns.set(key, { v, n: 1 });
  }
  return [...patterns.values()];
}

/** Each level vector's posterior match probability under m, u and the match share λ. */
function posteriors(rows: Int8Array[], cols: number[], m: number[][], u: number[][], lambda: number): Float64Array {
  const out = new Float64Array(rows.length);
  const base = Math.log(lambda / (1 - lambda));
  rows.forEach((v, q) => {
    let lr = base;
    for (let k = 0; k < cols.length; k++) {
      const lv = v[cols[k]!]!;
      if (lv >= 0) lr += Math.log(Math.max(m[k]![lv]!, 1e-9) / u[k]![lv]!);
    }
    out[q] = 1 / (1 + Math.exp(-Math.max(-700, Math.min(700, lr))));
  });
  return out;
}

/**
 * Two-class EM with u held fixed: estimates m of the comparisons in `free` and the match share λ.
 * Returns m (for every comparison index in cols; untouched when not free) and λ.
 */
function emFixedU(pats: Pattern[], cols: number[], free: boolean[], m0: number[][], u: number[][], iterations: number, estimateM: boolean) {
  let m = m0.map((x) => [...x]);
  let lambda = 0.1;
  const post = new Float64Array(pats.length);
  for (let it = 0; it < iterations; it++) {
    let sumPost = 0;
    let total = 0;
    for (let p = 0; p < pats.length; p++) {
      let lr = Math.log(lambda / (1 - lambda));
      for (let k = 0; k < cols.length; k++) {
        const lv = pats[p]!.v[cols[k]!]!;
        if (lv < 0 || (!free[k] && estimateM)) continue;
        lr += Math.log(Math.max(m[k]![lv]!, 1e-9) / u[k]![lv]!);
      }
      post[p] = 1 / (1 + Math.exp(-Math.max(-700, Math.min(700, lr))));
      sumPost += post[p]! * pats[p]!.n;
      total += pats[p]!.n;
    }
    lambda = Math.min(Math.max(sumPost / total, 1e-6), 1 - 1e-6);
    if (!estimateM) continue;
    m = m.map((old, k) => {
      if (!free[k]) return old;
      // Add-one smoothing: a level never seen among matches is rare, not impossible.
      const acc = old.map(() => 1);
      for (let p = 0; p < pats.length; p++) {
        const lv = pats[p]!.v[cols[k]!]!;
        if (lv >= 0) acc[lv]! += post[p]! * pats[p]!.n;
      }
      const s = acc.reduce((x, y) => x + y, 0);
      return acc.map((x) => x / s);
    });
  }
  return { m, lambda };
}

/**
 * Estimate u, m and the prior from level vectors (unsupervised). u: level frequencies among random pairs,
 * smoothed. m: for each blocking rule, EM (two classes, u held fixed) on the pairs that rule finds, over the
 * comparisons the rule does not fix; each comparison's m is the match-weighted average over rules. Prior:
 * EM for the match share alone over all blocked pairs (every comparison, final m/u), times blocked / all
 * pairs. Manual weights are kept.
 * @example fitModel(defaultModel('febrl'), [sample]).priorMatchProbability.person // ≈ 5e-4 on febrl3
 */
export function fitModel(base: MatchModel, samples: TrainingSample[], opts: FitOptions = {}): MatchModel {
  const iterations = opts.iterations ?? 30;
  const model: MatchModel = structuredClone({ ...base, termFrequencies: undefined });
  delete model.termFrequencies;
  const rules = PRESET_RULES[base.preset];
  let pairsSeen = 0;
  for (const sample of samples) {
    const cols = model.comparisons.map((c, i) => (applies(c, sample.kind) ? i : -1)).filter((i) => i >= 0);
    const comps = cols.map((i) => model.comparisons[i]!);
    // u: how the levels fall among non-matches, which are (i) the pairs no blocking rule found — almost every pair,
    // almost none a match — from the random sample (trainingPlan leaves candidates out of it), and (ii) the blocked
    // pairs EM takes for non-matches, by their posterior, once m is known. Smoothed, so that no level is impossible.
    // (A random sample with candidates in it held a few matches by chance — some 4 in 50,000 on cn-dev, as a Poisson
    // count — and moved the 'exact' weights by 3 bits from one seed to the next.)
    const counts = comps.map((c, k) => {
      const n = c.levels.map(() => 0);
      for (const v of sample.random) if (v[cols[k]!]! >= 0) n[v[cols[k]!]!]! += 1;
      return n;
    });
    const nonBlocked = Math.max(sample.allPairs - sample.blockedTotal, 0);
    // Blocked pairs in random-draw units (one draw stands for nonBlocked / draws pairs), each sampled one for blockedTotal / sampled.
    const unit = sample.random.length > 0 && nonBlocked > 0 ? sample.random.length / nonBlocked : 1;
    const scale = sample.blocked.length ? sample.blockedTotal / sample.blocked.length : 0;
    // With few records there are few pairs: the counts are topped up to MIN_RANDOM_PAIRS pairs distributed as the base model's u.
    const uFrom = (post: Float64Array | null) =>
      counts.map((n, k) => {
        const present = n.reduce((x, y) => x + y, 0);
        const top = Math.max(0, MIN_RANDOM_PAIRS - present);
        const adj = n.map((x, l) => x + 0.5 + top * comps[k]!.levels[l]!.u);
        if (post) {
          sample.blocked.forEach((x, q) => {
            const lv = x.levels[cols[k]!]!;
            if (lv >= 0) adj[lv]! += (1 - post[q]!) * scale * unit;
          });
        }
        const total = adj.reduce((x, y) => x + y, 0);
        return adj.map((x) => x / total);
      });
    const m0 = comps.map((c) => c.levels.map((l) => l.m));
    let u = uFrom(null);
    let mFinal = m0;
    let prior = 0;
    for (let round = 0; round < 2; round++) {
      const mSum = comps.map((c) => c.levels.map(() => 0));
      const mWeight = comps.map(() => 0);
      for (let r = 0; r < rules.length; r++) {
        const rows = sample.blocked.filter((x) => (x.rules >> r) & 1).map((x) => x.levels);
        if (rows.length < 20) continue;
        const fixed = new Set(rules[r]!.fixes);
        const free = comps.map((c) => !fixed.has(c.name));
        const { m, lambda } = emFixedU(patternsOf(rows), cols, free, m0, u, iterations, true);
        const w = lambda * rows.length;
        comps.forEach((_, k) => {
          if (!free[k]) return;
          mWeight[k] += w;
          m[k]!.forEach((x, l) => (mSum[k]![l]! += x * w));
        });
      }
      mFinal = comps.map((c, k) => (mWeight[k]! > 0 ? mSum[k]!.map((x) => x / mWeight[k]!) : c.levels.map((l) => l.m)));
      // Partial agreement is never stronger evidence against a match than full disagreement
      // (only where 'else' is the usual outcome for different records; for ID numbers 'different-valid' is).
      mFinal.forEach((m, k) => {
        const L = m.length - 1;
        if (u[k]![L]! >= 0.5) for (let l = 0; l < L; l++) if (m[l]! / u[k]![l]! < m[L]! / u[k]![L]!) m[l] = Math.min(1, (u[k]![l]! * m[L]!) / u[k]![L]!);
      });
      const { lambda } = emFixedU(patternsOf(sample.blocked.map((x) => x.levels)), cols, comps.map(() => true), mFinal, u, iterations, false);
      prior = Math.min(0.5, Math.max((lambda * sample.blockedTotal) / Math.max(1, sample.allPairs), 1e-12));
      if (round === 0) u = uFrom(posteriors(sample.blocked.map((x) => x.levels), cols, mFinal, u, lambda));
    }
    comps.forEach((c, k) => c.levels.forEach((lv, l) => {
      lv.u = u[k]![l]!;
      lv.m = mFinal[k]![l]!;
    }));
    model.priorMatchProbability[sample.kind] = prior;
    pairsSeen += sample.blocked.length;
  }
  constrain(model);
  model.trainedOn = {
    records: opts.records ?? 0,
    pairs: pairsSeen,
    iterations,
    note: opts.note ?? EM_NOTE,
  };
  return model;
}

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
  /** Candidate pairs (from candidatePairs with the same options). */
  candidates: Candidates;
  randomPairs?: number;
  maxBlockedPairs?: number;
  linkOnly?: boolean;
  iterations?: number;
  base?: MatchModel;
};

/**
 * Sample what fitModel needs: random pairs and a uniform subsample of the candidate pairs, per kind.
 * `levels(a, b)` computes a level vector (in-process, or the CLI's workers).
 * @example trainingPlan(kinds, sources, candidates, { random: seededRandom(1) })
 */
export function trainingPlan(
  kindOf: ArrayLike<number>,
  sourceOf: ArrayLike<number>,
  cands: Candidates,
  opts: { random: () => number; randomPairs?: number; maxBlockedPairs?: number; linkOnly?: boolean },
): Array<{ kind: 'person' | 'org'; randomA: number[]; randomB: number[]; blocked: number[]; blockedTotal: number; allPairs: number }> {
  const plans = [];
  // The random pairs leave candidate pairs out: fitModel takes those from the blocked sample, by EM's posterior.
  const n = kindOf.length;
  const pairKey = (i: number, j: number) => (i < j ? i * n + j : j * n + i);
  const candidate = new Set<number>();
  for (let k = 0; k < cands.a.length; k++) candidate.add(pairKey(cands.a[k]!, cands.b[k]!));
  for (const kd of [0, 1]) {
    const idx: number[] = [];
    for (let i = 0; i < kindOf.length; i++) if (kindOf[i] === kd) idx.push(i);
    if (idx.length < 2) continue;
    const perSource = new Map<number, number>();
    for (const i of idx) perSource.set(sourceOf[i]!, (perSource.get(sourceOf[i]!) ?? 0) + 1);
    let allPairs = (idx.length * (idx.length - 1)) / 2;
    if (opts.linkOnly) for (const c of perSource.values()) allPairs -= (c * (c - 1)) / 2;
    const want = opts.randomPairs ?? 200_000;
    const randomA: number[] = [];
    const randomB: number[] = [];
    // Few records: every pair once (drawn with replacement, the one pair of two records would be counted 50,000 times).
    if (allPairs <= want) {
      for (let x = 0; x < idx.length; x++) {
        for (let y = x + 1; y < idx.length; y++) {
          if ((opts.linkOnly && sourceOf[idx[x]!] === sourceOf[idx[y]!]) || candidate.has(pairKey(idx[x]!, idx[y]!))) continue;
          randomA.push(idx[x]!);
          randomB.push(idx[y]!);
        }
      }
    }
    for (let t = 0; randomA.length < want && allPairs > want && t < want * 8; t++) {
      const i = idx[Math.floor(opts.random() * idx.length)]!;
      const j = idx[Math.floor(opts.random() * idx.length)]!;
      if (i === j || (opts.linkOnly && sourceOf[i] === sourceOf[j]) || candidate.has(pairKey(i, j))) continue;
      randomA.push(i);
      randomB.push(j);
    }
    const ofKind: number[] = [];
    for (let k = 0; k < cands.a.length; k++) if (kindOf[cands.a[k]!] === kd && kindOf[cands.b[k]!] === kd) ofKind.push(k);
    const step = Math.max(1, ofKind.length / (opts.maxBlockedPairs ?? 60_000));
    const blocked: number[] = [];
    for (let f = 0; f < ofKind.length; f += step) blocked.push(ofKind[Math.floor(f)]!);
    plans.push({ kind: kd ? ('org' as const) : ('person' as const), randomA, randomB, blocked, blockedTotal: ofKind.length, allPairs });
  }
  return plans;
}

/**
 * Train a model on the records themselves (no labels): see fitModel. Also fills the term-frequency tables.
 * @example trainModel(records, { preset: 'cn-bank', random: seededRandom(1), candidates: candidatePairs(records, 'cn-bank') }).matchThreshold // 0.999
 */
export function trainModel(records: readonly Prepared[], opts: TrainOptions): MatchModel {
  const base = opts.base ?? defaultModel(opts.preset);
  const cands = opts.candidates;
  const sources = new Map<string, number>();
  const sourceOf = records.map((p) => {
    if (!sources.has(p.source)) sources.set(p.source, sources.size);
    return sources.get(p.source)!;
  });
  const kindOf = records.map((p) => (p.kind === 'org' ? 1 : 0));
  const samples: TrainingSample[] = trainingPlan(kindOf, sourceOf, cands, opts).map((plan) => ({
    kind: plan.kind,
    random: plan.randomA.map((i, q) => comparisonLevels(records[i]!, records[plan.randomB[q]!]!, base)),
    blocked: plan.blocked.map((k) => ({ levels: comparisonLevels(records[cands.a[k]!]!, records[cands.b[k]!]!, base), rules: cands.rules[k]! })),
    blockedTotal: plan.blockedTotal,
    allPairs: plan.allPairs,
  }));
  const model = fitModel(base, samples, { iterations: opts.iterations, records: records.length });
  model.termFrequencies = termFrequencies(records, model);
  return model;
}
