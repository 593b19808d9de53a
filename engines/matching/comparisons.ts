/**
 * The comparison functions the models name. Each returns the index of the first level the pair
 * reaches (levels ordered from strongest agreement to 'else'), or -1 when a value is missing on either side
 * (missing says nothing: weight 0). Pure.
 */
import { addressTokens } from './normalize.ts';
import { editDistance, jaroWinkler, tokenOverlap } from './similarity.ts';
import type { Prepared } from './types.ts';

export type Comparator = {
  field: string;
  kind?: 'person' | 'org';
  levels: string[];
  /** Starting m per level (EM refines them; also the fallback when data are too few). */
  m: number[];
  /**
   * Starting u per level but the last (which takes the rest): how often two different customers of a bank agree so,
   * reasoned from the population, not from any data set — the built-in model decides with them until one is
   * estimated from the bank's own records (EM refines them). Without it: 0.002 for the first level, 0.01 for the others.
   */
  u?: number[];
  compare: (a: Prepared, b: Prepared) => number;
  /** The value whose frequency adjusts agreement on level 0. */
  tfValue?: (p: Prepared) => string;
  /**
   * How strongly this field's disagreement speaks against an automatic merge, whatever else agrees (the people of
   * one household share a phone, an address, an e-mail, and those agreeing outweighed a different name or birth date:
   * father and son of one name, spouses, twins): VETO alone keeps the pair from a sure match (review at most), two
   * DOUBTs together do, NONE says nothing. Called with the pair's level on this comparison. See `vouch`.
   */
  veto?: (a: Prepared, b: Prepared, level: number) => Veto;
  /** Levels up to this one prove the identity (the same valid ID number) and lift every veto. */
  vouch?: number;
  /** Levels that say the two values differ (besides the last, 'else'): their weight is never above 0. */
  differ?: number[];
  /** The highest weight agreement on this field may have, whatever the data say (bits). */
  maxWeight?: number;
};

const MISSING = -1;

/** A field's say against an automatic merge (Comparator.veto). */
export const NONE = 0;
export const DOUBT = 1;
export const VETO = 2;
export type Veto = typeof NONE | typeof DOUBT | typeof VETO;

/** No character and no syllable in common: two names, not one name mistyped (张伟/章伟, 林磊/林婷, 唐勇/军勇 share one). */
function disjointNames(a: Prepared, b: Prepared): boolean {
  for (const ch of a.name) if (b.name.includes(ch)) return false;
  const sb = new Set(b.pinyin.split(' '));
  return !a.pinyin.split(' ').some((s) => sb.has(s));
}

/** Days between two YYYY-MM-DD dates. */
const daysApart = (x: string, y: string) => Math.abs(Date.parse(x) - Date.parse(y)) / 86_400_000;

/** The given names (after one shared surname character) share no character and no syllable: 李明/李亮, not 李明/李铭. */
function otherGivenName(a: Prepared, b: Prepared): boolean {
  if (a.name.length < 2 || b.name.length < 2 || a.name[0] !== b.name[0]) return false;
  const given = b.name.slice(1);
  for (const ch of a.name.slice(1)) if (given.includes(ch)) return false;
  const sb = new Set(b.pinyin.split(' ').slice(1));
  return !a.pinyin.split(' ').slice(1).some((s) => sb.has(s));
}

/**
 * Names that are not one name mistyped veto: nothing in common, or one surname with another given name (brothers,
 * twins: 李明/李亮); a surname alone in common with a shared sound (李明/李敏铭) doubts.
 */
const personNameVeto = (a: Prepared, b: Prepared, level: number): Veto => (level < 3 ? NONE : disjointNames(a, b) || otherGivenName(a, b) ? VETO : DOUBT);

/** Birth dates more than a year apart veto (a parent, a child); other disagreement beyond a slip doubts. */
const birthDateVeto = (a: Prepared, b: Prepared, level: number): Veto => (level < 2 ? NONE : level === 3 && daysApart(a.birthDate, b.birthDate) > 366 ? VETO : DOUBT);

