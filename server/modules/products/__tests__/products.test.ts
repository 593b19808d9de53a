import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, login, type TestContext } from '../../../test/context.ts';
import { PASSWORD, seedSmallBank } from '../../../test/fixtures.ts';
import { authenticateAs } from '../../../test/fixtures.ts';
import { productsJobs } from '../products.jobs.ts';
import { prospects } from '../products.service.ts';

let ctx: TestContext;
let bank: Awaited<ReturnType<typeof seedSmallBank>>;
const cookies: Record<string, string> = {};
const as = (user: string) => ({ cookie: cookies[user] });

type Cohort = { prefix: string; manager: string; org: number; n: number; products: string[][]; risk?: (i: number) => string | null };

/** Inserts customers straight into the tables (the API path is the customers module's test). */
async function cohort(c: Cohort): Promise<string[]> {
  const type = await ctx.db.selectFrom('customer_type').select('id').where('code', '=', 'personal_resident').executeTakeFirstOrThrow();
  const nos: string[] = [];
  for (let i = 0; i < c.n; i++) {
    const no = `${c.prefix}${String(i).padStart(4, '0')}`;
    const { id } = await ctx.db.insertInto('customer').values({
      customer_no: no, type_id: type.id, party: 'person', name: `${c.prefix}客户${i}`, name_pinyin: '', name_initials: '', name_grams: [],
      gender: null, birth_date: null, nationality: 'CN', occupation: null, employer: null, industry: null, status: 'active', level_code: 'standard',
      org_id: c.org, manager_id: bank.users[c.manager], risk_tolerance: (c.risk ? c.risk(i) : 'C3') as never, attributes: '{}', aum_fen: 1_000_000, remarks: null,
    }).returning('id').executeTakeFirstOrThrow();
    const held = c.products[i % c.products.length]!;
    await ctx.db.insertInto('account').values(held.map((p, k) => ({
      customer_id: id, source_system: 'CORE', account_no: `${no}-${k}`, org_id: c.org, product_code: p, opened_on: '2024-01-02', balance_fen: 100_000,
    }))).execute();
    nos.push(no);
  }
  return nos;
}

let largeCdOnly: string[] = [];
let currentOnly: string[] = [];
let otherBranch: string[] = [];

beforeAll(async () => {
  ctx = await createTestContext();
  bank = await seedSmallBank(ctx.db);
  for (const u of ['cm_a', 'cm_b', 'bm_a', 'hq', 'admin', 'agent']) cookies[u] = await login(ctx.app, u, PASSWORD);
  // cm_a: 20 large-CD holders, 12 of them also in WM_STABLE; 20 with a current account only, 2 in WM_STABLE.
  const cd = await cohort({
    prefix: '7001', manager: 'cm_a', org: bank.orgs.subA, n: 20,
    products: [...Array.from({ length: 12 }, () => ['DEP_LARGE_CD', 'WM_STABLE']), ...Array.from({ length: 8 }, () => ['DEP_LARGE_CD'])],
    // Of the 8 without the wealth product: one too cautious for an R2 product, one never assessed.
    risk: (i) => (i === 12 ? 'C1' : i === 13 ? null : 'C3'),
  });
  largeCdOnly = cd.slice(12);
  const cur = await cohort({ prefix: '7002', manager: 'cm_a', org: bank.orgs.subA, n: 20, products: [['DEP_CURRENT', 'WM_STABLE'], ['DEP_CURRENT', 'WM_STABLE'], ...Array.from({ length: 18 }, () => ['DEP_CURRENT'])] });
  currentOnly = cur.slice(2);
  // cm_b's branch looks alike: its customers must never show up for cm_a.
  otherBranch = await cohort({
    prefix: '7003', manager: 'cm_b', org: bank.orgs.subB, n: 20,
    products: [...Array.from({ length: 10 }, () => ['DEP_LARGE_CD', 'WM_STABLE']), ...Array.from({ length: 10 }, () => ['DEP_LARGE_CD'])],
  });
});
afterAll(() => ctx?.close());

