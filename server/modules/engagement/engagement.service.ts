import { onConnection, type Db } from '../../db/database.ts';
import { audit, auditReadCtes, diff, SYSTEM_ACTOR, type Actor } from '../../platform/audit.ts';
import { can, type CurrentUser } from '../../platform/auth.ts';
import { badCursor, isCursorInteger, isTimestamptzText } from '../../platform/cursor.ts';
import { fieldError, invalid, notFound, type FieldError } from '../../platform/errors.ts';
import { JOB_TIME_ZONE } from '../../platform/jobs.ts';
import { outsideScope, redactPersonal, seesClear } from '../customers/customers.service.ts';
import * as repo from './engagement.repository.ts';
import type {
  ActivityInput, ActivityPatch, ActivityQuery, CommissionRuleInput, ContactInput, ContactPatch, ContactQuery, LinkRef, OpportunityInput,
  OpportunityPatch, OpportunityQuery, PipelineInput, PipelinePatch, RecordKind, RequirementInput, RequirementPatch, RequirementQuery,
  SalesQuery, StageInput, TargetInput, TargetQuery,
} from './engagement.schemas.ts';
import type { TargetMetric, TargetPeriod } from './engagement.table.ts';

const CUSTOMER_NOT_FOUND = { zh: '客户不存在', en: 'Customer not found' };
const RECORD_NOT_FOUND: Record<RecordKind, { zh: string; en: string }> = {
  contact: { zh: '联系记录不存在', en: 'Contact not found' },
  activity: { zh: '活动不存在', en: 'Activity not found' },
  opportunity: { zh: '机会不存在', en: 'Opportunity not found' },
  requirement: { zh: '客户需求不存在', en: 'Requirement not found' },
};
const ENTITY: Record<RecordKind, string> = { contact: 'engagement_contact', activity: 'engagement_activity', opportunity: 'opportunity', requirement: 'requirement' };

/** Today in the bank's time zone, as YYYY-MM-DD. */
export function bankToday(now = new Date()): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: JOB_TIME_ZONE, year: 'numeric', month: '2-digit', day: '2-digit' }).format(now);
}

const page = (q: { page?: number; pageSize?: number }) => {
  const pageSize = q.pageSize ?? 20;
  const p = q.page ?? 1;
  return { page: p, pageSize, limit: pageSize, offset: (p - 1) * pageSize };
};

/** Who may plan sales (targets, commission, pipelines): `sales:plan`, and administrators configure pipelines too. */
export const canPlan = (user: CurrentUser) => can(user, 'sales:plan');
export const canConfigurePipelines = (user: CurrentUser) => can(user, 'sales:plan') || can(user, 'admin:org');

async function customerFor(db: Db, user: CurrentUser, customerNo: string) {
  const c = await repo.findCustomer(db, customerNo, user);
  if (!c) throw notFound(CUSTOMER_NOT_FOUND);
  return c;
}

/** A customer filter on a list: unknown or out-of-scope customers list nothing (404 like a read). */
async function customerFilter(db: Db, user: CurrentUser, customerNo: string | undefined) {
  return customerNo ? (await customerFor(db, user, customerNo)).id : undefined;
}

/** The owner must be an active user whose work the caller may see (a customer manager: only themself). */
async function checkOwner(db: Db, user: CurrentUser, ownerId: number | undefined, errors: FieldError[]) {
  if (ownerId === undefined || ownerId === user.id) return;
  if (!(await repo.getActiveUser(db, ownerId))) errors.push(fieldError('ownerId', 'exists', '负责人不存在或已停用', 'no such active user'));
  else if (!(await repo.userInStaffScope(db, user, ownerId))) errors.push(fieldError('ownerId', 'scope', '负责人不在您的管辖范围内', 'is not one of the staff you manage'));
}

function checkOrder(start: string | Date | null | undefined, end: string | Date | null | undefined, field: string, errors: FieldError[]) {
  if (start == null || end == null) return;
  if (new Date(end).getTime() < new Date(start).getTime()) {
    errors.push(fieldError(field, 'afterStart', '结束时间不能早于开始时间', 'must not be before the start'));
  }
}

/**
 * A contact records an interaction that happened (planned ones are activities, status 'planned'): its start may not
 * lie in the future beyond a few minutes of clock skew between the user's device and the server.
 */
const CONTACT_FUTURE_TOLERANCE_MS = 10 * 60_000;
function checkContactStart(startedAt: string | Date | null | undefined, errors: FieldError[], now = new Date()) {
  if (startedAt == null) return;
  if (new Date(startedAt).getTime() > now.getTime() + CONTACT_FUTURE_TOLERANCE_MS) {
    errors.push(fieldError('startedAt', 'future', '接触记录的开始时间不能晚于当前时间；计划中的接触请登记为活动', 'must not be in the future; plan a future contact as an activity'));
  }
}

function checkProbability(p: number | undefined, errors: FieldError[]) {
  if (p !== undefined && (p < 0 || p > 100)) errors.push(fieldError('probability', 'range', '成功概率应在 0 到 100 之间', 'must be between 0 and 100'));
}

/** Each record to link must exist, be visible, and belong to the same customer. */
async function checkLinks(db: Db, user: CurrentUser, customerId: number, self: RecordKind, links: LinkRef[] | undefined, errors: FieldError[]) {
  for (const [n, l] of (links ?? []).entries()) {
    if (l.kind === self) {
      errors.push(fieldError(`links.${n}.kind`, 'sameKind', '不能关联同类记录', 'cannot link two records of the same kind'));
      continue;
    }
    const cid = await repo.customerOfRecord(db, user, l.kind, l.id);
    if (cid === undefined) errors.push(fieldError(`links.${n}.id`, 'exists', '要关联的记录不存在', 'no such record'));
    else if (cid !== customerId) errors.push(fieldError(`links.${n}.id`, 'sameCustomer', '只能关联同一客户的记录', 'must belong to the same customer'));
  }
}

async function writeLinks(trx: Db, actor: Actor, customerId: number, self: { kind: RecordKind; id: number }, links: LinkRef[] | undefined) {
  for (const l of links ?? []) {
    if (await repo.insertLink(trx, customerId, self, l)) {
      await audit(trx, actor, { action: 'create', entity: 'engagement_link', entityId: `${self.kind}:${self.id}-${l.kind}:${l.id}`, customerId, changes: { from: self, to: l } });
    }
  }
}

const iso = (d: Date | string | null) => (d == null ? null : new Date(d).toISOString());

// ---------------------------------------------------------------- presenters

type ContactRow = NonNullable<Awaited<ReturnType<typeof repo.getContact>>>;
const presentContact = (r: ContactRow) => ({
  id: r.id, customerNo: r.customer_no, customerName: r.customer_name, ownerId: r.owner_id, ownerName: r.owner_name, channel: r.channel,
  startedAt: iso(r.started_at), endedAt: iso(r.ended_at), summary: r.summary, content: r.content, connected: r.connected,
  createdAt: iso(r.created_at), updatedAt: iso(r.updated_at),
});

type ActivityRow = NonNullable<Awaited<ReturnType<typeof repo.getActivity>>>;
const presentActivity = (r: ActivityRow) => ({
  id: r.id, customerNo: r.customer_no, customerName: r.customer_name, ownerId: r.owner_id, ownerName: r.owner_name, type: r.type, status: r.status,
  priority: r.priority, startsAt: iso(r.starts_at), endsAt: iso(r.ends_at), completed: r.completed, completedAt: iso(r.completed_at),
  costFen: Number(r.cost_fen), description: r.description, remarks: r.remarks, createdAt: iso(r.created_at), updatedAt: iso(r.updated_at),
});

