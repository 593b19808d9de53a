/** Single-value transformations for source extracts. Pure: strings in, strings (or a failure) out. */
import { normalizeMobile } from '../identity/phone.ts';
import { isRealDate, upgradeResidentId15 } from '../identity/cn-id.ts';

export type Message = { zh: string; en: string };
export type Outcome = { ok: true; value: string | null } | { ok: false; rule: string; message: Message };

/** Full-width ASCII (Ａ１，) and the ideographic space to their half-width forms, e.g. halfWidth('１３８　ＡＢ') → '138 AB'. */
const WIDE = /[\uff01-\uff5e\u3000]/;

export function halfWidth(s: string): string {
  // Most values have no full-width character: test once instead of rebuilding the string.
  if (!WIDE.test(s)) return s;
  let out = '';
  let changed = false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xff01 && c <= 0xff5e) {
      out += String.fromCharCode(c - 0xfee0);
      changed = true;
    } else if (c === 0x3000) {
      out += ' ';
      changed = true;
    } else out += s[i];
  }
  return changed ? out : s;
}

const DATE_SEP = /^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:[T\s].*)?$/;
const DATE_COMPACT = /^(\d{4})(\d{2})(\d{2})$/;
const BAD_DATE: Message = { zh: '日期格式不正确（应为 2024-01-02、2024/01/02、20240102 或 2024年1月2日）', en: 'is not a date (2024-01-02, 2024/01/02, 20240102 or 2024年1月2日)' };

/**
 * A date in any of the formats source systems use, to ISO `YYYY-MM-DD`.
 * e.g. parseDate('2024年1月2日') → { ok: true, value: '2024-01-02' }; parseDate('20240102') likewise.
 */
export function parseDate(input: string): Outcome {
  const s = halfWidth(input).trim();
  if (!s) return { ok: true, value: null };
  const m = DATE_SEP.exec(s) ?? DATE_COMPACT.exec(s);
  if (!m) return { ok: false, rule: 'date', message: BAD_DATE };
  const y = Number(m[1]), mo = Number(m[2]), d = Number(m[3]);
  if (y < 1800 || y > 2200 || !isRealDate(y, mo, d)) return { ok: false, rule: 'date', message: { zh: '不是有效的日期', en: 'is not a real calendar date' } };
  return { ok: true, value: `${m[1]}-${String(mo).padStart(2, '0')}-${String(d).padStart(2, '0')}` };
}

/** A mainland mobile in any keyed form to E.164, e.g. toE164Mobile('138-1234-5678') → { ok: true, value: '+8613812345678' }. */
export function toE164Mobile(input: string): Outcome {
  const s = halfWidth(input).trim();
  if (!s) return { ok: true, value: null };
  const r = normalizeMobile(s);
  return r.ok ? { ok: true, value: r.value } : { ok: false, rule: 'mobile', message: { zh: '不是有效的手机号码', en: 'is not a valid mainland mobile number' } };
}

/** Upper-cases an ID number, drops spaces, and upgrades a 15-digit resident ID to 18, e.g. id18('110105491231002') → '11010519491231002X'. */
export function id18(input: string): string {
  const s = halfWidth(input).replace(/\s+/g, '').toUpperCase();
  return /^\d{15}$/.test(s) ? upgradeResidentId15(s) : s;
}

/** A decimal amount in yuan ("1,234.5") to integer fen, exactly (no floating point), e.g. yuanToFen('1,234.5') → '123450'. */
export function yuanToFen(input: string): Outcome {
  const s = halfWidth(input).replace(/[,\s¥￥]/g, '');
  if (!s) return { ok: true, value: null };
  const m = /^(-?)(\d+)(?:\.(\d{0,2}))?$/.exec(s);
  if (!m) return { ok: false, rule: 'amount', message: { zh: '不是有效的金额（最多两位小数）', en: 'is not an amount (at most 2 decimals)' } };
  const fen = BigInt(m[2]!) * 100n + BigInt((m[3] ?? '').padEnd(2, '0') || '0');
  return { ok: true, value: `${m[1] && fen !== 0n ? '-' : ''}${fen}` };
}

export const TRANSFORMS = ['trim', 'halfwidth', 'upper', 'lower', 'collapse_spaces', 'remove_spaces', 'digits_only', 'date', 'mobile_e164', 'id18', 'yuan_to_fen'] as const;
export type TransformName = (typeof TRANSFORMS)[number];

