/** Check digits, unique-looking serial numbers and day arithmetic for the demo bank. Pure. */

/** Luhn check digit of a digit string, e.g. luhnDigit('7992739871') === '3'. */
export function luhnDigit(body: string): string {
  let sum = 0;
  for (let i = body.length - 1, double = true; i >= 0; i--, double = !double) {
    let d = body.charCodeAt(i) - 48;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return String((10 - (sum % 10)) % 10);
}

const ORG_WEIGHTS = [3, 7, 9, 10, 5, 8, 4, 2] as const;

/**
 * Check character of an 8-character organisation code (GB 11714), the 9th character of the code
 * that sits inside a USCC, e.g. orgCodeCheck('MA01A2B3').
 */
export function orgCodeCheck(body8: string): string {
  let sum = 0;
  for (let i = 0; i < 8; i++) {
    const c = body8.charCodeAt(i);
    sum += (c <= 57 ? c - 48 : c - 55) * ORG_WEIGHTS[i]!;
  }
  const v = 11 - (sum % 11);
  return v === 10 ? 'X' : v === 11 ? '0' : String(v);
}

const POW10 = [1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10] as const;

function reverseDigits(x: number, digits: number): number {
  let r = 0;
  for (let i = 0; i < digits; i++) {
    r = r * 10 + (x % 10);
    x = Math.floor(x / 10);
  }
  return r;
}

/**
 * A bijection on `digits`-digit numbers (≤ 10 digits) that scatters consecutive counters, so serial
 * numbers are unique without looking sequential: affine map, digit reversal, affine map. Multipliers
 * are odd and not multiples of 5 (coprime to 10ⁿ) and small enough that products stay exact doubles.
 * @example scramble(1, 8) !== scramble(2, 8) // always, for any two counters below 10^8
 */
export function scramble(k: number, digits: number): string {
  const m = POW10[digits]!;
  if (!(k >= 0 && k < m)) throw new RangeError(`scramble: ${k} does not fit in ${digits} digits`);
  let x = (k * 740_819 + 104_729) % m;
  x = reverseDigits(x, digits);
  x = (x * 611_953 + 7_919) % m;
  return String(x).padStart(digits, '0');
}

const DAY_MS = 86_400_000;

// Howard Hinnant's days_from_civil / civil_from_days: exact for the proleptic Gregorian calendar and
// much faster than going through Date objects, which matters at a few million dates per load.

/** Days since 1970-01-01 of a YYYY-MM-DD date, e.g. toDays('1970-01-02') === 1. */
export function toDays(date: string): number {
  let y = Number(date.slice(0, 4));
  const m = Number(date.slice(5, 7));
  const d = Number(date.slice(8, 10));
  if (m <= 2) y -= 1;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146_097 + doe - 719_468;
}

/** YYYY-MM-DD of a day number, e.g. fromDays(0) === '1970-01-01'. */
export function fromDays(days: number): string {
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  const y = yoe + era * 400 + (m <= 2 ? 1 : 0);
  return `${y}-${m < 10 ? '0' : ''}${m}-${d < 10 ? '0' : ''}${d}`;
}

/** The last `n` month-end dates on or before `asOf`, newest first. */
export function monthEnds(asOf: string, n: number): string[] {
  const out: string[] = [];
  const d = new Date(toDays(asOf) * DAY_MS);
  // The first day of asOf's next month, minus a day, is asOf's month end.
  let y = d.getUTCFullYear();
  let m = d.getUTCMonth() + 1;
  while (out.length < n) {
    const end = fromDays(Date.UTC(y, m, 1) / DAY_MS - 1);
    if (end <= asOf) out.push(end);
    m -= 1;
    if (m < 0) {
      m += 12;
      y -= 1;
    }
  }
  return out;
}