describe('catalogue (S5)', () => {
  it('lists the seeded catalogue with filters by category, risk rating and status', async () => {
    const all = (await ctx.app.inject({ url: '/api/products?pageSize=200', headers: as('cm_a') })).json();
    expect(all.total).toBeGreaterThanOrEqual(25);
    const wealth = (await ctx.app.inject({ url: '/api/products?category=wealth', headers: as('cm_a') })).json();
    expect(wealth.items.map((p: { code: string }) => p.code)).toEqual(expect.arrayContaining(['WM_STABLE', 'WM_GROWTH', 'WM_CASH']));
    expect(wealth.items.every((p: { category: string; riskRating: string }) => p.category === 'wealth' && /^R[1-5]$/.test(p.riskRating))).toBe(true);
    const r2 = (await ctx.app.inject({ url: '/api/products?riskRating=R2', headers: as('cm_a') })).json();
    expect(r2.items.map((p: { code: string }) => p.code)).toContain('WM_STABLE');
    expect(r2.items.map((p: { code: string }) => p.code)).not.toContain('WM_GROWTH');
    const q = (await ctx.app.inject({ url: `/api/products?q=${encodeURIComponent('大额')}`, headers: as('cm_a') })).json();
    expect(q.items.map((p: { code: string }) => p.code)).toEqual(['DEP_LARGE_CD']);
    const stable = wealth.items.find((p: { code: string }) => p.code === 'WM_STABLE');
    expect(stable).toMatchObject({ riskRating: 'R2', status: 'active', termDays: 182, ratePct: '2.8000', minAmountFen: 100_000 });
  });

  it('refuses bad filters with a 400 naming the field', async () => {
    const res = await ctx.app.inject({ url: '/api/products?riskRating=R9', headers: as('cm_a') });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.fields[0]).toMatchObject({ field: 'riskRating', rule: 'enum' });
  });

  it('creates a wealth product with attributes; the write is audited', async () => {
    const res = await ctx.app.inject({
      method: 'POST', url: '/api/products', headers: as('hq'),
      payload: { code: 'WM_TEST_90D', name: '测试 90 天理财', nameEn: 'Test 90-day', category: 'wealth', riskRating: 'R3', termDays: 90, minAmountFen: 100_000, ratePct: '3.15', launchOn: '2026-01-01', attributes: { open_cycle: 'quarterly', guaranteed: false } },
    });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json()).toMatchObject({ code: 'WM_TEST_90D', riskRating: 'R3', ratePct: '3.1500', isAsset: true, attributes: { open_cycle: 'quarterly', guaranteed: false }, version: 1 });
    const log = await ctx.db.selectFrom('audit_log').selectAll().where('entity', '=', 'product').where('entity_id', '=', 'WM_TEST_90D').execute();
    expect(log).toHaveLength(1);
    expect(log[0]).toMatchObject({ action: 'create', actor_name: 'hq' });
  });

  it.each([
    ['a wealth product without a risk rating', { code: 'WM_NO_RISK', name: 'x', category: 'wealth' }, 'riskRating', 'requiredForInvestment'],
    ['a fund without a risk rating', { code: 'FUND_NO_RISK', name: 'x', category: 'fund' }, 'riskRating', 'requiredForInvestment'],
    ['a risk rating on a deposit', { code: 'DEP_RISKY', name: 'x', category: 'deposit', riskRating: 'R2' }, 'riskRating', 'investmentOnly'],
    ['a risk rating on a loan', { code: 'LOAN_RISKY', name: 'x', category: 'loan', riskRating: 'R3' }, 'riskRating', 'investmentOnly'],
    ['a taken code', { code: 'WM_STABLE', name: 'x', category: 'wealth', riskRating: 'R2' }, 'code', 'unique'],
    ['a lower-case code', { code: 'wm_x', name: 'x', category: 'wealth', riskRating: 'R2' }, 'code', 'pattern'],
    ['a rate with more than 4 decimals', { code: 'DEP_RATE', name: 'x', category: 'deposit', ratePct: '1.23456' }, 'ratePct', 'pattern'],
    ['an attribute that is an object', { code: 'DEP_ATTR', name: 'x', category: 'deposit', attributes: { tiers: { a: 1 } } }, 'attributes.tiers', 'type'],
    ['retirement before launch', { code: 'DEP_DATES', name: 'x', category: 'deposit', launchOn: '2026-05-01', retireOn: '2026-04-01' }, 'retireOn', 'afterLaunch'],
    ['an unknown field', { code: 'DEP_EXTRA', name: 'x', category: 'deposit', colour: 'red' }, 'colour', 'unknown'],
    ['a blank name', { code: 'DEP_BLANK', name: '   ', category: 'deposit' }, 'name', 'pattern'],
  ])('refuses %s with a 400 naming the field and the rule, writing nothing', async (_what, payload, field, rule) => {
    const res = await ctx.app.inject({ method: 'POST', url: '/api/products', headers: as('hq'), payload });
    expect(res.statusCode).toBe(400);
    const body = res.json();
    expect(body.error.fields).toContainEqual(expect.objectContaining({ field, rule }));
    expect(body.error.fields[0].messages.zh).toBeTruthy();
    expect(body.error.fields[0].messages.en).toBeTruthy();
    if (payload.code !== 'WM_STABLE') expect(await ctx.db.selectFrom('product').select('code').where('code', '=', payload.code).executeTakeFirst()).toBeUndefined();
  });

  it('only lets product managers write the catalogue', async () => {
    const res = await ctx.app.inject({ method: 'POST', url: '/api/products', headers: as('cm_a'), payload: { code: 'DEP_CM', name: 'x', category: 'deposit' } });
    expect(res.statusCode).toBe(403);
    expect((await ctx.app.inject({ method: 'PATCH', url: '/api/products/WM_STABLE', headers: as('bm_a'), payload: { name: 'y' } })).statusCode).toBe(403);
    expect((await ctx.app.inject({ url: '/api/products' })).statusCode).toBe(401);
  });

  it('edits with field-level audit, re-checks the rating rule and the version', async () => {
    const res = await ctx.app.inject({ method: 'PATCH', url: '/api/products/WM_TEST_90D', headers: as('admin'), payload: { status: 'suspended', ratePct: '3.2', version: 1 } });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ status: 'suspended', ratePct: '3.2000', version: 2 });
    const log = await ctx.db.selectFrom('audit_log').selectAll().where('entity_id', '=', 'WM_TEST_90D').where('action', '=', 'update').executeTakeFirstOrThrow();
    expect(log.fields.sort()).toEqual(['rate_pct', 'status']);
    expect(log.changes).toMatchObject({ status: { from: 'active', to: 'suspended' } });

    const stale = await ctx.app.inject({ method: 'PATCH', url: '/api/products/WM_TEST_90D', headers: as('admin'), payload: { name: 'z', version: 1 } });
    expect(stale.statusCode).toBe(409);
    const toDeposit = await ctx.app.inject({ method: 'PATCH', url: '/api/products/WM_TEST_90D', headers: as('admin'), payload: { category: 'deposit' } });
    expect(toDeposit.statusCode).toBe(400);
    expect(toDeposit.json().error.fields[0]).toMatchObject({ field: 'riskRating', rule: 'investmentOnly' });
    const dropRating = await ctx.app.inject({ method: 'PATCH', url: '/api/products/WM_TEST_90D', headers: as('admin'), payload: { riskRating: null } });
    expect(dropRating.json().error.fields[0]).toMatchObject({ field: 'riskRating', rule: 'requiredForInvestment' });
    const ok = await ctx.app.inject({ method: 'PATCH', url: '/api/products/WM_TEST_90D', headers: as('admin'), payload: { category: 'deposit', riskRating: null } });
    expect(ok.json()).toMatchObject({ category: 'deposit', riskRating: null });
    expect((await ctx.app.inject({ method: 'PATCH', url: '/api/products/NOPE_X', headers: as('admin'), payload: { name: 'x' } })).statusCode).toBe(404);
  });

  it('exports the filtered catalogue to Excel, audited', async () => {
    const res = await ctx.app.inject({ url: '/api/products/export?category=wealth', headers: { ...as('cm_a'), 'accept-language': 'en' } });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('spreadsheetml');
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(res.rawPayload as unknown as ArrayBuffer);
    const ws = wb.worksheets[0]!;
    expect(ws.getRow(1).getCell(1).value).toBe('Code');
    const codes = ws.getColumn(1).values.slice(2);
    expect(codes).toContain('WM_STABLE');
    expect(codes).not.toContain('DEP_CURRENT');
    // The export's audit row is written once the file has streamed out, just after the response ends.
    const audited = () => ctx.db.selectFrom('audit_log').select(['actor_name', 'entity']).where('action', '=', 'export').where('entity', '=', 'product').execute();
    await expect.poll(audited).toContainEqual({ actor_name: 'cm_a', entity: 'product' });
  });
});

