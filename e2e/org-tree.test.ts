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

describe('an administrator reshapes the org tree', { timeout: 120_000 }, () => {
  it('is refused deleting a unit that is not empty, moves it under another branch, and cannot blank its English name', async () => {
    const page = await signInAs(browser, base, 'admin', { locale: 'en-US' });
    await page.goto(`${base}/admin/orgs`);
    const tree = page.getByTestId('org-tree');
    // Seeded units are named in English by their codes.
    await tree.locator('.ant-tree-node-content-wrapper', { hasText: 'BJ01' }).click();

    // Delete: confirmed, then refused by the server, which says what the unit still holds.
    await page.getByTestId('org-delete').click();
    await page.locator('.ant-popconfirm:visible .ant-btn-dangerous').click();
    await expect.poll(() => page.locator('.ant-modal-confirm:visible').textContent()).toMatch(/still holds 2 users, 2 customers/);
    await page.locator('.ant-modal-confirm:visible .ant-btn').click();

    // Move: the unit itself is disabled in the picker, as are the head office and the other sub-branch (no sub-branch under them).
    await page.getByTestId('org-move').click();
    await page.getByTestId('org-move-parent').click();
    const dropdown = page.locator('.ant-select-dropdown:visible');
    await expect.poll(() => dropdown.locator('.ant-select-tree-treenode-disabled').count()).toBe(3);
    await dropdown.locator('.ant-select-tree-node-content-wrapper[title="SH"]').click();
    await page.locator('.ant-modal:visible .ant-btn-primary').click();
    await expect.poll(async () => (await ctx.db.selectFrom('org_unit').select('parent_id').where('id', '=', bank.orgs.subA).executeTakeFirstOrThrow()).parent_id).toBe(bank.orgs.branchB);
    const path = (await ctx.db.selectFrom('org_unit').select('path').where('id', '=', bank.orgs.subA).executeTakeFirstOrThrow()).path;
    await expect.poll(() => page.locator('.ant-descriptions').textContent()).toContain(path);

    // The English name is required.
    await page.getByRole('button', { name: /Edit/ }).click();
    const nameEn = page.locator('.ant-modal:visible input').nth(1);
    await nameEn.fill('');
    await page.locator('.ant-modal:visible .ant-btn-primary').click();
    await expect.poll(() => page.locator('.ant-modal:visible .ant-form-item-explain-error').count()).toBe(1);
  });
});
