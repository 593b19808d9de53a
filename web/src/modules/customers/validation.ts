// Client-side checks run before submit; the server applies the same rules (engines/identity) again.

const WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK_CHARS = '10X98765432';

/** Strips the spaces and dashes people type into phone numbers, e.g. '138-0013 8000' → '13800138000'. */
export function compactPhone(v: string): string {
  return v.replace(/[\s-]/g, '');
}

/** Mainland mobile, optionally prefixed +86/86, e.g. isMobile('+86 138-0013-8000') === true. */
export function isMobile(v: string): boolean {
  return /^(\+?86)?1[3-9]\d{9}$/.test(compactPhone(v));
}

/** 18-character resident ID (GB 11643): digits, check character, real birth date, e.g. isResidentId('11010519491231002X') === true. */
export function isResidentId(v: string): boolean {
  const s = v.trim().toUpperCase();
  if (!/^\d{17}[\dX]$/.test(s)) return false;
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(s[i]) * WEIGHTS[i]!;
  if (CHECK_CHARS[sum % 11] !== s[17]) return false;
  const y = Number(s.slice(6, 10));
  const m = Number(s.slice(10, 12));
  const d = Number(s.slice(12, 14));
  const date = new Date(Date.UTC(y, m - 1, d));
  return y >= 1800 && date.getUTCFullYear() === y && date.getUTCMonth() === m - 1 && date.getUTCDate() === d;
}

/** Deliberately loose (one @, a dot in the domain): the server has the final word. */
export function isEmail(v: string): boolean {
  return /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(v.trim());
}
