import type { FastifyInstance } from 'fastify';
import { bankDate, bankDateTime } from '../../platform/bank-time.ts';
import { actorOf, currentUser, requireUser } from '../../platform/auth.ts';
import { audit, auditMany } from '../../platform/audit.ts';
import { typed } from '../../platform/context.ts';
import { requestLang } from '../../platform/errors.ts';
import { sendXlsx } from '../../platform/xlsx.ts';
import * as service from './managers.service.ts';
import {
  AssignBody, AssignPreviewBody, CommentBody, DecisionBody, HandoverBody, IdParams, ManagersQuery, MyCustomerQuery, PageQuery, PerformanceQuery,
  ProfileBody, ProfileQuery, ReminderBody, ReminderQuery, ReminderStateBody, ReportBody, ReportQuery, SavedViewBody, TeamQuery, TransferQuery,
  TransferRequestBody, TransferTargetsQuery, UserIdParams,
} from './managers.schemas.ts';

const langOf = requestLang;
const stamp = () => bankDate();
/** Lists a person works through (requests, reminders, reports) are exported up to this many rows. */
const EXPORT_MAX = 10_000;
const exportPage = { page: 1, pageSize: EXPORT_MAX };
const dt = (d: Date | string | null) => bankDateTime(d).slice(0, 16);
const LEVEL_NAMES = { junior: ['初级', 'Junior'], intermediate: ['中级', 'Intermediate'], senior: ['高级', 'Senior'] } as const;