/** Identity numbers: check-digit aware. Two different numbers that both pass their check are different documents. */
function compareId(a: Prepared, b: Prepared): number {
  if (!a.idKey || !b.idKey || a.idKind !== b.idKind) return MISSING;
  // Valid numbers are compared whole: idKey leaves out the century, which two valid numbers may differ in alone.
  if (a.idKey === b.idKey) return a.idValid && b.idValid ? (a.idNo === b.idNo ? 0 : 3) : 1;
  if (a.idValid && b.idValid) return 3;
  return editDistance(a.idKey, b.idKey, 1) <= 1 ? 2 : 4;
}

function personName(a: Prepared, b: Prepared): number {
  if (!a.name || !b.name) return MISSING;
  if (a.name === b.name) return 0;
  if (a.pinyin === b.pinyin) return 1;
  if (a.name.length === b.name.length && a.name.length >= 3 && editDistance(a.name, b.name, 1) <= 1) return 2;
  if (a.name[0] === b.name[0]) return 3;
  return 4;
}

function orgName(a: Prepared, b: Prepared): number {
  if (!a.name || !b.name) return MISSING;
  if (a.name === b.name) return 0;
  if (a.nameKey === b.nameKey) return 1;
  if (a.pinyin === b.pinyin) return 2;
  if (jaroWinkler(a.nameKey, b.nameKey) >= 0.9) return 3;
  return 4;
}

function dateLevel(x: string, y: string): number {
  if (!x || !y) return MISSING;
  if (x === y) return 0;
  // A one-digit slip, or day and month swapped.
  if (editDistance(x, y, 1) <= 1 || (x.slice(0, 4) === y.slice(0, 4) && x.slice(5, 7) === y.slice(8, 10) && x.slice(8, 10) === y.slice(5, 7))) return 1;
  if (x.slice(0, 4) === y.slice(0, 4)) return 2;
  return 3;
}

function exactOrElse(x: string, y: string): number {
  if (!x || !y) return MISSING;
  return x === y ? 0 : 1;
}

function mobile(a: Prepared, b: Prepared): number {
  if (!a.mobile || !b.mobile) return MISSING;
  if (a.mobile === b.mobile) return 0;
  return editDistance(a.mobile, b.mobile, 1) <= 1 ? 1 : 2;
}

function address(a: Prepared, b: Prepared): number {
  if (!a.address || !b.address) return MISSING;
  if (a.address === b.address) return 0;
  const o = tokenOverlap(addressTokens(a.address), addressTokens(b.address));
  if (o >= 0.6) return 1;
  if (o >= 0.3) return 2;
  return 3;
}

function email(a: Prepared, b: Prepared): number {
  if (!a.email || !b.email) return MISSING;
  if (a.email === b.email) return 0;
  return a.email.split('@')[0] === b.email.split('@')[0] ? 1 : 2;
}

const x = (p: Prepared, k: string) => p.extra[k] ?? '';

/** A name field with Jaro-Winkler bands; 'swapped' when given and family names trade places. */
function febrlName(self: string, other: string) {
  return (a: Prepared, b: Prepared): number => {
    const s = x(a, self);
    const t = x(b, self);
    if (!s || !t) return MISSING;
    if (s === t) return 0;
    if (s === x(b, other) && t === x(a, other)) return 1;
    const jw = jaroWinkler(s, t);
    if (jw >= 0.94) return 2;
    if (jw >= 0.85) return 3;
    return 4;
  };
}

function febrlText(field: string) {
  return (a: Prepared, b: Prepared): number => {
    const s = x(a, field);
    const t = x(b, field);
    if (!s || !t) return MISSING;
    if (s === t) return 0;
    const jw = jaroWinkler(s, t);
    if (jw >= 0.92) return 1;
    if (jw >= 0.8) return 2;
    return 3;
  };
}

function febrlCode(field: string) {
  return (a: Prepared, b: Prepared): number => {
    const s = x(a, field);
    const t = x(b, field);
    if (!s || !t) return MISSING;
    if (s === t) return 0;
    const d = editDistance(s, t, 2);
    return d <= 1 ? 1 : d <= 2 ? 2 : 3;
  };
}

