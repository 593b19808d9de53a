import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { bankDate } from '../../platform/bank-time.ts';
import { actorOf, currentUser, requireUser } from '../../platform/auth.ts';
import { audit } from '../../platform/audit.ts';
import { typed } from '../../platform/context.ts';
import { forbidden, requestLang } from '../../platform/errors.ts';
import { sendXlsx, type XlsxColumn } from '../../platform/xlsx.ts';
import * as repo from './engagement.repository.ts';
import * as service from './engagement.service.ts';
import {
  ActivityInput, ActivityPatch, ActivityQuery, BoardQuery, CommissionRuleInput, CommissionRulePatch, ContactInput, ContactPatch, ContactQuery,
  CustomerNoParams, FunnelQuery, IdParams, LinkBody, LinkParams, MySalesQuery, OpportunityInput, OpportunityPatch, OpportunityQuery, PipelineInput,
  PipelinePatch, RequirementInput, RequirementPatch, RequirementQuery, SalesQuery, StageMove, TargetInput, TargetQuery, TimelineQuery, type RecordKind,
} from './engagement.schemas.ts';

const KIND_PATH: Record<RecordKind, string> = { contact: 'contacts', activity: 'activities', opportunity: 'opportunities', requirement: 'requirements' };

/** Targets and commission rules need `sales:plan`; pipelines may also be configured by administrators. */
const requirePlanner = async (req: FastifyRequest) => {
  if (!service.canPlan(currentUser(req))) throw forbidden();
};
const requirePipelineAdmin = async (req: FastifyRequest) => {
  if (!service.canConfigurePipelines(currentUser(req))) throw forbidden();
};

const langOf = requestLang;
const L = (lang: 'zh' | 'en', zh: string, en: string) => (lang === 'zh' ? zh : en);
const fmtTime = (d: Date | null) => (d ? new Date(d).toISOString().replace('T', ' ').slice(0, 19) : '');
const yuan = (fen: number | string | null) => (fen == null ? null : Number(fen) / 100);

/** Streams an export and audits it (what was asked for, how many rows) once written. */
async function exportXlsx<T>(
  req: FastifyRequest, reply: FastifyReply, name: string, sheet: string, columns: XlsxColumn[], rows: AsyncIterable<T>, map: (r: T) => Record<string, unknown>,
) {
  const count = await sendXlsx(reply, `${name}-${bankDate()}.xlsx`, sheet, columns, async function* () {
    for await (const r of rows) yield map(r);
  });
  await req.server.db.transaction().execute((trx) => audit(trx, actorOf(req), { action: 'export', entity: name, fields: ['list'], changes: { filter: req.query, rows: count } }));
  return reply;
}