export async function managersRoutes(fastify: FastifyInstance) {
  const app = typed(fastify);
  const tags = ['managers'];

  // ---- managers and profiles (S2.5)
  app.get('/api/managers', { schema: { tags, querystring: ManagersQuery }, preHandler: requireUser('customer:read') }, async (req) =>
    service.listManagers(app.db, currentUser(req), req.query.orgId));

  app.get('/api/managers/profiles', { schema: { tags, querystring: ProfileQuery }, preHandler: requireUser('team:supervise') }, async (req) =>
    service.listProfiles(app.db, currentUser(req), req.query));

  app.get('/api/managers/profiles/export', { schema: { tags, querystring: ProfileQuery }, preHandler: requireUser('team:supervise', 'customer:export') }, async (req, reply) => {
    const user = currentUser(req);
    const zh = langOf(req) === 'zh';
    const count = await sendXlsx(reply, `managers-${stamp()}.xlsx`, zh ? '客户经理' : 'Managers', [
      { header: zh ? '用户名' : 'Username', key: 'username', width: 14 },
      { header: zh ? '姓名' : 'Name', key: 'displayName', width: 14 },
      { header: zh ? '机构' : 'Org unit', key: 'org', width: 22 },
      { header: zh ? '级别' : 'Level', key: 'level', width: 10 },
      { header: zh ? '认定日期' : 'Recognised on', key: 'recognizedOn', width: 12 },
      { header: zh ? '专长' : 'Specialities', key: 'specialities', width: 30 },
      { header: zh ? '客户数' : 'Customers', key: 'customerCount', width: 10 },
      { header: zh ? '管户资产(元)' : 'AUM (CNY)', key: 'aum', width: 18, numFmt: '#,##0.00' },
    ], async function* () {
      for await (const p of service.exportProfiles(app.db, user, req.query)) {
        yield {
          username: p.username, displayName: p.displayName, org: zh ? p.orgName : p.orgNameEn || p.orgName, level: LEVEL_NAMES[p.level][zh ? 0 : 1],
          recognizedOn: p.recognizedOn ?? '', specialities: p.specialities.join(zh ? '、' : ', '), customerCount: p.customerCount, aum: p.aumFen / 100,
        };
      }
    });
    await app.db.transaction().execute((trx) => audit(trx, actorOf(req), { action: 'export', entity: 'manager_profile', fields: ['list'], changes: { filter: req.query, rows: count } }));
    return reply;
  });

  app.get('/api/managers/profiles/:userId', { schema: { tags, params: UserIdParams }, preHandler: requireUser('customer:read') }, async (req) =>
    service.getProfile(app.db, currentUser(req), req.params.userId));

  app.put('/api/managers/profiles/:userId', { schema: { tags, params: UserIdParams, body: ProfileBody }, preHandler: requireUser('team:supervise') }, async (req) =>
    service.updateProfile(app.db, currentUser(req), actorOf(req), req.params.userId, req.body));

  app.get('/api/managers/:userId/performance', { schema: { tags, params: UserIdParams, querystring: PerformanceQuery }, preHandler: requireUser('customer:read') }, async (req) =>
    service.performance(app.db, currentUser(req), req.params.userId, new Date(), req.query.months ?? 12));

  // ---- assignment (C12)
  app.post('/api/managers/assignments/preview', { schema: { tags, body: AssignPreviewBody }, preHandler: requireUser('customer:assign') }, async (req) =>
    service.previewAssignment(app.db, currentUser(req), req.body));

  app.post('/api/managers/assignments', { schema: { tags, body: AssignBody }, preHandler: requireUser('customer:assign') }, async (req) =>
    service.applyAssignment(app.db, currentUser(req), actorOf(req), req.body));

  app.post('/api/managers/:userId/handover', { schema: { tags, params: UserIdParams, body: HandoverBody }, preHandler: requireUser('customer:assign') }, async (req) =>
    service.handover(app.db, currentUser(req), actorOf(req), req.params.userId, req.body));

  // ---- transfer requests (移交)
  app.get('/api/managers/transfer-requests', { schema: { tags, querystring: TransferQuery }, preHandler: requireUser('customer:read') }, async (req) =>
    service.listTransfers(app.db, currentUser(req), req.query));

  app.get('/api/managers/transfer-targets', { schema: { tags, querystring: TransferTargetsQuery }, preHandler: requireUser('customer:write') }, async (req) =>
    service.transferTargets(app.db, currentUser(req), req.query.customerNo));

  app.post('/api/managers/transfer-requests', { schema: { tags, body: TransferRequestBody }, preHandler: requireUser('customer:write') }, async (req, reply) =>
    reply.status(201).send(await service.requestTransfer(app.db, currentUser(req), actorOf(req), req.body)));

  app.get('/api/managers/transfer-requests/export', { schema: { tags, querystring: TransferQuery }, preHandler: requireUser('customer:read', 'customer:export') }, async (req, reply) => {
    const user = currentUser(req);
    const zh = langOf(req) === 'zh';
    const { items } = await service.listTransfers(app.db, user, { ...req.query, ...exportPage });
    const count = await sendXlsx(reply, `transfer-requests-${stamp()}.xlsx`, zh ? '移交申请' : 'Transfer requests', [
      { header: zh ? '客户号' : 'Customer no.', key: 'customerNo', width: 14 },
      { header: zh ? '客户' : 'Customer', key: 'customerName', width: 24 },
      { header: zh ? '原客户经理' : 'From', key: 'fromManagerName', width: 12 },
      { header: zh ? '接收客户经理' : 'To', key: 'toManagerName', width: 12 },
      { header: zh ? '原因' : 'Reason', key: 'reason', width: 30 },
      { header: zh ? '状态' : 'Status', key: 'status', width: 10 },
      { header: zh ? '申请人' : 'Requested by', key: 'requestedByName', width: 12 },
      { header: zh ? '申请时间' : 'Requested at', key: 'createdAt', width: 18 },
      { header: zh ? '审批人' : 'Decided by', key: 'decidedByName', width: 12 },
      { header: zh ? '审批意见' : 'Note', key: 'decisionNote', width: 24 },
    ], async function* () {
      for (const r of items) yield { ...r, createdAt: dt(r.createdAt) };
    });
    await app.db.transaction().execute((trx) => audit(trx, actorOf(req), { action: 'export', entity: 'customer_transfer_request', fields: ['list'], changes: { filter: req.query, rows: count } }));
    return reply;
  });

  app.get('/api/managers/transfer-requests/:id', { schema: { tags, params: IdParams }, preHandler: requireUser('customer:read') }, async (req) =>
    service.getTransfer(app.db, currentUser(req), req.params.id));

  app.post('/api/managers/transfer-requests/:id/approve', { schema: { tags, params: IdParams, body: DecisionBody }, preHandler: requireUser('team:supervise') }, async (req) =>
    service.decideTransfer(app.db, currentUser(req), actorOf(req), req.params.id, 'approve', req.body.note ?? null));

  app.post('/api/managers/transfer-requests/:id/reject', { schema: { tags, params: IdParams, body: DecisionBody }, preHandler: requireUser('team:supervise') }, async (req) =>
    service.decideTransfer(app.db, currentUser(req), actorOf(req), req.params.id, 'reject', req.body.note ?? null));

  app.post('/api/managers/transfer-requests/:id/cancel', { schema: { tags, params: IdParams }, preHandler: requireUser('customer:write') }, async (req) =>
    service.cancelTransfer(app.db, currentUser(req), actorOf(req), req.params.id));

  // ---- workbench (S2.5): one round trip, then paged endpoints per widget
  app.get('/api/workbench', { schema: { tags }, preHandler: requireUser('customer:read') }, async (req) => service.workbench(app.db, currentUser(req), actorOf(req)));

  app.get('/api/workbench/customers', { schema: { tags, querystring: MyCustomerQuery }, preHandler: requireUser('customer:read') }, async (req) =>
    service.myCustomers(app.db, currentUser(req), actorOf(req), req.query));

  app.get('/api/workbench/customers/export', { schema: { tags, querystring: MyCustomerQuery }, preHandler: requireUser('customer:read', 'customer:export') }, async (req, reply) => {
    const user = currentUser(req);
    const zh = langOf(req) === 'zh';
    const read: { id: number; customer_no: string }[] = [];
    const count = await sendXlsx(reply, `my-customers-${stamp()}.xlsx`, zh ? '我的客户' : 'My customers', [
      { header: zh ? '客户号' : 'Customer no.', key: 'customerNo', width: 14 },
      { header: zh ? '名称' : 'Name', key: 'name', width: 28 },
      { header: zh ? '状态' : 'Status', key: 'status', width: 10 },
      { header: zh ? '等级' : 'Level', key: 'level', width: 10 },
      { header: zh ? '资产(元)' : 'AUM (CNY)', key: 'aum', width: 16, numFmt: '#,##0.00' },
      { header: zh ? '生日' : 'Birthday', key: 'birthDate', width: 12 },
      { header: zh ? '最近接触' : 'Last contact', key: 'lastContact', width: 18 },
    ], async function* () {
      for await (const c of service.exportMyCustomers(app.db, user, req.query, read)) {
        yield {
          customerNo: c.customerNo, name: c.name, status: c.status, level: (zh ? c.levelName : c.levelNameEn) ?? '', aum: c.aumFen / 100,
          birthDate: c.birthDate ?? '', lastContact: dt(c.lastContactAt ?? null),
        };
      }
    });
    await app.db.transaction().execute(async (trx) => {
      await audit(trx, actorOf(req), { action: 'export', entity: 'customer', fields: ['list'], changes: { list: 'workbench.customers', filter: req.query, rows: count } });
      await auditMany(trx, actorOf(req), service.birthDateReads(read, 'workbench.export'));
    });
    return reply;
  });

  app.get('/api/workbench/tasks', { schema: { tags, querystring: PageQuery }, preHandler: requireUser('customer:read') }, async (req) =>
    service.myTasks(app.db, currentUser(req), req.query));

  app.get('/api/workbench/worklog', { schema: { tags, querystring: PageQuery }, preHandler: requireUser('customer:read') }, async (req) =>
    service.myWorklog(app.db, currentUser(req), req.query));

  app.get('/api/workbench/pipeline', { schema: { tags }, preHandler: requireUser('customer:read') }, async (req) =>
    ({ items: await service.pipeline(app.db, [currentUser(req).id]) }));

  app.get('/api/workbench/views', { schema: { tags }, preHandler: requireUser('customer:read') }, async (req) => service.listViews(app.db, currentUser(req)));

  app.post('/api/workbench/views', { schema: { tags, body: SavedViewBody }, preHandler: requireUser('customer:read') }, async (req, reply) =>
    reply.status(201).send(await service.saveView(app.db, currentUser(req), actorOf(req), req.body)));

  app.delete('/api/workbench/views/:id', { schema: { tags, params: IdParams }, preHandler: requireUser('customer:read') }, async (req, reply) => {
    await service.deleteView(app.db, currentUser(req), actorOf(req), req.params.id);
    return reply.status(204).send();
  });

  // ---- reminders
  app.get('/api/workbench/reminders', { schema: { tags, querystring: ReminderQuery }, preHandler: requireUser('customer:read') }, async (req) =>
    service.listReminders(app.db, currentUser(req), req.query));

  app.get('/api/workbench/reminders/export', { schema: { tags, querystring: ReminderQuery }, preHandler: requireUser('customer:read', 'customer:export') }, async (req, reply) => {
    const user = currentUser(req);
    const zh = langOf(req) === 'zh';
    const { items } = await service.listReminders(app.db, user, { ...req.query, ...exportPage });
    const kinds = { birthday: ['生日', 'Birthday'], maturity: ['到期', 'Maturity'], dormant: ['沉睡预警', 'Turning dormant'], service_due: ['服务时限', 'Service deadline'], follow_up: ['跟进', 'Follow-up'], custom: ['自定义', 'Custom'] } as const;
    const count = await sendXlsx(reply, `reminders-${stamp()}.xlsx`, zh ? '提醒' : 'Reminders', [
      { header: zh ? '日期' : 'Date', key: 'dueOn', width: 12 },
      { header: zh ? '类型' : 'Kind', key: 'kind', width: 12 },
      { header: zh ? '客户号' : 'Customer no.', key: 'customerNo', width: 14 },
      { header: zh ? '客户' : 'Customer', key: 'customerName', width: 20 },
      { header: zh ? '内容' : 'Reminder', key: 'title', width: 40 },
    ], async function* () {
      for (const r of items) yield { dueOn: r.dueOn, kind: kinds[r.kind][zh ? 0 : 1], customerNo: r.customerNo ?? '', customerName: r.customerName ?? '', title: r.title };
    });
    await app.db.transaction().execute((trx) => audit(trx, actorOf(req), { action: 'export', entity: 'reminder', fields: ['list'], changes: { filter: req.query, rows: count } }));
    return reply;
  });

  app.post('/api/workbench/reminders', { schema: { tags, body: ReminderBody }, preHandler: requireUser('customer:read') }, async (req, reply) =>
    reply.status(201).send(await service.createReminder(app.db, currentUser(req), actorOf(req), req.body)));

  app.post('/api/workbench/reminders/:id/state', { schema: { tags, params: IdParams, body: ReminderStateBody }, preHandler: requireUser('customer:read') }, async (req) =>
    service.setReminderState(app.db, currentUser(req), actorOf(req), req.params.id, req.body.state));

  // ---- team view (supervisor)
  app.get('/api/managers/team', { schema: { tags, querystring: TeamQuery }, preHandler: requireUser('team:supervise') }, async (req) =>
    service.team(app.db, currentUser(req), req.query.orgId));

  app.get('/api/managers/team/export', { schema: { tags, querystring: TeamQuery }, preHandler: requireUser('team:supervise', 'customer:export') }, async (req, reply) => {
    const user = currentUser(req);
    const zh = langOf(req) === 'zh';
    const data = await service.team(app.db, user, req.query.orgId);
    const count = await sendXlsx(reply, `team-${stamp()}.xlsx`, zh ? '团队' : 'Team', [
      { header: zh ? '客户经理' : 'Manager', key: 'name', width: 14 },
      { header: zh ? '机构' : 'Org unit', key: 'org', width: 22 },
      { header: zh ? '客户数' : 'Customers', key: 'customers', width: 10 },
      { header: zh ? '管户资产(元)' : 'AUM (CNY)', key: 'aum', width: 18, numFmt: '#,##0.00' },
      { header: zh ? '存款(元)' : 'Deposits (CNY)', key: 'deposits', width: 18, numFmt: '#,##0.00' },
      { header: zh ? '贷款(元)' : 'Loans (CNY)', key: 'loans', width: 18, numFmt: '#,##0.00' },
      { header: zh ? '本周接触' : 'Contacts (week)', key: 'contactsWeek', width: 10 },
      { header: zh ? '本月接触' : 'Contacts (month)', key: 'contactsMonth', width: 10 },
      { header: zh ? '本月活动' : 'Activities (month)', key: 'activitiesMonth', width: 10 },
      { header: zh ? '在途商机' : 'Open opportunities', key: 'opps', width: 10 },
      { header: zh ? '逾期事项' : 'Overdue items', key: 'overdue', width: 10 },
    ], async function* () {
      for (const m of data.items) {
        yield {
          name: m.displayName, org: zh ? m.orgName : m.orgNameEn || m.orgName, customers: m.customers, aum: m.aumFen / 100, deposits: m.depositsFen / 100, loans: m.loansFen / 100,
          contactsWeek: m.contacts.week, contactsMonth: m.contacts.month, activitiesMonth: m.activities.month, opps: m.pipeline.count,
          overdue: m.overdue.activities + m.overdue.service + m.overdue.reminders,
        };
      }
    });
    await app.db.transaction().execute((trx) => audit(trx, actorOf(req), { action: 'export', entity: 'team', fields: ['list'], changes: { filter: req.query, rows: count } }));
    return reply;
  });

  // ---- plans and summary reports
  app.get('/api/managers/reports', { schema: { tags, querystring: ReportQuery }, preHandler: requireUser('customer:read') }, async (req) =>
    service.listReports(app.db, currentUser(req), req.query));

  app.get('/api/managers/reports/export', { schema: { tags, querystring: ReportQuery }, preHandler: requireUser('customer:read', 'customer:export') }, async (req, reply) => {
    const user = currentUser(req);
    const zh = langOf(req) === 'zh';
    const { items } = await service.listReports(app.db, user, { ...req.query, ...exportPage });
    const kinds = { weekly_plan: ['周计划', 'Weekly plan'], weekly_summary: ['周总结', 'Weekly summary'], monthly_plan: ['月计划', 'Monthly plan'], monthly_summary: ['月总结', 'Monthly summary'] } as const;
    const count = await sendXlsx(reply, `reports-${stamp()}.xlsx`, zh ? '计划与总结' : 'Reports', [
      { header: zh ? '作者' : 'Author', key: 'authorName', width: 12 },
      { header: zh ? '机构' : 'Org unit', key: 'org', width: 20 },
      { header: zh ? '类型' : 'Kind', key: 'kind', width: 12 },
      { header: zh ? '期间开始' : 'Period start', key: 'periodStart', width: 12 },
      { header: zh ? '内容' : 'Content', key: 'content', width: 60 },
      { header: zh ? '提交时间' : 'Submitted', key: 'submittedAt', width: 18 },
      { header: zh ? '批注数' : 'Comments', key: 'commentCount', width: 10 },
    ], async function* () {
      for (const r of items) yield { ...r, org: zh ? r.orgName : r.orgNameEn || r.orgName, kind: kinds[r.kind][zh ? 0 : 1], submittedAt: dt(r.submittedAt) };
    });
    await app.db.transaction().execute((trx) => audit(trx, actorOf(req), { action: 'export', entity: 'work_report', fields: ['list'], changes: { filter: req.query, rows: count } }));
    return reply;
  });

  app.put('/api/managers/reports', { schema: { tags, body: ReportBody }, preHandler: requireUser('customer:read') }, async (req) =>
    service.saveReport(app.db, currentUser(req), actorOf(req), req.body));

  app.get('/api/managers/reports/:id', { schema: { tags, params: IdParams }, preHandler: requireUser('customer:read') }, async (req) =>
    service.getReport(app.db, currentUser(req), req.params.id));

  app.post('/api/managers/reports/:id/comments', { schema: { tags, params: IdParams, body: CommentBody }, preHandler: requireUser('customer:read') }, async (req, reply) =>
    reply.status(201).send(await service.addComment(app.db, currentUser(req), actorOf(req), req.params.id, req.body.content)));
}
