/**
 * Blocking: records are compared only when they share a key of some rule, so the engine never compares all
 * pairs. Several rules, each on different fields, so a typo in one field is caught by another rule. Pure.
 */
import type { Prepared } from './types.ts';

export type BlockingRule = {
  name: string;
  /** The comparisons that always agree inside this rule's blocks (left out when EM estimates m from them). */
  fixes: string[];
  key: (p: Prepared) => string;
};

const e = (p: Prepared, k: string) => p.extra[k] ?? '';
const both = (a: string, b: string) => (a && b ? `${a}|${b}` : '');

export const PRESET_RULES: Record<'cn-bank' | 'febrl', BlockingRule[]> = {
  'cn-bank': [
    { name: 'id', fixes: ['cn.id'], key: (p) => p.idKey },
    { name: 'mobile', fixes: ['cn.mobile'], key: (p) => p.mobile },
    { name: 'name-birth', fixes: ['cn.person-name', 'cn.birth-date'], key: (p) => (p.kind === 'person' ? both(p.name, p.birthDate) : '') },
    // Homophone typos (田伟 / 田玮) with the same birth date.
    { name: 'pinyin-birth', fixes: ['cn.birth-date'], key: (p) => (p.kind === 'person' ? both(p.pinyin, p.birthDate) : '') },
    { name: 'name-address', fixes: ['cn.person-name', 'cn.org-name', 'cn.address'], key: (p) => both(p.nameKey, p.address) },
    { name: 'birth-address', fixes: ['cn.birth-date', 'cn.address'], key: (p) => (p.kind === 'person' ? both(p.birthDate, p.address) : '') },
    { name: 'email', fixes: ['cn.email'], key: (p) => p.email },
    // A company-name core alone is shared by unrelated firms (华信科技 …): with the legal representative.
    { name: 'org-name', fixes: ['cn.org-name', 'cn.legal-rep'], key: (p) => (p.kind === 'org' ? both(p.nameKey, p.legalRep) : '') },
  ],
  febrl: [
    { name: 'soc-sec-id', fixes: ['febrl.soc-sec-id'], key: (p) => e(p, 'soc_sec_id') },
    { name: 'date-of-birth', fixes: ['febrl.date-of-birth'], key: (p) => e(p, 'date_of_birth') },
    { name: 'names', fixes: ['febrl.given-name', 'febrl.surname'], key: (p) => both(e(p, 'given_name'), e(p, 'surname')) },
    { name: 'postcode-street-number', fixes: ['febrl.postcode', 'febrl.street-number'], key: (p) => both(e(p, 'postcode'), e(p, 'street_number')) },
    { name: 'address-1', fixes: ['febrl.address-1'], key: (p) => e(p, 'address_1') },
    { name: 'surname-suburb', fixes: ['febrl.surname', 'febrl.suburb'], key: (p) => both(e(p, 'surname'), e(p, 'suburb')) },
    { name: 'given-name-postcode', fixes: ['febrl.given-name', 'febrl.postcode'], key: (p) => both(e(p, 'given_name'), e(p, 'postcode')) },
  ],
};

/** Largest block compared in full; larger blocks (a key shared by too many records) carry little evidence and are skipped. */
export const MAX_BLOCK = 60;

/**
 * The blocking keys of one record, `rule:kind:value`, for the database to index (candidates for a new record
 * are the records sharing any of its keys).
 * @example blockingKeys(prepare({ id: 'R1', source: 's', kind: 'person', name: '张伟', birthDate: '1990-01-02' }), 'cn-bank')
 * // ['name-birth:p:张伟|1990-01-02', 'pinyin-birth:p:zhang wei|1990-01-02']
 */
export function blockingKeys(p: Prepared, preset: 'cn-bank' | 'febrl' = 'cn-bank'): string[] {
  const keys: string[] = [];
  const k = p.kind === 'org' ? 'o' : 'p';
  for (const r of PRESET_RULES[preset]) {
    const v = r.key(p);
    if (v) keys.push(blockKey(r.name, k, v));
  }
  return keys;
}

/** Longest key value kept as it is; a database indexes keys, and an index entry has a size limit (2704 bytes in PostgreSQL). */
export const MAX_KEY_VALUE = 200;

/**
 * One blocking key, `rule:kind:value`. A value longer than MAX_KEY_VALUE (a 100,000-character address) is
 * replaced by its length and a 52-bit hash: equal values still share the key, so blocking works as before,
 * and the key stays small enough to index.
 * @example blockKey('name-address', 'p', '张三|' + 'x'.repeat(300)) // 'name-address:p:#304:…'
 */
export function blockKey(rule: string, kind: 'p' | 'o', value: string): string {
  return value.length > MAX_KEY_VALUE ? `${rule}:${kind}:#${value.length}:${hashKey(value).toString(36)}` : `${rule}:${kind}:${value}`;
}

/**
 * A 52-bit hash of a string (two independent 26-bit FNV-1a style halves), for compact block keys.
 * @example hashKey('mobile:p:+8613800000000') === hashKey('mobile:p:+8613800000000') // true
 */
