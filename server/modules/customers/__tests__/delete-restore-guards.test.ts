import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, login, type TestContext } from '../../../test/context.ts';
import { PASSWORD, seedSmallBank } from '../../../test/fixtures.ts';

let ctx: TestContext;
let bank: Awaited<ReturnType<typeof seedSmallBank>>;
const cookies: Record<string, string> = {};
const as = (user: string) => ({ cookie: cookies[user] });

beforeAll(async () => {
  ctx = await createTestContext();
  bank = await seedSmallBank(ctx.db);
  for (const u of ['cm_a', 'hq']) cookies[u] = await login(ctx.app, u, PASSWORD);
});
afterAll(() => ctx?.close());

async function newCustomer(name: string, user = 'cm_a') {
  const res = await ctx.app.inject({ method: 'POST', url: '/api/customers', headers: as(user), payload: { typeCode: 'personal_resident', name, status: 'active' } });
  expect(res.statusCode, res.body).toBe(201);
  const no = res.json().customerNo as string;
  const { id } = await ctx.db.selectFrom('customer').select('id').where('customer_no', '=', no).executeTakeFirstOrThrow();
  return { no, id };
}
const del = (no: string, user = 'cm_a') => ctx.app.inject({ method: 'DELETE', url: `/api/customers/${no}`, headers: as(user), payload: { reason: '客户要求' } });

describe('a customer holding accounts or balances is not deleted', () => {
  it('an active customer with ¥4.97M in an open account: 409 naming open accounts and balances in both languages, nothing deleted', async () => {
    const c = await newCustomer('钻石客户');
    await ctx.db.insertInto('account').values({ customer_id: c.id, source_system: 'CORE', account_no: 'DIA-1', org_id: bank.orgs.subA, product_code: 'DEP_CURRENT', opened_on: '2020-01-02', balance_fen: 497_000_000 }).execute();

    const check = await ctx.app.inject({ url: `/api/customers/${c.no}/deletion-check`, headers: as('cm_a') });
    expect(check.statusCode, check.body).toBe(200);
    expect(check.json()).toMatchObject({ deletable: false, openAccounts: 1, balanceAccounts: 1, assetsFen: 497_000_000 });
    expect(check.json().blockers.map((b: { code: string }) => b.code)).toEqual(['openAccounts', 'balances']);
    expect(check.json().message.zh).toContain('4,970,000.00');

    const res = await del(c.no);
    expect(res.statusCode).toBe(409);
    const err = res.json().error;
    expect(err.code).toBe('CONFLICT');
    expect(err.messages.zh).toMatch(/未销户账户[\s\S]*余额不为零/);
    expect(err.messages.en).toMatch(/open account[\s\S]*non-zero balance/);
    expect(err.fields.map((f: { rule: string }) => f.rule)).toEqual(['openAccounts', 'balances']);
    const row = await ctx.db.selectFrom('customer').select('deleted').where('id', '=', c.id).executeTakeFirstOrThrow();
    expect(row.deleted).toBe(false);
    expect((await ctx.app.inject({ url: `/api/customers/${c.no}`, headers: as('cm_a') })).statusCode).toBe(200);
  });

  it('a closed account still holding a balance (a loan owed) blocks too; closed and settled, the customer may go', async () => {
    const c = await newCustomer('贷款客户');
    await ctx.db.insertInto('account').values({ customer_id: c.id, source_system: 'LOAN', account_no: 'LN-9', org_id: bank.orgs.subA, product_code: 'LOAN_MORTGAGE', opened_on: '2019-01-02', status: 'closed', balance_fen: 1_000_00 }).execute();
    const res = await del(c.no);
    expect(res.statusCode).toBe(409);
    expect(res.json().error.fields.map((f: { rule: string }) => f.rule)).toEqual(['balances']);
    expect(res.json().error.messages.en).toContain('loans ¥1,000.00');

    await ctx.db.updateTable('account').set({ balance_fen: 0 }).where('customer_id', '=', c.id).execute();
    expect((await ctx.app.inject({ url: `/api/customers/${c.no}/deletion-check`, headers: as('cm_a') })).json()).toMatchObject({ deletable: true, blockers: [], message: null });
    expect((await del(c.no)).statusCode).toBe(204);
  });

  it('a customer without accounts is deleted as before', async () => {
    const c = await newCustomer('空户客户');
    expect((await del(c.no)).statusCode).toBe(204);
  });
});

describe('a merged-away customer is not restored (only an unmerge separates it)', () => {
  it('restore answers 409 naming the survivor; no ghost appears; the deleted list marks it merged', async () => {
    const survivor = await newCustomer('合并留存', 'hq');
    const merged = await newCustomer('合并并入', 'hq');
    const m = await ctx.app.inject({ method: 'POST', url: '/api/integration/merges', headers: as('hq'), payload: { survivorNo: survivor.no, mergedNo: merged.no, reason: '同一人' } });
    expect(m.statusCode, m.body).toBe(201);

    const list = await ctx.app.inject({ url: '/api/customers?deleted=true&pageSize=200', headers: as('hq') });
    expect(list.statusCode).toBe(200);
    const item = list.json().items.find((i: { customerNo: string }) => i.customerNo === merged.no);
    expect(item).toMatchObject({ mergedInto: survivor.no, restorable: false });

    const res = await ctx.app.inject({ method: 'POST', url: `/api/customers/${merged.no}/restore`, headers: as('hq'), payload: { reason: '误删' } });
    expect(res.statusCode).toBe(409);
    expect(res.json().error.messages.zh).toContain(`已合并至 ${survivor.no}`);
    expect(res.json().error.messages.en).toMatch(new RegExp(`merged into ${survivor.no}.*unmerge`));
    const row = await ctx.db.selectFrom('customer').select('deleted').where('id', '=', merged.id).executeTakeFirstOrThrow();
    expect(row.deleted).toBe(true);
    const search = await ctx.app.inject({ url: `/api/customers?q=${merged.no}`, headers: as('hq') });
    expect(search.json().items.map((i: { customerNo: string }) => i.customerNo)).toEqual([survivor.no]);
  });

  it('a customer deleted by hand is still listed as restorable and restored', async () => {
    const c = await newCustomer('误删客户');
    expect((await del(c.no)).statusCode).toBe(204);
    const list = await ctx.app.inject({ url: '/api/customers?deleted=true&pageSize=200', headers: as('cm_a') });
    expect(list.json().items.find((i: { customerNo: string }) => i.customerNo === c.no)).toMatchObject({ mergedInto: null, restorable: true });
    const res = await ctx.app.inject({ method: 'POST', url: `/api/customers/${c.no}/restore`, headers: as('cm_a'), payload: { reason: '误删' } });
    expect(res.statusCode).toBe(200);
    expect(res.json().customerNo).toBe(c.no);
  });
});
