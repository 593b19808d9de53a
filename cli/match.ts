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
import { columnMap, csvField, splitLine, type Preset } from './match-io.ts';
import type { ExplainResult, PrepareResult, WorkerInit, WorkerInputError, WorkerRequest } from './match-worker.ts';
import { parseCommandArgs, usageError } from './usage.ts';

const USAGE = `usage: banyan match --in FILE [--in FILE …] --out CLUSTERS.csv [--preset cn-bank|febrl] [--review-out PAIRS.csv]
  [--link-only] [--unique-per-source] [--source-rank a,b,…] [--source-order a,b,…]
  [--model MODEL.json] [--model-out MODEL.json] [--workers N] [--seed S] [--quiet]

Clusters source-record extracts (CSV, UTF-8 or GBK) offline, without a database, with the matching engine the server uses.
  --in FILE               an input (repeatable); its header names the canonical columns (record_id, kind, …)
  --out CLUSTERS.csv      record_id,cluster_id for every record, from sure matches
  --review-out PAIRS.csv  the fuzzy-zone pairs, for review, with each comparison's level and weight (evidence)
  --preset P              cn-bank (default) or febrl
  --link-only             pairs only between records of different sources (the default for several FEBRL inputs)
  --unique-per-source     at most one record of each source per cluster
                          A record's source is its source column (the source system); an input without that
                          column is one source, named after its file (FEBRL: input-1, input-2, …).
  --source-rank a,b,…     sources to prefer when ordering them; --source-order a,b,… gives the order outright
  --model MODEL.json      use this model instead of training one on the data; --model-out writes the one used
  --workers N             worker threads (default: the cores, at most 8)
  --seed S                seed of the training sample (default 1)
  --quiet                 no timings on stderr`;

/**
 * Refuses an output path that cannot be written before any work is done (the matching can take minutes): it is opened
 * for append and closed again (removed if it was not there), which a read-only file system, /sys or /proc refuse even
 * to root. Nothing is truncated.
 */
