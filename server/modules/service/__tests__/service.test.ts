import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, login, type TestContext } from '../../../test/context.ts';
import { PASSWORD, seedSmallBank } from '../../../test/fixtures.ts';
import { serviceJobs } from '../service.jobs.ts';
import { openRequestsDueFor } from '../service.repository.ts';
import { similarityScore, textTokens } from '../service.text.ts';

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

type Req = Record<string, any>;

async function post(user: string, url: string, payload: unknown) {
  return ctx.app.inject({ method: 'POST', url, headers: as(user), payload: payload as object });
}

async function createReq(user: string, body: Record<string, unknown>): Promise<Req> {
  const res = await post(user, '/api/service/requests', { kind: 'enquiry', priority: 'normal', channel: 'phone', customerNo: bank.customers.zhangWei, subject: '咨询', ...body });
  expect(res.statusCode, res.body).toBe(201);
  return res.json();
}

const get = async (user: string, url: string) => ctx.app.inject({ url, headers: as(user) });
const auditRows = (entityId: string) => ctx.db.selectFrom('audit_log').select(['action', 'actor_name', 'changes']).where('entity', '=', 'service_request').where('entity_id', '=', entityId).orderBy('id').execute();

describe('creating a request', () => {
  it('creates with SLA deadlines from the kind × priority table, a create step and an audit row', async () => {
    const before = Date.now();
    const r = await createReq('agent', { kind: 'complaint', priority: 'high', channel: 'phone', categoryCode: 'card.fee', subject: '信用卡年费被重复扣收', description: '客户反映本月年费扣了两次' });
    expect(r.reqNo).toMatch(/^SR\d{14}$/);
    expect(r.status).toBe('open');
    // Seeded SLA for complaint/high: response 30 min, resolution 24 h.
    const due = new Date(r.dueAt).getTime();
    expect(due - before).toBeGreaterThanOrEqual(24 * 60 * 60_000 - 1000);
    expect(due - before).toBeLessThanOrEqual(24 * 60 * 60_000 + 60_000);
    expect(new Date(r.responseDueAt).getTime() - new Date(r.createdAt).getTime()).toBe(30 * 60_000);
    expect(r.sla.breached).toBe(false);
    expect(r.sla.remainingMs).toBeGreaterThan(0);
    expect(r.steps.map((s: Req) => s.action)).toEqual(['create']);
    expect((await auditRows(r.reqNo)).map((a) => a.action)).toEqual(['create']);
  });

  it('uses a changed SLA for new requests', async () => {
    const res = await ctx.app.inject({ method: 'PUT', url: '/api/service/slas', headers: as('bm_a'), payload: { items: [{ kind: 'suggestion', priority: 'low', responseMinutes: 10, resolutionMinutes: 90 }] } });
    expect(res.statusCode, res.body).toBe(200);
    const r = await createReq('agent', { kind: 'suggestion', priority: 'low' });
    expect(new Date(r.dueAt).getTime() - new Date(r.createdAt).getTime()).toBe(90 * 60_000);
  });

  it('rejects bad input with 400 naming the field and rule, and writes nothing', async () => {
    const count = async () => (await ctx.db.selectFrom('service_request').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n;
    const n0 = Number(await count());
    const cases: [Record<string, unknown>, string, string][] = [
      [{ kind: 'gossip' }, 'kind', 'enum'],
      [{ subject: '   ' }, 'subject', 'pattern'],
      [{ priority: 'asap' }, 'priority', 'enum'],
      [{ categoryCode: 'nope.nothing' }, 'categoryCode', 'exists'],
      [{ kind: 'enquiry', categoryCode: 'wealth.misselling' }, 'categoryCode', 'kind'],
      [{ assigneeId: bank.users.auditor }, 'assigneeId', 'canHandle'],
      [{ extra: 1 }, 'extra', 'unknown'],
    ];
    for (const [body, field, rule] of cases) {
      const res = await post('agent', '/api/service/requests', { kind: 'enquiry', priority: 'normal', channel: 'phone', customerNo: bank.customers.zhangWei, subject: 'x', ...body });
      expect(res.statusCode, JSON.stringify(body)).toBe(400);
      const f = res.json().error.fields.find((x: Req) => x.field === field);
      expect(f, `${field} in ${res.body}`).toBeTruthy();
      expect(f.rule).toBe(rule);
      expect(f.messages.zh).toBeTruthy();
      expect(f.messages.en).toBeTruthy();
    }
    const bad = await ctx.app.inject({ method: 'PUT', url: '/api/service/slas', headers: as('bm_a'), payload: { items: [{ kind: 'care', priority: 'low', responseMinutes: 100, resolutionMinutes: 50 }] } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.fields[0]).toMatchObject({ field: 'items.0.responseMinutes', rule: 'responseWithinResolution' });
    expect(Number(await count())).toBe(n0);
  });

  it('a customer outside the scope is 404; roles without service:handle cannot create', async () => {
    const res = await post('cm_b', '/api/service/requests', { kind: 'enquiry', priority: 'normal', channel: 'phone', customerNo: bank.customers.zhangWei, subject: 'x' });
    expect(res.statusCode).toBe(404);
    const aud = await post('auditor', '/api/service/requests', { kind: 'enquiry', priority: 'normal', channel: 'phone', customerNo: bank.customers.zhangWei, subject: 'x' });
    expect(aud.statusCode).toBe(403);
  });
});

describe('data scope', () => {
  let zw: Req;
  let wf: Req;
  beforeAll(async () => {
    zw = await createReq('agent', { subject: '范围测试 张伟' });
    wf = await createReq('agent', { customerNo: bank.customers.wangFang, subject: '范围测试 王芳' });
  });

  it('a manager sees own customers’ requests, not others’; 404 outside scope', async () => {
    const list = (await get('cm_a', '/api/service/requests?q=范围测试')).json();
    expect(list.items.map((i: Req) => i.reqNo)).toEqual([zw.reqNo]);
    expect((await get('cm_a', `/api/service/requests/${wf.reqNo}`)).statusCode).toBe(404);
    expect((await get('cm_b', `/api/service/requests/${zw.reqNo}`)).statusCode).toBe(404);
    expect((await post('cm_b', `/api/service/requests/${zw.reqNo}/take`, undefined)).statusCode).toBe(404);
    const bm = (await get('bm_a', '/api/service/requests?q=范围测试')).json();
    expect(bm.items.map((i: Req) => i.reqNo)).toEqual([zw.reqNo]);
    const agent = (await get('agent', '/api/service/requests?q=范围测试')).json();
    expect(agent.total).toBe(2);
  });

  it('a manager also sees a request of another customer once it is assigned to them', async () => {
    const res = await post('agent', `/api/service/requests/${wf.reqNo}/assign`, { assigneeId: bank.users.cm_a, note: '请协助' });
    expect(res.statusCode, res.body).toBe(200);
    expect((await get('cm_a', `/api/service/requests/${wf.reqNo}`)).statusCode).toBe(200);
    expect((await get('cm_a2', `/api/service/requests/${wf.reqNo}`)).statusCode).toBe(404);
  });
});

describe('handling: assign, take, steps, resolve, close, satisfaction, reopen', () => {
  it('walks a complaint through its whole life with every step recorded and audited', async () => {
    const r = await createReq('agent', { kind: 'complaint', priority: 'normal', categoryCode: 'quality.attitude', subject: '柜员服务态度差', description: '网点柜员态度恶劣' });
    let res = await post('agent', `/api/service/requests/${r.reqNo}/assign`, { queueCode: 'COMPLAINTS' });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().queue.code).toBe('COMPLAINTS');
    expect(res.json().assignee).toBeNull();

    res = await post('cm_a', `/api/service/requests/${r.reqNo}/take`, undefined);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ status: 'in_progress', assignee: { id: bank.users.cm_a } });

    // Someone else cannot take it over (cm_a2 sees it not at all: not their customer).
    expect((await post('cm_a2', `/api/service/requests/${r.reqNo}/take`, undefined)).statusCode).toBe(404);
    const agentTake = await post('agent', `/api/service/requests/${r.reqNo}/take`, undefined);
    expect(agentTake.statusCode).toBe(409);

    res = await post('cm_a', `/api/service/requests/${r.reqNo}/respond`, { note: '已致电客户致歉' });
    expect(res.statusCode).toBe(200);
    expect(res.json().respondedAt).toBeTruthy();

    // A complaint cannot be resolved without root cause and preventive action.
    res = await post('cm_a', `/api/service/requests/${r.reqNo}/resolve`, { resolution: '已致歉并批评教育' });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.fields.map((f: Req) => f.field).sort()).toEqual(['preventiveAction', 'rootCause']);
    expect((await get('cm_a', `/api/service/requests/${r.reqNo}`)).json().status).toBe('in_progress');

    res = await post('cm_a', `/api/service/requests/${r.reqNo}/resolve`, { resolution: '已致歉并批评教育', rootCause: '柜员培训不足', preventiveAction: '开展服务礼仪培训' });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().status).toBe('resolved');

    // Satisfaction must be 1–5.
    res = await post('cm_a', `/api/service/requests/${r.reqNo}/close`, { satisfaction: 6 });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.fields[0]).toMatchObject({ field: 'satisfaction', rule: 'maximum' });

    res = await post('cm_a', `/api/service/requests/${r.reqNo}/close`, { satisfaction: 4, satisfactionNote: '基本满意' });
    expect(res.statusCode, res.body).toBe(200);
    const closed = res.json();
    expect(closed).toMatchObject({ status: 'closed', satisfaction: 4, rootCause: '柜员培训不足' });
    expect(closed.steps.map((s: Req) => s.action)).toEqual(['create', 'assign', 'take', 'respond', 'resolve', 'close']);
    expect(closed.steps.find((s: Req) => s.action === 'resolve')).toMatchObject({ fromStatus: 'in_progress', toStatus: 'resolved', user: 'cm_a' });
    expect((await auditRows(r.reqNo)).map((a) => a.action)).toEqual(['create', 'assign', 'take', 'respond', 'resolve', 'close']);

    // Closing twice is a conflict, not a silent success.
    expect((await post('cm_a', `/api/service/requests/${r.reqNo}/close`, {})).statusCode).toBe(409);

    // The archive finds it by its root cause.
    const arch = (await get('agent', `/api/service/archive?q=${encodeURIComponent('培训不足')}`)).json();
    expect(arch.items.map((i: Req) => i.reqNo)).toContain(r.reqNo);

    res = await post('cm_a', `/api/service/requests/${r.reqNo}/reopen`, { reason: '客户再次来电' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ status: 'in_progress', closedAt: null, satisfaction: null });
    expect((await get('agent', `/api/service/archive?q=${encodeURIComponent('培训不足')}`)).json().items.map((i: Req) => i.reqNo)).not.toContain(r.reqNo);
  });

  it('assigning to someone who cannot handle requests is refused', async () => {
    const r = await createReq('agent', {});
    const res = await post('agent', `/api/service/requests/${r.reqNo}/assign`, { assigneeId: bank.users.auditor });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.fields[0]).toMatchObject({ field: 'assigneeId', rule: 'canHandle' });
    const none = await post('agent', `/api/service/requests/${r.reqNo}/assign`, {});
    expect(none.statusCode).toBe(400);
  });

  it('lists with filters and exports to Excel', async () => {
    const list = (await get('agent', '/api/service/requests?kind=complaint&pageSize=50')).json();
    expect(list.items.length).toBeGreaterThan(0);
    expect(list.items.every((i: Req) => i.kind === 'complaint')).toBe(true);
    const res = await get('hq', '/api/service/requests/export?kind=complaint');
    expect(res.statusCode).toBe(200);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(res.rawPayload as unknown as ArrayBuffer);
    const ws = wb.worksheets[0];
    expect(ws.getRow(1).getCell(1).value).toBe('请求号');
    expect(ws.rowCount - 1).toBe((await get('hq', '/api/service/requests?kind=complaint')).json().total);
  });
});