export const TRANSFORM_NAMES: Record<TransformName, Message> = {
  trim: { zh: '去首尾空格', en: 'Trim' },
  halfwidth: { zh: '全角转半角', en: 'Full-width to half-width' },
  upper: { zh: '转大写', en: 'Upper-case' },
  lower: { zh: '转小写', en: 'Lower-case' },
  collapse_spaces: { zh: '合并连续空格', en: 'Collapse spaces' },
  remove_spaces: { zh: '删除所有空格', en: 'Remove spaces' },
  digits_only: { zh: '只保留数字', en: 'Digits only' },
  date: { zh: '日期转 YYYY-MM-DD', en: 'Date to YYYY-MM-DD' },
  mobile_e164: { zh: '手机号转 E.164', en: 'Mobile to E.164' },
  id18: { zh: '证件号大写、15 位升 18 位', en: 'ID upper-case, 15 → 18 digits' },
  yuan_to_fen: { zh: '元转分', en: 'Yuan to fen' },
};

/** A failed transformation, as applyTransform reports it. */
export type Failure = Extract<Outcome, { ok: false }>;

/**
 * A named transformation as a function for the mapping's inner loop: the value (or null) on success and the
 * Failure object otherwise, so a successful step allocates no outcome. e.g. transformFn('trim')(' a ') → 'a'.
 */
export function transformFn(name: TransformName): (value: string) => string | null | Failure {
  const unwrap = (f: (v: string) => Outcome) => (v: string) => {
    const r = f(v);
    return r.ok ? r.value : r;
  };
  switch (name) {
    case 'trim': return (v) => v.trim();
    case 'halfwidth': return halfWidth;
    case 'upper': return (v) => v.toUpperCase();
    case 'lower': return (v) => v.toLowerCase();
    case 'collapse_spaces': return (v) => v.replace(/\s+/g, ' ');
    case 'remove_spaces': return (v) => v.replace(/\s+/g, '');
    case 'digits_only': return (v) => v.replace(/\D+/g, '');
    case 'date': return unwrap(parseDate);
    case 'mobile_e164': return unwrap(toE164Mobile);
    case 'id18': return id18;
    case 'yuan_to_fen': return unwrap(yuanToFen);
  }
}

/** Applies one named transformation; empty results become null. */
export function applyTransform(name: TransformName, value: string): Outcome {
  switch (name) {
    case 'trim': return { ok: true, value: value.trim() };
    case 'halfwidth': return { ok: true, value: halfWidth(value) };
    case 'upper': return { ok: true, value: value.toUpperCase() };
    case 'lower': return { ok: true, value: value.toLowerCase() };
    case 'collapse_spaces': return { ok: true, value: value.replace(/\s+/g, ' ') };
    case 'remove_spaces': return { ok: true, value: value.replace(/\s+/g, '') };
    case 'digits_only': return { ok: true, value: value.replace(/\D+/g, '') };
    case 'date': return parseDate(value);
    case 'mobile_e164': return toE164Mobile(value);
    case 'id18': return { ok: true, value: id18(value) };
    case 'yuan_to_fen': return yuanToFen(value);
  }
}

/** The bank's own zone: a timestamp that carries no zone is its local time (the server's JOB_TIME_ZONE). */
export const BANK_TIME_ZONE = 'Asia/Shanghai';

