import ExcelJS from 'exceljs';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, login, type TestContext } from '../../../test/context.ts';
import { PASSWORD, seedSmallBank } from '../../../test/fixtures.ts';
import { openActivities, openPipelineByOwner, salesByOwner, timelineSql } from '../engagement.repository.ts';
import { engagementJobs } from '../engagement.jobs.ts';
import { verifyAudit } from '../../../platform/audit.ts';
import { bankToday, commissionOf, periodEnd } from '../engagement.service.ts';

let ctx: TestContext;
let bank: Awaited<ReturnType<typeof seedSmallBank>>;
const cookies: Record<string, string> = {};
const as = (user: string) => ({ cookie: cookies[user] });

beforeAll(async () => {
  ctx = await createTestContext();
  bank = await seedSmallBank(ctx.db);
  for (const u of ['cm_a', 'cm_a2', 'cm_b', 'bm_a', 'hq', 'agent', 'auditor', 'admin']) cookies[u] = await login(ctx.app, u, PASSWORD);
});
afterAll(() => ctx?.close());

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

async function call(user: string, method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE', url: string, payload?: unknown) {
  const res = await ctx.app.inject({ method, url, headers: as(user), payload: payload as Json });
  return { status: res.statusCode, body: (res.body ? res.json() : undefined) as Json, raw: res };
}

const fields = (body: Json) => (body.error.fields as { field: string; rule: string; messages: { zh: string; en: string } }[]).map((f) => `${f.field}:${f.rule}`);

async function pipelines() {
  const r = await call('cm_a', 'GET', '/api/pipelines');
  const retail = r.body.items.find((p: Json) => p.code === 'retail');
  const corporate = r.body.items.find((p: Json) => p.code === 'corporate');
  return { retail, corporate, stage: (p: Json, code: string) => p.stages.find((s: Json) => s.code === code) };
}

async function auditRows(entity: string, entityId: number | string) {
  return ctx.db.selectFrom('audit_log').selectAll().where('entity', '=', entity).where('entity_id', '=', String(entityId)).orderBy('id').execute();
}

describe('contacts (联系)', () => {
  it('logs a contact, reads it back, audits the write in the same transaction', async () => {
    const created = await call('cm_a', 'POST', '/api/contacts', {
      customerNo: bank.customers.zhangWei, channel: 'phone', startedAt: '2026-03-01T02:00:00Z', endedAt: '2026-03-01T02:10:00Z',
      summary: '电话回访理财到期', content: '客户有意续作', connected: true,
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ customerNo: bank.customers.zhangWei, channel: 'phone', connected: true, ownerName: 'cm_a', links: [] });
    const got = await call('cm_a', 'GET', `/api/contacts/${created.body.id}`);
    expect(got.body.summary).toBe('电话回访理财到期');
    const rows = await auditRows('engagement_contact', created.body.id);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ action: 'create', actor_name: 'cm_a' });
    expect((rows[0].changes as Json).summary.to).toBe('电话回访理财到期');

    const upd = await call('cm_a', 'PATCH', `/api/contacts/${created.body.id}`, { summary: '电话回访：续作理财', connected: false });
    expect(upd.status).toBe(200);
    expect(upd.body).toMatchObject({ summary: '电话回访：续作理财', connected: false });
    const after = await auditRows('engagement_contact', created.body.id);
    expect(after.map((r) => r.action)).toEqual(['create', 'update']);
    expect(after[1].fields.sort()).toEqual(['connected', 'summary']);
  });

  it('rejects an end before the start and unknown fields with 400 naming the field, writing nothing', async () => {
    const before = await ctx.db.selectFrom('engagement_contact').select(sql<number>`count(*)::int`.as('n')).executeTakeFirstOrThrow();
    const bad = await call('cm_a', 'POST', '/api/contacts', {
      customerNo: bank.customers.zhangWei, channel: 'phone', startedAt: '2026-03-01T02:00:00Z', endedAt: '2026-03-01T01:00:00Z', summary: 'x',
    });
    expect(bad.status).toBe(400);
    expect(fields(bad.body)).toEqual(['endedAt:afterStart']);
    expect(bad.body.error.fields[0].messages.zh).toContain('结束时间');
    const badChannel = await call('cm_a', 'POST', '/api/contacts', { customerNo: bank.customers.zhangWei, channel: 'pigeon', startedAt: '2026-03-01T02:00:00Z', summary: 'x' });
    expect(badChannel.status).toBe(400);
    expect(fields(badChannel.body)).toContain('channel:enum');
    const extra = await call('cm_a', 'POST', '/api/contacts', { customerNo: bank.customers.zhangWei, channel: 'sms', startedAt: '2026-03-01T02:00:00Z', summary: 'x', secret: 1 });
    expect(fields(extra.body)).toContain('secret:unknown');
    // A contact is what happened: one starting in 2099 is refused (a planned one is an activity); a few minutes ahead is clock skew.
    const future = await call('cm_a', 'POST', '/api/contacts', { customerNo: bank.customers.zhangWei, channel: 'phone', startedAt: '2099-01-01T00:00:00Z', summary: 'x' });
    expect(future.status).toBe(400);
    expect(fields(future.body)).toEqual(['startedAt:future']);
    expect(future.body.error.fields[0].messages.zh).toBeTruthy();
    expect(future.body.error.fields[0].messages.en).toBeTruthy();
    const after = await ctx.db.selectFrom('engagement_contact').select(sql<number>`count(*)::int`.as('n')).executeTakeFirstOrThrow();
    expect(after.n).toBe(before.n);
    const skew = await call('cm_a', 'POST', '/api/contacts', { customerNo: bank.customers.zhangWei, channel: 'phone', startedAt: new Date(Date.now() + 60_000).toISOString(), summary: '时钟略快' });
    expect(skew.status).toBe(201);
    const moved = await call('cm_a', 'PATCH', `/api/contacts/${skew.body.id}`, { startedAt: '2099-01-01T00:00:00Z' });
    expect(moved.status).toBe(400);
    expect(fields(moved.body)).toEqual(['startedAt:future']);
  });

  it('keeps records inside the data scope: cm_b gets 404, bm_a sees branch A', async () => {
    const c = await call('cm_a', 'POST', '/api/contacts', { customerNo: bank.customers.zhangWei, channel: 'visit', startedAt: '2026-03-02T02:00:00Z', summary: '上门拜访' });
    expect((await call('cm_b', 'GET', `/api/contacts/${c.body.id}`)).status).toBe(404);
    expect((await call('cm_b', 'PATCH', `/api/contacts/${c.body.id}`, { summary: 'hijack' })).status).toBe(404);
    expect((await call('cm_b', 'POST', '/api/contacts', { customerNo: bank.customers.zhangWei, channel: 'visit', startedAt: '2026-03-02T02:00:00Z', summary: 'x' })).status).toBe(404);
    expect((await call('cm_b', 'GET', `/api/contacts?customerNo=${bank.customers.zhangWei}`)).status).toBe(404);
    const cmbList = await call('cm_b', 'GET', '/api/contacts');
    expect(cmbList.body.items.map((i: Json) => i.id)).not.toContain(c.body.id);
    expect((await call('bm_a', 'GET', `/api/contacts/${c.body.id}`)).status).toBe(200);
    const bmList = await call('bm_a', 'GET', `/api/contacts?customerNo=${bank.customers.zhangWei}`);
    expect(bmList.body.items.map((i: Json) => i.id)).toContain(c.body.id);
    // A customer manager cannot book a contact to another manager.
    const other = await call('cm_a', 'POST', '/api/contacts', { customerNo: bank.customers.zhangWei, channel: 'visit', startedAt: '2026-03-02T02:00:00Z', summary: 'x', ownerId: bank.users.cm_a2 });
    expect(fields(other.body)).toEqual(['ownerId:scope']);
  });

  it('lists with filters and pages, and exports to Excel', async () => {
    const list = await call('cm_a', 'GET', `/api/contacts?customerNo=${bank.customers.zhangWei}&channel=visit&pageSize=1`);
    expect(list.status).toBe(200);
    expect(list.body.items).toHaveLength(1);
    expect(list.body.items.every((i: Json) => i.channel === 'visit')).toBe(true);
    const res = await ctx.app.inject({ url: `/api/contacts/export?customerNo=${bank.customers.zhangWei}`, headers: as('cm_a') });
    expect(res.statusCode).toBe(200);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(res.rawPayload as unknown as ArrayBuffer);
    const ws = wb.worksheets[0];
    expect(ws.getRow(1).getCell(1).value).toBe('开始时间');
    expect(ws.rowCount - 1).toBe((await call('cm_a', 'GET', `/api/contacts?customerNo=${bank.customers.zhangWei}`)).body.total);
    // The export's audit row is written once the file has streamed out, just after the response ends.
    const exported = async () => (await ctx.db.selectFrom('audit_log').selectAll().where('action', '=', 'export').where('entity', '=', 'engagement_contact').execute()).length;
    await expect.poll(exported).toBe(1);
  });
});

