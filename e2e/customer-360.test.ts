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
  const { id } = await ctx.db.selectFrom('customer').select('id').where('customer_no', '=', bank.customers.zhangWei).executeTakeFirstOrThrow();
  await ctx.db.insertInto('account').values([
    { customer_id: id, source_system: 'CORE', account_no: '6222020200112233445', org_id: bank.orgs.subA, product_code: 'DEP_CURRENT', opened_on: '2020-01-02', balance_fen: 1_234_567 },
    { customer_id: id, source_system: 'WEALTH', account_no: 'WM0001', org_id: bank.orgs.subA, product_code: 'WM_STABLE', opened_on: '2021-01-02', balance_fen: 50_000_000 },
  ]).execute();
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

function signIn(username: string): Promise<Page> {
  return signInAs(browser, base, username, { locale: 'zh-CN' });
}

// Generous: on a shared two-core machine a cold Chromium and the first page can take a while.
describe('a customer manager at work', { timeout: 120_000 }, () => {
  it('the address the README gives, the bare root, opens the sign-in page', async () => {
    const page = await browser.newPage({ locale: 'zh-CN' });
    const res = await page.goto(`${base}/`);
    expect(res?.status()).toBe(200);
    expect(res?.headers()['content-type']).toContain('text/html');
    await page.getByTestId('login-username').waitFor();
    expect(new URL(page.url()).pathname).toBe('/login');
    await page.close();
  });
  it('finds a customer by pinyin initials and sees the 360° view with accounts and AUM', async () => {
    const page = await signIn('cm_a');
    await page.goto(`${base}/customers`);
    const box = page.getByTestId('customer-search');
    await box.fill('zw');
    await box.press('Enter');
    const row = page.getByTestId('customer-table').getByText('张伟');
    await row.waitFor();
    // The list re-renders when the search answers; a click on a row being replaced can be lost, so click again if need be.
    await expect.poll(async () => {
      if (!page.url().includes(`/customers/${bank.customers.zhangWei}`)) await row.click({ timeout: 5000 }).catch(() => undefined);
      return page.url();
    }, { interval: 2000 }).toContain(`/customers/${bank.customers.zhangWei}`);
    await expect.poll(() => page.getByTestId('c360-name').textContent()).toContain('张伟');
    // AUM = 12,345.67 + 500,000.00
    await expect.poll(() => page.getByTestId('c360-aum').textContent()).toContain('512,345.67');
    const accounts = page.getByTestId('c360-accounts');
    await accounts.getByText('WM_STABLE').or(accounts.getByText('稳享理财')).first().waitFor();
    await page.screenshot({ path: 'e2e/.last-360.png', fullPage: true });
    await page.close();
  });

  it('a manager of another branch cannot open that customer', async () => {
    const page = await signIn('cm_b');
    const res = await page.goto(`${base}/customers/${bank.customers.zhangWei}`);
    expect(res?.status()).toBe(200); // the SPA loads; the API says 404
    await page.getByText(/不存在|not found/i).first().waitFor();
    expect(await page.getByTestId('c360-name').count()).toBe(0);
    await page.close();
  });

  it('an auditor sees those reads in the audit log', async () => {
    const page = await signIn('auditor');
    await page.goto(`${base}/admin/audit`);
    const table = page.getByTestId('audit-table');
    await table.getByText('cm_a').first().waitFor();
    const rows = await ctx.db.selectFrom('audit_log').select('actor_name').where('action', '=', 'read').where('entity_id', '=', bank.customers.zhangWei).execute();
    expect(rows.map((r) => r.actor_name)).toContain('cm_a');
    expect(await table.textContent()).toContain(bank.customers.zhangWei);
    await page.close();
  });

  it('a customer deleted by mistake is found among the deleted customers and restored', async () => {
    const gone = await ctx.app.inject({ method: 'POST', url: '/api/customers', headers: { cookie: await cookieOf('cm_a') }, payload: { typeCode: 'personal_resident', name: '误删客户' } });
    const no = gone.json().customerNo as string;
    await ctx.app.inject({ method: 'DELETE', url: `/api/customers/${no}`, headers: { cookie: await cookieOf('cm_a') }, payload: { reason: '测试' } });
    const page = await signIn('cm_a');
    await page.goto(`${base}/customers`);
    await page.getByTestId('customer-show-deleted').click();
    const table = page.getByTestId('customer-table');
    await table.getByText('误删客户').waitFor();
    await table.getByTestId('customer-restore').first().click();
    await page.getByTestId('restore-reason').fill('误删，恢复');
    await page.getByTestId('restore-ok').click();
    // Restored, the customer's 360° view opens.
    await expect.poll(() => page.url(), { timeout: 20_000 }).toContain(`/customers/${no}`);
    await expect.poll(() => page.getByTestId('c360-name').textContent()).toContain('误删客户');
    await page.close();
  });

  it('in the edit form, ticking a contact as primary unticks the other of its kind (the server allows one)', async () => {
    const page = await signIn('cm_a');
    await page.goto(`${base}/customers/${bank.customers.zhangWei}/edit`);
    const primary = page.getByTestId('contacts-primary');
    await expect.poll(() => primary.count()).toBe(2);
    // email first, then the primary mobile (the view orders contacts by kind).
    const mobileBox = primary.nth(1);
    expect(await mobileBox.isChecked()).toBe(true);
    await page.getByRole('button', { name: '添加联系方式' }).click();
    await page.locator('#customer_contacts_2_value').fill('13900009999');
    await primary.nth(2).check();
    expect(await primary.nth(2).isChecked()).toBe(true);
    expect(await mobileBox.isChecked()).toBe(false);
    expect(await primary.nth(0).isChecked()).toBe(false);
    await page.getByTestId('customer-save').click();
    // Saved (the server refuses two primary mobiles): back on the 360° view with the new mobile the primary one.
    await expect.poll(() => new URL(page.url()).pathname, { timeout: 20_000 }).toBe(`/customers/${bank.customers.zhangWei}`);
    const contacts = await ctx.db.selectFrom('customer_contact as x').innerJoin('customer as c', 'c.id', 'x.customer_id')
      .select(['x.value', 'x.is_primary']).where('c.customer_no', '=', bank.customers.zhangWei).where('x.kind', '=', 'mobile').orderBy('x.value').execute();
    expect(contacts).toEqual([{ value: '+8613812345678', is_primary: false }, { value: '+8613900009999', is_primary: true }]);
    await page.close();
  });
});

