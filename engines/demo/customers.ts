/**
 * The demo bank's customers and everything hanging off them, as plain rows named after the tables'
 * columns, in batches. Pure and deterministic: the same options give the same rows, byte for byte.
 *
 * Each batch is planned before it is drawn — who is personal or corporate, which sub-branch serves
 * them, who forms a family or a group, who is whose legal representative — so related customers can
 * refer to each other by id without a round trip. Ids, customer numbers, ID numbers, mobiles and
 * account numbers come from counters (scrambled where a real one would not look sequential), which
 * keeps them unique across batches without remembering every value.
 */
import { makeResidentId, makeUscc, nameGrams, namePinyin, USCC_CHARSET } from '../identity/index.ts';
import {
  BANK_NAMES, BIRTH_DECADES, CITIES, BRAND_FIRST, BRAND_SECOND, EMAIL_DOMAINS, ERA_NAMES, FOREIGN_NATIONALS, GIVEN_FEMALE,
  GIVEN_MALE, GOVERNMENT_BODIES, INDUSTRIES, MOBILE_PREFIXES, NATIONAL_REGIONS, NONBANK_NAMES, OCCUPATIONS,
  PUBLIC_INSTITUTIONS, RESIDENTIAL_WORDS, SURNAMES, type City, type District,
} from './data.ts';
import { fromDays, luhnDigit, monthEnds, orgCodeCheck, scramble, toDays } from './numbers.ts';
import { generateOrgs, type ManagerLevel, type OrgSpec } from './orgs.ts';
import { createRng, draw, weighted, type Rng } from './prng.ts';
import { setMaturity } from './maturity.ts';

export type CustomerStatus = 'potential' | 'active' | 'dormant' | 'churned';
export type AccountStatus = 'active' | 'dormant' | 'frozen' | 'closed';

export type CustomerRow = {
  id: number;
  customer_no: string;
  type_id: number;
  party: 'person' | 'organization';
  name: string;
  name_en: string | null;
  name_pinyin: string;
  name_initials: string;
  name_grams: string[];
  gender: 'M' | 'F' | null;
  birth_date: string | null;
  nationality: string | null;
  occupation: string | null;
  employer: string | null;
  industry: string | null;
  status: CustomerStatus;
  level_code: string | null;
  org_id: number;
  manager_id: number | null;
  risk_tolerance: 'C1' | 'C2' | 'C3' | 'C4' | 'C5' | null;
  attributes: Record<string, string | number>;
  aum_fen: number;
  /** When the customer came to the bank (timestamptz text). */
  created_at: string;
  updated_at: string;
};

export type IdentityRow = {
  id: number; customer_id: number; id_type: 'resident_id' | 'uscc' | 'passport'; id_no: string; country: string | null;
  issued_on: string | null; expires_on: string | null; is_primary: boolean;
};
export type ContactRow = { id: number; customer_id: number; kind: 'mobile' | 'phone' | 'email'; value: string; is_primary: boolean; verified: boolean };
export type AddressRow = {
  id: number; customer_id: number; kind: 'home' | 'work' | 'registered' | 'business'; province: string; city: string;
  district: string; line: string; postcode: string; is_primary: boolean;
};
/** Only choices that differ from the default (allowed, no marketing consent) get a row. */
export type ChannelPrefRow = { customer_id: number; channel: 'phone' | 'sms' | 'email' | 'wechat'; allowed: boolean; marketing_consent: boolean };
export type RelationRow = { id: number; customer_id: number; related_id: number; type_code: 'spouse' | 'parent' | 'group_parent'; note: string | null };
export type KeyPersonRow = {
  id: number; customer_id: number; role: 'legal_rep' | 'actual_controller' | 'finance_head'; name: string; id_type: 'resident_id';
  id_no: string; mobile: string; share_pct: string | null; person_customer_id: number | null;
};
export type AccountRow = {
  id: number; customer_id: number; source_system: 'CORE' | 'CARD' | 'LOAN' | 'WEALTH' | 'CORP'; account_no: string; org_id: number;
  product_code: string; currency: 'CNY'; status: AccountStatus; opened_on: string; closed_on: string | null; balance_fen: number;
  /** When a time deposit, wealth product or loan falls due (see maturity.ts); null for the rest. */
  maturity_on: string | null;
};
export type BalanceRow = { account_id: number; customer_id: number; as_of: string; balance_fen: number };

export type DemoBatch = {
  /** Customers generated so far, this batch included. */
  done: number;
  customers: CustomerRow[];
  identities: IdentityRow[];
  contacts: ContactRow[];
  addresses: AddressRow[];
  channelPrefs: ChannelPrefRow[];
  relations: RelationRow[];
  keyPersons: KeyPersonRow[];
  accounts: AccountRow[];
  balances: BalanceRow[];
};

export type LevelThreshold = { code: string; minAumFen: number };

/** The tiers of 0002_reference_data; the loader passes the database's own (they are bank parameters). */
export const DEFAULT_LEVELS: readonly LevelThreshold[] = [
  { code: 'standard', minAumFen: 0 },
  { code: 'gold', minAumFen: 50_000_00 },
  { code: 'platinum', minAumFen: 500_000_00 },
  { code: 'diamond', minAumFen: 3_000_000_00 },
  { code: 'private', minAumFen: 6_000_000_00 },
];

/** Products whose balances are the customer's assets (product.is_asset); the rest are liabilities. */
export const DEFAULT_ASSET_PRODUCTS: ReadonlySet<string> = new Set([
  'DEP_CURRENT', 'DEP_TIME_1Y', 'DEP_TIME_3Y', 'DEP_LARGE_CD', 'CARD_DEBIT', 'WM_STABLE', 'WM_GROWTH', 'FUND_MMF', 'CORP_SETTLE', 'CORP_TIME',
]);

export type CustomerTypeCode =
  | 'personal_resident' | 'personal_business' | 'personal_nonresident' | 'corporate_large' | 'corporate_sme'
  | 'institutional_government' | 'institutional_public' | 'interbank_bank' | 'interbank_nonbank';

