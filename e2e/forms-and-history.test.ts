/**
 * What a tester found clicking through the UI (bugs 1, 2, 3, 5): a double click saves once, a server error names
 * the field by its label (or the row by its name) instead of the API path, an error on screen follows a language
 * switch, and sorting and tabs are history entries Back can undo.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { createTestContext, login, type TestContext } from '../server/test/context.ts';
import { PASSWORD, seedSmallBank } from '../server/test/fixtures.ts';
import { choose, openBrowser, signInAs } from './support.ts';

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

const signIn = (username: string, locale = 'zh-CN') => signInAs(browser, base, username, { locale, viewport: { width: 1600, height: 1000 } });

/** Counts the API calls a page makes matching `method` and `path`. */
function countCalls(page: Page, method: string, path: RegExp): () => number {
  let n = 0;
  page.on('request', (r) => { if (r.method() === method && path.test(new URL(r.url()).pathname)) n++; });
  return () => n;
}

/** Every toast on screen, success and error alike. */
const toasts = (page: Page) => page.locator('.ant-message-notice').allTextContents();

/**
 * A double click whose second click lands just after the first one's form validation has passed and before the
 * button shows it is busy: the moment a real double click hit in the tester's Chromium, made repeatable.
 */
const doubleClick = (page: Page, selector: string, sameTask = false) => page.locator(selector).first().evaluate(async (el, same) => {
  (el as HTMLElement).click();
  if (!same) await new Promise((r) => setTimeout(r, 0));
  (el as HTMLElement).click();
}, sameTask);

