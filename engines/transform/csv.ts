/**
 * A CSV record splitter (RFC 4180, relaxed) for text arriving in chunks. Pure. Lines without a quote take a
 * fast path (one split); quoted fields may hold delimiters, doubled quotes and line breaks; a stray quote
 * inside an unquoted field is kept as text. Rows of any width come out as they are (ragged rows are the
 * mapping's concern). Empty lines are skipped. A quoted field still open at the end of the input is no record: the
 * text from its record on is left out and `unclosedAt` says where that record starts (a file with it is broken).
 */
export type CsvChunkResult = { records: string[][]; rest: string; unclosedAt?: number };

/**
 * Splits as many whole records as `text` holds; `rest` is the unfinished tail to prepend to the next chunk.
 * With `eof`, the tail is taken as the last record. e.g. splitCsv('a,"b,c"\n1,2', ',', false) →
 * { records: [['a', 'b,c']], rest: '1,2' }
 */
export function splitCsv(text: string, delim: string, eof: boolean): CsvChunkResult {
  const records: string[][] = [];
  let pos = 0;
  const n = text.length;
  // The next quote is looked up again only once passed, so long runs of unquoted lines stay linear.
  let q = text.indexOf('"');
  while (pos < n) {
    let nl = text.indexOf('\n', pos);
    if (q !== -1 && q < pos) q = text.indexOf('"', pos);
    if (q === -1 || (nl !== -1 && q > nl)) {
      // Fast path: no quote before the end of this line.
      if (nl === -1) {
        if (!eof) break;
        nl = n;
      }
      let end = nl;
      if (end > pos && text.charCodeAt(end - 1) === 13) end--;
      if (end > pos) records.push(text.slice(pos, end).split(delim));
      pos = nl + 1;
      continue;
    }
    const r = quoted(text, pos, delim, eof);
    if (!r) break;
    if (r.unclosed) return { records, rest: '', unclosedAt: pos };
    if (r.fields) records.push(r.fields);
    pos = r.next;
  }
  return { records, rest: pos >= n ? '' : text.slice(pos) };
}

function quoted(s: string, start: number, d: string, eof: boolean): { fields: string[] | null; next: number; unclosed?: true } | null {
  const fields: string[] = [];
  let field = '';
  let i = start;
  let inQuotes = false;
  let wasQuoted = false;
  const n = s.length;
  while (i < n) {
    const c = s[i]!;
    if (inQuotes) {
      if (c === '"') {
        if (s[i + 1] === '"') {
          field += '"';
          i += 2;
          continue;
        }
        if (i + 1 >= n && !eof) return null; // cannot tell "" from " yet
        inQuotes = false;
        i++;
        continue;
      }
      field += c;
      i++;
      continue;
    }
    if (c === '"' && field === '' && !wasQuoted) {
      inQuotes = true;
      wasQuoted = true;
      i++;
      continue;
    }
    if (c === d) {
      fields.push(field);
      field = '';
      wasQuoted = false;
      i++;
      continue;
    }
    if (c === '\n' || c === '\r') {
      fields.push(field);
      let next = i + 1;
      if (c === '\r' && s[next] === '\n') next++;
      else if (c === '\r' && next >= n && !eof) return null;
      return { fields: fields.length === 1 && fields[0] === '' ? null : fields, next };
    }
    field += c;
    i++;
  }
  if (!eof) return null;
  // End of input inside quotes: the quote never closed, and everything after it would be one field.
  if (inQuotes) return { fields: null, next: n, unclosed: true };
  fields.push(field);
  return { fields: fields.length === 1 && fields[0] === '' ? null : fields, next: n };
}

export type QuoteScanner = {
  /** The next chunk of the text. */
  feed: (chunk: string) => void;
  /** At the end of the text: the line (1-based) where a quoted field that never closes opens, or null. */
  end: () => number | null;
};

/**
 * Follows the quotes of a CSV text read in chunks, as splitCsv reads them (a quote opens a field only at its start;
 * "" inside one is a quote), to find a quoted field that never closes before any record is loaded. Only the quotes
 * and line breaks are looked at. e.g. const q = quoteScanner(','); q.feed('a,b\n1,"x\n2,y\n'); q.end() → 2
 */
export function quoteScanner(delim: string): QuoteScanner {
  const d = delim.charCodeAt(0);
  let line = 1;
  let inQuotes = false;
  let openLine = 0;
  let prev = -1; // the character before the next chunk; -1 at the start of the text
  let quoteAtEnd = false; // inside quotes, the chunk ended on a quote: "" or a close, the next character tells
  const lines = (s: string, from: number, to: number) => {
    let k = 0;
    for (let i = s.indexOf('\n', from); i !== -1 && i < to; i = s.indexOf('\n', i + 1)) k++;
    return k;
  };
  return {
    feed(s) {
      const n = s.length;
      if (!n) return;
      let i = 0;
      if (quoteAtEnd) {
        quoteAtEnd = false;
        if (s.charCodeAt(0) === 34) i = 1;
        else inQuotes = false;
        prev = 34;
      } else if (prev === -1 && s.charCodeAt(0) === 0xfeff) i = 1;
      while (i < n) {
        const q = s.indexOf('"', i);
        if (q === -1) {
          line += lines(s, i, n);
          prev = s.charCodeAt(n - 1);
          return;
        }
        line += lines(s, i, q);
        if (inQuotes) {
          if (q + 1 >= n) { quoteAtEnd = true; prev = 34; return; }
          if (s.charCodeAt(q + 1) === 34) i = q + 2;
          else { inQuotes = false; i = q + 1; }
        } else {
          const before = q > i ? s.charCodeAt(q - 1) : prev;
          if (before === -1 || before === 10 || before === 13 || before === d || before === 0xfeff) {
            inQuotes = true;
            openLine = line;
          }
          i = q + 1;
        }
        prev = 34;
      }
    },
    end() {
      return inQuotes && !quoteAtEnd ? openLine : null;
    },
  };
}
