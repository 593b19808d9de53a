import ExcelJS from 'exceljs';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, login, type TestContext } from '../../../test/context.ts';
import { authenticateAs, PASSWORD, seedSmallBank } from '../../../test/fixtures.ts';
import { SYSTEM_ACTOR } from '../../../platform/audit.ts';
import { createOrg, createUser } from '../../admin/admin.service.ts';
import * as customers from '../../customers/customers.service.ts';
import type { CustomerInput } from '../../customers/customers.schemas.ts';
import { managersJobs } from '../managers.jobs.ts';
import { addDays, localDate, monthStart, previousMonthEnds, weekStart } from '../managers.dates.ts';
import { planHandover } from '../managers.service.ts';

let ctx: TestContext;
let bank: Awaited<ReturnType<typeof seedSmallBank>>;
const users: Record<string, number> = {};
const cookies: Record<string, string> = {};
const as = (user: string) => ({ cookie: cookies[user] });
const today = localDate(new Date());

async function make(username: string, input: Partial<CustomerInput> & { name: string }): Promise<string> {
  const u = (await authenticateAs(ctx.db, users[username]))!;
  const c = await customers.create(ctx.db, u, { userId: u.id, username, ip: null }, { typeCode: 'personal_resident', status: 'active', ...input });
  return c.customerNo;
}
const idOf = async (customerNo: string) => (await ctx.db.selectFrom('customer').select('id').where('customer_no', '=', customerNo).executeTakeFirstOrThrow()).id;
const managerOf = async (customerNo: string) => (await ctx.db.selectFrom('customer').select('manager_id').where('customer_no', '=', customerNo).executeTakeFirstOrThrow()).manager_id;

let accountSeq = 0;
async function addAccount(customerNo: string, productCode: string, balanceFen: number, maturityOn: string | null = null) {
  const customerId = await idOf(customerNo);
  const { rows } = await sql<{ id: number }>`
    INSERT INTO account (customer_id, source_system, account_no, org_id, product_code, opened_on, balance_fen, maturity_on)
    SELECT ${customerId}, 'CORE', ${`62220000${String(++accountSeq).padStart(8, '0')}`}, org_id, ${productCode}, '2024-01-01', ${balanceFen}, ${maturityOn}
    FROM customer WHERE id = ${customerId} RETURNING id`.execute(ctx.db);
  return rows[0].id;
}

beforeAll(async () => {
  ctx = await createTestContext();
  bank = await seedSmallBank(ctx.db);
  Object.assign(users, bank.users);
  // A second sub-branch of branch A: inside bm_a's subtree and the same branch as cm_a.
  const subA2 = (await createOrg(ctx.db, SYSTEM_ACTOR, { parentId: bank.orgs.branchA, code: 'BJ02', name: '北京朝阳支行', nameEn: 'BJ02', kind: 'subbranch' })).id;
  users.cm_a3 = (await createUser(ctx.db, SYSTEM_ACTOR, { username: 'cm_a3', displayName: 'cm_a3', password: PASSWORD, orgId: subA2, roleCode: 'customer_manager' })).id;
  // account.maturity_on belongs to the products module (0004); added here when that migration has not landed it yet.
  await sql`ALTER TABLE account ADD COLUMN IF NOT EXISTS maturity_on date`.execute(ctx.db);
  for (const u of ['cm_a', 'cm_a2', 'cm_a3', 'cm_b', 'bm_a', 'hq', 'agent', 'admin']) cookies[u] = await login(ctx.app, u, PASSWORD);
});
afterAll(() => ctx?.close());

describe('GET /api/managers (kept working)', () => {
  it('lists the managers a branch manager may hand customers to', async () => {
    const res = await ctx.app.inject({ url: '/api/managers', headers: as('bm_a') });
    expect(res.statusCode).toBe(200);
    const names = res.json().items.map((m: { username: string }) => m.username);
    expect(names).toEqual(expect.arrayContaining(['cm_a', 'cm_a2', 'cm_a3']));
    expect(names).not.toContain('cm_b');
  });
});

