import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createHash } from 'node:crypto';
import ExcelJS from 'exceljs';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { makeResidentId } from '../engines/identity/index.ts';
import { SYSTEM_ACTOR } from '../server/platform/audit.ts';
import { resolveSourceRecords } from '../server/modules/integration/integration.service.ts';
import { createTestContext, login, type TestContext } from '../server/test/context.ts';
import { loadSyntheticRecords, PASSWORD, seedSmallBank } from '../server/test/fixtures.ts';
import { openBrowser, signInAs } from './support.ts';

let ctx: TestContext;
let bank: Awaited<ReturnType<typeof seedSmallBank>>;
let browser: Browser;
let base: string;
let ifaceId = 0;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'banyan-e2e-integration-'));
const file = path.join(dir, 'card-extract.xlsx');

const HEADER = ['record_id', 'source', 'kind', 'name', 'id_type', 'id_no', 'mobile', 'email', 'birth_date', 'gender', 'address', 'employer', 'legal_rep'];

beforeAll(async () => {
  ctx = await createTestContext({ home: dir });
  bank = await seedSmallBank(ctx.db);
  // The card system is the most trusted source of mailing addresses (I2).
  await ctx.db.updateTable('source_system').set({ field_trust: JSON.stringify({ address: 95, email: 80 }) }).where('code', '=', 'CARD').execute();
  const admin = await login(ctx.app, 'admin', PASSWORD);
  const res = await ctx.app.inject({ method: 'POST', url: '/api/interfaces', headers: { cookie: admin }, payload: { code: 'CARD_MONTHLY', name: '信用卡月度客户', sourceCode: 'CARD', connector: 'file' } });
  expect(res.statusCode, res.body).toBe(201);
  ifaceId = res.json().id;
  // The card system's extract: 张伟 of the seed bank as the card system knows him (name and address only,
  // no ID, no phone): a fuzzy pair for his manager; and a new card holder nobody knows.
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet('客户');
  ws.addRow(HEADER);
  ws.addRow(['K-0001', 'card', 'person', '张伟', '', '', '', '', '', '', '北京市西城区金融大街1号', '', '']);
  ws.addRow(['K-0002', 'card', 'person', '刘洋', 'ID_CARD', makeResidentId('310104', '19880808', '123'), '13911112222', '', '1988-08-08', 'M', '上海市徐汇区漕溪北路 88 号', '', '']);
  await wb.xlsx.writeFile(file);
  ({ base, browser } = await openBrowser(ctx));
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await ctx?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

function signIn(username: string): Promise<Page> {
  return signInAs(browser, base, username, { locale: 'zh-CN' });
}

describe('customer information integration in the browser', { timeout: 180_000 }, () => {
  it('uploads an extract with a progress bar, a manager confirms the fuzzy pair, the merged 360° view shows the sources', async () => {
    // 1. The operator uploads the card system's XLSX extract and watches the load finish.
    const ops = await signIn('admin');
    await ops.goto(`${base}/interfaces/${ifaceId}`);
    await ops.locator('input[type=file]').setInputFiles(file);
    // The progress bar appears (upload, then the load) and ends in its success state at 100 %.
    await ops.locator('.ant-progress').first().waitFor();
    await expect.poll(() => ops.locator('.ant-progress-status-success').count(), { timeout: 60_000 }).toBeGreaterThan(0);
    expect(await ops.locator('.ant-progress-status-success').first().getAttribute('aria-valuenow')).toBe('100');
    await expect.poll(async () => (await ctx.db.selectFrom('source_record').select('match_status').where('source_code', '=', 'CARD').execute()).map((r) => r.match_status).sort(), { timeout: 60_000 })
      .toEqual(['created', 'review']);
    // The report counts the records resolved into customers (both of them).
    await expect.poll(() => ops.locator('.ant-statistic', { hasText: '已整合入客户' }).textContent()).toContain('2 / 2');

    // 2. 张伟's manager finds the pair at the top of the review queue and compares the two side by side.
    const cm = await signIn('cm_a');
    await cm.goto(`${base}/integration/reviews`);
    const queue = cm.getByTestId('review-queue');
    const row = queue.locator('tbody tr', { hasText: '张伟' }).first();
    await row.waitFor();
    await expect.poll(async () => {
      if (!cm.url().includes('/integration/reviews/')) await row.click({ timeout: 5000 }).catch(() => undefined);
      return cm.url();
    }, { interval: 2000 }).toMatch(/\/integration\/reviews\/\d+$/);
    await expect.poll(() => cm.getByTestId('review-evidence').textContent()).toContain('地址');
    await expect.poll(() => cm.getByTestId('review-zone').textContent()).toContain('待人工确认');
    // The existing customer (older number) is kept by default.
    await expect.poll(() => cm.getByTestId('review-survivor').locator('.ant-radio-wrapper-checked').textContent()).toContain(bank.customers.zhangWei);
    await cm.getByTestId('review-note').fill('同一客户：信用卡账单地址与储蓄一致，已电话核实');
    // A click landing while the page re-renders can be lost: click again while still on the comparison (a second
    // confirm of a decided pair is refused by the server and changes nothing).
    await expect.poll(async () => {
      if (cm.url().includes('/integration/reviews/')) await cm.getByTestId('review-confirm').click({ timeout: 5000 }).catch(() => undefined);
      return new URL(cm.url()).pathname;
    }, { interval: 3000, timeout: 40_000 }).toBe(`/customers/${bank.customers.zhangWei}`);

    // 3. The merged 360° view: 张伟 with the card record among his sources, the address from the card system.
    const lineage = cm.getByTestId('c360-lineage');
    await lineage.waitFor();
    await expect.poll(() => cm.getByTestId('c360-golden').textContent()).toContain('信用卡');
    await lineage.getByRole('tab', { name: /来源记录/ }).click();
    await expect.poll(() => cm.getByTestId('c360-source-records').textContent()).toContain('K-0001');

    // 4. The number the card record had been given still opens — as 张伟, saying so.
    const provisional = (await ctx.db.selectFrom('customer_alias').select('customer_no').executeTakeFirstOrThrow()).customer_no;
    await cm.goto(`${base}/customers/${provisional}`);
    await expect.poll(() => cm.getByTestId('c360-merged-notice').textContent()).toContain(bank.customers.zhangWei);
    await expect.poll(() => cm.getByTestId('c360-name').textContent()).toContain('张伟');

    // 5. Wrong after all: the manager undoes the merge from the merge history; both customers are back.
    const merge = await ctx.db.selectFrom('customer_merge').select('id').executeTakeFirstOrThrow();
    await cm.goto(`${base}/integration/merges`);
    const reason = cm.locator('.ant-modal textarea');
    await expect.poll(async () => {
      if (!(await reason.isVisible())) await cm.getByTestId(`unmerge-${merge.id}`).click({ timeout: 5000 }).catch(() => undefined);
      return reason.isVisible();
    }, { interval: 2000 }).toBe(true);
    await reason.fill('客户来电说明不是本人');
    await cm.locator('.ant-modal .ant-btn-dangerous').click();
    await expect.poll(async () => (await ctx.db.selectFrom('customer').select('deleted').where('customer_no', '=', provisional).executeTakeFirstOrThrow()).deleted).toBe(false);
    await expect.poll(() => cm.getByTestId('merge-history').textContent()).toContain('已撤销');
  });

  it('an administrator sees the match model and saves a tuned threshold as a new version', async () => {
    const admin = await signIn('admin');
    await admin.goto(`${base}/integration/model`);
    await expect.poll(() => admin.getByTestId('model-levels').locator('tbody tr').count()).toBeGreaterThan(3);
    await expect.poll(() => admin.getByTestId('model-source-order').textContent()).toContain('信用卡');
    const review = admin.getByTestId('model-review');
    await review.fill('0.6');
    await review.press('Tab');
    // Companies have their own comparison of the ID number (a credit code): its weight is tuned apart from the persons'.
    const companyId = admin.getByTestId('model-levels').locator('tbody tr').filter({ has: admin.locator('.ant-tag', { hasText: /^单位$/ }) }).first();
    expect(await companyId.textContent()).toContain('证件号码');
    await companyId.locator('input').fill('12');
    await companyId.locator('input').press('Tab');
    await admin.getByTestId('model-save').click();
    await expect.poll(async () => (await ctx.db.selectFrom('match_model').select(['version', 'model']).where('active', '=', true).executeTakeFirst())?.version).toBe(1);
    const saved = await ctx.db.selectFrom('match_model').select('model').where('active', '=', true).executeTakeFirstOrThrow();
    const model = saved.model as { reviewThreshold: number; comparisons: { name: string; kind?: string; levels: { weight?: number }[] }[] };
    expect(model.reviewThreshold).toBe(0.6);
    const idWeights = model.comparisons.filter((c) => c.name === 'cn.id').map((c) => [c.kind, c.levels[0]!.weight]);
    expect(idWeights).toEqual([['person', undefined], ['org', 12]]);
  });

  it('an administrator estimates the model from the source records: refused on too few, then a draft version keeping the tuned threshold, compared and activated, then rolled back', async () => {
    const admin = await signIn('admin');
    await admin.goto(`${base}/integration/model`);
    await admin.getByTestId('model-estimate').click();
    await admin.getByText('从数据估计模型至少需要 1000 条来源记录').waitFor();
    expect(await ctx.db.selectFrom('match_estimate').select('id').execute()).toHaveLength(0);

    const activeModel = () => ctx.db.selectFrom('match_model').select(['version', 'model']).where('active', '=', true).executeTakeFirst();
    const prior = await activeModel();
    const before = prior?.version ?? 0;
    const tuned = (prior?.model as { reviewThreshold?: number } | undefined)?.reviewThreshold ?? 0.5;
    await loadSyntheticRecords(ctx.db, 2_000, 3);
    await admin.getByTestId('model-estimate').click();
    await expect.poll(() => admin.getByTestId('model-estimate-status').textContent(), { timeout: 90_000 }).toContain('已完成');
    const v = before + 1;
    // A draft: matching still uses the version before it.
    expect((await activeModel())?.version ?? 0).toBe(before);
    const draft = await ctx.db.selectFrom('match_model').select(['version', 'model', 'active']).where('version', '=', v).executeTakeFirstOrThrow();
    expect(draft.active).toBe(false);
    const model = draft.model as { reviewThreshold: number; trainedOn?: { records: number } };
    expect(model.reviewThreshold).toBe(tuned);
    expect(model.trainedOn?.records).toBeGreaterThanOrEqual(2_000);
    // The page re-read the model when the estimate finished: the history lists the new version as a draft, the old one active.
    await expect.poll(() => admin.getByTestId('model-estimate-status').textContent()).toContain(`第 ${v} 版`);
    await expect.poll(() => admin.getByTestId(`model-status-${v}`).textContent()).toBe('草稿');
    expect(await admin.getByTestId(`model-status-${before}`).textContent()).toBe('启用中');
    await admin.getByTestId('model-drafts-waiting').waitFor();
    await expect.poll(() => admin.getByTestId('model-history').textContent()).toContain('EM 估计');
    // The source-order panel: every record a source holds, and the sample it compared apart.
    const cards = await ctx.db.selectFrom('source_record').select(ctx.db.fn.countAll<string>().as('n')).where('source_code', '=', 'CARD').executeTakeFirstOrThrow();
    await admin.reload();
    await expect.poll(() => admin.getByTestId('model-source-CARD').textContent()).toContain(`记录数 ${Number(cards.n).toLocaleString()}`);

    // Side by side before activating: the draft's weights beside the active ones, the differences counted and marked.
    await admin.getByTestId(`model-open-${v}`).click();
    await expect.poll(() => admin.getByTestId('model-compare-weights').locator('tbody tr.model-diff-changed').count()).toBeGreaterThan(3);
    expect(await admin.getByTestId('model-compare-changed').textContent()).toMatch(/^\d+ 项权重不同$/);
    const header = await admin.getByTestId('model-compare-weights').locator('thead').textContent();
    expect(header).toContain('启用版本权重');
    expect(header).toContain(`第 ${v} 版权重`);
    await admin.getByTestId('model-activate-confirm').click();
    await admin.getByText(`已启用第 ${v} 版`).waitFor();
    expect((await activeModel())?.version).toBe(v);
    await expect.poll(() => admin.getByTestId(`model-status-${v}`).textContent()).toBe('启用中');
    // Its training notes and the version's note in the page's language.
    await expect.poll(() => admin.getByTestId('model-training').textContent()).toMatch(/条记录.*个候选对.*u 取自随机记录对/);
    expect(await admin.getByTestId('model-training').textContent()).not.toContain('random pairs');

    // Rollback: the version before is activated again, audited from → to.
    await admin.getByTestId(`model-open-${before}`).click();
    await admin.getByTestId('model-activate-confirm').click();
    await expect.poll(async () => (await activeModel())?.version).toBe(before);
    await expect.poll(() => admin.getByTestId(`model-status-${v}`).textContent()).toBe('历史版本');
    const audits = await ctx.db.selectFrom('audit_log').select('changes').where('entity', '=', 'match_model').where('action', '=', 'activate').orderBy('id').execute();
    expect(audits.map((a) => a.changes)).toMatchObject([{ from: { version: before }, to: { version: v } }, { from: { version: v }, to: { version: before }, rollback: true }]);
  });

  it('a wrong automatic attachment is detached from the 360° view with a reason: a new customer with its account, shown in both histories', async () => {
    const idNo = makeResidentId('110101', '19850505', '321');
    const put = async (source: string, key: string, mobile: string, accountNo: string, balanceFen: number) => (await ctx.db.insertInto('source_record').values({
      source_code: source, record_key: key, kind: 'person', name: '孔明', id_type: 'resident_id', id_no: idNo, mobile, email: null, birth_date: null, gender: null, address: null,
      employer: null, legal_rep: null, attributes: '{}', accounts: JSON.stringify([{ accountNo, productCode: 'DEP_CURRENT', balanceFen }]), content_hash: createHash('sha256').update(key).digest(),
    }).returning('id').executeTakeFirstOrThrow()).id;
    const core = await put('CORE', 'C-TWIN-1', '13900001111', 'S-TWIN-1', 10_000);
    const card = await put('CARD', 'K-TWIN-2', '13900002222', 'C-TWIN-2', 80_000_000);
    await resolveSourceRecords(ctx.db, SYSTEM_ACTOR, [core]);
    await resolveSourceRecords(ctx.db, SYSTEM_ACTOR, [card]);
    const no = (await ctx.db.selectFrom('source_record as r').innerJoin('customer as c', 'c.id', 'r.customer_id').select('c.customer_no').where('r.id', '=', card).executeTakeFirstOrThrow()).customer_no;

    const page = await signIn('hq');
    await page.goto(`${base}/customers/${no}`);
    await page.getByTestId('c360-lineage').getByText('来源记录 (2)').click();
    await page.getByTestId(`detach-${card}`).click();
    await page.getByText('系统将记住二者不是同一客户').waitFor();
    expect(await page.getByTestId('detach-ok').isDisabled()).toBe(true);
    await page.getByTestId('detach-reason').fill('双胞胎兄弟，不是同一人');
    await page.getByTestId('detach-ok').click();
    await page.getByText('已拆分至客户').first().waitFor();
    const moved = (await ctx.db.selectFrom('source_record as r').innerJoin('customer as c', 'c.id', 'r.customer_id').select(['c.customer_no', 'c.aum_fen']).where('r.id', '=', card).executeTakeFirstOrThrow());
    expect(moved.customer_no).not.toBe(no);
    expect(Number(moved.aum_fen)).toBe(80_000_000);
    await expect.poll(() => page.url()).toContain(`/customers/${moved.customer_no}`);
    // The old customer's integration history names the detach.
    await page.goto(`${base}/customers/${no}`);
    await page.getByTestId('c360-lineage').getByText('整合记录').click();
    const row = page.getByTestId('detach-history').locator('tbody tr', { hasText: 'K-TWIN-2' });
    await row.waitFor();
    expect(await row.textContent()).toContain(moved.customer_no);
    await page.close();
  });

  it('an administrator finds a source record that failed to resolve, with its error, and retries it once the cause is fixed', async () => {
    // Customers named 坏… cannot be written: the record's resolution fails and it is failed, not left pending.
    await sql.raw(`CREATE FUNCTION refuse_bad() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN
        IF NEW.name LIKE '坏%' THEN RAISE EXCEPTION '坏数据 / bad data: %', NEW.name; END IF; RETURN NEW; END $$;
      CREATE TRIGGER refuse_bad BEFORE INSERT ON customer FOR EACH ROW EXECUTE FUNCTION refuse_bad();`).execute(ctx.db);
    const { id } = await ctx.db.insertInto('source_record').values({
      source_code: 'CORE', record_key: 'C-FAIL-1', kind: 'person', name: '坏数据', id_type: null, id_no: null, mobile: '+8613900009999', email: null, birth_date: null,
      gender: null, address: null, employer: null, legal_rep: null, attributes: '{}', accounts: '[]', content_hash: createHash('sha256').update('C-FAIL-1').digest(),
    }).returning('id').executeTakeFirstOrThrow();
    expect(await resolveSourceRecords(ctx.db, SYSTEM_ACTOR, [id])).toMatchObject({ failed: 1 });

    const admin = await signIn('admin');
    await admin.goto(`${base}/integration/model`);
    await expect.poll(() => admin.getByTestId('failed-title').textContent()).toBe('整合失败的来源记录 (1)');
    const row = admin.getByTestId('failed-records').locator('tbody tr', { hasText: 'C-FAIL-1' });
    await expect.poll(() => row.textContent()).toContain('坏数据 / bad data');
    await sql`DROP TRIGGER refuse_bad ON customer`.execute(ctx.db);
    await admin.getByTestId(`failed-retry-${id}`).click();
    await expect.poll(async () => (await ctx.db.selectFrom('source_record').select('match_status').where('id', '=', id).executeTakeFirstOrThrow()).match_status).toBe('created');
    await admin.getByText('已重试 1 条：匹配已有客户 0，新建客户 1').waitFor();
    // Nothing failed any more: the list is gone from the page.
    await expect.poll(() => admin.getByTestId('failed-records').count()).toBe(0);
  });
});