type OpportunityRow = NonNullable<Awaited<ReturnType<typeof repo.getOpportunity>>>;
type ProductRow = Awaited<ReturnType<typeof repo.listOpportunityProducts>>[number];
const presentOpportunity = (r: OpportunityRow, products: ProductRow[] = []) => ({
  id: r.id, oppNo: r.opp_no, customerNo: r.customer_no, customerName: r.customer_name, ownerId: r.owner_id, ownerName: r.owner_name,
  pipelineId: r.pipeline_id, pipelineName: r.pipeline_name, pipelineNameEn: r.pipeline_name_en,
  stageId: r.stage_id, stageCode: r.stage_code, stageName: r.stage_name, stageNameEn: r.stage_name_en, status: r.status, probability: r.probability,
  expectedValueFen: Number(r.expected_value_fen), salesMethod: r.sales_method, startsOn: r.starts_on, endsOn: r.ends_on, summary: r.summary,
  content: r.content, wonAt: iso(r.won_at), lostReason: r.lost_reason, createdAt: iso(r.created_at), updatedAt: iso(r.updated_at),
  products: products.filter((p) => p.opportunity_id === r.id).map((p) => ({ productCode: p.product_code, name: p.name, nameEn: p.name_en, category: p.category, amountFen: Number(p.amount_fen) })),
});

type RequirementRow = NonNullable<Awaited<ReturnType<typeof repo.getRequirement>>>;
const presentRequirement = (r: RequirementRow) => ({
  id: r.id, customerNo: r.customer_no, customerName: r.customer_name, ownerId: r.owner_id, ownerName: r.owner_name, summary: r.summary,
  content: r.content, status: r.status, subStatus: r.sub_status, severity: r.severity, urgency: r.urgency, startsOn: r.starts_on, endsOn: r.ends_on,
  createdAt: iso(r.created_at), updatedAt: iso(r.updated_at),
});

async function withLinks<T extends { id: number }>(db: Db, kind: RecordKind, rec: T) {
  const links = await repo.linksOf(db, kind, rec.id);
  return { ...rec, links: links.map((l) => ({ kind: l.kind, id: l.id, title: l.title, at: iso(l.at), status: l.status })) };
}

// ---------------------------------------------------------------- contacts

export async function listContacts(db: Db, user: CurrentUser, q: ContactQuery) {
  const p = page(q);
  const customerId = await customerFilter(db, user, q.customerNo);
  const { rows, total, capped } = await repo.listContacts(db, user, { ...q, customerId, limit: p.limit, offset: p.offset });
  return { items: rows.map(presentContact), total, totalCapped: capped, page: p.page, pageSize: p.pageSize };
}

export async function exportContactsFilter(db: Db, user: CurrentUser, q: ContactQuery) {
  return { ...q, customerId: await customerFilter(db, user, q.customerNo) };
}

export async function getContact(db: Db, user: CurrentUser, id: number) {
  const r = await repo.getContact(db, user, id);
  if (!r) throw notFound(RECORD_NOT_FOUND.contact);
  return withLinks(db, 'contact', presentContact(r));
}

export async function createContact(db: Db, user: CurrentUser, actor: Actor, input: ContactInput) {
  const customer = await customerFor(db, user, input.customerNo);
  const errors: FieldError[] = [];
  checkContactStart(input.startedAt, errors);
  checkOrder(input.startedAt, input.endedAt, 'endedAt', errors);
  await checkOwner(db, user, input.ownerId, errors);
  await checkLinks(db, user, customer.id, 'contact', input.links, errors);
  if (errors.length) throw invalid(errors);
  const id = await db.transaction().execute(async (trx) => {
    const row = {
      customer_id: customer.id, owner_id: input.ownerId ?? user.id, channel: input.channel, started_at: input.startedAt, ended_at: input.endedAt ?? null,
      summary: input.summary.trim(), content: input.content ?? null, connected: input.connected ?? true,
    };
    const { id } = await repo.insertContact(trx, row);
    await audit(trx, actor, { action: 'create', entity: ENTITY.contact, entityId: id, customerId: customer.id, fields: Object.keys(row), changes: diff({}, row)?.changes });
    await writeLinks(trx, actor, customer.id, { kind: 'contact', id }, input.links);
    return id;
  });
  return getContact(db, user, id);
}

export async function updateContact(db: Db, user: CurrentUser, actor: Actor, id: number, patch: ContactPatch) {
  const cur = await repo.getContact(db, user, id);
  if (!cur) throw notFound(RECORD_NOT_FOUND.contact);
  const errors: FieldError[] = [];
  checkContactStart(patch.startedAt, errors);
  checkOrder(patch.startedAt ?? cur.started_at, patch.endedAt === undefined ? cur.ended_at : patch.endedAt, 'endedAt', errors);
  await checkOwner(db, user, patch.ownerId, errors);
  if (errors.length) throw invalid(errors);
  const next = {
    owner_id: patch.ownerId, channel: patch.channel, started_at: patch.startedAt, ended_at: patch.endedAt,
    summary: patch.summary?.trim(), content: patch.content, connected: patch.connected,
  };
  await db.transaction().execute(async (trx) => {
    const d = diff({ ...cur, started_at: iso(cur.started_at), ended_at: iso(cur.ended_at) }, normaliseTimes(next, ['started_at', 'ended_at']));
    if (!d) return;
    await repo.updateContact(trx, id, stripUndefined(next));
    await audit(trx, actor, { action: 'update', entity: ENTITY.contact, entityId: id, customerId: cur.customer_id, fields: d.fields, changes: d.changes });
  });
  return getContact(db, user, id);
}

function stripUndefined<T extends Record<string, unknown>>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

/** ISO strings for time fields, so a diff against stored Dates compares like with like. */
function normaliseTimes<T extends Record<string, unknown>>(o: T, keys: string[]): T {
  const out: Record<string, unknown> = { ...o };
  for (const k of keys) if (typeof out[k] === 'string') out[k] = iso(out[k] as string);
  return out as T;
}

// ---------------------------------------------------------------- activities

export async function listActivities(db: Db, user: CurrentUser, q: ActivityQuery) {
  const p = page(q);
  const customerId = await customerFilter(db, user, q.customerNo);
  const { rows, total, capped } = await repo.listActivities(db, user, { ...q, customerId, limit: p.limit, offset: p.offset });
  return { items: rows.map(presentActivity), total, totalCapped: capped, page: p.page, pageSize: p.pageSize };
}

export async function exportActivitiesFilter(db: Db, user: CurrentUser, q: ActivityQuery) {
  return { ...q, customerId: await customerFilter(db, user, q.customerNo) };
}

export async function getActivity(db: Db, user: CurrentUser, id: number) {
  const r = await repo.getActivity(db, user, id);
  if (!r) throw notFound(RECORD_NOT_FOUND.activity);
  return withLinks(db, 'activity', presentActivity(r));
}

/** Completion and status move together: done ⇔ completed. */
function completion(status: string | undefined, completed: boolean | undefined, cur?: { status: string; completed: boolean; completed_at: Date | null }) {
  let st = status ?? cur?.status ?? 'planned';
  let done = completed ?? cur?.completed ?? false;
  if (status === 'done') done = true;
  else if (completed === true) st = 'done';
  else if (completed === false && st === 'done') st = 'in_progress';
  else if (status && status !== 'done' && completed === undefined) done = false;
  const completedAt = done ? cur?.completed_at ?? new Date() : null;
  return { status: st as 'planned', completed: done, completed_at: completedAt };
}

