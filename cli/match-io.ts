/** Reading `banyan match` inputs: header → column map, one line → MatchRecord (cn-bank CSV or FEBRL). */
import type { MatchRecord } from '../engines/matching/index.ts';

export type Preset = 'cn-bank' | 'febrl';

/** Columns of the canonical source-record CSV (see shared/data/er/README.md). */
export const CANONICAL_COLUMNS = ['record_id', 'source', 'kind', 'name', 'id_type', 'id_no', 'mobile', 'email', 'birth_date', 'gender', 'address', 'employer', 'legal_rep'] as const;
export const FEBRL_COLUMNS = ['rec_id', 'given_name', 'surname', 'street_number', 'address_1', 'address_2', 'suburb', 'postcode', 'state', 'date_of_birth', 'soc_sec_id'] as const;

/**
 * Split one CSV line (RFC 4180 quotes allowed; a `"` opens a quoted field only at the field's start, elsewhere it is
 * text, as in `张"伟`). FEBRL separates by comma + space and never quotes.
 */
export function splitLine(line: string, preset: Preset): string[] {
  if (line.endsWith('\r')) line = line.slice(0, -1);
  if (preset === 'febrl') return line.split(',').map((s) => s.trim());
  if (!line.includes('"')) return line.split(',');
  const out: string[] = [];
  let cur = '';
  let q = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (q) {
      if (c === '"' && line[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (c === '"') q = false;
      else cur += c;
    } else if (c === '"' && (i === 0 || line[i - 1] === ',')) q = true;
    else if (c === ',') {
      out.push(cur);
      cur = '';
    } else cur += c;
  }
  out.push(cur);
  return out;
}

/** A field as CSV writes it: quoted (quotes doubled) when it holds a comma, a quote, CR or LF. */
export const csvField = (s: string) => (/[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s);

/** Column positions by name; throws naming the missing columns. */
export function columnMap(header: string, preset: Preset): Record<string, number> {
  const cols = splitLine(header.replace(/^\uFEFF/, ''), preset).map((c) => c.trim().toLowerCase());
  const need = preset === 'febrl' ? FEBRL_COLUMNS : (['record_id', 'kind'] as const);
  const missing = need.filter((c) => !cols.includes(c));
  if (missing.length) throw new Error(`missing column(s): ${missing.join(', ')}`);
  return Object.fromEntries(cols.map((c, i) => [c, i]));
}

/** Bad input data (not a fault of the program): told to the user in English and Chinese, without a stack. */
export class InputError extends Error {
  constructor(readonly en: string, readonly zh: string) {
    super(en);
  }
}

/** Values of the kind column, compared case-insensitively: English and the Chinese terms the banks' extracts use. */
const KINDS: Record<string, 'person' | 'org'> = {
  person: 'person', org: 'org', 个人: 'person', 对私: 'person', 机构: 'org', 企业: 'org', 对公: 'org', 公司: 'org',
};
const KIND_VALUES = Object.keys(KINDS).join(', ');

/** The kind of record `id` from its kind column: an empty value is a person, a value not in KINDS an InputError. */
export function kindOf(value: string, id: string): 'person' | 'org' {
  if (value === 'person' || value === '') return 'person';
  if (value === 'org') return 'org';
  const k = KINDS[value.toLowerCase()];
  if (k) return k;
  throw new InputError(
    `record ${JSON.stringify(id)}: kind ${JSON.stringify(value)} is not one of ${KIND_VALUES} (any case)`,
    `记录 ${JSON.stringify(id)}：kind 的值 ${JSON.stringify(value)} 不是 ${KIND_VALUES} 之一（不区分大小写）`,
  );
}

/** Field i of a split line, trimmed only when it needs it ('' when absent). */
function field(f: string[], i: number): string {
  const v = i < 0 ? undefined : f[i];
  return v ? (v.charCodeAt(0) === 32 || v.charCodeAt(v.length - 1) === 32 ? v.trim() : v) : '';
}

/**
 * A reader of data lines for one input: line → MatchRecord. Column positions are resolved once;
 * `source` is the input's own label when the file has no source column.
 */
export function recordReader(cols: Record<string, number>, preset: Preset, inputSource: string): (line: string) => MatchRecord {
  const at = (c: string) => cols[c] ?? -1;
  if (preset === 'febrl') {
    const idx = FEBRL_COLUMNS.map(at);
    return (line) => {
      const f = splitLine(line, preset);
      const extra: Record<string, string> = {};
      for (let k = 1; k < FEBRL_COLUMNS.length; k++) extra[FEBRL_COLUMNS[k]!] = f[idx[k]!] ?? '';
      return { id: f[idx[0]!] ?? '', source: inputSource, kind: 'person', name: `${extra.given_name} ${extra.surname}`.trim(), extra };
    };
  }
  const [id, source, kind, name, idType, idNo, mobile, email, birth, gender, address, employer, legalRep] = CANONICAL_COLUMNS.map(at) as number[];
  return (line) => {
    const f = splitLine(line, preset);
    const get = (i: number) => field(f, i);
    const recordId = get(id!);
    return {
      id: recordId, source: get(source!) || inputSource, kind: kindOf(get(kind!), recordId),
      name: get(name!), idType: get(idType!), idNo: get(idNo!), mobile: get(mobile!), email: get(email!),
      birthDate: get(birth!), gender: get(gender!), address: get(address!), employer: get(employer!), legalRep: get(legalRep!),
    };
  };
}

/** One data line as a MatchRecord (see recordReader, which is faster for many lines). */
export function toRecord(line: string, cols: Record<string, number>, preset: Preset, inputSource: string): MatchRecord {
  return recordReader(cols, preset, inputSource)(line);
}
