/**
 * Rows of a source → batches ready for the database: each accepted record as its own key, content hash and
 * a line of COPY text in `source_record`'s load columns; each rejected row with its reasons. No database
 * here, so it runs on the loader's thread or, for big files, on a worker thread beside it
 * (interfaces.batch-worker.ts) while the loader commits the batch before.
 */
import { createHash, hash as digest } from 'node:crypto';
import fs from 'node:fs';
import iconv from 'iconv-lite';
import { compileMapping, canonicalContent, CONTENT_COLUMNS, copyText, hashedText, idIssueText, splitCsv, type Compiled, type Mapping } from '../../../engines/transform/index.ts';
import type { FieldError } from '../../platform/errors.ts';
import { readFileRows, type FileInfo, type Row } from './interfaces.readers.ts';

/** The columns a batch's COPY lines fill, in order (source_record and the loader's staging table). */
export const LOAD_COLUMNS = ['source_code', 'record_key', ...CONTENT_COLUMNS, 'content_hash', 'first_load_id', 'last_load_id', 'id_issue'] as const;

/** A rejected row; `recordKey` when its key columns hold one (a later load accepting that key supersedes it). */
export type Rejected = { rowNo: number; raw: Record<string, unknown>; rawHash: Buffer; reasons: unknown; recordKey?: string };

export type RecordBatch = {
  /** The batch's place in the load (0, 1, 2 …): batches commit in this order. */
  index: number;
  /**
   * Accepted records: keys[i], hashes[i] (hex sha256 of the canonical content) and record i's line of COPY text,
   * data[ends[i-1] … ends[i]) with its newline, belong together. The text is bytes already, built as the rows are
   * mapped: it crosses from a worker thread without a copy and goes to the database as it is.
   */
  keys: string[];
  hashes: string[];
  data: Uint8Array;
  ends: number[];
  rejected: Rejected[];
  /** Accepted rows whose key a later row of the same batch repeated: the later row is the one kept. */
  superseded: number;
  /** Keys (the first few) a later row of the batch repeated with other content: what was overridden, for the load's log. */
  overridden?: string[];
  /** Accepted rows kept with an ID number that fails its check (the mapping's `invalidIds: 'keep'`), marked unverified. */
  unverified: number;
  /** The last row (1-based, data rows) and the byte offset this batch reaches: the load's checkpoint once committed. */
  lastRow: number;
  bytes: number;
  /** Pulls: the header (known once the query answers) and the highest watermark value so far. */
  header?: string[];
  watermark?: string | null;
};

export type BatchOptions = {
  mapping: Mapping;
  /** The header as inspected (files); pulls learn it from the first row. */
  header: () => string[];
  today: string;
  /** Rows up to this one were committed by an earlier run: read (for the watermark), not mapped again. */
  checkpoint: number;
  batchRows: number;
  sourceCode: string;
  loadId: number;
  /** Pulls: the column whose highest value is the next run's watermark, and where it stands. */
  watermarkColumn?: string | null;
  watermark?: string | null;
  /** Several mappers over the same rows: this one maps batches k ≡ part (mod parts). */
  part?: number;
  parts?: number;
};

/** A mapped column the data lacks (or a column name it repeats): the load fails before anything is written. */
export class MissingColumns extends Error {
  constructor(readonly fields: FieldError[]) {
    super('missing columns');
  }
}

/** The raw row as kept in quarantine: column → value; a ragged row also keeps every value as read. */
export function rawOf(header: string[], values: string[]): Record<string, unknown> {
  const raw: Record<string, unknown> = {};
  header.forEach((h, i) => { raw[h] = values[i] ?? ''; });
  if (values.length !== header.length) raw.__values = values;
  return raw;
}

export const rawHash = (values: string[]) => createHash('sha256').update(values.join('\u001f')).digest();

const EMPTY = new Uint8Array(0);

/** UTF-8 text appended line by line into one growing buffer (each line's string is garbage at once). */
class TextBuffer {
  private buf = Buffer.allocUnsafeSlow(1 << 20);
  private used = 0;
  /** Appends `s` and a newline; returns the end offset. */
  line(s: string): number {
    if (this.used + s.length * 3 + 1 > this.buf.length) {
      const next = Buffer.allocUnsafeSlow(Math.max(this.buf.length * 2, this.used + s.length * 3 + 1));
      this.buf.copy(next, 0, 0, this.used);
      this.buf = next;
    }
    this.used += this.buf.write(s, this.used);
    this.buf[this.used++] = 10;
    return this.used;
  }
  bytes(): Uint8Array {
    return this.buf.subarray(0, this.used);
  }
}