export async function createActivity(db: Db, user: CurrentUser, actor: Actor, input: ActivityInput) {
  const customer = await customerFor(db, user, input.customerNo);
  const errors: FieldError[] = [];
  checkOrder(input.startsAt, input.endsAt, 'endsAt', errors);
  await checkOwner(db, user, input.ownerId, errors);
  await checkLinks(db, user, customer.id, 'activity', input.links, errors);
  if (errors.length) throw invalid(errors);
  const id = await db.transaction().execute(async (trx) => {
    const row = {
      customer_id: customer.id, owner_id: input.ownerId ?? user.id, type: input.type, priority: input.priority ?? 'normal',
      starts_at: input.startsAt, ends_at: input.endsAt ?? null, cost_fen: input.costFen ?? 0, description: input.description.trim(),
      remarks: input.remarks ?? null, ...completion(input.status, input.completed),
    };
    const { id } = await repo.insertActivity(trx, row);
    await audit(trx, actor, { action: 'create', entity: ENTITY.activity, entityId: id, customerId: customer.id, fields: Object.keys(row), changes: diff({}, row)?.changes });
    await writeLinks(trx, actor, customer.id, { kind: 'activity', id }, input.links);
    return id;
  });
  return getActivity(db, user, id);
}

export async function updateActivity(db: Db, user: CurrentUser, actor: Actor, id: number, patch: ActivityPatch) {
  const cur = await repo.getActivity(db, user, id);
  if (!cur) throw notFound(RECORD_NOT_FOUND.activity);
  const errors: FieldError[] = [];
  checkOrder(patch.startsAt ?? cur.starts_at, patch.endsAt === undefined ? cur.ends_at : patch.endsAt, 'endsAt', errors);
  await checkOwner(db, user, patch.ownerId, errors);
  if (errors.length) throw invalid(errors);
  const done = patch.status !== undefined || patch.completed !== undefined ? completion(patch.status, patch.completed, cur) : {};
  const next = stripUndefined({
    owner_id: patch.ownerId, type: patch.type, priority: patch.priority, starts_at: patch.startsAt, ends_at: patch.endsAt, cost_fen: patch.costFen,
    description: patch.description?.trim(), remarks: patch.remarks, ...done,
  });
  await db.transaction().execute(async (trx) => {
    const before = { ...cur, starts_at: iso(cur.starts_at), ends_at: iso(cur.ends_at), completed_at: iso(cur.completed_at), cost_fen: Number(cur.cost_fen) };
    const d = diff(before, { ...normaliseTimes(next, ['starts_at', 'ends_at']), completed_at: 'completed_at' in next ? iso(next.completed_at as Date | null) : undefined });
    if (!d) return;
    await repo.updateActivity(trx, id, next);
    await audit(trx, actor, { action: 'update', entity: ENTITY.activity, entityId: id, customerId: cur.customer_id, fields: d.fields, changes: d.changes });
  });
  return getActivity(db, user, id);
}

// ---------------------------------------------------------------- requirements

export async function listRequirements(db: Db, user: CurrentUser, q: RequirementQuery) {
  const p = page(q);
  const customerId = await customerFilter(db, user, q.customerNo);
  const { rows, total, capped } = await repo.listRequirements(db, user, { ...q, customerId, limit: p.limit, offset: p.offset });
  return { items: rows.map(presentRequirement), total, totalCapped: capped, page: p.page, pageSize: p.pageSize };
}

export async function exportRequirementsFilter(db: Db, user: CurrentUser, q: RequirementQuery) {
  return { ...q, customerId: await customerFilter(db, user, q.customerNo) };
}

export async function getRequirement(db: Db, user: CurrentUser, id: number) {
  const r = await repo.getRequirement(db, user, id);
  if (!r) throw notFound(RECORD_NOT_FOUND.requirement);
  return withLinks(db, 'requirement', presentRequirement(r));
}

export async function createRequirement(db: Db, user: CurrentUser, actor: Actor, input: RequirementInput) {
  const customer = await customerFor(db, user, input.customerNo);
  const errors: FieldError[] = [];
  const startsOn = input.startsOn ?? bankToday();
  checkOrder(startsOn, input.endsOn, 'endsOn', errors);
  await checkOwner(db, user, input.ownerId, errors);
  await checkLinks(db, user, customer.id, 'requirement', input.links, errors);
  if (errors.length) throw invalid(errors);
  const id = await db.transaction().execute(async (trx) => {
    const row = {
      customer_id: customer.id, owner_id: input.ownerId ?? user.id, summary: input.summary.trim(), content: input.content ?? null,
      status: input.status ?? 'new', sub_status: input.subStatus ?? null, severity: input.severity ?? 'medium', urgency: input.urgency ?? 'normal',
      starts_on: startsOn, ends_on: input.endsOn ?? null,
    } as const;
    const { id } = await repo.insertRequirement(trx, row);
    await audit(trx, actor, { action: 'create', entity: ENTITY.requirement, entityId: id, customerId: customer.id, fields: Object.keys(row), changes: diff({}, row)?.changes });
    await writeLinks(trx, actor, customer.id, { kind: 'requirement', id }, input.links);
    return id;
  });
  return getRequirement(db, user, id);
}

export async function updateRequirement(db: Db, user: CurrentUser, actor: Actor, id: number, patch: RequirementPatch) {
  const cur = await repo.getRequirement(db, user, id);
  if (!cur) throw notFound(RECORD_NOT_FOUND.requirement);
  const errors: FieldError[] = [];
  checkOrder(patch.startsOn ?? cur.starts_on, patch.endsOn === undefined ? cur.ends_on : patch.endsOn, 'endsOn', errors);
  await checkOwner(db, user, patch.ownerId, errors);
  if (errors.length) throw invalid(errors);
  const next = stripUndefined({
    owner_id: patch.ownerId, summary: patch.summary?.trim(), content: patch.content, status: patch.status, sub_status: patch.subStatus,
    severity: patch.severity, urgency: patch.urgency, starts_on: patch.startsOn, ends_on: patch.endsOn,
  });
  await db.transaction().execute(async (trx) => {
    const d = diff(cur, next);
    if (!d) return;
    await repo.updateRequirement(trx, id, next);
    await audit(trx, actor, { action: 'update', entity: ENTITY.requirement, entityId: id, customerId: cur.customer_id, fields: d.fields, changes: d.changes });
  });
  return getRequirement(db, user, id);
}

// ---------------------------------------------------------------- opportunities

export async function listOpportunities(db: Db, user: CurrentUser, q: OpportunityQuery) {
  const p = page(q);
  const customerId = await customerFilter(db, user, q.customerNo);
  const { rows, total, capped } = await repo.listOpportunities(db, user, { ...q, customerId, limit: p.limit, offset: p.offset });
  const products = await repo.listOpportunityProducts(db, rows.map((r) => r.id));
  return { items: rows.map((r) => presentOpportunity(r, products)), total, totalCapped: capped, page: p.page, pageSize: p.pageSize };
}

export async function exportOpportunitiesFilter(db: Db, user: CurrentUser, q: OpportunityQuery) {
  return { ...q, customerId: await customerFilter(db, user, q.customerNo) };
}

export async function getOpportunity(db: Db, user: CurrentUser, id: number) {
  const r = await repo.getOpportunity(db, user, id);
  if (!r) throw notFound(RECORD_NOT_FOUND.opportunity);
  const [products, sales] = await Promise.all([repo.listOpportunityProducts(db, [id]), repo.salesOfOpportunity(db, id)]);
  const rec = await withLinks(db, 'opportunity', presentOpportunity(r, products));
  return {
    ...rec,
    sales: sales.map((s) => ({ id: s.id, productCode: s.product_code, amountFen: Number(s.amount_fen), soldOn: s.sold_on, commissionFen: Number(s.commission_fen) })),
  };
}