describe('manager profiles (S2.5)', () => {
  it('a branch manager lists the managers of the subtree with their books', async () => {
    const res = await ctx.app.inject({ url: '/api/managers/profiles', headers: as('bm_a') });
    expect(res.statusCode).toBe(200);
    const items = res.json().items as { username: string; customerCount: number }[];
    expect(items.map((i) => i.username).sort()).toEqual(['cm_a', 'cm_a2', 'cm_a3']);
    expect(items.find((i) => i.username === 'cm_a')!.customerCount).toBe(2);
  });

  it('sets level, recognition date and specialities, audited, mirrored on app_user', async () => {
    const res = await ctx.app.inject({
      method: 'PUT', url: `/api/managers/profiles/${users.cm_a}`, headers: as('bm_a'),
      payload: { level: 'senior', recognizedOn: '2024-03-01', specialities: ['财富管理', '小微企业'] },
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ level: 'senior', recognizedOn: '2024-03-01', specialities: ['财富管理', '小微企业'] });
    const u = await ctx.db.selectFrom('app_user').select('manager_level').where('id', '=', users.cm_a).executeTakeFirstOrThrow();
    expect(u.manager_level).toBe('senior');
    const a = await ctx.db.selectFrom('audit_log').select(['fields']).where('entity', '=', 'manager_profile').where('entity_id', '=', String(users.cm_a)).execute();
    expect(a).toHaveLength(1);
    expect(a[0].fields).toEqual(expect.arrayContaining(['level', 'recognized_on', 'specialities']));
    const own = await ctx.app.inject({ url: `/api/managers/profiles/${users.cm_a}`, headers: as('cm_a') });
    expect(own.json().level).toBe('senior');
  });

  it('rejects bad input naming the field, and managers outside the subtree are absent', async () => {
    const bad = await ctx.app.inject({ method: 'PUT', url: `/api/managers/profiles/${users.cm_a}`, headers: as('bm_a'), payload: { level: 'expert' } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.fields[0]).toMatchObject({ field: 'level', rule: 'enum' });
    const future = await ctx.app.inject({ method: 'PUT', url: `/api/managers/profiles/${users.cm_a}`, headers: as('bm_a'), payload: { level: 'junior', recognizedOn: addDays(today, 30) } });
    expect(future.statusCode).toBe(400);
    expect(future.json().error.fields[0]).toMatchObject({ field: 'recognizedOn', rule: 'future' });
    const other = await ctx.app.inject({ method: 'PUT', url: `/api/managers/profiles/${users.cm_b}`, headers: as('bm_a'), payload: { level: 'senior' } });
    expect(other.statusCode).toBe(404);
    const self = await ctx.app.inject({ method: 'PUT', url: `/api/managers/profiles/${users.cm_a}`, headers: as('cm_a'), payload: { level: 'senior' } });
    expect(self.statusCode).toBe(403);
    const peek = await ctx.app.inject({ url: `/api/managers/profiles/${users.cm_a2}`, headers: as('cm_a') });
    expect(peek.statusCode).toBe(404);
  });

  it('searches by name literally: % and _ are not wildcards', async () => {
    const q = async (text: string) => (await ctx.app.inject({ url: `/api/managers/profiles?q=${encodeURIComponent(text)}`, headers: as('bm_a') })).json().items.map((i: { username: string }) => i.username);
    expect(await q('cm_a')).toEqual(expect.arrayContaining(['cm_a', 'cm_a2', 'cm_a3']));
    expect(await q('%')).toEqual([]);
    expect(await q('cm_a_')).toEqual([]);
    expect(await q('\\')).toEqual([]);
  });

  it('exports the list to Excel', async () => {
    const res = await ctx.app.inject({ url: '/api/managers/profiles/export', headers: as('bm_a') });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('spreadsheetml');
  });
});

describe('performance', () => {
  it('adds up balances by category, sales against targets and the month-end trend', async () => {
    const p = await make('cm_a3', { name: '业绩客户' });
    await addAccount(p, 'DEP_TIME_1Y', 10_000_00);
    await addAccount(p, 'LOAN_CONSUMER', 3_000_00);
    const wm = await addAccount(p, 'WM_STABLE', 5_000_00);
    const lastMonthEnd = previousMonthEnds(today, 1)[0];
    await sql`INSERT INTO account_balance_daily (account_id, customer_id, as_of, balance_fen) VALUES (${wm}, ${await idOf(p)}, ${lastMonthEnd}, 400000)`.execute(ctx.db);
    await sql`INSERT INTO sale (customer_id, owner_id, product_code, amount_fen, sold_on) VALUES (${await idOf(p)}, ${users.cm_a3}, 'WM_STABLE', 500000, ${today})`.execute(ctx.db);
    await sql`INSERT INTO sales_target (user_id, period, period_start, metric, target) VALUES
      (${users.cm_a3}, 'month', ${monthStart(today)}, 'sales_amount', 1000000), (${users.cm_a3}, 'month', ${monthStart(today)}, 'new_customers', 4)`.execute(ctx.db);
    const live = (await ctx.app.inject({ url: `/api/managers/${users.cm_a3}/performance`, headers: as('bm_a') })).json();
    // The daily job snapshots every book (today and missing month ends); a second run changes nothing.
    const job = managersJobs.find((j) => j.name === 'managers.performance')!;
    const first = (await job.run(ctx.db, new Date())) as { monthEnds: number };
    expect(first.monthEnds).toBe(1);
    const rows = async () => (await ctx.db.selectFrom('manager_balance_snapshot').select(['manager_id', 'as_of', 'category', 'balance_fen']).orderBy('as_of').orderBy('manager_id').orderBy('category').execute());
    const snap = await rows();
    expect((await job.run(ctx.db, new Date())) as { monthEnds: number }).toMatchObject({ monthEnds: 0 });
    expect(await rows()).toEqual(snap);
    const res = await ctx.app.inject({ url: `/api/managers/${users.cm_a3}/performance`, headers: as('bm_a') });
    expect(res.statusCode).toBe(200);
    const perf = res.json();
    expect(perf.balancesAsOf).toBe(today);
    expect(perf.byCategory).toEqual(live.byCategory);
    expect(perf).toMatchObject({ customers: 1, depositsFen: 10_000_00, loansFen: 3_000_00, newCustomers: { month: 1 } });
    expect(perf.byCategory.wealth).toBe(5_000_00);
    expect(perf.sales.month).toEqual({ amountFen: 5_000_00, count: 1 });
    const sales = perf.targets.find((t: { metric: string }) => t.metric === 'sales_amount');
    expect(sales).toMatchObject({ period: 'month', actual: 5_000_00, ratio: 0.5 });
    expect(perf.targets.find((t: { metric: string }) => t.metric === 'new_customers')).toMatchObject({ actual: 1, ratio: 0.25 });
    expect(perf.trend).toHaveLength(13);
    expect(perf.trend.at(-2)).toMatchObject({ asOf: lastMonthEnd, aumFen: 4_000_00 });
    // Month ends without loaded balances are unknown, not zero.
    expect(perf.trend[0]).toMatchObject({ aumFen: null, depositsFen: null });
    expect(perf.trend.at(-1)).toMatchObject({ asOf: today, depositsFen: 10_000_00, loansFen: 3_000_00 });
    // A manager sees only their own figures.
    expect((await ctx.app.inject({ url: `/api/managers/${users.cm_a3}/performance`, headers: as('cm_a') })).statusCode).toBe(404);
    expect((await ctx.app.inject({ url: `/api/managers/${users.cm_a3}/performance`, headers: as('cm_a3') })).statusCode).toBe(200);
  });
});

describe('assignment (C12)', () => {
  let rich: string;
  let poor: string;
  let corp: string;
  beforeAll(async () => {
    rich = await make('bm_a', { name: '未分配甲' });
    poor = await make('bm_a', { name: '未分配乙' });
    corp = await make('bm_a', { name: '未分配公司', typeCode: 'corporate_sme', attributes: { sme_size: 'small' } });
    await sql`UPDATE customer SET aum_fen = 80000000 WHERE customer_no = ${rich}`.execute(ctx.db);
    await sql`UPDATE customer SET aum_fen = 500000 WHERE customer_no = ${poor}`.execute(ctx.db);
  });

  it('previews how many customers a rule takes, then applies it with history and audit', async () => {
    const rule = { unassignedOnly: true, party: 'person', aumMinFen: 500_000_00 };
    const pre = await ctx.app.inject({ method: 'POST', url: '/api/managers/assignments/preview', headers: as('bm_a'), payload: { rule, managerId: users.cm_a2 } });
    expect(pre.statusCode).toBe(200);
    expect(pre.json()).toMatchObject({ count: 1, aumFen: 800_000_00, sample: [{ customerNo: rich }] });
    const stale = await ctx.app.inject({ method: 'POST', url: '/api/managers/assignments', headers: as('bm_a'), payload: { rule, managerId: users.cm_a2, reason: '高净值客户分配', expectedCount: 2 } });
    expect(stale.statusCode).toBe(409);
    expect(await managerOf(rich)).toBeNull();
    const res = await ctx.app.inject({ method: 'POST', url: '/api/managers/assignments', headers: as('bm_a'), payload: { rule, managerId: users.cm_a2, reason: '高净值客户分配', expectedCount: 1 } });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ moved: 1, customerNos: [rich] });
    expect(await managerOf(rich)).toBe(users.cm_a2);
    expect(await managerOf(poor)).toBeNull();
    const hist = await ctx.db.selectFrom('customer_manager_history').selectAll().where('customer_id', '=', await idOf(rich)).execute();
    expect(hist).toMatchObject([{ from_manager_id: null, to_manager_id: users.cm_a2, reason: '高净值客户分配', by_user_id: users.bm_a }]);
    const a = await ctx.db.selectFrom('audit_log').select(['action', 'changes']).where('customer_id', '=', await idOf(rich)).where('action', '=', 'assign').execute();
    expect(a).toHaveLength(1);
  });

  it('assigns one by one by customer number', async () => {
    const res = await ctx.app.inject({ method: 'POST', url: '/api/managers/assignments', headers: as('bm_a'), payload: { rule: { customerNos: [corp] }, managerId: users.cm_a3, reason: '对公客户' } });
    expect(res.statusCode).toBe(200);
    expect(res.json().moved).toBe(1);
    expect(await managerOf(corp)).toBe(users.cm_a3);
  });

  it('refuses an empty rule, a manager outside the subtree, and users without customer:assign', async () => {
    const empty = await ctx.app.inject({ method: 'POST', url: '/api/managers/assignments/preview', headers: as('bm_a'), payload: { rule: {}, managerId: users.cm_a2 } });
    expect(empty.statusCode).toBe(400);
    expect(empty.json().error.fields[0]).toMatchObject({ field: 'rule', rule: 'empty' });
    const outside = await ctx.app.inject({ method: 'POST', url: '/api/managers/assignments', headers: as('bm_a'), payload: { rule: { customerNos: [poor] }, managerId: users.cm_b, reason: 'x' } });
    expect(outside.statusCode).toBe(400);
    expect(outside.json().error.fields[0]).toMatchObject({ field: 'managerId', rule: 'scope' });
    const unknownField = await ctx.app.inject({ method: 'POST', url: '/api/managers/assignments', headers: as('bm_a'), payload: { rule: { region: 'x' }, managerId: users.cm_a2, reason: 'x' } });
    expect(unknownField.statusCode).toBe(400);
    expect(unknownField.json().error.fields[0]).toMatchObject({ field: 'rule.region', rule: 'unknown' });
    for (const [key, value] of [['levelCode', 'nope'], ['typeCode', 'nope'], ['orgId', 999999]] as const) {
      const unknownCode = await ctx.app.inject({ method: 'POST', url: '/api/managers/assignments', headers: as('bm_a'), payload: { rule: { [key]: value }, managerId: users.cm_a2, reason: 'x' } });
      expect(unknownCode.statusCode, key).toBe(400);
      expect(unknownCode.json().error.fields[0]).toMatchObject({ field: `rule.${key}`, rule: 'exists' });
    }
    const cm = await ctx.app.inject({ method: 'POST', url: '/api/managers/assignments', headers: as('cm_a'), payload: { rule: { customerNos: [poor] }, managerId: users.cm_a, reason: 'x' } });
    expect(cm.statusCode).toBe(403);
    expect(await managerOf(poor)).toBeNull();
  });
});

