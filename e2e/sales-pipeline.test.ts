import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { createTestContext, type TestContext } from '../server/test/context.ts';
import { seedSmallBank } from '../server/test/fixtures.ts';
import { openBrowser, signInAs } from './support.ts';

let ctx: TestContext;
let bank: Awaited<ReturnType<typeof seedSmallBank>>;
let browser: Browser;
let base: string;

beforeAll(async () => {
  ctx = await createTestContext();
  bank = await seedSmallBank(ctx.db);
  ({ base, browser } = await openBrowser(ctx));
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await ctx?.close();
});

function signIn(username: string, locale = 'zh-CN'): Promise<Page> {
  // The bank's time zone, so "this month" in the browser is the month the server books sales in.
  return signInAs(browser, base, username, { locale, timezoneId: 'Asia/Shanghai', viewport: { width: 1600, height: 1000 } });
}

// Generous: on a shared two-core machine a cold Chromium and the first page can take a while.
describe('a customer manager sells', { timeout: 180_000 }, () => {
  it('logs a phone contact on 张伟, creates an opportunity from it, wins it on the kanban and sees the sale', async () => {
    const page = await signIn('cm_a');
    await page.goto(`${base}/customers/${bank.customers.zhangWei}`);
    await expect.poll(() => page.getByTestId('c360-name').textContent()).toContain('张伟');

    // 1. Log a phone contact from the 360° page (phone is the default channel).
    await page.getByTestId('c360-new-contact').click();
    await page.getByTestId('eng-contact-summary').fill('电话回访：理财到期续作');
    await page.getByTestId('eng-contact-submit').click();
    const drawer = page.getByTestId('eng-record-drawer');
    await drawer.getByText('电话回访：理财到期续作').first().waitFor();
    const contact = await ctx.db.selectFrom('engagement_contact').selectAll().where('summary', '=', '电话回访：理财到期续作').executeTakeFirstOrThrow();
    expect(contact).toMatchObject({ channel: 'phone', owner_id: bank.users.cm_a });

    // 2. Create an opportunity from that contact, with a product and an amount.
    await drawer.getByTestId('eng-create-opportunity-from').click();
    await page.getByTestId('eng-opportunity-summary').fill('稳享理财续作');
    // The form starts with no product row (an empty required row would block Save); the amount may carry thousands separators.
    await page.getByTestId('eng-opp-add-product').click();
    await page.getByTestId('eng-opp-product-0').click();
    await page.keyboard.type('WM_STABLE');
    await page.keyboard.press('Enter');
    await page.getByTestId('eng-opp-amount-0').fill('100,000');
    await page.getByTestId('eng-opportunity-submit').click();
    const findOpp = () => ctx.db.selectFrom('opportunity').selectAll().where('summary', '=', '稳享理财续作').executeTakeFirst();
    await expect.poll(async () => !!(await findOpp())).toBe(true);
    const opp = (await findOpp())!;
    // The drawer now shows the opportunity, linked to the contact it came from.
    await page.getByTestId('eng-record-links').getByText('电话回访：理财到期续作').first().waitFor();
    const link = await ctx.db.selectFrom('contact_opportunity').selectAll().where('contact_id', '=', contact.id).execute();
    expect(link.map((l) => l.opportunity_id)).toEqual([opp.id]);

    // 3. On the kanban, drag the card from its stage to "won".
    await page.goto(`${base}/sales/board`);
    const card = page.getByTestId(`eng-card-${opp.opp_no}`);
    await card.waitFor();
    const won = page.getByTestId('eng-board-col-won');
    await card.dragTo(won);
    await won.getByTestId(`eng-card-${opp.opp_no}`).waitFor();
    await page.screenshot({ path: 'e2e/.last-sales-board.png', fullPage: true });
    await expect.poll(async () => (await ctx.db.selectFrom('opportunity').select('status').where('id', '=', opp.id).executeTakeFirstOrThrow()).status).toBe('won');

    // 4. The sale is recorded against the customer and the manager, and shows under "my sales".
    const sales = await ctx.db.selectFrom('sale').selectAll().where('opportunity_id', '=', opp.id).execute();
    expect(sales).toEqual([expect.objectContaining({ product_code: 'WM_STABLE', amount_fen: 10_000_000, owner_id: bank.users.cm_a, customer_id: contact.customer_id })]);
    await page.getByTestId('eng-tab-sales').click();
    await expect.poll(() => page.getByTestId('eng-my-sales').textContent()).toContain('100,000.00');
    await page.getByTestId('eng-sales-table').getByText('张伟').first().waitFor();
    // The funnel of cm_a's pipeline counts the won opportunity's value.
    await page.getByTestId('eng-tab-funnel').click();
    await page.getByTestId('eng-funnel-table').getByText('100,000.00').first().waitFor();
    await page.screenshot({ path: 'e2e/.last-sales-funnel.png', fullPage: true });

    // 5. Back on the 360° page, the timeline carries the contact and the opportunity.
    await page.goto(`${base}/customers/${bank.customers.zhangWei}`);
    await page.getByTestId('c360-timeline').getByText('电话回访：理财到期续作').first().waitFor();
    await page.getByTestId('c360-timeline').getByText(opp.opp_no, { exact: false }).first().waitFor();
    await page.screenshot({ path: 'e2e/.last-sales.png', fullPage: true });
    await page.close();
  });

  it('a branch manager (in English) sets a monthly target for cm_a and sees the attainment', async () => {
    const page = await signIn('bm_a', 'en-US');
    await page.goto(`${base}/sales/targets`);
    await page.getByTestId('eng-target-new').click();
    await page.getByTestId('eng-target-user').click();
    await page.keyboard.type('cm_a ');
    await page.keyboard.press('Enter');
    await page.getByTestId('eng-target-value').fill('200000');
    await page.getByTestId('eng-target-save').click();
    const table = page.getByTestId('eng-targets-table');
    await table.getByText('Sales amount').first().waitFor();
    // cm_a sold ¥100,000.00 this month (the test above): half of the target.
    await expect.poll(() => table.textContent()).toContain('50%');
    expect(await table.textContent()).toContain('200,000.00');
    const target = await ctx.db.selectFrom('sales_target').selectAll().where('user_id', '=', bank.users.cm_a).executeTakeFirstOrThrow();
    expect(target).toMatchObject({ metric: 'sales_amount', period: 'month', target: '20000000', set_by: bank.users.bm_a });
    await page.getByTestId('eng-tab-settings').click();
    await page.getByTestId('eng-pipelines').getByText('Retail sales').waitFor();
    await page.screenshot({ path: 'e2e/.last-sales-targets.png', fullPage: true });
    await page.close();
  });
});