describe('activities (活动)', () => {
  it('creates a task, completes it, validates, and shows it as an open task until done', async () => {
    const a = await call('cm_a', 'POST', '/api/activities', {
      customerNo: bank.customers.zhangWei, type: 'task', priority: 'high', startsAt: '2026-03-03T01:00:00Z', endsAt: '2026-03-05T09:00:00Z',
      description: '准备资产配置方案', costFen: 12_345,
    });
    expect(a.status).toBe(201);
    expect(a.body).toMatchObject({ status: 'planned', completed: false, costFen: 12345, priority: 'high' });
    const open = await openActivities(ctx.db, bank.users.cm_a, new Date('2026-03-06T00:00:00Z'));
    expect(open.map((x) => x.id)).toContain(a.body.id);
    const done = await call('cm_a', 'PATCH', `/api/activities/${a.body.id}`, { completed: true });
    expect(done.body).toMatchObject({ status: 'done', completed: true });
    expect(done.body.completedAt).toBeTruthy();
    expect((await openActivities(ctx.db, bank.users.cm_a, new Date('2026-03-06T00:00:00Z'))).map((x) => x.id)).not.toContain(a.body.id);
    const bad = await call('cm_a', 'PATCH', `/api/activities/${a.body.id}`, { endsAt: '2026-03-01T00:00:00Z' });
    expect(bad.status).toBe(400);
    expect(fields(bad.body)).toEqual(['endsAt:afterStart']);
    const neg = await call('cm_a', 'POST', '/api/activities', { customerNo: bank.customers.zhangWei, type: 'task', startsAt: '2026-03-03T01:00:00Z', description: 'x', costFen: -1 });
    expect(fields(neg.body)).toContain('costFen:minimum');
    expect((await call('cm_b', 'GET', `/api/activities/${a.body.id}`)).status).toBe(404);
    expect((await call('bm_a', 'GET', `/api/activities/${a.body.id}`)).status).toBe(200);
    expect((await auditRows('engagement_activity', a.body.id)).map((r) => r.action)).toEqual(['create', 'update']);
  });
});

describe('requirements (客户需求)', () => {
  it('creates, updates status and sub-status, validates dates, scopes', async () => {
    const r = await call('cm_a', 'POST', '/api/requirements', {
      customerNo: bank.customers.company, summary: '需要跨境结算方案', severity: 'high', urgency: 'urgent', startsOn: '2026-03-01', endsOn: '2026-03-31',
    });
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({ status: 'new', severity: 'high', urgency: 'urgent' });
    const u = await call('cm_a', 'PATCH', `/api/requirements/${r.body.id}`, { status: 'in_progress', subStatus: '方案评审' });
    expect(u.body).toMatchObject({ status: 'in_progress', subStatus: '方案评审' });
    const bad = await call('cm_a', 'PATCH', `/api/requirements/${r.body.id}`, { endsOn: '2026-02-01' });
    expect(fields(bad.body)).toEqual(['endsOn:afterStart']);
    const badStatus = await call('cm_a', 'PATCH', `/api/requirements/${r.body.id}`, { status: 'whatever' });
    expect(fields(badStatus.body)).toContain('status:enum');
    expect((await call('cm_b', 'GET', `/api/requirements/${r.body.id}`)).status).toBe(404);
    expect((await call('bm_a', 'GET', `/api/requirements?customerNo=${bank.customers.company}`)).body.items).toHaveLength(1);
  });
});