export function hashKey(s: string): number {
  let h1 = 0x811c9dc5;
  let h2 = 0x01000193 ^ s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 16777619);
    h2 = Math.imul(h2 ^ c, 2246822519) ^ (h2 >>> 15);
  }
  h1 ^= h1 >>> 13;
  h2 = Math.imul(h2 ^ (h2 >>> 16), 3266489917);
  return (h1 >>> 6) * 67108864 + (h2 >>> 6);
}

/** Options of candidate generation. */
export type PairOptions = {
  /** Only pairs whose records come from different sources (linking deduplicated inputs). */
  linkOnly?: boolean;
  /** Blocks larger than this are skipped (default MAX_BLOCK). */
  maxBlock?: number;
};

/** Candidate pairs as parallel arrays: records a[k] < b[k]; rules[k] has bit r set when blocking rule r found the pair. */
export type Candidates = { a: Int32Array; b: Int32Array; rules: Uint16Array };

/**
 * Candidate pairs from hashed keys: key k belongs to record keyRec[k], rule keyRule[k] (< 16), hash keyHash[k]
 * (see hashKey). Each pair comes out once, with the set of rules that found it. Typed arrays and native
 * numeric sorts, so a million records take seconds, not minutes.
 * @example candidatesFromKeys(3, [7, 7, 9], [0, 1, 2], [0, 0, 0], null) // { a: [0], b: [1], rules: [0b11] }
 */
export function candidatesFromKeys(
  n: number,
  keyHash: ArrayLike<number>,
  keyRec: ArrayLike<number>,
  keyRule: ArrayLike<number>,
  sourceOf: ArrayLike<number> | null,
  opts: PairOptions = {},
): Candidates {
  const maxBlock = opts.maxBlock ?? MAX_BLOCK;
  if (n * n * 16 > Number.MAX_SAFE_INTEGER) throw new RangeError(`candidatesFromKeys: too many records (${n})`);
  const recBits = Math.max(1, Math.ceil(Math.log2(n + 1)));
  const hashSpace = 2 ** (53 - recBits - 4);
  const packed = new Float64Array(keyRec.length);
  // (hash, rule) in the high part and the record in the low part: one sort groups the blocks.
  for (let k = 0; k < packed.length; k++) {
    const h = (keyHash[k]! % hashSpace) * 16 + keyRule[k]!;
    packed[k] = h * 2 ** recBits + keyRec[k]!;
  }
  packed.sort();
  const recDiv = 2 ** recBits;
  let codes = new Float64Array(Math.max(16, keyRec.length));
  let nc = 0;
  const members: number[] = [];
  for (let s = 0; s < packed.length; ) {
    const group = Math.floor(packed[s]! / recDiv);
    let e = s;
    members.length = 0;
    while (e < packed.length && Math.floor(packed[e]! / recDiv) === group) members.push(packed[e++]! - group * recDiv);
    s = e;
    if (members.length < 2 || members.length > maxBlock) continue;
    const rule = group % 16;
    for (let x = 0; x < members.length; x++) {
      for (let y = x + 1; y < members.length; y++) {
        const i = members[x]!;
        const j = members[y]!;
        if (i === j || (opts.linkOnly && sourceOf && sourceOf[i] === sourceOf[j])) continue;
        if (nc === codes.length) {
          const bigger = new Float64Array(codes.length * 2);
          bigger.set(codes);
          codes = bigger;
        }
        codes[nc++] = (i < j ? i * n + j : j * n + i) * 16 + rule;
      }
    }
  }
  const sorted = codes.subarray(0, nc).sort();
  let m = 0;
  for (let k = 0; k < nc; k++) if (k === 0 || Math.floor(sorted[k]! / 16) !== Math.floor(sorted[k - 1]! / 16)) m++;
  const out: Candidates = { a: new Int32Array(m), b: new Int32Array(m), rules: new Uint16Array(m) };
  for (let k = 0, o = -1; k < nc; k++) {
    const pair = Math.floor(sorted[k]! / 16);
    if (k === 0 || pair !== Math.floor(sorted[k - 1]! / 16)) {
      o++;
      out.a[o] = Math.floor(pair / n);
      out.b[o] = pair % n;
    }
    out.rules[o]! |= 1 << (sorted[k]! - pair * 16);
  }
  return out;
}

/**
 * Candidate pairs of prepared records under a preset's blocking rules.
 * @example candidatePairs(records, 'cn-bank').a.length // number of pairs to score
 */
export function candidatePairs(records: readonly Prepared[], preset: 'cn-bank' | 'febrl', opts: PairOptions = {}): Candidates {
  const hashes: number[] = [];
  const recs: number[] = [];
  const rules: number[] = [];
  const ruleIndex = new Map(PRESET_RULES[preset].map((r, i) => [r.name, i]));
  records.forEach((p, i) => {
    for (const key of blockingKeys(p, preset)) {
      hashes.push(hashKey(key));
      recs.push(i);
      rules.push(ruleIndex.get(key.slice(0, key.indexOf(':')))!);
    }
  });
  const sources = new Map<string, number>();
  const sourceOf = records.map((p) => {
    if (!sources.has(p.source)) sources.set(p.source, sources.size);
    return sources.get(p.source)!;
  });
  return candidatesFromKeys(records.length, hashes, recs, rules, sourceOf, opts);
}
