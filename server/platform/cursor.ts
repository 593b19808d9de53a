/**
 * Paging cursors: opaque to the client (base64url of a JSON array), so one that comes back tampered with must be
 * refused as a cursor (400 `before`/`after` rule `cursor`) before any of its values reaches SQL, where an impossible
 * date would be refused as a data exception (400 field "request" rule range) that names nothing the client sent.
 */
import { fieldError, invalid, type AppError } from './errors.ts';

const TIMESTAMPTZ = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})(\.\d{1,6})?([+-])(\d{2})(?::(\d{2}))?$/;

/**
 * Whether `text` is PostgreSQL's own timestamptz output ("2024-02-29 08:30:00.123456+08") of a real instant: a day
 * the month has, a time of day, an offset PostgreSQL takes. e.g. "2024-02-30 00:00:00+00" → false.
 */
export function isTimestamptzText(text: unknown): text is string {
  if (typeof text !== 'string') return false;
  const m = TIMESTAMPTZ.exec(text);
  if (!m) return false;
  const [y, mo, d, h, mi, s, , , oh, om] = [m[1], m[2], m[3], m[4], m[5], m[6], m[7], m[8], m[9], m[10] ?? '0'].map((x) => Number(x));
  const day = new Date(Date.UTC(y, mo - 1, d));
  const realDay = y >= 1 && day.getUTCFullYear() === y && day.getUTCMonth() === mo - 1 && day.getUTCDate() === d;
  return realDay && h <= 23 && mi <= 59 && s <= 59 && oh <= 15 && om <= 59;
}

/** A cursor's integer part (an id, a rank): safe and within PostgreSQL's bigint, so no cast of it can fail. */
export const isCursorInteger = (v: unknown, min = -Number.MAX_SAFE_INTEGER, max = Number.MAX_SAFE_INTEGER): v is number =>
  Number.isSafeInteger(v) && (v as number) >= min && (v as number) <= max;

/** The error for a cursor that does not decode to what this list hands out. */
export const badCursor = (field = 'before'): AppError => invalid([fieldError(field, 'cursor', '分页游标无效', 'is not a valid cursor')]);