describe('opportunities (机会) and stages', () => {
  it('creates with the default pipeline and its first stage; validates probability and stages', async () => {
    const { retail, corporate, stage } = await pipelines();
    const o = await call('cm_a', 'POST', '/api/opportunities', {
      customerNo: bank.customers.zhangWei, summary: '大额存单', products: [{ productCode: 'DEP_LARGE_CD', amountFen: 50_000_000 }], salesMethod: 'phone',
    });
    expect(o.status).toBe(201);
    expect(o.body.oppNo).toMatch(/^OPP\d{8}$/);
    expect(o.body).toMatchObject({ pipelineId: retail.id, stageCode: 'lead', probability: 10, expectedValueFen: 50_000_000, status: 'open' });
    expect(o.body.products).toEqual([expect.objectContaining({ productCode: 'DEP_LARGE_CD', amountFen: 50_000_000 })]);

    const base = { customerNo: bank.customers.zhangWei, summary: 'x' };
    expect(fields((await call('cm_a', 'POST', '/api/opportunities', { ...base, probability: 101 })).body)).toEqual(['probability:range']);
    expect(fields((await call('cm_a', 'POST', '/api/opportunities', { ...base, probability: -1 })).body)).toEqual(['probability:range']);
    expect(fields((await call('cm_a', 'POST', '/api/opportunities', { ...base, stageId: 999999 })).body)).toEqual(['stageId:unknownStage']);
    expect(fields((await call('cm_a', 'POST', '/api/opportunities', { ...base, pipelineId: retail.id, stageId: stage(corporate, 'visit').id })).body)).toEqual(['stageId:otherPipeline']);
    // Pipelines are per party: a person cannot be put into the corporate pipeline, by its stage or by the pipeline.
    expect(fields((await call('cm_a', 'POST', '/api/opportunities', { ...base, stageId: stage(corporate, 'visit').id })).body)).toEqual(['stageId:party']);
    expect(fields((await call('cm_a', 'POST', '/api/opportunities', { ...base, pipelineId: corporate.id })).body)).toEqual(['pipelineId:party']);
    expect(fields((await call('cm_a', 'POST', '/api/opportunities', { ...base, startsOn: '2026-03-10', endsOn: '2026-03-01' })).body)).toEqual(['endsOn:afterStart']);
    expect(fields((await call('cm_a', 'POST', '/api/opportunities', { ...base, products: [{ productCode: 'NOPE', amountFen: 1 }] })).body)).toEqual(['products.0.productCode:unknownProduct']);

    // Stage moves: another pipeline's stage or an unknown one → 400; nothing changes.
    expect(fields((await call('cm_a', 'POST', `/api/opportunities/${o.body.id}/stage`, { stageId: stage(corporate, 'visit').id })).body)).toEqual(['stageId:otherPipeline']);
    expect(fields((await call('cm_a', 'PATCH', `/api/opportunities/${o.body.id}`, { stageId: 999999 })).body)).toEqual(['stageId:unknownStage']);
    expect(fields((await call('cm_a', 'PATCH', `/api/opportunities/${o.body.id}`, { probability: 150 })).body)).toEqual(['probability:range']);
    const moved = await call('cm_a', 'POST', `/api/opportunities/${o.body.id}/stage`, { stageId: stage(retail, 'proposal').id });
    expect(moved.body).toMatchObject({ stageCode: 'proposal', probability: 70, status: 'open' });
    // A corporate customer gets the corporate pipeline by default.
    const corp = await call('cm_a', 'POST', '/api/opportunities', { customerNo: bank.customers.company, summary: '流动资金贷款' });
    expect(corp.body.pipelineId).toBe(corporate.id);
    expect((await call('cm_b', 'GET', `/api/opportunities/${o.body.id}`)).status).toBe(404);
    expect((await call('cm_b', 'POST', `/api/opportunities/${o.body.id}/stage`, { stageId: stage(retail, 'won').id })).status).toBe(404);
  });

  it('moving to the won stage records a sale per product with the commission in force, once', async () => {
    const { retail, stage } = await pipelines();
    const today = bankToday();
    // Rules: 0.5% on the CD; a fixed ¥88 per fund sale; an expired rule that must not apply.
    expect((await call('cm_a', 'POST', '/api/sales/commission-rules', { productCode: 'DEP_LARGE_CD', rateBp: 50, effectiveFrom: '2020-01-01' })).status).toBe(403);
    expect((await call('bm_a', 'POST', '/api/sales/commission-rules', { productCode: 'FUND_MMF', fixedFen: 1000, effectiveFrom: '2020-01-01', effectiveTo: '2020-12-31' })).status).toBe(201);
    expect((await call('bm_a', 'POST', '/api/sales/commission-rules', { productCode: 'DEP_LARGE_CD', rateBp: 50, effectiveFrom: '2021-01-01' })).status).toBe(201);
    expect((await call('bm_a', 'POST', '/api/sales/commission-rules', { productCode: 'FUND_MMF', fixedFen: 8800, effectiveFrom: '2021-01-01' })).status).toBe(201);
    const overlap = await call('bm_a', 'POST', '/api/sales/commission-rules', { productCode: 'FUND_MMF', rateBp: 10, effectiveFrom: '2022-01-01' });
    expect(fields(overlap.body)).toEqual(['effectiveFrom:overlap']);
    const both = await call('bm_a', 'POST', '/api/sales/commission-rules', { productCode: 'WM_STABLE', rateBp: 10, fixedFen: 10, effectiveFrom: '2022-01-01' });
    expect(fields(both.body)).toEqual(['rateBp:oneOf']);

    const o = await call('cm_a', 'POST', '/api/opportunities', {
      customerNo: bank.customers.zhangWei, summary: '存单+基金', products: [{ productCode: 'DEP_LARGE_CD', amountFen: 20_000_001 }, { productCode: 'FUND_MMF', amountFen: 1_000_000 }],
    });
    const won = await call('cm_a', 'POST', `/api/opportunities/${o.body.id}/stage`, { stageId: stage(retail, 'won').id });
    expect(won.status).toBe(200);
    expect(won.body).toMatchObject({ status: 'won', probability: 100, stageCode: 'won' });
    expect(won.body.wonAt).toBeTruthy();
    // 20,000,001 × 0.5% = 100,000.005 → 100,000 fen (half up on the fen); fixed 8,800 for the fund.
    expect(won.body.sales).toEqual(expect.arrayContaining([
      expect.objectContaining({ productCode: 'DEP_LARGE_CD', amountFen: 20_000_001, commissionFen: 100_000, soldOn: today }),
      expect.objectContaining({ productCode: 'FUND_MMF', amountFen: 1_000_000, commissionFen: 8_800 }),
    ]));
    const sales = await ctx.db.selectFrom('sale').selectAll().where('opportunity_id', '=', o.body.id).execute();
    expect(sales).toHaveLength(2);
    expect(sales.every((s) => s.owner_id === bank.users.cm_a)).toBe(true);
    expect((await ctx.db.selectFrom('audit_log').select('id').where('entity', '=', 'sale').where('customer_id', '=', sales[0].customer_id).execute()).length).toBeGreaterThanOrEqual(2);
    // Won is final: moving again is refused and records nothing more.
    const again = await call('cm_a', 'POST', `/api/opportunities/${o.body.id}/stage`, { stageId: stage(retail, 'lead').id });
    expect(fields(again.body)).toEqual(['stageId:closedWon']);
    expect(await ctx.db.selectFrom('sale').select('id').where('opportunity_id', '=', o.body.id).execute()).toHaveLength(2);
    // Its text may still be edited (a form sends the same products back); its products may not change.
    const same = [{ productCode: 'FUND_MMF', amountFen: 1_000_000 }, { productCode: 'DEP_LARGE_CD', amountFen: 20_000_001 }];
    expect((await call('cm_a', 'PATCH', `/api/opportunities/${o.body.id}`, { summary: '存单+基金（已签约）', products: same })).body.summary).toBe('存单+基金（已签约）');
    const changed = await call('cm_a', 'PATCH', `/api/opportunities/${o.body.id}`, { products: [{ productCode: 'FUND_MMF', amountFen: 1 }] });
    expect(fields(changed.body)).toEqual(['products:closedWon']);

    // "My sales & commission" and the workbench helpers see the same numbers.
    const mine = await call('cm_a', 'GET', `/api/sales/mine?from=${today}&to=${today}`);
    expect(mine.body.totals).toMatchObject({ count: 2, amountFen: 21_000_001, commissionFen: 108_800 });
    const byOwner = await salesByOwner(ctx.db, [bank.users.cm_a, bank.users.cm_b], today, today);
    expect(byOwner).toEqual([expect.objectContaining({ owner_id: bank.users.cm_a, n: 2, amount_fen: '21000001', commission_fen: '108800' })]);
    const salesList = await call('bm_a', 'GET', '/api/sales');
    expect(salesList.body.sums).toEqual({ amountFen: 21_000_001, commissionFen: 108_800 });
    expect((await call('cm_b', 'GET', '/api/sales')).body.items).toHaveLength(0);
    const exp = await ctx.app.inject({ url: '/api/sales/export', headers: as('bm_a') });
    expect(exp.statusCode).toBe(200);
  });

  it('cannot win an opportunity without products; lost can be reopened', async () => {
    const { retail, stage } = await pipelines();
    const o = await call('cm_a', 'POST', '/api/opportunities', { customerNo: bank.customers.zhangWei, summary: '无产品' });
    const won = await call('cm_a', 'POST', `/api/opportunities/${o.body.id}/stage`, { stageId: stage(retail, 'won').id });
    expect(fields(won.body)).toEqual(['products:requiredToWin']);
    const lost = await call('cm_a', 'POST', `/api/opportunities/${o.body.id}/stage`, { stageId: stage(retail, 'lost').id, lostReason: '客户已在他行办理' });
    expect(lost.body).toMatchObject({ status: 'lost', probability: 0, lostReason: '客户已在他行办理' });
    const reopened = await call('cm_a', 'PATCH', `/api/opportunities/${o.body.id}`, { stageId: stage(retail, 'needs').id });
    expect(reopened.body).toMatchObject({ status: 'open', probability: 50, lostReason: null });
  });
});

