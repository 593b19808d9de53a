/**
 * Pure helpers of the product form: money typed in yuan becomes integer fen by string arithmetic
 * (never through a float), and free-form attributes travel as "key=value" lines.
 */

/** yuanToFen('1,000.5') === 100050; null for blank, undefined for anything that is not an amount. */
export function yuanToFen(text: string | null | undefined): number | null | undefined {
  const s = (text ?? '').replace(/[,\s]/g, '');
  if (!s) return null;
  const m = /^(\d{1,13})(?:\.(\d{1,2}))?$/.exec(s);
  if (!m) return undefined;
  return Number(m[1]) * 100 + Number((m[2] ?? '').padEnd(2, '0'));
}

/** fenToYuan(100050) === '1000.50' */
export function fenToYuan(fen: number | string | null | undefined): string {
  if (fen === null || fen === undefined || fen === '') return '';
  const n = BigInt(fen);
  const neg = n < 0n;
  const abs = neg ? -n : n;
  return `${neg ? '-' : ''}${abs / 100n}.${(abs % 100n).toString().padStart(2, '0')}`;
}

export type AttributeValue = string | number | boolean | null;

/** Lines "key=value" to an object: integers and true/false keep their type. undefined when a line is malformed. */
export function parseAttributes(text: string | null | undefined): Record<string, AttributeValue> | undefined {
  const out: Record<string, AttributeValue> = {};
  for (const raw of (text ?? '').split('\n')) {
    const line = raw.trim();
    if (!line) continue;
    const m = /^([a-z][a-z0-9_]{0,39})\s*=\s*(.*)$/.exec(line);
    if (!m) return undefined;
    const v = m[2]!.trim();
    out[m[1]!] = v === 'true' ? true : v === 'false' ? false : /^-?\d{1,15}$/.test(v) ? Number(v) : v;
  }
  return out;
}

export function formatAttributes(attrs: Record<string, unknown> | null | undefined): string {
  return Object.entries(attrs ?? {}).map(([k, v]) => `${k}=${v === null ? '' : String(v)}`).join('\n');
}