function checkWritable(option: string, file: string) {
  const dir = path.dirname(path.resolve(file));
  const st = fs.statSync(file, { throwIfNoEntry: false });
  if (st?.isDirectory()) throw usageError(`--${option} ${file} is a folder, not a file`, `--${option} ${file} 是目录而不是文件`);
  try {
    fs.closeSync(fs.openSync(file, 'a'));
    if (!st) fs.rmSync(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (!isFolder(dir)) throw usageError(`--${option} ${file}: the folder ${dir} does not exist`, `--${option} ${file}：目录 ${dir} 不存在`);
    throw usageError(`--${option} ${file} cannot be written (${code})`, `--${option} ${file} 无法写入（${code}）`);
  }
}

function isFolder(dir: string): boolean {
  try {
    return fs.statSync(dir).isDirectory();
  } catch {
    return false;
  }
}

/** Refuses an input (--in, --model) that is missing, a folder or unreadable, naming it. */
function checkReadable(option: string, file: string) {
  try {
    if (fs.statSync(file).isDirectory()) throw usageError(`--${option} ${file} is a folder, not a file`, `--${option} ${file} 是目录而不是文件`);
    fs.closeSync(fs.openSync(file, 'r'));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') throw usageError(`--${option} ${file}: no such file`, `--${option} ${file}：文件不存在`);
    if (code) throw usageError(`--${option} ${file} cannot be read (${code})`, `--${option} ${file} 无法读取（${code}）`);
    throw err;
  }
}

/** One input in shared memory: its records are bytes starts[k] … ends[k] (a record may span lines: quoted newlines). */
type Input = {
  file: string; buf: SharedArrayBuffer; cols: Record<string, number>; source: string; starts: number[]; ends: number[];
  /** The file holds a `"` somewhere: its fields may be quoted (else every record is plain comma-separated text). */
  quoted: boolean;
};

/** Formats the import reads but this command does not (it streams CSV lines into shared memory). */
const UNSUPPORTED: Record<string, string> = { '.xlsx': 'XLSX', '.xls': 'XLS', '.jsonl': 'JSON lines', '.ndjson': 'JSON lines', '.json': 'JSON' };

/** The line number (1-based) of byte offset `at`. */
function lineOf(view: Buffer, at: number): number {
  let line = 1;
  for (let i = view.indexOf(10); i >= 0 && i < at; i = view.indexOf(10, i + 1)) line++;
  return line;
}

/**
 * The record ids of every record, in input order, from each input's record_id column (FEBRL: rec_id), unquoted;
 * throws naming the line of an empty id, and ids that occur twice.
 */
function recordIds(inputs: Input[], preset: Preset): string[] {
  const ids: string[] = [];
  const seen = new Set<string>();
  const dups: string[] = [];
  for (const f of inputs) {
    const v = Buffer.from(f.buf);
    const col = f.cols[preset === 'febrl' ? 'rec_id' : 'record_id']!;
    for (let k = 0; k < f.starts.length; k++) {
      const s = f.starts[k]!;
      const e = f.ends[k]!;
      let id: string;
      if (f.quoted) id = splitLine(v.toString('utf8', s, e), preset)[col] ?? '';
      else {
        // Plain text: the field after the col-th comma.
        let a = s;
        for (let c = 0; c < col && a <= e; c++) {
          const x = v.indexOf(44, a);
          a = x < 0 || x >= e ? e + 1 : x + 1;
        }
        let b = a > e ? a : v.indexOf(44, a);
        if (b < 0 || b > e) b = e;
        id = a > e ? '' : v.toString('utf8', a, b);
      }
      id = id.trim();
      if (!id) {
        const line = lineOf(v, s);
        throw usageError(`${f.file}, line ${line}: empty record_id; every record needs its own id`, `${f.file} 第 ${line} 行：record_id 为空；每条记录须有自己的 id`);
      }
      if (seen.has(id)) {
        if (dups.length < 5 && !dups.includes(id)) dups.push(id);
      } else seen.add(id);
      ids.push(id);
    }
  }
  // Two records with one id would be two rows of CLUSTERS.csv for "one" record: the evaluation would be wrong.
  if (dups.length) throw usageError(`duplicate record_id: ${dups.map((d) => JSON.stringify(d)).join(', ')}; every record needs its own id`, `record_id 重复：${dups.map((d) => JSON.stringify(d)).join('、')}；每条记录须有自己的 id`);
  return ids;
}

/** A prior for the log: '-' when the input had none of that kind to estimate it from. */
const priorText = (p: number | undefined) => (p !== undefined && Number.isFinite(p) ? p.toExponential(2) : '-');

/** Reads one file into shared memory and finds its data records (header skipped, blank lines dropped). */
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
  // RFC 4180: a newline inside quotes belongs to the field. FEBRL never quotes; a file without any `"` takes the plain path.
  const quoted = preset !== 'febrl' && view.indexOf(34) >= 0;
  let nextQuote = quoted ? view.indexOf(34) : -1; // the first `"` not yet counted
  let inQuotes = false;
  let pos = 0;
  let start = 0; // of the record being read
  let header = '';
  while (pos < size) {
    let nl = view.indexOf(10, pos);
    if (nl < 0) nl = size;
    pos = nl + 1;
    for (; nextQuote >= 0 && nextQuote < nl; nextQuote = view.indexOf(34, nextQuote + 1)) {
      if (inQuotes) {
        if (view[nextQuote + 1] === 34) nextQuote++; // "" inside quotes: a quote character
        else inQuotes = false;
      } else if (nextQuote === start || view[nextQuote - 1] === 44) inQuotes = true; // elsewhere a " is text (as splitLine reads it)
    }
    if (inQuotes) continue;
    let end = nl;
    if (end > start && view[end - 1] === 13) end--;
    if (!header) header = view.toString('utf8', start, end);
    else if (end > start) {
      starts.push(start);
      ends.push(end);
    }
    start = pos;
  }
  if (inQuotes) {
    const line = lineOf(view, start);
    throw usageError(`${file}, line ${line}: a quoted field is never closed (a " without its closing ")`, `${file} 第 ${line} 行：引号内的字段没有结束（缺少配对的 "）`);
  }
  if (!header) throw usageError(`${file}: empty file`, `${file}：文件是空的`);
  let cols: Record<string, number>;
  try {
    cols = columnMap(header, preset);
  } catch (e) {
    throw usageError(`${file}: ${(e as Error).message} (preset ${preset})`, `${file}：缺少预置 ${preset} 所需的列`);
  }
  return { file, buf, cols, source: preset === 'febrl' ? `input-${index + 1}` : path.basename(file), starts, ends, quoted };
}