describe('late commission job', () => {
  it('gives sales booked before their rule existed the rule\'s commission, once', async () => {
    const { corporate, stage } = await pipelines();
    const o = await call('cm_a', 'POST', '/api/opportunities', { customerNo: bank.customers.company, summary: '单位定存', products: [{ productCode: 'CORP_TIME', amountFen: 3_000_000_00 }] });
    await call('cm_a', 'POST', `/api/opportunities/${o.body.id}/stage`, { stageId: stage(corporate, 'won').id });
    const before = await ctx.db.selectFrom('sale').selectAll().where('opportunity_id', '=', o.body.id).executeTakeFirstOrThrow();
    expect(before).toMatchObject({ commission_fen: 0, commission_rule_id: null });
    const job = engagementJobs.find((j) => j.name === 'engagement.apply-late-commission')!;
    expect(await job.run(ctx.db, new Date())).toBe(0);
    await call('hq', 'POST', '/api/sales/commission-rules', { productCode: 'CORP_TIME', rateBp: 15, effectiveFrom: '2020-01-01' });
    expect(await job.run(ctx.db, new Date())).toBe(1);
    // 300,000,000 fen × 0.15% = 450,000 fen.
    const after = await ctx.db.selectFrom('sale').selectAll().where('id', '=', before.id).executeTakeFirstOrThrow();
    expect(after.commission_fen).toBe(450_000);
    expect(after.commission_rule_id).not.toBeNull();
    expect(await job.run(ctx.db, new Date())).toBe(0);
    expect((await auditRows('sale', before.id)).map((r) => `${r.action}:${r.actor_name}`)).toEqual(['create:cm_a', 'update:system']);
  });
});