async function checkProducts(db: Db, products: { productCode: string; amountFen: number }[] | undefined, errors: FieldError[]) {
  const seen = new Set<string>();
  for (const [n, p] of (products ?? []).entries()) {
    if (!(await repo.productExists(db, p.productCode))) errors.push(fieldError(`products.${n}.productCode`, 'unknownProduct', '产品不存在', 'is not a known product'));
    if (seen.has(p.productCode)) errors.push(fieldError(`products.${n}.productCode`, 'duplicate', '产品重复', 'is listed twice'));
    seen.add(p.productCode);
  }
}

export async function createOpportunity(db: Db, user: CurrentUser, actor: Actor, input: OpportunityInput) {
  const customer = await customerFor(db, user, input.customerNo);
  const errors: FieldError[] = [];
  checkProbability(input.probability, errors);
  const startsOn = input.startsOn ?? bankToday();
  checkOrder(startsOn, input.endsOn, 'endsOn', errors);
  await checkOwner(db, user, input.ownerId, errors);
  await checkProducts(db, input.products, errors);
  await checkLinks(db, user, customer.id, 'opportunity', input.links, errors);
  // Pipeline: given, or the stage's, or the default one for the customer's party.
  let stage = input.stageId ? await repo.getStage(db, input.stageId) : undefined;
  if (input.stageId && !stage) errors.push(fieldError('stageId', 'unknownStage', '销售阶段不存在', 'is not a known stage'));
  let pipelineId = input.pipelineId ?? stage?.pipeline_id;
  const pipeline = pipelineId ? await repo.getPipeline(db, pipelineId) : undefined;
  if (input.pipelineId && !pipeline) errors.push(fieldError('pipelineId', 'unknownPipeline', '销售流程不存在', 'is not a known pipeline'));
  // Pipelines are per customer party (retail for persons, corporate for organisations; none = any).
  if (pipeline?.party && pipeline.party !== customer.party) {
    const field = input.pipelineId ? 'pipelineId' : 'stageId';
    errors.push(fieldError(field, 'party', pipeline.party === 'organization' ? '该销售流程仅适用于对公客户' : '该销售流程仅适用于个人客户',
      `belongs to a pipeline for ${pipeline.party === 'organization' ? 'organisations' : 'persons'} only`));
  }
  if (stage && input.pipelineId && stage.pipeline_id !== input.pipelineId) errors.push(fieldError('stageId', 'otherPipeline', '该阶段不属于所选销售流程', 'belongs to another pipeline'));
  if (stage && (stage.is_won || stage.is_lost)) errors.push(fieldError('stageId', 'closedStage', '新机会不能直接放在成交或未成交阶段', 'a new opportunity cannot start in a won or lost stage'));
  if (errors.length) throw invalid(errors);
  if (!pipelineId) {
    const p = await repo.defaultPipelineFor(db, customer.party);
    if (!p) throw invalid([fieldError('pipelineId', 'required', '没有可用的销售流程', 'no pipeline is available')]);
    pipelineId = p.id;
  }
  stage ??= await repo.firstOpenStage(db, pipelineId);
  if (!stage) throw invalid([fieldError('stageId', 'required', '该销售流程没有可用阶段', 'the pipeline has no open stage')]);
  const products = (input.products ?? []).map((p) => ({ product_code: p.productCode, amount_fen: p.amountFen }));
  const expected = input.expectedValueFen ?? products.reduce((s, p) => s + p.amount_fen, 0);
  const id = await db.transaction().execute(async (trx) => {
    const row = {
      opp_no: await repo.nextOppNo(trx), customer_id: customer.id, owner_id: input.ownerId ?? user.id, pipeline_id: pipelineId!, stage_id: stage!.id,
      status: 'open' as const, probability: input.probability ?? stage!.probability, expected_value_fen: expected, sales_method: input.salesMethod ?? null,
      starts_on: startsOn, ends_on: input.endsOn ?? null, summary: input.summary.trim(), content: input.content ?? null,
    };
    const { id } = await repo.insertOpportunity(trx, row);
    await repo.replaceOpportunityProducts(trx, id, customer.id, products);
    await audit(trx, actor, { action: 'create', entity: ENTITY.opportunity, entityId: id, customerId: customer.id, fields: [...Object.keys(row), 'products'], changes: diff({}, { ...row, products })?.changes });
    await writeLinks(trx, actor, customer.id, { kind: 'opportunity', id }, input.links);
    return id;
  });
  return getOpportunity(db, user, id);
}

export async function updateOpportunity(db: Db, user: CurrentUser, actor: Actor, id: number, patch: OpportunityPatch) {
  const cur = await repo.getOpportunity(db, user, id);
  if (!cur) throw notFound(RECORD_NOT_FOUND.opportunity);
  const errors: FieldError[] = [];
  checkProbability(patch.probability, errors);
  checkOrder(patch.startsOn ?? cur.starts_on, patch.endsOn === undefined ? cur.ends_on : patch.endsOn, 'endsOn', errors);
  await checkOwner(db, user, patch.ownerId, errors);
  await checkProducts(db, patch.products, errors);
  if (cur.status === 'won' && patch.products) {
    // The sales were recorded from these products: an unchanged list (a form sending everything back) is fine.
    const key = (ps: { code: string; fen: number }[]) => JSON.stringify(ps.map((p) => [p.code, p.fen]).sort());
    const now = (await repo.listOpportunityProducts(db, [id])).map((p) => ({ code: p.product_code, fen: Number(p.amount_fen) }));
    if (key(now) !== key(patch.products.map((p) => ({ code: p.productCode, fen: p.amountFen })))) {
      errors.push(fieldError('products', 'closedWon', '已成交的机会不能修改产品', 'products of a won opportunity cannot change'));
    }
  }
  if (errors.length) throw invalid(errors);
  await db.transaction().execute(async (trx) => {
    const locked = await repo.lockOpportunity(trx, id);
    if (patch.stageId !== undefined && patch.stageId !== locked.stage_id) await moveStageIn(trx, actor, locked, patch.stageId, patch.lostReason);
    const next = stripUndefined({
      owner_id: patch.ownerId, probability: patch.probability, expected_value_fen: patch.expectedValueFen, sales_method: patch.salesMethod,
      starts_on: patch.startsOn, ends_on: patch.endsOn, summary: patch.summary?.trim(), content: patch.content,
      lost_reason: patch.stageId === undefined ? patch.lostReason : undefined,
    });
    const before: Record<string, unknown> = { ...locked, expected_value_fen: Number(locked.expected_value_fen) };
    const after: Record<string, unknown> = { ...next };
    if (patch.products) {
      before.products = (await repo.listOpportunityProducts(trx, [id])).map((p) => ({ product_code: p.product_code, amount_fen: Number(p.amount_fen) }));
      after.products = patch.products.map((p) => ({ product_code: p.productCode, amount_fen: p.amountFen }));
    }
    const d = diff(before, after);
    if (!d) return;
    if (Object.keys(next).length) await repo.updateOpportunity(trx, id, next);
    if (patch.products) await repo.replaceOpportunityProducts(trx, id, locked.customer_id, after.products as { product_code: string; amount_fen: number }[]);
    await audit(trx, actor, { action: 'update', entity: ENTITY.opportunity, entityId: id, customerId: locked.customer_id, fields: d.fields, changes: d.changes });
  });
  return getOpportunity(db, user, id);
}

export async function moveStage(db: Db, user: CurrentUser, actor: Actor, id: number, stageId: number, lostReason?: string | null) {
  const cur = await repo.getOpportunity(db, user, id);
  if (!cur) throw notFound(RECORD_NOT_FOUND.opportunity);
  await db.transaction().execute(async (trx) => {
    const locked = await repo.lockOpportunity(trx, id);
    if (locked.stage_id !== stageId) await moveStageIn(trx, actor, locked, stageId, lostReason);
  });
  return getOpportunity(db, user, id);
}