/**
 * A pair's evidence for the reviewer, from scorePair's fields: `name=exact(+13.0); mobile=exact(+16.0); birth_date=else(-6.5)`.
 * Missing values (weight 0, no evidence) are left out; a line without weight (a rule) shows its level alone.
 */
function evidenceText(fields: ExplainResult[number]): string {
  return fields
    .filter((f) => f.level !== 'missing')
    .map((f) => `${f.field}=${f.level}${f.weight ? `(${f.weight > 0 ? '+' : ''}${f.weight.toFixed(1)})` : ''}`)
    .join('; ');
}

type Problem = { en: string; zh: string } | undefined;
const isObject = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);
const isShare = (x: unknown) => typeof x === 'number' && x >= 0 && x <= 1;
const isOpenShare = (x: unknown) => typeof x === 'number' && x > 0 && x < 1;

/** What is wrong with a model read from JSON for this preset (the shape MatchModel describes), or undefined. */
function modelProblem(m: unknown, preset: Preset): Problem {
  if (!isObject(m)) return { en: 'not a model (a JSON object as --model-out writes it)', zh: '不是模型（应为 --model-out 写出的 JSON 对象）' };
  if (m.preset !== 'cn-bank' && m.preset !== 'febrl') return { en: 'preset must be cn-bank or febrl (not a model as --model-out writes it?)', zh: 'preset 须为 cn-bank 或 febrl（不是 --model-out 写出的模型？）' };
  if (m.preset !== preset) {
    return { en: `a model of preset ${m.preset}, but this run's --preset is ${preset}`, zh: `是预置 ${m.preset} 的模型，而本次的 --preset 为 ${preset}` };
  }
  for (const t of ['matchThreshold', 'reviewThreshold']) {
    if (!isOpenShare(m[t])) return { en: `${t} must be a probability between 0 and 1 (exclusive)`, zh: `${t} 须为 0 与 1 之间的概率（不含 0 和 1）` };
  }
  if ((m.reviewThreshold as number) > (m.matchThreshold as number)) return { en: 'reviewThreshold must not be above matchThreshold', zh: 'reviewThreshold 不得高于 matchThreshold' };
  if (!isObject(m.priorMatchProbability)) return { en: 'priorMatchProbability must be an object such as {"person": 0.0001, "org": 0.0001}', zh: 'priorMatchProbability 须为对象，如 {"person": 0.0001, "org": 0.0001}' };
  for (const [k, p] of Object.entries(m.priorMatchProbability)) {
    if ((k !== 'person' && k !== 'org') || !isOpenShare(p)) return { en: `priorMatchProbability.${k}: only person and org, each a probability between 0 and 1 (exclusive)`, zh: `priorMatchProbability.${k}：只能有 person 和 org，各为 0 与 1 之间的概率（不含 0 和 1）` };
  }
  // The comparisons: the preset's own (a comparison is its name and kind), each once, with its number of levels.
  const expected = defaultModel(preset).comparisons;
  const label = (c: { name?: unknown; kind?: unknown }) => `${String(c.name)}${c.kind ? `/${String(c.kind)}` : ''}`;
  const known = expected.map(label).join(', ');
  if (!Array.isArray(m.comparisons)) return { en: `comparisons must be a list (${preset}: ${known})`, zh: `comparisons 须为数组（${preset}：${known}）` };
  const seen = new Set<string>();
  for (const [i, c] of m.comparisons.entries()) {
    const at = `comparisons[${i}]`;
    if (!isObject(c)) return { en: `${at} must be an object`, zh: `${at} 须为对象` };
    const def = expected.find((d) => d.name === c.name && d.kind === c.kind);
    if (!def) return { en: `${at}: unknown comparison ${label(c)}; the ${preset} comparisons are ${known}`, zh: `${at}：未知的比较 ${label(c)}；${preset} 的比较为 ${known}` };
    if (seen.has(label(def))) return { en: `${at}: comparison ${label(def)} occurs twice`, zh: `${at}：比较 ${label(def)} 重复` };
    seen.add(label(def));
    if (typeof c.field !== 'string') return { en: `${at} (${label(def)}): field must be a text`, zh: `${at}（${label(def)}）：field 须为文本` };
    if (c.termFrequency !== undefined && typeof c.termFrequency !== 'boolean') return { en: `${at} (${label(def)}): termFrequency must be true or false`, zh: `${at}（${label(def)}）：termFrequency 须为 true 或 false` };
    if (c.termFrequency && !def.termFrequency) return { en: `${at} (${label(def)}): this comparison has no term-frequency adjustment (termFrequency must be false)`, zh: `${at}（${label(def)}）：此比较没有词频调整（termFrequency 须为 false）` };
    const n = def.levels.length;
    if (!Array.isArray(c.levels) || c.levels.length !== n) {
      const names = def.levels.map((l) => l.label).join(', ');
      return { en: `${at} (${label(def)}): levels must be a list of ${n} levels (${names})`, zh: `${at}（${label(def)}）：levels 须为 ${n} 个级别的数组（${names}）` };
    }
    for (const [j, lv] of c.levels.entries()) {
      const where = `${at}.levels[${j}]`;
      if (!isObject(lv) || typeof lv.label !== 'string' || !isShare(lv.m) || !isShare(lv.u)) return { en: `${where} must have a label and m and u, probabilities between 0 and 1`, zh: `${where} 须有 label 以及 0 到 1 之间的概率 m 和 u` };
      if (lv.weight !== undefined && !Number.isFinite(lv.weight)) return { en: `${where}: weight, when given, must be a number`, zh: `${where}：weight 若给出须为数` };
    }
  }
  const missing = expected.map(label).filter((x) => !seen.has(x));
  if (missing.length) return { en: `comparisons lack ${missing.join(', ')}`, zh: `comparisons 缺少 ${missing.join('、')}` };
  return undefined;
}