export type GenerateCustomersOptions = {
  seed: number;
  count: number;
  /** The day the data describes (YYYY-MM-DD): balances are as of it, nothing happens after it. */
  asOf: string;
  /**
   * The day the demo is used (YYYY-MM-DD, default asOf): a share of maturities falls in the 30 days
   * after it as well as after asOf. Only maturity dates (and the opening dates they imply) depend on it.
   */
  today?: string;
  /** Ids of the org units of generateOrgs(), by code. */
  orgs: readonly { id: number; code: string }[];
  /** The customer managers, with the code of their sub-branch. */
  managers: readonly { id: number; orgCode: string; managerLevel: ManagerLevel | null }[];
  /** customer_type ids by code. */
  typeIds: Readonly<Record<string, number>>;
  levels?: readonly LevelThreshold[];
  assetProducts?: ReadonlySet<string>;
  /** First customer id (default 1) and customer number (default 100000001). */
  startId?: number;
  startCustomerNo?: number;
  /** First ids of the other tables with a bigserial key (default 1 each). */
  startIds?: Partial<Record<'identity' | 'contact' | 'address' | 'relation' | 'keyPerson' | 'account', number>>;
  /** Customers per batch (default 5000); part of what the output depends on. */
  batchSize?: number;
  /** Month-end balance snapshots kept per open account (default 6, the last being the month end before `today`, or asOf's). */
  snapshotMonths?: number;
};

const PERSONAL_SHARE = 0.85;
const FAMILY_SHARE = 0.1;
const GROUP_SHARE = 0.15;

const CORPORATE_TYPES = weighted<CustomerTypeCode>([
  ['corporate_sme', 82], ['corporate_large', 6], ['institutional_government', 1.5], ['institutional_public', 4.5], ['interbank_bank', 2.5], ['interbank_nonbank', 3.5],
]);
const PERSON_STATUS = weighted<CustomerStatus>([['active', 85], ['dormant', 8], ['potential', 4], ['churned', 3]]);
const CORP_STATUS = weighted<CustomerStatus>([['active', 88], ['dormant', 7], ['potential', 3], ['churned', 2]]);
const SME_SIZE = weighted<'medium' | 'small' | 'micro'>([['medium', 20], ['small', 45], ['micro', 35]]);
const SURNAME_TABLE = weighted(SURNAMES);
const DECADE_TABLE = weighted(BIRTH_DECADES);
const OCCUPATION_TABLE = weighted(OCCUPATIONS);
const INDUSTRY_TABLE = weighted(INDUSTRIES.map((s) => [s, s.weight] as const));
const MOBILE_TABLE = weighted(MOBILE_PREFIXES);
const EMAIL_TABLE = weighted(EMAIL_DOMAINS);
const MALE_CHARS = [...GIVEN_MALE];
const BRAND_FIRST_CHARS = [...BRAND_FIRST];
const BRAND_SECOND_CHARS = [...BRAND_SECOND];
const LOCAL_REGIONS = new Map(CITIES.map((c) => [c.key, [...c.otherDistricts, ...c.districts.map((d) => d.code)]]));
const FEMALE_CHARS = [...GIVEN_FEMALE];
const VISA_TYPES = ['Z', 'Q1', 'X1', 'M', 'S1'] as const;

type Person = { name: string; gender: 'M' | 'F'; birthDays: number; idNo: string; mobile: string };

type Family = {
  surname: string;
  /** Birth years by role: husband, wife, children. */
  years: { husband: number; wife: number; children: number[] };
  region?: string;
  home?: AddressParts;
  ids: { husband?: number; wife?: number; children: number[] };
};

type Group = { brand: string; parentSlot: number; memberSlots: number[] };

type KeyPersonPlan = { role: KeyPersonRow['role']; personSlot: number | null; sameAsRep?: boolean; share: string | null };

type Slot = {
  party: 'person' | 'organization';
  sub: OrgSpec & { city: City; district: District };
  type: CustomerTypeCode;
  family?: { family: Family; role: 'husband' | 'wife' | 'child'; child?: number };
  group?: Group;
  /** A legal representative or controller of a company in this batch: a business owner. */
  owner?: boolean;
  keyPersons?: KeyPersonPlan[];
};

type AddressParts = { province: string; city: string; district: string; line: string; postcode: string };

/** Level code for an AUM, e.g. levelFor(60_000_00, DEFAULT_LEVELS) === 'gold'. */
export function levelFor(aumFen: number, levels: readonly LevelThreshold[]): string {
  let best = levels[0]!;
  for (const l of levels) if (aumFen >= l.minAumFen && l.minAumFen >= best.minAumFen) best = l;
  return best.code;
}

const yuan = (v: number) => Math.round(v * 100);
const pad = (n: number, w: number) => String(n).padStart(w, '0');

/**
 * Yields the demo customers in batches of `batchSize` with their identities, contacts, addresses,
 * channel preferences, relations, key persons, accounts and month-end balances.
 * @example
 * for (const b of generateCustomers({ seed: 42, count: 100, asOf: '2026-06-30', orgs, managers, typeIds })) load(b);
 */
