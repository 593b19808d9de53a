/**
 * When the demo bank's time deposits, wealth products and loans fall due (account.maturity_on), so
 * the workbench has maturity reminders to show. Pure and deterministic, drawn from an rng of its own
 * so that the rest of the bank does not change with the day it is loaded.
 *
 * The demo describes a fixed as-of date but is used live, on whatever day it is loaded: besides the
 * natural spread, a share of maturities is steered into the 30 days after the as-of date and a share
 * into the 30 days after `today`. Time deposits roll over on maturity (自动转存), so their
 * maturity_on is the next one on or after the reference day; wealth products open periodically; loans
 * run one term.
 */
import { fromDays, toDays } from './numbers.ts';
import type { Rng } from './prng.ts';

type Term =
  | { kind: 'rollover'; months: number }
  | { kind: 'loan'; months: readonly number[]; steer: boolean }
  | { kind: 'cycle'; days: number };

/** Products that fall due, and how. Anything else (current accounts, cards, money-market funds) never does. */
export const MATURITY_TERMS: Readonly<Record<string, Term>> = {
  DEP_TIME_1Y: { kind: 'rollover', months: 12 },
  DEP_TIME_3Y: { kind: 'rollover', months: 36 },
  DEP_LARGE_CD: { kind: 'rollover', months: 36 },
  CORP_TIME: { kind: 'rollover', months: 12 },
  WM_STABLE: { kind: 'cycle', days: 182 },
  WM_GROWTH: { kind: 'cycle', days: 364 },
  LOAN_CONSUMER: { kind: 'loan', months: [12, 24, 36], steer: true },
  CORP_WORKING_CAPITAL: { kind: 'loan', months: [12], steer: true },
  // A mortgage's balance was drawn from its age: moving its start would make it lie.
  LOAN_MORTGAGE: { kind: 'loan', months: [240, 300, 360], steer: false },
};

/** Share of maturing accounts steered into each 30-day window. */
export const STEERED_SHARE = 0.15;
const WINDOW_DAYS = 30;

/** addMonths('2026-01-31', 1) === '2026-02-28': the day is clamped to the month's end. */
export function addMonths(date: string, months: number): string {
  const y = Number(date.slice(0, 4));
  const m = Number(date.slice(5, 7)) - 1 + months;
  const yy = y + Math.floor(m / 12);
  const mm = ((m % 12) + 12) % 12;
  const last = new Date(Date.UTC(yy, mm + 1, 0)).getUTCDate();
  const d = Math.min(Number(date.slice(8, 10)), last);
  return `${yy}-${String(mm + 1).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
}

export type MaturityAccount = { product_code: string; status: string; opened_on: string; closed_on: string | null; maturity_on: string | null };

/**
 * Sets `maturity_on` (and, for a steered deposit or short loan, moves `opened_on` to match) on one
 * account. `earliest` is the first day the customer banked with us: nothing opens before it, and
 * nothing opens after `asOf`.
 * @example setMaturity(rng, { product_code: 'DEP_TIME_1Y', status: 'active', opened_on: '2026-01-10', closed_on: null, maturity_on: null }, '2026-06-30', '2026-11-23', '2010-01-01')
 */
export function setMaturity(rng: Rng, a: MaturityAccount, asOf: string, today: string, earliest: string): void {
  const term = MATURITY_TERMS[a.product_code];
  // Draw the same numbers whatever the account, so one account's case never shifts the next one's.
  const bucket = rng.next();
  const offset = rng.int(0, WINDOW_DAYS - 1);
  const pick = rng.next();
  if (!term) return;
  // Closed accounts have nothing left to fall due.
  if (a.status === 'closed') return;
  const asOfDays = toDays(asOf);
  const todayDays = Math.max(toDays(today), asOfDays);
  // Which window this account is steered into, if any; the second only exists once the as-of date has passed.
  const steer = bucket < STEERED_SHARE ? 'asOf' : bucket < 2 * STEERED_SHARE && todayDays > asOfDays ? 'today' : null;
  const target = steer === 'asOf' ? asOfDays + 1 + offset : steer === 'today' ? todayDays + offset : null;

  if (term.kind === 'cycle') {
    // Open days come every `days` after the purchase; the next one after the reference day is due.
    const ref = steer === 'today' ? todayDays : asOfDays + 1;
    const opened = toDays(a.opened_on);
    const k = Math.max(1, Math.ceil((ref - opened) / term.days));
    a.maturity_on = fromDays(opened + k * term.days);
    return;
  }

  if (term.kind === 'rollover') {
    if (target !== null) {
      for (let k = 1; k <= 40; k++) {
        const opened = addMonths(fromDays(target), -term.months * k);
        if (opened > asOf) continue;
        if (opened >= earliest) {
          a.opened_on = opened;
          a.maturity_on = fromDays(target);
          return;
        }
        break;
      }
    }
    let m = addMonths(a.opened_on, term.months);
    for (let k = 2; m <= asOf; k++) m = addMonths(a.opened_on, term.months * k);
    a.maturity_on = m;
    return;
  }

  // Loans: one term, long enough to be still running on the as-of date.
  if (target !== null && term.steer) {
    const months = term.months[Math.floor(pick * term.months.length)]!;
    const opened = addMonths(fromDays(target), -months);
    if (opened <= asOf && opened >= earliest) {
      a.opened_on = opened;
      a.maturity_on = fromDays(target);
      return;
    }
  }
  const running = term.months.filter((mo) => addMonths(a.opened_on, mo) > asOf);
  const months = running.length ? running[Math.floor(pick * running.length)]! : term.months.at(-1)!;
  let m = addMonths(a.opened_on, months);
  // At the edge (opened exactly one term before the as-of date) it falls due just after it.
  if (m <= asOf) m = fromDays(asOfDays + 1 + offset);
  a.maturity_on = m;
}