describe('queues and settings', () => {
  it('the same members put on an empty queue at once: every answer 200 (no duplicate key error), the members once', async () => {
    const put = () => ctx.app.inject({ method: 'PUT', url: '/api/service/queues/WEALTH_DESK/members', headers: as('bm_a'), payload: { userIds: [bank.users.cm_a2] } });
    const exists = await ctx.db.selectFrom('service_queue').select('code').where('code', '=', 'WEALTH_DESK').executeTakeFirst();
    if (!exists) await ctx.db.insertInto('service_queue').values({ code: 'WEALTH_DESK', name: '财富专线', name_en: 'Wealth desk', org_id: null }).execute();
    await ctx.db.deleteFrom('service_queue_member').where('queue_code', '=', 'WEALTH_DESK').execute();
    const answers = await Promise.all([put(), put(), put()]);
    expect(answers.map((r) => r.statusCode)).toEqual([200, 200, 200]);
    expect(await ctx.db.selectFrom('service_queue_member').select('user_id').where('queue_code', '=', 'WEALTH_DESK').execute()).toEqual([{ user_id: bank.users.cm_a2 }]);
  });

  it('a queue member sees and takes an unassigned request of a customer who is not theirs', async () => {
    let res = await ctx.app.inject({ method: 'PUT', url: '/api/service/queues/CALL_CENTER/members', headers: as('bm_a'), payload: { userIds: [bank.users.cm_a2] } });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().queues.find((q: Req) => q.code === 'CALL_CENTER').members.map((m: Req) => m.id)).toEqual([bank.users.cm_a2]);
    const r = await createReq('agent', { subject: '队列测试', queueCode: 'CALL_CENTER' });
    expect((await get('cm_a2', `/api/service/requests/${r.reqNo}`)).statusCode).toBe(200);
    res = await post('cm_a2', `/api/service/requests/${r.reqNo}/take`, undefined);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().assignee.id).toBe(bank.users.cm_a2);
    // Unknown users are named by their position in the list.
    res = await ctx.app.inject({ method: 'PUT', url: '/api/service/queues/CALL_CENTER/members', headers: as('bm_a'), payload: { userIds: [bank.users.cm_a2, 999999] } });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.fields[0]).toMatchObject({ field: 'userIds.1', rule: 'exists' });
  });

  it('categories are a tree configured by supervisors, audited; others are refused', async () => {
    let res = await post('bm_a', '/api/service/categories', { code: 'card.limit', parentCode: 'card', name: '额度调整', nameEn: 'Credit limit' });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json().categories.find((c: Req) => c.code === 'card.limit')).toMatchObject({ parentCode: 'card', active: true });
    res = await post('bm_a', '/api/service/categories', { code: 'card.limit', name: 'x', nameEn: 'x' });
    expect(res.json().error.fields[0]).toMatchObject({ field: 'code', rule: 'taken' });
    res = await post('bm_a', '/api/service/categories', { code: 'zzz', parentCode: 'nope', name: 'x', nameEn: 'x' });
    expect(res.json().error.fields[0]).toMatchObject({ field: 'parentCode', rule: 'exists' });
    expect((await post('cm_a', '/api/service/categories', { code: 'yyy', name: 'x', nameEn: 'x' })).statusCode).toBe(403);
    res = await ctx.app.inject({ method: 'PATCH', url: '/api/service/categories/card.limit', headers: as('bm_a'), payload: { active: false } });
    expect(res.statusCode).toBe(200);
    // An inactive category cannot be used for new requests.
    const bad = await post('agent', '/api/service/requests', { kind: 'enquiry', priority: 'normal', channel: 'phone', customerNo: bank.customers.zhangWei, subject: 'x', categoryCode: 'card.limit' });
    expect(bad.json().error.fields[0]).toMatchObject({ field: 'categoryCode', rule: 'exists' });
    const audits = await ctx.db.selectFrom('audit_log').select('action').where('entity', '=', 'service_category').where('entity_id', '=', 'card.limit').orderBy('id').execute();
    expect(audits.map((a) => a.action)).toEqual(['create', 'update']);
  });
});

