/**
 * Holds the demo bank to the product catalogue: the generator draws balances and opening dates without looking at the
 * products, so each batch passes through here before it is copied. Every holding of a product with a minimum amount is
 * at least that amount (time deposits, wealth, funds, insurance and loans; a current account's minimum is only its
 * opening deposit, and cards have none), and every account opens on or after its product's launch, its customer's birth
 * and the customer's first day at the bank, and (if closed) closes after it opens, by the as-of date.
 *
 * How: an asset holding short of its minimum takes the difference from the customer's other asset accounts (what they
 * hold above their own minimums), so the customer's wealth stays what was drawn; only what they cannot cover is added,
 * and the customer's AUM and level follow. A loan short of its minimum is redrawn between one and two minimums. An
 * account opened too early moves forward by whole terms where it has a maturity that rolls over or comes round (so its
 * maturity stays put), else to a day in the first year it could have been opened (a loan keeps its term). Month-end
 * balances before the new opening day go; those of an account whose balance changed scale with it.
 *
 * Pure and deterministic: what it draws comes from its own stream per batch, and only for accounts it changes.
 */
import { levelFor, type AccountRow, type DemoBatch, type LevelThreshold } from './customers.ts';
import { addMonths, MATURITY_TERMS } from './maturity.ts';
import { fromDays, toDays } from './numbers.ts';
import { createRng, type Rng } from './prng.ts';

/** One product of the catalogue, as the loader reads it (dates YYYY-MM-DD). */
export type ProductRule = {
  code: string;
  category: string;
  isAsset: boolean;
  minAmountFen: number | null;
  termDays: number | null;
  launchOn: string | null;
  retireOn: string | null;
};

/** Whether the product's minimum binds what a holder keeps in it (see the module comment). */
export function minimumBinds(p: ProductRule): boolean {
  if (p.minAmountFen === null) return false;
  return p.category === 'wealth' || p.category === 'fund' || p.category === 'insurance' || p.category === 'loan'
    || (p.category === 'deposit' && p.termDays !== null);
}

export type CatalogueContext = {
  seed: number;
  asOf: string;
  products: readonly ProductRule[];
  levels: readonly LevelThreshold[];
  /** How many balance-rule and date-rule fixes were made, added to as batches go by (for reporting). */
  stats?: { raised: number; moved: number };
};

const CATALOGUE_STREAM = 3_000_000;

type Rule = ProductRule & { binds: boolean };
let cached: { products: readonly ProductRule[]; rules: Map<string, Rule> } | null = null;

/** The catalogue by code, worked out once per catalogue (the worker passes the same one with every batch). */
function rulesOf(products: readonly ProductRule[]): Map<string, Rule> {
  if (cached?.products !== products) cached = { products, rules: new Map(products.map((p) => [p.code, { ...p, binds: minimumBinds(p) }])) };
  return cached.rules;
}

/** An account moved past its product's launch opens within this many days of the first day it could. */
const FIRST_YEAR = 365;

/**
 * Applies the catalogue's rules to one batch, in place. `batchNo` counts from 1, as the generator's own streams do.
 * @example for (const b of generateCustomers(opts)) applyCatalogue(b, ++n, { seed, asOf, products, levels })
 */
