import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { createTestContext, type TestContext } from '../server/test/context.ts';
import { seedSmallBank } from '../server/test/fixtures.ts';
import { SYSTEM_ACTOR } from '../server/platform/audit.ts';
import { createInterface, queueFileLoad, run } from '../server/modules/interfaces/interfaces.service.ts';
import { personRow, tmpDir, writeCsv } from '../server/modules/interfaces/__tests__/helpers.ts';
import { choose, openBrowser, signInAs } from './support.ts';

let ctx: TestContext;
let browser: Browser;
let base: string;
let bank: Awaited<ReturnType<typeof seedSmallBank>>;
let ifaceId = 0;
let loadId = 0;
const dir = tmpDir();
const bad = personRow(9);
// A 250-character value in the very column the row is rejected for.
bad[6] = `12345${'6'.repeat(245)}`;

beforeAll(async () => {
  ctx = await createTestContext({ home: dir });
  bank = await seedSmallBank(ctx.db);
  ifaceId = (await createInterface(ctx.db, SYSTEM_ACTOR, { code: 'CORE_Q', name: '核心储蓄日终', sourceCode: 'CORE', connector: 'file' })).id;
  const file = writeCsv(path.join(dir, 'core.csv'), [personRow(1), personRow(2), bad]);
  ({ loadId } = await queueFileLoad(ctx.db, SYSTEM_ACTOR, ifaceId, { path: file, fileName: 'core.csv', trigger: 'cli', maxBytes: ctx.config.importMaxBytes }));
  await run(ctx.db, loadId);
  ({ base, browser } = await openBrowser(ctx));
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await ctx?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** A signed-in page in Beijing time that collects its uncaught errors. */
async function open(): Promise<{ page: Page; errors: string[] }> {
  const page = await signInAs(browser, base, 'admin', { locale: 'zh-CN', timezoneId: 'Asia/Shanghai' });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  return { page, errors };
}

describe('the interface screens an operator works in', { timeout: 120_000 }, () => {
  it('quarantine: the source key and the rejected column are shown, long values cut; discarding without a note marks the box', async () => {
    const { page, errors } = await open();
    await page.goto(`${base}/interfaces/${ifaceId}?tab=quarantine`);
    await page.getByText('不是有效的手机号码').waitFor();
    const headers = (await page.locator('.ant-table-thead th').allTextContents()).map((h) => h.trim()).filter(Boolean);
    // The source key first among the data columns, in the file's order; the rejected column among them.
    expect(headers.slice(3, 5)).toEqual(['record_id', 'kind']);
    expect(headers).toContain('mobile');
    // The reason names the source column and the field in the user's language.
    await expect.poll(() => page.locator('.ant-tag').allTextContents()).toContain('mobile · 手机');
    // The 250-character value stays inside its cell.
    const cell = page.locator('td.ant-table-cell-ellipsis', { hasText: '123456666' });
    expect((await cell.boundingBox())!.width).toBeLessThan(200);
    const reasons = page.locator('td', { hasText: '不是有效的手机号码' });
    expect((await reasons.boundingBox())!.width).toBeGreaterThan(250);

    await page.getByRole('button', { name: /^舍\s?弃$/ }).click();
    await page.locator('.ant-modal').getByRole('button', { name: /^确\s?定$|^OK$/ }).click();
    await page.locator('.ant-modal .ant-form-item-explain-error', { hasText: '请填写舍弃原因' }).waitFor();
    await page.getByTestId('discard-note').fill('源系统确认为测试数据');
    await page.locator('.ant-modal').getByRole('button', { name: /^确\s?定$|^OK$/ }).click();
    await expect.poll(() => page.getByText('不是有效的手机号码').count()).toBe(0);
    expect(errors).toEqual([]);
  });

  it('a row a later load superseded shows under 已被取代 with the load; a fix cannot change the record key', async () => {
    const id = (await createInterface(ctx.db, SYSTEM_ACTOR, { code: 'CORE_S', name: '核心储蓄增量', sourceCode: 'CORE', connector: 'file' })).id;
    const badMobile = (i: number) => { const r = personRow(i, 'E'); r[6] = '12345'; return r; };
    const loadOf = async (name: string, rows: string[][]) => {
      const f = writeCsv(path.join(dir, name), rows);
      const { loadId: l } = await queueFileLoad(ctx.db, SYSTEM_ACTOR, id, { path: f, fileName: name, trigger: 'cli', maxBytes: ctx.config.importMaxBytes });
      await run(ctx.db, l, { resolve: false });
      return l;
    };
    await loadOf('day1.csv', [badMobile(1), badMobile(2)]);
    const later = await loadOf('day2.csv', [personRow(1, 'E')]);
    const { page, errors } = await open();
    await page.goto(`${base}/interfaces/${id}?tab=quarantine`);
    await page.getByText('E0000002').waitFor();
    expect(await page.getByText('E0000001').count()).toBe(0);
    await page.locator('.ant-segmented-item', { hasText: '已被取代' }).click();
    await page.locator('.ant-tag', { hasText: `已被加载 #${later} 取代` }).waitFor();
    await page.getByText('E0000001').waitFor();
    await page.locator('.ant-segmented-item', { hasText: '待处理' }).click();
    await page.getByText('E0000002').waitFor();
    await page.getByRole('button', { name: /^修\s?正$/ }).click();
    const key = page.locator('.ant-modal input').first();
    expect(await key.inputValue()).toBe('E0000002');
    expect(await key.isDisabled()).toBe(true);
    expect(errors).toEqual([]);
  });

  it('history in local time and the load log in Chinese; the owner is picked by name', async () => {
    const { page, errors } = await open();
    await page.goto(`${base}/interfaces/${ifaceId}?tab=history`);
    const load = await ctx.db.selectFrom('interface_load').select('created_at').where('id', '=', loadId).executeTakeFirstOrThrow();
    const beijing = new Date(new Date(load.created_at).getTime() + 8 * 3600_000).toISOString().slice(0, 19).replace('T', ' ');
    await page.getByText(beijing).first().waitFor();
    await page.getByText('core.csv').first().click();
    await page.locator('.ant-drawer .ant-timeline-item', { hasText: '开始' }).waitFor();
    await page.locator('.ant-drawer .ant-timeline-item', { hasText: '完成：读取 3，通过 2，拒绝 1' }).waitFor();
    expect(await page.locator('.ant-drawer').getByText(/started|finished/).count()).toBe(0);
    await page.keyboard.press('Escape');

    await page.goto(`${base}/interfaces/${ifaceId}?tab=settings`);
    await choose(page, 'interface-owner', '(hq)');
    await page.getByRole('button', { name: /^保\s?存$/ }).click();
    await expect.poll(async () => (await ctx.db.selectFrom('interface').select('owner_user_id').where('id', '=', ifaceId).executeTakeFirstOrThrow()).owner_user_id).toBe(bank.users.hq);
    expect(errors).toEqual([]);
  });

  it('code tables: a numeric code keeps its row while typed; a new table never takes an existing name, and can be renamed', async () => {
    const { page, errors } = await open();
    await page.goto(`${base}/interfaces/${ifaceId}?tab=mapping`);
    const addTable = page.getByRole('button', { name: '添加代码表' });
    await addTable.click();
    const newest = page.locator('.ant-collapse-item').last();
    await newest.locator('.ant-collapse-header').click();
    const content = newest.locator('.ant-collapse-content-active');
    await content.getByRole('button', { name: '添加一项' }).click();
    await content.getByRole('button', { name: '添加一项' }).click();
    const source = () => content.locator('.ant-table-tbody tr td:first-child input');
    await source().nth(1).fill('30');
    await source().nth(1).press('End');
    await source().nth(1).pressSequentially('5');
    expect(await source().evaluateAll((els) => els.map((e) => (e as HTMLInputElement).value))).toEqual(['value1', '305']);
    // Rename the table, then add another: the next name is free, nothing is overwritten.
    const name = (await newest.locator('.ant-collapse-header strong').textContent())!;
    await page.getByTestId(`table-name-${name}`).fill('title_codes');
    await content.getByRole('button', { name: /^重命名$/ }).click();
    await page.locator('.ant-collapse-header', { hasText: 'title_codes' }).waitFor();
    const before = await page.locator('.ant-collapse-item').count();
    await addTable.click();
    await expect.poll(() => page.locator('.ant-collapse-item').count()).toBe(before + 1);
    const names = await page.locator('.ant-collapse-header strong').allTextContents();
    expect(new Set(names).size).toBe(names.length);
    expect(errors).toEqual([]);
  });

  it('the new-interface dialog submitted empty marks its fields without a page error', async () => {
    const { page, errors } = await open();
    await page.goto(`${base}/interfaces`);
    await page.getByRole('button', { name: '新建接口' }).click();
    await page.locator('.ant-modal').getByRole('button', { name: /^确\s?定$|^OK$/ }).click();
    await expect.poll(() => page.locator('.ant-modal .ant-form-item-explain-error').count()).toBeGreaterThan(0);
    await page.waitForTimeout(300);
    expect(errors).toEqual([]);
  });
});