describe('assignees, queue members and the customer filter stay inside the scope', () => {
  it('an assignee must be staff of the creator\'s scope: another branch\'s manager is a 400 naming assigneeId, and nothing is written', async () => {
    const n = async () => Number((await ctx.db.selectFrom('service_request').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
    const n0 = await n();
    // bm_a (Beijing subtree) on a Beijing customer, handing it to Shanghai's cm_b: cm_b would see 张伟 through the request.
    const res = await post('bm_a', '/api/service/requests', { kind: 'enquiry', priority: 'normal', channel: 'phone', customerNo: bank.customers.zhangWei, subject: '跨行', assigneeId: bank.users.cm_b });
    expect(res.statusCode, res.body).toBe(400);
    const f = res.json().error.fields.find((x: Req) => x.field === 'assigneeId');
    expect(f).toMatchObject({ rule: 'scope' });
    expect(f.messages.zh).toBeTruthy();
    expect(f.messages.en).toBeTruthy();
    expect(await n()).toBe(n0);
    expect((await get('cm_b', `/api/customers/${bank.customers.zhangWei}`)).statusCode).toBe(404);
    // The same for a reassignment; inside the scope both work.
    const r = await createReq('bm_a', { subject: '行内', assigneeId: bank.users.cm_a2 });
    expect(r.assignee.id).toBe(bank.users.cm_a2);
    const again = await post('bm_a', `/api/service/requests/${r.reqNo}/assign`, { assigneeId: bank.users.cm_b });
    expect(again.statusCode).toBe(400);
    expect(again.json().error.fields[0]).toMatchObject({ field: 'assigneeId', rule: 'scope' });
    expect((await get('cm_b', `/api/service/requests/${r.reqNo}`)).statusCode).toBe(404);
  });

  it('a branch manager adds and removes only staff of the branch: others are 400 userIds.N / userIds scope', async () => {
    const put = (user: string, userIds: number[]) => ctx.app.inject({ method: 'PUT', url: '/api/service/queues/COMPLAINTS/members', headers: as(user), payload: { userIds } });
    const members = async () => (await ctx.db.selectFrom('service_queue_member').select('user_id').where('queue_code', '=', 'COMPLAINTS').orderBy('user_id').execute()).map((m) => m.user_id);
    expect((await put('hq', [bank.users.cm_b, bank.users.agent])).statusCode).toBe(200);
    let res = await put('bm_a', [bank.users.cm_b, bank.users.agent, bank.users.cm_a]);
    expect(res.statusCode, res.body).toBe(200);
    // Adding someone of another branch.
    res = await put('bm_a', [bank.users.cm_b, bank.users.agent, bank.users.cm_a, bank.users.auditor]);
    expect(res.statusCode).toBe(400);
    const f = res.json().error.fields[0];
    expect(f).toMatchObject({ field: 'userIds.3', rule: 'scope' });
    expect(f.messages.zh).toBeTruthy();
    expect(f.messages.en).toBeTruthy();
    // Emptying a bank-wide queue removes staff of other branches.
    res = await put('bm_a', []);
    expect(res.statusCode).toBe(400);
    expect(res.json().error.fields[0]).toMatchObject({ field: 'userIds', rule: 'scope' });
    expect(await members()).toEqual([bank.users.cm_a, bank.users.cm_b, bank.users.agent].sort((a, b) => a - b));
    // Removing one's own staff is fine.
    res = await put('bm_a', [bank.users.cm_b, bank.users.agent]);
    expect(res.statusCode).toBe(200);
    expect((await put('hq', [])).statusCode).toBe(200);
  });

  it('listing the requests of a customer outside the scope is a 404, as for contacts', async () => {
    expect((await get('cm_b', `/api/contacts?customerNo=${bank.customers.zhangWei}`)).statusCode).toBe(404);
    expect((await get('cm_b', `/api/service/requests?customerNo=${bank.customers.zhangWei}`)).statusCode).toBe(404);
    expect((await get('cm_b', `/api/service/requests/export?customerNo=${bank.customers.zhangWei}`)).statusCode).toBe(404);
    expect((await get('cm_b', `/api/service/outbound?customerNo=${bank.customers.zhangWei}`)).statusCode).toBe(404);
    expect((await get('cm_b', `/api/service/requests?customerNo=${bank.customers.wangFang}`)).statusCode).toBe(200);
  });
});

describe('SLA breach and escalation', () => {
  it('shows breach live, and the job escalates each breached request once, to the nearest supervisor', async () => {
    const r = await createReq('agent', { kind: 'complaint', priority: 'urgent', subject: '转账未到账', assigneeId: bank.users.cm_a });
    const job = serviceJobs.find((j) => j.name === 'service.escalate-breached')!;
    expect(job.cron).toBe('* * * * *');
    const now = new Date();
    // Not yet due: nothing to escalate.
    await job.run(ctx.db, now);
    let row = await ctx.db.selectFrom('service_request').selectAll().where('req_no', '=', r.reqNo).executeTakeFirstOrThrow();
    expect(row.escalated_at).toBeNull();

    // Push the deadline into the past: breached live before any job run.
    await ctx.db.updateTable('service_request').set({ due_at: new Date(Date.now() - 60_000) }).where('req_no', '=', r.reqNo).execute();
    const live = (await get('agent', `/api/service/requests/${r.reqNo}`)).json();
    expect(live.sla.breached).toBe(true);
    expect(live.escalatedAt).toBeNull();
    expect((await get('agent', '/api/service/requests?breached=true&pageSize=100')).json().items.map((i: Req) => i.reqNo)).toContain(r.reqNo);

    const later = new Date(Date.now() + 5 * 60_000);
    const first = await job.run(ctx.db, later);
    const second = await job.run(ctx.db, new Date(later.getTime() + 60_000));
    expect(first).toBeGreaterThanOrEqual(1);
    expect(second).toBe(0);
    row = await ctx.db.selectFrom('service_request').selectAll().where('req_no', '=', r.reqNo).executeTakeFirstOrThrow();
    // cm_a works in sub-branch BJ01: the nearest user with team:supervise up the path is bm_a (branch BJ).
    expect(row.escalated_to).toBe(bank.users.bm_a);
    expect(row.escalated_at?.getTime()).toBe(later.getTime());
    expect(row.breached_at).toBeTruthy();
    const steps = await ctx.db.selectFrom('service_request_step').select(['action', 'to_user_id']).where('request_id', '=', row.id).where('action', '=', 'escalate').execute();
    expect(steps).toEqual([{ action: 'escalate', to_user_id: bank.users.bm_a }]);
    const audits = (await auditRows(r.reqNo)).filter((a) => a.action === 'escalate');
    expect(audits).toHaveLength(1);
    expect(audits[0].actor_name).toBe('system');

    // The supervisor sees it on the dashboard, escalated to them.
    const dash = (await get('bm_a', '/api/service/dashboard')).json();
    expect(dash.totals.escalatedToMe).toBeGreaterThanOrEqual(1);
    expect(dash.totals.breached).toBeGreaterThanOrEqual(1);
    const item = dash.items.find((i: Req) => i.reqNo === r.reqNo);
    expect(item).toMatchObject({ sla: { breached: true }, escalatedTo: { id: bank.users.bm_a } });
    expect(dash.byAssignee.find((a: Req) => a.id === bank.users.cm_a).breached).toBeGreaterThanOrEqual(1);
    // A customer manager has no dashboard.
    expect((await get('cm_a', '/api/service/dashboard')).statusCode).toBe(403);
  });

  it('escalates the branch manager’s own request to head office', async () => {
    const r = await createReq('agent', { subject: '行长自己的请求', assigneeId: bank.users.bm_a });
    await ctx.db.updateTable('service_request').set({ due_at: new Date(Date.now() - 60_000) }).where('req_no', '=', r.reqNo).execute();
    await serviceJobs[0].run(ctx.db, new Date());
    const row = await ctx.db.selectFrom('service_request').select('escalated_to').where('req_no', '=', r.reqNo).executeTakeFirstOrThrow();
    expect(row.escalated_to).toBe(bank.users.hq);
  });

  it('openRequestsDueFor lists a user’s unfinished requests falling due', async () => {
    const r = await createReq('agent', { subject: '工作台到期', assigneeId: bank.users.cm_a2 });
    const soon = await openRequestsDueFor(ctx.db, bank.users.cm_a2, new Date(Date.now() + 24 * 3600_000));
    expect(soon.map((x) => x.reqNo)).toContain(r.reqNo);
    const none = await openRequestsDueFor(ctx.db, bank.users.cm_a2, new Date(Date.now() + 60_000));
    expect(none.map((x) => x.reqNo)).not.toContain(r.reqNo);
  });
});

describe('similar past cases', () => {
  it('tokenises Chinese into pairs and scores overlap', () => {
    expect(textTokens('信用卡年费 annual fee')).toEqual(['信用', '用卡', '卡年', '年费', 'annual', 'fee']);
    expect(similarityScore(4, 10, 8, true)).toBeCloseTo(4 / 14 + 0.2);
    expect(similarityScore(0, 0, 0, false)).toBe(0);
  });

  it('suggests the resolved case with similar words and shows its resolution', async () => {
    const past = await createReq('agent', { kind: 'enquiry', categoryCode: 'ebank.login', subject: '手机银行登录提示密码错误被锁定', description: '连续输错密码后手机银行账户被锁定无法登录' });
    const other = await createReq('agent', { kind: 'enquiry', categoryCode: 'loan.repay', subject: '房贷提前还款手续', description: '咨询提前还款需要的材料' });
    for (const x of [past, other]) {
      const res = await post('agent', `/api/service/requests/${x.reqNo}/resolve`, { resolution: x === past ? '指导客户通过柜台重置登录密码解锁' : '告知所需材料' });
      expect(res.statusCode).toBe(200);
    }
    const res = await get('agent', `/api/service/requests/similar?kind=enquiry&subject=${encodeURIComponent('手机银行密码被锁定')}&description=${encodeURIComponent('客户登录手机银行时密码输错被锁')}`);
    expect(res.statusCode).toBe(200);
    const items = res.json().items;
    expect(items[0]).toMatchObject({ reqNo: past.reqNo, resolution: '指导客户通过柜台重置登录密码解锁' });
    expect(items.map((i: Req) => i.reqNo)).not.toContain(other.reqNo);
    // And a new case opened with such words lists it on its detail page.
    const fresh = await createReq('agent', { kind: 'enquiry', subject: '手机银行密码锁定了怎么办' });
    expect(fresh.similar.map((i: Req) => i.reqNo)).toContain(past.reqNo);
    // Outside the scope there is nothing to suggest.
    const cmB = (await get('cm_b', `/api/service/requests/similar?kind=enquiry&subject=${encodeURIComponent('手机银行密码被锁定')}`)).json();
    expect(cmB.items).toEqual([]);
  });
});

describe('outbound care and visits', () => {
  it('plans a care call, records its outcome, lists within scope', async () => {
    let res = await post('cm_a', '/api/service/outbound', { customerNo: bank.customers.zhangWei, kind: 'care_call', purpose: '生日关怀', plannedAt: new Date(Date.now() + 3600_000).toISOString() });
    expect(res.statusCode, res.body).toBe(201);
    const plan = res.json();
    expect(plan).toMatchObject({ status: 'planned', owner: { id: bank.users.cm_a } });
    res = await post('cm_a', `/api/service/outbound/${plan.id}/record`, { outcome: 'bogus' });
    expect(res.statusCode).toBe(400);
    res = await post('cm_a', `/api/service/outbound/${plan.id}/record`, { outcome: 'satisfied', note: '客户表示感谢' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ status: 'done', outcome: 'satisfied' });
    expect((await post('cm_a', `/api/service/outbound/${plan.id}/record`, { outcome: 'reached' })).statusCode).toBe(409);
    expect((await get('cm_a', '/api/service/outbound')).json().items.map((i: Req) => i.id)).toContain(plan.id);
    expect((await get('cm_b', '/api/service/outbound')).json().items.map((i: Req) => i.id)).not.toContain(plan.id);
    expect((await post('cm_b', '/api/service/outbound', { customerNo: bank.customers.zhangWei, kind: 'visit', purpose: 'x', plannedAt: new Date().toISOString() })).statusCode).toBe(404);
    const audits = await ctx.db.selectFrom('audit_log').select('action').where('entity', '=', 'service_outbound').where('entity_id', '=', String(plan.id)).orderBy('at').execute();
    expect(audits.map((a) => a.action)).toEqual(['create', 'record']);
  });
});

describe('field-service dispatch', () => {
  const at = (h: number) => new Date(Date.UTC(2030, 0, 10, h)).toISOString();

  it('suggests available staff with the skill, best first, and refuses a conflicting dispatch', async () => {
    for (const [user, level] of [['cm_a', 3], ['cm_a2', 5], ['cm_b', 5]] as const) {
      const res = await ctx.app.inject({ method: 'PUT', url: `/api/service/staff/${bank.users[user]}/skills`, headers: as('hq'), payload: { skills: [{ code: 'device', level }] } });
      expect(res.statusCode, res.body).toBe(200);
    }
    // cm_a2 is the most skilled in the customer's branch, but on leave that morning.
    let res = await post('hq', `/api/service/staff/${bank.users.cm_a2}/leaves`, { startsAt: at(8), endsAt: at(12), reason: '年假' });
    expect(res.statusCode, res.body).toBe(201);

    const q = `skill=device&startsAt=${encodeURIComponent(at(9))}&endsAt=${encodeURIComponent(at(10))}&customerNo=${bank.customers.company}`;
    res = await get('hq', `/api/service/dispatch/candidates?${q}`);
    expect(res.statusCode, res.body).toBe(200);
    let items = res.json().items;
    // cm_a: available and near (same branch) beats cm_b (higher level, other branch); cm_a2 is on leave.
    expect(items.map((i: Req) => i.id)).toEqual([bank.users.cm_a, bank.users.cm_b, bank.users.cm_a2]);
    expect(items[2]).toMatchObject({ available: false, onLeave: true });

    res = await post('hq', '/api/service/dispatches', { customerNo: bank.customers.company, assigneeId: bank.users.cm_a2, skill: 'device', startsAt: at(9), endsAt: at(10), task: '安装 POS 机' });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.fields[0]).toMatchObject({ field: 'assigneeId', rule: 'onLeave' });

    res = await post('hq', '/api/service/dispatches', { customerNo: bank.customers.company, assigneeId: bank.users.cm_a, skill: 'device', startsAt: at(9), endsAt: at(10), task: '安装 POS 机', address: '金融大街 1 号' });
    expect(res.statusCode, res.body).toBe(201);
    const d = res.json();

    // Now cm_a is busy in an overlapping slot: cm_b comes first.
    items = (await get('hq', `/api/service/dispatch/candidates?skill=device&startsAt=${encodeURIComponent(at(9))}&endsAt=${encodeURIComponent(at(11))}&customerNo=${bank.customers.company}`)).json().items;
    expect(items[0].id).toBe(bank.users.cm_b);
    expect(items.find((i: Req) => i.id === bank.users.cm_a)).toMatchObject({ busy: true, available: false });
    res = await post('hq', '/api/service/dispatches', { customerNo: bank.customers.company, assigneeId: bank.users.cm_a, skill: 'device', startsAt: at(9), endsAt: at(11), task: '又一台' });
    expect(res.json().error.fields[0]).toMatchObject({ field: 'assigneeId', rule: 'busy' });
    res = await post('hq', '/api/service/dispatches', { customerNo: bank.customers.company, assigneeId: bank.users.agent, skill: 'device', startsAt: at(13), endsAt: at(14), task: '无技能' });
    expect(res.json().error.fields[0]).toMatchObject({ field: 'assigneeId', rule: 'skill' });

    // The field worker records the outcome; the slot frees up.
    res = await post('cm_a', `/api/service/dispatches/${d.id}/record`, { status: 'done', outcome: '已安装调试完毕' });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ status: 'done', outcome: '已安装调试完毕' });
    items = (await get('hq', `/api/service/dispatch/candidates?${q}`)).json().items;
    expect(items[0]).toMatchObject({ id: bank.users.cm_a, available: true });

    // A branch manager dispatches only within the branch's staff.
    const bm = (await get('bm_a', `/api/service/dispatch/candidates?${q}`)).json().items.map((i: Req) => i.id);
    expect(bm).not.toContain(bank.users.cm_b);
  });

  it('an end before the start is a field error', async () => {
    const res = await get('hq', `/api/service/dispatch/candidates?skill=device&startsAt=${encodeURIComponent(at(10))}&endsAt=${encodeURIComponent(at(9))}`);
    expect(res.statusCode).toBe(400);
    expect(res.json().error.fields[0]).toMatchObject({ field: 'endsAt', rule: 'afterStart' });
  });
});
