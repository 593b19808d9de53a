/**
 * What a data steward and customer managers found in the merge review queue: a pair changed (or decided) by
 * someone else while open, the conflict banner of "same ID, another name", request keys in messages, merge numbers,
 * and columns squeezed at 1366×768.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { createTestContext, login, type TestContext } from '../server/test/context.ts';
import { PASSWORD, seedSmallBank } from '../server/test/fixtures.ts';
import { openBrowser, signInAs } from './support.ts';

let ctx: TestContext;
let bank: Awaited<ReturnType<typeof seedSmallBank>>;
let browser: Browser;
let base: string;
let hq = '';
let cmB = '';
const viewport = { width: 1366, height: 768 };

beforeAll(async () => {
  ctx = await createTestContext();
  bank = await seedSmallBank(ctx.db);
  hq = await login(ctx.app, 'hq', PASSWORD);
  cmB = await login(ctx.app, 'cm_b', PASSWORD);
  ({ base, browser } = await openBrowser(ctx));
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await ctx?.close();
});

async function customer(name: string) {
  const res = await ctx.app.inject({ method: 'POST', url: '/api/customers', headers: { cookie: hq }, payload: { typeCode: 'personal_resident', name, managerId: bank.users.cm_b } });
  expect(res.statusCode, res.body).toBe(201);
  return res.json().customerNo as string;
}
/** Proposed by the customers' manager (cm_b) unless told: hq decides (the proposer never confirms their own proposal). */
async function propose(a: string, b: string, by = cmB) {
  const res = await ctx.app.inject({ method: 'POST', url: '/api/integration/reviews', headers: { cookie: by }, payload: { customerNo: a, otherCustomerNo: b } });
  expect(res.statusCode, res.body).toBe(201);
  return res.json().id as number;
}
const decide = (id: number, payload: object) => ctx.app.inject({ method: 'POST', url: `/api/integration/reviews/${id}/decision`, headers: { cookie: hq }, payload });