export function* generateCustomers(opts: GenerateCustomersOptions): Generator<DemoBatch> {
  const levels = opts.levels ?? DEFAULT_LEVELS;
  const assets = opts.assetProducts ?? DEFAULT_ASSET_PRODUCTS;
  const batchSize = opts.batchSize ?? 5000;
  const asOfDays = toDays(opts.asOf);
  const today = opts.today ?? opts.asOf;
  // The demo is used live: its month-end balances run up to the month before the day it is loaded, so the
  // workbench's trend has no hole between asOf and today.
  const lastMonthEnd = fromDays(toDays(`${today.slice(0, 7)}-01`) - 1);
  const snapshotDates = monthEnds(lastMonthEnd > opts.asOf ? lastMonthEnd : opts.asOf, opts.snapshotMonths ?? 6).map((d) => ({ date: d, days: toDays(d) }));
  const updatedAt = `${opts.asOf} 18:00:00+08`;

  const orgId = new Map(opts.orgs.map((o) => [o.code, o.id]));
  const subs = generateOrgs().filter((o): o is Slot['sub'] => o.kind === 'subbranch');
  for (const s of subs) if (!orgId.has(s.code)) throw new Error(`generateCustomers: no id for org ${s.code}`);
  const subTable = weighted(subs.map((s) => [s, s.city.weight / s.city.districts.length] as const));
  const managersBySub = new Map<string, { id: number; level: ManagerLevel | null }[]>();
  for (const m of opts.managers) {
    if (!managersBySub.has(m.orgCode)) managersBySub.set(m.orgCode, []);
    managersBySub.get(m.orgCode)!.push({ id: m.id, level: m.managerLevel });
  }
  const typeId = (code: CustomerTypeCode) => {
    const id = opts.typeIds[code];
    if (id === undefined) throw new Error(`generateCustomers: no id for customer type ${code}`);
    return id;
  };

  // Counters shared by all batches: they are what keeps numbers unique.
  const next = {
    customer: opts.startId ?? 1,
    customerNo: opts.startCustomerNo ?? 100_000_001,
    identity: opts.startIds?.identity ?? 1,
    contact: opts.startIds?.contact ?? 1,
    address: opts.startIds?.address ?? 1,
    relation: opts.startIds?.relation ?? 1,
    keyPerson: opts.startIds?.keyPerson ?? 1,
    account: opts.startIds?.account ?? 1,
    mobile: 0,
    company: 0,
    passport: 0,
    serial: { CORE: 0, DEBIT: 0, CREDIT: 0, LOAN: 0, WEALTH: 0, CORP: 0 },
  };
  // Resident IDs: (region, birth date, sequence) packed into one number, so a Set of a million stays small.
  const regionIndex = new Map<string, number>();
  const usedIds = new Set<number>();
  const pinyinCache = new Map<string, { full: string; initials: string }>();

  const newMobile = (rng: Rng) => `+86${draw(rng, MOBILE_TABLE)}${scramble(next.mobile++, 8)}`;

  function residentId(rng: Rng, region: string, birthDays: number, gender: 'M' | 'F'): string {
    let ri = regionIndex.get(region);
    if (ri === undefined) regionIndex.set(region, (ri = regionIndex.size));
    const birth = fromDays(birthDays).replaceAll('-', '');
    const base = (ri * 100_000 + (birthDays + 50_000)) * 1000;
    // The 17th digit is odd for men: keep the parity while stepping past numbers already issued.
    let seq = rng.int(0, 499) * 2 + (gender === 'M' ? 1 : 0);
    for (let tries = 0; usedIds.has(base + seq); tries++) {
      if (tries >= 500) throw new Error(`generateCustomers: no free ID sequence for ${region}/${birth}`);
      seq = (seq + 2) % 1000;
    }
    usedIds.add(base + seq);
    return makeResidentId(region, birth, pad(seq, 3));
  }

  function hukouRegion(rng: Rng, city: City, district: District): string {
    const r = rng.next();
    if (r < 0.45) return district.code;
    if (r < 0.7) return rng.pick(LOCAL_REGIONS.get(city.key)!);
    if (r < 0.9) return rng.pick(city.hinterland);
    return rng.pick(NATIONAL_REGIONS);
  }

  function givenName(rng: Rng, gender: 'M' | 'F', birthYear: number): string {
    const decade = Math.min(2000, Math.max(1940, Math.floor(birthYear / 10) * 10));
    if (rng.chance(0.25)) return rng.pick(ERA_NAMES[decade]![gender]);
    const chars = gender === 'M' ? MALE_CHARS : FEMALE_CHARS;
    return rng.chance(0.3) ? rng.pick(chars) : rng.pick(chars) + rng.pick(chars);
  }

  function birthDaysIn(rng: Rng, year: number): number {
    const start = toDays(`${year}-01-01`);
    return start + rng.int(0, toDays(`${year + 1}-01-01`) - start - 1);
  }

  function randomBirthYear(rng: Rng): number {
    return Math.min(2005, draw(rng, DECADE_TABLE) + rng.int(0, 9));
  }

  function newPerson(rng: Rng, city: City, district: District, p: { surname?: string; gender?: 'M' | 'F'; year?: number; region?: string }): Person & { region: string } {
    const gender = p.gender ?? (rng.chance(0.5) ? 'M' : 'F');
    const year = p.year ?? randomBirthYear(rng);
    const birthDays = birthDaysIn(rng, year);
    const region = p.region ?? hukouRegion(rng, city, district);
    const name = (p.surname ?? draw(rng, SURNAME_TABLE)) + givenName(rng, gender, year);
    return { name, gender, birthDays, region, idNo: residentId(rng, region, birthDays, gender), mobile: newMobile(rng) };
  }

  function brand(rng: Rng): string {
    return rng.pick(BRAND_FIRST_CHARS) + rng.pick(BRAND_SECOND_CHARS);
  }

  function uscc(rng: Rng, prefix: string, region: string): string {
    const k = next.company++;
    // Organisation codes issued since 2015 start with MA; older ones are eight digits.
    const body = rng.chance(0.5)
      ? `MA${toBase31((k * 48_271 + 1_000_003) % 887_503_681)}`
      : scramble(k % 100_000_000, 8);
    return makeUscc(`${prefix}${region}${body}${orgCodeCheck(body)}`);
  }

  function streetAddress(rng: Rng, city: City, district: District, kind: 'home' | 'office'): AddressParts {
    const street = rng.pick(district.streets);
    const no = rng.int(1, 399);
    const line = kind === 'home'
      ? `${street}${no}号${brand(rng)}${rng.pick(RESIDENTIAL_WORDS)}${rng.int(1, 30)}栋${rng.int(1, 6)}单元${rng.int(1, 32)}${pad(rng.int(1, 4), 2)}室`
      : `${street}${no}号${brand(rng)}大厦${rng.int(1, 40)}层`;
    return { province: city.province, city: city.name, district: district.name, line, postcode: district.postcode };
  }

  function sinceDays(rng: Rng, earliest: number): number {
    const from = Math.max(earliest, toDays('1995-01-01'));
    const to = asOfDays - 7;
    if (from >= to) return to;
    // More customers joined recently than in the nineties.
    return from + Math.floor((to - from) * Math.sqrt(rng.next()));
  }

  function pinyinOf(name: string) {
    let p = pinyinCache.get(name);
    if (!p) {
      p = namePinyin(name);
      if (pinyinCache.size < 500_000) pinyinCache.set(name, p);
    }
    return p;
  }

  function planBatch(rng: Rng, n: number): Slot[] {
    const slots: Slot[] = [];
    for (let i = 0; i < n; i++) {
      const person = rng.chance(PERSONAL_SHARE);
      const type: CustomerTypeCode = person
        ? (rng.chance(0.005) ? 'personal_nonresident' : rng.chance(0.03) ? 'personal_business' : 'personal_resident')
        : draw(rng, CORPORATE_TYPES);
      slots.push({ party: person ? 'person' : 'organization', sub: draw(rng, subTable), type });
    }
    const residents = shuffle(rng, slots.flatMap((s, i) => (s.type === 'personal_resident' || s.type === 'personal_business' ? [i] : [])));

    // Families: a husband, his wife and their grown-up children, banking at the same sub-branch.
    let used = 0;
    while (used + 4 <= residents.length && used < residents.length * FAMILY_SHARE) {
      const size = rng.chance(0.45) ? 2 : rng.chance(0.64) ? 3 : 4;
      const husband = rng.int(size > 2 ? 1945 : 1950, size > 2 ? 1975 : 1998);
      const wife = Math.min(2005, husband + rng.int(-2, 5));
      const children = Array.from({ length: size - 2 }, () => Math.min(2005, Math.max(husband, wife) + rng.int(22, 34)));
      const family: Family = { surname: draw(rng, SURNAME_TABLE), years: { husband, wife, children }, ids: { children: [] } };
      const members = residents.slice(used, used + size);
      used += size;
      members.forEach((slot, k) => {
        const s = slots[slot]!;
        s.sub = slots[members[0]!]!.sub;
        s.family = { family, role: k === 0 ? 'husband' : k === 1 ? 'wife' : 'child', child: k >= 2 ? k - 2 : undefined };
      });
    }

    // Groups: a parent company and two to four members sharing its trade name.
    const enterprises = shuffle(rng, slots.flatMap((s, i) => (s.type === 'corporate_sme' || s.type === 'corporate_large' ? [i] : [])));
    const inGroups = Math.floor(enterprises.length * GROUP_SHARE);
    for (let g = 0; g + 3 <= inGroups; ) {
      const size = rng.int(3, 5);
      const members = enterprises.slice(g, g + size);
      g += size;
      const group: Group = { brand: brand(rng), parentSlot: members[0]!, memberSlots: members.slice(1) };
      for (const m of members) slots[m]!.group = group;
      slots[members[0]!]!.type = 'corporate_large';
    }

    // Key persons: preferably customers of the same city, else people the bank knows only by name.
    const byCity = new Map<string, number[]>();
    for (const i of residents) {
      const key = slots[i]!.sub.city.key;
      if (!byCity.has(key)) byCity.set(key, []);
      byCity.get(key)!.push(i);
    }
    slots.forEach((s) => {
      if (s.party !== 'organization') return;
      const locals = byCity.get(s.sub.city.key) ?? [];
      const pickLocal = (p: number) => (locals.length && rng.chance(p) ? rng.pick(locals) : null);
      const enterprise = s.type === 'corporate_sme' || s.type === 'corporate_large';
      const rep = pickLocal(enterprise ? 0.7 : 0.2);
      const plans: KeyPersonPlan[] = [{ role: 'legal_rep', personSlot: rep, share: null }];
      if (enterprise && rng.chance(0.35)) {
        // Usually the legal representative controls the company too.
        const same = rng.chance(0.7);
        plans.push({ role: 'actual_controller', personSlot: same ? rep : pickLocal(0.5), sameAsRep: same, share: (rng.int(5100, 10000) / 100).toFixed(2) });
      }
      if (rng.chance(0.4)) plans.push({ role: 'finance_head', personSlot: pickLocal(0.25), share: null });
      for (const p of plans) if (p.personSlot !== null && p.role !== 'finance_head') slots[p.personSlot]!.owner = true;
      s.keyPersons = plans;
    });
    return slots;
  }

  let batchNo = 0;
  let done = 0;
  while (done < opts.count) {
    const n = Math.min(batchSize, opts.count - done);
    const rng = createRng(opts.seed, ++batchNo);
    // Maturities draw from a stream of their own, so the day of loading changes nothing else.
    const maturityRng = createRng(opts.seed, MATURITY_STREAM + batchNo);
    // Snapshots draw from their own stream too: how many there are depends on the day of loading.
    const snapshotRng = createRng(opts.seed, SNAPSHOT_STREAM + batchNo);
    const slots = planBatch(rng, n);
    const ids = slots.map(() => next.customer++);
    const people: (Person | undefined)[] = new Array(n);
    const out: DemoBatch = {
      done: done + n, customers: [], identities: [], contacts: [], addresses: [], channelPrefs: [], relations: [], keyPersons: [], accounts: [], balances: [],
    };

    const openDate = (earliest: number) => fromDays(earliest + Math.floor((asOfDays - earliest) * rng.next()));
    const timestamp = (days: number) => `${fromDays(days)} ${pad(rng.int(9, 16), 2)}:${pad(rng.int(0, 59), 2)}:00+08`;

    /** Opens an account; asset accounts join `assetRows`, whose total is spread over them later. */
    const account = (
      c: CustomerRow, slot: Slot, assetRows: AssetShare[], serial: Serial, product: string, digits: string,
      openedOn: string, status: AccountStatus, weight: number,
    ): AccountRow => {
      const row: AccountRow = {
        id: next.account++, customer_id: c.id, source_system: SYSTEM_OF[serial], account_no: accountNo(serial, slot.sub.code, digits, openedOn),
        org_id: c.org_id, product_code: product, currency: 'CNY', status, opened_on: openedOn, closed_on: null, balance_fen: 0, maturity_on: null,
      };
      out.accounts.push(row);
      if (assets.has(product)) assetRows.push({ row, weight });
      return row;
    };

    function personal(slot: Slot, i: number, c: CustomerRow): void {
      const { city, district } = slot.sub;
      const fam = slot.family;
      const f = fam?.family;
      const nonresident = slot.type === 'personal_nonresident';
      let p: Person;
      if (nonresident) {
        const nat = rng.pick(FOREIGN_NATIONALS);
        c.nationality = nat.country;
        c.name_en = `${rng.pick(nat.family)} ${rng.pick(nat.given)}`;
        p = { name: c.name_en, gender: rng.chance(0.5) ? 'M' : 'F', birthDays: birthDaysIn(rng, rng.int(1955, 2000)), idNo: `${rng.pick(['E', 'G', 'K', 'P'])}${scramble(next.passport++, 8)}`, mobile: newMobile(rng) };
      } else if (fam && f) {
        const role = fam.role;
        const year = role === 'husband' ? f.years.husband : role === 'wife' ? f.years.wife : f.years.children[fam.child!]!;
        const made = newPerson(rng, city, district, {
          surname: role === 'wife' ? undefined : f.surname, gender: role === 'husband' ? 'M' : role === 'wife' ? 'F' : undefined,
          year, region: role === 'wife' ? undefined : f.region,
        });
        if (role !== 'wife') f.region ??= made.region;
        if (role === 'husband') f.ids.husband = c.id;
        else if (role === 'wife') f.ids.wife = c.id;
        else f.ids.children.push(c.id);
        p = made;
      } else {
        p = newPerson(rng, city, district, { gender: slot.owner && rng.chance(0.3) ? 'M' : undefined });
      }
      people[i] = p;
      const age = (asOfDays - p.birthDays) / 365.25;
      const since = sinceDays(rng, p.birthDays + 18 * 365);
      const py = nonresident ? latinKeys(p.name) : pinyinOf(p.name);
      Object.assign(c, {
        name: p.name, name_pinyin: py.full, name_initials: py.initials, name_grams: nameGrams(p.name), gender: p.gender,
        birth_date: fromDays(p.birthDays), created_at: timestamp(since),
        occupation: slot.type === 'personal_business' ? '个体经营者' : slot.owner ? '企业主' : age >= 60 && rng.chance(0.8) ? '退休' : draw(rng, OCCUPATION_TABLE),
      });
      if (slot.type === 'personal_business') c.attributes.business_license = uscc(rng, '92', district.code);
      if (nonresident) c.attributes.visa_type = rng.pick(VISA_TYPES);

      if (nonresident) {
        const issued = asOfDays - rng.int(30, 9 * 365);
        out.identities.push({ id: next.identity++, customer_id: c.id, id_type: 'passport', id_no: p.idNo, country: c.nationality, issued_on: fromDays(issued), expires_on: fromDays(issued + 3652), is_primary: true });
      } else {
        // Resident IDs run 10 years if issued under 26, 20 under 46, then for life; ~3 % have lapsed.
        const lapsed = rng.chance(0.03);
        const issuedAge = Math.max(16, Math.floor(age - (lapsed ? rng.int(10, 20) : rng.int(0, 9))));
        const years = issuedAge < 26 ? 10 : issuedAge < 46 ? 20 : 0;
        const issued = Math.min(asOfDays - 30, p.birthDays + Math.floor(issuedAge * 365.25) + rng.int(0, 300));
        out.identities.push({
          id: next.identity++, customer_id: c.id, id_type: 'resident_id', id_no: p.idNo, country: 'CN', issued_on: fromDays(issued),
          expires_on: years ? fromDays(issued + Math.round(years * 365.25)) : null, is_primary: true,
        });
      }

      out.contacts.push({ id: next.contact++, customer_id: c.id, kind: 'mobile', value: p.mobile, is_primary: true, verified: rng.chance(0.9) });
      const email = rng.chance(age < 55 ? 0.35 : 0.1);
      if (email) {
        const domain = draw(rng, EMAIL_TABLE);
        const local = domain === 'qq.com' ? String(rng.int(10_000, 2_999_999_999)) : `${py.full}${rng.chance(0.6) ? rng.int(1, 9999) : ''}`;
        out.contacts.push({ id: next.contact++, customer_id: c.id, kind: 'email', value: `${local}@${domain}`, is_primary: false, verified: rng.chance(0.5) });
      }
      const home = f?.home ?? streetAddress(rng, city, district, 'home');
      if (f) f.home = home;
      out.addresses.push({ id: next.address++, customer_id: c.id, kind: 'home', ...home, is_primary: true });
      if (age < 60 && rng.chance(0.25)) out.addresses.push({ id: next.address++, customer_id: c.id, kind: 'work', ...streetAddress(rng, city, rng.pick(city.districts), 'office'), is_primary: false });

      if (rng.chance(0.55)) out.channelPrefs.push({ customer_id: c.id, channel: 'sms', allowed: true, marketing_consent: true });
      if (rng.chance(0.3)) out.channelPrefs.push({ customer_id: c.id, channel: 'wechat', allowed: true, marketing_consent: true });
      if (email && rng.chance(0.3)) out.channelPrefs.push({ customer_id: c.id, channel: 'email', allowed: true, marketing_consent: true });
      if (rng.chance(0.06)) out.channelPrefs.push({ customer_id: c.id, channel: 'phone', allowed: false, marketing_consent: false });

      if (c.status === 'potential') return;
      // Wealth is log-normal with a fatter affluent tail; business owners lean rich, the old save more.
      const affluent = rng.chance(slot.owner ? 0.3 : 0.035);
      const total = c.status === 'dormant'
        ? yuan(rng.logNormal(300, 1.5))
        : yuan(affluent ? rng.logNormal(800_000, 1.1) : rng.logNormal(12_000, 1.5) * (0.6 + Math.min(age, 70) / 60));
      const st: AccountStatus = c.status === 'dormant' ? 'dormant' : 'active';
      const shares: AssetShare[] = [];
      const open = (serial: Serial, product: string, digits: string, on: string, weight: number) => account(c, slot, shares, serial, product, digits, on, st, weight);
      open('CORE', 'DEP_CURRENT', '01', fromDays(since), 0.5 + rng.next());
      if (rng.chance(0.85)) open('DEBIT', 'CARD_DEBIT', '', openDate(since), 0.2 + 0.3 * rng.next());
      if (rng.chance(0.12)) open('DEBIT', 'CARD_DEBIT', '', openDate(since), 0.1);
      if (c.status === 'active') {
        if (total > yuan(10_000) && rng.chance(0.55)) {
          const three = rng.chance(0.4);
          open('CORE', three ? 'DEP_TIME_3Y' : 'DEP_TIME_1Y', three ? '13' : '11', openDate(Math.max(since, asOfDays - (three ? 1095 : 365) + 1)), 1.5 + rng.next());
        }
        if (total > yuan(200_000) && rng.chance(0.4)) open('CORE', 'DEP_LARGE_CD', '21', openDate(Math.max(since, asOfDays - 1095)), 2 + rng.next());
        if (total > yuan(50_000) && rng.chance(0.45)) open('WEALTH', 'WM_STABLE', '', openDate(Math.max(since, WEALTH_SINCE)), 2 + rng.next());
        if (total > yuan(300_000) && rng.chance(0.35)) open('WEALTH', 'WM_GROWTH', '', openDate(Math.max(since, WEALTH_SINCE)), 1.5 + rng.next());
        if (total > yuan(5_000) && rng.chance(0.3)) open('WEALTH', 'FUND_MMF', '', openDate(Math.max(since, MMF_SINCE)), 0.5 + rng.next());
        if (age < 62 && rng.chance(0.38)) open('CREDIT', 'CARD_CREDIT', '', openDate(since), 0).balance_fen = rng.chance(0.35) ? 0 : yuan(rng.logNormal(4_000, 1.1));
        if (age >= 25 && age < 58 && rng.chance(0.14)) {
          const loan = open('LOAN', 'LOAN_MORTGAGE', '31', openDate(Math.max(since, asOfDays - 20 * 365)), 0);
          const paid = (asOfDays - toDays(loan.opened_on)) / 365.25 / 25;
          loan.balance_fen = yuan(rng.logNormal(city.key === 'BJ' || city.key === 'SH' ? 1_800_000 : 900_000, 0.45) * Math.max(0.05, 1 - paid));
        }
        if (age < 60 && rng.chance(0.07)) open('LOAN', 'LOAN_CONSUMER', '35', openDate(Math.max(since, asOfDays - 1095)), 0).balance_fen = yuan(rng.logNormal(60_000, 0.8));
      }
      spread(total, shares);
      // A fixed deposit that matured and was closed, as long-standing customers have.
      if (c.status !== 'churned' && asOfDays - since > 730 && rng.chance(0.12)) {
        const opened = since + rng.int(0, asOfDays - since - 730);
        const row = account(c, slot, [], 'CORE', 'DEP_TIME_1Y', '11', fromDays(opened), 'closed', 0);
        row.closed_on = fromDays(opened + 365);
      }
    }

    function corporate(slot: Slot, i: number, c: CustomerRow): void {
      const { city, district } = slot.sub;
      const t = slot.type;
      let prefix = '91';
      let median: number;
      if (t === 'corporate_sme' || t === 'corporate_large') {
        const ind = draw(rng, INDUSTRY_TABLE);
        const g = slot.group;
        const trade = g?.brand ?? brand(rng);
        const tradeEn = cap(pinyinOf(trade).full);
        if (g && g.parentSlot === i) {
          c.name = `${trade}集团${rng.chance(0.5) ? '股份' : ''}有限公司`;
          c.name_en = `${tradeEn} Group Co., Ltd.`;
        } else {
          c.name = `${city.short}${trade}${rng.pick(ind.words)}${t === 'corporate_large' && rng.chance(0.5) ? '股份' : ''}有限公司`;
          c.name_en = `${city.nameEn} ${tradeEn} ${ind.en} Co., Ltd.`;
        }
        c.industry = ind.section;
        if (t === 'corporate_sme') {
          const size = draw(rng, SME_SIZE);
          c.attributes.sme_size = size;
          c.attributes.staff_count = size === 'medium' ? rng.int(100, 999) : size === 'small' ? rng.int(10, 99) : rng.int(1, 9);
          median = size === 'medium' ? 2_000_000 : size === 'small' ? 400_000 : 80_000;
        } else {
          c.attributes.staff_count = rng.int(1000, 20_000);
          median = 30_000_000;
        }
        c.attributes.registered_capital_fen = yuan(rng.pick([1, 2, 3, 5, 10, 20, 50, 100, 500, 1000]) * (t === 'corporate_large' ? 10_000_000 : 100_000));
      } else if (t === 'institutional_government') {
        c.name = `${city.name}${rng.chance(0.7) ? district.name : ''}${rng.pick(GOVERNMENT_BODIES)}`;
        c.industry = 'S';
        prefix = '11';
        median = 20_000_000;
      } else if (t === 'institutional_public') {
        c.name = rng.pick(PUBLIC_INSTITUTIONS)(city.name, district.name, rng.int(1, 40));
        c.industry = rng.chance(0.6) ? 'P' : 'Q';
        prefix = '12';
        median = 5_000_000;
      } else {
        const trade = brand(rng);
        c.name = t === 'interbank_bank' ? rng.pick(BANK_NAMES)(city.short, trade) : rng.pick(NONBANK_NAMES)(city.short, trade);
        c.industry = 'J';
        median = t === 'interbank_bank' ? 100_000_000 : 30_000_000;
        if (t === 'interbank_bank') c.attributes.swift_bic = `${letters(rng, 4)}CN${letters(rng, 2)}`;
      }
      const py = pinyinOf(c.name);
      const established = ESTABLISHED_FROM + rng.int(0, asOfDays - ESTABLISHED_FROM - 400);
      const since = sinceDays(rng, established);
      Object.assign(c, { name_pinyin: py.full, name_initials: py.initials, name_grams: nameGrams(c.name), nationality: 'CN', created_at: timestamp(since) });

      out.identities.push({ id: next.identity++, customer_id: c.id, id_type: 'uscc', id_no: uscc(rng, prefix, district.code), country: 'CN', issued_on: fromDays(established), expires_on: null, is_primary: true });
      out.contacts.push({ id: next.contact++, customer_id: c.id, kind: 'phone', value: `${city.areaCode}-${rng.int(5, 8)}${pad(rng.int(0, 9_999_999), 7)}`, is_primary: true, verified: true });
      if (rng.chance(0.6)) out.contacts.push({ id: next.contact++, customer_id: c.id, kind: 'mobile', value: newMobile(rng), is_primary: false, verified: rng.chance(0.8) });
      out.addresses.push({ id: next.address++, customer_id: c.id, kind: 'registered', ...streetAddress(rng, city, district, 'office'), is_primary: true });
      if (rng.chance(0.4)) out.addresses.push({ id: next.address++, customer_id: c.id, kind: 'business', ...streetAddress(rng, city, rng.pick(city.districts), 'office'), is_primary: false });
      if (rng.chance(0.4)) out.channelPrefs.push({ customer_id: c.id, channel: 'phone', allowed: true, marketing_consent: true });

      if (c.status === 'potential') return;
      const total = c.status === 'dormant' ? yuan(rng.logNormal(5_000, 1.5)) : yuan(rng.logNormal(median, 1.3));
      const st: AccountStatus = c.status === 'dormant' ? 'dormant' : rng.chance(0.003) ? 'frozen' : 'active';
      const shares: AssetShare[] = [];
      const open = (product: string, digits: string, on: string, weight: number) => account(c, slot, shares, 'CORP', product, digits, on, st, weight);
      open('CORP_SETTLE', '01', fromDays(since), 1 + rng.next());
      if (rng.chance(total > yuan(1_000_000) ? 0.6 : 0.25)) open('CORP_SETTLE', '02', openDate(since), 0.3 + rng.next());
      if (c.status === 'active' && total > yuan(500_000) && rng.chance(0.5)) open('CORP_TIME', '11', openDate(Math.max(since, asOfDays - 1095)), 2 + rng.next());
      if (c.status === 'active' && (t === 'corporate_sme' || t === 'corporate_large') && rng.chance(0.35)) {
        open('CORP_WORKING_CAPITAL', '51', openDate(Math.max(since, asOfDays - 365)), 0).balance_fen = yuan(rng.logNormal(median * 0.8, 1));
      }
      spread(total, shares);
    }

    slots.forEach((slot, i) => {
      const person = slot.party === 'person';
      const c: CustomerRow = {
        id: ids[i]!, customer_no: String(next.customerNo++), type_id: typeId(slot.type), party: slot.party, name: '', name_en: null,
        name_pinyin: '', name_initials: '', name_grams: [], gender: null, birth_date: null, nationality: 'CN', occupation: null,
        employer: null, industry: null, status: draw(rng, person ? PERSON_STATUS : CORP_STATUS), level_code: null,
        org_id: orgId.get(slot.sub.code)!, manager_id: null, risk_tolerance: null, attributes: {}, aum_fen: 0, created_at: '', updated_at: updatedAt,
      };
      const first = out.accounts.length;
      if (person) personal(slot, i, c);
      else corporate(slot, i, c);
      const mine = out.accounts.slice(first);

      // Churned customers have closed everything; AUM counts open asset accounts only.
      for (const a of mine) {
        if (c.status === 'churned') {
          a.status = 'closed';
          a.balance_fen = 0;
          a.closed_on ??= fromDays(Math.max(toDays(a.opened_on) + 1, asOfDays - rng.int(30, 700)));
        }
        setMaturity(maturityRng, a, opts.asOf, today, c.created_at.slice(0, 10));
        if (a.status === 'closed') continue;
        if (assets.has(a.product_code)) c.aum_fen += a.balance_fen;
        snapshot(snapshotRng, a, out.balances);
      }
      if (c.status !== 'potential') c.level_code = levelFor(c.aum_fen, levels);
      if (person && c.status !== 'potential') {
        // Suitability: a holder of the growth product (R4) was assessed C4 or above, as the product requires.
        const growth = mine.some((a) => a.product_code === 'WM_GROWTH' && a.status !== 'closed');
        c.risk_tolerance = growth ? rng.pick(['C4', 'C4', 'C5'] as const)
          : mine.some((a) => a.source_system === 'WEALTH') ? rng.pick(['C2', 'C3', 'C3', 'C4', 'C5'] as const)
          : rng.chance(0.5) ? rng.pick(['C1', 'C2', 'C3'] as const) : null;
      }
      // The sub-branch's senior manager looks after its richest customers; some have no manager yet.
      const team = managersBySub.get(slot.sub.code) ?? [];
      if (team.length && rng.chance(c.status === 'potential' || c.status === 'churned' ? 0.5 : 0.92)) {
        const senior = team.filter((m) => m.level === 'senior');
        const rich = levels.findIndex((l) => l.code === c.level_code) >= 3;
        c.manager_id = (rich && senior.length ? rng.pick(senior) : rng.pick(team)).id;
      }
      out.customers.push(c);
    });

    // Relations and key persons refer to customers anywhere in the batch, so they come last.
    slots.forEach((s, i) => {
      const fam = s.family;
      if (fam?.role === 'husband') {
        const { husband, wife, children } = fam.family.ids;
        if (husband && wife) out.relations.push({ id: next.relation++, customer_id: husband, related_id: wife, type_code: 'spouse', note: null });
        for (const child of children) {
          for (const parent of [husband, wife]) if (parent) out.relations.push({ id: next.relation++, customer_id: parent, related_id: child, type_code: 'parent', note: null });
        }
      }
      if (s.group?.parentSlot === i) {
        for (const m of s.group.memberSlots) out.relations.push({ id: next.relation++, customer_id: ids[i]!, related_id: ids[m]!, type_code: 'group_parent', note: null });
      }
      let rep: Person | undefined;
      for (const kp of s.keyPersons ?? []) {
        const linked = kp.personSlot === null ? undefined : people[kp.personSlot];
        const p = linked ?? (kp.sameAsRep ? rep : undefined) ?? newPerson(rng, s.sub.city, s.sub.district, { year: rng.int(1955, 1992) });
        if (kp.role === 'legal_rep') rep = p;
        out.keyPersons.push({
          id: next.keyPerson++, customer_id: ids[i]!, role: kp.role, name: p.name, id_type: 'resident_id', id_no: p.idNo, mobile: p.mobile,
          share_pct: kp.share, person_customer_id: linked ? ids[kp.personSlot!]! : null,
        });
      }
    });

    done += n;
    yield out;
  }

  function accountNo(serial: Serial, subCode: string, digits: string, openedOn: string): string {
    const k = next.serial[serial]++;
    // Two digits for the branch, two for the sub-branch: 0101 is the first sub-branch of the first city.
    const branch = BRANCH_DIGITS.get(subCode)!;
    switch (serial) {
      case 'DEBIT': return withLuhn(`621788${branch.slice(0, 2)}${scramble(k, 10)}`); // 19 digits
      case 'CREDIT': return withLuhn(`625888${scramble(k, 9)}`); // 16 digits
      case 'CORE': return withLuhn(`${branch}${digits}${scramble(k, 10)}`); // 17 digits
      case 'LOAN': return `${branch}${openedOn.slice(0, 4)}${digits}${scramble(k, 9)}`; // 19 digits
      case 'WEALTH': return `W${branch}${scramble(k, 10)}`;
      case 'CORP': return withLuhn(`${branch}${digits}${pad(Math.floor(k / 1e10), 3)}${scramble(k % 1e10, 10)}`); // 20 digits
    }
  }

  /** Month-end balances, walking back from today's: savings drift, fixed deposits hold, loans were larger. */
  function snapshot(rng: Rng, a: AccountRow, into: BalanceRow[]): void {
    const opened = toDays(a.opened_on);
    const p = a.product_code;
    const kind = p.startsWith('LOAN') || p === 'CORP_WORKING_CAPITAL' ? 'loan' : p === 'CARD_CREDIT' ? 'card' : p.includes('TIME') || p === 'DEP_LARGE_CD' ? 'fixed' : 'flow';
    let b = a.balance_fen;
    for (const { date, days } of snapshotDates) {
      if (days < opened) break;
      into.push({ account_id: a.id, customer_id: a.customer_id, as_of: date, balance_fen: b });
      if (kind === 'flow') b = Math.round(b * Math.exp(0.12 * rng.normal() - 0.005));
      else if (kind === 'loan') b = Math.round(b * 1.008);
      else if (kind === 'card') b = Math.round(b * rng.next() * 1.6);
    }
  }
}