export async function engagementRoutes(fastify: FastifyInstance) {
  const app = typed(fastify);
  const tags = ['engagement'];
  const read = requireUser('customer:read');
  const write = requireUser('customer:write');
  const exporter = requireUser('customer:read', 'customer:export');

  app.get('/api/engagement/meta', { schema: { tags }, preHandler: read }, async () => service.meta(app.db));

  // ---- timeline (C11, Q5)
  app.get('/api/customers/:customerNo/timeline', { schema: { tags, params: CustomerNoParams, querystring: TimelineQuery }, preHandler: read }, async (req) =>
    service.timeline(app.db, currentUser(req), actorOf(req), req.params.customerNo, req.query));

  // ---- contacts
  app.get('/api/contacts', { schema: { tags, querystring: ContactQuery }, preHandler: read }, async (req) => service.listContacts(app.db, currentUser(req), req.query));
  app.get('/api/contacts/export', { schema: { tags, querystring: ContactQuery }, preHandler: exporter }, async (req, reply) => {
    const user = currentUser(req);
    const lang = langOf(req);
    const f = await service.exportContactsFilter(app.db, user, req.query);
    return exportXlsx(req, reply, 'engagement_contact', L(lang, '联系记录', 'Contacts'), [
      { header: L(lang, '开始时间', 'Started at'), key: 'startedAt', width: 20 }, { header: L(lang, '结束时间', 'Ended at'), key: 'endedAt', width: 20 },
      { header: L(lang, '客户号', 'Customer no.'), key: 'customerNo', width: 14 }, { header: L(lang, '客户', 'Customer'), key: 'customer', width: 24 },
      { header: L(lang, '渠道', 'Channel'), key: 'channel', width: 10 }, { header: L(lang, '已接通', 'Connected'), key: 'connected', width: 8 },
      { header: L(lang, '摘要', 'Summary'), key: 'summary', width: 40 }, { header: L(lang, '内容', 'Content'), key: 'content', width: 60 },
      { header: L(lang, '联系人', 'By'), key: 'owner', width: 12 },
    ], repo.streamContacts(app.db, user, f), (r) => ({
      startedAt: fmtTime(r.started_at), endedAt: fmtTime(r.ended_at), customerNo: r.customer_no, customer: r.customer_name, channel: r.channel,
      connected: r.connected ? 'Y' : 'N', summary: r.summary, content: r.content ?? '', owner: r.owner_name,
    }));
  });
  app.get('/api/contacts/:id', { schema: { tags, params: IdParams }, preHandler: read }, async (req) => service.getContact(app.db, currentUser(req), req.params.id));
  app.post('/api/contacts', { schema: { tags, body: ContactInput }, preHandler: write }, async (req, reply) =>
    reply.status(201).send(await service.createContact(app.db, currentUser(req), actorOf(req), req.body)));
  app.patch('/api/contacts/:id', { schema: { tags, params: IdParams, body: ContactPatch }, preHandler: write }, async (req) =>
    service.updateContact(app.db, currentUser(req), actorOf(req), req.params.id, req.body));

  // ---- activities
  app.get('/api/activities', { schema: { tags, querystring: ActivityQuery }, preHandler: read }, async (req) => service.listActivities(app.db, currentUser(req), req.query));
  app.get('/api/activities/export', { schema: { tags, querystring: ActivityQuery }, preHandler: exporter }, async (req, reply) => {
    const user = currentUser(req);
    const lang = langOf(req);
    const f = await service.exportActivitiesFilter(app.db, user, req.query);
    return exportXlsx(req, reply, 'engagement_activity', L(lang, '活动', 'Activities'), [
      { header: L(lang, '开始时间', 'Starts at'), key: 'startsAt', width: 20 }, { header: L(lang, '到期时间', 'Due'), key: 'endsAt', width: 20 },
      { header: L(lang, '客户号', 'Customer no.'), key: 'customerNo', width: 14 }, { header: L(lang, '客户', 'Customer'), key: 'customer', width: 24 },
      { header: L(lang, '类型', 'Type'), key: 'type', width: 10 }, { header: L(lang, '状态', 'Status'), key: 'status', width: 12 },
      { header: L(lang, '优先级', 'Priority'), key: 'priority', width: 10 }, { header: L(lang, '成本(元)', 'Cost (CNY)'), key: 'cost', width: 12, numFmt: '#,##0.00' },
      { header: L(lang, '描述', 'Description'), key: 'description', width: 40 }, { header: L(lang, '负责人', 'Owner'), key: 'owner', width: 12 },
    ], repo.streamActivities(app.db, user, f), (r) => ({
      startsAt: fmtTime(r.starts_at), endsAt: fmtTime(r.ends_at), customerNo: r.customer_no, customer: r.customer_name, type: r.type, status: r.status,
      priority: r.priority, cost: yuan(r.cost_fen), description: r.description, owner: r.owner_name,
    }));
  });
  app.get('/api/activities/:id', { schema: { tags, params: IdParams }, preHandler: read }, async (req) => service.getActivity(app.db, currentUser(req), req.params.id));
  app.post('/api/activities', { schema: { tags, body: ActivityInput }, preHandler: write }, async (req, reply) =>
    reply.status(201).send(await service.createActivity(app.db, currentUser(req), actorOf(req), req.body)));
  app.patch('/api/activities/:id', { schema: { tags, params: IdParams, body: ActivityPatch }, preHandler: write }, async (req) =>
    service.updateActivity(app.db, currentUser(req), actorOf(req), req.params.id, req.body));

  // ---- requirements
  app.get('/api/requirements', { schema: { tags, querystring: RequirementQuery }, preHandler: read }, async (req) => service.listRequirements(app.db, currentUser(req), req.query));
  app.get('/api/requirements/export', { schema: { tags, querystring: RequirementQuery }, preHandler: exporter }, async (req, reply) => {
    const user = currentUser(req);
    const lang = langOf(req);
    const f = await service.exportRequirementsFilter(app.db, user, req.query);
    return exportXlsx(req, reply, 'requirement', L(lang, '客户需求', 'Requirements'), [
      { header: L(lang, '登记时间', 'Created at'), key: 'createdAt', width: 20 }, { header: L(lang, '客户号', 'Customer no.'), key: 'customerNo', width: 14 },
      { header: L(lang, '客户', 'Customer'), key: 'customer', width: 24 }, { header: L(lang, '摘要', 'Summary'), key: 'summary', width: 40 },
      { header: L(lang, '状态', 'Status'), key: 'status', width: 12 }, { header: L(lang, '子状态', 'Sub-status'), key: 'subStatus', width: 12 },
      { header: L(lang, '严重性', 'Severity'), key: 'severity', width: 10 }, { header: L(lang, '紧急程度', 'Urgency'), key: 'urgency', width: 10 },
      { header: L(lang, '开始', 'Starts'), key: 'startsOn', width: 12 }, { header: L(lang, '结束', 'Ends'), key: 'endsOn', width: 12 },
      { header: L(lang, '负责人', 'Owner'), key: 'owner', width: 12 },
    ], repo.streamRequirements(app.db, user, f), (r) => ({
      createdAt: fmtTime(r.created_at), customerNo: r.customer_no, customer: r.customer_name, summary: r.summary, status: r.status, subStatus: r.sub_status ?? '',
      severity: r.severity, urgency: r.urgency, startsOn: r.starts_on, endsOn: r.ends_on ?? '', owner: r.owner_name,
    }));
  });
  app.get('/api/requirements/:id', { schema: { tags, params: IdParams }, preHandler: read }, async (req) => service.getRequirement(app.db, currentUser(req), req.params.id));
  app.post('/api/requirements', { schema: { tags, body: RequirementInput }, preHandler: write }, async (req, reply) =>
    reply.status(201).send(await service.createRequirement(app.db, currentUser(req), actorOf(req), req.body)));
  app.patch('/api/requirements/:id', { schema: { tags, params: IdParams, body: RequirementPatch }, preHandler: write }, async (req) =>
    service.updateRequirement(app.db, currentUser(req), actorOf(req), req.params.id, req.body));

  // ---- opportunities
  app.get('/api/opportunities', { schema: { tags, querystring: OpportunityQuery }, preHandler: read }, async (req) => service.listOpportunities(app.db, currentUser(req), req.query));
  app.get('/api/opportunities/board', { schema: { tags, querystring: BoardQuery }, preHandler: read }, async (req) => service.board(app.db, currentUser(req), req.query));
  app.get('/api/opportunities/export', { schema: { tags, querystring: OpportunityQuery }, preHandler: exporter }, async (req, reply) => {
    const user = currentUser(req);
    const lang = langOf(req);
    const f = await service.exportOpportunitiesFilter(app.db, user, req.query);
    return exportXlsx(req, reply, 'opportunity', L(lang, '销售机会', 'Opportunities'), [
      { header: L(lang, '机会编号', 'Opportunity no.'), key: 'oppNo', width: 14 }, { header: L(lang, '客户号', 'Customer no.'), key: 'customerNo', width: 14 },
      { header: L(lang, '客户', 'Customer'), key: 'customer', width: 24 }, { header: L(lang, '摘要', 'Summary'), key: 'summary', width: 36 },
      { header: L(lang, '流程', 'Pipeline'), key: 'pipeline', width: 12 }, { header: L(lang, '阶段', 'Stage'), key: 'stage', width: 12 },
      { header: L(lang, '状态', 'Status'), key: 'status', width: 8 }, { header: L(lang, '概率%', 'Probability %'), key: 'probability', width: 10 },
      { header: L(lang, '期望值(元)', 'Expected value (CNY)'), key: 'value', width: 16, numFmt: '#,##0.00' },
      { header: L(lang, '销售方式', 'Sales method'), key: 'method', width: 12 }, { header: L(lang, '预计成交', 'Expected close'), key: 'endsOn', width: 12 },
      { header: L(lang, '负责人', 'Owner'), key: 'owner', width: 12 },
    ], repo.streamOpportunities(app.db, user, f), (r) => ({
      oppNo: r.opp_no, customerNo: r.customer_no, customer: r.customer_name, summary: r.summary, pipeline: L(lang, r.pipeline_name, r.pipeline_name_en),
      stage: L(lang, r.stage_name, r.stage_name_en), status: r.status, probability: r.probability, value: yuan(r.expected_value_fen), method: r.sales_method ?? '',
      endsOn: r.ends_on ?? '', owner: r.owner_name,
    }));
  });
  app.get('/api/opportunities/:id', { schema: { tags, params: IdParams }, preHandler: read }, async (req) => service.getOpportunity(app.db, currentUser(req), req.params.id));
  app.post('/api/opportunities', { schema: { tags, body: OpportunityInput }, preHandler: write }, async (req, reply) =>
    reply.status(201).send(await service.createOpportunity(app.db, currentUser(req), actorOf(req), req.body)));
  app.patch('/api/opportunities/:id', { schema: { tags, params: IdParams, body: OpportunityPatch }, preHandler: write }, async (req) =>
    service.updateOpportunity(app.db, currentUser(req), actorOf(req), req.params.id, req.body));
  app.post('/api/opportunities/:id/stage', { schema: { tags, params: IdParams, body: StageMove }, preHandler: write }, async (req) =>
    service.moveStage(app.db, currentUser(req), actorOf(req), req.params.id, req.body.stageId, req.body.lostReason));

  // ---- links, from either side: /api/<kind>/:id/links
  for (const [kind, path] of Object.entries(KIND_PATH) as [RecordKind, string][]) {
    app.post(`/api/${path}/:id/links`, { schema: { tags, params: IdParams, body: LinkBody }, preHandler: write }, async (req, reply) =>
      reply.status(201).send(await service.link(app.db, currentUser(req), actorOf(req), { kind, id: req.params.id }, req.body)));
    app.delete(`/api/${path}/:id/links/:otherKind/:otherId`, { schema: { tags, params: LinkParams }, preHandler: write }, async (req, reply) => {
      await service.unlink(app.db, currentUser(req), actorOf(req), { kind, id: req.params.id }, { kind: req.params.otherKind, id: req.params.otherId });
      return reply.status(204).send();
    });
  }

  // ---- pipelines
  app.get('/api/pipelines', { schema: { tags }, preHandler: read }, async () => service.listPipelines(app.db));
  app.post('/api/pipelines', { schema: { tags, body: PipelineInput }, preHandler: [requireUser(), requirePipelineAdmin] }, async (req, reply) =>
    reply.status(201).send(await service.createPipeline(app.db, actorOf(req), req.body)));
  app.patch('/api/pipelines/:id', { schema: { tags, params: IdParams, body: PipelinePatch }, preHandler: [requireUser(), requirePipelineAdmin] }, async (req) =>
    service.updatePipeline(app.db, actorOf(req), req.params.id, req.body));

  // ---- sales: funnel, targets, commission, sales records
  app.get('/api/sales/funnel', { schema: { tags, querystring: FunnelQuery }, preHandler: read }, async (req) => service.funnel(app.db, currentUser(req), req.query));
  app.get('/api/sales/targets', { schema: { tags, querystring: TargetQuery }, preHandler: read }, async (req) => service.listTargets(app.db, currentUser(req), req.query));
  app.put('/api/sales/targets', { schema: { tags, body: TargetInput }, preHandler: [requireUser(), requirePlanner] }, async (req) =>
    service.setTarget(app.db, currentUser(req), actorOf(req), req.body));
  app.delete('/api/sales/targets/:id', { schema: { tags, params: IdParams }, preHandler: [requireUser(), requirePlanner] }, async (req, reply) => {
    await service.deleteTarget(app.db, currentUser(req), actorOf(req), req.params.id);
    return reply.status(204).send();
  });
  app.get('/api/sales/commission-rules', { schema: { tags }, preHandler: read }, async () => service.listCommissionRules(app.db));
  app.post('/api/sales/commission-rules', { schema: { tags, body: CommissionRuleInput }, preHandler: [requireUser(), requirePlanner] }, async (req, reply) =>
    reply.status(201).send(await service.createCommissionRule(app.db, currentUser(req), actorOf(req), req.body)));
  app.patch('/api/sales/commission-rules/:id', { schema: { tags, params: IdParams, body: CommissionRulePatch }, preHandler: [requireUser(), requirePlanner] }, async (req, reply) => {
    await service.endCommissionRule(app.db, actorOf(req), req.params.id, req.body.effectiveTo);
    return reply.status(204).send();
  });
  app.get('/api/sales', { schema: { tags, querystring: SalesQuery }, preHandler: read }, async (req) => service.listSales(app.db, currentUser(req), req.query));
  app.get('/api/sales/mine', { schema: { tags, querystring: MySalesQuery }, preHandler: read }, async (req) => service.mySales(app.db, currentUser(req), req.query));
  app.get('/api/sales/export', { schema: { tags, querystring: SalesQuery }, preHandler: exporter }, async (req, reply) => {
    const user = currentUser(req);
    const lang = langOf(req);
    const f = await service.exportSalesFilter(app.db, user, req.query);
    return exportXlsx(req, reply, 'sale', L(lang, '销售记录', 'Sales'), [
      { header: L(lang, '销售日期', 'Sold on'), key: 'soldOn', width: 12 }, { header: L(lang, '客户号', 'Customer no.'), key: 'customerNo', width: 14 },
      { header: L(lang, '客户', 'Customer'), key: 'customer', width: 24 }, { header: L(lang, '产品', 'Product'), key: 'product', width: 20 },
      { header: L(lang, '金额(元)', 'Amount (CNY)'), key: 'amount', width: 16, numFmt: '#,##0.00' },
      { header: L(lang, '提成(元)', 'Commission (CNY)'), key: 'commission', width: 14, numFmt: '#,##0.00' },
      { header: L(lang, '机会编号', 'Opportunity no.'), key: 'oppNo', width: 14 }, { header: L(lang, '客户经理', 'Manager'), key: 'owner', width: 12 },
    ], repo.streamSales(app.db, user, f), (r) => ({
      soldOn: r.sold_on, customerNo: r.customer_no, customer: r.customer_name, product: L(lang, r.product_name, r.product_name_en), amount: yuan(r.amount_fen),
      commission: yuan(r.commission_fen), oppNo: r.opp_no ?? '', owner: r.owner_name,
    }));
  });
}