describe('transfer requests (移交)', () => {
  let c1: string;
  let c2: string;
  beforeAll(async () => {
    c1 = await make('cm_a', { name: '移交客户一' });
    c2 = await make('cm_a', { name: '移交客户二' });
  });

  it('a manager asks, a non-supervisor cannot approve, the branch manager approves: the customer moves with history', async () => {
    const req = await ctx.app.inject({ method: 'POST', url: '/api/managers/transfer-requests', headers: as('cm_a'), payload: { customerNo: c1, toManagerId: users.cm_a3, reason: '客户搬到朝阳区' } });
    expect(req.statusCode).toBe(201);
    const r = req.json();
    expect(r).toMatchObject({ status: 'pending', fromManagerId: users.cm_a, toManagerId: users.cm_a3, customerNo: c1 });
    const again = await ctx.app.inject({ method: 'POST', url: '/api/managers/transfer-requests', headers: as('cm_a'), payload: { customerNo: c1, toManagerId: users.cm_a2, reason: '再次' } });
    expect(again.statusCode).toBe(409);

    const byManager = await ctx.app.inject({ method: 'POST', url: `/api/managers/transfer-requests/${r.id}/approve`, headers: as('cm_a3'), payload: {} });
    expect(byManager.statusCode).toBe(403);
    const inbox = await ctx.app.inject({ url: '/api/managers/transfer-requests?status=pending', headers: as('bm_a') });
    expect(inbox.json().items.map((i: { id: number }) => i.id)).toContain(r.id);
    const notMine = await ctx.app.inject({ url: '/api/managers/transfer-requests?status=pending', headers: as('cm_b') });
    expect(notMine.json().items).toEqual([]);

    const ok = await ctx.app.inject({ method: 'POST', url: `/api/managers/transfer-requests/${r.id}/approve`, headers: as('bm_a'), payload: { note: '同意' } });
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toMatchObject({ status: 'approved', decidedBy: users.bm_a, decisionNote: '同意' });
    expect(await managerOf(c1)).toBe(users.cm_a3);
    const hist = await ctx.db.selectFrom('customer_manager_history').selectAll().where('customer_id', '=', await idOf(c1)).orderBy('id').execute();
    expect(hist.at(-1)).toMatchObject({ from_manager_id: users.cm_a, to_manager_id: users.cm_a3, by_user_id: users.bm_a, reason: `移交申请 #${r.id}: 客户搬到朝阳区` });
    const actions = (await ctx.db.selectFrom('audit_log').select('action').where('customer_id', '=', await idOf(c1)).execute()).map((a) => a.action);
    expect(actions).toEqual(expect.arrayContaining(['create', 'transfer', 'approve']));
    const twice = await ctx.app.inject({ method: 'POST', url: `/api/managers/transfer-requests/${r.id}/approve`, headers: as('bm_a'), payload: {} });
    expect(twice.statusCode).toBe(409);
  });

  it('offers the colleagues of the same branch as transfer targets', async () => {
    const res = await ctx.app.inject({ url: `/api/managers/transfer-targets?customerNo=${c2}`, headers: as('cm_a') });
    expect(res.statusCode).toBe(200);
    expect(res.json().items.map((m: { username: string }) => m.username).sort()).toEqual(['cm_a2', 'cm_a3']);
    expect((await ctx.app.inject({ url: `/api/managers/transfer-targets?customerNo=${c2}`, headers: as('cm_b') })).statusCode).toBe(404);
  });

  it('a transfer to a manager outside the branch is a 400 naming toManagerId', async () => {
    const res = await ctx.app.inject({ method: 'POST', url: '/api/managers/transfer-requests', headers: as('cm_a'), payload: { customerNo: c2, toManagerId: users.cm_b, reason: '跨分行' } });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.fields[0]).toMatchObject({ field: 'toManagerId', rule: 'branch' });
    expect(await ctx.db.selectFrom('customer_transfer_request').select('id').where('customer_id', '=', await idOf(c2)).execute()).toEqual([]);
  });

  it('rejection needs a note; the customer stays; someone else\'s customer is absent', async () => {
    const req = (await ctx.app.inject({ method: 'POST', url: '/api/managers/transfer-requests', headers: as('cm_a'), payload: { customerNo: c2, toManagerId: users.cm_a2, reason: '工作量调整' } })).json();
    const noNote = await ctx.app.inject({ method: 'POST', url: `/api/managers/transfer-requests/${req.id}/reject`, headers: as('bm_a'), payload: {} });
    expect(noNote.statusCode).toBe(400);
    expect(noNote.json().error.fields[0]).toMatchObject({ field: 'note', rule: 'required' });
    const res = await ctx.app.inject({ method: 'POST', url: `/api/managers/transfer-requests/${req.id}/reject`, headers: as('bm_a'), payload: { note: '客户关系稳定，暂不移交' } });
    expect(res.statusCode).toBe(200);
    expect(res.json().status).toBe('rejected');
    expect(await managerOf(c2)).toBe(users.cm_a);
    const foreign = await ctx.app.inject({ method: 'POST', url: '/api/managers/transfer-requests', headers: as('cm_b'), payload: { customerNo: c2, toManagerId: users.cm_b, reason: 'x' } });
    expect(foreign.statusCode).toBe(404);
  });
});