/** Drops the records a later row of the same key superseded (rare: rebuilt only then). */
function compact(b: RecordBatch, dropped: Set<number>) {
  const keys: string[] = [], hashes: string[] = [], ends: number[] = [], parts: Uint8Array[] = [];
  let end = 0;
  b.keys.forEach((k, i) => {
    const from = i ? b.ends[i - 1]! : 0;
    if (dropped.has(i)) return;
    keys.push(k);
    hashes.push(b.hashes[i]!);
    parts.push(b.data.subarray(from, b.ends[i]));
    end += b.ends[i]! - from;
    ends.push(end);
  });
  // Its own memory (not the shared pool Buffer.concat may use): the batch's bytes are handed to another thread.
  const data = Buffer.allocUnsafeSlow(end);
  let at = 0;
  for (const p of parts) { data.set(p, at); at += p.length; }
  Object.assign(b, { keys, hashes, ends, data });
}

/** Record i's line (with its newline) of a batch. */
export const lineOf = (b: RecordBatch, i: number) => b.data.subarray(i ? b.ends[i - 1]! : 0, b.ends[i]);

const subMillis = (t: string) => Number((/\.\d{3}(\d+)/.exec(t)?.[1] ?? '').padEnd(6, '0').slice(0, 6));

/** The higher of two watermark values: numbers by value, timestamps by time (to the microsecond), else as text. */
export function higher(a: string | null, b: string): string {
  if (a === null || a === '') return b;
  if (b === '') return a;
  const na = Number(a), nb = Number(b);
  if (Number.isFinite(na) && Number.isFinite(nb)) return nb > na ? b : a;
  const da = Date.parse(a), dbb = Date.parse(b);
  // Equal to the millisecond: the digits past it (microseconds of a PostgreSQL timestamp) decide.
  if (!Number.isNaN(da) && !Number.isNaN(dbb)) return dbb > da || (dbb === da && subMillis(b) > subMillis(a)) ? b : a;
  return b > a ? b : a;
}

function missingColumns(missing: string[]) {
  return new MissingColumns(missing.map((c) => ({ field: `header.${c}`, rule: 'missingColumn', message: { zh: `数据缺少映射所需的列“${c}”`, en: `the data lacks the mapped column "${c}"` } })));
}

/**
 * Header names given to more than one column (as a mapping reads names: width, case and spaces aside; blank ones aside,
 * they are never mapped): the mapping would read the first and a quarantined row keep the last, so the data is refused.
 */
export function duplicateColumns(header: string[]): FieldError[] {
  const seen = new Set<string>(), dup = new Set<string>();
  for (const h of header) {
    const n = h.normalize('NFKC').trim().toLowerCase();
    if (!n) continue;
    if (seen.has(n)) dup.add(h.trim());
    seen.add(n);
  }
  return [...dup].map((c) => ({ field: `header.${c}`, rule: 'duplicateColumn', message: { zh: `列名“${c}”出现了不止一次：无法确定使用哪一列`, en: `the column name "${c}" appears more than once: which column to read is ambiguous` } }));
}

/** Keys with overridden content a batch names (the load's log names the first few of them all). */
export const OVERRIDDEN_KEPT = 10;

/** Collects one batch at a time: mapped rows as keys, hashes and COPY text; rejected rows with their reasons. */
class BatchBuilder {
  private readonly source: string;
  private readonly loadId: string;
  private b: RecordBatch;
  private text = new TextBuffer();
  private at = new Map<string, number>();
  private dropped: Set<number> | null = null;

  constructor(private readonly compiled: Compiled, private readonly header: string[], o: Pick<BatchOptions, 'sourceCode' | 'loadId'>, index: number) {
    this.source = copyText(o.sourceCode);
    this.loadId = String(o.loadId);
    this.b = empty(index);
  }

  get batch() {
    return this.b;
  }