type OppRow = Awaited<ReturnType<typeof repo.lockOpportunity>>;

/**
 * Moves an opportunity (locked by the caller) to a stage of its pipeline. A won stage closes it as won
 * and records one sale per opportunity product, with the commission in force that day; a won
 * opportunity is final (its sales stand), a lost one may be reopened.
 */
async function moveStageIn(trx: Db, actor: Actor, opp: OppRow, stageId: number, lostReason?: string | null) {
  const stage = await repo.getStage(trx, stageId);
  if (!stage) throw invalid([fieldError('stageId', 'unknownStage', '销售阶段不存在', 'is not a known stage')]);
  if (stage.pipeline_id !== opp.pipeline_id) throw invalid([fieldError('stageId', 'otherPipeline', '该阶段不属于此机会的销售流程', 'belongs to another pipeline')]);
  if (opp.status === 'won') throw invalid([fieldError('stageId', 'closedWon', '机会已成交，不能再移动', 'the opportunity is won and closed')]);
  const from = await repo.getStage(trx, opp.stage_id);
  let next: { stage_id: number; status: 'open' | 'won' | 'lost'; probability: number; won_at?: Date | null; lost_reason?: string | null };
  if (stage.is_won) {
    const products = await repo.listOpportunityProducts(trx, [opp.id]);
    if (!products.length) throw invalid([fieldError('products', 'requiredToWin', '成交前请先填写机会的产品和金额', 'add the products and amounts before marking it won')]);
    next = { stage_id: stage.id, status: 'won', probability: 100, won_at: new Date() };
    const soldOn = bankToday();
    for (const p of products) {
      const amount = Number(p.amount_fen);
      const rule = await repo.ruleFor(trx, p.product_code, soldOn);
      const commission = commissionOf(amount, rule);
      const sale = await repo.insertSale(trx, {
        customer_id: opp.customer_id, owner_id: opp.owner_id, product_code: p.product_code, amount_fen: amount, sold_on: soldOn,
        opportunity_id: opp.id, commission_fen: commission, commission_rule_id: rule?.id ?? null,
      });
      if (sale) {
        await audit(trx, actor, {
          action: 'create', entity: 'sale', entityId: sale.id, customerId: opp.customer_id,
          changes: { opportunity: opp.opp_no, product_code: p.product_code, amount_fen: amount, commission_fen: commission, owner_id: opp.owner_id, sold_on: soldOn },
        });
      }
    }
  } else if (stage.is_lost) {
    next = { stage_id: stage.id, status: 'lost', probability: 0, lost_reason: lostReason ?? null };
  } else {
    next = { stage_id: stage.id, status: 'open', probability: stage.probability, lost_reason: null };
  }
  await repo.updateOpportunity(trx, opp.id, next);
  await audit(trx, actor, {
    action: 'update', entity: ENTITY.opportunity, entityId: opp.id, customerId: opp.customer_id, fields: ['stage_id', 'status', 'probability'],
    changes: {
      stage: { from: from?.code ?? null, to: stage.code }, stage_id: { from: opp.stage_id, to: stage.id }, status: { from: opp.status, to: next.status },
      probability: { from: opp.probability, to: next.probability }, ...(next.lost_reason ? { lost_reason: { from: opp.lost_reason, to: next.lost_reason } } : {}),
    },
  });
}

/** Commission of one sale: a fixed amount, or the rate in basis points of the amount, rounded half up to the fen. */
export function commissionOf(amountFen: number, rule: { rate_bp: number | null; fixed_fen: number | null } | undefined): number {
  if (!rule) return 0;
  if (rule.fixed_fen !== null) return Number(rule.fixed_fen);
  const v = (BigInt(amountFen) * BigInt(rule.rate_bp ?? 0) + 5000n) / 10000n;
  return Number(v);
}

export async function board(db: Db, user: CurrentUser, q: { pipelineId: number; ownerId?: number; orgId?: number }) {
  const pipeline = await repo.getPipeline(db, q.pipelineId);
  if (!pipeline) throw notFound({ zh: '销售流程不存在', en: 'Pipeline not found' });
  const [stages] = await Promise.all([repo.listPipelines(db).then(([, s]) => s.filter((x) => x.pipeline_id === q.pipelineId))]);
  const { cards, totals } = await repo.boardOf(db, user, q, 100);
  const products = await repo.listOpportunityProducts(db, cards.map((c) => c.id));
  return {
    pipeline: { id: pipeline.id, code: pipeline.code, name: pipeline.name, nameEn: pipeline.name_en },
    stages: stages.map((s) => {
      const t = totals.find((x) => x.stage_id === s.id);
      return {
        ...presentStage(s), count: t?.n ?? 0, valueFen: Number(t?.value_fen ?? 0),
        cards: cards.filter((c) => c.stage_id === s.id).map((c) => presentOpportunity(c as unknown as OpportunityRow, products)),
      };
    }),
  };
}

// ---------------------------------------------------------------- links

async function recordCustomer(db: Db, user: CurrentUser, kind: RecordKind, id: number) {
  const cid = await repo.customerOfRecord(db, user, kind, id);
  if (cid === undefined) throw notFound(RECORD_NOT_FOUND[kind]);
  return cid;
}

export async function link(db: Db, user: CurrentUser, actor: Actor, self: { kind: RecordKind; id: number }, other: LinkRef) {
  const customerId = await recordCustomer(db, user, self.kind, self.id);
  const errors: FieldError[] = [];
  if (other.kind === self.kind) errors.push(fieldError('kind', 'sameKind', '不能关联同类记录', 'cannot link two records of the same kind'));
  else {
    const cid = await repo.customerOfRecord(db, user, other.kind, other.id);
    if (cid === undefined) errors.push(fieldError('id', 'exists', '要关联的记录不存在', 'no such record'));
    else if (cid !== customerId) errors.push(fieldError('id', 'sameCustomer', '只能关联同一客户的记录', 'must belong to the same customer'));
  }
  if (errors.length) throw invalid(errors);
  await db.transaction().execute((trx) => writeLinks(trx, actor, customerId, self, [other]));
  return { links: (await repo.linksOf(db, self.kind, self.id)).map((l) => ({ kind: l.kind, id: l.id, title: l.title, at: iso(l.at), status: l.status })) };
}

export async function unlink(db: Db, user: CurrentUser, actor: Actor, self: { kind: RecordKind; id: number }, other: LinkRef) {
  const customerId = await recordCustomer(db, user, self.kind, self.id);
  if (other.kind === self.kind) throw notFound();
  await db.transaction().execute(async (trx) => {
    if (!(await repo.deleteLink(trx, self, other))) throw notFound({ zh: '关联不存在', en: 'No such link' });
    await audit(trx, actor, { action: 'delete', entity: 'engagement_link', entityId: `${self.kind}:${self.id}-${other.kind}:${other.id}`, customerId, changes: { from: self, to: other } });
  });
}

// ---------------------------------------------------------------- timeline

type Cursor = repo.TimelineCursor;
const encodeCursor = (c: Cursor) => Buffer.from(JSON.stringify([c.at, c.rank, c.id])).toString('base64url');

function decodeCursor(s: string | undefined): Cursor | null {
  if (!s) return null;
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(s, 'base64url').toString('utf8'));
  } catch {
    throw badCursor('before');
  }
  // PostgreSQL's own timestamptz text (microseconds kept, so the cursor is exact) of a real day: the cast cannot fail.
  const [at, rank, id] = Array.isArray(decoded) ? decoded : [];
  if (!isTimestamptzText(at) || !isCursorInteger(rank) || !isCursorInteger(id)) throw badCursor('before');
  return { at, rank, id };
}

