import dayjs from 'dayjs';

/** Money arrives as integer fen, sometimes as a string (PostgreSQL bigint); BigInt keeps it exact. */
function toFen(fen: number | string | null | undefined): bigint | null {
  if (fen === null || fen === undefined || fen === '') return null;
  try {
    return BigInt(fen);
  } catch {
    return null;
  }
}

/** Formats fen as yuan with thousands separators and 2 decimals, e.g. formatFen(123456789, true) === '¥1,234,567.89'. */
export function formatFen(fen: number | string | null | undefined, withSymbol = false): string {
  const n = toFen(fen);
  if (n === null) return '—';
  const neg = n < 0n;
  const abs = neg ? -n : n;
  const yuan = (abs / 100n).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  const cents = (abs % 100n).toString().padStart(2, '0');
  return `${neg ? '-' : ''}${withSymbol ? '¥' : ''}${yuan}.${cents}`;
}

export function formatDateTime(v: string | null | undefined): string {
  return v ? dayjs(v).format('YYYY-MM-DD HH:mm:ss') : '—';
}

/**
 * A moment as the clock of `timeZone` (IANA, e.g. the bank's Asia/Shanghai) reads it, "YYYY-MM-DD HH:mm:ss"; without a
 * zone, the browser's (formatDateTime).
 */
export function formatDateTimeIn(v: string | null | undefined, timeZone: string | null | undefined): string {
  if (!v) return '—';
  if (!timeZone) return formatDateTime(v);
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-GB', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' })
      .formatToParts(new Date(v))
      .map((p) => [p.type, p.value]),
  );
  return `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute}:${parts.second}`;
}

/** Whether `timeZone`'s clock reads differently from the browser's at `at` (now by default): a time then needs the zone named. */
export function differsFromBrowser(timeZone: string, at: Date = new Date(), browserZone = Intl.DateTimeFormat().resolvedOptions().timeZone): boolean {
  const iso = at.toISOString();
  return formatDateTimeIn(iso, timeZone) !== formatDateTimeIn(iso, browserZone);
}

export function formatDate(v: string | null | undefined): string {
  // A masked date (1979-**-**) is shown as it comes.
  return v ? (v.includes('*') ? v : dayjs(v).format('YYYY-MM-DD')) : '—';
}

/** Renders any audit value (string, number, object) on one line. */
export function formatValue(v: unknown): string {
  if (v === null || v === undefined || v === '') return '∅';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return JSON.stringify(v);
}

/** Nothing to show: null, undefined, '', an empty list or an empty object (audit changes leave these out). */
export const isEmptyValue = (v: unknown) =>
  v === null || v === undefined || v === '' || (Array.isArray(v) && v.length === 0) || (typeof v === 'object' && v !== null && !Array.isArray(v) && Object.keys(v).length === 0);