describe('transfer requests and the data scope after a merge', () => {
  const merge = (survivorNo: string, mergedNo: string) =>
    ctx.app.inject({ method: 'POST', url: '/api/integration/merges', headers: as('hq'), payload: { survivorNo, mergedNo, reason: '同一人', overrideConflict: true } });
  const ask = (customerNo: string) =>
    ctx.app.inject({ method: 'POST', url: '/api/managers/transfer-requests', headers: as('cm_b'), payload: { customerNo, toManagerId: users.cm_b2, reason: '调整' } });
  beforeAll(async () => {
    users.cm_b2 = (await createUser(ctx.db, SYSTEM_ACTOR, { username: 'cm_b2', displayName: 'cm_b2', password: PASSWORD, orgId: bank.orgs.subB, roleCode: 'customer_manager' })).id;
    cookies.cm_b2 = await login(ctx.app, 'cm_b2', PASSWORD);
  });

  it('a request whose customer was merged into another branch\'s customer is out of the requester\'s scope: 404, not listed, not exported', async () => {
    const x = await make('cm_b', { name: '沪客户合并甲' });
    const y = await make('cm_a', { name: '京客户存续甲' });
    const req = await ask(x);
    expect(req.statusCode).toBe(201);
    const { id } = req.json();
    expect((await ctx.app.inject({ url: `/api/managers/transfer-requests/${id}`, headers: as('cm_b') })).statusCode).toBe(200);
    expect((await merge(y, x)).statusCode).toBe(201);

    expect((await ctx.app.inject({ url: `/api/customers/${y}`, headers: as('cm_b') })).statusCode).toBe(404);
    const one = await ctx.app.inject({ url: `/api/managers/transfer-requests/${id}`, headers: as('cm_b') });
    expect(one.statusCode).toBe(404);
    expect(one.body).not.toContain(y);
    const list = await ctx.app.inject({ url: '/api/managers/transfer-requests', headers: as('cm_b') });
    expect(list.json().items.map((i: { id: number }) => i.id)).not.toContain(id);
    const mine = await ctx.app.inject({ url: '/api/managers/transfer-requests?mine=true', headers: as('cm_b2') });
    expect(mine.json().items.map((i: { id: number }) => i.id)).not.toContain(id);
    const file = await ctx.app.inject({ url: '/api/managers/transfer-requests/export', headers: as('cm_b') });
    expect(file.statusCode).toBe(200);
    const book = new ExcelJS.Workbook();
    await book.xlsx.load(file.rawPayload as unknown as ArrayBuffer);
    const cells: string[] = [];
    book.worksheets[0]!.eachRow((row) => row.eachCell((cell) => { cells.push(String(cell.value)); }));
    expect(cells).not.toContain(y);
    expect(cells.join(' ')).not.toContain('京客户存续甲');
    // Head office (scope: all) still sees it, on the survivor.
    expect((await ctx.app.inject({ url: `/api/managers/transfer-requests/${id}`, headers: as('hq') })).json()).toMatchObject({ customerNo: y, status: 'pending' });

    // Deciding it: the customer it was filed for is gone, so it is cancelled with a note and the decision is a 409 saying so.
    const approve = await ctx.app.inject({ method: 'POST', url: `/api/managers/transfer-requests/${id}/approve`, headers: as('hq'), payload: {} });
    expect(approve.statusCode).toBe(409);
    expect(approve.json().error.message).toMatch(/合并|merged/);
    const after = (await ctx.app.inject({ url: `/api/managers/transfer-requests/${id}`, headers: as('hq') })).json();
    expect(after).toMatchObject({ status: 'cancelled', decidedBy: users.hq });
    expect(after.decisionNote).toMatch(/客户经理已变更|合并/);
    expect(await managerOf(y)).toBe(users.cm_a);
    const a = await ctx.db.selectFrom('audit_log').select('action').where('entity', '=', 'customer_transfer_request').where('entity_id', '=', String(id)).orderBy('at').orderBy('id').execute();
    expect(a.map((r) => r.action)).toEqual(['create', 'cancel']);
  });

  it('a pending request of a merged customer does not stay pending: the job cancels it with a note', async () => {
    const x = await make('cm_b', { name: '沪客户合并乙' });
    const y = await make('cm_a', { name: '京客户存续乙' });
    const { id } = (await ask(x)).json();
    expect((await merge(y, x)).statusCode).toBe(201);
    const job = managersJobs.find((j) => j.name === 'managers.stale-transfers')!;
    expect(await job.run(ctx.db, new Date())).toMatchObject({ cancelled: 1 });
    const r = await ctx.db.selectFrom('customer_transfer_request').select(['status', 'decision_note']).where('id', '=', id).executeTakeFirstOrThrow();
    expect(r.status).toBe('cancelled');
    expect(r.decision_note).toContain('Cancelled');
    expect(await job.run(ctx.db, new Date())).toMatchObject({ cancelled: 0 });
  });
});