type AuditPayload = { entity?: string; changes?: unknown };
/** Changed fields that hold an id or a code of something with a name (an org unit, a user, a type). */
const REFERENCE_FIELDS: Record<string, repo.ReferenceKind> = { org_id: 'org', manager_id: 'user', type_id: 'type' };

/**
 * The references an audit entry's changes make ("org_id:5", "manager_id:70", a relation's "typeCode:spouse"), so the
 * timeline can show names where the log keeps ids and codes.
 */
function referencesOf(entries: AuditPayload[]): string[] {
  const out = new Set<string>();
  for (const e of entries) {
    if (!e.changes || typeof e.changes !== 'object') continue;
    for (const [field, v] of Object.entries(e.changes as Record<string, unknown>)) {
      const kind = field === 'typeCode' && e.entity === 'customer_relation' ? 'relationType' : REFERENCE_FIELDS[field];
      if (!kind) continue;
      const values = v !== null && typeof v === 'object' ? [(v as { from?: unknown }).from, (v as { to?: unknown }).to] : [v];
      for (const x of values) if (x !== null && x !== undefined && (typeof x === 'number' || typeof x === 'string')) out.add(`${field}:${x}`);
    }
  }
  return [...out];
}

/** Keys under which an audit entry's changes name another customer by number (relations, merges, reviews), or by id. */
const CUSTOMER_NO_KEYS: ReadonlySet<string> = new Set(['relatedCustomerNo', 'personCustomerNo', 'customerNo', 'otherCustomerNo', 'customer_no', 'merged', 'mergedInto', 'mergedNo', 'survivor', 'survivorNo', 'aliases']);
const CUSTOMER_ID_KEYS: ReadonlySet<string> = new Set(['customer_id', 'customerId', 'related_id', 'person_customer_id', 'customerA', 'customerB', 'customer_a', 'customer_b', 'survivor_id', 'merged_id']);
type CustomerRef = { no: string } | { id: number };

function customerRefOf(key: string, v: unknown): CustomerRef | null {
  if (CUSTOMER_NO_KEYS.has(key) && typeof v === 'string' && /^\d{9}$/.test(v)) return { no: v };
  if (CUSTOMER_ID_KEYS.has(key) && ((typeof v === 'number' && Number.isSafeInteger(v)) || (typeof v === 'string' && /^\d{1,15}$/.test(v)))) return { id: Number(v) };
  // An integration entry's evidence names the existing customer it was scored against as "c<id>".
  if (key === 'against' && typeof v === 'string' && /^c\d{1,15}$/.test(v)) return { id: Number(v.slice(1)) };
  return null;
}

/**
 * `value` (found under `key`) with each customer reference in it replaced by `swap`'s answer: in { from, to } pairs and
 * lists the key is the enclosing one, in any other object each property's own.
 */
function mapCustomerRefs(value: unknown, key: string, swap: (ref: CustomerRef, v: unknown) => unknown, depth = 0): unknown {
  const ref = customerRefOf(key, value);
  if (ref) return swap(ref, value);
  if (depth > 8 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((x) => mapCustomerRefs(x, key, swap, depth + 1));
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, mapCustomerRefs(v, k === 'from' || k === 'to' ? key : k, swap, depth + 1)]));
}

/**
 * Audit entries' changes with every other customer they name (a relation's, a key person's, a merge's, a review's)
 * hidden as the 360° view's relations hide one outside the viewer's scope: no number, the name masked, outsideScope.
 */
async function hideCustomersOutsideScope(db: Db, user: CurrentUser, self: { id: number; no: string }, changes: unknown[]): Promise<unknown[]> {
  const nos = new Set<string>();
  const ids = new Set<number>();
  // The timeline's own customer is in scope: most entries name only them, and cost no look-up.
  const collect = (ref: CustomerRef) => ('no' in ref ? ref.no !== self.no && nos.add(ref.no) : ref.id !== self.id && ids.add(ref.id));
  for (const c of changes) mapCustomerRefs(c, '', (ref, v) => (collect(ref), v));
  if (!nos.size && !ids.size) return changes;
  const found = await repo.referencedCustomers(db, user, [...nos], [...ids]);
  const byNo = new Map(found.map((c) => [c.customer_no, c]));
  const byId = new Map(found.map((c) => [c.id, c]));
  return changes.map((c) => mapCustomerRefs(c, '', (ref, v) => {
    const hit = 'no' in ref ? byNo.get(ref.no) : byId.get(ref.id);
    return hit && !hit.visible ? outsideScope(hit.name) : v;
  }));
}

/** The customer's merged timeline, newest first, `limit` entries before the cursor; the read is audited. */
export async function timeline(db: Db, user: CurrentUser, actor: Actor, customerNo: string, q: { before?: string; limit?: number }) {
  const before = decodeCursor(q.before);
  const limit = q.limit ?? 20;
  const clear = seesClear(user);
  // The read is audited by the statement that reads (auditReadCtes), before anything is returned; built once a connection is free.
  const { customerId, rows } = await onConnection(db, (conn) => repo.timelineOf(conn, customerNo, user, before, limit,
    auditReadCtes(actor, { action: 'read', entity: 'customer', entityId: customerNo, fields: ['timeline'], changes: { masked: !clear } }, 'cu')));
  if (customerId === null) throw notFound(CUSTOMER_NOT_FOUND);
  const last = rows[rows.length - 1];
  const audited = rows.filter((r) => r.kind === 'audit');
  const names = await repo.referenceNames(db, referencesOf(audited.map((r) => r.payload as AuditPayload)));
  const shown = await hideCustomersOutsideScope(db, user, { id: customerId, no: customerNo }, audited.map((r) => r.payload.changes));
  const changesOf = new Map(audited.map((r, n) => [r.id, shown[n]]));
  return {
    items: rows.map((r) => {
      const p = r.payload;
      if (r.kind !== 'audit') return { kind: r.kind, id: r.id, at: iso(r.at), ...p };
      const refs = Object.fromEntries(referencesOf([p as AuditPayload]).filter((k) => names.has(k)).map((k) => [k, names.get(k)!]));
      const changes = changesOf.get(r.id);
      return { kind: r.kind, id: r.id, at: iso(r.at), ...p, changes: clear ? changes : redactPersonal(changes), refs };
    }),
    nextCursor: rows.length === limit && last ? encodeCursor({ at: last.at_text, rank: last.rank, id: last.id }) : null,
  };
}

// ---------------------------------------------------------------- pipelines

type StageDb = Awaited<ReturnType<typeof repo.listPipelines>>[1][number];
const presentStage = (s: StageDb) => ({
  id: s.id, code: s.code, name: s.name, nameEn: s.name_en, position: s.position, probability: s.probability, isWon: s.is_won, isLost: s.is_lost,
});

export async function listPipelines(db: Db) {
  const [pipelines, stages] = await repo.listPipelines(db);
  return {
    items: pipelines.map((p) => ({
      id: p.id, code: p.code, name: p.name, nameEn: p.name_en, party: p.party, active: p.active,
      stages: stages.filter((s) => s.pipeline_id === p.id).map(presentStage),
    })),
  };
}