  /** `line`: the row number a user sees (a sheet's own), kept with a rejected row; rowNo counts data rows for the checkpoint. */
  add(rowNo: number, values: string[], bytes: number, line = rowNo) {
    const b = this.b;
    b.lastRow = rowNo;
    b.bytes = bytes;
    const r = this.compiled.map(values);
    if (!r.ok) {
      b.rejected.push({ rowNo: line, raw: rawOf(this.header, values), rawHash: rawHash(values), reasons: r.reasons, ...(r.recordKey !== undefined ? { recordKey: r.recordKey } : {}) });
      return;
    }
    const key = r.record.recordKey;
    // The content's COPY text is the middle of the line (LOAD_COLUMNS): built once, hashed as it is.
    const content = canonicalContent(r.record);
    const issue = r.record.id_issue ? idIssueText(r.record) : null;
    if (issue !== null) b.unverified++;
    const hash = digest('sha256', hashedText(content, issue), 'hex');
    const seen = this.at.get(key);
    if (seen !== undefined) {
      (this.dropped ??= new Set()).add(seen);
      b.superseded++;
      if (b.hashes[seen] !== hash && (b.overridden ??= []).length < OVERRIDDEN_KEPT && !b.overridden.includes(key)) b.overridden.push(key);
    }
    this.at.set(key, b.keys.length);
    b.keys.push(key);
    b.hashes.push(hash);
    b.ends.push(this.text.line(`${this.source}\t${copyText(key)}\t${content}\t\\\\x${hash}\t${this.loadId}\t${this.loadId}\t${issue ?? '\\N'}`));
  }

  /** The batch so far; the next one starts empty as batch `next`. */
  take(next: number): RecordBatch {
    const out = this.b;
    out.data = this.text.bytes();
    if (this.dropped) compact(out, this.dropped);
    this.b = empty(next);
    this.text = new TextBuffer();
    this.at = new Map();
    this.dropped = null;
    return out;
  }
}

function empty(k: number): RecordBatch {
  return { index: k, keys: [], hashes: [], data: EMPTY, ends: [], rejected: [], superseded: 0, unverified: 0, lastRow: 0, bytes: 0 };
}

/**
 * Maps rows into batches of `batchRows` rows each, counted from the checkpoint: batch k holds data rows
 * checkpoint + k·batchRows + 1 … checkpoint + (k+1)·batchRows, so several mappers reading the same rows agree on
 * the batches, and with `parts`, mapper `part` maps only batches k ≡ part (mod parts), reading past the rest.
 * A key repeated within a batch keeps its last row (the earlier one is counted as superseded). Throws
 * MissingColumns if the data lacks a mapped column.
 */
export async function* mapBatches(rows: AsyncIterable<Row>, o: BatchOptions): AsyncGenerator<RecordBatch> {
  const parts = o.parts ?? 1, part = o.part ?? 0;
  let builder: BatchBuilder | null = null;
  let wmIdx = -1;
  let watermark = o.watermark ?? null;
  let rowNo = 0;
  let index = 0;
  let yielded = false;
  const take = (next: number) => {
    const out = builder!.take(next);
    if (!yielded) out.header = o.header();
    if (o.watermarkColumn) out.watermark = watermark;
    yielded = true;
    return out;
  };
  for await (const row of rows) {
    rowNo++;
    if (!builder) {
      const header = o.header();
      const dups = duplicateColumns(header);
      if (dups.length) throw new MissingColumns(dups);
      const compiled = compileMapping(o.mapping, header, o.today);
      if (compiled.missing.length) throw missingColumns(compiled.missing);
      if (o.watermarkColumn) wmIdx = header.findIndex((h) => h.toLowerCase() === o.watermarkColumn!.toLowerCase());
      builder = new BatchBuilder(compiled, header, o, 0);
    }
    if (wmIdx >= 0) watermark = higher(watermark, row.values[wmIdx] ?? '');
    if (rowNo <= o.checkpoint) continue;
    const k = Math.floor((rowNo - o.checkpoint - 1) / o.batchRows);
    if (k !== index) {
      if (index % parts === part) yield take(k);
      else builder.batch.index = k;
      index = k;
    }
    if (k % parts !== part) {
      builder.batch.lastRow = rowNo;
      continue;
    }
    builder.add(rowNo, row.values, row.bytes, row.line);
  }
  // The last batch (or, with nothing to map, an empty one that carries a pull's header and watermark).
  if (builder && index % parts === part && builder.batch.lastRow > o.checkpoint) yield take(index + 1);
  else if (!yielded && parts === 1) {
    const out = empty(0);
    out.lastRow = Math.max(rowNo, o.checkpoint);
    out.header = o.header();
    if (o.watermarkColumn) out.watermark = watermark;
    yield out;
  }
}