describe('handover of a leaving manager', () => {
  it('plans a balanced spread, biggest customers first', () => {
    const plan = planHandover([{ id: 1, aum: 9 }, { id: 2, aum: 5 }, { id: 3, aum: 4 }, { id: 4, aum: 0 }], [7, 8]);
    expect(plan.get(7)).toEqual([1, 4]);
    expect(plan.get(8)).toEqual([2, 3]);
  });

  it('hands over every customer in one audited action, spread across several managers', async () => {
    const leaving = (await createUser(ctx.db, SYSTEM_ACTOR, { username: 'cm_leaving', displayName: 'cm_leaving', password: PASSWORD, orgId: bank.orgs.subA, roleCode: 'customer_manager' })).id;
    users.cm_leaving = leaving;
    cookies.cm_leaving = await login(ctx.app, 'cm_leaving', PASSWORD);
    const book: string[] = [];
    for (const [i, aum] of [900, 500, 400, 100].entries()) {
      const no = await make('cm_leaving', { name: `交接客户${i}` });
      await sql`UPDATE customer SET aum_fen = ${aum * 100} WHERE customer_no = ${no}`.execute(ctx.db);
      book.push(no);
    }
    const pending = (await ctx.app.inject({ method: 'POST', url: '/api/managers/transfer-requests', headers: as('cm_leaving'), payload: { customerNo: book[3], toManagerId: users.cm_a, reason: '交接前' } })).json();
    const self = await ctx.app.inject({ method: 'POST', url: `/api/managers/${leaving}/handover`, headers: as('bm_a'), payload: { toManagerIds: [leaving], reason: '离职' } });
    expect(self.statusCode).toBe(400);
    expect(self.json().error.fields[0]).toMatchObject({ field: 'toManagerIds.0', rule: 'self' });

    const res = await ctx.app.inject({ method: 'POST', url: `/api/managers/${leaving}/handover`, headers: as('bm_a'), payload: { toManagerIds: [users.cm_a2, users.cm_a3], reason: '离职' } });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.moved).toBe(4);
    expect(body.cancelledRequests).toBe(1);
    expect(body.distribution.map((d: { count: number }) => d.count)).toEqual([2, 2]);
    const left = await ctx.db.selectFrom('customer').select('id').where('manager_id', '=', leaving).execute();
    expect(left).toEqual([]);
    expect(await managerOf(book[0])).toBe(users.cm_a2);
    expect(await managerOf(book[1])).toBe(users.cm_a3);
    const req = await ctx.db.selectFrom('customer_transfer_request').select('status').where('id', '=', pending.id).executeTakeFirstOrThrow();
    expect(req.status).toBe('cancelled');
    const summary = await ctx.db.selectFrom('audit_log').select('changes').where('entity', '=', 'manager').where('action', '=', 'handover').execute();
    expect(summary).toHaveLength(1);
    expect(await ctx.db.selectFrom('audit_log').select('id').where('entity', '=', 'customer').where('action', '=', 'handover').execute()).toHaveLength(4);
    const hist = await ctx.db.selectFrom('customer_manager_history').select('to_manager_id').where('from_manager_id', '=', leaving).execute();
    expect(hist).toHaveLength(4);
    // cm_b is outside bm_a's reach, as a leaver and as a receiver.
    expect((await ctx.app.inject({ method: 'POST', url: `/api/managers/${users.cm_b}/handover`, headers: as('bm_a'), payload: { toManagerIds: [users.cm_a], reason: 'x' } })).statusCode).toBe(404);
    expect((await ctx.app.inject({ method: 'POST', url: `/api/managers/${users.cm_a2}/handover`, headers: as('bm_a'), payload: { toManagerIds: [users.cm_b], reason: 'x' } })).statusCode).toBe(400);
  });
});

