/**
 * `banyan match`: clusters source records offline with engines/matching (no database), on worker threads.
 * Steps: read the inputs into shared memory → prepare + blocking keys (workers) → candidate pairs →
 * train the model on the data (EM, no labels) → score every candidate pair (workers) → cluster with the
 * anti-chaining guard → write record_id,cluster_id (sure matches only) and the review pairs.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { isUtf8 } from 'node:buffer';
import iconv from 'iconv-lite';
import { Worker } from 'node:worker_threads';
import {
  candidatesFromKeys, clusterScored, defaultModel, fitModel, oddsScore, seededRandom, sourceOrder, trainingPlan,
  type MatchModel, type TrainingSample,
} from '../engines/matching/index.ts';
import { columnMap, type Preset } from './match-io.ts';
import type { PrepareResult, WorkerInit, WorkerRequest } from './match-worker.ts';
import { parseCommandArgs, usageError } from './usage.ts';

const USAGE = `usage: banyan match --in FILE [--in FILE …] --out CLUSTERS.csv [--preset cn-bank|febrl] [--review-out PAIRS.csv]
  [--link-only] [--unique-per-source] [--source-rank a,b,…] [--source-order a,b,…]
  [--model MODEL.json] [--model-out MODEL.json] [--workers N] [--seed S] [--quiet]

Clusters source-record extracts (CSV, UTF-8 or GBK) offline, without a database, with the matching engine the server uses.
  --in FILE               an input (repeatable); its header names the canonical columns (record_id, kind, …)
  --out CLUSTERS.csv      record_id,cluster_id for every record, from sure matches
  --review-out PAIRS.csv  the fuzzy-zone pairs, for review
  --preset P              cn-bank (default) or febrl
  --link-only             pairs only across inputs (the default for several FEBRL inputs)
  --unique-per-source     at most one record of each input per cluster
  --source-rank a,b,…     sources to prefer when ordering them; --source-order a,b,… gives the order outright
  --model MODEL.json      use this model instead of training one on the data; --model-out writes the one used
  --workers N             worker threads (default: the cores, at most 8)
  --seed S                seed of the training sample (default 1)
  --quiet                 no timings on stderr`;

/**
 * Refuses an output path that cannot be written before any work is done (the matching can take minutes): its folder
 * must exist and be writable, and the file, if there is one, writable and no folder. Nothing is created or truncated.
 */
