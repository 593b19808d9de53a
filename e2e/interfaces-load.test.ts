import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { createTestContext, type TestContext } from '../server/test/context.ts';
import { seedSmallBank } from '../server/test/fixtures.ts';
import { SYSTEM_ACTOR } from '../server/platform/audit.ts';
import { createInterface, queueFileLoad, run } from '../server/modules/interfaces/interfaces.service.ts';
import { personRow, tmpDir, writeCsv } from '../server/modules/interfaces/__tests__/helpers.ts';
import { openBrowser, signInAs } from './support.ts';

let ctx: TestContext;
let browser: Browser;
let base: string;
let ifaceId = 0;
const dir = tmpDir();

beforeAll(async () => {
  ctx = await createTestContext({ home: dir, landingRoot: path.join(dir, 'landing') });
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

describe('an operator points an interface at its landing folder and loads what the night delivered', { timeout: 120_000 }, () => {
  it('sets the folder, pattern, flag and schedule in the settings, scans, and the file moves to done/', async () => {
    const page = await signInAs(browser, base, 'admin');
    await page.goto(`${base}/interfaces/${ifaceId}?tab=settings`);
    await page.getByText('落地目录（定时加载）').waitFor();
    await page.getByTestId('landing-dir').fill('../outside');
    await page.getByRole('button', { name: /^保\s?存$/ }).click();
    await page.locator('.ant-form-item-explain-error').getByText(/落地目录必须位于 .* 之内/).waitFor();
    // Told under its field only, not again in a toast.
    expect(await page.locator('.ant-message').getByText(/落地目录/).count()).toBe(0);
    await page.getByTestId('landing-dir').fill('core');
    await page.getByLabel('文件名模式').fill('cust_*.csv');
    await page.getByLabel('标志文件后缀').fill('.ok');
    await page.getByLabel('调度（cron）').fill('30 1 * * *');
    await page.getByRole('button', { name: /^保\s?存$/ }).click();
    const folder = path.join(dir, 'landing', 'core');
    await expect.poll(async () => (await ctx.db.selectFrom('interface').select(['landing_dir', 'cron']).where('id', '=', ifaceId).executeTakeFirst())).toEqual({ landing_dir: folder, cron: '30 1 * * *' });

    writeCsv(path.join(folder, 'cust_20261207.csv'), [personRow(31), personRow(32)]);
    fs.writeFileSync(path.join(folder, 'cust_20261207.csv.ok'), '');
    await page.getByRole('tab', { name: '上传加载' }).click();
    await page.getByTestId('landing-panel').getByText(folder).waitFor();
    await page.getByTestId('landing-scan').click();
    await page.getByText('发现 1 个待加载文件').waitFor();
    await expect.poll(() => page.getByTestId('landing-panel').locator('.ant-statistic').allTextContents()).toEqual(
      expect.arrayContaining([expect.stringMatching(/^读取2$/), expect.stringMatching(/^新增2$/)]));
    await expect.poll(() => fs.existsSync(path.join(folder, 'done', 'cust_20261207.csv'))).toBe(true);
    await page.getByRole('tab', { name: '运行历史' }).click();
    await page.getByText('cust_20261207.csv').first().waitFor();
  });
});

describe('an engineer brings a mapping over from the test system', { timeout: 120_000 }, () => {
  it('imports an exported mapping JSON into the editor and saves it as the next version', async () => {
    const current = (await ctx.db.selectFrom('interface').select('mapping_version').where('id', '=', ifaceId).executeTakeFirstOrThrow()).mapping_version;
    const m = (await ctx.db.selectFrom('interface_mapping').select('mapping').where('interface_id', '=', ifaceId).where('version', '=', current).executeTakeFirstOrThrow()).mapping as { fields: { field: string; column?: string }[] };
    // The handling of invalid ID numbers is one of the mapping's settings: it comes over with it.
    const exported = { interface: 'CORE_UAT', source: 'CORE', version: 7, mapping: { ...m, invalidIds: 'keep', fields: m.fields.map((f) => (f.field === 'name' ? { ...f, column: 'cust_name' } : f)) } };
    const page = await signInAs(browser, base, 'admin');
    await page.goto(`${base}/interfaces/${ifaceId}?tab=mapping`);
    const input = page.locator('input[type=file][accept*=json]');
    await input.setInputFiles({ name: 'broken.json', mimeType: 'application/json', buffer: Buffer.from('{"fields": 3}') });
    await page.getByText('broken.json 不是导出的映射 JSON').waitFor();
    await input.setInputFiles({ name: 'core-uat.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(exported)) });
    await page.getByText('已载入编辑，检查后保存为新版本').waitFor();
    await expect.poll(() => page.getByPlaceholder('本次修改说明').inputValue()).toBe('导入自 core-uat.json（CORE_UAT v7）');
    await page.getByRole('button', { name: `保存为 v${current + 1}` }).click();
    await expect.poll(async () => (await ctx.db.selectFrom('interface').select('mapping_version').where('id', '=', ifaceId).executeTakeFirstOrThrow()).mapping_version).toBe(current + 1);
    const saved = await ctx.db.selectFrom('interface_mapping').select(['mapping', 'note']).where('interface_id', '=', ifaceId).where('version', '=', current + 1).executeTakeFirstOrThrow();
    expect(saved.note).toBe('导入自 core-uat.json（CORE_UAT v7）');
    expect((saved.mapping as typeof m).fields.find((f) => f.field === 'name')!.column).toBe('cust_name');
    expect((saved.mapping as { invalidIds?: string }).invalidIds).toBe('keep');
  });
});

describe('a data steward lets rows with a mistyped ID number load, marked unverified', { timeout: 120_000 }, () => {
  it('chooses it in the mapping editor (explained in a line), loads, sees the count in the report and the records in their tab', async () => {
    const id = (await createInterface(ctx.db, SYSTEM_ACTOR, { code: 'LOAN_E2E', name: '个贷日终', sourceCode: 'LOAN', connector: 'file' })).id;
    const page = await signInAs(browser, base, 'admin');
    await page.goto(`${base}/interfaces/${id}?tab=mapping`);
    // Today's behaviour is the default, and says so.
    await page.getByTestId('mapping-invalid-ids-help').getByText(/进入隔离区，修正后才加载/).waitFor();
    await page.getByTestId('mapping-invalid-ids').click();
    await page.locator('.ant-select-item-option', { hasText: '加载并标记为未核验' }).click();
    await page.getByTestId('mapping-invalid-ids-help').getByText(/不会成为客户的有效证件/).waitFor();
    await page.getByRole('button', { name: '保存为 v2' }).click();
    await expect.poll(async () => ((await ctx.db.selectFrom('interface_mapping').select('mapping').where('interface_id', '=', id).where('version', '=', 2).executeTakeFirst())?.mapping as { invalidIds?: string } | undefined)?.invalidIds).toBe('keep');

    const bad = personRow(62);
    bad[5] = bad[5]!.slice(0, 17) + (bad[5]!.endsWith('0') ? '1' : '0');
    const file = writeCsv(path.join(dir, '个贷.csv'), [personRow(61), bad]);
    await page.goto(`${base}/interfaces/${id}`);
    await page.locator('input[type=file]').setInputFiles({ name: '个贷.csv', mimeType: 'text/csv', buffer: fs.readFileSync(file) });
    await expect.poll(() => page.locator('.ant-statistic').allTextContents()).toEqual(
      expect.arrayContaining([expect.stringMatching(/^通过2$/), expect.stringMatching(/^证件号未核验1$/), expect.stringMatching(/^拒绝（已隔离）0$/)]));
    await page.getByRole('tab', { name: '未核验证件号' }).click();
    const list = page.getByTestId('unverified-ids');
    await list.getByText(bad[0]!).waitFor();
    await list.getByText('身份证号校验位错误').waitFor();
    await page.close();
  });
});

describe('the run history at 1366×768', { timeout: 120_000 }, () => {
  let historyId = 0;
  beforeAll(async () => {
    // An interface and a run of their own (a long file name), whichever tests ran before.
    historyId = (await createInterface(ctx.db, SYSTEM_ACTOR, { code: 'CORE_HISTORY', name: '核心储蓄全量', sourceCode: 'CORE', connector: 'file' })).id;
    const file = writeCsv(path.join(dir, 'core_customer_full_extract_20261207_branch_0001.csv'), [personRow(41), personRow(42)]);
    const { loadId } = await queueFileLoad(ctx.db, SYSTEM_ACTOR, historyId, { path: file, fileName: path.basename(file), trigger: 'cli', maxBytes: ctx.config.importMaxBytes });
    expect(await run(ctx.db, loadId, {})).toBe('succeeded');
  });
  it.each([['zh-CN', 'zh'], ['en-US', 'en']])('fits the window in %s: every column on screen, none cut', async (locale, lang) => {
    const page = await signInAs(browser, base, 'admin', { locale, viewport: { width: 1366, height: 768 } });
    await page.evaluate((l) => localStorage.setItem('banyan.lang', l), lang);
    await page.goto(`${base}/interfaces/${historyId}?tab=history`);
    const table = page.getByTestId('load-history');
    await table.locator('tbody tr.ant-table-row').first().waitFor();
    const box = (await table.boundingBox())!;
    expect(box.x + box.width).toBeLessThanOrEqual(1366);
    // The page itself does not scroll sideways.
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(1366);
    // Every header is on screen, inside the table, and reads whole.
    const heads = await table.locator('thead th').evaluateAll((ths) => ths.map((th) => {
      const r = th.getBoundingClientRect();
      return { text: th.textContent, right: r.right, cut: th.scrollWidth > th.clientWidth + 1 };
    }));
    expect(heads.length).toBeGreaterThan(10);
    for (const h of heads) {
      expect(h.right, h.text ?? '').toBeLessThanOrEqual(Math.min(box.x + box.width, 1366) + 1);
      expect(h.cut, h.text ?? '').toBe(false);
    }
    await page.close();
  });
});