describe('reminders job', () => {
  const job = managersJobs.find((j) => j.name === 'managers.reminders')!;
  let activityId: number;

  it('generates maturities, birthdays, follow-ups, service deadlines and dormancy, once', async () => {
    const zw = await idOf(bank.customers.zhangWei);
    await addAccount(bank.customers.zhangWei, 'DEP_TIME_1Y', 200_000_00, addDays(today, 3));
    await addAccount(bank.customers.zhangWei, 'WM_GROWTH', 50_000_00, addDays(today, 40));
    await sql`UPDATE customer SET birth_date = ${`1980-${addDays(today, 2).slice(5)}`} WHERE id = ${zw}`.execute(ctx.db);
    const r = await sql<{ id: number }>`INSERT INTO engagement_activity (customer_id, owner_id, type, status, starts_at, ends_at, description)
      VALUES (${zw}, ${users.cm_a}, 'call', 'planned', now() - interval '1 minute', now() + interval '1 day', '回访张伟定期到期安排') RETURNING id`.execute(ctx.db);
    activityId = r.rows[0].id;
    await sql`INSERT INTO service_request (req_no, customer_id, kind, priority, channel, status, assignee_id, org_id, subject, response_due_at, due_at, created_by)
      VALUES ('SR-T-1', ${zw}, 'complaint', 'normal', 'phone', 'open', ${users.cm_a}, ${bank.orgs.subA}, '网银转账失败', now(), now() + interval '2 days', ${users.agent})`.execute(ctx.db);
    const company = await idOf(bank.customers.company);
    await sql`UPDATE customer SET created_at = now() - interval '400 days' WHERE id = ${company}`.execute(ctx.db);

    const first = (await job.run(ctx.db, new Date())) as Record<string, number>;
    expect(first.maturity).toBe(1);
    expect(first.birthday).toBeGreaterThanOrEqual(1);
    expect(first.followUp).toBe(1);
    expect(first.serviceDue).toBe(1);
    expect(first.dormant).toBeGreaterThanOrEqual(1);
    const count = async () => Number((await sql<{ n: string }>`SELECT count(*) AS n FROM reminder`.execute(ctx.db)).rows[0].n);
    const before = await count();
    const second = (await job.run(ctx.db, new Date())) as Record<string, number>;
    expect(Object.values(second).every((n) => n === 0)).toBe(true);
    expect(await count()).toBe(before);
    const runs = await ctx.db.selectFrom('audit_log').select('changes').where('entity', '=', 'reminder').where('action', '=', 'generate').execute();
    expect(runs).toHaveLength(1);

    const list = await ctx.app.inject({ url: '/api/workbench/reminders', headers: as('cm_a') });
    const items = list.json().items as { kind: string; customerName: string; dueOn: string; detail: { productCode?: string } }[];
    expect(items.find((i) => i.kind === 'maturity')).toMatchObject({ customerName: '张伟', dueOn: addDays(today, 3), detail: { productCode: 'DEP_TIME_1Y' } });
    expect(items.map((i) => i.kind)).toEqual(expect.arrayContaining(['maturity', 'birthday', 'follow_up', 'service_due', 'dormant']));
    // Maturities beyond N days (the parameter, 7) are not yet reminded.
    expect(items.filter((i) => i.kind === 'maturity')).toHaveLength(1);
    const other = await ctx.app.inject({ url: '/api/workbench/reminders', headers: as('cm_b') });
    expect(other.json().items.some((i: { customerName: string }) => i.customerName === '张伟')).toBe(false);
  });

  it('a reminder can be marked done or dismissed by its owner only', async () => {
    const items = (await ctx.app.inject({ url: '/api/workbench/reminders?kind=birthday', headers: as('cm_a') })).json().items as { id: number }[];
    const id = items[0].id;
    expect((await ctx.app.inject({ method: 'POST', url: `/api/workbench/reminders/${id}/state`, headers: as('cm_b'), payload: { state: 'done' } })).statusCode).toBe(404);
    const res = await ctx.app.inject({ method: 'POST', url: `/api/workbench/reminders/${id}/state`, headers: as('cm_a'), payload: { state: 'dismissed' } });
    expect(res.statusCode).toBe(200);
    const open = (await ctx.app.inject({ url: '/api/workbench/reminders?kind=birthday', headers: as('cm_a') })).json().items as { id: number }[];
    expect(open.map((i) => i.id)).not.toContain(id);
    // Running the job again does not bring a dismissed reminder back.
    await job.run(ctx.db, new Date());
    const still = (await ctx.app.inject({ url: '/api/workbench/reminders?kind=birthday', headers: as('cm_a') })).json().items as { id: number }[];
    expect(still.map((i) => i.id)).not.toContain(id);
    const bad = await ctx.app.inject({ method: 'POST', url: `/api/workbench/reminders/${id}/state`, headers: as('cm_a'), payload: { state: 'gone' } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.fields[0]).toMatchObject({ field: 'state', rule: 'enum' });
  });

  it('custom reminders are the user\'s own, for customers in scope', async () => {
    const ok = await ctx.app.inject({ method: 'POST', url: '/api/workbench/reminders', headers: as('cm_a'), payload: { title: '准备理财沙龙邀请', dueOn: addDays(today, 1), customerNo: bank.customers.zhangWei } });
    expect(ok.statusCode).toBe(201);
    const foreign = await ctx.app.inject({ method: 'POST', url: '/api/workbench/reminders', headers: as('cm_a'), payload: { title: 'x', dueOn: today, customerNo: bank.customers.wangFang } });
    expect(foreign.statusCode).toBe(400);
    expect(foreign.json().error.fields[0]).toMatchObject({ field: 'customerNo', rule: 'exists' });
  });

  it('exposes the activity id the follow-up came from', async () => {
    const items = (await ctx.app.inject({ url: '/api/workbench/reminders?kind=follow_up', headers: as('cm_a') })).json().items as { detail: { activityId: number } }[];
    expect(items[0].detail.activityId).toBe(activityId);
  });
});

describe('workbench', () => {
  beforeAll(async () => {
    const zw = await idOf(bank.customers.zhangWei);
    await sql`INSERT INTO engagement_contact (customer_id, owner_id, channel, started_at, summary) VALUES (${zw}, ${users.cm_a}, 'phone', now() - interval '1 minute', '电话沟通定期续存')`.execute(ctx.db);
    const stage = await sql<{ id: number; pipeline_id: number }>`SELECT s.id, s.pipeline_id FROM pipeline_stage s JOIN pipeline p ON p.id = s.pipeline_id WHERE p.code = 'retail' AND s.code = 'proposal'`.execute(ctx.db);
    await sql`INSERT INTO opportunity (opp_no, customer_id, owner_id, pipeline_id, stage_id, probability, expected_value_fen, starts_on, summary)
      VALUES ('OPP-T-1', ${zw}, ${users.cm_a}, ${stage.rows[0].pipeline_id}, ${stage.rows[0].id}, 70, 10000000, ${today}, '大额存单')`.execute(ctx.db);
  });

  it('returns every widget of the manager in one payload, only their own', async () => {
    const res = await ctx.app.inject({ url: '/api/workbench', headers: as('cm_a') });
    expect(res.statusCode).toBe(200);
    const w = res.json();
    expect(w.user.id).toBe(users.cm_a);
    expect(w.customers.items.map((c: { name: string }) => c.name)).toContain('张伟');
    expect(w.customers.items.map((c: { name: string }) => c.name)).not.toContain('王芳');
    expect(w.tasks.items[0]).toMatchObject({ description: '回访张伟定期到期安排', customerName: '张伟' });
    expect(w.reminders.items.find((r: { kind: string }) => r.kind === 'maturity')).toMatchObject({ customerName: '张伟' });
    expect(w.performance).toMatchObject({ managerId: users.cm_a, depositsFen: 200_000_00 });
    expect(w.performance.trend).toHaveLength(13);
    expect(w.pipeline).toEqual([expect.objectContaining({ stageCode: 'proposal', count: 1, valueFen: 100_000_00, weightedFen: 70_000_00 })]);
    expect(w.worklog[0]).toMatchObject({ summary: '电话沟通定期续存', customerName: '张伟' });
    expect(w.approvalsPending).toBeNull();
    expect(w.analysis.byStatus.active).toBe(w.customers.total);
    expect(w.analysis.byLevel.reduce((n: number, l: { count: number }) => n + l.count, 0)).toBe(w.customers.total);

    const b = (await ctx.app.inject({ url: '/api/workbench', headers: as('cm_b') })).json();
    expect(b.customers.items.map((c: { name: string }) => c.name)).toEqual(['王芳']);
    expect(b.tasks.items).toEqual([]);
    expect(b.worklog).toEqual([]);
    expect(b.pipeline).toEqual([]);
  });

  it('a birth date shown in clear writes an audit read row (list, workbench, export); a birthday reminder carries the month-day only', async () => {
    const zw = await idOf(bank.customers.zhangWei);
    const birth = (await ctx.db.selectFrom('customer').select('birth_date').where('id', '=', zw).executeTakeFirstOrThrow()).birth_date as unknown as string;
    expect(birth).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    const reads = async (via: string) => (await ctx.db.selectFrom('audit_log').select(['fields', 'changes', 'actor_id']).where('action', '=', 'read').where('customer_id', '=', zw).execute())
      .filter((a) => (a.changes as { via?: string } | null)?.via === via && a.fields.includes('birth_date') && a.actor_id === users.cm_a).length;

    const was = { list: await reads('workbench.customers'), workbench: await reads('workbench'), file: await reads('workbench.export') };
    const list = await ctx.app.inject({ url: '/api/workbench/customers?party=person', headers: as('cm_a') });
    expect(list.json().items.find((c: { name: string }) => c.name === '张伟').birthDate).toBe(birth);
    expect(await reads('workbench.customers')).toBe(was.list + 1);
    const w = (await ctx.app.inject({ url: '/api/workbench', headers: as('cm_a') })).json();
    expect(w.customers.items.find((c: { name: string }) => c.name === '张伟').birthDate).toBe(birth);
    expect(await reads('workbench')).toBe(was.workbench + 1);
    expect((await ctx.app.inject({ url: '/api/workbench/customers/export?party=person', headers: as('cm_a') })).statusCode).toBe(200);
    await expect.poll(() => reads('workbench.export')).toBe(was.file + 1);

    // Reminders: the day is what the reminder is for; the year of birth is not sent, nor kept in rows made before.
    await ctx.db.insertInto('reminder').values({ user_id: users.cm_a, customer_id: zw, kind: 'birthday', title: '张伟', due_on: today, source_key: 'birthday:old-row', detail: JSON.stringify({ birthDate: '1970-01-02' }) }).execute();
    await managersJobs.find((j) => j.name === 'managers.reminders')!.run(ctx.db, new Date());
    const before = await ctx.db.selectFrom('audit_log').select((eb) => eb.fn.countAll<string>().as('n')).where('action', '=', 'read').executeTakeFirstOrThrow();
    const rem = (await ctx.app.inject({ url: '/api/workbench/reminders?kind=birthday&state=all', headers: as('cm_a') })).json().items as { detail: Record<string, unknown> }[];
    expect(rem.length).toBeGreaterThanOrEqual(2);
    for (const r of rem) expect(r.detail).not.toHaveProperty('birthDate');
    expect(rem.map((r) => r.detail.monthDay)).toEqual(expect.arrayContaining(['01-02', birth.slice(5)]));
    expect(JSON.stringify(rem)).not.toContain(birth);
    const after = await ctx.db.selectFrom('audit_log').select((eb) => eb.fn.countAll<string>().as('n')).where('action', '=', 'read').executeTakeFirstOrThrow();
    expect(after.n).toBe(before.n);
  });

  it('pages, filters and exports my customers; saves views', async () => {
    const page = await ctx.app.inject({ url: '/api/workbench/customers?party=person&pageSize=1', headers: as('cm_a') });
    expect(page.statusCode).toBe(200);
    expect(page.json().items).toHaveLength(1);
    expect(page.json().total).toBeGreaterThanOrEqual(2);
    const bad = await ctx.app.inject({ url: '/api/workbench/customers?sort=size', headers: as('cm_a') });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.fields[0]).toMatchObject({ field: 'sort', rule: 'enum' });
    const xlsx = await ctx.app.inject({ url: '/api/workbench/customers/export?party=person', headers: as('cm_a') });
    expect(xlsx.statusCode).toBe(200);
    const saved = await ctx.app.inject({ method: 'POST', url: '/api/workbench/views', headers: as('cm_a'), payload: { name: '高净值', filters: { aumMinFen: 50_000_000, sort: 'aum' } } });
    expect(saved.statusCode).toBe(201);
    const views = (await ctx.app.inject({ url: '/api/workbench/views', headers: as('cm_a') })).json().items;
    expect(views).toMatchObject([{ name: '高净值', filters: { aumMinFen: 50_000_000 } }]);
    expect((await ctx.app.inject({ url: '/api/workbench/views', headers: as('cm_b') })).json().items).toEqual([]);
    expect((await ctx.app.inject({ method: 'DELETE', url: `/api/workbench/views/${views[0].id}`, headers: as('cm_b') })).statusCode).toBe(404);
    expect((await ctx.app.inject({ method: 'DELETE', url: `/api/workbench/views/${views[0].id}`, headers: as('cm_a') })).statusCode).toBe(204);
  });

  it("counts the book as of the morning's snapshot, shows when, and recounts it when customers move", async () => {
    const job = managersJobs.find((j) => j.name === 'managers.performance')!;
    await job.run(ctx.db, new Date());
    const before = (await ctx.app.inject({ url: '/api/workbench', headers: as('cm_a3') })).json();
    expect(new Date(before.bookAsOf).getTime()).toBeGreaterThan(Date.now() - 60_000);
    expect(before.performance.bookAsOf).toBe(before.bookAsOf);
    // Created after the snapshot: not in the counts until the next run …
    const late = await make('bm_a', { name: '晨后新客户' });
    expect((await ctx.app.inject({ url: '/api/workbench', headers: as('cm_a3') })).json().customers.total).toBe(before.customers.total);
    // … but an assignment recounts both managers' books at once.
    const res = await ctx.app.inject({ method: 'POST', url: '/api/managers/assignments', headers: as('bm_a'), payload: { rule: { customerNos: [late] }, managerId: users.cm_a3, reason: '新客户' } });
    expect(res.json().moved).toBe(1);
    const after = (await ctx.app.inject({ url: '/api/workbench', headers: as('cm_a3') })).json();
    expect(after.customers.total).toBe(before.customers.total + 1);
    expect(after.analysis.byStatus.active).toBe(before.analysis.byStatus.active + 1);
    expect(after.customers.items.map((c: { customerNo: string }) => c.customerNo)).toContain(late);
  });

  it('caps the overview counts of a long backlog, and the task list counts further', async () => {
    const zw = await idOf(bank.customers.zhangWei);
    await sql`INSERT INTO engagement_activity (customer_id, owner_id, type, status, priority, starts_at, ends_at, description)
      SELECT ${zw}, ${users.cm_a}, 'call', 'planned', 'normal', now() - g * interval '1 hour', now() - g * interval '1 hour' + interval '10 minutes', '积压任务 ' || g
      FROM generate_series(1, 120) g`.execute(ctx.db);
    const w = (await ctx.app.inject({ url: '/api/workbench', headers: as('cm_a') })).json();
    expect(w.tasks).toMatchObject({ total: 99, totalCapped: true, overdue: 99 });
    expect(w.tasks.items[0].description).toBe('积压任务 120');
    expect((await ctx.app.inject({ url: '/api/workbench/tasks?pageSize=5', headers: as('cm_a') })).json()).toMatchObject({ total: 121, totalCapped: false, overdue: 120 });
    await sql`DELETE FROM engagement_activity WHERE description LIKE '积压任务 %'`.execute(ctx.db);
  });

  it("a task of the manager's on a customer outside their data scope is neither listed nor counted", async () => {
    const wf = await idOf(bank.customers.wangFang);
    await sql`INSERT INTO engagement_activity (customer_id, owner_id, type, status, priority, starts_at, ends_at, description)
      VALUES (${wf}, ${users.cm_a}, 'call', 'planned', 'normal', now() - interval '2 hours', now() - interval '1 hour', '越权任务')`.execute(ctx.db);
    const w = (await ctx.app.inject({ url: '/api/workbench', headers: as('cm_a') })).json();
    expect(w.tasks.items.map((t: { description: string }) => t.description)).not.toContain('越权任务');
    expect(w.tasks).toMatchObject({ total: 1, overdue: 0 });
    const page = (await ctx.app.inject({ url: '/api/workbench/tasks?pageSize=5', headers: as('cm_a') })).json();
    expect(page).toMatchObject({ total: 1, overdue: 0 });
    await sql`DELETE FROM engagement_activity WHERE description = '越权任务'`.execute(ctx.db);
  });

  it('paged widgets: tasks, work log, pipeline', async () => {
    expect((await ctx.app.inject({ url: '/api/workbench/tasks?page=1&pageSize=5', headers: as('cm_a') })).json()).toMatchObject({ total: 1, overdue: 0 });
    expect((await ctx.app.inject({ url: '/api/workbench/worklog', headers: as('cm_a') })).json().items).toHaveLength(1);
    expect((await ctx.app.inject({ url: '/api/workbench/pipeline', headers: as('cm_a') })).json().items).toHaveLength(1);
  });
});