describe('links (seed 001 §2.3.2.1)', () => {
  it('creates an opportunity from a contact, links from either side, lists them on both, refuses another customer', async () => {
    const c = await call('cm_a', 'POST', '/api/contacts', { customerNo: bank.customers.zhangWei, channel: 'phone', startedAt: '2026-04-01T02:00:00Z', summary: '来电咨询理财' });
    const o = await call('cm_a', 'POST', '/api/opportunities', {
      customerNo: bank.customers.zhangWei, summary: '稳享理财', products: [{ productCode: 'WM_STABLE', amountFen: 10_000_000 }], links: [{ kind: 'contact', id: c.body.id }],
    });
    expect(o.status).toBe(201);
    expect(o.body.links).toEqual([expect.objectContaining({ kind: 'contact', id: c.body.id, title: '来电咨询理财' })]);
    expect((await call('cm_a', 'GET', `/api/contacts/${c.body.id}`)).body.links).toEqual([expect.objectContaining({ kind: 'opportunity', id: o.body.id })]);

    // From the other side: requirement → opportunity, activity → contact, and the reverse of each.
    const r = await call('cm_a', 'POST', '/api/requirements', { customerNo: bank.customers.zhangWei, summary: '稳健收益' });
    expect((await call('cm_a', 'POST', `/api/requirements/${r.body.id}/links`, { kind: 'opportunity', id: o.body.id })).status).toBe(201);
    const a = await call('cm_a', 'POST', '/api/activities', { customerNo: bank.customers.zhangWei, type: 'meeting', startsAt: '2026-04-02T02:00:00Z', description: '面谈' });
    expect((await call('cm_a', 'POST', `/api/contacts/${c.body.id}/links`, { kind: 'activity', id: a.body.id })).status).toBe(201);
    expect((await call('cm_a', 'POST', `/api/activities/${a.body.id}/links`, { kind: 'requirement', id: r.body.id })).status).toBe(201);
    expect((await call('cm_a', 'POST', `/api/opportunities/${o.body.id}/links`, { kind: 'activity', id: a.body.id })).status).toBe(201);
    expect((await call('cm_a', 'POST', `/api/requirements/${r.body.id}/links`, { kind: 'contact', id: c.body.id })).status).toBe(201);
    // Linking twice is harmless.
    expect((await call('cm_a', 'POST', `/api/opportunities/${o.body.id}/links`, { kind: 'requirement', id: r.body.id })).status).toBe(201);

    const opp = await call('cm_a', 'GET', `/api/opportunities/${o.body.id}`);
    expect(opp.body.links.map((l: Json) => l.kind).sort()).toEqual(['activity', 'contact', 'requirement']);
    const act = await call('cm_a', 'GET', `/api/activities/${a.body.id}`);
    expect(act.body.links.map((l: Json) => l.kind).sort()).toEqual(['contact', 'opportunity', 'requirement']);
    const req = await call('cm_a', 'GET', `/api/requirements/${r.body.id}`);
    expect(req.body.links.map((l: Json) => l.kind).sort()).toEqual(['activity', 'contact', 'opportunity']);
    expect(await ctx.db.selectFrom('contact_opportunity').selectAll().where('contact_id', '=', c.body.id).execute()).toEqual([
      expect.objectContaining({ opportunity_id: o.body.id, customer_id: expect.any(Number) }),
    ]);

    // Another customer's record (company) cannot be linked; the same kind cannot be linked.
    const other = await call('cm_a', 'POST', '/api/requirements', { customerNo: bank.customers.company, summary: '对公需求' });
    expect(fields((await call('cm_a', 'POST', `/api/opportunities/${o.body.id}/links`, { kind: 'requirement', id: other.body.id })).body)).toEqual(['id:sameCustomer']);
    expect(fields((await call('cm_a', 'POST', `/api/opportunities/${o.body.id}/links`, { kind: 'opportunity', id: o.body.id })).body)).toEqual(['kind:sameKind']);
    expect(fields((await call('cm_a', 'POST', '/api/contacts', {
      customerNo: bank.customers.zhangWei, channel: 'sms', startedAt: '2026-04-01T02:00:00Z', summary: 'x', links: [{ kind: 'requirement', id: other.body.id }],
    })).body)).toEqual(['links.0.id:sameCustomer']);
    // cm_b cannot link to or from cm_a's records.
    expect((await call('cm_b', 'POST', `/api/opportunities/${o.body.id}/links`, { kind: 'contact', id: c.body.id })).status).toBe(404);

    // Unlink from the other side; audited.
    expect((await call('cm_a', 'DELETE', `/api/activities/${a.body.id}/links/contact/${c.body.id}`)).status).toBe(204);
    expect((await call('cm_a', 'GET', `/api/contacts/${c.body.id}`)).body.links.map((l: Json) => l.kind).sort()).toEqual(['opportunity', 'requirement']);
    expect((await call('cm_a', 'DELETE', `/api/activities/${a.body.id}/links/contact/${c.body.id}`)).status).toBe(404);
    const linkAudit = await ctx.db.selectFrom('audit_log').select(['action']).where('entity', '=', 'engagement_link').where('entity_id', '=', `activity:${a.body.id}-contact:${c.body.id}`).execute();
    expect(linkAudit.map((x) => x.action)).toEqual(['delete']);
  });
});

describe('kanban board and funnel', () => {
  it('groups opportunities by stage with counts and values; the funnel adds up per manager, team and branch', async () => {
    const { retail, stage } = await pipelines();
    const mk = async (user: string, customerNo: string, stageCode: string, amount: number) => {
      const o = await call(user, 'POST', '/api/opportunities', { customerNo, summary: `f-${stageCode}`, pipelineId: retail.id, products: [{ productCode: 'DEP_TIME_1Y', amountFen: amount }] });
      expect(o.status).toBe(201);
      if (stageCode !== 'lead') expect((await call(user, 'POST', `/api/opportunities/${o.body.id}/stage`, { stageId: stage(retail, stageCode).id })).status).toBe(200);
      return o.body.id as number;
    };
    const before = (await call('cm_b', 'GET', `/api/sales/funnel?pipelineId=${retail.id}`)).body;
    await mk('cm_b', bank.customers.wangFang, 'lead', 1_000);
    await mk('cm_b', bank.customers.wangFang, 'lead', 2_000);
    await mk('cm_b', bank.customers.wangFang, 'needs', 4_000);
    const f = (await call('cm_b', 'GET', `/api/sales/funnel?pipelineId=${retail.id}`)).body;
    const at = (x: Json, code: string) => x.stages.find((s: Json) => s.code === code);
    expect(at(f, 'lead').count - at(before, 'lead').count).toBe(2);
    expect(at(f, 'lead').valueFen - at(before, 'lead').valueFen).toBe(3_000);
    expect(at(f, 'needs').count - at(before, 'needs').count).toBe(1);
    expect(f.stages.map((s: Json) => s.code)).toEqual(['lead', 'contacted', 'needs', 'proposal', 'won', 'lost']);
    // cm_b's funnel is exactly cm_b's opportunities; branch A's funnel does not include them.
    expect(at(f, 'lead').count).toBe(2);
    expect(at(f, 'needs').weightedFen).toBe(2_000);
    const branchA = (await call('hq', 'GET', `/api/sales/funnel?pipelineId=${retail.id}&orgId=${bank.orgs.branchA}`)).body;
    const branchB = (await call('hq', 'GET', `/api/sales/funnel?pipelineId=${retail.id}&orgId=${bank.orgs.branchB}`)).body;
    expect(at(branchB, 'lead').count).toBe(2);
    expect(at(branchB, 'needs').valueFen).toBe(4_000);
    const all = (await call('hq', 'GET', `/api/sales/funnel?pipelineId=${retail.id}`)).body;
    for (const code of ['lead', 'needs', 'won']) expect(at(all, code).count).toBe(at(branchA, code).count + at(branchB, code).count);
    const manager = (await call('hq', 'GET', `/api/sales/funnel?pipelineId=${retail.id}&ownerId=${bank.users.cm_b}`)).body;
    expect(at(manager, 'lead').count).toBe(2);
    // bm_a (branch A) sees none of branch B's pipeline, whatever it asks.
    const bmA = (await call('bm_a', 'GET', `/api/sales/funnel?pipelineId=${retail.id}&ownerId=${bank.users.cm_b}`)).body;
    expect(bmA.stages.every((s: Json) => s.count === 0)).toBe(true);

    const board = (await call('cm_b', 'GET', `/api/opportunities/board?pipelineId=${retail.id}`)).body;
    expect(at(board, 'lead').count).toBe(2);
    expect(at(board, 'lead').cards).toHaveLength(2);
    expect(at(board, 'needs').cards[0]).toMatchObject({ customerNo: bank.customers.wangFang, stageCode: 'needs' });
    const pipelineOf = await openPipelineByOwner(ctx.db, bank.users.cm_b);
    expect(pipelineOf.find((p) => p.stage_id === stage(retail, 'lead').id)).toMatchObject({ n: 2, value_fen: '3000' });
  });

  it('lists opportunities with filters and exports them', async () => {
    const list = await call('bm_a', 'GET', '/api/opportunities?status=won');
    expect(list.body.items.length).toBeGreaterThan(0);
    expect(list.body.items.every((o: Json) => o.status === 'won')).toBe(true);
    const res = await ctx.app.inject({ url: '/api/opportunities/export?status=open', headers: { ...as('bm_a'), 'accept-language': 'en' } });
    expect(res.statusCode).toBe(200);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(res.rawPayload as unknown as ArrayBuffer);
    expect(wb.worksheets[0].getRow(1).getCell(1).value).toBe('Opportunity no.');
    expect((await ctx.app.inject({ url: '/api/opportunities/export', headers: as('agent') })).statusCode).toBe(403);
  });
});