describe('documents and sales scripts', () => {
  it('shows the seeded prospectus and scripts on the product', async () => {
    const p = (await ctx.app.inject({ url: '/api/products/WM_STABLE', headers: as('cm_a') })).json();
    expect(p.documents.map((d: { kind: string }) => d.kind)).toEqual(expect.arrayContaining(['prospectus', 'risk_disclosure']));
    expect(p.scripts.length).toBeGreaterThanOrEqual(2);
    expect(p.scripts.map((s: { scenario: string }) => s.scenario)).toContain('maturity');
  });

  it('adds, edits and removes a document; a document needs a link or a text', async () => {
    const none = await ctx.app.inject({ method: 'POST', url: '/api/products/WM_GROWTH/documents', headers: as('hq'), payload: { title: '空文档', kind: 'faq' } });
    expect(none.statusCode).toBe(400);
    expect(none.json().error.fields[0]).toMatchObject({ field: 'body', rule: 'urlOrBody' });
    const badUrl = await ctx.app.inject({ method: 'POST', url: '/api/products/WM_GROWTH/documents', headers: as('hq'), payload: { title: 'x', kind: 'faq', url: 'javascript:alert(1)' } });
    expect(badUrl.json().error.fields[0]).toMatchObject({ field: 'url', rule: 'pattern' });
    const add = await ctx.app.inject({ method: 'POST', url: '/api/products/WM_GROWTH/documents', headers: as('hq'), payload: { title: '进取理财合同', kind: 'contract', url: 'https://docs.example.com/wm-growth.pdf', version: '2026.1' } });
    expect(add.statusCode, add.body).toBe(201);
    const id = add.json().id;
    const edit = await ctx.app.inject({ method: 'PATCH', url: `/api/products/WM_GROWTH/documents/${id}`, headers: as('hq'), payload: { version: '2026.2' } });
    expect(edit.json()).toMatchObject({ version: '2026.2', url: 'https://docs.example.com/wm-growth.pdf' });
    // The id must belong to the product named in the path.
    expect((await ctx.app.inject({ method: 'PATCH', url: `/api/products/WM_STABLE/documents/${id}`, headers: as('hq'), payload: { version: 'x' } })).statusCode).toBe(404);
    expect((await ctx.app.inject({ method: 'DELETE', url: `/api/products/WM_GROWTH/documents/${id}`, headers: as('cm_a') })).statusCode).toBe(403);
    expect((await ctx.app.inject({ method: 'DELETE', url: `/api/products/WM_GROWTH/documents/${id}`, headers: as('hq') })).statusCode).toBe(204);
    const actions = await ctx.db.selectFrom('audit_log').select('action').where('entity', '=', 'product_document').where('entity_id', '=', String(id)).orderBy('id').execute();
    expect(actions.map((a) => a.action)).toEqual(['create', 'update', 'delete']);
  });

  it('adds and edits a sales script; unknown products answer 404', async () => {
    const add = await ctx.app.inject({ method: 'POST', url: '/api/products/FUND_MMF/scripts', headers: as('hq'), payload: { title: '工资到账提醒', content: '您的工资已到账，闲钱可以转入货币基金。', scenario: 'phone', audience: '代发工资客户' } });
    expect(add.statusCode, add.body).toBe(201);
    const edit = await ctx.app.inject({ method: 'PATCH', url: `/api/products/FUND_MMF/scripts/${add.json().id}`, headers: as('hq'), payload: { scenario: 'wechat' } });
    expect(edit.json()).toMatchObject({ scenario: 'wechat', audience: '代发工资客户' });
    const bad = await ctx.app.inject({ method: 'POST', url: '/api/products/FUND_MMF/scripts', headers: as('hq'), payload: { title: 'x', content: 'y', scenario: 'telepathy' } });
    expect(bad.json().error.fields[0]).toMatchObject({ field: 'scenario', rule: 'enum' });
    expect((await ctx.app.inject({ method: 'POST', url: '/api/products/NOPE_X/scripts', headers: as('hq'), payload: { title: 'x', content: 'y' } })).statusCode).toBe(404);
  });
});