describe('team view (supervisor)', () => {
  it('shows the managers of the subtree with activity counts, pipeline and overdue items', async () => {
    const res = await ctx.app.inject({ url: '/api/managers/team', headers: as('bm_a') });
    expect(res.statusCode).toBe(200);
    const t = res.json();
    const names = t.items.map((i: { username: string }) => i.username);
    expect(names).toEqual(expect.arrayContaining(['cm_a', 'cm_a2', 'cm_a3']));
    expect(names).not.toContain('cm_b');
    const a = t.items.find((i: { username: string }) => i.username === 'cm_a');
    expect(a.contacts.month).toBe(1);
    expect(a.contacts.week).toBe(1);
    expect(a.activities).toMatchObject({ week: 1, month: 1, doneMonth: 0 });
    expect(a.pipeline).toMatchObject({ count: 1, valueFen: 100_000_00 });
    expect(a.overdue.reminders).toBe(0);
    expect(t.weekStart).toBe(weekStart(today));
  });

  it('is for supervisors only; head office sees both branches', async () => {
    expect((await ctx.app.inject({ url: '/api/managers/team', headers: as('cm_a') })).statusCode).toBe(403);
    const hq = (await ctx.app.inject({ url: '/api/managers/team', headers: as('hq') })).json();
    expect(hq.items.map((i: { username: string }) => i.username)).toEqual(expect.arrayContaining(['cm_a', 'cm_b']));
    const xlsx = await ctx.app.inject({ url: '/api/managers/team/export', headers: as('bm_a') });
    expect(xlsx.statusCode).toBe(200);
  });
});

