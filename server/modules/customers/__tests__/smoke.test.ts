import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestContext, login, type TestContext } from '../../../test/context.ts';
import { PASSWORD, seedSmallBank } from '../../../test/fixtures.ts';

let ctx: TestContext;
let bank: Awaited<ReturnType<typeof seedSmallBank>>;
beforeAll(async () => {
  ctx = await createTestContext();
  bank = await seedSmallBank(ctx.db);
});
afterAll(() => ctx?.close());

it('smoke', async () => {
  const cookie = await login(ctx.app, 'cm_a', PASSWORD);
  const res = await ctx.app.inject({ url: '/api/customers?q=zw', headers: { cookie } });
  console.log(res.statusCode, res.body);
  const v = await ctx.app.inject({ url: `/api/customers/${bank.customers.zhangWei}`, headers: { cookie } });
  console.log(v.statusCode, v.body.slice(0, 3000));
  expect(res.statusCode).toBe(200);
});