describe('holdings (through the data scope)', () => {
  beforeAll(async () => {
    const { id } = await ctx.db.selectFrom('customer').select('id').where('customer_no', '=', bank.customers.zhangWei).executeTakeFirstOrThrow();
    await ctx.db.updateTable('customer').set({ risk_tolerance: 'C2' }).where('id', '=', id).execute();
    await ctx.db.insertInto('account').values([
      { customer_id: id, source_system: 'CORE', account_no: 'ZW-1', org_id: bank.orgs.subA, product_code: 'DEP_CURRENT', opened_on: '2020-01-02', balance_fen: 12_345_67 },
      { customer_id: id, source_system: 'CORE', account_no: 'ZW-2', org_id: bank.orgs.subA, product_code: 'DEP_TIME_1Y', opened_on: '2025-12-01', balance_fen: 100_000_00, maturity_on: '2099-12-01' },
      { customer_id: id, source_system: 'CORE', account_no: 'ZW-3', org_id: bank.orgs.subA, product_code: 'DEP_TIME_1Y', opened_on: '2025-11-01', balance_fen: 50_000_00, maturity_on: '2099-11-01' },
      { customer_id: id, source_system: 'WEALTH', account_no: 'ZW-4', org_id: bank.orgs.subA, product_code: 'WM_GROWTH', opened_on: '2024-01-02', balance_fen: 300_000_00 },
      { customer_id: id, source_system: 'LOAN', account_no: 'ZW-5', org_id: bank.orgs.subA, product_code: 'LOAN_MORTGAGE', opened_on: '2019-01-02', balance_fen: 800_000_00 },
      { customer_id: id, source_system: 'CORE', account_no: 'ZW-6', org_id: bank.orgs.subA, product_code: 'DEP_TIME_3Y', opened_on: '2019-01-02', balance_fen: 0, status: 'closed', closed_on: '2022-01-02' },
    ]).execute();
  });

  it('groups the products a customer holds by category, with balances and the next maturity', async () => {
    const res = await ctx.app.inject({ url: `/api/customers/${bank.customers.zhangWei}/holdings`, headers: as('cm_a') });
    expect(res.statusCode, res.body).toBe(200);
    const h = res.json();
    expect(h.assetFen).toBe(12_345_67 + 150_000_00 + 300_000_00);
    expect(h.liabilityFen).toBe(800_000_00);
    expect(h.categories.map((c: { category: string }) => c.category)).toEqual(['deposit', 'loan', 'wealth']);
    const deposits = h.categories.find((c: { category: string }) => c.category === 'deposit');
    expect(deposits.products).toContainEqual(expect.objectContaining({ code: 'DEP_TIME_1Y', accounts: 2, balanceFen: 150_000_00, nextMaturityOn: '2099-11-01' }));
    expect(deposits.products.map((p: { code: string }) => p.code)).not.toContain('DEP_TIME_3Y');
    // An R4 product held by a C2 customer is flagged for suitability review.
    expect(h.categories.find((c: { category: string }) => c.category === 'wealth').products[0]).toMatchObject({ code: 'WM_GROWTH', aboveTolerance: true });
    const read = await ctx.db.selectFrom('audit_log').selectAll().where('action', '=', 'read').where('entity_id', '=', bank.customers.zhangWei).where('actor_name', '=', 'cm_a').execute();
    expect(read.some((r) => r.fields.includes('holdings'))).toBe(true);
  });

  it('answers 404 outside the scope, as if the customer did not exist', async () => {
    const other = await ctx.app.inject({ url: `/api/customers/${bank.customers.zhangWei}/holdings`, headers: as('cm_b') });
    const none = await ctx.app.inject({ url: '/api/customers/999999999/holdings', headers: as('cm_b') });
    expect(other.statusCode).toBe(404);
    expect(other.json().error.code).toBe(none.json().error.code);
    expect((await ctx.app.inject({ url: `/api/customers/${bank.customers.zhangWei}/holdings`, headers: as('bm_a') })).statusCode).toBe(200);
    const bad = await ctx.app.inject({ url: '/api/customers/abc/holdings', headers: as('cm_a') });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.fields[0]).toMatchObject({ field: 'customerNo', rule: 'pattern' });
  });

  it('counts holders and balances on the product detail among the customers the user may see', async () => {
    const mine = (await ctx.app.inject({ url: '/api/products/WM_STABLE', headers: as('cm_a') })).json();
    expect(mine.holdings).toMatchObject({ holders: 14, accounts: 14, balanceFen: 14 * 100_000 });
    const theirs = (await ctx.app.inject({ url: '/api/products/WM_STABLE', headers: as('cm_b') })).json();
    expect(theirs.holdings.holders).toBe(10);
    const all = (await ctx.app.inject({ url: '/api/products/WM_STABLE', headers: as('hq') })).json();
    expect(all.holdings.holders).toBe(24);
    expect((await ctx.app.inject({ url: '/api/products/NOPE_X', headers: as('hq') })).statusCode).toBe(404);
  });
});