function febrlDob(a: Prepared, b: Prepared): number {
  const s = x(a, 'date_of_birth');
  const t = x(b, 'date_of_birth');
  if (!s || !t) return MISSING;
  if (s === t) return 0;
  // Day and month swapped (YYYYMMDD).
  if (s.length === 8 && t.length === 8 && s.slice(0, 4) === t.slice(0, 4) && s.slice(4, 6) === t.slice(6, 8) && s.slice(6, 8) === t.slice(4, 6)) return 1;
  const d = editDistance(s, t, 2);
  return d <= 1 ? 1 : d <= 2 ? 2 : 3;
}

/**
 * Chance agreement on a resident ID or credit code between two different customers: equal numbers only by a keying
 * error (one in a million pairs), equal without a check digit to trust or one digit apart (neighbours of one region and
 * birth date) one in 100,000; both valid and different for most pairs.
 */
const U_ID = [1e-6, 1e-5, 1e-5, 0.9];

/**
 * Every comparison a model may name, by name. The cn-bank u values, for a bank of about a million customers, on the
 * cautious side (nothing of the bank's own data has been seen yet): a full name is shared by one pair in 5,000 (the
 * commonest, 张伟, by about so many; term frequencies tell rarer names apart once estimated), a surname by one in 50
 * (the sum of the surnames' squared shares); a birth date by one in 20,000 (365 days over some 55 years of birth), its
 * year by one in 50; a mobile or an e-mail by one in 100,000 (the people of a household share them), a whole address
 * by one in 10,000 (households, and buildings written without the flat); an employer by one in 200 (a bank's payroll
 * customers); a company name by one in 100,000, the same name once normalised or by its sound by one in 10,000, a
 * similar one by one in 1,000 (a looser agreement never weighs more than a closer one). So a name with a mobile or with
 * a birth date is a sure match, a name with an address alone is for review. Twins of one address and birth date are
 * held for review when their given names share nothing (李明/李亮) or their genders differ; twins whose three-character
 * names differ in one character (张子涵/张子轩) are not told apart (nor by a model estimated from data): only an ID
 * number does.
 */