function checkWritable(option: string, file: string) {
  const dir = path.dirname(path.resolve(file));
  const st = fs.statSync(file, { throwIfNoEntry: false });
  if (st?.isDirectory()) throw usageError(`--${option} ${file} is a folder, not a file`, `--${option} ${file} 是目录而不是文件`);
  try {
    fs.accessSync(st ? file : dir, fs.constants.W_OK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') throw usageError(`--${option} ${file}: the folder ${dir} does not exist`, `--${option} ${file}：目录 ${dir} 不存在`);
    throw usageError(`--${option} ${file} cannot be written (${code})`, `--${option} ${file} 无法写入（${code}）`);
  }
}

type Input = { buf: SharedArrayBuffer; cols: Record<string, number>; source: string; starts: number[]; ends: number[] };

/** Formats the import reads but this command does not (it streams CSV lines into shared memory). */
const UNSUPPORTED: Record<string, string> = { '.xlsx': 'XLSX', '.xls': 'XLS', '.jsonl': 'JSON lines', '.ndjson': 'JSON lines', '.json': 'JSON' };

/** The record ids (first column, as the output writes them) of every record; throws naming ids that occur twice. */
function recordIds(inputs: Input[], recFile: Uint8Array, recStart: Int32Array, recEnd: Int32Array): string[] {
  const n = recFile.length;
  const ids = new Array<string>(n);
  const views = inputs.map((f) => Buffer.from(f.buf));
  const seen = new Set<string>();
  const dups: string[] = [];
  for (let i = 0; i < n; i++) {
    const v = views[recFile[i]!]!;
    const s = recStart[i]!;
    let e = v.indexOf(44, s);
    if (e < 0 || e > recEnd[i]!) e = recEnd[i]!;
    const id = (ids[i] = v.toString('utf8', s, e).trim());
    if (seen.has(id)) {
      if (dups.length < 5 && !dups.includes(id)) dups.push(id);
    } else seen.add(id);
  }
  // Two records with one id would be two rows of CLUSTERS.csv for "one" record: the evaluation would be wrong.
  if (dups.length) throw usageError(`duplicate record_id: ${dups.map((d) => JSON.stringify(d)).join(', ')}; every record needs its own id`, `record_id 重复：${dups.map((d) => JSON.stringify(d)).join('、')}；每条记录须有自己的 id`);
  return ids;
}

/** A prior for the log: '-' when the input had none of that kind to estimate it from. */
const priorText = (p: number | undefined) => (p !== undefined && Number.isFinite(p) ? p.toExponential(2) : '-');

/** Reads one file into shared memory and finds its data lines (header skipped, blank lines dropped). */
function readInput(file: string, preset: Preset, index: number, log: (m: string) => void): Input {
  const ext = path.extname(file).toLowerCase();
  if (UNSUPPORTED[ext]) throw usageError(`${file}: ${UNSUPPORTED[ext]} files are not supported; banyan match reads CSV only (save the sheet as CSV, UTF-8 or GBK)`, `${file}：不支持 ${UNSUPPORTED[ext]} 文件，banyan match 只读 CSV（请另存为 UTF-8 或 GBK 编码的 CSV）`);
  let size = fs.statSync(file).size;
  let buf = new SharedArrayBuffer(size);
  let view = Buffer.from(buf);
  const fd = fs.openSync(file, 'r');
  for (let off = 0; off < size; ) off += fs.readSync(fd, view, off, size - off, off);
  fs.closeSync(fd);
  // The import's rule: a file that is not valid UTF-8 is GBK/GB18030 (a BOM says UTF-8 for sure).
  const bom = view[0] === 0xef && view[1] === 0xbb && view[2] === 0xbf;
  if (!bom && !isUtf8(view)) {
    const text = iconv.decode(view, 'gb18030');
    if (text.includes('\ufffd')) throw usageError(`${file}: neither UTF-8 nor GBK/GB18030; save it as UTF-8`, `${file}：既不是 UTF-8 也不是 GBK/GB18030 编码，请另存为 UTF-8`);
    const utf8 = Buffer.from(text, 'utf8');
    size = utf8.length;
    buf = new SharedArrayBuffer(size);
    view = Buffer.from(buf);
    utf8.copy(view);
    log(`${file}: not valid UTF-8, read as GB18030 (GBK)`);
  }
  const starts: number[] = [];
  const ends: number[] = [];
  let pos = 0;
  let header = '';
  while (pos < size) {
    let nl = view.indexOf(10, pos);
    if (nl < 0) nl = size;
    let end = nl;
    if (end > pos && view[end - 1] === 13) end--;
    if (!header) header = view.toString('utf8', pos, end);
    else if (end > pos) {
      starts.push(pos);
      ends.push(end);
    }
    pos = nl + 1;
  }
  if (!header) throw usageError(`${file}: empty file`, `${file}：文件是空的`);
  let cols: Record<string, number>;
  try {
    cols = columnMap(header, preset);
  } catch (e) {
    throw usageError(`${file}: ${(e as Error).message} (preset ${preset})`, `${file}：缺少预置 ${preset} 所需的列`);
  }
  return { buf, cols, source: preset === 'febrl' ? `input-${index + 1}` : path.basename(file), starts, ends };
}

class Pool {
  private workers: Worker[];
  constructor(n: number, data: WorkerInit) {
    const entry = new URL('./match-worker.mjs', import.meta.url);
    this.workers = Array.from({ length: n }, () => new Worker(entry, { workerData: data }));
  }
  get size() {
    return this.workers.length;
  }
  run<T>(w: number, req: WorkerRequest): Promise<T> {
    const worker = this.workers[w]!;
    return new Promise<T>((resolve, reject) => {
      const onError = (e: Error) => reject(e);
      worker.once('error', onError);
      worker.once('message', (m: T) => {
        worker.off('error', onError);
        resolve(m);
      });
      worker.postMessage(req);
    });
  }
  async close() {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}

/** Splits pair lists among workers: pairs inside one worker's range go to it, pairs across ranges alternate. */
function splitPairs(a: ArrayLike<number>, b: ArrayLike<number>, owner: (i: number) => number, workers: number) {
  const lists = Array.from({ length: workers }, () => ({ idx: [] as number[] }));
  let flip = 0;
  for (let k = 0; k < a.length; k++) {
    const oa = owner(a[k]!);
    const w = oa === owner(b[k]!) ? oa : (flip++ % workers);
    lists[w]!.idx.push(k);
  }
  return lists.map(({ idx }) => ({ idx, a: Int32Array.from(idx, (k) => a[k]!), b: Int32Array.from(idx, (k) => b[k]!) }));
}

/** `banyan match …` — returns the exit code. */
export async function matchCommand(argv: string[]): Promise<number> {
  const t0 = performance.now();
  const { values } = parseCommandArgs('match', argv, {
    in: { type: 'string', multiple: true }, out: { type: 'string' }, preset: { type: 'string', default: 'cn-bank' },
    'review-out': { type: 'string' }, 'link-only': { type: 'boolean' }, 'unique-per-source': { type: 'boolean' },
    'source-rank': { type: 'string' }, 'source-order': { type: 'string' }, model: { type: 'string' }, 'model-out': { type: 'string' },
    workers: { type: 'string' }, seed: { type: 'string', default: '1' }, quiet: { type: 'boolean' }, help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const preset = values.preset as Preset;
  if (preset !== 'cn-bank' && preset !== 'febrl') throw usageError('--preset must be cn-bank or febrl', '--preset 须为 cn-bank 或 febrl', USAGE);
  if (!values.in?.length || !values.out) throw usageError('--in and --out are required', '须给出 --in 和 --out', USAGE);
  const workers = values.workers ? Number(values.workers) : Math.max(1, Math.min(os.availableParallelism(), 8));
  if (!Number.isInteger(workers) || workers < 1) throw usageError('--workers must be a positive integer', '--workers 须为正整数');
  const seed = Number(values.seed);
  if (!Number.isInteger(seed)) throw usageError('--seed must be an integer', '--seed 须为整数');
  // Two or more FEBRL inputs are a linkage of deduplicated files: pairs only across inputs, one record per input per cluster.
  const linkage = preset === 'febrl' && values.in.length > 1;
  const linkOnly = values['link-only'] ?? linkage;
  const uniquePerSource = values['unique-per-source'] ?? linkage;
  // The matching can take minutes: an output it could not write is told first.
  checkWritable('out', values.out);
  if (values['review-out']) checkWritable('review-out', values['review-out']);
  if (values['model-out']) checkWritable('model-out', values['model-out']);
  const log = (m: string) => values.quiet || process.stderr.write(`${m}\n`);
  const lap = (label: string) => log(`  ${label.padEnd(28)} ${((performance.now() - t0) / 1000).toFixed(2)} s`);

  const inputs = values.in.map((f, i) => readInput(f, preset, i, (m) => process.stderr.write(`warning: ${m}\n`)));
  const n = inputs.reduce((s, f) => s + f.starts.length, 0);
  const recFile = new Uint8Array(new SharedArrayBuffer(n));
  const recStart = new Int32Array(new SharedArrayBuffer(n * 4));
  const recEnd = new Int32Array(new SharedArrayBuffer(n * 4));
  let r = 0;
  inputs.forEach((f, fi) => {
    for (let k = 0; k < f.starts.length; k++, r++) {
      recFile[r] = fi;
      recStart[r] = f.starts[k]!;
      recEnd[r] = f.ends[k]!;
    }
  });
  const ids = recordIds(inputs, recFile, recStart, recEnd);
  lap(`read ${n} records`);

  const pool = new Pool(workers, { preset, files: inputs.map(({ buf, cols, source }) => ({ buf, cols, source })), recFile, recStart, recEnd });
  try {
    const base: MatchModel = values.model ? JSON.parse(fs.readFileSync(values.model, 'utf8')) : defaultModel(preset);
    // 1. Prepare and key every record, one contiguous range per worker.
    const bounds = Array.from({ length: workers + 1 }, (_, w) => Math.round((n * w) / workers));
    const owner = (i: number) => {
      let w = Math.floor((i * workers) / n);
      while (w > 0 && i < bounds[w]!) w--;
      while (i >= bounds[w + 1]!) w++;
      return w;
    };
    const parts = await Promise.all(
      Array.from({ length: workers }, (_, w) => pool.run<PrepareResult>(w, { op: 'prepare', lo: bounds[w]!, hi: bounds[w + 1]!, model: base })),
    );
    const kind = new Uint8Array(n);
    const personId = new Float64Array(n);
    const orgId = new Float64Array(n);
    const source = new Int32Array(n);
    const sourceNames: string[] = [];
    const tf: NonNullable<MatchModel['termFrequencies']> = {};
    const tfMaps = new Map<string, { total: number; counts: Map<string, number> }>();
    let keys = 0;
    for (const p of parts) keys += p.keyHash.length;
    const keyHash = new Float64Array(keys);
    const keyRec = new Int32Array(keys);
    const keyRule = new Uint8Array(keys);
    let ko = 0;
    for (const p of parts) {
      kind.set(p.kind, p.lo);
      personId.set(p.personId, p.lo);
      orgId.set(p.orgId, p.lo);
      const remap = p.sourceNames.map((s) => {
        let i = sourceNames.indexOf(s);
        if (i < 0) i = sourceNames.push(s) - 1;
        return i;
      });
      for (let k = 0; k < p.source.length; k++) source[p.lo + k] = remap[p.source[k]!]!;
      keyHash.set(p.keyHash, ko);
      keyRec.set(p.keyRec, ko);
      keyRule.set(p.keyRule, ko);
      ko += p.keyHash.length;
      for (const [name, t] of Object.entries(p.tf)) {
        let acc = tfMaps.get(name);
        if (!acc) tfMaps.set(name, (acc = { total: 0, counts: new Map() }));
        acc.total += t.total;
        t.values.forEach((v, q) => acc.counts.set(v, (acc.counts.get(v) ?? 0) + t.counts[q]!));
      }
    }
    for (const [name, t] of tfMaps) tf[name] = { total: t.total, counts: Object.fromEntries(t.counts) };
    // Every worker gets every range's packed records (shared memory, no copies): a pair across ranges needs no second preparation.
    const peers = parts.map((p, w) => ({ lo: p.lo, hi: bounds[w + 1]!, pack: p.pack, packStart: p.packStart }));
    parts.length = 0; // the packs are the workers' now: let them free the shared memory once decoded
    await Promise.all(peers.map((_, w) => pool.run(w, { op: 'peers', peers })));
    peers.length = 0;
    lap('prepared + keyed');

    // 2. Candidate pairs from the blocking keys.
    const cands = candidatesFromKeys(n, keyHash, keyRec, keyRule, source, { linkOnly });
    lap(`${cands.a.length} candidate pairs`);

    // 3. The model: given, or trained on these records (EM on blocked pairs, u from random pairs).
    let model: MatchModel;
    if (values.model) model = base;
    else {
      const plans = trainingPlan(kind, source, cands, { random: seededRandom(seed), linkOnly });
      const c = base.comparisons.length;
      const levelsOf = async (a: number[], b: number[]): Promise<Int8Array[]> => {
        const lists = splitPairs(a, b, owner, workers);
        const results = await Promise.all(lists.map((l, w) => pool.run<Int8Array>(w, { op: 'levels', a: l.a, b: l.b, model: base })));
        const rows = new Array<Int8Array>(a.length);
        lists.forEach((l, w) => l.idx.forEach((k, q) => (rows[k] = results[w]!.subarray(q * c, (q + 1) * c))));
        return rows;
      };
      const samples: TrainingSample[] = [];
      for (const plan of plans) {
        const random = await levelsOf(plan.randomA, plan.randomB);
        const blocked = await levelsOf(plan.blocked.map((k) => cands.a[k]!), plan.blocked.map((k) => cands.b[k]!));
        samples.push({
          kind: plan.kind, random, blocked: blocked.map((levels, q) => ({ levels, rules: cands.rules[plan.blocked[q]!]! })),
          blockedTotal: plan.blockedTotal, allPairs: plan.allPairs,
        });
      }
      model = fitModel(base, samples, { records: n });
    }
    model.termFrequencies = tf;
    lap('model trained');
    if (values['model-out']) {
      const { termFrequencies: _tf, ...shown } = model;
      fs.writeFileSync(values['model-out'], JSON.stringify(shown, null, 2));
    }

    // 4. Score every candidate pair.
    const lists = splitPairs(cands.a, cands.b, owner, workers);
    const scored = await Promise.all(lists.map((l, w) => pool.run<Float64Array>(w, { op: 'score', a: l.a, b: l.b, model })));
    const score = new Float64Array(cands.a.length);
    lists.forEach((l, w) => l.idx.forEach((k, q) => (score[k] = scored[w]![q]!)));
    lap('scored');

    // 5. Source order (I4) and clustering with the guard.
    let rank: Int32Array | undefined;
    if (preset === 'cn-bank' && sourceNames.length > 1 && (values['source-rank'] || values['source-order'])) {
      const strong = new Set([0, 1]); // id, mobile: the keys that say two sources share a customer
      const keysOf: string[][] = Array.from({ length: n }, () => []);
      for (let k = 0; k < keyHash.length; k++) if (strong.has(keyRule[k]!)) keysOf[keyRec[k]!]!.push(String(keyHash[k]));
      const so = sourceOrder(
        Array.from({ length: n }, (_, i) => ({ source: sourceNames[source[i]!]!, keys: keysOf[i]! })),
        (values['source-rank'] ?? '').split(',').filter(Boolean),
        values['source-order']?.split(',').filter(Boolean),
      );
      log(`  source order${so.overridden ? ' (overridden)' : ''}: ${so.steps.map((s) => `${s.source} (overlap ${s.overlap})`).join(' → ')}`);
      const pos = new Map(so.order.map((s, i) => [s, i]));
      rank = Int32Array.from(source, (s) => pos.get(sourceNames[s]!)!);
    }
    const { root, reviewPairs } = clusterScored(
      n, { a: cands.a, b: cands.b, score }, oddsScore(model.matchThreshold), oddsScore(model.reviewThreshold),
      { personId, orgId, source }, { uniquePerSource, ...(rank ? { sourceRank: rank } : {}) },
    );
    lap('clustered');

    // 6. Output.
    const out = fs.createWriteStream(values.out);
    out.write('record_id,cluster_id\n');
    const chunk: string[] = [];
    for (let i = 0; i < n; i++) {
      chunk.push(`${ids[i]},${ids[root[i]!]}\n`);
      if (chunk.length === 10_000) {
        if (!out.write(chunk.join(''))) await new Promise<void>((res) => out.once('drain', () => res()));
        chunk.length = 0;
      }
    }
    out.end(chunk.join(''));
    await new Promise<void>((res, rej) => out.on('finish', () => res()).on('error', rej));
    if (values['review-out']) {
      const lines = ['record_a,record_b,score,probability,reason'];
      for (const p of reviewPairs) lines.push(`${ids[p.a]},${ids[p.b]},${p.score.toFixed(2)},${(1 / (1 + 2 ** -p.score)).toFixed(6)},${p.reason}`);
      fs.writeFileSync(values['review-out'], `${lines.join('\n')}\n`);
    }
    const clusters = root.reduce((s, x, i) => s + (x === i ? 1 : 0), 0);
    lap(`written: ${clusters} clusters, ${reviewPairs.length} review pairs`);
    const rss = process.resourceUsage().maxRSS / 1024;
    log(`  peak RSS ${rss.toFixed(0)} MB, ${workers} worker threads; prior person ${priorText(model.priorMatchProbability.person)} org ${priorText(model.priorMatchProbability.org)}`);
    return 0;
  } finally {
    await pool.close();
  }
}
