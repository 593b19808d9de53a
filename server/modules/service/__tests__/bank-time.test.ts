import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createTestContext, login, type TestContext } from '../../../test/context.ts';
import { PASSWORD, seedSmallBank } from '../../../test/fixtures.ts';

// 23:41 UTC on 7 December is 07:41 on 8 December in Beijing: the bank's business date is the 8th.
const LATE_UTC = new Date('2026-12-07T23:41:00Z');

let ctx: TestContext;
let bank: Awaited<ReturnType<typeof seedSmallBank>>;
const cookies: Record<string, string> = {};

beforeAll(async () => {
  ctx = await createTestContext();
  bank = await seedSmallBank(ctx.db);
  for (const u of ['agent', 'auditor', 'cm_a', 'bm_a', 'hq']) cookies[u] = await login(ctx.app, u, PASSWORD);
});
afterAll(() => ctx?.close());
afterEach(() => vi.useRealTimers());

describe('numbers and file names follow the bank\'s business date, not UTC', () => {
  it('a service request made at 07:41 Beijing time (23:41 UTC the day before) is numbered with the Beijing date', async () => {
    vi.useFakeTimers({ toFake: ['Date'], now: LATE_UTC });
    const res = await ctx.app.inject({
      method: 'POST', url: '/api/service/requests', headers: { cookie: cookies.agent },
      payload: { kind: 'enquiry', priority: 'normal', channel: 'phone', customerNo: bank.customers.zhangWei, subject: '清晨来电' },
    });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json().reqNo).toMatch(/^SR20261208\d{6}$/);
  });

  it.each([
    ['hq', '/api/service/requests/export', 'service-requests-2026-12-08.xlsx'],
    ['cm_a', '/api/customers/export', 'customers-2026-12-08.xlsx'],
    ['auditor', '/api/admin/audit/export', 'audit-2026-12-08.xlsx'],
    ['cm_a', '/api/workbench/reminders/export', 'reminders-2026-12-08.xlsx'],
    ['bm_a', '/api/managers/team/export', 'team-2026-12-08.xlsx'],
  ])('%s exports %s under the Beijing date', async (user, url, file) => {
    vi.useFakeTimers({ toFake: ['Date'], now: LATE_UTC });
    const res = await ctx.app.inject({ url, headers: { cookie: cookies[user] } });
    expect(res.statusCode, res.body.slice(0, 300)).toBe(200);
    expect(res.headers['content-disposition']).toContain(`filename="${file}"`);
  });
});
