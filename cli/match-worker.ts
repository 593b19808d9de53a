/**
 * One worker thread of `banyan match`. The input files sit in shared memory; the main thread hands out
 * record ranges to prepare and pair lists to compare or score. Records are prepared once per worker, on
 * first use (its own range up front, the other ranges' records when a pair needs them).
 */
import { parentPort, workerData } from 'node:worker_threads';
import {
  blockingKeys, comparisonLevels, fastScore, hashKey, PRESET_RULES, prepare, termFrequencies,
  type MatchModel, type Prepared,
} from '../engines/matching/index.ts';
import { toRecord, type Preset } from './match-io.ts';

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
  tf: MatchModel['termFrequencies'];
};

export type WorkerRequest =
  | { op: 'prepare'; lo: number; hi: number; model: MatchModel }
  | { op: 'levels'; a: Int32Array; b: Int32Array; model: MatchModel }
  | { op: 'score'; a: Int32Array; b: Int32Array; model: MatchModel };

const init = workerData as WorkerInit;
const buffers = init.files.map((f) => Buffer.from(f.buf));
const cache: (Prepared | undefined)[] = new Array(init.recStart.length);

function record(i: number): Prepared {
  let p = cache[i];
  if (!p) {
    const f = init.recFile[i]!;
    const file = init.files[f]!;
    const line = buffers[f]!.toString('utf8', init.recStart[i]!, init.recEnd[i]!);
    p = prepare(toRecord(line, file.cols, init.preset, file.source));
    cache[i] = p;
  }
  return p;
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
  const ruleIndex = new Map(PRESET_RULES[init.preset].map((r, i) => [r.name, i]));
  const own: Prepared[] = [];
  for (let i = lo; i < hi; i++) {
    const p = record(i);
    own.push(p);
    const k = i - lo;
    kind[k] = p.kind === 'org' ? 1 : 0;
    if (p.idValid && p.idKind === 'resident_id') personId[k] = hashKey(p.idKey) + 1;
    if (p.idValid && p.idKind === 'uscc') orgId[k] = hashKey(p.idKey) + 1;
    let s = sourceIndex.get(p.source);
    if (s === undefined) sourceIndex.set(p.source, (s = sourceIndex.size));
    source[k] = s;
    for (const key of blockingKeys(p, init.preset)) {
      hashes.push(hashKey(key));
      recs.push(i);
      rules.push(ruleIndex.get(key.slice(0, key.indexOf(':')))!);
    }
  }
  return {
    lo, kind, personId, orgId, source, sourceNames: [...sourceIndex.keys()],
    keyHash: Float64Array.from(hashes), keyRec: Int32Array.from(recs), keyRule: Uint8Array.from(rules),
    tf: termFrequencies(own, model),
  };
}

parentPort!.on('message', (req: WorkerRequest) => {
  if (req.op === 'prepare') {
    const r = prepareRange(req.lo, req.hi, req.model);
    parentPort!.postMessage(r, [r.kind, r.personId, r.orgId, r.source, r.keyHash, r.keyRec, r.keyRule].map((x) => x.buffer as ArrayBuffer));
  } else if (req.op === 'levels') {
    const c = req.model.comparisons.length;
    const out = new Int8Array(req.a.length * c);
    for (let k = 0; k < req.a.length; k++) comparisonLevels(record(req.a[k]!), record(req.b[k]!), req.model, out.subarray(k * c, (k + 1) * c));
    parentPort!.postMessage(out, [out.buffer as ArrayBuffer]);
  } else {
    const out = new Float64Array(req.a.length);
    for (let k = 0; k < req.a.length; k++) out[k] = fastScore(record(req.a[k]!), record(req.b[k]!), req.model);
    parentPort!.postMessage(out, [out.buffer as ArrayBuffer]);
  }
});