function checkStages(stages: StageInput[], errors: FieldError[]) {
  const codes = new Set<string>();
  stages.forEach((s, n) => {
    if (codes.has(s.code)) errors.push(fieldError(`stages.${n}.code`, 'duplicate', '阶段代码重复', 'is listed twice'));
    codes.add(s.code);
    if (s.probability < 0 || s.probability > 100) errors.push(fieldError(`stages.${n}.probability`, 'range', '默认概率应在 0 到 100 之间', 'must be between 0 and 100'));
    if (s.isWon && s.isLost) errors.push(fieldError(`stages.${n}.isLost`, 'wonAndLost', '一个阶段不能既是成交又是未成交', 'a stage cannot be both won and lost'));
  });
  if (stages.filter((s) => s.isWon).length !== 1) errors.push(fieldError('stages', 'oneWon', '必须有且只有一个成交阶段', 'needs exactly one won stage'));
  if (stages.filter((s) => s.isLost).length > 1) errors.push(fieldError('stages', 'oneLost', '最多只能有一个未成交阶段', 'may have at most one lost stage'));
  if (!stages.some((s) => !s.isWon && !s.isLost)) errors.push(fieldError('stages', 'openStage', '至少需要一个进行中的阶段', 'needs at least one open stage'));
}

const stageRows = (stages: StageInput[]): repo.StageRow[] => stages.map((s, i) => ({
  id: s.id, code: s.code, name: s.name.trim(), name_en: s.nameEn.trim(), position: i + 1, probability: s.probability, is_won: !!s.isWon, is_lost: !!s.isLost,
}));

export async function createPipeline(db: Db, actor: Actor, input: PipelineInput) {
  const errors: FieldError[] = [];
  if (await repo.pipelineCodeTaken(db, input.code)) errors.push(fieldError('code', 'taken', '流程代码已存在', 'is already used'));
  checkStages(input.stages, errors);
  input.stages.forEach((s, n) => s.id && errors.push(fieldError(`stages.${n}.id`, 'unknown', '新流程的阶段不能带 id', 'must be empty for a new pipeline')));
  if (errors.length) throw invalid(errors);
  const id = await db.transaction().execute(async (trx) => {
    const { id } = await repo.insertPipeline(trx, { code: input.code, name: input.name.trim(), name_en: input.nameEn.trim(), party: input.party ?? null });
    await repo.replaceStages(trx, id, stageRows(input.stages));
    await audit(trx, actor, { action: 'create', entity: 'pipeline', entityId: id, changes: input });
    return id;
  });
  return (await listPipelines(db)).items.find((p) => p.id === id)!;
}

export async function updatePipeline(db: Db, actor: Actor, id: number, patch: PipelinePatch) {
  const p = await repo.getPipeline(db, id);
  if (!p) throw notFound({ zh: '销售流程不存在', en: 'Pipeline not found' });
  const errors: FieldError[] = [];
  const [, allStages] = await repo.listPipelines(db);
  const current = allStages.filter((s) => s.pipeline_id === id);
  if (patch.stages) {
    checkStages(patch.stages, errors);
    patch.stages.forEach((s, n) => {
      if (s.id && !current.some((c) => c.id === s.id)) errors.push(fieldError(`stages.${n}.id`, 'otherPipeline', '该阶段不属于此流程', 'is not a stage of this pipeline'));
    });
    const dropped = current.filter((c) => !patch.stages!.some((s) => s.id === c.id)).map((c) => c.id);
    const used = await repo.stagesInUse(db, dropped);
    if (used.length) errors.push(fieldError('stages', 'inUse', '有机会处于要删除的阶段，请先移走这些机会', 'a stage being removed still holds opportunities'));
  }
  if (errors.length) throw invalid(errors);
  await db.transaction().execute(async (trx) => {
    await repo.updatePipeline(trx, id, stripUndefined({ name: patch.name?.trim(), name_en: patch.nameEn?.trim(), active: patch.active }));
    if (patch.stages) await repo.replaceStages(trx, id, stageRows(patch.stages));
    await audit(trx, actor, { action: 'update', entity: 'pipeline', entityId: id, changes: { before: { name: p.name, nameEn: p.name_en, active: p.active, stages: current.map(presentStage) }, after: patch } });
  });
  return (await listPipelines(db)).items.find((x) => x.id === id)!;
}

// ---------------------------------------------------------------- funnel

export async function funnel(db: Db, user: CurrentUser, q: { pipelineId: number; ownerId?: number; orgId?: number }) {
  const pipeline = await repo.getPipeline(db, q.pipelineId);
  if (!pipeline) throw notFound({ zh: '销售流程不存在', en: 'Pipeline not found' });
  const { stages, counts } = await repo.funnel(db, user, q);
  const items = stages.map((s) => {
    const c = counts.find((x) => x.stage_id === s.id);
    return { ...presentStage(s), count: c?.n ?? 0, valueFen: Number(c?.value_fen ?? 0), weightedFen: Number(c?.weighted_fen ?? 0) };
  });
  const open = items.filter((i) => !i.isWon && !i.isLost);
  return {
    pipeline: { id: pipeline.id, name: pipeline.name, nameEn: pipeline.name_en },
    stages: items,
    totals: {
      openCount: open.reduce((s, i) => s + i.count, 0), openValueFen: open.reduce((s, i) => s + i.valueFen, 0),
      weightedFen: open.reduce((s, i) => s + i.weightedFen, 0),
      wonCount: items.filter((i) => i.isWon).reduce((s, i) => s + i.count, 0), wonValueFen: items.filter((i) => i.isWon).reduce((s, i) => s + i.valueFen, 0),
      lostCount: items.filter((i) => i.isLost).reduce((s, i) => s + i.count, 0),
    },
  };
}

// ---------------------------------------------------------------- targets

/** The last day of a period that starts on `start`. */
export function periodEnd(period: TargetPeriod, start: string): string {
  const [y, m] = start.split('-').map(Number);
  const months = period === 'month' ? 1 : period === 'quarter' ? 3 : 12;
  const end = new Date(Date.UTC(y, m - 1 + months, 0));
  return end.toISOString().slice(0, 10);
}

function checkPeriodStart(period: TargetPeriod, start: string, errors: FieldError[]) {
  const [, m, d] = start.split('-').map(Number);
  const ok = d === 1 && (period === 'month' || (period === 'quarter' && (m - 1) % 3 === 0) || (period === 'year' && m === 1));
  if (!ok) errors.push(fieldError('periodStart', 'periodStart', '期间开始日应为该月/季/年的第一天', 'must be the first day of the month, quarter or year'));
}

const MONEY_METRICS: TargetMetric[] = ['sales_amount', 'aum', 'deposits', 'loans'];

export async function listTargets(db: Db, user: CurrentUser, q: TargetQuery) {
  const rows = await repo.listTargets(db, user, q);
  const items = await Promise.all(rows.map(async (t) => {
    const to = periodEnd(t.period, t.period_start);
    const actual = await repo.actualOf(db, t.user_id, t.metric, t.period_start, to);
    const target = Number(t.target);
    const act = Number(actual);
    return {
      id: t.id, userId: t.user_id, userName: t.user_name, period: t.period, periodStart: t.period_start, periodEnd: to, metric: t.metric,
      money: MONEY_METRICS.includes(t.metric), target: t.target, actual,
      attainmentPct: target > 0 ? Math.round((act / target) * 1000) / 10 : null,
    };
  }));
  return { items };
}

export async function setTarget(db: Db, user: CurrentUser, actor: Actor, input: TargetInput) {
  const errors: FieldError[] = [];
  checkPeriodStart(input.period, input.periodStart, errors);
  if (!(await repo.getActiveUser(db, input.userId))) errors.push(fieldError('userId', 'exists', '用户不存在或已停用', 'no such active user'));
  else if (!(await repo.userInStaffScope(db, user, input.userId))) errors.push(fieldError('userId', 'scope', '该用户不在您的管辖范围内', 'is not one of the staff you manage'));
  const money = MONEY_METRICS.includes(input.metric);
  if (money && !Number.isInteger(input.target)) errors.push(fieldError('target', 'integer', '金额目标以分为单位，应为整数', 'money targets are whole fen'));
  if (!money && !Number.isInteger(input.target)) errors.push(fieldError('target', 'integer', '数量目标应为整数', 'count targets are whole numbers'));
  if (errors.length) throw invalid(errors);
  return db.transaction().execute(async (trx) => {
    const key = { user_id: input.userId, period: input.period, period_start: input.periodStart, metric: input.metric };
    const before = await repo.findTarget(trx, key);
    const { id } = await repo.upsertTarget(trx, { ...key, target: String(input.target), set_by: user.id });
    await audit(trx, actor, { action: before ? 'update' : 'create', entity: 'sales_target', entityId: id, changes: { ...key, target: { from: before?.target ?? null, to: String(input.target) } } });
    return { id };
  });
}

