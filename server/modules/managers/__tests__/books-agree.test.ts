import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, login, type TestContext } from '../../../test/context.ts';
import { PASSWORD, seedSmallBank } from '../../../test/fixtures.ts';
import { snapshotPerformance } from '../managers.service.ts';

// 我的业绩 (workbench), the performance drawer and the team view show one manager's customers and AUM: the first two
// from the nightly book snapshot, the team view counted live. A customer created, deleted or restored during the day
// must not leave them disagreeing until the next night.

let ctx: TestContext;
let bank: Awaited<ReturnType<typeof seedSmallBank>>;
const cookies: Record<string, string> = {};
const as = (user: string) => ({ cookie: cookies[user] });

beforeAll(async () => {
  ctx = await createTestContext();
  bank = await seedSmallBank(ctx.db);
  for (const u of ['cm_a', 'bm_a', 'hq']) cookies[u] = await login(ctx.app, u, PASSWORD);
});
afterAll(() => ctx?.close());

async function figures() {
  const wb = (await ctx.app.inject({ url: '/api/workbench', headers: as('cm_a') })).json();
  const perf = (await ctx.app.inject({ url: `/api/managers/${bank.users.cm_a}/performance`, headers: as('bm_a') })).json();
  const team = (await ctx.app.inject({ url: '/api/managers/team', headers: as('bm_a') })).json();
  const mine = team.items.find((i: { userId: number }) => i.userId === bank.users.cm_a);
  return {
    workbench: { customers: wb.performance.customers, aumFen: wb.performance.aumFen, bookAsOf: wb.performance.bookAsOf },
    drawer: { customers: perf.customers, aumFen: perf.aumFen },
    team: { customers: mine.customers, aumFen: mine.aumFen },
  };
}

async function expectAgree(customers: number, aumFen: number) {
  const f = await figures();
  expect(f.team).toEqual({ customers, aumFen });
  expect(f.drawer).toEqual({ customers, aumFen });
  expect({ customers: f.workbench.customers, aumFen: f.workbench.aumFen }).toEqual({ customers, aumFen });
  // The book is the snapshot's, and says when it was computed.
  expect(f.workbench.bookAsOf).not.toBeNull();
}

describe('the book snapshot follows customer writes', () => {
  let no: string;

  it('after a create, a delete and a restore, workbench, drawer and team view agree', async () => {
    // A customer with AUM (loaded balances), then the nightly snapshot.
    const res = await ctx.app.inject({ method: 'POST', url: '/api/customers', headers: as('cm_a'), payload: { typeCode: 'personal_resident', name: '钻石客户', status: 'active' } });
    expect(res.statusCode, res.body).toBe(201);
    no = res.json().customerNo;
    await ctx.db.updateTable('customer').set({ aum_fen: 497_000_000 }).where('customer_no', '=', no).execute();
    await snapshotPerformance(ctx.db, new Date());
    const base = await figures();
    expect(base.workbench.customers).toBe(base.team.customers);
    expect(base.workbench.aumFen).toBe(497_000_000);
    const n = base.team.customers;

    const created = await ctx.app.inject({ method: 'POST', url: '/api/customers', headers: as('cm_a'), payload: { typeCode: 'personal_resident', name: '新客户', status: 'potential' } });
    expect(created.statusCode).toBe(201);
    await expectAgree(n + 1, 497_000_000);

    expect((await ctx.app.inject({ method: 'DELETE', url: `/api/customers/${no}`, headers: as('cm_a'), payload: { reason: '重复建档' } })).statusCode).toBe(204);
    await expectAgree(n, 0);

    expect((await ctx.app.inject({ method: 'POST', url: `/api/customers/${no}/restore`, headers: as('cm_a'), payload: { reason: '误删' } })).statusCode).toBe(200);
    await expectAgree(n + 1, 497_000_000);
  });

  it('a customer handed to another manager leaves the first book and joins the other at once', async () => {
    const before = (await figures()).team.customers;
    const moved = await ctx.app.inject({ method: 'POST', url: `/api/customers/${no}/manager`, headers: as('bm_a'), payload: { managerId: bank.users.cm_a2, reason: '调整' } });
    expect(moved.statusCode, moved.body).toBe(200);
    await expectAgree(before - 1, 0);
  });

  it('a merge of two of the manager\'s customers and its undoing keep the figures agreeing', async () => {
    const mk = async (name: string) => (await ctx.app.inject({ method: 'POST', url: '/api/customers', headers: as('cm_a'), payload: { typeCode: 'personal_resident', name, status: 'active' } })).json().customerNo as string;
    const [a, b] = [await mk('周合并'), await mk('周合并')];
    await snapshotPerformance(ctx.db, new Date());
    const base = await figures();
    const merged = await ctx.app.inject({ method: 'POST', url: '/api/integration/merges', headers: as('hq'), payload: { survivorNo: a, mergedNo: b, reason: '同一人' } });
    expect(merged.statusCode, merged.body).toBe(201);
    await expectAgree(base.team.customers - 1, base.team.aumFen);
    const undone = await ctx.app.inject({ method: 'POST', url: `/api/integration/merges/${merged.json().mergeId}/unmerge`, headers: as('hq'), payload: { reason: '两个人' } });
    expect(undone.statusCode, undone.body).toBe(200);
    await expectAgree(base.team.customers, base.team.aumFen);
  });
});