/** A stretch of a file holding whole records: batch `index`, its first data row `firstRow`, bytes [start, end). */
export type FileRange = { index: number; firstRow: number; rows: number; start: number; end: number };

/**
 * Cuts a CSV file into batch ranges by its line breaks, or answers null if it holds a quote anywhere (a quoted
 * field may hold a line break, so only the full parser can tell where records end). A record per non-empty
 * line, as splitCsv counts them; the header line is not a record. GB18030 and UTF-8 never use the bytes of a
 * quote or a line break inside a character, so the byte ranges decode on their own.
 */
export async function csvRanges(path: string, checkpoint: number, batchRows: number): Promise<FileRange[] | null> {
  const fh = await fs.promises.open(path, 'r');
  try {
    const buf = Buffer.allocUnsafe(8 << 20);
    const ranges: FileRange[] = [];
    let pos = 0; // file offset of buf[0]
    let lineStart = 0; // file offset of the current line
    let header = true;
    let row = 0;
    let cur: FileRange | null = null;
    const record = (start: number, end: number) => {
      if (header) { header = false; return; }
      row++;
      if (row <= checkpoint) return;
      if (!cur || cur.rows === batchRows) {
        cur = { index: ranges.length, firstRow: row, rows: 0, start, end };
        ranges.push(cur);
      }
      cur.rows++;
      cur.end = end;
    };
    for (;;) {
      const { bytesRead } = await fh.read(buf, 0, buf.length, pos);
      if (!bytesRead) break;
      const chunk = buf.subarray(0, bytesRead);
      if (chunk.indexOf(34) !== -1) return null;
      let i = 0;
      for (;;) {
        const nl = chunk.indexOf(10, i);
        if (nl === -1) break;
        const lineEnd = pos + nl;
        // Empty lines (or just a carriage return) are no records.
        const len = lineEnd - lineStart - (nl > 0 && chunk[nl - 1] === 13 ? 1 : 0);
        if (len > 0) record(lineStart, lineEnd + 1);
        lineStart = lineEnd + 1;
        i = nl + 1;
      }
      pos += bytesRead;
    }
    if (pos > lineStart) record(lineStart, pos);
    return ranges;
  } finally {
    await fh.close();
  }
}

/** The batches of these ranges of a CSV file: each range read, decoded and parsed on its own. */
export async function* rangeBatches(path: string, ranges: FileRange[], info: Pick<FileInfo, 'encoding' | 'header'>, delimiter: string, o: Omit<BatchOptions, 'header'>): AsyncGenerator<RecordBatch> {
  const dups = duplicateColumns(info.header);
  if (dups.length) throw new MissingColumns(dups);
  const compiled = compileMapping(o.mapping, info.header, o.today);
  if (compiled.missing.length) throw missingColumns(compiled.missing);
  const fh = await fs.promises.open(path, 'r');
  try {
    for (const r of ranges) {
      const bytes = Buffer.allocUnsafe(r.end - r.start);
      await fh.read(bytes, 0, bytes.length, r.start);
      let text = info.encoding === 'gb18030' ? iconv.decode(bytes, 'gb18030') : bytes.toString('utf8');
      if (r.start === 0 && text.charCodeAt(0) === 0xfeff) text = text.slice(1);
      const { records } = splitCsv(text, delimiter, true);
      if (records.length !== r.rows) throw new Error(`rows ${r.firstRow}…: ${records.length} records where the line breaks promised ${r.rows}`);
      const builder = new BatchBuilder(compiled, info.header, o, r.index);
      records.forEach((values, i) => builder.add(r.firstRow + i, values, r.end));
      yield builder.take(r.index + 1);
    }
  } finally {
    await fh.close();
  }
}

/** A file's batches (as mapBatches), read from the start. */
export function fileBatches(path: string, info: Pick<FileInfo, 'format' | 'encoding' | 'header'>, delimiter: string, o: Omit<BatchOptions, 'header'>) {
  return mapBatches(readFileRows(path, info, delimiter), { ...o, header: () => info.header });
}
