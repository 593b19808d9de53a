/** The demo bank against a real PostgreSQL: each load goes into its own fresh database. */
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../../db/database.ts';
import { verifyAudit } from '../../../platform/audit.ts';
import { verifyPassword } from '../../../platform/auth.ts';
import { createTestDatabase, type TestDatabase } from '../../../test/context.ts';
import { validateResidentId, validateUscc } from '../../../../engines/identity/index.ts';
import { DEMO_AS_OF, DEMO_PASSWORD, DEMO_USERS, loadDemoBank } from '../demo.service.ts';

const CUSTOMERS = 2000;
const handles: TestDatabase[] = [];

async function freshDatabase(): Promise<TestDatabase> {
  const h = await createTestDatabase(4);
  handles.push(h);
  return h;
}

describe('loadDemoBank', () => {
  let a: TestDatabase;
  let b: TestDatabase;
  const progress: number[] = [];

  beforeAll(async () => {
    a = await freshDatabase();
    b = await freshDatabase();
    await loadDemoBank(a.db, a.pool, { customers: CUSTOMERS, seed: 7, onProgress: (done) => progress.push(done) });
    await loadDemoBank(b.db, b.pool, { customers: CUSTOMERS, seed: 7 });
  }, 180_000);

  afterAll(async () => {
    for (const h of handles) await h.close();
  });

  const count = async (db: Db, from: string) => Number((await sql<{ n: string }>`SELECT count(*) AS n FROM ${sql.raw(from)}`.execute(db)).rows[0]!.n);

  it('loads the org tree, the demo users and every customer, reporting progress', async () => {
    expect(await count(a.db, 'customer')).toBe(CUSTOMERS);
    expect(await count(a.db, "org_unit WHERE kind = 'subbranch'")).toBe(20);
    expect(await count(a.db, "org_unit WHERE kind = 'branch'")).toBe(5);
    expect(await count(a.db, 'app_user')).toBe(DEMO_USERS.length);
    expect(progress.at(-1)).toBe(CUSTOMERS);
    const accounts = await count(a.db, 'account');
    expect(accounts / CUSTOMERS).toBeGreaterThan(2.5);
    expect(await count(a.db, "customer WHERE party = 'organization'") / CUSTOMERS).toBeCloseTo(0.15, 1);
  });

  it('leaves the loaded tables analyzed and all-visible, so index-only scans read no rows', async () => {
    const r = await sql<{ relname: string; relpages: number; relallvisible: number; analyzed: boolean }>`
      SELECT c.relname, c.relpages, c.relallvisible, s.last_analyze IS NOT NULL AS analyzed
      FROM pg_class c JOIN pg_stat_user_tables s ON s.relid = c.oid WHERE c.relname IN ('customer', 'account', 'customer_contact')`.execute(a.db);
    expect(r.rows).toHaveLength(3);
    for (const t of r.rows) expect(t, t.relname).toMatchObject({ relallvisible: t.relpages, analyzed: true });
    expect(r.rows.every((t) => t.relpages > 0)).toBe(true);
  });

  it('builds materialised paths from the ids', async () => {
    const rows = await a.db.selectFrom('org_unit as o').leftJoin('org_unit as p', 'p.id', 'o.parent_id').select(['o.id', 'o.path', 'p.path as parentPath']).execute();
    for (const r of rows) expect(r.path).toBe(`${r.parentPath ?? '/'}${r.id}/`);
  });

  it('lets every demo user sign in with the demo password, at the documented org and role', async () => {
    const users = await a.db.selectFrom('app_user as u').innerJoin('org_unit as o', 'o.id', 'u.org_id').innerJoin('role as r', 'r.id', 'u.role_id')
      .select(['u.username', 'u.password_hash', 'o.code as org', 'r.code as role']).orderBy('u.id').execute();
    expect(users.map(({ username, role, org }) => ({ username, role, org }))).toEqual(DEMO_USERS);
    expect(new Set(users.map((u) => u.password_hash)).size).toBe(1);
    expect(await verifyPassword(users[0]!.password_hash, DEMO_PASSWORD)).toBe(true);
  });

  it('stores valid ID numbers and credit codes', async () => {
    const ids = await a.db.selectFrom('customer_identity').select(['id_type', 'id_no']).execute();
    expect(ids.length).toBe(CUSTOMERS);
    for (const i of ids) {
      if (i.id_type === 'resident_id') expect(validateResidentId(i.id_no).ok, i.id_no).toBe(true);
      else if (i.id_type === 'uscc') expect(validateUscc(i.id_no).ok, i.id_no).toBe(true);
      else expect(i.id_type).toBe('passport');
    }
  });

  it('sets each customer\'s AUM to the sum of its open asset balances', async () => {
    const r = await sql<{ n: string }>`
      SELECT count(*) AS n FROM customer c
      WHERE c.aum_fen <> coalesce((SELECT sum(a.balance_fen) FROM account a JOIN product p ON p.code = a.product_code
                                   WHERE a.customer_id = c.id AND p.is_asset AND a.status <> 'closed'), 0)`.execute(a.db);
    expect(Number(r.rows[0]!.n)).toBe(0);
    expect(await count(a.db, "customer WHERE aum_fen > 0")).toBeGreaterThan(CUSTOMERS * 0.8);
  });

  it('links families, groups and key persons', async () => {
    for (const type of ['spouse', 'parent', 'group_parent']) expect(await count(a.db, `customer_relation WHERE type_code = '${type}'`), type).toBeGreaterThan(0);
    expect(await count(a.db, "customer_key_person WHERE role = 'legal_rep'")).toBe(await count(a.db, "customer WHERE party = 'organization'"));
    expect(await count(a.db, 'customer_key_person WHERE person_customer_id IS NOT NULL')).toBeGreaterThan(0);
  });

  it('leaves the sequences past the loaded keys', async () => {
    const r = await sql<{ id: string; no: string }>`SELECT nextval('customer_id_seq') AS id, nextval('customer_no_seq') AS no`.execute(a.db);
    expect(Number(r.rows[0]!.id)).toBe(CUSTOMERS + 1);
    expect(Number(r.rows[0]!.no)).toBe(100_000_001 + CUSTOMERS);
    const acc = await sql<{ next: string; max: string }>`SELECT nextval('account_id_seq') AS next, (SELECT max(id) FROM account) AS max`.execute(a.db);
    expect(Number(acc.rows[0]!.next)).toBe(Number(acc.rows[0]!.max) + 1);
  });

  it('dates maturities so managers get reminders in the 30 days after the as-of date and after today', async () => {
    // loadDemoBank's default "today" is the bank's calendar day (UTC+8).
    const today = new Date(Date.now() + 8 * 3_600_000).toISOString().slice(0, 10);
    const dated = await count(a.db, "account WHERE maturity_on IS NOT NULL AND status <> 'closed'");
    expect(dated).toBeGreaterThan(CUSTOMERS * 0.3);
    expect(await count(a.db, "account WHERE maturity_on IS NOT NULL AND product_code IN ('DEP_CURRENT', 'CARD_DEBIT', 'FUND_MMF')")).toBe(0);
    const nearAsOf = await count(a.db, `account WHERE status <> 'closed' AND maturity_on > DATE '${DEMO_AS_OF}' AND maturity_on <= DATE '${DEMO_AS_OF}' + 30`);
    const nearToday = await count(a.db, `account a JOIN customer c ON c.id = a.customer_id WHERE a.status <> 'closed' AND c.manager_id IS NOT NULL
      AND a.maturity_on >= DATE '${today}' AND a.maturity_on < DATE '${today}' + 30`);
    expect(nearAsOf / dated).toBeGreaterThan(0.1);
    expect(nearToday / dated).toBeGreaterThan(0.1);
  });

  // Which holdings a product's minimum binds: time deposits, wealth, funds, insurance and loans; not a current account, whose
  // minimum is only the opening deposit, nor cards.
  const BOUND_BY_MINIMUM = `p.min_amount_fen IS NOT NULL AND (p.category IN ('wealth', 'fund', 'insurance', 'loan') OR (p.category = 'deposit' AND p.term_days IS NOT NULL))`;

  it('holds every product at or above its minimum amount, and its history opens with the account', async () => {
    const below = await sql<{ product_code: string; n: string }>`
      SELECT a.product_code, count(*) AS n FROM account a JOIN product p ON p.code = a.product_code
      WHERE a.status <> 'closed' AND ${sql.raw(BOUND_BY_MINIMUM)} AND a.balance_fen < p.min_amount_fen
      GROUP BY a.product_code ORDER BY a.product_code`.execute(a.db);
    expect(below.rows).toEqual([]);
    // The bank still holds those products: the rule was met, not dodged.
    expect(await count(a.db, "account WHERE product_code = 'DEP_LARGE_CD' AND status <> 'closed'")).toBeGreaterThan(0);
    expect(await count(a.db, "account WHERE product_code = 'CORP_WORKING_CAPITAL' AND status <> 'closed'")).toBeGreaterThan(0);
    // A fixed deposit held its principal every month end; no month end predates the account.
    expect(await count(a.db, `account_balance_daily b JOIN account a ON a.id = b.account_id JOIN product p ON p.code = a.product_code
      WHERE p.category = 'deposit' AND ${BOUND_BY_MINIMUM} AND b.balance_fen < p.min_amount_fen`)).toBe(0);
    expect(await count(a.db, 'account_balance_daily b JOIN account a ON a.id = b.account_id WHERE b.as_of < a.opened_on')).toBe(0);
  });

  it('opens every account after its product launched and its customer was born and came to the bank, and closes it after that', async () => {
    const early = await sql<{ product_code: string; n: string }>`
      SELECT a.product_code, count(*) AS n FROM account a JOIN product p ON p.code = a.product_code
      WHERE a.opened_on < p.launch_on OR a.opened_on > p.retire_on GROUP BY a.product_code ORDER BY a.product_code`.execute(a.db);
    expect(early.rows).toEqual([]);
    expect(await count(a.db, `account a JOIN customer c ON c.id = a.customer_id
      WHERE a.opened_on < c.birth_date OR a.opened_on < (c.created_at AT TIME ZONE 'Asia/Shanghai')::date`)).toBe(0);
    expect(await count(a.db, `account WHERE opened_on > DATE '${DEMO_AS_OF}' OR closed_on > DATE '${DEMO_AS_OF}'`)).toBe(0);
    expect(await count(a.db, "account WHERE (status = 'closed') <> (closed_on IS NOT NULL) OR closed_on <= opened_on")).toBe(0);
    expect(await count(a.db, 'account WHERE maturity_on <= opened_on')).toBe(0);
    // Long-standing customers keep accounts from the products' first years.
    expect(await count(a.db, "account WHERE opened_on < DATE '2016-01-01'")).toBeGreaterThan(0);
  });

  it('writes one audit row for the load, on an intact chain', async () => {
    const rows = await a.db.selectFrom('audit_log').select(['action', 'entity', 'actor_name', 'changes']).execute();
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ action: 'demo_load', entity: 'demo', actor_name: 'system', changes: { customers: CUSTOMERS, seed: 7 } });
    expect((await verifyAudit(a.db)).ok).toBe(true);
  });

  it('gives the same bank for the same seed', async () => {
    const first = (db: Db) => db.selectFrom('customer as c').innerJoin('customer_identity as i', 'i.customer_id', 'c.id')
      .select(['c.customer_no', 'c.name', 'i.id_no', 'c.aum_fen']).orderBy('c.id').limit(100).execute();
    const [x, y] = [await first(a.db), await first(b.db)];
    expect(x).toHaveLength(100);
    expect(x).toEqual(y);
  });

  it('refuses a database that already has customers, and changes nothing', async () => {
    await expect(loadDemoBank(a.db, a.pool, { customers: 10 })).rejects.toMatchObject({ code: 'CONFLICT' });
    expect(await count(a.db, 'customer')).toBe(CUSTOMERS);
  });

  it('refuses a database with users other than admin, and reuses start-up\'s head office', async () => {
    const c = await freshDatabase();
    const headOffice = await c.db.insertInto('org_unit').values({ parent_id: null, code: 'HQ', name: '总行', name_en: 'Head office', kind: 'head', path: '/tmp/' }).returning('id').executeTakeFirstOrThrow();
    await c.db.updateTable('org_unit').set({ path: `/${headOffice.id}/` }).execute();
    const role = await c.db.selectFrom('role').select('id').where('code', '=', 'admin').executeTakeFirstOrThrow();
    await c.db.insertInto('app_user').values({ username: 'admin', display_name: 'admin', password_hash: '-', org_id: headOffice.id, role_id: role.id, manager_level: null, email: null, mobile: null }).execute();
    await loadDemoBank(c.db, c.pool, { customers: 50 });
    expect(await count(c.db, 'org_unit WHERE parent_id IS NULL')).toBe(1);
    expect(await count(c.db, `org_unit WHERE path LIKE '/${headOffice.id}/%'`)).toBe(await count(c.db, 'org_unit'));

    const d = await freshDatabase();
    await d.db.insertInto('org_unit').values({ parent_id: null, code: 'HQ', name: '总行', name_en: 'Head office', kind: 'head', path: '/1/' }).execute();
    const roleD = await d.db.selectFrom('role').select('id').where('code', '=', 'auditor').executeTakeFirstOrThrow();
    await d.db.insertInto('app_user').values({ username: 'someone', display_name: 'x', password_hash: '-', org_id: 1, role_id: roleD.id, manager_level: null, email: null, mobile: null }).execute();
    await expect(loadDemoBank(d.db, d.pool, { customers: 10 })).rejects.toThrow(/someone/);
    expect(await count(d.db, 'org_unit')).toBe(1);
  });
});