type Serial = 'CORE' | 'DEBIT' | 'CREDIT' | 'LOAN' | 'WEALTH' | 'CORP';
type AssetShare = { row: AccountRow; weight: number };

const SYSTEM_OF: Record<Serial, AccountRow['source_system']> = { CORE: 'CORE', DEBIT: 'CARD', CREDIT: 'CARD', LOAN: 'LOAN', WEALTH: 'WEALTH', CORP: 'CORP' };
const WEALTH_SINCE = toDays('2018-01-01');
const MATURITY_STREAM = 1_000_000;
const SNAPSHOT_STREAM = 2_000_000;
const MMF_SINCE = toDays('2014-01-01');
const ESTABLISHED_FROM = toDays('1985-01-01');
const BRANCH_DIGITS = new Map(
  generateOrgs().filter((o) => o.kind === 'subbranch').map((o) => {
    const city = CITIES.findIndex((c) => c.key === o.code.slice(0, 2)) + 1;
    return [o.code, `${pad(city, 2)}${o.code.slice(2)}`] as const;
  }),
);

/** Splits a total over asset accounts by weight; the parts add up to the total exactly. */
function spread(total: number, shares: AssetShare[]): void {
  const sum = shares.reduce((s, r) => s + r.weight, 0);
  let left = total;
  shares.forEach((r, i) => {
    const part = i === shares.length - 1 ? left : Math.floor((total * r.weight) / sum);
    r.row.balance_fen = part;
    left -= part;
  });
}

function shuffle<T>(rng: Rng, xs: T[]): T[] {
  for (let i = xs.length - 1; i > 0; i--) {
    const j = Math.floor(rng.next() * (i + 1));
    [xs[i], xs[j]] = [xs[j]!, xs[i]!];
  }
  return xs;
}

const withLuhn = (body: string) => body + luhnDigit(body);
const cap = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
const letters = (rng: Rng, n: number) => Array.from({ length: n }, () => String.fromCharCode(65 + rng.int(0, 25))).join('');
const latinKeys = (name: string) => ({ full: name.toLowerCase().replace(/[^a-z]/g, ''), initials: name.toLowerCase().split(/\s+/).map((w) => w[0]).join('') });

/** Six characters of the USCC alphabet for a number below 31⁶. */
function toBase31(x: number): string {
  let s = '';
  for (let i = 0; i < 6; i++) {
    s = USCC_CHARSET[x % 31] + s;
    x = Math.floor(x / 31);
  }
  return s;
}
