/**
 * Yuan as typed (string or number, at most 2 decimals) to integer fen, without floating-point
 * rounding: yuanToFen('1234.5') === 123450; thousands separators are fine (yuanToFen('1,000,000') === 100000000);
 * null for empty or malformed input.
 */
export function yuanToFen(v: string | number | null | undefined): number | null {
  if (v === null || v === undefined || v === '') return null;
  const text = String(v).trim().replace(/\s/g, '');
  // Commas only where they group thousands: "1,000,000" yes, "1,00" no (that is a typo, not a hundred).
  if (/[,，]/.test(text) && !/^-?\d{1,3}([,，]\d{3})+(\.\d*)?$/.test(text)) return null;
  const m = /^(-?)(\d+)(?:\.(\d{0,2}))?$/.exec(text.replace(/[,，]/g, ''));
  if (!m) return null;
  const fen = BigInt(m[2]!) * 100n + BigInt((m[3] ?? '').padEnd(2, '0') || '0');
  return Number(m[1] ? -fen : fen);
}

/** Fen to a yuan string for an input box: fenToYuan(123450) === '1234.50'. */
export function fenToYuan(fen: number | string | null | undefined): string | null {
  if (fen === null || fen === undefined || fen === '') return null;
  const n = BigInt(fen);
  const neg = n < 0n;
  const a = neg ? -n : n;
  return `${neg ? '-' : ''}${a / 100n}.${(a % 100n).toString().padStart(2, '0')}`;
}
