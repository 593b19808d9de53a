import { beforeAll, describe, expect, it } from 'vitest';
import { generateCustomers, type AccountRow, type GenerateCustomersOptions } from '../customers.ts';
import { addMonths, MATURITY_TERMS, setMaturity } from '../maturity.ts';
import { toDays } from '../numbers.ts';
import { generateOrgs, generateUsers } from '../orgs.ts';
import { createRng } from '../prng.ts';

const TYPES = [
  'personal', 'personal_resident', 'personal_nonresident', 'personal_business', 'corporate', 'corporate_large', 'corporate_sme',
  'institutional', 'institutional_government', 'institutional_public', 'interbank', 'interbank_bank', 'interbank_nonbank',
];
const ORGS = generateOrgs();
const USERS = generateUsers(ORGS);
const AS_OF = '2026-06-30';
const TODAY = '2026-11-23';

function options(over: Partial<GenerateCustomersOptions> = {}): GenerateCustomersOptions {
  return {
    seed: 42, count: 5000, asOf: AS_OF,
    orgs: ORGS.map((o, i) => ({ id: 100 + i, code: o.code })),
    managers: USERS.filter((u) => u.roleCode === 'customer_manager').map((u, i) => ({ id: 500 + i, orgCode: u.orgCode, managerLevel: u.managerLevel })),
    typeIds: Object.fromEntries(TYPES.map((t, i) => [t, i + 1])),
    ...over,
  };
}

function collect(opts: GenerateCustomersOptions) {
  const accounts: AccountRow[] = [];
  const customers: { id: number; name: string; aum_fen: number; created_at: string }[] = [];
  const snapshotDates = new Set<string>();
  for (const b of generateCustomers(opts)) {
    accounts.push(...b.accounts);
    customers.push(...b.customers);
    for (const s of b.balances) snapshotDates.add(s.as_of);
  }
  return { accounts, customers, snapshotDates: [...snapshotDates].sort() };
}

const within = (d: string | null, from: string, days: number) => d !== null && toDays(d) >= toDays(from) && toDays(d) < toDays(from) + days;

describe('addMonths', () => {
  it.each([
    ['2026-01-31', 1, '2026-02-28'], ['2024-01-31', 1, '2024-02-29'], ['2026-06-30', 12, '2027-06-30'], ['2026-03-15', -36, '2023-03-15'], ['2026-12-01', 1, '2027-01-01'],
  ])('%s + %i months = %s', (d, n, out) => expect(addMonths(d, n)).toBe(out));
});

describe('setMaturity', () => {
  const account = (product_code: string, opened_on: string, status = 'active') => ({ product_code, status, opened_on, closed_on: null, maturity_on: null as string | null });

  it('leaves products that never fall due, and closed accounts, without a maturity', () => {
    const rng = createRng(1, 1);
    for (const a of [account('DEP_CURRENT', '2020-01-01'), account('FUND_MMF', '2020-01-01'), account('DEP_TIME_1Y', '2020-01-01', 'closed')]) {
      setMaturity(rng, a, AS_OF, TODAY, '2000-01-01');
      expect(a.maturity_on).toBeNull();
    }
  });

  it('rolls a time deposit over until its next maturity after the as-of date, or steers it into a window', () => {
    for (let seed = 0; seed < 200; seed++) {
      const a = account('DEP_TIME_1Y', '2025-09-10');
      setMaturity(createRng(seed, 3), a, AS_OF, TODAY, '2010-01-01');
      expect(a.maturity_on! > AS_OF).toBe(true);
      expect(a.opened_on <= AS_OF).toBe(true);
      // Whatever it opened on, it matures a whole number of years later.
      expect(a.maturity_on!.slice(5)).toBe(a.opened_on.slice(5));
    }
  });

  it('never opens an account before the customer came to the bank', () => {
    for (let seed = 0; seed < 200; seed++) {
      const a = account('DEP_TIME_3Y', '2026-06-01');
      setMaturity(createRng(seed, 4), a, AS_OF, TODAY, '2026-05-01');
      expect(a.opened_on >= '2026-05-01').toBe(true);
    }
  });
});

describe('maturities in the demo bank', () => {
  let live: ReturnType<typeof collect>;
  let still: ReturnType<typeof collect>;
  beforeAll(() => {
    live = collect(options({ today: TODAY }));
    still = collect(options());
  });

  it('dates every open time deposit, wealth product and loan, and nothing else', () => {
    for (const a of live.accounts) {
      const due = MATURITY_TERMS[a.product_code] !== undefined && a.status !== 'closed';
      expect(a.maturity_on !== null, `${a.product_code} ${a.status}`).toBe(due);
      if (a.maturity_on) {
        expect(a.maturity_on > AS_OF).toBe(true);
        expect(a.opened_on <= AS_OF).toBe(true);
      }
    }
  });

  it('puts a good share of maturities in the 30 days after the as-of date and after today', () => {
    const dated = live.accounts.filter((a) => a.maturity_on);
    expect(dated.length).toBeGreaterThan(1000);
    const afterAsOf = dated.filter((a) => within(a.maturity_on, '2026-07-01', 30)).length / dated.length;
    const afterToday = dated.filter((a) => within(a.maturity_on, TODAY, 30)).length / dated.length;
    expect(afterAsOf).toBeGreaterThan(0.12);
    expect(afterToday).toBeGreaterThan(0.12);
    // Time deposits and wealth products alike, so reminders are about both.
    for (const code of ['DEP_TIME_1Y', 'WM_STABLE']) {
      expect(dated.filter((a) => a.product_code === code && within(a.maturity_on, TODAY, 30)).length, code).toBeGreaterThan(10);
    }
  });

  it('keeps month-end balances up to the month before the day of loading (no hole in a trend from asOf to today)', () => {
    expect(still.snapshotDates).toEqual(['2026-01-31', '2026-02-28', '2026-03-31', '2026-04-30', '2026-05-31', '2026-06-30']);
    expect(live.snapshotDates).toEqual(['2026-05-31', '2026-06-30', '2026-07-31', '2026-08-31', '2026-09-30', '2026-10-31']);
  });

  it('is deterministic, and the day of loading changes nothing but maturities, the openings they imply and the month-end balances', () => {
    expect(collect(options({ today: TODAY })).accounts.map((a) => a.maturity_on)).toEqual(live.accounts.map((a) => a.maturity_on));
    expect(live.customers).toEqual(still.customers);
    expect(live.accounts.map((a) => [a.id, a.account_no, a.product_code, a.balance_fen])).toEqual(still.accounts.map((a) => [a.id, a.account_no, a.product_code, a.balance_fen]));
    expect(still.accounts.filter((a) => within(a.maturity_on, TODAY, 30)).length).toBeLessThan(live.accounts.filter((a) => within(a.maturity_on, TODAY, 30)).length);
  });
});
