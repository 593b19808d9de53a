import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { createTestContext, type TestContext } from '../server/test/context.ts';
import { seedSmallBank } from '../server/test/fixtures.ts';
import { choose, openBrowser, signInAs } from './support.ts';

let ctx: TestContext;
let bank: Awaited<ReturnType<typeof seedSmallBank>>;
let browser: Browser;
let base: string;

beforeAll(async () => {
  ctx = await createTestContext();
  bank = await seedSmallBank(ctx.db);
  // cm_a's book: 12 large-CD holders, 8 of them also in the stable wealth product; 10 with a current account only.
  const type = await ctx.db.selectFrom('customer_type').select('id').where('code', '=', 'personal_resident').executeTakeFirstOrThrow();
  for (let i = 0; i < 22; i++) {
    const cd = i < 12;
    const { id } = await ctx.db.insertInto('customer').values({
      customer_no: `8001${String(i).padStart(4, '0')}`, type_id: type.id, party: 'person', name: cd ? `大额客户${i}` : `活期客户${i}`, name_pinyin: '', name_initials: '',
      name_grams: [], gender: null, birth_date: null, nationality: 'CN', occupation: null, employer: null, industry: null, status: 'active', level_code: 'gold',
      org_id: bank.orgs.subA, manager_id: bank.users.cm_a, risk_tolerance: 'C3', attributes: '{}', aum_fen: 30_000_000 + i, remarks: null,
    }).returning('id').executeTakeFirstOrThrow();
    const products = cd ? (i < 8 ? ['DEP_LARGE_CD', 'WM_STABLE'] : ['DEP_LARGE_CD']) : ['DEP_CURRENT'];
    await ctx.db.insertInto('account').values(products.map((p, k) => ({
      customer_id: id, source_system: 'CORE', account_no: `E2E${i}-${k}`, org_id: bank.orgs.subA, product_code: p, opened_on: '2024-03-01', balance_fen: 20_000_000,
    }))).execute();
  }
  ({ base, browser } = await openBrowser(ctx));
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await ctx?.close();
});

function signIn(username: string): Promise<Page> {
  return signInAs(browser, base, username, { locale: 'zh-CN' });
}

// Generous: on a shared two-core machine a cold Chromium and the first page can take a while.
describe('a customer manager looks for whom to offer a wealth product', { timeout: 120_000 }, () => {
  it('opens the catalogue, a wealth product, its risk rating, scripts and likely customers', async () => {
    const page = await signIn('cm_a');
    await page.goto(`${base}/products`);
    const table = page.getByTestId('product-table');
    await table.getByText('WM_STABLE').waitFor();
    await table.getByText('稳享理财').click();
    await page.waitForURL('**/products/WM_STABLE');
    await expect.poll(() => page.getByTestId('product-name').textContent()).toContain('稳享理财');
    await expect.poll(() => page.getByTestId('product-risk').textContent()).toContain('R2');
    // 8 holders among cm_a's customers.
    await expect.poll(() => page.getByTestId('product-terms').textContent()).toContain('固定收益类理财');

    await page.getByTestId('tab-scripts').click();
    const scripts = page.getByTestId('product-scripts');
    await scripts.getByText('到期转购稳享理财').waitFor();
    expect(await scripts.textContent()).toContain('到期转化');

    await page.getByTestId('tab-prospects').click();
    const prospects = page.getByTestId('prospect-table');
    await prospects.getByText('大额客户8').waitFor();
    const text = (await prospects.textContent()) ?? '';
    for (const name of ['大额客户8', '大额客户9', '大额客户10', '大额客户11']) expect(text).toContain(name);
    // Holders are never proposed, and each proposal says why.
    expect(text).not.toContain('大额客户0');
    expect(await page.getByTestId('prospect-reasons').first().textContent()).toContain('持有大额存单');
    await page.screenshot({ path: 'e2e/.last-products.png', fullPage: true });
    // From a proposal to what that customer holds today.
    await prospects.locator('tr', { hasText: '大额客户8' }).getByText('持有产品').click();
    await page.waitForURL('**/products/holdings/80010008');
    const holdings = page.getByTestId('customer-holdings');
    await holdings.getByText('大额存单').waitFor();
    expect(await holdings.textContent()).toContain('200,000.00');
    await page.close();
  });

  it('lets a product manager add a wealth product, which must carry a risk rating', async () => {
    const page = await signIn('hq');
    await page.goto(`${base}/products`);
    await page.getByTestId('product-new').click();
    await page.getByTestId('product-form-code').fill('wm_e2e_1');
    await page.getByTestId('product-form-name').fill('测试理财一号');
    await choose(page, 'product-form-category', '理财');
    await page.getByTestId('product-form-rate').fill('3.123456');
    await page.getByTestId('product-form-submit').click();
    // Checked before anything is sent: the rating is required for wealth, the rate has at most 4 decimals.
    await page.getByText('理财和基金产品必须有风险等级').waitFor();
    await page.getByText('请输入百分比数值').waitFor();
    expect(await ctx.db.selectFrom('product').select('code').where('code', '=', 'WM_E2E_1').executeTakeFirst()).toBeUndefined();
    await choose(page, 'product-form-risk', 'R3');
    await page.getByTestId('product-form-rate').fill('3.1');
    await page.getByTestId('product-form-submit').click();
    await page.waitForURL('**/products/WM_E2E_1');
    await expect.poll(() => page.getByTestId('product-risk').textContent()).toContain('R3');
    const row = await ctx.db.selectFrom('product').select(['risk_rating', 'rate_pct']).where('code', '=', 'WM_E2E_1').executeTakeFirstOrThrow();
    expect(row).toEqual({ risk_rating: 'R3', rate_pct: '3.1000' });
    await page.close();
  });

  it('shows which segments hold which products, as a heat map and a table', async () => {
    const page = await signIn('cm_a');
    await page.goto(`${base}/products/matrix`);
    await page.getByTestId('matrix-heatmap').locator('canvas').first().waitFor();
    await page.getByText('明细表').click();
    const table = page.getByTestId('matrix-table');
    await table.getByText('金卡').waitFor();
    // 8 of the 22 gold customers hold the stable wealth product; 12 hold a large CD.
    expect(await table.textContent()).toContain('36.4%');
    expect(await table.textContent()).toContain('54.5%');
    await page.close();
  });
});
