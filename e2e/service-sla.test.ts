import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { createTestContext, login, type TestContext } from '../server/test/context.ts';
import { PASSWORD, seedSmallBank } from '../server/test/fixtures.ts';
import { openBrowser, signInAs } from './support.ts';
import { serviceJobs } from '../server/modules/service/service.jobs.ts';


let ctx: TestContext;
let bank: Awaited<ReturnType<typeof seedSmallBank>>;
let browser: Browser;
let base: string;
let reqNo: string;

beforeAll(async () => {
  ctx = await createTestContext();
  bank = await seedSmallBank(ctx.db);
  // A one-minute SLA for urgent complaints, set the way a supervisor would.
  const bm = await login(ctx.app, 'bm_a', PASSWORD);
  const sla = await ctx.app.inject({ method: 'PUT', url: '/api/service/slas', headers: { cookie: bm }, payload: { items: [{ kind: 'complaint', priority: 'urgent', responseMinutes: 1, resolutionMinutes: 1 }] } });
  expect(sla.statusCode, sla.body).toBe(200);
  const agent = await login(ctx.app, 'agent', PASSWORD);
  const res = await ctx.app.inject({
    method: 'POST', url: '/api/service/requests', headers: { cookie: agent },
    payload: { customerNo: bank.customers.zhangWei, kind: 'complaint', priority: 'urgent', channel: 'phone', subject: '大额转账迟迟未到账', description: '客户来电投诉', assigneeId: bank.users.cm_a },
  });
  expect(res.statusCode, res.body).toBe(201);
  reqNo = res.json().reqNo;
  // The clock moves on: the escalation job runs two minutes later, past the one-minute deadline.
  const job = serviceJobs.find((j) => j.name === 'service.escalate-breached')!;
  expect(await job.run(ctx.db, new Date(Date.now() + 2 * 60_000))).toBe(1);

  ({ base, browser } = await openBrowser(ctx));
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await ctx?.close();
});

function signIn(username: string): Promise<Page> {
  return signInAs(browser, base, username, { locale: 'zh-CN' });
}

describe('SLA breach escalates to the supervisor', { timeout: 120_000 }, () => {
  it('the branch manager sees the breached complaint red and escalated to them on the dashboard', async () => {
    const page = await signIn('bm_a');
    await page.goto(`${base}/service/dashboard`);
    const row = page.getByTestId('dashboard-items').locator('tr', { hasText: reqNo });
    await row.waitFor();
    expect(await row.getAttribute('data-breached')).toBe('true');
    expect(await row.getAttribute('data-escalated-to-me')).toBe('true');
    expect(await row.getByTestId('dashboard-escalated-to').textContent()).toBe('bm_a');
    // The live timer is red and says so.
    const timer = row.getByTestId('sla-timer');
    expect(await timer.getAttribute('data-breached')).toBe('true');
    expect(await timer.locator('.ant-tag-red').count()).toBeGreaterThan(0);
    expect(await timer.textContent()).toMatch(/超时|已超时/);
    await expect.poll(async () => Number((await page.getByTestId('dashboard-escalatedToMe').locator('.ant-statistic-content-value').textContent())?.replace(/,/g, ''))).toBeGreaterThanOrEqual(1);
    // Counted as breached although the wall clock has not reached the deadline: the job marked it.
    await expect.poll(async () => Number((await page.getByTestId('dashboard-breached').locator('.ant-statistic-content-value').textContent())?.replace(/,/g, ''))).toBeGreaterThanOrEqual(1);
    await page.screenshot({ path: 'e2e/.last-service-dashboard.png', fullPage: true });

    // The request's own page shows the escalation step in its timeline.
    await row.getByRole('link', { name: reqNo }).click();
    await page.waitForURL(`**/service/requests/${reqNo}`);
    const steps = page.getByTestId('service-steps');
    await steps.getByText('超时升级').waitFor();
    expect(await steps.textContent()).toContain('bm_a');
    expect(await page.getByTestId('sla-timer').first().getAttribute('data-breached')).toBe('true');
    await page.screenshot({ path: 'e2e/.last-service-detail.png', fullPage: true });
    await page.close();
  });

  it('an agent opens a request through the form, takes it and records a response', async () => {
    const page = await signIn('agent');
    await page.goto(`${base}/service/new`);
    await page.getByTestId('customer-picker').click();
    await page.keyboard.type('zw');
    await page.locator('.ant-select-item-option', { hasText: '张伟' }).first().click();
    await page.getByTestId('service-form-subject').fill('咨询定期存款提前支取');
    await page.getByTestId('service-form-description').fill('客户想了解提前支取的利息计算');
    await page.getByTestId('service-form-submit').click();
    await page.waitForURL(/\/service\/requests\/SR\d+$/);
    const created = page.url().split('/').pop()!;
    await page.getByTestId('service-action-take').click();
    await expect.poll(() => page.getByTestId('service-detail-assignee').textContent()).toBe('agent');
    await page.getByTestId('service-action-respond').click();
    await page.getByTestId('service-action-note').fill('已告知按活期利率计息');
    await page.getByTestId('service-action-ok').click();
    await page.getByTestId('service-steps').getByText('已告知按活期利率计息').waitFor();
    const row = await ctx.db.selectFrom('service_request').select(['status', 'assignee_id', 'responded_at']).where('req_no', '=', created).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ status: 'in_progress', assignee_id: bank.users.agent });
    expect(row.responded_at).toBeTruthy();
    await page.goto(`${base}/service?q=${encodeURIComponent('提前支取')}`);
    await page.getByTestId('service-table').getByText(created).waitFor();
    await page.screenshot({ path: 'e2e/.last-service-list.png', fullPage: true });
    await page.close();
  });

  it('head office opens the outbound, dispatch, archive and SLA pages', async () => {
    const page = await signIn('hq');
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    for (const [path, testId] of [['/service/outbound', 'outbound-table'], ['/service/dispatch', 'dispatch-form'], ['/service/archive', 'archive-table'], ['/service/settings', 'sla-table']]) {
      await page.goto(`${base}${path}`);
      await page.getByTestId(testId).waitFor();
    }
    // The SLA matrix shows the one-minute complaint SLA set above (once its rows have loaded: the table comes first).
    await expect.poll(() => page.getByTestId('sla-table').locator('input').evaluateAll((els) => els.map((e) => (e as HTMLInputElement).value)), { timeout: 10_000 }).toContain('1');
    expect(errors).toEqual([]);
    await page.close();
  });

  it('a manager of the other branch does not see it at all', async () => {
    const page = await signIn('cm_b');
    await page.goto(`${base}/service/requests/${reqNo}`);
    await page.getByText(/不存在|not found/i).first().waitFor();
    expect(await page.getByTestId('service-detail-title').count()).toBe(0);
    await page.close();
  });
});
