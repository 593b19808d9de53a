import type { FastifyInstance } from 'fastify';
import { bankDate, bankDateTime } from '../../platform/bank-time.ts';
import { actorOf, currentUser, requireUser } from '../../platform/auth.ts';
import { audit } from '../../platform/audit.ts';
import { typed } from '../../platform/context.ts';
import { requestLang } from '../../platform/errors.ts';
import { sendXlsx } from '../../platform/xlsx.ts';
import * as repo from './service.repository.ts';
import * as service from './service.service.ts';
import {
  ArchivePatch, ArchiveQuery, AssignBody, CandidatesQuery, CategoryBody, CategoryPatch, CloseBody, CodeParams, CreateRequestBody, DashboardQuery, DispatchBody,
  DispatchQuery, DispatchRecordBody, IdParams, LeaveBody, MembersBody, NoteBody, OptionalNoteBody, OutboundBody, OutboundQuery, OutboundRecordBody,
  PriorityParams, PriorityPatch, QueueBody, ReopenBody, ReqNoParams, RequestQuery, ResolveBody, SimilarQuery, SkillsBody, SlaBody, UserIdParams,
} from './service.schemas.ts';

const langOf = requestLang;
/** Times in exported files as the bank's wall clock. */
const iso = (d: Date | null | undefined) => bankDateTime(d);

