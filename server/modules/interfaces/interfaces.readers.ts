/**
 * Connectors' readers: a source extract as a stream of rows (arrays of strings), never whole in memory.
 * Files: CSV (UTF-8 or GBK/GB18030, detected or declared), XLSX (exceljs' streaming reader), JSON lines;
 * and a PostgreSQL query with a watermark parameter.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import ExcelJS from 'exceljs';
import iconv from 'iconv-lite';
import pg from 'pg';
import Cursor from 'pg-cursor';
import { AppError, fieldError, invalid } from '../../platform/errors.ts';
import { parseJsonExact, quoteScanner, splitCsv, type RowValues } from '../../../engines/transform/index.ts';
import type { Encoding, FileFormat } from './interfaces.table.ts';

/** A row as read; `line`: where a user finds it in the file when that is not its data-row number (a sheet's own row number). */
export type Row = { values: string[]; bytes: number; line?: number };

/** `sheet`: of a workbook, the worksheet read and the others (not read), for the load's log. */
export type FileInfo = {
  format: Exclude<FileFormat, 'postgres'>; encoding: 'utf8' | 'gb18030' | null; header: string[]; size: number; sha256: string;
  sheet?: { name: string; others: string[]; message: { zh: string; en: string } };
};

const PROBE = 64 * 1024;

const refuse = (field: string, rule: string, zh: string, en: string) => invalid([fieldError(field, rule, zh, en)]);

