import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { createTestContext, type TestContext } from '../server/test/context.ts';
import { seedSmallBank } from '../server/test/fixtures.ts';
import { SYSTEM_ACTOR } from '../server/platform/audit.ts';
import { createInterface } from '../server/modules/interfaces/interfaces.service.ts';
import { personRow, tmpDir, writeCsv } from '../server/modules/interfaces/__tests__/helpers.ts';
import { openBrowser, signInAs } from './support.ts';

let ctx: TestContext;
let browser: Browser;
let base: string;
let ifaceId = 0;
const dir = tmpDir();

beforeAll(async () => {
  ctx = await createTestContext({ home: dir });
  await seedSmallBank(ctx.db);
  ifaceId = (await createInterface(ctx.db, SYSTEM_ACTOR, { code: 'CORE_E2E', name: '核心储蓄日终', sourceCode: 'CORE', connector: 'file' })).id;
  ({ base, browser } = await openBrowser(ctx));
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await ctx?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('an operator loads a savings extract and fixes what was rejected', { timeout: 120_000 }, () => {
  it('uploads, watches the report, fixes the quarantined row and re-submits it', async () => {
    const bad = personRow(9);
    bad[6] = '12345';
    const file = writeCsv(path.join(dir, '核心储蓄.csv'), [personRow(1), personRow(2), bad]);
    const page = await signInAs(browser, base, 'admin');
    await page.goto(`${base}/interfaces`);
    await page.getByText('CORE_E2E').click();
    await page.waitForURL(`**/interfaces/${ifaceId}`);
    await page.locator('input[type=file]').setInputFiles({ name: '核心储蓄.csv', mimeType: 'text/csv', buffer: fs.readFileSync(file) });
    // The report: 3 read, 2 accepted, 1 rejected.
    await expect.poll(() => page.locator('.ant-statistic').allTextContents()).toEqual(
      expect.arrayContaining([expect.stringMatching(/^读取3$/), expect.stringMatching(/^通过2$/), expect.stringMatching(/^拒绝（已隔离）1$/), expect.stringMatching(/^新增2$/)]));
    await page.getByRole('tab', { name: /隔离区/ }).click();
    await page.getByText('不是有效的手机号码').waitFor();
    await page.getByRole('button', { name: /^修\s?正$/ }).click();
    const mobile = page.locator('.ant-modal').getByLabel('mobile');
    await mobile.fill('139 0000 5678');
    await page.locator('.ant-modal').getByRole('button', { name: /^提\s?交$/ }).click();
    await expect.poll(() => page.getByText('不是有效的手机号码').count()).toBe(0);
    await expect.poll(async () => (await ctx.db.selectFrom('source_record').select('mobile').where('record_key', '=', bad[0]!).executeTakeFirst())?.mobile).toBe('+8613900005678');
    await page.getByRole('tab', { name: '运行历史' }).click();
    await page.getByText('重新提交').first().waitFor();
  });
});
