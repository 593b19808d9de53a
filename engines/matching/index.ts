/**
 * The matching engine (I3, I4): probabilistic record linkage in the Fellegi–Sunter family. Pure.
 *
 *   prepare(record)                 → Prepared (normalised, comparison-ready)
 *   blockingKeys(prepared, preset)  → string[] (index these to find candidates for a new record)
 *   defaultModel(preset) / trainModel(prepared[], opts) → MatchModel (JSON; EM, no labels)
 *   scorePair(a, b, model)          → { score, probability, zone, fields[], conflict? } (explained)
 *   clusterRecords(prepared[], model, opts) → { clusterOf[], reviewPairs[] } (anti-chaining guard)
 *   sourceOrder(records, valueRank, override?) → merge order of sources with overlaps (I4)
 *
 * For the database side: store prepare()'s output (packPrepared/unpackPrepared give it as one text column)
 * and index blockingKeys(); a new record's candidates are the rows sharing any key; score them with
 * scorePair. Train with trainModel(records, { preset, random: seededRandom(seed), candidates:
 * candidatePairs(records, preset) }) on a sample of the bank's own records; keep the JSON it returns (the
 * admin sees m, u, weights, thresholds; set `levels[i].weight` to override a weight). termFrequencies is
 * optional: supply counts of names from the database (TermFrequencies) or leave it out (no TF adjustment).
 * Treat a model as a value: changed weights or thresholds mean a new object (scores are compiled per object).
 * The anti-chaining guard compares valid numbers whole (Prepared.idNo: a valid old 15-digit resident ID upgraded to 18);
 * Prepared.idKey, the 15 digits old and new numbers share, is for blocking and for comparing numbers that fail their check.
 */
import { candidatePairs, type Candidates, type PairOptions } from './blocking.ts';
import { clusterScored } from './cluster.ts';
import { fastScore, oddsScore } from './model.ts';
import type { MatchModel, Prepared, ReviewPair } from './types.ts';

export type { MatchRecord, Prepared, MatchModel, Comparison, ComparisonLevel, TermFrequencies, PairScore, ReviewPair, IdKind } from './types.ts';
export { prepare, packPrepared, unpackPrepared, companyCore, normDate, normAddress, syllables } from './normalize.ts';
export { blockingKeys, blockKey, MAX_KEY_VALUE, candidatePairs, candidatesFromKeys, hashKey, PRESET_RULES, MAX_BLOCK, type Candidates, type PairOptions, type BlockingRule } from './blocking.ts';
export { defaultModel, trainModel, trainingPlan, fitModel, EM_NOTE, scorePair, fastScore, comparisonLevels, termFrequencies, capTermFrequencies, idConflict, oddsScore, seededRandom, type TrainingSample, type TrainOptions } from './model.ts';
export { clusterScored, type GuardInfo, type ClusterOptions } from './cluster.ts';
export { sourceOrder, type SourceStep } from './source-order.ts';
export { generateCnRecords, syntheticRecords } from './synthetic.ts';
export { jaroWinkler, editDistance, tokenOverlap } from './similarity.ts';

/** Options of clusterRecords. */
export type ClusterRecordsOptions = PairOptions & {
  /** Each source has no internal duplicates: a cluster holds at most one record per source (conflicts go to review). */
  uniquePerSource?: boolean;
  /** Merge order of sources (from sourceOrder); pairs are merged source by source in this order. */
  sourceOrder?: readonly string[];
  /** Precomputed candidate pairs (default: the model preset's blocking). */
  candidates?: Candidates;
};

/**
 * Cluster records: block, score every candidate pair, merge the sure matches strongest first unless the
 * merge would join two different valid ID/USCC numbers (→ review, reason 'conflict'). Fuzzy-zone pairs
 * come back for review. clusterOf[i] is the id of record i's cluster (the id of its first record).
 * @example
 * const recs = rows.map(prepare);
 * const { clusterOf, reviewPairs } = clusterRecords(recs, model);
 * // clusterOf: ['R1', 'R1', 'R3'] · reviewPairs: [{ a: 1, b: 2, score: 4.2, reason: 'fuzzy' }]
 */
export function clusterRecords(
  records: readonly Prepared[],
  model: MatchModel,
  opts: ClusterRecordsOptions = {},
): { clusterOf: string[]; reviewPairs: ReviewPair[] } {
  const cands = opts.candidates ?? candidatePairs(records, model.preset, opts);
  const score = new Float64Array(cands.a.length);
  for (let k = 0; k < cands.a.length; k++) score[k] = fastScore(records[cands.a[k]!]!, records[cands.b[k]!]!, model);
  const sources = new Map<string, number>();
  const source = records.map((p) => {
    if (!sources.has(p.source)) sources.set(p.source, sources.size);
    return sources.get(p.source)!;
  });
  const rankOf = new Map((opts.sourceOrder ?? []).map((s, i) => [s, i]));
  const { root, reviewPairs } = clusterScored(
    records.length,
    { a: cands.a, b: cands.b, score },
    oddsScore(model.matchThreshold),
    oddsScore(model.reviewThreshold),
    {
      personId: records.map((p) => (p.idValid && p.idKind === 'resident_id' ? p.idNo : '')),
      orgId: records.map((p) => (p.idValid && p.idKind === 'uscc' ? p.idNo : '')),
      source,
    },
    {
      uniquePerSource: opts.uniquePerSource,
      ...(opts.sourceOrder ? { sourceRank: records.map((p) => rankOf.get(p.source) ?? rankOf.size) } : {}),
    },
  );
  return { clusterOf: Array.from(root, (r) => records[r]!.id), reviewPairs };
}
