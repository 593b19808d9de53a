import { JOB_TIME_ZONE } from './jobs.ts';

// The bank's calendar, not the server clock's zone nor UTC: a request made at 07:41 in Beijing (23:41 UTC the day
// before) belongs to the Beijing day, in its number and in the name of a file exported then.

const DAY = new Intl.DateTimeFormat('en-CA', { timeZone: JOB_TIME_ZONE, year: 'numeric', month: '2-digit', day: '2-digit' });
const MINUTE = new Intl.DateTimeFormat('sv-SE', { timeZone: JOB_TIME_ZONE, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' });

/**
 * The bank's business date at `now`, as YYYY-MM-DD.
 * @example bankDate(new Date('2026-12-07T23:41:00Z')) // '2026-12-08'
 */
export const bankDate = (now: Date = new Date()): string => DAY.format(now);

/**
 * The bank's business date at `now` without separators, for document numbers and file names.
 * @example bankDateCompact(new Date('2026-12-07T23:41:00Z')) // '20261208'
 */
export const bankDateCompact = (now: Date = new Date()): string => bankDate(now).replace(/-/g, '');

/**
 * A moment as the bank's wall-clock time, YYYY-MM-DD HH:mm:ss ('' for none): what exported files show.
 * @example bankDateTime(new Date('2026-12-07T23:41:05Z')) // '2026-12-08 07:41:05'
 */
export function bankDateTime(d: Date | string | null | undefined): string {
  if (d == null || d === '') return '';
  const x = d instanceof Date ? d : new Date(d);
  return Number.isNaN(x.getTime()) ? '' : MINUTE.format(x);
}