/** The model of --model: read, parsed and checked, or a UsageError naming the file and what is wrong. */
function loadModel(file: string, preset: Preset): MatchModel {
  checkReadable('model', file);
  let json: unknown;
  try {
    json = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    const why = (err as Error).message;
    throw usageError(`--model ${file} is not valid JSON (${why})`, `--model ${file} 不是合法的 JSON（${why}）`);
  }
  const problem = modelProblem(json, preset);
  if (problem) throw usageError(`--model ${file}: ${problem.en}`, `--model ${file}：${problem.zh}`);
  return json as MatchModel;
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
      worker.once('message', (m: T | WorkerInputError) => {
        worker.off('error', onError);
        if (m !== null && typeof m === 'object' && 'inputError' in m) reject(usageError(m.inputError.en, m.inputError.zh));
        else resolve(m as T);
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
  // The matching can take minutes: an input or model it could not read, or an output it could not write, is told first.
  for (const f of values.in) checkReadable('in', f);
  const given = values.model ? loadModel(values.model, preset) : undefined;
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
  const ids = recordIds(inputs, preset);
  lap(`read ${n} records`);

  const pool = new Pool(workers, { preset, files: inputs.map(({ buf, cols, source }) => ({ buf, cols, source })), recFile, recStart, recEnd });
  try {
    const base: MatchModel = given ?? defaultModel(preset);
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
    // The workers decode them while this thread finds the candidate pairs and plans the training: awaited before
    // the first request that needs them (a worker answers one request at a time).
    const peersReady = Promise.all(peers.map((_, w) => pool.run(w, { op: 'peers', peers })));
    peersReady.catch(() => {}); // its failure is thrown where it is awaited
    peers.length = 0;
    lap('prepared + keyed');
    // The sources --source-order and --source-rank name must be the input's (known now: the workers read the source column).
    const sourceList = (option: string) => (values[option as 'source-rank'] ?? '').split(',').map((x) => x.trim()).filter(Boolean);
    const found = sourceNames.map((x) => JSON.stringify(x)).join(', ');
    const unordered = sourceList('source-order').filter((x) => !sourceNames.includes(x));
    if (unordered.length) {
      const names = unordered.map((x) => JSON.stringify(x)).join(', ');
      throw usageError(`--source-order names ${names}, not a source of the input; the sources are ${found}`, `--source-order 中的 ${names} 不是输入中的来源；输入中的来源为 ${found}`);
    }
    const unranked = sourceList('source-rank').filter((x) => !sourceNames.includes(x));
    if (unranked.length) process.stderr.write(`warning: --source-rank names ${unranked.map((x) => JSON.stringify(x)).join(', ')}, not a source of the input (the sources are ${found})\n`);

    // 2. Candidate pairs from the blocking keys.
    const cands = candidatesFromKeys(n, keyHash, keyRec, keyRule, source, { linkOnly });
    lap(`${cands.a.length} candidate pairs`);

    // 3. The model: given, or trained on these records (EM on blocked pairs, u from random pairs).
    let model: MatchModel;
    if (given) model = base;
    else {
      const plans = trainingPlan(kind, source, cands, { random: seededRandom(seed), linkOnly });
      const c = base.comparisons.length;
      const levelsOf = async (a: number[], b: number[]): Promise<Int8Array[]> => {
        await peersReady;
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
    await peersReady;
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
        sourceList('source-rank'),
        sourceList('source-order'),
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
    // Ids of a file without any `"` hold no comma, quote or newline: only quoted inputs' ids need CSV quoting.
    const cell = inputs.some((f) => f.quoted) ? ids.map(csvField) : ids;
    for (let i = 0; i < n; i++) {
      chunk.push(`${cell[i]},${cell[root[i]!]}\n`);
      if (chunk.length === 10_000) {
        if (!out.write(chunk.join(''))) await new Promise<void>((res) => out.once('drain', () => res()));
        chunk.length = 0;
      }
    }
    out.end(chunk.join(''));
    await new Promise<void>((res, rej) => out.on('finish', () => res()).on('error', rej));
    if (values['review-out']) {
      // Each pair's evidence: scorePair's levels and weights, computed where the records are prepared (the workers).
      const lists = splitPairs(reviewPairs.map((p) => p.a), reviewPairs.map((p) => p.b), owner, workers);
      const explained = await Promise.all(lists.map((l, w) => pool.run<ExplainResult>(w, { op: 'explain', a: l.a, b: l.b, model })));
      const evidence = new Array<string>(reviewPairs.length);
      lists.forEach((l, w) => l.idx.forEach((k, q) => (evidence[k] = evidenceText(explained[w]![q]!))));
      const lines = ['record_a,record_b,score,probability,reason,evidence'];
      reviewPairs.forEach((p, k) => lines.push([
        csvField(ids[p.a]!), csvField(ids[p.b]!), p.score.toFixed(2), (1 / (1 + 2 ** -p.score)).toFixed(6), p.reason, csvField(evidence[k]!),
      ].join(',')));
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
