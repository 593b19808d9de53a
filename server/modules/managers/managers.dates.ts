import { JOB_TIME_ZONE } from '../../platform/jobs.ts';

// Calendar arithmetic on plain YYYY-MM-DD strings, in the bank's time zone: "today", "this week"
// and "month end" are the bank's, whatever the server's clock zone.

const fmt = new Intl.DateTimeFormat('en-CA', { timeZone: JOB_TIME_ZONE, year: 'numeric', month: '2-digit', day: '2-digit' });

/** The bank's calendar date at `now`, e.g. localDate(new Date('2026-01-31T20:00:00Z')) === '2026-02-01'. */
export function localDate(now: Date): string {
  return fmt.format(now);
}

const toUtc = (d: string) => new Date(`${d}T00:00:00Z`);
const iso = (d: Date) => d.toISOString().slice(0, 10);

export function addDays(d: string, n: number): string {
  const x = toUtc(d);
  x.setUTCDate(x.getUTCDate() + n);
  return iso(x);
}

/** Monday of the week containing `d`. */
export function weekStart(d: string): string {
  const dow = toUtc(d).getUTCDay();
  return addDays(d, -((dow + 6) % 7));
}

export const monthStart = (d: string) => `${d.slice(0, 7)}-01`;
export const yearStart = (d: string) => `${d.slice(0, 4)}-01-01`;
export function quarterStart(d: string): string {
  const m = Number(d.slice(5, 7));
  return `${d.slice(0, 4)}-${String(Math.floor((m - 1) / 3) * 3 + 1).padStart(2, '0')}-01`;
}

/** Last day of the month containing `d`. */
export function monthEnd(d: string): string {
  const x = toUtc(monthStart(d));
  x.setUTCMonth(x.getUTCMonth() + 1);
  x.setUTCDate(0);
  return iso(x);
}

/** Month ends of the `n` months before the one containing `d`, oldest first. */
export function previousMonthEnds(d: string, n: number): string[] {
  const out: string[] = [];
  let cur = addDays(monthStart(d), -1);
  for (let i = 0; i < n; i++) {
    out.unshift(cur);
    cur = addDays(monthStart(cur), -1);
  }
  return out;
}

/** Month-day numbers (MMDD) of the days from `from` for `days` days, with the date each falls on. */
export function monthDays(from: string, days: number): { md: number; on: string }[] {
  const out: { md: number; on: string }[] = [];
  for (let i = 0; i <= days; i++) {
    const on = addDays(from, i);
    out.push({ md: Number(on.slice(5, 7)) * 100 + Number(on.slice(8, 10)), on });
    // Feb-29 birthdays are remembered on Feb 28 in common years.
    if (on.slice(5) === '02-28' && addDays(on, 1).slice(5) === '03-01') out.push({ md: 229, on });
  }
  return out;
}

/** Instant at which the bank's calendar day `d` starts. */
export function startOfDay(d: string): Date {
  // Asia/Shanghai has no daylight saving: a fixed +08:00 offset.
  return new Date(`${d}T00:00:00+08:00`);
}