describe('forms submit once, name fields by their labels, keep their place in history', { timeout: 180_000 }, () => {
  it('a double click on Save logs one contact, not two', async () => {
    const page = await signIn('cm_a');
    const posts = countCalls(page, 'POST', /^\/api\/contacts$/);
    await page.goto(`${base}/customers/${bank.customers.zhangWei}`);
    await page.getByTestId('c360-new-contact').click();
    await page.getByTestId('eng-contact-summary').fill('双击保存只记一次');
    await doubleClick(page, '[data-testid="eng-contact-submit"]');
    await page.getByTestId('eng-record-drawer').getByText('双击保存只记一次').first().waitFor();
    await page.waitForTimeout(1000);
    const rows = await ctx.db.selectFrom('engagement_contact').select('id').where('summary', '=', '双击保存只记一次').execute();
    expect(rows).toHaveLength(1);
    expect(posts()).toBe(1);
    await page.close();
  });

  it('approving a transfer with a double click approves once: one "approved", no "already decided"; the tab is in the address', async () => {
    const cm = await signIn('cm_a');
    const asked = await cm.evaluate(async ([customerNo, to]) => {
      const r = await fetch('/api/managers/transfer-requests', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ customerNo, toManagerId: to, reason: '双击审批' }) });
      return r.status;
    }, [bank.customers.zhangWei, bank.users.cm_a2] as const);
    expect(asked).toBeLessThan(300);
    await cm.close();

    const page = await signIn('bm_a');
    const decides = countCalls(page, 'POST', /^\/api\/managers\/transfer-requests\/\d+\/approve$/);
    await page.goto(`${base}/team`);
    await page.getByRole('tab', { name: /移交审批/ }).click();
    await page.locator('[data-testid^="approve-"]').first().waitFor();
    // A button with no form to validate: the second click comes in the same moment as the first.
    await doubleClick(page, '[data-testid^="approve-"]', true);
    await expect.poll(() => toasts(page)).toContainEqual(expect.stringContaining('已批准'));
    await page.waitForTimeout(1000);
    expect(decides()).toBe(1);
    expect((await toasts(page)).join()).not.toMatch(/已处理|already|409/);

    // The tab is in the address: a reload comes back to it, Back goes to the tab before.
    expect(new URL(page.url()).searchParams.get('tab')).toBe('approvals');
    await page.reload();
    await expect.poll(() => page.locator('.ant-tabs-tab-active').textContent()).toMatch(/审批/);
    await page.goBack();
    await expect.poll(() => new URL(page.url()).searchParams.get('tab')).toBe(null);
    await page.close();
  });

  it('an SLA row the server refuses is named by its kind and priority, not "items.0.responseMinutes"', async () => {
    const page = await signIn('hq');
    await page.goto(`${base}/service/settings`);
    const first = page.getByTestId('sla-table').locator('input').first();
    await expect.poll(() => first.inputValue()).not.toBe('');
    await first.fill('500000');
    await first.blur();
    await page.getByTestId('sla-save').click();
    await expect.poll(() => toasts(page)).toContainEqual(expect.stringContaining('响应时限'));
    const text = (await toasts(page)).join();
    expect(text).not.toMatch(/items|responseMinutes/);
    expect(text).toMatch(/ · /);
    await page.close();
  });

  it('a related customer that does not exist is said under that field, by its label, never as "relatedCustomerNo"', async () => {
    // wangFang: cm_b's own customer, untouched by the transfer approved above.
    const page = await signIn('cm_b');
    await page.goto(`${base}/customers/${bank.customers.wangFang}`);
    await page.getByRole('button', { name: '添加关系' }).click();
    await choose(page, 'relation-type', '配偶');
    await page.getByTestId('relation-customer-no').fill('199999999');
    await page.locator('.ant-modal').getByRole('button', { name: /确\s*定|OK/ }).click();
    const modal = page.locator('.ant-modal');
    await expect.poll(() => modal.locator('.ant-form-item-explain-error').allTextContents()).toContainEqual(expect.stringMatching(/不存在/));
    await page.waitForTimeout(500);
    expect(await page.locator('body').innerText()).not.toContain('relatedCustomerNo');
    await page.close();
  });

  it('the login error follows a language switch', async () => {
    const page = await browser.newPage({ locale: 'zh-CN' });
    await page.goto(`${base}/login`);
    await page.getByTestId('login-username').fill('cm_a');
    await page.getByTestId('login-password').fill('wrong password');
    await page.getByTestId('login-submit').click();
    const error = page.getByTestId('login-error');
    await expect.poll(() => error.textContent()).toMatch(/[\u4e00-\u9fff]/);
    await page.getByTestId('lang-switch').click();
    await expect.poll(() => error.textContent()).not.toMatch(/[\u4e00-\u9fff]/);
    await page.close();
  });

  it('sorting the customer list is a history entry: Back undoes the sort instead of leaving the page', async () => {
    const page = await signIn('hq');
    await page.goto(`${base}/workbench`);
    await page.goto(`${base}/customers`);
    await page.getByTestId('customer-table').getByText('张伟').first().waitFor();
    await page.getByTestId('customer-table').locator('th.ant-table-column-has-sorters').first().click();
    await expect.poll(() => new URL(page.url()).searchParams.get('sort')).not.toBe(null);
    await page.goBack();
    await expect.poll(() => new URL(page.url()).pathname).toBe('/customers');
    expect(new URL(page.url()).searchParams.get('sort')).toBe(null);
    await page.close();
  });
});

describe('an administrator-set password', { timeout: 120_000 }, () => {
  it('is changed first: the sign-in opens only the change dialog (no cancel), then the pages', async () => {
    const admin = await login(ctx.app, 'admin', PASSWORD);
    const reset = await ctx.app.inject({ method: 'POST', url: `/api/admin/users/${bank.users.cm_a2}/reset-password`, headers: { cookie: admin }, payload: { password: PASSWORD } });
    expect(reset.statusCode, reset.body).toBeLessThan(300);
    const page = await signIn('cm_a2', 'en-US');
    await page.getByTestId('password-change-required').waitFor();
    const dialog = page.getByRole('dialog');
    expect(await dialog.getByRole('button', { name: /cancel/i }).isVisible()).toBe(false);
    expect(await page.locator('.ant-modal-close').count()).toBe(0);
    await dialog.getByLabel('Current password', { exact: true }).fill(PASSWORD);
    await dialog.getByLabel('New password', { exact: true }).fill('Another@Pass2026');
    await dialog.getByLabel('Confirm new password', { exact: true }).fill('Another@Pass2026');
    await dialog.getByRole('button', { name: 'OK' }).click();
    await page.getByTestId('password-change-required').waitFor({ state: 'detached' });
    await page.goto(`${base}/customers`);
    await page.getByRole('table').first().waitFor();
    await page.close();
  });
});
