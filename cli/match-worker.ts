/**
 * One worker thread of `banyan match`. The input files sit in shared memory; the main thread hands out
 * record ranges to prepare and pair lists to compare or score. Records are prepared once per worker, on
 * first use (its own range up front, the other ranges' records when a pair needs them).
 */
import { parentPort, workerData } from 'node:worker_threads';
import {
  blockKey, comparisonLevels, fastScore, hashKey, packPrepared, PRESET_RULES, prepare, scorePair, unpackPrepared,
  type MatchModel, type PairScore, type Prepared,
} from '../engines/matching/index.ts';
import { COMPARATORS } from '../engines/matching/comparisons.ts';
import { InputError, recordReader, type Preset } from './match-io.ts';

export type WorkerInit = {
  preset: Preset;
  files: Array<{ buf: SharedArrayBuffer; cols: Record<string, number>; source: string }>;
  recFile: Uint8Array;
  recStart: Int32Array;
  recEnd: Int32Array;
};

export type PrepareResult = {
  lo: number;
  kind: Uint8Array;
  personId: Float64Array;
  orgId: Float64Array;
  source: Int32Array;
  sourceNames: string[];
  keyHash: Float64Array;
  keyRec: Int32Array;
  keyRule: Uint8Array;
  /** Term counts per TF comparison: values and their counts. */
  tf: Record<string, { values: string[]; counts: Int32Array; total: number }>;
  /** The range's prepared records, packed (UTF-8), for the other workers: decoded as one string, record lo + k is characters packStart[k] … packStart[k + 1]. */
  pack: SharedArrayBuffer;
  packStart: Int32Array;
};

/** Another worker's packed records. */
export type Peer = { lo: number; hi: number; pack: SharedArrayBuffer; packStart: Int32Array };

export type WorkerRequest =
  | { op: 'prepare'; lo: number; hi: number; model: MatchModel }
  | { op: 'peers'; peers: Peer[] } // every worker's packed range, its own included
  | { op: 'levels'; a: Int32Array; b: Int32Array; model: MatchModel }
  | { op: 'score'; a: Int32Array; b: Int32Array; model: MatchModel }
  | { op: 'explain'; a: Int32Array; b: Int32Array; model: MatchModel }; // → ExplainResult

/** Per pair, the level and weight of every comparison (scorePair's explanation). */
export type ExplainResult = Array<PairScore['fields']>;

/** What a worker answers instead of a result when the input is wrong (an InputError): told to the user, no stack. */
export type WorkerInputError = { inputError: { en: string; zh: string } };

const init = workerData as WorkerInit;
const buffers = init.files.map((f) => Buffer.from(f.buf));
const readers = init.files.map((f) => recordReader(f.cols, init.preset, f.source));
let packs: Array<{ lo: number; hi: number; text: string; start: Int32Array }> = [];

// Input lines are decoded a block at a time: one toString per line cost more than preparing the record.
const BLOCK = 4096;
let block: { lo: number; lines: string[] } = { lo: 0, lines: [] };

/**
 * Decodes records lo … < limit (at most BLOCK, one file) in one go, as lines; a block holding a record that spans lines
 * (a newline inside quotes: such a record gives two or more non-blank lines) is decoded record by record instead.
 */
function decodeBlock(lo: number, limit: number): { lo: number; lines: string[] } {
  const f = init.recFile[lo]!;
  let hi = lo + 1;
  while (hi < limit && hi - lo < BLOCK && init.recFile[hi] === f) hi++;
  const lines: string[] = [];
  for (const l of buffers[f]!.toString('utf8', init.recStart[lo]!, init.recEnd[hi - 1]!).split('\n')) {
    const line = l.endsWith('\r') ? l.slice(0, -1) : l;
    if (line) lines.push(line); // blank lines were never records
  }
  if (lines.length === hi - lo) return { lo, lines };
  // A record with a newline inside quotes: decode record by record.
  return { lo, lines: Array.from({ length: hi - lo }, (_, k) => buffers[f]!.toString('utf8', init.recStart[lo + k]!, init.recEnd[lo + k]!)) };
}

/** Prepares record i (of a range ending before limit) from its input line (the first pass). */
function fromLine(i: number, limit: number): Prepared {
  if (i < block.lo || i >= block.lo + block.lines.length) block = decodeBlock(i, limit);
  return prepare(readers[init.recFile[i]!]!(block.lines[i - block.lo]!));
}

/**
 * A record for comparison, unpacked from the packed form its worker wrote in the first pass. Nothing is
 * cached (a million prepared objects per thread would cost more memory and garbage collection than
 * unpacking costs time); pairs come sorted by their first record, so callers keep that one.
 */
function record(i: number): Prepared {
  for (const pk of packs) {
    if (i >= pk.lo && i < pk.hi) {
      const k = i - pk.lo;
      return unpackPrepared(pk.text.slice(pk.start[k]!, pk.start[k + 1]!));
    }
  }
  throw new RangeError(`record ${i}: not in any packed range`);
}

/** Runs fn over pairs, unpacking each first record once for its run of pairs. */
function eachPair(a: Int32Array, b: Int32Array, fn: (k: number, ra: Prepared, rb: Prepared) => void) {
  let ai = -1;
  let ra: Prepared | null = null;
  for (let k = 0; k < a.length; k++) {
    if (a[k] !== ai || !ra) {
      ai = a[k]!;
      ra = record(ai);
    }
    fn(k, ra, record(b[k]!));
  }
}

