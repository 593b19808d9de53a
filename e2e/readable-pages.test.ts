/**
 * Pages that must stay readable whatever the data (bugs 6, 7, 9): a 200-character name does not squeeze the 360°
 * profile, the product catalogue reads in English, an unknown record shows a not-found page with a way back.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
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

const signIn = (username: string, locale = 'zh-CN') => signInAs(browser, base, username, { locale, viewport: { width: 1400, height: 900 } });

describe('pages stay readable', { timeout: 180_000 }, () => {
  it('a 200-character company name is cut with a tooltip; the profile columns keep their width', async () => {
    const long = '榕树'.repeat(100);
    await ctx.db.updateTable('customer').set({ name: long }).where('customer_no', '=', bank.customers.company).execute();
    const page = await signIn('hq');
    await page.goto(`${base}/customers/${bank.customers.company}`);
    await page.getByTestId('c360-profile').waitFor();
    // The header name is one line, not a wall of text.
    const title = await page.getByTestId('c360-name').boundingBox();
    expect(title!.height).toBeLessThan(60);
    // No profile value is squeezed to a character a line.
    const widths = await page.getByTestId('c360-profile').locator('td.ant-descriptions-item-content').evaluateAll((tds) => tds.map((td) => td.getBoundingClientRect().width));
    expect(Math.min(...widths)).toBeGreaterThanOrEqual(100);
    const name = await page.getByTestId('c360-profile-name').boundingBox();
    expect(name!.height).toBeLessThan(80);
    await page.close();
  });

  it('in English the catalogue shows target segments in English', async () => {
    const page = await signIn('hq', 'en-US');
    await page.goto(`${base}/products`);
    await page.getByText('All customers').first().waitFor();
    const segments = await page.locator('td').filter({ hasText: /风险承受能力|全部客户|对公客户/ }).count();
    expect(segments).toBe(0);
    await page.close();
  });

  it('a service request that does not exist shows a not-found page with a way back, in both languages', async () => {
    for (const [locale, title] of [['zh-CN', '页面不存在'], ['en-US', 'Page not found']] as const) {
      const page = await signIn('hq', locale);
      await page.goto(`${base}/service/requests/SR99999999`);
      await page.getByTestId('not-found').waitFor();
      expect(await page.getByTestId('not-found').textContent()).toContain(title);
      await page.getByTestId('error-back').click();
      await expect.poll(() => new URL(page.url()).pathname).toBe('/service');
      await page.close();
    }
  });
});
