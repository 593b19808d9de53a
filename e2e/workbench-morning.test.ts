import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { createTestContext, type TestContext } from '../server/test/context.ts';
import { authenticateAs, seedSmallBank } from '../server/test/fixtures.ts';
import { openBrowser, signInAs } from './support.ts';
import { managersJobs } from '../server/modules/managers/managers.jobs.ts';
import { addDays, localDate, weekStart } from '../server/modules/managers/managers.dates.ts';
import { saveReport } from '../server/modules/managers/managers.service.ts';


let ctx: TestContext;
let bank: Awaited<ReturnType<typeof seedSmallBank>>;
let browser: Browser;
let base: string;
const today = localDate(new Date());

beforeAll(async () => {
  ctx = await createTestContext();
  bank = await seedSmallBank(ctx.db);
  const { id } = await ctx.db.selectFrom('customer').select('id').where('customer_no', '=', bank.customers.zhangWei).executeTakeFirstOrThrow();
  await sql`INSERT INTO account (customer_id, source_system, account_no, org_id, product_code, opened_on, balance_fen, maturity_on)
    VALUES (${id}, 'CORE', '6222020200998877665', ${bank.orgs.subA}, 'DEP_TIME_1Y', '2025-01-10', 30000000, ${addDays(today, 3)})`.execute(ctx.db);
  // The morning's jobs: performance snapshot, then reminders.
  for (const job of managersJobs) await job.run(ctx.db, new Date());
  // cm_a's weekly summary, submitted, for the supervisor to read.
  const cmA = (await authenticateAs(ctx.db, bank.users.cm_a))!;
  await saveReport(ctx.db, cmA, { userId: cmA.id, username: 'cm_a', ip: null }, { kind: 'weekly_summary', periodStart: weekStart(today), content: '本周完成张伟定期续存沟通', submit: true });
  ({ base, browser } = await openBrowser(ctx));
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await ctx?.close();
});

function signIn(username: string): Promise<Page> {
  return signInAs(browser, base, username, { locale: 'zh-CN', viewport: { width: 1440, height: 1000 } });
}

// Generous: on a shared two-core machine a cold Chromium and the first page can take a while.
describe('a manager\'s morning', { timeout: 120_000 }, () => {
  it('cm_a lands on the workbench and sees 张伟\'s maturity and the performance widget', async () => {
    const page = await signIn('cm_a');
    await page.waitForURL('**/workbench');
    const maturity = page.getByTestId('reminders-widget').getByTestId('reminder-maturity');
    await maturity.waitFor();
    expect(await maturity.textContent()).toContain('张伟');
    expect(await maturity.textContent()).toContain(addDays(today, 3));
    const perf = page.getByTestId('performance-widget');
    await perf.waitFor();
    // 300,000.00 in the time deposit.
    await expect.poll(() => perf.getByTestId('perf-deposits').textContent()).toContain('300,000.00');
    await perf.locator('canvas').first().waitFor();
    await page.getByTestId('my-customers').getByText('张伟').first().waitFor();
    await page.screenshot({ path: 'e2e/.last-workbench.png', fullPage: true });
    const salesMonth = page.getByTestId('perf-sales-month');
    await expect.poll(() => salesMonth.textContent()).toMatch(/· 0$/);

    // The morning's work: call 张伟 about the maturity, log the call, and sell the renewal from it.
    await page.goto(`${base}/customers/${bank.customers.zhangWei}`);
    await page.getByTestId('c360-new-contact').click();
    await page.getByTestId('eng-contact-summary').fill('到期提醒：电话联系续存');
    await page.getByTestId('eng-contact-submit').click();
    const drawer = page.getByTestId('eng-record-drawer');
    await drawer.getByText('到期提醒：电话联系续存').first().waitFor();
    await drawer.getByTestId('eng-create-opportunity-from').click();
    await page.getByTestId('eng-opportunity-summary').fill('定期到期续存');
    await page.getByTestId('eng-opp-add-product').click();
    await page.getByTestId('eng-opp-product-0').click();
    await page.keyboard.type('DEP_TIME_1Y');
    await page.keyboard.press('Enter');
    await page.getByTestId('eng-opp-amount-0').fill('300000');
    await page.getByTestId('eng-opportunity-submit').click();
    const findOpp = () => ctx.db.selectFrom('opportunity').select(['id', 'opp_no']).where('summary', '=', '定期到期续存').executeTakeFirst();
    await expect.poll(async () => !!(await findOpp())).toBe(true);
    const opp = (await findOpp())!;
    await page.goto(`${base}/sales/board`);
    const won = page.getByTestId('eng-board-col-won');
    await page.getByTestId(`eng-card-${opp.opp_no}`).dragTo(won);
    await won.getByTestId(`eng-card-${opp.opp_no}`).waitFor();

    // Back on the workbench, this month's sales count the renewal.
    await page.goto(`${base}/workbench`);
    await expect.poll(() => page.getByTestId('perf-sales-month').textContent()).toMatch(/· 1$/);
    const sale = await ctx.db.selectFrom('sale').select(['product_code', 'amount_fen', 'owner_id']).where('opportunity_id', '=', opp.id).execute();
    expect(sale).toEqual([{ product_code: 'DEP_TIME_1Y', amount_fen: 30_000_000, owner_id: bank.users.cm_a }]);
    await page.close();
  });

  it('the supervisor bm_a opens /team and comments on cm_a\'s weekly report', async () => {
    const page = await signIn('bm_a');
    await page.goto(`${base}/team`);
    await page.getByTestId('team-table').getByText('cm_a', { exact: true }).first().waitFor();
    await page.getByTestId('tab-reports').click();
    await page.getByTestId('team-reports').getByText('本周完成张伟定期续存沟通').waitFor();
    await page.getByTestId('read-report-cm_a').click();
    await page.getByTestId('report-body').getByText('本周完成张伟定期续存沟通').waitFor();
    await page.getByTestId('comment-input').fill('很好，下周跟进到期续存');
    await page.getByTestId('comment-submit').click();
    await page.getByTestId('report-comments').getByText('很好，下周跟进到期续存').waitFor();
    const rows = await ctx.db.selectFrom('work_report_comment').select(['content', 'user_id']).execute();
    expect(rows).toEqual([{ content: '很好，下周跟进到期续存', user_id: bank.users.bm_a }]);
    await page.screenshot({ path: 'e2e/.last-team.png', fullPage: true });
    // The same supervisor keeps the managers' profiles.
    await page.goto(`${base}/managers`);
    await page.getByTestId('profiles-table').getByText('cm_a2').waitFor();
    await page.screenshot({ path: 'e2e/.last-managers.png', fullPage: true });
    await page.close();
  });
});
