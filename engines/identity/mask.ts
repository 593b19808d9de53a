/** Display masking of sensitive personal data (JR/T 0171 C2): keep a configurable head and tail. Pure. */

export type MaskRule = { keepFirst: number; keepLast: number };

const NORMALISED_CN_MOBILE = /^\+861\d{10}$/;

/**
 * Mask the middle of a value, e.g. maskValue('11010519491231002X', { keepFirst: 4, keepLast: 4 }) === '1101**********002X'.
 * A normalised mainland mobile (+86…) loses its +86 prefix first; a value not longer than keepFirst + keepLast
 * is masked except for its first character. Works on code points, so Chinese names mask correctly.
 */
export function maskValue(value: string, rule: MaskRule, maskChar = '*'): string {
  const { keepFirst, keepLast } = rule;
  if (!Number.isInteger(keepFirst) || keepFirst < 0 || !Number.isInteger(keepLast) || keepLast < 0) {
    throw new RangeError(`maskValue: keepFirst/keepLast must be non-negative integers, got ${keepFirst}/${keepLast}`);
  }
  const v = NORMALISED_CN_MOBILE.test(value) ? value.slice(3) : value;
  const chars = Array.from(v);
  const n = chars.length;
  if (n === 0) return '';
  if (n <= keepFirst + keepLast) return chars[0]! + maskChar.repeat(n - 1);
  return chars.slice(0, keepFirst).join('') + maskChar.repeat(n - keepFirst - keepLast) + chars.slice(n - keepLast).join('');
}
