/**
 * Chinese resident identity card number (GB 11643-1999).
 * Layout: 6-digit region + YYYYMMDD birth date + 3-digit sequence (odd 17th digit = male) + check.
 * Also covers HK/Macao/Taiwan residence permits (810000/820000/830000) and the 2023
 * foreign permanent-resident ID ("9" + province code), which use the same check.
 * Pure: no I/O, no clock — pass `today` for the "not in the future" check.
 */

const WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2] as const;
const CHECK_CHARS = '10X98765432';

/** Earliest accepted birth year (DOMAIN example 440524188001010014 is born 1880). */
export const MIN_BIRTH_YEAR = 1800;

/** Province-level codes valid as the first two digits (mainland, plus 71 Taiwan, 81 HK, 82 Macao, 83 Taiwan permit). */
const PROVINCE_CODES: ReadonlySet<string> = new Set([
  '11', '12', '13', '14', '15',
  '21', '22', '23',
  '31', '32', '33', '34', '35', '36', '37',
  '41', '42', '43', '44', '45', '46',
  '50', '51', '52', '53', '54',
  '61', '62', '63', '64', '65',
  '71', '81', '82', '83',
]);

/** Mainland province codes only (used after the leading "9" of a 2023 foreign permanent-resident ID). */
const MAINLAND_PROVINCE_CODES: ReadonlySet<string> = new Set(
  [...PROVINCE_CODES].filter((c) => c < '70'),
);

export type ResidentIdRule = 'format' | 'checksum' | 'birthdate' | 'region';

export type ResidentIdResult =
  | {
      ok: true;
      /** Normalised 18-character number, upper-case X. */
      value: string;
      /** YYYY-MM-DD */
      birthDate: string;
      gender: 'M' | 'F';
      /** First six digits (administrative division code). */
      region: string;
    }
  | { ok: false; rule: ResidentIdRule };

/** Check character for the first 17 digits, e.g. residentIdCheckChar('11010519491231002') === 'X'. */
export function residentIdCheckChar(first17: string): string {
  if (!/^\d{17}$/.test(first17)) {
    throw new RangeError(`residentIdCheckChar: expected 17 digits, got "${first17}"`);
  }
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += (first17.charCodeAt(i) - 48) * WEIGHTS[i]!;
  return CHECK_CHARS[sum % 11]!;
}

/** Upgrade an old 15-digit ID to 18 digits, e.g. upgradeResidentId15('110105491231002') === '11010519491231002X'. */
export function upgradeResidentId15(id15: string): string {
  const s = id15.replace(/\s+/g, '');
  if (!/^\d{15}$/.test(s)) {
    throw new RangeError(`upgradeResidentId15: expected 15 digits, got "${id15}"`);
  }
  const first17 = `${s.slice(0, 6)}19${s.slice(6)}`;
  return first17 + residentIdCheckChar(first17);
}

/** Build a well-formed 18-digit ID for test/demo data (date not validated), e.g. makeResidentId('110105', '19491231', '002') === '11010519491231002X'. */
export function makeResidentId(region6: string, birth: string, seq3: string): string {
  if (!/^\d{6}$/.test(region6)) throw new RangeError(`makeResidentId: region6 must be 6 digits, got "${region6}"`);
  if (!/^\d{8}$/.test(birth)) throw new RangeError(`makeResidentId: birth must be YYYYMMDD, got "${birth}"`);
  if (!/^\d{3}$/.test(seq3)) throw new RangeError(`makeResidentId: seq3 must be 3 digits, got "${seq3}"`);
  const first17 = region6 + birth + seq3;
  return first17 + residentIdCheckChar(first17);
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31] as const;

/** Whether y-m-d is a day of the Gregorian calendar, e.g. isRealDate(2024, 2, 29) === true. */
export function isRealDate(y: number, m: number, d: number): boolean {
  if (m < 1 || m > 12 || d < 1) return false;
  const leap = (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
  return d <= (m === 2 && leap ? 29 : DAYS_IN_MONTH[m - 1]!);
}

function isValidRegion(id18: string): boolean {
  if (id18[0] === '9') return MAINLAND_PROVINCE_CODES.has(id18.slice(1, 3));
  return PROVINCE_CODES.has(id18.slice(0, 2));
}

/** Validate and normalise a resident ID (18 or old 15 digits), e.g. validateResidentId('11010519491231002x').ok === true. */
export function validateResidentId(input: string, today?: string): ResidentIdResult {
  if (today !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(today)) {
    throw new RangeError(`validateResidentId: today must be YYYY-MM-DD, got "${today}"`);
  }
  if (typeof input !== 'string') return { ok: false, rule: 'format' };
  let s = input.replace(/\s+/g, '').toUpperCase();
  if (/^\d{15}$/.test(s)) {
    s = upgradeResidentId15(s);
  } else if (!/^\d{17}[\dX]$/.test(s)) {
    return { ok: false, rule: 'format' };
  }
  if (residentIdCheckChar(s.slice(0, 17)) !== s[17]) return { ok: false, rule: 'checksum' };

  const y = Number(s.slice(6, 10));
  const m = Number(s.slice(10, 12));
  const d = Number(s.slice(12, 14));
  const birthDate = `${s.slice(6, 10)}-${s.slice(10, 12)}-${s.slice(12, 14)}`;
  if (y < MIN_BIRTH_YEAR || !isRealDate(y, m, d)) return { ok: false, rule: 'birthdate' };
  if (today !== undefined && birthDate > today) return { ok: false, rule: 'birthdate' };

  if (!isValidRegion(s)) return { ok: false, rule: 'region' };

  return {
    ok: true,
    value: s,
    birthDate,
    gender: Number(s[16]) % 2 === 1 ? 'M' : 'F',
    region: s.slice(0, 6),
  };
}
