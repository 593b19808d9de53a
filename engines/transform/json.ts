/** JSON text read without losing digits. Pure. */

/** A number token of JSON text (at a given place: sticky). */
const NUMBER = /-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
/** Significant digits a double holds exactly, whatever the number (15: any such decimal round-trips). */
const EXACT_DIGITS = 15;

/**
 * JSON.parse, except that a number with more significant digits than a double holds exactly (an account number or
 * customer number past 2^53, an ID number written as a number) is kept as the text it was written as, so no digit is
 * lost and no two keys become one, e.g. parseJsonExact('{"k": 12345678901234567891, "n": 1.5}') → { k: '12345678901234567891', n: 1.5 }.
 * Throws as JSON.parse does on text that is no JSON.
 */
export function parseJsonExact(text: string): unknown {
  // Fewer than 16 digits in a row anywhere: no number can lose one.
  if (!/\d{16}/.test(text)) return JSON.parse(text);
  let out = '';
  let last = 0;
  const n = text.length;
  for (let i = 0; i < n;) {
    const c = text.charCodeAt(i);
    if (c === 34) {
      // A string: skipped whole (its digits are text already), escapes included.
      for (i++; i < n; i++) {
        const d = text.charCodeAt(i);
        if (d === 92) i++;
        else if (d === 34) break;
      }
      i++;
      continue;
    }
    if (c === 45 || (c >= 48 && c <= 57)) {
      NUMBER.lastIndex = i;
      const m = NUMBER.exec(text);
      if (!m) { i++; continue; }
      const tok = m[0];
      const mantissa = tok.replace(/^-/, '').replace(/[eE].*$/, '').replace('.', '').replace(/^0+/, '');
      if (mantissa.length > EXACT_DIGITS) {
        out += `${text.slice(last, i)}"${tok}"`;
        last = i + tok.length;
      }
      i += tok.length;
      continue;
    }
    i++;
  }
  return JSON.parse(last ? out + text.slice(last) : text);
}
