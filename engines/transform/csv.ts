/**
 * A CSV record splitter (RFC 4180, relaxed) for text arriving in chunks. Pure. Lines without a quote take a
 * fast path (one split); quoted fields may hold delimiters, doubled quotes and line breaks; a stray quote
 * inside an unquoted field is kept as text. Rows of any width come out as they are (ragged rows are the
 * mapping's concern). Empty lines are skipped.
 */
export type CsvChunkResult = { records: string[][]; rest: string };

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
    if (r.fields) records.push(r.fields);
    pos = r.next;
  }
  return { records, rest: pos >= n ? '' : text.slice(pos) };
}

function quoted(s: string, start: number, d: string, eof: boolean): { fields: string[] | null; next: number } | null {
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
  // End of input: an unclosed quote takes the rest as its field, as read.
  fields.push(field);
  return { fields: fields.length === 1 && fields[0] === '' ? null : fields, next: n };
}
