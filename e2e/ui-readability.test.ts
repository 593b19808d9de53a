/**
 * What a tester found hard to read or reach: the 360° timeline's raw JSON, the audit log's times in the browser's
 * zone, request paths in banners, the users page's Chinese org names in English, and customer list columns cut.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { createTestContext, type TestContext } from '../server/test/context.ts';
import { PASSWORD, seedSmallBank } from '../server/test/fixtures.ts';
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

async function cookieOf(username: string): Promise<string> {
  const res = await ctx.app.inject({ method: 'POST', url: '/api/auth/login', payload: { username, password: PASSWORD } });
  return res.headers['set-cookie']!.toString().split(';')[0]!;
}

async function inEnglish(page: Page) {
  await page.evaluate(() => localStorage.setItem('banyan.lang', 'en'));
}

describe('readable and reachable', { timeout: 120_000 }, () => {
  it('the 360° timeline shows a changed mobile as contacts removed and added, not JSON', async () => {
    const cookie = await cookieOf('cm_a');
    const res = await ctx.app.inject({
      method: 'PATCH', url: `/api/customers/${bank.customers.zhangWei}`, headers: { cookie },
      payload: { contacts: [{ kind: 'mobile', value: '+86 139 0013 9000', isPrimary: true }, { kind: 'email', value: 'zhangwei@example.com' }] },
    });
    expect(res.statusCode).toBe(200);
    const page = await signInAs(browser, base, 'cm_a', { locale: 'zh-CN' });
    await page.goto(`${base}/customers/${bank.customers.zhangWei}`);
    await page.getByRole('tab', { name: '变更时间线' }).click();
    const entry = page.getByTestId('c360-timeline-audit').filter({ hasText: '修改' }).first();
    await entry.waitFor();
    const text = (await entry.textContent()) ?? '';
    expect(text).toContain('+ 手机 +86 13900139000 (主)');
    expect(text).toContain('− 手机 +86 13812345678 (主)');
    expect(text).not.toMatch(/\[\{|"kind"|is_primary/);
    // The email did not change: it is not listed.
    expect(text).not.toContain('zhangwei@example.com');
    // The manager history's reason the server keeps in both languages ("新建客户 / new customer") reads in one.
    await page.getByRole('tab', { name: '管户历史' }).click();
    const history = page.getByRole('tabpanel', { name: '管户历史' });
    await history.getByText('新建客户').waitFor();
    expect(await history.textContent()).not.toContain('new customer');
    await page.close();
  });

  it('the audit log shows times on the bank clock, naming its zone for a browser elsewhere', async () => {
    const page = await signInAs(browser, base, 'auditor', { locale: 'zh-CN', timezoneId: 'Europe/Berlin' });
    await page.goto(`${base}/admin/audit`);
    const first = page.getByTestId('audit-at').first();
    await first.waitFor();
    const { at } = (await ctx.db.selectFrom('audit_log').select('at').orderBy('at', 'desc').orderBy('id', 'desc').limit(1).executeTakeFirstOrThrow());
    const shanghai = new Intl.DateTimeFormat('sv-SE', { timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' });
    // The newest row may be the page's own read; the first row is at most a few seconds from the newest row seen here.
    const shown = (await first.textContent())!;
    expect(Math.abs(Date.parse(shown.replace(' ', 'T') + '+08:00') - new Date(at).getTime())).toBeLessThan(60_000);
    expect(shown.slice(0, 13)).toBe(shanghai.format(new Date(at)).slice(0, 13));
    await expect.poll(() => page.getByTestId('audit-table').locator('thead').textContent()).toContain('Asia/Shanghai');
    await page.close();
  });

  it('in English the users page names orgs in English, and Email is not under the pinned actions', async () => {
    const page = await signInAs(browser, base, 'admin', { locale: 'en-US', viewport: { width: 1366, height: 768 } });
    await inEnglish(page);
    await page.goto(`${base}/admin/users`);
    const table = page.getByTestId('user-table');
    await table.locator('tbody tr').filter({ hasText: 'cm_a2' }).waitFor();
    const row = table.locator('tbody tr').filter({ hasText: 'cm_a2' });
    expect(await row.textContent()).toContain('BJ01');
    expect(await row.textContent()).not.toContain('北京海淀支行');
    // Scrolled to its end, the Email column lies left of the pinned actions, wide enough to read.
    await table.locator('.ant-table-content, .ant-table-body').first().evaluate((el) => { el.scrollLeft = el.scrollWidth; });
    const heads = await table.locator('thead th').evaluateAll((ths) => ths.map((th) => ({ text: th.textContent, ...JSON.parse(JSON.stringify(th.getBoundingClientRect())) as DOMRect })));
    const email = heads.find((h) => h.text === 'Email')!;
    const actions = heads.find((h) => h.text === 'Actions')!;
    expect(email.right).toBeLessThanOrEqual(actions.left + 1);
    expect(email.width).toBeGreaterThanOrEqual(150);
    await page.close();
  });

  it('at 1366 px the customer list shows AUM uncut and Created on screen', async () => {
    const page = await signInAs(browser, base, 'hq', { locale: 'en-US', viewport: { width: 1366, height: 768 } });
    await inEnglish(page);
    await page.goto(`${base}/customers`);
    const table = page.getByTestId('customer-table');
    await table.getByTestId('customer-aum').first().waitFor();
    const box = (await table.boundingBox())!;
    const heads = await table.locator('thead th').evaluateAll((ths) => ths.map((th) => ({ text: th.textContent, ...JSON.parse(JSON.stringify(th.getBoundingClientRect())) as DOMRect })));
    for (const name of ['AUM', 'Created']) {
      const h = heads.find((x) => x.text === name)!;
      expect(h.right, name).toBeLessThanOrEqual(Math.min(box.x + box.width, 1366) + 1);
    }
    // Each amount fits its cell.
    const cut = await table.getByTestId('customer-aum').evaluateAll((spans) => spans.filter((s) => s.getBoundingClientRect().width > s.parentElement!.clientWidth).length);
    expect(cut).toBe(0);
    // The search box takes no more than the server accepts.
    expect(await page.getByTestId('customer-search').getAttribute('maxlength')).toBe('100');
    await page.close();
  });

  it('a new customer with a registered ID number: the banner names the field by its label, not its path', async () => {
    const page = await signInAs(browser, base, 'cm_a', { locale: 'zh-CN' });
    await page.goto(`${base}/customers/new`);
    await page.getByTestId('customer-form-type').click();
    await page.locator('.ant-select-tree-title', { hasText: '境内居民' }).first().click();
    await page.getByTestId('customer-form-name').fill('张伟');
    if (!(await page.locator('#customer_identities_0_idNo').count())) await page.getByRole('button', { name: '添加证件' }).click();
    await page.locator('#customer_identities_0_idNo').fill('11010519491231002X');
    await page.getByTestId('customer-save').click();
    const banner = page.getByTestId('customer-form-conflict');
    await banner.waitFor();
    const text = (await banner.textContent()) ?? '';
    expect(text).not.toContain('identities.0');
    expect(text).toContain('证件号码');
    await page.close();
  });
});