describe('pipelines are configurable', () => {
  it('sales:plan or an administrator edits stages; a customer manager cannot; bad stage lists are 400', async () => {
    const created = await call('admin', 'POST', '/api/pipelines', {
      code: 'wealth', name: '财富', nameEn: 'Wealth', party: 'person',
      stages: [{ code: 'lead', name: '线索', nameEn: 'Lead', probability: 10 }, { code: 'won', name: '成交', nameEn: 'Won', probability: 100, isWon: true }],
    });
    expect(created.status).toBe(201);
    expect(created.body.stages.map((s: Json) => s.position)).toEqual([1, 2]);
    expect((await call('cm_a', 'POST', '/api/pipelines', { code: 'x', name: 'x', nameEn: 'x', stages: [{ code: 'a', name: 'a', nameEn: 'a', probability: 1 }, { code: 'w', name: 'w', nameEn: 'w', probability: 100, isWon: true }] })).status).toBe(403);
    const noWon = await call('bm_a', 'POST', '/api/pipelines', { code: 'nowon', name: 'x', nameEn: 'x', stages: [{ code: 'a', name: 'a', nameEn: 'a', probability: 10 }, { code: 'b', name: 'b', nameEn: 'b', probability: 120 }] });
    expect(fields(noWon.body).sort()).toEqual(['stages.1.probability:range', 'stages:oneWon'].sort());
    const [lead, won] = created.body.stages;
    const renamed = await call('bm_a', 'PATCH', `/api/pipelines/${created.body.id}`, {
      stages: [{ id: lead.id, code: 'lead', name: '潜在', nameEn: 'Prospect', probability: 15 }, { code: 'talk', name: '洽谈', nameEn: 'Talks', probability: 40 }, { id: won.id, code: 'won', name: '成交', nameEn: 'Won', probability: 100, isWon: true }],
    });
    expect(renamed.status).toBe(200);
    expect(renamed.body.stages.map((s: Json) => `${s.code}:${s.probability}`)).toEqual(['lead:15', 'talk:40', 'won:100']);
    // A stage holding opportunities cannot be dropped.
    const o = await call('cm_a', 'POST', '/api/opportunities', { customerNo: bank.customers.zhangWei, summary: 'w', pipelineId: created.body.id });
    expect(o.body.stageCode).toBe('lead');
    const drop = await call('bm_a', 'PATCH', `/api/pipelines/${created.body.id}`, {
      stages: [{ code: 'talk2', name: 't', nameEn: 't', probability: 40 }, { id: won.id, code: 'won', name: '成交', nameEn: 'Won', probability: 100, isWon: true }],
    });
    expect(fields(drop.body)).toContain('stages:inUse');
    expect((await auditRows('pipeline', created.body.id)).map((r) => r.action)).toEqual(['create', 'update']);
  });
});

describe('sales targets and attainment', () => {
  it('sales:plan sets targets for staff in scope; attainment compares with actual sales', async () => {
    const today = bankToday();
    const monthStart = `${today.slice(0, 8)}01`;
    // What cm_a has sold this month (the won opportunities above), straight from the sales table.
    const sold = await ctx.db.selectFrom('sale').select([sql<string>`sum(amount_fen)::text`.as('amount'), sql<number>`count(*)::int`.as('n')])
      .where('owner_id', '=', bank.users.cm_a).where('sold_on', '>=', monthStart).executeTakeFirstOrThrow();
    expect(sold.n).toBeGreaterThan(0);
    expect((await call('cm_a', 'PUT', '/api/sales/targets', { userId: bank.users.cm_a, period: 'month', periodStart: monthStart, metric: 'sales_amount', target: 1 })).status).toBe(403);
    const set = await call('bm_a', 'PUT', '/api/sales/targets', { userId: bank.users.cm_a, period: 'month', periodStart: monthStart, metric: 'sales_amount', target: 2 * Number(sold.amount) });
    expect(set.status).toBe(200);
    await call('bm_a', 'PUT', '/api/sales/targets', { userId: bank.users.cm_a, period: 'month', periodStart: monthStart, metric: 'products_sold', target: 2 * sold.n });
    expect(fields((await call('bm_a', 'PUT', '/api/sales/targets', { userId: bank.users.cm_b, period: 'month', periodStart: monthStart, metric: 'sales_amount', target: 1 })).body)).toEqual(['userId:scope']);
    expect(fields((await call('bm_a', 'PUT', '/api/sales/targets', { userId: bank.users.cm_a, period: 'quarter', periodStart: '2026-02-01', metric: 'sales_amount', target: 1 })).body)).toEqual(['periodStart:periodStart']);
    const list = await call('cm_a', 'GET', `/api/sales/targets?periodStart=${monthStart}`);
    const amount = list.body.items.find((t: Json) => t.metric === 'sales_amount');
    // Half the target sold: 50 %.
    expect(amount).toMatchObject({ userName: 'cm_a', target: String(2 * Number(sold.amount)), actual: sold.amount, attainmentPct: 50, periodEnd: periodEnd('month', monthStart) });
    expect(list.body.items.find((t: Json) => t.metric === 'products_sold')).toMatchObject({ actual: String(sold.n), attainmentPct: 50 });
    // Updating the same target is an upsert, audited as an update.
    await call('bm_a', 'PUT', '/api/sales/targets', { userId: bank.users.cm_a, period: 'month', periodStart: monthStart, metric: 'sales_amount', target: Number(sold.amount) });
    expect((await call('cm_a', 'GET', `/api/sales/targets?periodStart=${monthStart}&userId=${bank.users.cm_a}`)).body.items.find((t: Json) => t.metric === 'sales_amount').attainmentPct).toBe(100);
    expect((await auditRows('sales_target', set.body.id)).map((r) => r.action)).toEqual(['create', 'update']);
    // cm_b sees no one else's targets.
    expect((await call('cm_b', 'GET', '/api/sales/targets')).body.items).toEqual([]);
  });

  it('periods and commission arithmetic', () => {
    expect(periodEnd('month', '2024-02-01')).toBe('2024-02-29');
    expect(periodEnd('quarter', '2026-10-01')).toBe('2026-12-31');
    expect(periodEnd('year', '2026-01-01')).toBe('2026-12-31');
    expect(commissionOf(12_345, { rate_bp: 100, fixed_fen: null })).toBe(123);
    expect(commissionOf(12_350, { rate_bp: 100, fixed_fen: null })).toBe(124);
    expect(commissionOf(1, { rate_bp: null, fixed_fen: 500 })).toBe(500);
    expect(commissionOf(1_000, undefined)).toBe(0);
  });
});