describe('the merge review queue in the browser', { timeout: 180_000 }, () => {
  it('a pair re-pointed by a merge elsewhere while open is refused and reloaded, nothing merged; a pair decided meanwhile shows as decided', async () => {
    const [x, y, z] = [await customer('李伟'), await customer('王峰波'), await customer('郑兰诗')];
    const other = await propose(x, y);
    const mine = await propose(x, z);
    const page = await signInAs(browser, base, 'hq', { locale: 'zh-CN', viewport });
    await page.goto(`${base}/integration/reviews/${mine}`);
    await page.getByTestId('review-confirm').waitFor();
    expect(await page.getByTestId('review-survivor').textContent()).toContain(x);
    // Meanwhile another reviewer merges x into y: the open pair now stands for y and z.
    expect((await decide(other, { decision: 'confirm', survivorNo: y })).statusCode).toBe(200);
    await page.getByTestId('review-confirm').click();
    await page.getByText('这一对客户在您查看后已有变化').first().waitFor();
    await expect.poll(() => page.getByTestId('review-survivor').textContent()).toContain(y);
    expect(await page.getByTestId('review-survivor').textContent()).not.toContain(x);
    const rows = await ctx.db.selectFrom('customer').select(['customer_no', 'deleted']).where('customer_no', 'in', [y, z]).execute();
    expect(rows.every((r) => !r.deleted)).toBe(true);

    // Decided by someone else while open: the page shows the decision, no buttons.
    const [p, q] = [await customer('陈晨'), await customer('陈晨')];
    const third = await propose(p, q);
    await page.goto(`${base}/integration/reviews/${third}`);
    await page.getByTestId('review-reject').waitFor();
    expect((await decide(third, { decision: 'reject' })).statusCode).toBe(200);
    await page.getByTestId('review-reject').click();
    await page.getByText('已审核：已判定不同').waitFor();
    expect(await page.getByTestId('review-reject').count()).toBe(0);
    await page.close();
  });

  it('"same ID number, another name": headline and checkbox say so; a request key never shows in a message', async () => {
    const [a, b] = [await customer('霞倩'), await customer('唐倩')];
    const id = await propose(a, b);
    await ctx.db.updateTable('match_review').set({ conflict: 'same valid resident_id number, different name' }).where('id', '=', id).execute();
    const page = await signInAs(browser, base, 'hq', { locale: 'zh-CN', viewport });
    await page.goto(`${base}/integration/reviews/${id}`);
    const banner = page.getByTestId('review-conflict');
    await banner.waitFor();
    const text = (await banner.textContent()) ?? '';
    expect(text).toContain('同一有效居民身份证号码，姓名不同');
    expect(text).toContain('同一个有效证件号码，但姓名不同');
    expect(text).not.toContain('号码不同且都有效');
    await page.getByText('姓名不同仍合并').waitFor();
    expect(await page.getByText('证件冲突仍合并').count()).toBe(0);

    // Proposing a customer with itself: the message names the field by its label.
    await page.goto(`${base}/integration/reviews`);
    await page.getByTestId('review-propose').click();
    const form = page.getByTestId('propose-form');
    await form.locator('input').first().fill(a);
    await page.getByTestId('propose-other').fill(a);
    await page.getByRole('button', { name: '提交审核' }).click();
    await page.getByText('不能与自己合并').first().waitFor();
    expect(await page.locator('body').textContent()).not.toMatch(/otherCustomerNo|customerNo/);
    await page.close();
  });

  it('two different valid ID numbers: a customer manager is not offered the override and is told a supervisor decides; a supervisor is', async () => {
    const [a, b] = [await customer('柳青'), await customer('柳青')];
    const id = await propose(a, b, hq);
    await ctx.db.updateTable('match_review').set({ conflict: 'different valid resident_id numbers' }).where('id', '=', id).execute();
    const cm = await signInAs(browser, base, 'cm_b', { locale: 'zh-CN', viewport });
    await cm.goto(`${base}/integration/reviews/${id}`);
    await cm.getByTestId('review-override-needs-manage').waitFor();
    expect(await cm.getByTestId('review-override-needs-manage').textContent()).toContain('需要整合管理权限');
    expect(await cm.getByText('证件冲突仍合并', { exact: true }).count()).toBe(0);
    expect(await cm.getByTestId('review-confirm').isDisabled()).toBe(true);
    await cm.close();
    const sup = await signInAs(browser, base, 'hq', { locale: 'en-US', viewport });
    await sup.goto(`${base}/integration/reviews/${id}`);
    await sup.getByText('Merge despite the ID conflict').waitFor();
    expect(await sup.getByTestId('review-override-needs-manage').count()).toBe(0);
    await sup.close();
  });

  it('the proposer of a merge is told another reviewer confirms it, and may withdraw it (four eyes)', async () => {
    const [a, b] = [await customer('唐宁'), await customer('唐宁')];
    const id = await propose(a, b);
    const cm = await signInAs(browser, base, 'cm_b', { locale: 'en-US', viewport });
    await cm.goto(`${base}/integration/reviews/${id}`);
    await cm.getByTestId('review-own-proposal').waitFor();
    expect(await cm.getByTestId('review-own-proposal').textContent()).toContain('another reviewer confirms it');
    expect(await cm.getByTestId('review-confirm').count()).toBe(0);
    expect(await cm.getByTestId('review-reject').isEnabled()).toBe(true);
    await cm.close();
  });

  it('at 1366×768 the merged tab keeps customer numbers on one line and the merges page shows merge numbers', async () => {
    const [a, b] = [await customer('周敏'), await customer('周敏')];
    const id = await propose(a, b);
    expect((await decide(id, { decision: 'confirm', survivorNo: a })).statusCode).toBe(200);
    const page = await signInAs(browser, base, 'hq', { locale: 'zh-CN', viewport });
    await page.goto(`${base}/integration/reviews?status=confirmed`);
    const cell = page.getByTestId('review-queue').getByText(new RegExp(`^${b} ·`)).first();
    await cell.waitFor();
    const box = (await cell.boundingBox())!;
    expect(box.height).toBeLessThan(30);
    expect(box.width).toBeGreaterThan(100);

    await page.goto(`${base}/integration/merges`);
    const { mergeId } = await ctx.db.selectFrom('match_review').select('merge_id as mergeId').where('id', '=', id).executeTakeFirstOrThrow();
    await page.getByTestId('merge-history').getByRole('columnheader', { name: '编号' }).waitFor();
    expect(await page.getByTestId('merge-no').allTextContents()).toContain(String(mergeId));
    await page.close();
  });
});
