import { createHash } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { normalizeMobile, validateResidentId, validateUscc } from '../../identity/index.ts';
import {
  DEFAULT_ASSET_PRODUCTS, DEFAULT_LEVELS, generateCustomers, levelFor, type DemoBatch, type GenerateCustomersOptions,
} from '../customers.ts';
import { luhnDigit } from '../numbers.ts';
import { generateOrgs, generateUsers } from '../orgs.ts';

const TYPES = [
  'personal', 'personal_resident', 'personal_nonresident', 'personal_business', 'corporate', 'corporate_large', 'corporate_sme',
  'institutional', 'institutional_government', 'institutional_public', 'interbank', 'interbank_bank', 'interbank_nonbank',
];
const ORGS = generateOrgs();
const USERS = generateUsers(ORGS);

function options(over: Partial<GenerateCustomersOptions> = {}): GenerateCustomersOptions {
  return {
    seed: 42,
    count: 12_000,
    asOf: '2026-06-30',
    orgs: ORGS.map((o, i) => ({ id: 100 + i, code: o.code })),
    managers: USERS.filter((u) => u.roleCode === 'customer_manager').map((u, i) => ({ id: 500 + i, orgCode: u.orgCode, managerLevel: u.managerLevel })),
    typeIds: Object.fromEntries(TYPES.map((t, i) => [t, i + 1])),
    ...over,
  };
}

type All = { [K in Exclude<keyof DemoBatch, 'done'>]: DemoBatch[K] } & { batches: number[] };

function collect(opts: GenerateCustomersOptions): All {
  const all: All = { customers: [], identities: [], contacts: [], addresses: [], channelPrefs: [], relations: [], keyPersons: [], accounts: [], balances: [], batches: [] };
  for (const b of generateCustomers(opts)) {
    all.batches.push(b.customers.length);
    for (const k of Object.keys(b) as (keyof DemoBatch)[]) if (k !== 'done') (all[k] as unknown[]).push(...b[k]);
  }
  return all;
}

const digest = (all: All) => createHash('sha256').update(JSON.stringify(all)).digest('hex');
const typeCode = (id: number) => TYPES[id - 1]!;

let bank: All;
beforeAll(() => {
  bank = collect(options());
});

