import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { createTestContext, type TestContext } from '../server/test/context.ts';
import { seedSmallBank } from '../server/test/fixtures.ts';
import { openBrowser, signInAs } from './support.ts';

const TITLE = '北京分行季末工作安排';

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

function signIn(username: string): Promise<Page> {
  return signInAs(browser, base, username, { locale: 'zh-CN' });
}

// Generous: on a shared two-core machine a cold Chromium and the first page can take a while.
describe('a branch notice and its read receipts', { timeout: 120_000 }, () => {
  let noticeId: number;

  it('the branch manager publishes a notice to branch A', async () => {
    const page = await signIn('bm_a');
    await page.goto(`${base}/workplace/notices/manage`);
    await page.getByTestId('notice-new').click();
    // Submitting empty is refused in the form, before any request.
    await page.getByTestId('notice-submit').click();
    await page.getByText('请输入标题').waitFor();
    await page.getByTestId('notice-form-title').fill(TITLE);
    await page.getByTestId('notice-form-body').fill('请各支行于周五前提交季末报表。');
    await page.getByTestId('notice-submit').click();
    await page.getByTestId('managed-table').getByText(TITLE).waitFor();
    const row = await ctx.db.selectFrom('notice').select(['id', 'audience_org_ids', 'publisher_id']).where('title', '=', TITLE).executeTakeFirstOrThrow();
    // No org picked: the notice goes to the publisher's own unit (branch A) and everything below it.
    expect(row.audience_org_ids).toEqual([bank.orgs.branchA]);
    expect(row.publisher_id).toBe(bank.users.bm_a);
    noticeId = row.id;
    await page.close();
  });

  it('a customer manager in the branch sees it unread, and opening it marks it read', async () => {
    const page = await signIn('cm_a');
    await page.goto(`${base}/workplace/notices`);
    await expect.poll(() => page.getByTestId(`notice-status-${noticeId}`).textContent()).toBe('未读');
    await page.getByTestId(`notice-link-${noticeId}`).click();
    await page.waitForURL(`**/workplace/notices/${noticeId}`);
    await expect.poll(() => page.getByTestId('notice-title').textContent()).toBe(TITLE);
    await expect.poll(() => page.getByTestId('notice-body').textContent()).toContain('季末报表');
    await page.goto(`${base}/workplace/notices`);
    await expect.poll(() => page.getByTestId(`notice-status-${noticeId}`).textContent()).toBe('已读');
    await page.close();
  });

  it('the branch manager sees that cm_a has read it and cm_a2 has not', async () => {
    const page = await signIn('bm_a');
    await page.goto(`${base}/workplace/notices/${noticeId}`);
    const readers = page.getByTestId('readers-table');
    await readers.waitFor();
    await expect.poll(() => page.getByTestId('reader-cm_a').textContent()).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
    await expect.poll(() => page.getByTestId('reader-cm_a2').textContent()).toBe('未读');
    await expect.poll(() => page.getByTestId('readers-read').textContent()).toContain('1');
    await page.goto(`${base}/workplace/notices/manage`);
    await expect.poll(() => page.getByTestId(`managed-read-${noticeId}`).textContent()).toContain('1/2');
    await page.screenshot({ path: 'e2e/.last-workplace.png', fullPage: true });
    await page.close();
  });

  it('a manager of another branch never sees it', async () => {
    const page = await signIn('cm_b');
    await page.goto(`${base}/workplace/notices/${noticeId}`);
    await page.getByText('公告不存在或不是发给您的').waitFor();
    await page.close();
  });
});