type Candidate = { customerNo: string; score: number; lift: number; needsRiskAssessment: boolean; reasons: { antecedent: string[]; lift: number; confidence: number; labels: { zh: string; en: string }[] }[] };

describe('product–customer association (S5)', () => {
  it('ranks customers who look like holders, explains each with its rules, and leaves holders out', async () => {
    const res = await ctx.app.inject({ url: '/api/products/WM_STABLE/prospects?limit=10', headers: as('cm_a') });
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json();
    expect(body.population).toBe(42); // 40 + 张伟 + the company
    expect(body.holders).toBe(14);
    expect(body.rules[0].antecedent).toContain('holds:DEP_LARGE_CD');
    const single = body.rules.find((r: { antecedent: string[] }) => r.antecedent.join() === 'holds:DEP_LARGE_CD');
    expect(single).toMatchObject({ count: 20, withTarget: 12, confidence: 0.6 });
    expect(single.lift).toBeCloseTo(0.6 / (14 / 42), 2);
    expect(single.labels[0].zh).toBe('持有大额存单');
    // Refined by segment: the assessed C3 large-CD holders buy more often still (12 of 18).
    expect(body.rules[0]).toMatchObject({ antecedent: ['holds:DEP_LARGE_CD', 'risk:C3'], count: 18, withTarget: 12 });
    const candidates: Candidate[] = body.candidates;
    const top = candidates.slice(0, 7).map((c) => c.customerNo).sort();
    // The eight large-CD holders without the product, minus the C1 customer (R2 is above their tolerance).
    expect(top).toEqual(largeCdOnly.filter((_, i) => i !== 0).sort());
    for (const c of candidates.slice(0, 7)) {
      expect(c.score).toBeGreaterThanOrEqual(0.6);
      expect(c.lift).toBeGreaterThan(1);
      expect(c.reasons[0]!.antecedent).toContain('holds:DEP_LARGE_CD');
    }
    expect(candidates.find((c) => c.customerNo === largeCdOnly[1])!.needsRiskAssessment).toBe(true);
    const holders = await ctx.db.selectFrom('account as a').innerJoin('customer as c', 'c.id', 'a.customer_id').select('c.customer_no').where('a.product_code', '=', 'WM_STABLE').execute();
    const holderNos = new Set(holders.map((h) => h.customer_no));
    expect(candidates.some((c) => holderNos.has(c.customerNo))).toBe(false);
    expect(candidates.some((c) => c.customerNo === largeCdOnly[0])).toBe(false);
    expect(candidates.some((c) => otherBranch.includes(c.customerNo))).toBe(false);
    // Customers no rule speaks for come after those rules do.
    const rest = candidates.slice(7).map((c) => c.customerNo);
    expect(rest.every((n) => currentOnly.includes(n) || !largeCdOnly.includes(n))).toBe(true);
  });

  it('analyses the user\'s own scope only', async () => {
    const body = (await ctx.app.inject({ url: '/api/products/WM_STABLE/prospects', headers: as('cm_b') })).json();
    expect(body.population).toBe(21); // 20 + 王芳
    expect(body.holders).toBe(10);
    expect(body.candidates.every((c: Candidate) => otherBranch.includes(c.customerNo))).toBe(true);
    const everyone = (await ctx.app.inject({ url: '/api/products/WM_STABLE/prospects?limit=50', headers: as('hq') })).json();
    expect(everyone.population).toBe(63);
    expect(everyone.candidates.map((c: Candidate) => c.customerNo)).toEqual(expect.arrayContaining([...largeCdOnly.slice(1), ...otherBranch.slice(10)]));
  });

  it('mines a fixed hashed sample of a large population, still never proposing holders', async () => {
    const cmA = (await authenticateAs(ctx.db, bank.users.cm_a))!;
    const run = () => prospects(ctx.db, cmA, 'WM_STABLE', { limit: 10, minCount: 2 }, new Date(), 10);
    const body = await run();
    expect(body.sampleRate).toBe(0.2); // 42 customers, about 10 per sample
    expect(body.population).toBeLessThan(42);
    expect(body.population).toBeGreaterThan(0);
    expect((await run()).population).toBe(body.population);
    expect(body.candidates.some((c) => [...largeCdOnly.slice(0, 1), ...otherBranch].includes(c.customerNo))).toBe(false);
    const holders = new Set((await ctx.db.selectFrom('account as a').innerJoin('customer as c', 'c.id', 'a.customer_id').select('c.customer_no').where('a.product_code', '=', 'WM_STABLE').execute()).map((h) => h.customer_no));
    expect(body.candidates.some((c) => holders.has(c.customerNo))).toBe(false);
  });

  it('exports the likely customers with their reasons to Excel, for roles that may export, audited', async () => {
    const res = await ctx.app.inject({ url: '/api/products/WM_STABLE/prospects/export?limit=5', headers: as('cm_a') });
    expect(res.statusCode).toBe(200);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(res.rawPayload as unknown as ArrayBuffer);
    const ws = wb.worksheets[0]!;
    expect(ws.rowCount).toBe(6);
    expect(largeCdOnly).toContain(ws.getRow(2).getCell(1).value);
    expect(String(ws.getRow(2).getCell(9).value)).toContain('持有大额存单');
    expect((await ctx.app.inject({ url: '/api/products/WM_STABLE/prospects/export', headers: as('agent') })).statusCode).toBe(403);
    // The export's audit row is written once the file has streamed out, just after the response ends.
    const exported = async () => (await ctx.db.selectFrom('audit_log').select('actor_name').where('action', '=', 'export').where('entity_id', '=', 'WM_STABLE').execute()).map((a) => a.actor_name);
    await expect.poll(exported).toEqual(['cm_a']);
  });

  it('has nothing to propose for a product nobody holds, without failing', async () => {
    const body = (await ctx.app.inject({ url: '/api/products/FUND_EQUITY/prospects', headers: as('cm_a') })).json();
    expect(body.holders).toBe(0);
    expect(body.rules).toEqual([]);
    expect(body.candidates).toEqual([]);
  });

  it('shows which segments hold which products as penetration', async () => {
    const res = await ctx.app.inject({ url: '/api/products/matrix?dimension=level&category=wealth', headers: as('cm_a') });
    expect(res.statusCode, res.body).toBe(200);
    const m = res.json();
    expect(m.segments).toContainEqual(expect.objectContaining({ key: 'standard', name: '普通', customers: 40 }));
    expect(m.products.every((p: { category: string }) => p.category === 'wealth')).toBe(true);
    expect(m.cells).toContainEqual({ segment: 'standard', product: 'WM_STABLE', holders: 14, penetrationPct: 35 });
    const bad = await ctx.app.inject({ url: '/api/products/matrix?dimension=shoe_size', headers: as('cm_a') });
    expect(bad.json().error.fields[0]).toMatchObject({ field: 'dimension', rule: 'enum' });
  });

  it('proposes nobody for a product off the shelf, but still shows who bought it', async () => {
    const patch = (status: string) => ctx.app.inject({ method: 'PATCH', url: '/api/products/WM_STABLE', headers: as('hq'), payload: { status } });
    expect((await patch('suspended')).statusCode).toBe(200);
    const body = (await ctx.app.inject({ url: '/api/products/WM_STABLE/prospects', headers: as('cm_a') })).json();
    expect(body.onSale).toBe(false);
    expect(body.candidates).toEqual([]);
    expect(body.rules.length).toBeGreaterThan(0);
    expect((await patch('active')).statusCode).toBe(200);
  });
});

describe('jobs', () => {
  it('retires products past their retirement date, once', async () => {
    await ctx.app.inject({ method: 'POST', url: '/api/products', headers: as('hq'), payload: { code: 'DEP_OLD', name: '旧存款', category: 'deposit', launchOn: '2020-01-01', retireOn: '2026-01-31' } });
    const spec = productsJobs.find((j) => j.name === 'products.retire-due')!;
    expect(await spec.run(ctx.db, new Date('2026-02-01T00:00:00+08:00'))).toEqual({ retired: ['DEP_OLD'] });
    expect(await spec.run(ctx.db, new Date('2026-02-02T00:00:00+08:00'))).toEqual({ retired: [] });
    const p = await ctx.db.selectFrom('product').select('status').where('code', '=', 'DEP_OLD').executeTakeFirstOrThrow();
    expect(p.status).toBe('retired');
  });
});
