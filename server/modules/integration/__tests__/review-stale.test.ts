import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, login, type TestContext } from '../../../test/context.ts';
import { PASSWORD, seedSmallBank } from '../../../test/fixtures.ts';
import { conflictLabel } from '../integration.routes.ts';

/** A decision is taken on the pair the reviewer saw; a pair changed since is looked at again (found by testing). */

let ctx: TestContext;
let bank: Awaited<ReturnType<typeof seedSmallBank>>;
const cookies: Record<string, string> = {};
const as = (user: string) => ({ cookie: cookies[user] });

async function customer(name: string) {
  const res = await ctx.app.inject({ method: 'POST', url: '/api/customers', headers: as('hq'), payload: { typeCode: 'personal_resident', name, managerId: bank.users.cm_b } });
  expect(res.statusCode, res.body).toBe(201);
  return res.json().customerNo as string;
}
const propose = async (a: string, b: string) => {
  // Proposed by the customers' manager: hq decides (the proposer never confirms their own proposal).
  const res = await ctx.app.inject({ method: 'POST', url: '/api/integration/reviews', headers: as('cm_b'), payload: { customerNo: a, otherCustomerNo: b } });
  expect(res.statusCode, res.body).toBe(201);
  return res.json().id as number;
};
const open = async (id: number) => (await ctx.app.inject({ url: `/api/integration/reviews/${id}`, headers: as('hq') })).json();
const decide = (id: number, payload: Record<string, unknown>) => ctx.app.inject({ method: 'POST', url: `/api/integration/reviews/${id}/decision`, headers: as('hq'), payload });
const merge = (survivorNo: string, mergedNo: string) => ctx.app.inject({ method: 'POST', url: '/api/integration/merges', headers: as('hq'), payload: { survivorNo, mergedNo, reason: '同一人' } });
const seen = (r: { a: { customerNo: string }; b: { customerNo: string }; version: string }) => ({ aNo: r.a.customerNo, bNo: r.b.customerNo, version: r.version });

beforeAll(async () => {
  ctx = await createTestContext();
  bank = await seedSmallBank(ctx.db);
  cookies.hq = await login(ctx.app, 'hq', PASSWORD);
  cookies.cm_b = await login(ctx.app, 'cm_b', PASSWORD);
});
afterAll(() => ctx?.close());

describe('a pair changed while it was open is not decided', () => {
  it('re-pointed to another customer by a merge elsewhere: confirming what was seen is refused (409), nothing merged; opened again it can be decided', async () => {
    const [x, y, z] = [await customer('李伟'), await customer('王峰波'), await customer('郑兰诗')];
    const other = await propose(x, y);
    const mine = await propose(x, z);
    const before = await open(mine);
    expect(before.version).toEqual(expect.any(String));
    // Meanwhile someone confirms the other pair: x merged into y, the open pair re-pointed to y.
    expect((await decide(other, { decision: 'confirm', survivorNo: y })).statusCode).toBe(200);
    for (const survivorNo of [z, x]) {
      const res = await decide(mine, { decision: 'confirm', survivorNo, ...seen(before) });
      expect(res.statusCode, res.body).toBe(409);
      expect(res.json().error.message).toMatch(/已有变化|重新查看/);
    }
    expect((await ctx.app.inject({ url: `/api/customers/${y}`, headers: as('hq') })).statusCode).toBe(200);
    expect((await ctx.db.selectFrom('customer').select('deleted').where('customer_no', '=', y).executeTakeFirstOrThrow()).deleted).toBe(false);
    const en = await ctx.app.inject({ method: 'POST', url: `/api/integration/reviews/${mine}/decision`, headers: { ...as('hq'), 'accept-language': 'en' }, payload: { decision: 'reject', ...seen(before) } });
    expect(en.statusCode).toBe(409);
    expect(en.json().error.message).toMatch(/changed since you opened it/);
    // Looked at again: the pair as it is now can be decided.
    const now = await open(mine);
    expect([now.a.customerNo, now.b.customerNo].sort()).toEqual([y, z].sort());
    const ok = await decide(mine, { decision: 'reject', ...seen(now) });
    expect(ok.statusCode, ok.body).toBe(200);
  });

  it('a third customer merged into one side (same numbers) changes the version: refused; unmerged again, refused too', async () => {
    const [a, b, c] = [await customer('赵六'), await customer('赵六'), await customer('赵六')];
    const id = await propose(a, b);
    const first = await open(id);
    const m = await merge(a, c);
    expect(m.statusCode, m.body).toBe(201);
    expect((await decide(id, { decision: 'confirm', ...seen(first) })).statusCode).toBe(409);
    const second = await open(id);
    expect(second.version).not.toBe(first.version);
    expect((await ctx.app.inject({ method: 'POST', url: `/api/integration/merges/${m.json().mergeId}/unmerge`, headers: as('hq'), payload: { reason: '两个人' } })).statusCode).toBe(200);
    expect((await decide(id, { decision: 'confirm', ...seen(second) })).statusCode).toBe(409);
    const res = await decide(id, { decision: 'confirm', survivorNo: a, ...seen(await open(id)) });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ status: 'confirmed', survivorNo: a });
  });
});

describe('an unmerge refused for a later merge names that merge and its customers', () => {
  it('says which merge (number, survivor ← merged) to undo first', async () => {
    const [a, b, c] = [await customer('钱七'), await customer('钱七'), await customer('钱七')];
    const m1 = (await merge(a, b)).json().mergeId;
    const m2 = (await merge(a, c)).json().mergeId;
    const res = await ctx.app.inject({ method: 'POST', url: `/api/integration/merges/${m1}/unmerge`, headers: as('hq'), payload: { reason: '两个人' } });
    expect(res.statusCode).toBe(409);
    expect(res.json().error.message).toContain(`编号 ${m2}：${a} ← ${c}`);
  });
});

describe('the queue export names ID conflicts in its language', () => {
  it.each([
    ['different valid resident_id numbers', 'zh', '两个不同的有效居民身份证号码'],
    ['same valid uscc number, different name', 'zh', '同一有效统一社会信用代码号码，姓名不同'],
    ['different valid resident_id numbers', 'en', 'Two different valid resident ID numbers'],
    ['something else', 'zh', 'something else'],
    [null, 'zh', ''],
  ] as const)('%s (%s)', (conflict, lang, text) => {
    expect(conflictLabel(conflict, lang)).toBe(text);
  });
});