export const COMPARATORS: Record<string, Comparator> = {
  'cn.id': { field: 'id_no', levels: ['exact', 'exact-unchecked', 'typo', 'different-valid', 'else'], m: [0.9, 0.02, 0.05, 0.001, 0.029], u: U_ID, compare: compareId, vouch: 0, differ: [3] },
  'cn.person-name': {
    field: 'name', kind: 'person', levels: ['exact', 'homophone', 'one-char', 'surname', 'else'], m: [0.85, 0.04, 0.04, 0.05, 0.02],
    u: [2e-4, 1e-4, 5e-4, 0.02], compare: personName, tfValue: (p) => p.name, veto: personNameVeto,
  },
  'cn.org-name': {
    field: 'name', kind: 'org', levels: ['exact', 'normalised', 'homophone', 'similar', 'else'], m: [0.8, 0.12, 0.02, 0.04, 0.02],
    u: [1e-5, 1e-4, 1e-4, 1e-3], compare: orgName, tfValue: (p) => p.nameKey, veto: (_a, _b, level) => (level < 3 ? NONE : VETO),
  },
  'cn.birth-date': { field: 'birth_date', kind: 'person', levels: ['exact', 'typo', 'same-year', 'else'], m: [0.93, 0.05, 0.01, 0.01], u: [5e-5, 1e-3, 0.02], compare: (a, b) => dateLevel(a.birthDate, b.birthDate), veto: birthDateVeto },
  // Another gender: a couple, a brother and sister sharing a phone and an address, far more often than a miskeyed field.
  'cn.gender': { field: 'gender', kind: 'person', levels: ['exact', 'else'], m: [0.95, 0.05], u: [0.5], compare: (a, b) => exactOrElse(a.gender, b.gender), veto: (_a, _b, level) => (level === 1 ? VETO : NONE) },
  'cn.mobile': { field: 'mobile', levels: ['exact', 'typo', 'else'], m: [0.85, 0.03, 0.12], u: [1e-5, 1e-5], compare: mobile },
  'cn.email': { field: 'email', levels: ['exact', 'local-part', 'else'], m: [0.85, 0.05, 0.1], u: [1e-5, 1e-4], compare: email },
  'cn.address': { field: 'address', levels: ['exact', 'close', 'partial', 'else'], m: [0.6, 0.15, 0.05, 0.2], u: [1e-4, 1e-4, 1e-3], compare: address },
  'cn.employer': { field: 'employer', kind: 'person', levels: ['exact', 'else'], m: [0.8, 0.2], u: [5e-3], compare: (a, b) => exactOrElse(a.employer, b.employer), tfValue: (p) => p.employer },
  // One person represents several companies (SPEC I3): a shared legal representative weighs little.
  'cn.legal-rep': { field: 'legal_rep', kind: 'org', levels: ['exact', 'else'], m: [0.9, 0.1], u: [1e-4], compare: (a, b) => exactOrElse(a.legalRep, b.legalRep), maxWeight: 2 },

  'febrl.given-name': { field: 'given_name', levels: ['exact', 'swapped', 'close', 'similar', 'else'], m: [0.75, 0.02, 0.1, 0.05, 0.08], compare: febrlName('given_name', 'surname'), tfValue: (p) => x(p, 'given_name') },
  'febrl.surname': { field: 'surname', levels: ['exact', 'swapped', 'close', 'similar', 'else'], m: [0.75, 0.02, 0.1, 0.05, 0.08], compare: febrlName('surname', 'given_name'), tfValue: (p) => x(p, 'surname') },
  'febrl.date-of-birth': { field: 'date_of_birth', levels: ['exact', 'typo', 'two-edits', 'else'], m: [0.8, 0.12, 0.04, 0.04], compare: febrlDob },
  'febrl.soc-sec-id': { field: 'soc_sec_id', levels: ['exact', 'one-edit', 'two-edits', 'else'], m: [0.8, 0.12, 0.04, 0.04], compare: febrlCode('soc_sec_id') },
  'febrl.street-number': { field: 'street_number', levels: ['exact', 'one-edit', 'two-edits', 'else'], m: [0.8, 0.1, 0.02, 0.08], compare: febrlCode('street_number') },
  'febrl.address-1': { field: 'address_1', levels: ['exact', 'close', 'similar', 'else'], m: [0.75, 0.12, 0.05, 0.08], compare: febrlText('address_1') },
  'febrl.address-2': { field: 'address_2', levels: ['exact', 'close', 'similar', 'else'], m: [0.75, 0.12, 0.05, 0.08], compare: febrlText('address_2') },
  'febrl.suburb': { field: 'suburb', levels: ['exact', 'close', 'similar', 'else'], m: [0.8, 0.1, 0.04, 0.06], compare: febrlText('suburb'), tfValue: (p) => x(p, 'suburb') },
  'febrl.postcode': { field: 'postcode', levels: ['exact', 'one-edit', 'two-edits', 'else'], m: [0.8, 0.1, 0.04, 0.06], compare: febrlCode('postcode') },
  'febrl.state': { field: 'state', levels: ['exact', 'else'], m: [0.9, 0.1], compare: (a, b) => exactOrElse(x(a, 'state'), x(b, 'state')) },
};

/** The comparisons of each preset, in explanation order. */
export const PRESET_COMPARISONS: Record<'cn-bank' | 'febrl', Array<{ name: string; kind?: 'person' | 'org' }>> = {
  'cn-bank': [
    ...['cn.id', 'cn.person-name', 'cn.birth-date', 'cn.gender', 'cn.mobile', 'cn.email', 'cn.address', 'cn.employer'].map((name) => ({ name, kind: 'person' as const })),
    ...['cn.id', 'cn.org-name', 'cn.mobile', 'cn.email', 'cn.address', 'cn.legal-rep'].map((name) => ({ name, kind: 'org' as const })),
  ],
  febrl: ['febrl.given-name', 'febrl.surname', 'febrl.date-of-birth', 'febrl.soc-sec-id', 'febrl.street-number', 'febrl.address-1', 'febrl.address-2', 'febrl.suburb', 'febrl.postcode', 'febrl.state'].map((name) => ({ name })),
};