describe('generateCustomers', () => {
  it('gives the same bank for the same seed, and another for another seed', () => {
    expect(digest(collect(options()))).toBe(digest(bank));
    const other = collect(options({ seed: 43, count: 2000 }));
    expect(other.customers.slice(0, 50).map((c) => c.name)).not.toEqual(bank.customers.slice(0, 50).map((c) => c.name));
  });

  it('comes in batches of 5,000 with consecutive ids and 9-digit customer numbers', () => {
    expect(bank.batches).toEqual([5000, 5000, 2000]);
    bank.customers.forEach((c, i) => {
      expect(c.id).toBe(1 + i);
      expect(c.customer_no).toBe(String(100_000_001 + i));
    });
    const shifted = collect(options({ count: 10, startId: 501, startCustomerNo: 100_000_501 }));
    expect(shifted.customers[0]).toMatchObject({ id: 501, customer_no: '100000501' });
  });

  it('is about 85 % personal and 15 % corporate', () => {
    const persons = bank.customers.filter((c) => c.party === 'person').length / bank.customers.length;
    expect(persons).toBeGreaterThan(0.83);
    expect(persons).toBeLessThan(0.87);
  });

  it('gives every person a valid resident ID (or passport) matching their gender and birth date', () => {
    const ids = new Map(bank.identities.map((i) => [i.customer_id, i]));
    for (const c of bank.customers.filter((x) => x.party === 'person')) {
      const doc = ids.get(c.id)!;
      if (typeCode(c.type_id) === 'personal_nonresident') {
        expect(doc.id_type).toBe('passport');
        continue;
      }
      expect(doc.id_type).toBe('resident_id');
      const v = validateResidentId(doc.id_no, '2026-06-30');
      expect(v, doc.id_no).toMatchObject({ ok: true, gender: c.gender, birthDate: c.birth_date });
      expect(c.birth_date! >= '1940-01-01' && c.birth_date! <= '2005-12-31').toBe(true);
    }
  });

  it('never gives one ID number to two people, key persons included', () => {
    const holder = new Map<string, string>();
    for (const i of bank.identities) {
      expect(holder.has(i.id_no), i.id_no).toBe(false);
      holder.set(i.id_no, `customer ${i.customer_id}`);
    }
    for (const k of bank.keyPersons) {
      expect(validateResidentId(k.id_no).ok, k.id_no).toBe(true);
      // One outside person may hold two roles in the same company (legal representative and controller).
      const who = k.person_customer_id !== null ? `customer ${k.person_customer_id}` : `${k.name} of ${k.customer_id}`;
      expect(holder.get(k.id_no) ?? who, k.id_no).toBe(who);
      holder.set(k.id_no, who);
    }
  });

  it('gives every organisation a valid unified social credit code', () => {
    const orgIds = new Set(bank.customers.filter((c) => c.party === 'organization').map((c) => c.id));
    const codes = bank.identities.filter((i) => orgIds.has(i.customer_id));
    expect(codes.length).toBe(orgIds.size);
    for (const i of codes) {
      expect(i.id_type).toBe('uscc');
      expect(validateUscc(i.id_no), i.id_no).toEqual({ ok: true, value: i.id_no });
    }
    expect(new Set(codes.map((i) => i.id_no)).size).toBe(codes.length);
    for (const c of bank.customers) if (c.attributes.business_license) expect(validateUscc(String(c.attributes.business_license)).ok).toBe(true);
  });

  it('gives unique, normalised mainland mobiles', () => {
    const mobiles = bank.contacts.filter((c) => c.kind === 'mobile').map((c) => c.value);
    expect(mobiles.length).toBeGreaterThan(bank.customers.length * 0.85);
    expect(new Set(mobiles).size).toBe(mobiles.length);
    for (const m of mobiles) expect(normalizeMobile(m)).toEqual({ ok: true, value: m });
  });

  it('keeps every row pointing at a generated customer or account', () => {
    const customers = new Set(bank.customers.map((c) => c.id));
    const accounts = new Set(bank.accounts.map((a) => a.id));
    for (const t of ['identities', 'contacts', 'addresses', 'channelPrefs', 'keyPersons', 'accounts', 'balances'] as const) {
      for (const r of bank[t]) expect(customers.has(r.customer_id), t).toBe(true);
    }
    for (const r of bank.relations) expect(customers.has(r.customer_id) && customers.has(r.related_id)).toBe(true);
    for (const b of bank.balances) expect(accounts.has(b.account_id)).toBe(true);
    for (const t of ['identities', 'contacts', 'addresses', 'relations', 'keyPersons', 'accounts'] as const) {
      const ids = bank[t].map((r) => r.id);
      expect(new Set(ids).size, t).toBe(ids.length);
    }
  });

  it('has about three accounts per customer, numbered uniquely per system', () => {
    const perCustomer = bank.accounts.length / bank.customers.length;
    expect(perCustomer).toBeGreaterThan(2.5);
    expect(perCustomer).toBeLessThan(3.5);
    const keys = bank.accounts.map((a) => `${a.source_system}/${a.account_no}`);
    expect(new Set(keys).size).toBe(keys.length);
    for (const a of bank.accounts.filter((x) => x.product_code === 'CARD_DEBIT')) {
      expect(a.account_no).toMatch(/^62\d{17}$/);
      expect(luhnDigit(a.account_no.slice(0, -1))).toBe(a.account_no.at(-1));
    }
    const personal = new Set(bank.customers.filter((c) => c.party === 'person').map((c) => c.id));
    for (const a of bank.accounts) expect(a.source_system === 'CORP').toBe(!personal.has(a.customer_id));
  });

  it('sets AUM to the open asset balances and the level from it', () => {
    const aum = new Map<number, number>();
    for (const a of bank.accounts) {
      if (a.status !== 'closed' && DEFAULT_ASSET_PRODUCTS.has(a.product_code)) aum.set(a.customer_id, (aum.get(a.customer_id) ?? 0) + a.balance_fen);
      expect(Number.isInteger(a.balance_fen) && a.balance_fen >= 0).toBe(true);
      if (a.status === 'closed') expect(a.balance_fen).toBe(0);
    }
    for (const c of bank.customers) {
      expect(c.aum_fen).toBe(aum.get(c.id) ?? 0);
      expect(c.level_code).toBe(c.status === 'potential' ? null : levelFor(c.aum_fen, DEFAULT_LEVELS));
    }
  });

  it('gives every holder of the growth product (R4) a risk tolerance of C4 or above, as its suitability rule asks', () => {
    const growth = new Set(bank.accounts.filter((a) => a.product_code === 'WM_GROWTH' && a.status !== 'closed').map((a) => a.customer_id));
    expect(growth.size).toBeGreaterThan(10);
    for (const c of bank.customers) if (growth.has(c.id)) expect(c.risk_tolerance, c.customer_no).toMatch(/^C[45]$/);
  });

  it('has a skewed wealth distribution: few rich, many standard', () => {
    const persons = bank.customers.filter((c) => c.party === 'person' && c.status !== 'potential');
    const count = (level: string) => persons.filter((c) => c.level_code === level).length;
    expect(count('standard')).toBeGreaterThan(count('gold'));
    expect(count('gold')).toBeGreaterThan(count('platinum'));
    expect(count('platinum')).toBeGreaterThan(count('diamond'));
    expect(count('private')).toBeGreaterThan(0);
    const sorted = persons.map((c) => c.aum_fen).sort((a, b) => a - b);
    const mean = sorted.reduce((s, v) => s + v, 0) / sorted.length;
    expect(mean).toBeGreaterThan(3 * sorted[sorted.length >> 1]!);
  });

  it('is mostly active, with some dormant, potential and churned customers', () => {
    const share = (s: string) => bank.customers.filter((c) => c.status === s).length / bank.customers.length;
    expect(share('active')).toBeGreaterThan(0.8);
    for (const s of ['dormant', 'potential', 'churned']) expect(share(s)).toBeGreaterThan(0.01);
    const potential = new Set(bank.customers.filter((c) => c.status === 'potential').map((c) => c.id));
    expect(bank.accounts.some((a) => potential.has(a.customer_id))).toBe(false);
  });

  it('forms families of persons: husband and wife, parents older than their children, who carry the father\'s surname', () => {
    const byId = new Map(bank.customers.map((c) => [c.id, c]));
    const spouses = bank.relations.filter((r) => r.type_code === 'spouse');
    const parents = bank.relations.filter((r) => r.type_code === 'parent');
    const persons = bank.customers.filter((c) => c.party === 'person').length;
    expect(spouses.length).toBeGreaterThan(persons * 0.03);
    for (const r of spouses) expect([byId.get(r.customer_id)!.gender, byId.get(r.related_id)!.gender]).toEqual(['M', 'F']);
    for (const r of parents) {
      const [p, c] = [byId.get(r.customer_id)!, byId.get(r.related_id)!];
      expect(Number(c.birth_date!.slice(0, 4)) - Number(p.birth_date!.slice(0, 4))).toBeGreaterThanOrEqual(18);
      if (p.gender === 'M') expect(c.name.startsWith(p.name.slice(0, 1))).toBe(true);
    }
  });

  it('groups companies under parents and gives them legal representatives, often customers themselves', () => {
    const byId = new Map(bank.customers.map((c) => [c.id, c]));
    const groups = bank.relations.filter((r) => r.type_code === 'group_parent');
    expect(groups.length).toBeGreaterThan(0);
    for (const r of groups) expect([byId.get(r.customer_id)!.party, byId.get(r.related_id)!.party]).toEqual(['organization', 'organization']);
    const orgs = bank.customers.filter((c) => c.party === 'organization');
    const reps = bank.keyPersons.filter((k) => k.role === 'legal_rep');
    expect(reps.length).toBe(orgs.length);
    const linked = reps.filter((k) => k.person_customer_id !== null);
    expect(linked.length / reps.length).toBeGreaterThan(0.4);
    for (const k of linked) expect(byId.get(k.person_customer_id!)).toMatchObject({ party: 'person', name: k.name });
    expect(bank.keyPersons.some((k) => k.role === 'actual_controller')).toBe(true);
    expect(bank.keyPersons.some((k) => k.role === 'finance_head')).toBe(true);
  });

  it('keeps month-end balances, the newest equal to today\'s balance', () => {
    const accounts = new Map(bank.accounts.map((a) => [a.id, a]));
    const dates = new Set(bank.balances.map((b) => b.as_of));
    expect([...dates].sort()).toEqual(['2026-01-31', '2026-02-28', '2026-03-31', '2026-04-30', '2026-05-31', '2026-06-30']);
    for (const b of bank.balances) {
      const a = accounts.get(b.account_id)!;
      expect(a.status).not.toBe('closed');
      expect(b.as_of >= a.opened_on).toBe(true);
      if (b.as_of === '2026-06-30') expect(b.balance_fen).toBe(a.balance_fen);
    }
    expect(collect(options({ count: 500, snapshotMonths: 0 })).balances).toEqual([]);
  });

  it('assigns customers to sub-branches and, mostly, to a manager of that sub-branch', () => {
    const ids = options();
    const subOf = new Map(ids.orgs.map((o) => [o.id, o.code]));
    const managerSub = new Map(ids.managers.map((m) => [m.id, m.orgCode]));
    const assigned = bank.customers.filter((c) => c.manager_id !== null);
    expect(assigned.length / bank.customers.length).toBeGreaterThan(0.8);
    for (const c of bank.customers) expect(subOf.get(c.org_id)).toMatch(/^(BJ|SH|GZ|HZ|CD)0\d$/);
    for (const c of assigned) expect(managerSub.get(c.manager_id!)).toBe(subOf.get(c.org_id));
  });
});