export async function deleteTarget(db: Db, user: CurrentUser, actor: Actor, id: number) {
  const t = await repo.getTarget(db, id);
  if (!t || !(await repo.userInStaffScope(db, user, t.user_id))) throw notFound();
  await db.transaction().execute(async (trx) => {
    await repo.deleteTarget(trx, id);
    await audit(trx, actor, { action: 'delete', entity: 'sales_target', entityId: id, changes: t });
  });
}

// ---------------------------------------------------------------- commission & sales

export async function listCommissionRules(db: Db) {
  const rows = await repo.listCommissionRules(db);
  return {
    items: rows.map((r) => ({
      id: r.id, productCode: r.product_code, productName: r.product_name, productNameEn: r.product_name_en, rateBp: r.rate_bp,
      fixedFen: r.fixed_fen === null ? null : Number(r.fixed_fen), effectiveFrom: r.effective_from, effectiveTo: r.effective_to,
    })),
  };
}

export async function createCommissionRule(db: Db, user: CurrentUser, actor: Actor, input: CommissionRuleInput) {
  const errors: FieldError[] = [];
  const rate = input.rateBp ?? null;
  const fixed = input.fixedFen ?? null;
  if (!(await repo.productExists(db, input.productCode))) errors.push(fieldError('productCode', 'unknownProduct', '产品不存在', 'is not a known product'));
  if ((rate === null) === (fixed === null)) errors.push(fieldError('rateBp', 'oneOf', '请填写提成比例或固定金额中的一项', 'give either a rate or a fixed amount, not both'));
  checkOrder(input.effectiveFrom, input.effectiveTo, 'effectiveTo', errors);
  if (!errors.length && (await repo.overlappingRules(db, input.productCode, input.effectiveFrom, input.effectiveTo ?? null)).length) {
    errors.push(fieldError('effectiveFrom', 'overlap', '与该产品已有的提成规则生效期重叠', 'overlaps another rule of this product'));
  }
  if (errors.length) throw invalid(errors);
  return db.transaction().execute(async (trx) => {
    const row = { product_code: input.productCode, rate_bp: rate, fixed_fen: fixed, effective_from: input.effectiveFrom, effective_to: input.effectiveTo ?? null, created_by: user.id };
    const { id } = await repo.insertCommissionRule(trx, row);
    await audit(trx, actor, { action: 'create', entity: 'commission_rule', entityId: id, changes: row });
    return { id };
  });
}

export async function endCommissionRule(db: Db, actor: Actor, id: number, effectiveTo: string | null) {
  const r = await repo.getCommissionRule(db, id);
  if (!r) throw notFound();
  const errors: FieldError[] = [];
  checkOrder(r.effective_from, effectiveTo, 'effectiveTo', errors);
  if (!errors.length && (await repo.overlappingRules(db, r.product_code, r.effective_from, effectiveTo, id)).length) {
    errors.push(fieldError('effectiveTo', 'overlap', '与该产品已有的提成规则生效期重叠', 'overlaps another rule of this product'));
  }
  if (errors.length) throw invalid(errors);
  await db.transaction().execute(async (trx) => {
    await repo.setCommissionRuleEnd(trx, id, effectiveTo);
    await audit(trx, actor, { action: 'update', entity: 'commission_rule', entityId: id, fields: ['effective_to'], changes: { effective_to: { from: r.effective_to, to: effectiveTo } } });
  });
}

/**
 * Applies commission rules entered after the fact: every sale booked without a rule that a rule now
 * covers gets that rule's commission. Works from the database alone and touches only sales still
 * without a rule, so a repeated or missed run does no harm. Returns how many sales it updated.
 */
export async function applyLateCommission(db: Db, _now: Date): Promise<number> {
  let done = 0;
  for (;;) {
    const batch = await repo.salesAwaitingCommission(db, 500);
    if (!batch.length) return done;
    await db.transaction().execute(async (trx) => {
      for (const s of batch) {
        const commission = Number(s.commission_fen);
        if (!(await repo.setSaleCommission(trx, s.id, s.rule_id, commission))) continue;
        await audit(trx, SYSTEM_ACTOR, {
          action: 'update', entity: 'sale', entityId: s.id, customerId: s.customer_id, fields: ['commission_fen', 'commission_rule_id'],
          changes: { commission_fen: { from: 0, to: commission }, commission_rule_id: { from: null, to: s.rule_id } },
        });
        done++;
      }
    });
  }
}

type SaleRow = Awaited<ReturnType<typeof repo.listSales>>['rows'][number];
const presentSale = (r: SaleRow) => ({
  id: r.id, customerNo: r.customer_no, customerName: r.customer_name, ownerId: r.owner_id, ownerName: r.owner_name, productCode: r.product_code,
  productName: r.product_name, productNameEn: r.product_name_en, amountFen: Number(r.amount_fen), soldOn: r.sold_on, opportunityId: r.opportunity_id,
  oppNo: r.opp_no, commissionFen: Number(r.commission_fen),
});

export async function listSales(db: Db, user: CurrentUser, q: SalesQuery) {
  const p = page(q);
  const customerId = await customerFilter(db, user, q.customerNo);
  const { rows, total, capped, sums } = await repo.listSales(db, user, { ...q, customerId, limit: p.limit, offset: p.offset });
  return {
    items: rows.map(presentSale), total, totalCapped: capped, page: p.page, pageSize: p.pageSize,
    sums: { amountFen: Number(sums.amount_fen), commissionFen: Number(sums.commission_fen) },
  };
}

export async function exportSalesFilter(db: Db, user: CurrentUser, q: SalesQuery) {
  return { ...q, customerId: await customerFilter(db, user, q.customerNo) };
}

/** "My sales & commission": the caller's own credited sales in a range (default: this month). */
export async function mySales(db: Db, user: CurrentUser, q: { from?: string; to?: string }) {
  const today = bankToday();
  const from = q.from ?? `${today.slice(0, 8)}01`;
  const to = q.to ?? periodEnd('month', `${today.slice(0, 8)}01`);
  if (to < from) throw invalid([fieldError('to', 'afterStart', '结束日期不能早于开始日期', 'must not be before the start')]);
  const rows = await repo.mySales(db, user.id, from, to);
  const items = rows.map((r) => ({ productCode: r.product_code, name: r.name, nameEn: r.name_en, count: r.n, amountFen: Number(r.amount_fen), commissionFen: Number(r.commission_fen) }));
  return {
    from, to, items,
    totals: { count: items.reduce((s, i) => s + i.count, 0), amountFen: items.reduce((s, i) => s + i.amountFen, 0), commissionFen: items.reduce((s, i) => s + i.commissionFen, 0) },
  };
}

/** Meta for the forms: enumerations, pipelines and products. */
export async function meta(db: Db) {
  const [pipelines, products] = await Promise.all([
    listPipelines(db),
    repo.listProducts(db),
  ]);
  return { pipelines: pipelines.items, products: products.map((p) => ({ code: p.code, name: p.name, nameEn: p.name_en, category: p.category })) };
}