describe('timeline', () => {
  it('merges profile changes with engagement records newest first and pages by cursor without gaps or repeats', async () => {
    // A fresh customer keeps this test's counts exact.
    const created = await call('cm_a2', 'POST', '/api/customers', { typeCode: 'personal_resident', name: '李雷', status: 'active' });
    const no = created.body.customerNo as string;
    await call('cm_a2', 'PATCH', `/api/customers/${no}`, { remarks: '高净值潜客' });
    // Same start time for several records: the order must still be total.
    const t = '2026-05-01T08:00:00Z';
    for (let i = 0; i < 5; i++) await call('cm_a2', 'POST', '/api/contacts', { customerNo: no, channel: 'phone', startedAt: t, summary: `c${i}` });
    for (let i = 0; i < 3; i++) await call('cm_a2', 'POST', '/api/activities', { customerNo: no, type: 'call', startsAt: t, description: `a${i}` });
    await call('cm_a2', 'POST', '/api/opportunities', { customerNo: no, summary: 'o1' });
    await call('cm_a2', 'POST', '/api/requirements', { customerNo: no, summary: 'r1' });

    const seen: Json[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const r = await call('cm_a2', 'GET', `/api/customers/${no}/timeline?limit=3${cursor ? `&before=${cursor}` : ''}`);
      expect(r.status, r.raw.body).toBe(200);
      seen.push(...r.body.items);
      cursor = r.body.nextCursor;
      pages++;
    } while (cursor && pages < 20);
    const kinds = seen.map((e) => e.kind);
    expect(kinds.filter((k) => k === 'contact')).toHaveLength(5);
    expect(kinds.filter((k) => k === 'activity')).toHaveLength(3);
    expect(kinds.filter((k) => k === 'opportunity')).toHaveLength(1);
    expect(kinds.filter((k) => k === 'requirement')).toHaveLength(1);
    const audits = seen.filter((e) => e.kind === 'audit');
    expect(audits.map((a) => a.action).sort()).toEqual(['create', 'update']);
    expect(new Set(seen.map((e) => `${e.kind}:${e.id}`)).size).toBe(seen.length);
    // Newest first.
    for (let i = 1; i < seen.length; i++) expect(Date.parse(seen[i - 1].at)).toBeGreaterThanOrEqual(Date.parse(seen[i].at));
    // The records' audit rows and the timeline's own reads do not appear as profile changes.
    expect(audits.every((a) => a.entity === 'customer')).toBe(true);

    // The same in one page.
    const one = await call('cm_a2', 'GET', `/api/customers/${no}/timeline?limit=100`);
    expect(one.body.items.map((e: Json) => `${e.kind}:${e.id}`)).toEqual(seen.map((e) => `${e.kind}:${e.id}`));
    expect(one.body.nextCursor).toBeNull();

    // Every page read is audited (by the statement that reads it), on the hash chain like any other row.
    const reads = (await ctx.db.selectFrom('audit_log').select(['actor_name', 'customer_id', 'fields', 'changes'])
      .where('entity', '=', 'customer').where('entity_id', '=', no).where('action', '=', 'read').execute()).filter((r) => r.fields.includes('timeline'));
    expect(reads).toHaveLength(pages + 1);
    expect(reads[0]).toMatchObject({ actor_name: 'cm_a2', fields: ['timeline'], changes: { masked: false } });
    expect(reads.every((r) => r.customer_id === reads[0]!.customer_id && r.customer_id !== null)).toBe(true);
    expect(await verifyAudit(ctx.db)).toMatchObject({ ok: true, problems: [] });

    // Scope: 404 for others, and nothing audited; a bad cursor is a 400, not a 500.
    expect((await call('cm_a', 'GET', `/api/customers/${no}/timeline`)).status).toBe(404);
    expect(await ctx.db.selectFrom('audit_log').select('id').where('actor_name', '=', 'cm_a').where('entity_id', '=', no).where('action', '=', 'read').execute()).toEqual([]);
    expect((await call('bm_a', 'GET', `/api/customers/${no}/timeline`)).status).toBe(200);
    const bad = await call('cm_a2', 'GET', `/api/customers/${no}/timeline?before=bm9wZQ`);
    expect(bad.status).toBe(400);

    // The log keeps ids and codes (org_id 5, manager_id 70, type_id 2); the timeline names them in both languages.
    const createdEntry = one.body.items.find((e: Json) => e.kind === 'audit' && e.action === 'create');
    const { org_id: org, manager_id: manager, type_id: type } = createdEntry.changes as Record<string, { to: number }>;
    // The name's search keys are not changes of their own.
    expect(Object.keys(createdEntry.changes)).not.toEqual(expect.arrayContaining(['name_pinyin']));
    expect(Object.keys(createdEntry.changes)).not.toEqual(expect.arrayContaining(['name_initials']));
    expect(createdEntry.refs).toEqual({
      [`org_id:${org.to}`]: { zh: '北京海淀支行', en: 'BJ01' },
      [`manager_id:${manager.to}`]: { zh: 'cm_a2', en: 'cm_a2' },
      [`type_id:${type.to}`]: { zh: expect.any(String), en: expect.any(String) },
    });
    expect(fields(bad.body)).toEqual(['before:cursor']);
    // A tampered cursor that decodes but holds a day the month has not (or a non-integer id) names the cursor too.
    for (const forged of [['2024-02-30 00:00:00+00', 0, 1], ['2024-02-28 00:00:00+00', 0, 1.5], ['2024-02-28 24:00:00+00', 0, 1]]) {
      const r = await call('cm_a2', 'GET', `/api/customers/${no}/timeline?before=${Buffer.from(JSON.stringify(forged)).toString('base64url')}`);
      expect([r.status, fields(r.body)]).toEqual([400, ['before:cursor']]);
    }
  });

  it('redacts personal values in profile changes for masked roles', async () => {
    const clear = await call('cm_a', 'GET', `/api/customers/${bank.customers.zhangWei}/timeline?limit=100`);
    const masked = await call('agent', 'GET', `/api/customers/${bank.customers.zhangWei}/timeline?limit=100`);
    const create = (b: Json) => b.items.find((e: Json) => e.kind === 'audit' && e.action === 'create');
    expect(JSON.stringify(create(clear.body).changes)).toContain('13812345678');
    expect(create(masked.body).changes.contacts).toBe('***');
    expect(JSON.stringify(masked.body)).not.toContain('13812345678');
  });

  it('hides another customer an entry names when the viewer may not see them, as the relations section does', async () => {
    // hq (all customers) links cm_a's customers to cm_b's Shanghai customer 王芳; cm_a may not know who that is.
    const other = bank.customers.wangFang;
    const otherId = (await ctx.db.selectFrom('customer').select('id').where('customer_no', '=', other).executeTakeFirstOrThrow()).id;
    const person = (await call('hq', 'POST', '/api/customers', { typeCode: 'personal_resident', name: '韩梅梅', status: 'active', managerId: bank.users.cm_a })).body.customerNo as string;
    const rel = await call('hq', 'POST', `/api/customers/${person}/relations`, { relatedCustomerNo: other, typeCode: 'guarantor', note: 'x' });
    expect(rel.status, rel.raw.body).toBe(201);
    expect((await call('hq', 'DELETE', `/api/customers/${person}/relations/${rel.body.id}`)).status).toBe(204);
    const kp = await call('hq', 'POST', `/api/customers/${bank.customers.company}/key-persons`, { role: 'contact', name: '联系人', personCustomerNo: other });
    expect(kp.status, kp.raw.body).toBe(201);
    // A merged-away customer, restored by an unmerge, keeps the entry naming the customer it was merged into.
    const gone = (await call('hq', 'POST', '/api/customers', { typeCode: 'personal_resident', name: '韩梅', status: 'active', managerId: bank.users.cm_a })).body.customerNo as string;
    const merge = await call('hq', 'POST', '/api/integration/merges', { survivorNo: other, mergedNo: gone, reason: 'same person' });
    expect(merge.status, merge.raw.body).toBe(201);
    expect((await call('hq', 'POST', `/api/integration/merges/${merge.body.mergeId}/unmerge`, { reason: 'not the same' })).status).toBe(200);

    const hidden = { customerNo: null, name: '王*', outsideScope: true };
    const entries = async (user: string, no: string) => {
      const r = await call(user, 'GET', `/api/customers/${no}/timeline?limit=100`);
      expect(r.status, r.raw.body).toBe(200);
      return r.body.items.filter((e: Json) => e.kind === 'audit') as Json[];
    };
    const find = (items: Json[], entity: string, action: string) => items.find((e) => e.entity === entity && e.action === action)!;
    const mine = await entries('cm_a', person);
    expect(find(mine, 'customer_relation', 'create').changes).toEqual({ relatedCustomerNo: hidden, typeCode: 'guarantor', note: 'x' });
    expect(find(mine, 'customer_relation', 'delete').changes.related_id).toEqual(hidden);
    const company = await entries('cm_a', bank.customers.company);
    expect(find(company, 'customer_key_person', 'create').changes.person_customer_id).toEqual(hidden);
    const merged = await entries('cm_a', gone);
    expect(find(merged, 'customer', 'merge').changes.mergedInto).toEqual(hidden);
    for (const items of [mine, company, merged]) expect(JSON.stringify(items)).not.toContain(other);
    expect(JSON.stringify([mine, company, merged])).not.toContain(`"related_id":${otherId}`);
    expect(JSON.stringify(company)).not.toContain(`"person_customer_id":${otherId}`);
    // Whoever may see both still sees who it is; and cm_b, in turn, does not see cm_a's customer on the survivor's entry.
    expect(find(await entries('hq', person), 'customer_relation', 'create').changes.relatedCustomerNo).toBe(other);
    expect(find(await entries('hq', gone), 'customer', 'merge').changes.mergedInto).toBe(other);
    const survivor = find(await entries('cm_b', other), 'customer', 'merge');
    expect(survivor.changes.merged).toEqual({ customerNo: null, name: '韩*', outsideScope: true });
  });

  it('reads a page with one backward index scan per source, sorting only the page itself', async () => {
    const c = await ctx.db.selectFrom('customer').select('id').where('customer_no', '=', bank.customers.zhangWei).executeTakeFirstOrThrow();
    const cursor = { at: '2026-06-01 00:00:00+00', rank: 2, id: 1_000_000 };
    // One connection, so the planner settings apply to the EXPLAIN; with seq and bitmap scans off a
    // tiny test table shows the same plan a 10-million-row one gets by cost.
    const plans = await ctx.db.connection().execute(async (conn) => {
      await sql`SET enable_seqscan = off`.execute(conn);
      await sql`SET enable_bitmapscan = off`.execute(conn);
      const out: string[] = [];
      for (const before of [null, cursor]) {
        const plan = await sql<{ 'QUERY PLAN': string }>`EXPLAIN ${timelineSql(c.id, before, 20)}`.execute(conn);
        out.push(plan.rows.map((r) => r['QUERY PLAN']).join('\n'));
      }
      await sql`RESET enable_seqscan`.execute(conn);
      await sql`RESET enable_bitmapscan`.execute(conn);
      return out;
    });
    for (const text of plans) {
      for (const idx of ['audit_log_customer_timeline_idx', 'engagement_contact_customer_idx', 'engagement_activity_customer_idx', 'opportunity_customer_idx', 'requirement_customer_idx']) {
        expect(text).toContain(idx);
      }
      // Each branch reads its index in order under its own LIMIT; at most the merged page (5 × 20 rows) is sorted.
      expect((text.match(/Sort {2}\(/g) ?? []).length).toBeLessThanOrEqual(1);
      expect((text.match(/Limit {2}\(/g) ?? []).length).toBe(6);
    }
  });
});