export function applyCatalogue(batch: DemoBatch, batchNo: number, ctx: CatalogueContext): void {
  const rules = rulesOf(ctx.products);
  const rng = createRng(ctx.seed, CATALOGUE_STREAM + batchNo);
  const asOfDays = toDays(ctx.asOf);
  const dayBefore = fromDays(asOfDays - 1);
  /** New opening day of moved accounts; old balance of rebalanced ones. */
  const opened = new Map<number, string>();
  const oldBalance = new Map<number, number>();
  const { accounts, customers } = batch;

  // Accounts are generated customer by customer, in the customers' order: walk both in step, in runs. Dates compare as
  // YYYY-MM-DD text; only an account that moves is worked out in days.
  let k = 0;
  for (let start = 0; start < accounts.length;) {
    const customerId = accounts[start]!.customer_id;
    let end = start + 1;
    while (end < accounts.length && accounts[end]!.customer_id === customerId) end++;
    while (k < customers.length && customers[k]!.id !== customerId) k++;
    const c = customers[k];
    if (!c) throw new Error(`applyCatalogue: account ${accounts[start]!.id} of customer ${customerId}, out of its batch's order`);
    const came = c.created_at.slice(0, 10);
    const since = c.birth_date !== null && c.birth_date > came ? c.birth_date : came;

    // Dates first: where an account moves does not depend on balances.
    for (let i = start; i < end; i++) {
      const a = accounts[i]!;
      const p = rules.get(a.product_code);
      const earliest = p?.launchOn && p.launchOn > since ? p.launchOn : since;
      // A closed account closes after it opens, by the as-of date; nothing opens after its product retired.
      let latest = a.closed_on !== null ? dayBefore : ctx.asOf;
      if (p?.retireOn && p.retireOn < latest) latest = p.retireOn;
      if (a.opened_on >= earliest && a.opened_on <= latest) continue;
      moveOpening(rng, a, toDays(earliest), toDays(latest), asOfDays);
      opened.set(a.id, a.opened_on);
      if (ctx.stats) ctx.stats.moved++;
    }

    // Then minimums: the biggest shortfall is met first, while the others still have most to give.
    let short: { a: AccountRow; p: Rule; gap: number }[] | null = null;
    for (let i = start; i < end; i++) {
      const a = accounts[i]!;
      const p = rules.get(a.product_code);
      if (a.status !== 'closed' && p?.binds && a.balance_fen < p.minAmountFen!) (short ??= []).push({ a, p, gap: p.minAmountFen! - a.balance_fen });
    }
    if (!short) {
      start = end;
      continue;
    }
    short.sort((x, y) => y.gap - x.gap || x.a.id - y.a.id);
    for (const { a, p } of short) {
      const min = p.minAmountFen!;
      if (!oldBalance.has(a.id)) oldBalance.set(a.id, a.balance_fen);
      if (ctx.stats) ctx.stats.raised++;
      if (!p.isAsset) {
        a.balance_fen = min + Math.floor(rng.next() * min);
        continue;
      }
      let need = min - a.balance_fen;
      // Donors: the customer's other open asset accounts, richest in spare money first.
      const donors = [];
      for (let i = start; i < end; i++) {
        const d = accounts[i]!;
        const q = rules.get(d.product_code);
        if (d === a || d.status === 'closed' || !q?.isAsset) continue;
        const spare = d.balance_fen - (q.minAmountFen ?? 0);
        if (spare > 0) donors.push({ d, spare });
      }
      donors.sort((x, y) => y.spare - x.spare || x.d.id - y.d.id);
      for (const { d, spare } of donors) {
        if (need <= 0) break;
        const take = Math.min(spare, need);
        if (!oldBalance.has(d.id)) oldBalance.set(d.id, d.balance_fen);
        d.balance_fen -= take;
        need -= take;
      }
      a.balance_fen = min;
    }
    if (c.status !== 'potential') {
      let aum = 0;
      for (let i = start; i < end; i++) {
        const a = accounts[i]!;
        if (a.status !== 'closed' && rules.get(a.product_code)?.isAsset) aum += a.balance_fen;
      }
      c.aum_fen = aum;
      c.level_code = levelFor(aum, ctx.levels);
    }
    start = end;
  }

  if (!opened.size && !oldBalance.size) return;
  // One lookup per month-end row: from when it may exist, and by how much it scales.
  const touched = new Map<number, { from: string | undefined; scale: number | null; now: number }>();
  for (const [id, from] of opened) touched.set(id, { from, scale: null, now: 0 });
  if (oldBalance.size) {
    for (const a of accounts) {
      const old = oldBalance.get(a.id);
      if (old === undefined) continue;
      const t = touched.get(a.id) ?? { from: undefined, scale: null, now: 0 };
      // An account that had nothing takes its new balance all along (scale 0 marks it).
      t.scale = old > 0 ? a.balance_fen / old : 0;
      t.now = a.balance_fen;
      touched.set(a.id, t);
    }
  }
  // Compacted in place: most rows stay, and a batch has hundreds of thousands.
  const balances = batch.balances;
  let kept = 0;
  for (let i = 0; i < balances.length; i++) {
    const b = balances[i]!;
    const t = touched.get(b.account_id);
    if (t !== undefined) {
      if (t.from !== undefined && b.as_of < t.from) continue;
      if (t.scale !== null) b.balance_fen = t.scale === 0 ? t.now : Math.round(b.balance_fen * t.scale);
    }
    balances[kept++] = b;
  }
  balances.length = kept;
}

/**
 * Moves an account's opening day into [earliest, latest]. Forward, by whole terms when its maturity rolls over or comes
 * round, so it still falls due on the same day; else into the first year it could open (or, moving back, the last year),
 * a loan keeping its term and anything else with a maturity taking the next one after the as-of date. A closed account
 * keeps how long it stayed open if it can.
 */
function moveOpening(rng: Rng, a: AccountRow, earliest: number, latest: number, asOfDays: number): void {
  const term = MATURITY_TERMS[a.product_code];
  const from = a.opened_on;
  const forward = toDays(from) < earliest;
  if (forward && a.maturity_on && term && term.kind !== 'loan') {
    for (let k = 1; k <= 400; k++) {
      const day = term.kind === 'rollover' ? toDays(addMonths(from, term.months * k)) : toDays(from) + term.days * k;
      if (day > latest || fromDays(day) >= a.maturity_on) break;
      if (day >= earliest) {
        a.opened_on = fromDays(day);
        return;
      }
    }
  }
  // No room at all (a product launched after the as-of date, or retired before the customer came): the last day it can.
  const room = Math.min(FIRST_YEAR, latest - earliest + 1);
  const day = room <= 0 ? latest : forward ? earliest + Math.floor(rng.next() * room) : latest - Math.floor(rng.next() * room);
  a.opened_on = fromDays(day);
  if (a.closed_on !== null) {
    const closed = day + toDays(a.closed_on) - toDays(from);
    a.closed_on = fromDays(closed > day && closed <= asOfDays ? closed : day + 1 + Math.floor(rng.next() * (asOfDays - day)));
  }
  if (!a.maturity_on || !term) return;
  if (term.kind === 'loan') {
    const months = (Number(a.maturity_on.slice(0, 4)) - Number(from.slice(0, 4))) * 12 + Number(a.maturity_on.slice(5, 7)) - Number(from.slice(5, 7));
    a.maturity_on = addMonths(a.opened_on, months);
    return;
  }
  if (term.kind === 'rollover') {
    let k = 1;
    while (addMonths(a.opened_on, term.months * k) <= fromDays(asOfDays)) k++;
    a.maturity_on = addMonths(a.opened_on, term.months * k);
    return;
  }
  a.maturity_on = fromDays(day + Math.max(1, Math.ceil((asOfDays + 1 - day) / term.days)) * term.days);
}