describe('plans and summary reports', () => {
  let reportId: number;
  const monday = weekStart(today);

  it('a manager writes a weekly summary; the period must start on a Monday', async () => {
    const bad = await ctx.app.inject({ method: 'PUT', url: '/api/managers/reports', headers: as('cm_a'), payload: { kind: 'weekly_summary', periodStart: addDays(monday, 1), content: 'x' } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.fields[0]).toMatchObject({ field: 'periodStart', rule: 'weekStart' });
    const draft = await ctx.app.inject({ method: 'PUT', url: '/api/managers/reports', headers: as('cm_a'), payload: { kind: 'weekly_summary', periodStart: monday, content: '本周走访 3 户' } });
    expect(draft.statusCode).toBe(200);
    reportId = draft.json().id;
    expect(draft.json().submittedAt).toBeNull();
    // A draft is the author's alone.
    expect((await ctx.app.inject({ url: `/api/managers/reports/${reportId}`, headers: as('bm_a') })).statusCode).toBe(404);
    const sub = await ctx.app.inject({ method: 'PUT', url: '/api/managers/reports', headers: as('cm_a'), payload: { kind: 'weekly_summary', periodStart: monday, content: '本周走访 3 户，新增定期 200 万', submit: true } });
    expect(sub.json()).toMatchObject({ id: reportId, content: '本周走访 3 户，新增定期 200 万' });
    expect(sub.json().submittedAt).not.toBeNull();
  });

  it('the supervisor reads and comments; others cannot see it', async () => {
    const list = await ctx.app.inject({ url: '/api/managers/reports?submittedOnly=true', headers: as('bm_a') });
    expect(list.json().items.map((r: { id: number }) => r.id)).toContain(reportId);
    const c = await ctx.app.inject({ method: 'POST', url: `/api/managers/reports/${reportId}/comments`, headers: as('bm_a'), payload: { content: '很好，下周重点跟进大额存单' } });
    expect(c.statusCode).toBe(201);
    expect(c.json().comments).toMatchObject([{ authorName: 'bm_a', content: '很好，下周重点跟进大额存单' }]);
    const reply = await ctx.app.inject({ method: 'POST', url: `/api/managers/reports/${reportId}/comments`, headers: as('cm_a'), payload: { content: '收到' } });
    expect(reply.json().comments).toHaveLength(2);
    expect((await ctx.app.inject({ url: `/api/managers/reports/${reportId}`, headers: as('cm_b') })).statusCode).toBe(404);
    expect((await ctx.app.inject({ url: `/api/managers/reports/${reportId}`, headers: as('cm_a2') })).statusCode).toBe(404);
    expect((await ctx.app.inject({ method: 'POST', url: `/api/managers/reports/${reportId}/comments`, headers: as('cm_a2'), payload: { content: 'x' } })).statusCode).toBe(404);
    const empty = await ctx.app.inject({ method: 'POST', url: `/api/managers/reports/${reportId}/comments`, headers: as('bm_a'), payload: { content: '   ' } });
    expect(empty.statusCode).toBe(400);
    const audited = await ctx.db.selectFrom('audit_log').select('action').where('entity', '=', 'work_report').where('entity_id', '=', String(reportId)).execute();
    expect(audited.map((a) => a.action)).toEqual(expect.arrayContaining(['create', 'update', 'comment']));
    const w = (await ctx.app.inject({ url: '/api/workbench', headers: as('cm_a') })).json();
    expect(w.reports[0]).toMatchObject({ id: reportId, commentCount: 2 });
  });

  it('reports, reminders and transfer requests export to Excel, audited', async () => {
    for (const [user, url] of [['bm_a', '/api/managers/reports/export'], ['cm_a', '/api/workbench/reminders/export'], ['bm_a', '/api/managers/transfer-requests/export?status=approved']] as const) {
      const res = await ctx.app.inject({ url, headers: as(user) });
      expect(res.statusCode, url).toBe(200);
      expect(res.headers['content-type']).toContain('spreadsheetml');
    }
    // The audit row is written once the file has streamed out, so it may land just after the response.
    const exported = async () => (await ctx.db.selectFrom('audit_log').select('entity').where('action', '=', 'export').execute()).map((e) => e.entity);
    await expect.poll(exported).toEqual(expect.arrayContaining(['work_report', 'reminder', 'customer_transfer_request']));
    // A service agent may read customers but not export.
    expect((await ctx.app.inject({ url: '/api/workbench/reminders/export', headers: as('agent') })).statusCode).toBe(403);
  });
});