// Compiled once: date and time with '-' or '/' (a 'T' or a space between), an optional fraction and zone; or 14 digits.
const TS_SEP = /^(\d{4})([-/])(\d{1,2})\2(\d{1,2})(?:(?:T|\s+)(\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?)?$/i;
const TS_COMPACT = /^(\d{4})(\d{2})(\d{2})(?:(\d{2})(\d{2})(\d{2}))?$/;
const BAD_TS: Message = {
  zh: '不是有效的时间（应为 2024-01-02T10:00:00+08:00、2024-01-02 10:00:00、2024/01/02 10:00、20240102100000 或 2024-01-02）',
  en: 'is not a timestamp (2024-01-02T10:00:00+08:00, 2024-01-02 10:00:00, 2024/01/02 10:00, 20240102100000 or 2024-01-02)',
};
const UNREAL_TS: Message = { zh: '不是真实存在的日期或时间', en: 'is not a real calendar date and time' };
const p2 = (n: number) => (n < 10 ? `0${n}` : String(n));

const offsetCache = new Map<string, (y: number, mo: number, d: number, h: number, mi: number) => string>();

/** `+08:00` for a wall-clock time in a zone (the offset in force then, daylight saving included). */
function zoneOffset(timeZone: string): (y: number, mo: number, d: number, h: number, mi: number) => string {
  let fn = offsetCache.get(timeZone);
  if (fn) return fn;
  const fmt = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric' });
  const offsetAt = (t: number) => {
    const p: Record<string, number> = {};
    for (const x of fmt.formatToParts(t)) if (x.type !== 'literal') p[x.type] = Number(x.value);
    return Date.UTC(p.year!, p.month! - 1, p.day!, p.hour!, p.minute!) - Math.floor(t / 60_000) * 60_000;
  };
  // Offsets change on the hour at most: one answer per local hour, kept (bounded) for the rows that follow.
  const seen = new Map<number, string>();
  fn = (y, mo, d, h, mi) => {
    const key = ((y * 13 + mo) * 32 + d) * 24 + h;
    let s = seen.get(key);
    if (s === undefined) {
      const local = Date.UTC(y, mo - 1, d, h, mi);
      let off = offsetAt(local);
      const again = offsetAt(local - off);
      if (again !== off) off = again;
      const m = Math.abs(off) / 60_000;
      s = `${off < 0 ? '-' : '+'}${p2(Math.floor(m / 60))}:${p2(m % 60)}`;
      if (seen.size > 10_000) seen.clear();
      seen.set(key, s);
    }
    return s;
  };
  offsetCache.set(timeZone, fn);
  return fn;
}

/** Whether `timeZone` is one Intl (and so this engine) knows, e.g. isTimeZone('Asia/Shanghai') → true. */
export function isTimeZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
    return true;
  } catch {
    return false;
  }
}

/**
 * A timestamp, strictly: ISO 8601 (optional fraction and zone), `YYYY-MM-DD HH:MM[:SS[.ffffff]]`, the same with '/',
 * `YYYYMMDDHHMMSS`, or a bare date (midnight); a real date and time. Without a zone it is `timeZone`'s local time.
 * Out: ISO 8601 with the offset, as PostgreSQL reads it, e.g.
 * parseTimestamp('2024/03/07 9:05') → { ok: true, value: '2024-03-07T09:05:00+08:00' }; parseTimestamp('March 7 2024') fails.
 */
export function parseTimestamp(input: string, timeZone = BANK_TIME_ZONE): Outcome {
  const s = halfWidth(input).trim();
  if (!s) return { ok: true, value: null };
  let y: number, mo: number, d: number, h = 0, mi = 0, sec = 0, frac: string | undefined, zone: string | undefined;
  let m = TS_SEP.exec(s);
  if (m) {
    y = Number(m[1]); mo = Number(m[3]); d = Number(m[4]);
    if (m[5] !== undefined) { h = Number(m[5]); mi = Number(m[6]); sec = m[7] === undefined ? 0 : Number(m[7]); frac = m[8]; zone = m[9]; }
  } else if ((m = TS_COMPACT.exec(s))) {
    y = Number(m[1]); mo = Number(m[2]); d = Number(m[3]);
    if (m[4] !== undefined) { h = Number(m[4]); mi = Number(m[5]); sec = Number(m[6]); }
  } else return { ok: false, rule: 'timestamp', message: BAD_TS };
  if (y < 1800 || y > 2200 || !isRealDate(y, mo, d) || h > 23 || mi > 59 || sec > 59) return { ok: false, rule: 'timestamp', message: UNREAL_TS };
  let off: string;
  if (zone === undefined) off = zoneOffset(timeZone)(y, mo, d, h, mi);
  else if (zone === 'Z' || zone === 'z') off = 'Z';
  else {
    const zh = Number(zone.slice(1, 3)), zm = zone.length > 3 ? Number(zone.slice(-2)) : 0;
    if (zh > 15 || zm > 59) return { ok: false, rule: 'timestamp', message: UNREAL_TS };
    off = `${zone[0]}${p2(zh)}:${p2(zm)}`;
  }
  return { ok: true, value: `${y}-${p2(mo)}-${p2(d)}T${p2(h)}:${p2(mi)}:${p2(sec)}${frac ? `.${frac}` : ''}${off}` };
}