function prepareRange(lo: number, hi: number, model: MatchModel): PrepareResult {
  const n = hi - lo;
  const kind = new Uint8Array(n);
  const personId = new Float64Array(n);
  const orgId = new Float64Array(n);
  const source = new Int32Array(n);
  const sourceIndex = new Map<string, number>();
  const hashes: number[] = [];
  const recs: number[] = [];
  const rules: number[] = [];
  const ruleList = PRESET_RULES[init.preset];
  const tfComps = model.comparisons.filter((c) => c.termFrequency);
  const tfCounts = tfComps.map(() => new Map<string, number>());
  const tfTotals = tfComps.map(() => 0);
  const tfValues = tfComps.map((c) => COMPARATORS[c.name]!.tfValue!);
  let packed = Buffer.allocUnsafe(1 << 20);
  let packLen = 0;
  let charLen = 0;
  const packStart = new Int32Array(n + 1);
  for (let i = lo; i < hi; i++) {
    const p = fromLine(i, hi);
    for (let t = 0; t < tfComps.length; t++) {
      const c = tfComps[t]!;
      if (c.kind && c.kind !== p.kind) continue;
      const v = tfValues[t]!(p);
      if (!v) continue;
      tfCounts[t]!.set(v, (tfCounts[t]!.get(v) ?? 0) + 1);
      tfTotals[t]!++;
    }
    const line = packPrepared(p);
    if (packLen + line.length * 3 > packed.length) {
      const bigger = Buffer.allocUnsafe(packed.length * 2 + line.length * 3);
      packed.copy(bigger, 0, 0, packLen);
      packed = bigger;
    }
    packStart[i - lo] = charLen;
    charLen += line.length;
    packLen += packed.write(line, packLen);
    const k = i - lo;
    kind[k] = p.kind === 'org' ? 1 : 0;
    if (p.idValid && p.idKind === 'resident_id') personId[k] = hashKey(p.idNo) + 1;
    if (p.idValid && p.idKind === 'uscc') orgId[k] = hashKey(p.idNo) + 1;
    let s = sourceIndex.get(p.source);
    if (s === undefined) sourceIndex.set(p.source, (s = sourceIndex.size));
    source[k] = s;
    // The keys blockingKeys gives, hashed as they are built (same strings, so the same hashes).
    const kindTag = p.kind === 'org' ? 'o' : 'p';
    for (let r = 0; r < ruleList.length; r++) {
      const v = ruleList[r]!.key(p);
      if (!v) continue;
      hashes.push(hashKey(blockKey(ruleList[r]!.name, kindTag, v)));
      recs.push(i);
      rules.push(r);
    }
  }
  packStart[n] = charLen;
  const pack = new SharedArrayBuffer(packLen);
  packed.copy(Buffer.from(pack), 0, 0, packLen);
  const tf: PrepareResult['tf'] = {};
  tfComps.forEach((c, t) => (tf[c.name] = { values: [...tfCounts[t]!.keys()], counts: Int32Array.from(tfCounts[t]!.values()), total: tfTotals[t]! }));
  return {
    lo, kind, personId, orgId, source, sourceNames: [...sourceIndex.keys()],
    keyHash: Float64Array.from(hashes), keyRec: Int32Array.from(recs), keyRule: Uint8Array.from(rules),
    tf, pack, packStart,
  };
}

parentPort!.on('message', (req: WorkerRequest) => {
  try {
    handle(req);
  } catch (err) {
    if (!(err instanceof InputError)) throw err;
    parentPort!.postMessage({ inputError: { en: err.en, zh: err.zh } } satisfies WorkerInputError);
  }
});

function handle(req: WorkerRequest) {
  if (req.op === 'prepare') {
    const r = prepareRange(req.lo, req.hi, req.model);
    parentPort!.postMessage(r, [r.kind, r.personId, r.orgId, r.source, r.keyHash, r.keyRec, r.keyRule].map((x) => x.buffer as ArrayBuffer));
  } else if (req.op === 'peers') {
    // One bulk decode per range; slicing a record out of the string afterwards costs next to nothing.
    packs = req.peers.map((p) => ({ lo: p.lo, hi: p.hi, text: Buffer.from(p.pack).toString('utf8'), start: p.packStart }));
    parentPort!.postMessage(true);
  } else if (req.op === 'levels') {
    const c = req.model.comparisons.length;
    const out = new Int8Array(req.a.length * c);
    eachPair(req.a, req.b, (k, ra, rb) => comparisonLevels(ra, rb, req.model, out.subarray(k * c, (k + 1) * c)));
    parentPort!.postMessage(out, [out.buffer as ArrayBuffer]);
  } else if (req.op === 'explain') {
    const out: ExplainResult = [];
    eachPair(req.a, req.b, (k, ra, rb) => (out[k] = scorePair(ra, rb, req.model).fields));
    parentPort!.postMessage(out);
  } else {
    const out = new Float64Array(req.a.length);
    eachPair(req.a, req.b, (k, ra, rb) => (out[k] = fastScore(ra, rb, req.model)));
    parentPort!.postMessage(out, [out.buffer as ArrayBuffer]);
  }
}