export async function serviceRoutes(fastify: FastifyInstance) {
  const app = typed(fastify);
  const tags = ['service'];
  const now = () => new Date();

  // ---- code tables and settings (service:supervise)
  app.get('/api/service/meta', { schema: { tags }, preHandler: requireUser() }, async () => service.meta(app.db));
  app.put('/api/service/slas', { schema: { tags, body: SlaBody }, preHandler: requireUser('service:supervise') }, async (req) =>
    service.saveSlas(app.db, actorOf(req), req.body));
  app.post('/api/service/categories', { schema: { tags, body: CategoryBody }, preHandler: requireUser('service:supervise') }, async (req, reply) =>
    reply.status(201).send(await service.createCategory(app.db, actorOf(req), req.body)));
  app.patch('/api/service/categories/:code', { schema: { tags, params: CodeParams, body: CategoryPatch }, preHandler: requireUser('service:supervise') }, async (req) =>
    service.updateCategory(app.db, actorOf(req), req.params.code, req.body));
  app.patch('/api/service/priorities/:code', { schema: { tags, params: PriorityParams, body: PriorityPatch }, preHandler: requireUser('service:supervise') }, async (req) =>
    service.updatePriority(app.db, actorOf(req), req.params.code, req.body));
  app.post('/api/service/queues', { schema: { tags, body: QueueBody }, preHandler: requireUser('service:supervise') }, async (req, reply) =>
    reply.status(201).send(await service.createQueue(app.db, actorOf(req), req.body)));
  app.put('/api/service/queues/:code/members', { schema: { tags, params: CodeParams, body: MembersBody }, preHandler: requireUser('service:supervise') }, async (req) =>
    service.setQueueMembers(app.db, currentUser(req), actorOf(req), req.params.code, req.body.userIds));

  // ---- requests
  app.get('/api/service/requests', { schema: { tags, querystring: RequestQuery }, preHandler: requireUser('customer:read') }, async (req) =>
    service.list(app.db, currentUser(req), req.query, now()));

  app.get('/api/service/requests/export', { schema: { tags, querystring: RequestQuery }, preHandler: requireUser('customer:read', 'customer:export') }, async (req, reply) => {
    const user = currentUser(req);
    await service.customerFilterInScope(app.db, user, req.query.customerNo);
    const zh = langOf(req) === 'zh';
    const at = now();
    const count = await sendXlsx(reply, `service-requests-${bankDate(at)}.xlsx`, zh ? '服务请求' : 'Service requests', [
      { header: zh ? '请求号' : 'Request no.', key: 'reqNo', width: 20 },
      { header: zh ? '类型' : 'Kind', key: 'kind', width: 12 },
      { header: zh ? '分类' : 'Category', key: 'category', width: 16 },
      { header: zh ? '优先级' : 'Priority', key: 'priority', width: 10 },
      { header: zh ? '渠道' : 'Channel', key: 'channel', width: 10 },
      { header: zh ? '状态' : 'Status', key: 'status', width: 14 },
      { header: zh ? '客户号' : 'Customer no.', key: 'customerNo', width: 14 },
      { header: zh ? '客户' : 'Customer', key: 'customer', width: 22 },
      { header: zh ? '主题' : 'Subject', key: 'subject', width: 40 },
      { header: zh ? '处理人' : 'Assignee', key: 'assignee', width: 12 },
      { header: zh ? '队列' : 'Queue', key: 'queue', width: 14 },
      { header: zh ? '受理时间' : 'Created', key: 'createdAt', width: 20 },
      { header: zh ? '解决时限' : 'Due', key: 'dueAt', width: 20 },
      { header: zh ? '超时' : 'Breached', key: 'breached', width: 8 },
      { header: zh ? '升级至' : 'Escalated to', key: 'escalatedTo', width: 12 },
      { header: zh ? '解决时间' : 'Resolved', key: 'resolvedAt', width: 20 },
      { header: zh ? '满意度' : 'Satisfaction', key: 'satisfaction', width: 10 },
      { header: zh ? '根本原因' : 'Root cause', key: 'rootCause', width: 30 },
      { header: zh ? '预防措施' : 'Preventive action', key: 'preventiveAction', width: 30 },
    ], async function* () {
      for await (const r of repo.exportRequests(app.db, user, service.exportFilter(user, req.query), at)) {
        const sla = service.slaState(r, at);
        yield {
          reqNo: r.req_no, kind: r.kind, category: (zh ? r.category_name : r.category_name_en) ?? '', priority: r.priority, channel: r.channel, status: r.status,
          customerNo: r.customer_no, customer: r.customer_name, subject: r.subject, assignee: r.assignee_name ?? '', queue: (zh ? r.queue_name : r.queue_name_en) ?? '',
          createdAt: iso(r.created_at), dueAt: iso(r.due_at), breached: sla.breached ? (zh ? '是' : 'yes') : '', escalatedTo: r.escalated_to_name ?? '',
          resolvedAt: iso(r.resolved_at), satisfaction: r.satisfaction ?? '', rootCause: r.root_cause ?? '', preventiveAction: r.preventive_action ?? '',
        };
      }
    });
    await app.db.transaction().execute((trx) => audit(trx, actorOf(req), { action: 'export', entity: 'service_request', fields: ['list'], changes: { filter: req.query, rows: count } }));
    return reply;
  });

  app.get('/api/service/requests/similar', { schema: { tags, querystring: SimilarQuery }, preHandler: requireUser('customer:read') }, async (req) =>
    ({ items: await service.findSimilar(app.db, currentUser(req), req.query) }));

  app.get('/api/service/requests/:reqNo', { schema: { tags, params: ReqNoParams }, preHandler: requireUser('customer:read') }, async (req) =>
    service.detail(app.db, currentUser(req), req.params.reqNo, now()));

  app.post('/api/service/requests', { schema: { tags, body: CreateRequestBody }, preHandler: requireUser('service:handle') }, async (req, reply) =>
    reply.status(201).send(await service.create(app.db, currentUser(req), actorOf(req), req.body, now())));

  app.post('/api/service/requests/:reqNo/assign', { schema: { tags, params: ReqNoParams, body: AssignBody }, preHandler: requireUser('service:handle') }, async (req) =>
    service.assign(app.db, currentUser(req), actorOf(req), req.params.reqNo, req.body, now()));
  app.post('/api/service/requests/:reqNo/take', { schema: { tags, params: ReqNoParams }, preHandler: requireUser('service:handle') }, async (req) =>
    service.take(app.db, currentUser(req), actorOf(req), req.params.reqNo, now()));
  app.post('/api/service/requests/:reqNo/respond', { schema: { tags, params: ReqNoParams, body: NoteBody }, preHandler: requireUser('service:handle') }, async (req) =>
    service.respond(app.db, currentUser(req), actorOf(req), req.params.reqNo, req.body.note, now()));
  app.post('/api/service/requests/:reqNo/wait', { schema: { tags, params: ReqNoParams, body: NoteBody }, preHandler: requireUser('service:handle') }, async (req) =>
    service.waitForCustomer(app.db, currentUser(req), actorOf(req), req.params.reqNo, req.body.note, now()));
  app.post('/api/service/requests/:reqNo/resolve', { schema: { tags, params: ReqNoParams, body: ResolveBody }, preHandler: requireUser('service:handle') }, async (req) =>
    service.resolve(app.db, currentUser(req), actorOf(req), req.params.reqNo, req.body, now()));
  app.post('/api/service/requests/:reqNo/close', { schema: { tags, params: ReqNoParams, body: CloseBody }, preHandler: requireUser('service:handle') }, async (req) =>
    service.close(app.db, currentUser(req), actorOf(req), req.params.reqNo, req.body, now()));
  app.post('/api/service/requests/:reqNo/reopen', { schema: { tags, params: ReqNoParams, body: ReopenBody }, preHandler: requireUser('service:handle') }, async (req) =>
    service.reopen(app.db, currentUser(req), actorOf(req), req.params.reqNo, req.body.reason, now()));

  // ---- archive: closed cases with root cause and preventive action
  app.get('/api/service/archive', { schema: { tags, querystring: ArchiveQuery }, preHandler: requireUser('customer:read') }, async (req) =>
    service.archive(app.db, currentUser(req), req.query, now()));
  app.patch('/api/service/archive/:reqNo', { schema: { tags, params: ReqNoParams, body: ArchivePatch }, preHandler: requireUser('service:supervise') }, async (req) =>
    service.updateArchive(app.db, currentUser(req), actorOf(req), req.params.reqNo, req.body, now()));

  // ---- live timeliness
  app.get('/api/service/dashboard', { schema: { tags, querystring: DashboardQuery }, preHandler: requireUser('service:supervise') }, async (req) =>
    service.dashboard(app.db, currentUser(req), now(), req.query.soonMinutes ?? 60));

  // ---- outbound: care calls and visits
  app.get('/api/service/outbound', { schema: { tags, querystring: OutboundQuery }, preHandler: requireUser('customer:read') }, async (req) =>
    service.listOutbound(app.db, currentUser(req), req.query));
  app.get('/api/service/outbound/export', { schema: { tags, querystring: OutboundQuery }, preHandler: requireUser('customer:read', 'customer:export') }, async (req, reply) => {
    const user = currentUser(req);
    await service.customerFilterInScope(app.db, user, req.query.customerNo);
    const zh = langOf(req) === 'zh';
    const count = await sendXlsx(reply, `service-outbound-${bankDate()}.xlsx`, zh ? '关怀与走访' : 'Care and visits', [
      { header: zh ? '类型' : 'Kind', key: 'kind', width: 12 },
      { header: zh ? '客户号' : 'Customer no.', key: 'customerNo', width: 14 },
      { header: zh ? '客户' : 'Customer', key: 'customer', width: 22 },
      { header: zh ? '目的' : 'Purpose', key: 'purpose', width: 36 },
      { header: zh ? '计划时间' : 'Planned', key: 'plannedAt', width: 20 },
      { header: zh ? '负责人' : 'Owner', key: 'owner', width: 12 },
      { header: zh ? '状态' : 'Status', key: 'status', width: 10 },
      { header: zh ? '结果' : 'Outcome', key: 'outcome', width: 12 },
      { header: zh ? '结果说明' : 'Outcome note', key: 'note', width: 36 },
    ], async function* () {
      for await (const r of repo.exportOutbound(app.db, user, req.query)) {
        yield { kind: r.kind, customerNo: r.customer_no, customer: r.customer_name, purpose: r.purpose, plannedAt: iso(r.planned_at), owner: r.owner_name, status: r.status, outcome: r.outcome ?? '', note: r.outcome_note ?? '' };
      }
    });
    await app.db.transaction().execute((trx) => audit(trx, actorOf(req), { action: 'export', entity: 'service_outbound', fields: ['list'], changes: { filter: req.query, rows: count } }));
    return reply;
  });
  app.post('/api/service/outbound', { schema: { tags, body: OutboundBody }, preHandler: requireUser('service:handle') }, async (req, reply) =>
    reply.status(201).send(await service.planOutbound(app.db, currentUser(req), actorOf(req), req.body)));
  app.post('/api/service/outbound/:id/record', { schema: { tags, params: IdParams, body: OutboundRecordBody }, preHandler: requireUser('service:handle') }, async (req) =>
    service.recordOutbound(app.db, currentUser(req), actorOf(req), req.params.id, req.body, now()));
  app.post('/api/service/outbound/:id/cancel', { schema: { tags, params: IdParams, body: OptionalNoteBody }, preHandler: requireUser('service:handle') }, async (req) =>
    service.recordOutbound(app.db, currentUser(req), actorOf(req), req.params.id, null, now()));

  // ---- field-service dispatch
  app.get('/api/service/staff', { schema: { tags }, preHandler: requireUser('service:supervise') }, async (req) => service.listStaff(app.db, currentUser(req)));
  app.put('/api/service/staff/:userId/skills', { schema: { tags, params: UserIdParams, body: SkillsBody }, preHandler: requireUser('service:supervise') }, async (req) =>
    service.setSkills(app.db, currentUser(req), actorOf(req), req.params.userId, req.body.skills));
  app.get('/api/service/leaves', { schema: { tags }, preHandler: requireUser('service:handle') }, async (req) => service.listLeaves(app.db, currentUser(req), now()));
  app.post('/api/service/staff/:userId/leaves', { schema: { tags, params: UserIdParams, body: LeaveBody }, preHandler: requireUser('service:handle') }, async (req, reply) =>
    reply.status(201).send(await service.addLeave(app.db, currentUser(req), actorOf(req), req.params.userId, req.body)));
  app.get('/api/service/dispatch/candidates', { schema: { tags, querystring: CandidatesQuery }, preHandler: requireUser('service:supervise') }, async (req) =>
    service.candidates(app.db, currentUser(req), req.query));
  app.get('/api/service/dispatches', { schema: { tags, querystring: DispatchQuery }, preHandler: requireUser('customer:read') }, async (req) =>
    service.listDispatches(app.db, currentUser(req), req.query));
  app.get('/api/service/dispatches/export', { schema: { tags, querystring: DispatchQuery }, preHandler: requireUser('customer:read', 'customer:export') }, async (req, reply) => {
    const user = currentUser(req);
    const zh = langOf(req) === 'zh';
    const count = await sendXlsx(reply, `service-dispatches-${bankDate()}.xlsx`, zh ? '派工' : 'Dispatches', [
      { header: zh ? '客户号' : 'Customer no.', key: 'customerNo', width: 14 },
      { header: zh ? '客户' : 'Customer', key: 'customer', width: 22 },
      { header: zh ? '技能' : 'Skill', key: 'skill', width: 14 },
      { header: zh ? '人员' : 'Assignee', key: 'assignee', width: 12 },
      { header: zh ? '开始' : 'Starts', key: 'startsAt', width: 20 },
      { header: zh ? '结束' : 'Ends', key: 'endsAt', width: 20 },
      { header: zh ? '任务' : 'Task', key: 'task', width: 36 },
      { header: zh ? '状态' : 'Status', key: 'status', width: 10 },
      { header: zh ? '结果' : 'Outcome', key: 'outcome', width: 36 },
    ], async function* () {
      for await (const r of repo.exportDispatches(app.db, user, req.query)) {
        yield { customerNo: r.customer_no, customer: r.customer_name, skill: zh ? r.skill_name : r.skill_name_en, assignee: r.assignee_name, startsAt: iso(r.starts_at), endsAt: iso(r.ends_at), task: r.task, status: r.status, outcome: r.outcome ?? '' };
      }
    });
    await app.db.transaction().execute((trx) => audit(trx, actorOf(req), { action: 'export', entity: 'service_dispatch', fields: ['list'], changes: { filter: req.query, rows: count } }));
    return reply;
  });
  app.post('/api/service/dispatches', { schema: { tags, body: DispatchBody }, preHandler: requireUser('service:supervise') }, async (req, reply) =>
    reply.status(201).send(await service.dispatch(app.db, currentUser(req), actorOf(req), req.body)));
  app.post('/api/service/dispatches/:id/record', { schema: { tags, params: IdParams, body: DispatchRecordBody }, preHandler: requireUser('service:handle') }, async (req) =>
    service.recordDispatch(app.db, currentUser(req), actorOf(req), req.params.id, req.body, now()));
}