/** Reads the first bytes of a file. */
async function head(path: string, n: number): Promise<Buffer> {
  const fh = await fs.promises.open(path, 'r');
  try {
    const buf = Buffer.alloc(n);
    const { bytesRead } = await fh.read(buf, 0, n, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

/** One pass over the whole file: its sha256, and whether every byte sequence is valid UTF-8 (with the offset of the first that is not). */
async function scan(path: string): Promise<{ sha256: string; utf8: boolean; badAt: number; quotes: boolean }> {
  const hash = createHash('sha256');
  let quotes = false;
  const dec = new TextDecoder('utf-8', { fatal: true });
  let utf8 = true;
  let badAt = -1;
  let offset = 0;
  let prev: Buffer | null = null;
  for await (const chunk of fs.createReadStream(path, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
    hash.update(chunk);
    if (!quotes) quotes = chunk.includes(34);
    if (utf8) {
      try {
        dec.decode(chunk, { stream: true });
      } catch {
        utf8 = false;
        // The decoder says only that the chunk is bad: find the byte. A character begun in the chunk before (its last
        // bytes, at most 3) is checked with it.
        const carry = prev ? prev.subarray(Math.max(0, prev.length - 3)) : Buffer.alloc(0);
        const from = carry.length ? sequenceStart(carry) : 0;
        const at = utf8ErrorAt(Buffer.concat([carry.subarray(from), chunk]));
        badAt = offset - (carry.length - from) + Math.max(0, at);
      }
      prev = chunk;
    }
    offset += chunk.length;
  }
  if (utf8) {
    try {
      dec.decode();
    } catch {
      utf8 = false;
      badAt = offset;
    }
  }
  return { sha256: hash.digest('hex'), utf8, badAt, quotes };
}

/** Where, in the last bytes of a valid chunk, an unfinished character begins (their length if none is unfinished). */
function sequenceStart(tail: Buffer): number {
  for (let i = tail.length - 1; i >= 0; i--) {
    const b = tail[i]!;
    if ((b & 0xc0) === 0x80) continue;
    const len = b < 0x80 ? 1 : b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : 2;
    return i + len > tail.length ? i : tail.length;
  }
  return tail.length;
}

/** The offset of the first byte that does not begin or continue a valid UTF-8 character, or -1 (an unfinished last one is not an error here). */
export function utf8ErrorAt(buf: Uint8Array): number {
  let i = 0;
  while (i < buf.length) {
    const b = buf[i]!;
    if (b < 0x80) { i++; continue; }
    let len: number, lo = 0x80, hi = 0xbf;
    if (b >= 0xc2 && b <= 0xdf) len = 2;
    else if (b >= 0xe0 && b <= 0xef) { len = 3; if (b === 0xe0) lo = 0xa0; if (b === 0xed) hi = 0x9f; }
    else if (b >= 0xf0 && b <= 0xf4) { len = 4; if (b === 0xf0) lo = 0x90; if (b === 0xf4) hi = 0x8f; }
    else return i;
    for (let k = 1; k < len; k++) {
      if (i + k >= buf.length) return -1;
      const c = buf[i + k]!;
      if (c < (k === 1 ? lo : 0x80) || c > (k === 1 ? hi : 0xbf)) return i;
    }
    i += len;
  }
  return -1;
}

/** Character offset of the first sequence GB18030 cannot decode (iconv puts U+FFFD there), or -1. */
async function gbUndecodable(path: string): Promise<number> {
  let offset = 0;
  for await (const chunk of fs.createReadStream(path, { highWaterMark: 1 << 20 }).pipe(iconv.decodeStream('gb18030')) as AsyncIterable<string>) {
    const i = chunk.indexOf('\ufffd');
    if (i >= 0) return offset + i;
    offset += chunk.length;
  }
  return -1;
}

/**
 * Excel keeps 15 significant digits: an integer of 16 digits or more stored as a number (an ID or account number
 * typed without making the column text) has lost the rest, whatever the file now says.
 */
const LOST = 1e15;

function cellText(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'number') {
    if (Number.isInteger(v)) return Math.abs(v) < 1e21 ? String(v) : BigInt(v).toString();
    // A double's noise past Excel's 15 digits (0.30000000000000004) is not in the cell the user sees.
    return String(Number(v.toPrecision(15)));
  }
  if (typeof v === 'boolean') return String(v);
  if (v instanceof Date) {
    // exceljs gives dates as UTC midnight of the cell's calendar day; a time part means a timestamp.
    const iso = v.toISOString();
    return iso.endsWith('T00:00:00.000Z') ? iso.slice(0, 10) : iso;
  }
  if (typeof v === 'object') {
    const o = v as { richText?: { text: string }[]; text?: unknown; result?: unknown; error?: string };
    if (o.richText) return o.richText.map((t) => t.text).join('');
    if (o.result !== undefined) return cellText(o.result);
    if (o.text !== undefined) return cellText(o.text);
    if (o.error) return '';
  }
  return String(v);
}

/** A sheet row's cells as text; `lostDigits` lists the cells holding numbers too long for Excel (see LOST). */
function xlsxRowValues(row: ExcelJS.Row): RowValues {
  const vals = row.values as unknown[];
  const out: RowValues = [];
  for (let i = 1; i < vals.length; i++) {
    const v = vals[i];
    const n = typeof v === 'number' ? v : v !== null && typeof v === 'object' && typeof (v as { result?: unknown }).result === 'number' ? (v as { result: number }).result : null;
    if (n !== null && Number.isInteger(n) && Math.abs(n) >= LOST) (out.lostDigits ??= []).push(i - 1);
    out.push(cellText(v));
  }
  return out;
}

type SheetReader = AsyncIterable<ExcelJS.Row> & { name?: string; state?: string };

/** Each worksheet's name and header (its first row), in the workbook's order. */
async function xlsxSheets(path: string): Promise<{ name: string; header: string[] }[]> {
  const wb = new ExcelJS.stream.xlsx.WorkbookReader(path, { worksheets: 'emit', sharedStrings: 'cache', styles: 'ignore', hyperlinks: 'ignore' });
  const out: { name: string; header: string[] }[] = [];
  for await (const ws of wb as AsyncIterable<SheetReader>) {
    let header: string[] = [];
    for await (const row of ws) { header = [...xlsxRowValues(row)]; break; }
    out.push({ name: ws.name ?? `Sheet${out.length + 1}`, header });
  }
  return out;
}

const fits = (header: string[], required: string[]) => {
  const have = new Set(header.map((h) => h.trim().toLowerCase()));
  return header.some((h) => h.trim()) && required.every((c) => have.has(c.trim().toLowerCase()));
};
const quoted = (names: string[]) => names.map((n) => `“${n}”`).join('、');

/**
 * The worksheet to read: the one whose header holds the mapped columns, so a cover or notes sheet (说明) in front is
 * passed over. Two that both fit are refused rather than one read and the other silently left out.
 */
function pickSheet(sheets: { name: string; header: string[] }[], required: string[]): { header: string[]; sheet: NonNullable<FileInfo['sheet']> } {
  if (!sheets.length) throw refuse('header', 'required', '工作簿中没有工作表', 'the workbook has no worksheet');
  const names = sheets.map((s) => s.name);
  const fit = sheets.filter((s) => fits(s.header, required));
  if (fit.length > 1) {
    throw refuse('file', 'sheet', `工作表 ${quoted(fit.map((s) => s.name))} 都含有映射所需的列；每个文件只读一张工作表，请只保留一张数据表或分成多个文件`,
      `worksheets ${fit.map((s) => `"${s.name}"`).join(', ')} all hold the mapped columns; one worksheet is read per file: keep one data sheet, or split the workbook into files`);
  }
  if (!fit.length) {
    if (sheets.length === 1) {
      checkHeader(sheets[0]!.header, required);
    }
    // The sheet nearest to fitting is the one the user meant: its missing columns, and every sheet looked at.
    const missing = (h: string[]) => required.filter((c) => !new Set(h.map((x) => x.trim().toLowerCase())).has(c.trim().toLowerCase())).length;
    const near = [...sheets].sort((a, b) => missing(a.header) - missing(b.header))[0]!;
    let errs: ReturnType<typeof fieldError>[] = [];
    try { checkHeader(near.header, required); } catch (e) { errs = (e as AppError).fields ?? []; }
    throw invalid([fieldError('file', 'sheet', `没有一张工作表含有映射所需的全部列（已查看 ${quoted(names)}；以下为“${near.name}”所缺的列）`,
      `no worksheet holds all the mapped columns (looked at ${names.map((n) => `"${n}"`).join(', ')}; below, the columns "${near.name}" lacks)`), ...errs]);
  }
  const chosen = fit[0]!;
  const others = names.filter((n) => n !== chosen.name);
  const message = others.length
    ? { zh: `读取工作表“${chosen.name}”；其他工作表未读取：${quoted(others)}`, en: `read worksheet "${chosen.name}"; not read: ${others.map((n) => `"${n}"`).join(', ')}` }
    : { zh: `读取工作表“${chosen.name}”`, en: `read worksheet "${chosen.name}"` };
  return { header: chosen.header, sheet: { name: chosen.name, others, message } };
}

/**
 * Everything about a file that can be refused before a single row is written: size, kind, encoding
 * (BOM, then UTF-8 validity of the whole file, else GB18030), the header, and the mapped columns it must have.
 */
export async function inspectFile(path: string, opts: { maxBytes: number; encoding: Encoding; delimiter: string; requiredColumns: string[] }): Promise<FileInfo> {
  const stat = await fs.promises.stat(path).catch(() => null);
  if (!stat || !stat.isFile()) throw refuse('file', 'exists', '文件不存在', 'the file does not exist');
  if (stat.size > opts.maxBytes) {
    throw new AppError('TOO_LARGE', { zh: `文件超过 ${fmtBytes(opts.maxBytes)} 的上限`, en: `the file is larger than the ${fmtBytes(opts.maxBytes)} limit` },
      [fieldError('file', 'maxSize', `文件大小 ${fmtBytes(stat.size)} 超过上限 ${fmtBytes(opts.maxBytes)}`, `${fmtBytes(stat.size)} is over the ${fmtBytes(opts.maxBytes)} limit`)]);
  }
  if (stat.size === 0) throw refuse('file', 'empty', '文件是空的', 'the file is empty');
  const first = await head(path, PROBE);
  let format: FileInfo['format'];
  if (first[0] === 0x50 && first[1] === 0x4b && first[2] === 0x03 && first[3] === 0x04) format = 'xlsx';
  else if ((first[0] === 0xff && first[1] === 0xfe) || (first[0] === 0xfe && first[1] === 0xff)) {
    throw refuse('encoding', 'unsupported', '不支持 UTF-16 编码的文件，请另存为 UTF-8 或 GB18030', 'UTF-16 files are not supported: save as UTF-8 or GB18030');
  } else if (first.includes(0)) {
    throw refuse('file', 'format', '不是 CSV、XLSX 或 JSON Lines 文件', 'is not a CSV, XLSX or JSON lines file');
  } else format = /^(\xef\xbb\xbf)?\s*\{/.test(first.subarray(0, 16).toString('latin1')) ? 'jsonl' : 'csv';

  const { sha256, utf8, badAt, quotes } = await scan(path);
  if (format === 'xlsx') {
    const sheets = await xlsxSheets(path).catch(() => {
      throw refuse('file', 'format', 'XLSX 文件已损坏或无法读取', 'the XLSX file is damaged or unreadable');
    });
    const { header, sheet } = pickSheet(sheets, opts.requiredColumns);
    return { format, encoding: null, header, size: stat.size, sha256, sheet };
  }
  let encoding: 'utf8' | 'gb18030';
  const hasBom = first[0] === 0xef && first[1] === 0xbb && first[2] === 0xbf;
  if (opts.encoding === 'utf8' || hasBom) {
    if (!utf8) {
      throw refuse('encoding', 'decode', `文件不是有效的 UTF-8 编码（约第 ${badAt} 字节处）；GBK 文件请选择 GB18030 或自动识别`,
        `the file is not valid UTF-8 (near byte ${badAt}); for GBK files choose GB18030 or automatic detection`);
    }
    encoding = 'utf8';
  } else if (opts.encoding === 'auto') encoding = utf8 ? 'utf8' : 'gb18030';
  else encoding = 'gb18030';
  let text = encoding === 'utf8' ? first.toString('utf8') : iconv.decode(first, 'gb18030');
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  if (encoding === 'gb18030' && (text.includes('\ufffd') || (await gbUndecodable(path)) >= 0)) {
    throw refuse('encoding', 'decode', '文件无法按 GB18030/GBK 解码', 'the file cannot be decoded as GB18030/GBK');
  }
  const firstLine = text.split(/\r?\n/, 1)[0] ?? '';
  let header: string[];
  if (format === 'jsonl') {
    let obj: unknown;
    try {
      obj = JSON.parse(firstLine);
    } catch {
      throw refuse('file', 'format', '第 1 行不是合法的 JSON', 'line 1 is not valid JSON');
    }
    if (!obj || typeof obj !== 'object' || Array.isArray(obj)) throw refuse('file', 'format', '每行应为一个 JSON 对象', 'each line must be a JSON object');
    // A key an object lacks is null there: the header is every key of any line, and only a mapped column no line has is missing.
    header = await jsonlKeys(path, encoding);
    checkHeader(header, opts.requiredColumns);
  } else {
    header = (splitCsv(firstLine, opts.delimiter, true).records[0] ?? []).map((h) => h.trim());
    checkHeader(header, opts.requiredColumns);
    // A quote that never closes would take the rest of the file as one field: refused before a row is loaded.
    if (quotes) {
      const line = await unclosedQuoteLine(path, encoding, opts.delimiter);
      if (line !== null) throw unclosedQuote(line);
    }
  }
  return { format, encoding, header, size: stat.size, sha256 };
}

/** The line where a quoted field that never closes opens, or null (a pass over the decoded file). */
async function unclosedQuoteLine(path: string, encoding: 'utf8' | 'gb18030', delimiter: string): Promise<number | null> {
  const stream = fs.createReadStream(path, { highWaterMark: 1 << 20 });
  const input = (encoding === 'gb18030' ? stream.pipe(iconv.decodeStream('gb18030')) : stream.setEncoding('utf8')) as AsyncIterable<string>;
  const q = quoteScanner(delimiter);
  for await (const chunk of input) q.feed(chunk);
  return q.end();
}

const unclosedQuote = (line: number) => refuse('file', 'unclosedQuote',
  `第 ${line} 行的引号没有闭合：其后直到文件末尾都会被读成一个字段；请补上引号或去掉该引号后重新导出`,
  `the quote opened on line ${line} is never closed: the rest of the file would be read as one field; close or remove it and export again`);

/** Every key of the JSON objects of a JSON-lines file, in the order first seen (lines that are no object are skipped here). */
async function jsonlKeys(path: string, encoding: 'utf8' | 'gb18030'): Promise<string[]> {
  const keys = new Set<string>();
  const stream = fs.createReadStream(path, { highWaterMark: 1 << 20 });
  const input = (encoding === 'gb18030' ? stream.pipe(iconv.decodeStream('gb18030')) : stream.setEncoding('utf8')) as AsyncIterable<string>;
  const take = (line: string) => {
    const t = (line.charCodeAt(0) === 0xfeff ? line.slice(1) : line).trim();
    if (!t.startsWith('{')) return;
    try {
      const o = JSON.parse(t);
      if (o && typeof o === 'object' && !Array.isArray(o)) for (const k of Object.keys(o)) keys.add(k);
    } catch {
      // A broken line: rejected as ragged when loaded.
    }
  };
  let rest = '';
  for await (const chunk of input) {
    const lines = (rest + chunk).split('\n');
    rest = lines.pop() ?? '';
    lines.forEach(take);
  }
  take(rest);
  return [...keys];
}

function checkHeader(header: string[], required: string[]) {
  if (!header.some((h) => h.trim())) throw refuse('header', 'required', '缺少表头行', 'the header line is missing');
  const have = new Set(header.map((h) => h.trim().toLowerCase()));
  const missing = required.filter((c) => !have.has(c.trim().toLowerCase()));
  if (missing.length) {
    throw invalid(missing.map((c) => fieldError(`header.${c}`, 'missingColumn', `文件缺少映射所需的列“${c}”`, `the file lacks the mapped column "${c}"`)));
  }
}

export function fmtBytes(n: number): string {
  if (n >= 1 << 30) return `${(n / (1 << 30)).toFixed(1)} GB`;
  if (n >= 1 << 20) return `${(n / (1 << 20)).toFixed(1)} MB`;
  if (n >= 1 << 10) return `${(n / (1 << 10)).toFixed(1)} KB`;
  return `${n} B`;
}

/** Counts bytes as they are read, for the progress bar. */
function counted(path: string, highWaterMark = 1 << 20): { stream: fs.ReadStream; bytes: () => number } {
  const stream = fs.createReadStream(path, { highWaterMark });
  return { stream, bytes: () => stream.bytesRead };
}

/**
 * Where in the file the i-th of a chunk's n rows ends, for the progress bar: the file is read a megabyte at a time,
 * so a row's "bytes read so far" would put every row of a small file at its end (a load 0.99 done after its first
 * batch of 25 rows, its projected total the records of that batch). The chunk's bytes are shared out over its rows.
 */
const rowEnd = (from: number, to: number, i: number, n: number) => from + Math.floor(((to - from) * (i + 1)) / n);

/** The data rows of a file (the header skipped), in order. */
export async function* readFileRows(path: string, info: Pick<FileInfo, 'format' | 'encoding' | 'header'>, delimiter: string): AsyncGenerator<Row> {
  // A workbook is zipped and read by the row, not by the chunk: smaller reads keep its bar from jumping to the end.
  const src = counted(path, info.format === 'xlsx' ? 1 << 16 : 1 << 20);
  if (info.format === 'xlsx') {
    const wb = new ExcelJS.stream.xlsx.WorkbookReader(src.stream, { worksheets: 'emit', sharedStrings: 'cache', styles: 'cache', hyperlinks: 'ignore' });
    // The sheet inspectFile chose (see pickSheet): the one whose header is the file's header; the others are not read.
    const want = info.header.join('\u001f');
    const seen: string[] = [];
    for await (const ws of wb as AsyncIterable<SheetReader>) {
      let first = true;
      let mine = false;
      for await (const row of ws) {
        if (first) {
          first = false;
          mine = xlsxRowValues(row).join('\u001f') === want;
          if (!mine) break;
          continue;
        }
        const values = xlsxRowValues(row);
        // exceljs drops trailing empty cells: pad to the header so they are not taken for ragged rows.
        while (values.length < info.header.length) values.push('');
        if (values.every((v) => v === '')) continue;
        yield { values, bytes: src.bytes(), line: row.number };
      }
      if (mine) return;
      seen.push(ws.name ?? `Sheet${seen.length + 1}`);
    }
    throw refuse('file', 'sheet', `工作簿中已没有表头相符的工作表（有 ${quoted(seen)}）`, `no worksheet of the workbook has the header it was checked with (it has ${seen.map((n) => `"${n}"`).join(', ')})`);
  }
  const input = info.encoding === 'gb18030' ? src.stream.pipe(iconv.decodeStream('gb18030')) : src.stream;
  if (info.format === 'jsonl') {
    yield* jsonLines(input, info.header, src.bytes);
    return;
  }
  if (info.encoding !== 'gb18030') src.stream.setEncoding('utf8');
  let rest = '';
  let first = true;
  let header = true;
  let from = 0;
  for await (const chunk of input as AsyncIterable<string>) {
    let text = rest + chunk;
    if (first) {
      first = false;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    }
    const r = splitCsv(text, delimiter, false);
    rest = r.rest;
    const to = src.bytes(), n = r.records.length;
    for (let i = 0; i < n; i++) {
      if (header) { header = false; continue; }
      yield { values: r.records[i]!, bytes: rowEnd(from, to, i, n) };
    }
    if (n) from = to;
  }
  const last = splitCsv(rest, delimiter, true);
  for (const values of last.records) {
    if (header) { header = false; continue; }
    yield { values, bytes: src.bytes() };
  }
  // inspectFile refuses such a file before loading; one changed since is refused here (the line found by a second pass).
  if (last.unclosedAt !== undefined) throw unclosedQuote((await unclosedQuoteLine(path, info.encoding === 'gb18030' ? 'gb18030' : 'utf8', delimiter)) ?? 0);
}

/** A line that is no JSON object: its text as the one value, and why the mapping rejects it. */
function unreadableLine(text: string, line: number, rule: 'json' | 'jsonObject', bytes: number): Row {
  const values: RowValues = [text];
  values.unreadable = rule === 'json'
    ? { rule, message: { zh: `第 ${line} 行不是合法的 JSON`, en: `line ${line} is not valid JSON` } }
    : { rule, message: { zh: `第 ${line} 行不是 JSON 对象（应为 {"列名": 值, …}）`, en: `line ${line} is not a JSON object ({"column": value, …})` } };
  return { values, bytes, line };
}

/** Rows of a JSON-lines file, each numbered by its line in the file (blank lines counted, not loaded). */
async function* jsonLines(input: NodeJS.ReadableStream, header: string[], readSoFar: () => number): AsyncGenerator<Row> {
  const dec = new StringDecoder('utf8');
  let rest = '';
  let lineNo = 0;
  let at = 0;
  const bytes = () => at;
  const toRow = (line: string): Row | null => {
    lineNo++;
    const t = line.trim();
    if (!t) return null;
    let obj: Record<string, unknown>;
    try {
      // A number past what a double holds (a key past 2^53, an ID number as a number) is read as written: no digit lost.
      obj = parseJsonExact(t) as Record<string, unknown>;
    } catch {
      return unreadableLine(t, lineNo, 'json', bytes());
    }
    if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) return unreadableLine(t, lineNo, 'jsonObject', bytes());
    return { values: header.map((h) => (obj[h] == null ? '' : typeof obj[h] === 'object' ? JSON.stringify(obj[h]) : String(obj[h]))), bytes: bytes(), line: lineNo };
  };
  for await (const chunk of input as AsyncIterable<Buffer | string>) {
    const text = rest + (typeof chunk === 'string' ? chunk : dec.write(chunk));
    const lines = text.split('\n');
    rest = lines.pop() ?? '';
    const from = at, to = readSoFar();
    for (let i = 0; i < lines.length; i++) {
      at = rowEnd(from, to, i, lines.length);
      const l = lines[i]!;
      const r = toRow(l.charCodeAt(0) === 0xfeff ? l.slice(1) : l);
      if (r) yield r;
    }
  }
  at = readSoFar();
  const tail = rest + dec.end();
  // A final line break ends the last line; it starts none.
  const r = tail ? toRow(tail) : null;
  if (r) yield r;
}

/**
 * A pull from another PostgreSQL database: the interface's query with `$1` = the last high-watermark
 * (or null the first time), read through a cursor. Yields the header first (the result's column names).
 */
export async function* readPostgres(url: string, query: string, watermark: string | null, onHeader: (h: string[]) => void): AsyncGenerator<Row> {
  // Dates and timestamps as the database writes them (in UTC), not as JS Dates: a Date keeps milliseconds only, and a
  // watermark cut to the millisecond would read the same rows again on every run.
  const client = new pg.Client({ connectionString: url, application_name: 'banyan-interface', statement_timeout: 0, types: { getTypeParser: typeParser } as never, options: '-c TimeZone=UTC -c DateStyle=ISO' });
  await client.connect();
  try {
    await client.query('BEGIN READ ONLY');
    const cursor = client.query(new Cursor(query, query.includes('$1') ? [watermark] : []));
    let n = 0;
    for (;;) {
      const rows: Record<string, unknown>[] = await cursor.read(2000);
      if (!rows.length) break;
      if (n === 0) onHeader(Object.keys(rows[0]!));
      for (const r of rows) {
        n++;
        yield { values: Object.values(r).map(pgText), bytes: n };
      }
    }
    await cursor.close();
    await client.query('COMMIT');
  } finally {
    await client.end().catch(() => {});
  }
}

/** Type OIDs of date, timestamp and timestamptz: kept as text (see pgTime). */
const TIME_TYPES = new Set([1082, 1114, 1184]);

function typeParser(oid: number, format?: 'text' | 'binary') {
  if (TIME_TYPES.has(oid)) return (v: string) => pgTime(v);
  return pg.types.getTypeParser(oid, format as 'text');
}

/**
 * A date or timestamp in the database's own text, to the microsecond, as ISO 8601: `2026-12-07 13:19:42.94209+00` →
 * `2026-12-07T13:19:42.942090Z` (never fewer than 3 decimals, so whole milliseconds read as before); a date stays `2026-12-07`.
 */
export function pgTime(v: string): string {
  const m = /^(\d{4,}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2})(?:\.(\d+))?(\+00(?::00)?)?$/.exec(v);
  if (!m) return v;
  const frac = (m[3] ?? '').padEnd(m[3] && m[3].length > 3 ? 6 : 3, '0');
  return `${m[1]}T${m[2]}.${frac}${m[4] ? 'Z' : ''}`;
}

function pgText(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (v instanceof Date) return v.toISOString();
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}
