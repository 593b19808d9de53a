/**
 * Unified social credit code (GB 32100-2015): 18 characters from a 31-character set
 * (no I O Z S V), check = (31 − weighted sum mod 31) mod 31. Pure.
 */

export const USCC_CHARSET = '0123456789ABCDEFGHJKLMNPQRTUWXY';
const WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28] as const;
const FIRST17_RE = /^[0-9A-HJ-NPQRTUWXY]{17}$/;
const FULL_RE = /^[0-9A-HJ-NPQRTUWXY]{18}$/;

export type UsccRule = 'format' | 'checksum';
export type UsccResult = { ok: true; value: string } | { ok: false; rule: UsccRule };

/** Check character for the first 17 characters, e.g. usccCheckChar('91350100M000100Y4') === '3'. */
export function usccCheckChar(first17: string): string {
  const s = first17.toUpperCase();
  if (!FIRST17_RE.test(s)) {
    throw new RangeError(`usccCheckChar: expected 17 chars from ${USCC_CHARSET}, got "${first17}"`);
  }
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += USCC_CHARSET.indexOf(s[i]!) * WEIGHTS[i]!;
  return USCC_CHARSET[(31 - (sum % 31)) % 31]!;
}

/** Append the check character, e.g. makeUscc('91350100M000100Y4') === '91350100M000100Y43'. */
export function makeUscc(first17: string): string {
  const s = first17.toUpperCase();
  return s + usccCheckChar(s);
}

/** Validate and normalise (trim, upper-case) a USCC, e.g. validateUscc(' 91350100m000100y43 ') → { ok: true, value: '91350100M000100Y43' }. */
export function validateUscc(input: string): UsccResult {
  if (typeof input !== 'string') return { ok: false, rule: 'format' };
  const s = input.replace(/\s+/g, '').toUpperCase();
  if (!FULL_RE.test(s)) return { ok: false, rule: 'format' };
  if (usccCheckChar(s.slice(0, 17)) !== s[17]) return { ok: false, rule: 'checksum' };
  return { ok: true, value: s };
}
