import type { Db } from '../../db/database.ts';
import { audit, diff, SYSTEM_ACTOR, type Actor } from '../../platform/audit.ts';
import { can, type CurrentUser } from '../../platform/auth.ts';
import { AppError, fieldError, forbidden, invalid, notFound, type FieldError } from '../../platform/errors.ts';
import * as repo from './service.repository.ts';
import type {
  ArchiveQuery, AssignBody, CandidatesQuery, CategoryBody, CategoryPatch, CloseBody, CreateRequestBody, DispatchBody, DispatchQuery, DispatchRecordBody,
  OutboundBody, OutboundQuery, OutboundRecordBody, PriorityPatch, QueueBody, RequestQuery, ResolveBody, SlaBody,
} from './service.schemas.ts';
import type { Priority, RequestKind, RequestStatus, StepAction } from './service.table.ts';
import { similarityScore, textTokens } from './service.text.ts';

const REQUEST_NOT_FOUND = { zh: '服务请求不存在', en: 'Service request not found' };
const CUSTOMER_NOT_FOUND = { zh: '客户不存在', en: 'Customer not found' };
const MINUTE = 60_000;

const isSupervisor = (user: CurrentUser) => can(user, 'service:supervise');
const isOpen = (s: RequestStatus) => repo.OPEN_STATUSES.includes(s);

type Row = NonNullable<Awaited<ReturnType<typeof repo.getRequest>>>;

/** Breached is computed live: past the deadline counts even before the escalation job has marked it. */
export function slaState(r: { status: RequestStatus; due_at: Date; response_due_at: Date; responded_at: Date | null; breached_at: Date | null; resolved_at: Date | null }, now: Date) {
  const open = isOpen(r.status);
  const breached = r.breached_at !== null || (open && now > r.due_at) || (r.resolved_at !== null && r.resolved_at > r.due_at);
  const responseBreached = r.responded_at ? r.responded_at > r.response_due_at : open && now > r.response_due_at;
  return { breached, responseBreached, remainingMs: open ? r.due_at.getTime() - now.getTime() : null };
}

export function presentRequest(r: Row, now: Date) {
  return {
    reqNo: r.req_no, kind: r.kind, categoryCode: r.category_code, categoryName: r.category_name, categoryNameEn: r.category_name_en,
    priority: r.priority, channel: r.channel, status: r.status, subject: r.subject, description: r.description,
    customer: { customerNo: r.customer_no, name: r.customer_name },
    assignee: r.assignee_id ? { id: r.assignee_id, name: r.assignee_name } : null,
    queue: r.queue_code ? { code: r.queue_code, name: r.queue_name, nameEn: r.queue_name_en } : null,
    org: { id: r.org_id, name: r.org_name, nameEn: r.org_name_en },
    responseDueAt: r.response_due_at, respondedAt: r.responded_at, dueAt: r.due_at, breachedAt: r.breached_at, escalatedAt: r.escalated_at,
    escalatedTo: r.escalated_to ? { id: r.escalated_to, name: r.escalated_to_name } : null,
    resolution: r.resolution, resolvedAt: r.resolved_at, closedAt: r.closed_at, satisfaction: r.satisfaction, satisfactionNote: r.satisfaction_note,
    rootCause: r.root_cause, preventiveAction: r.preventive_action, createdBy: { id: r.created_by, name: r.created_by_name },
    createdAt: r.created_at, updatedAt: r.updated_at,
    sla: slaState(r, now),
  };
}

// ---------------------------------------------------------------- settings

export async function meta(db: Db) {
  const m = await repo.getMeta(db);
  return {
    categories: m.categories.map((c) => ({ code: c.code, parentCode: c.parent_code, name: c.name, nameEn: c.name_en, kind: c.kind, active: c.active, sortOrder: c.sort_order })),
    priorities: m.priorities.map((p) => ({ code: p.code, name: p.name, nameEn: p.name_en, rank: p.rank, active: p.active })),
    slas: m.slas.map((s) => ({ kind: s.kind, priority: s.priority, responseMinutes: s.response_minutes, resolutionMinutes: s.resolution_minutes })),
    queues: m.queues.map((q) => ({
      code: q.code, name: q.name, nameEn: q.name_en, orgId: q.org_id, active: q.active,
      members: m.members.filter((x) => x.queue_code === q.code).map((x) => ({ id: x.id, name: x.display_name, username: x.username })),
    })),
    skills: m.skills.map((s) => ({ code: s.code, name: s.name, nameEn: s.name_en })),
  };
}

export async function saveSlas(db: Db, actor: Actor, body: SlaBody) {
  const errors: FieldError[] = [];
  body.items.forEach((it, n) => {
    if (it.responseMinutes > it.resolutionMinutes) {
      errors.push(fieldError(`items.${n}.responseMinutes`, 'responseWithinResolution', '响应时限不能长于解决时限', 'must not be longer than the resolution time'));
    }
  });
  if (errors.length) throw invalid(errors);
  await db.transaction().execute(async (trx) => {
    for (const it of body.items) {
      const before = await repo.upsertSla(trx, { kind: it.kind, priority: it.priority, response_minutes: it.responseMinutes, resolution_minutes: it.resolutionMinutes });
      const d = diff({ response_minutes: before?.response_minutes, resolution_minutes: before?.resolution_minutes }, { response_minutes: it.responseMinutes, resolution_minutes: it.resolutionMinutes });
      if (d) await audit(trx, actor, { action: 'update', entity: 'service_sla', entityId: `${it.kind}/${it.priority}`, fields: d.fields, changes: d.changes });
    }
  });
  return meta(db);
}

export async function createCategory(db: Db, actor: Actor, body: CategoryBody) {
  await db.transaction().execute(async (trx) => {
    if (await repo.getCategory(trx, body.code)) throw invalid([fieldError('code', 'taken', '分类代码已存在', 'is already used by another category')]);
    if (body.parentCode && !(await repo.getCategory(trx, body.parentCode))) throw invalid([fieldError('parentCode', 'exists', '上级分类不存在', 'no such category')]);
    const row = { code: body.code, parent_code: body.parentCode ?? null, name: body.name.trim(), name_en: body.nameEn.trim(), kind: body.kind ?? null, sort_order: body.sortOrder ?? 0 };
    await repo.insertCategory(trx, row);
    const d = diff({}, row);
    await audit(trx, actor, { action: 'create', entity: 'service_category', entityId: body.code, fields: d?.fields, changes: d?.changes });
  });
  return meta(db);
}

export async function updateCategory(db: Db, actor: Actor, code: string, body: CategoryPatch) {
  await db.transaction().execute(async (trx) => {
    const cur = await repo.getCategory(trx, code);
    if (!cur) throw notFound({ zh: '服务分类不存在', en: 'Category not found' });
    const next = { name: body.name?.trim(), name_en: body.nameEn?.trim(), kind: body.kind, active: body.active, sort_order: body.sortOrder };
    const d = diff(cur, next);
    if (!d) return;
    await repo.updateCategory(trx, code, Object.fromEntries(Object.entries(next).filter(([, v]) => v !== undefined)));
    await audit(trx, actor, { action: 'update', entity: 'service_category', entityId: code, fields: d.fields, changes: d.changes });
  });
  return meta(db);
}

export async function updatePriority(db: Db, actor: Actor, code: Priority, body: PriorityPatch) {
  await db.transaction().execute(async (trx) => {
    const cur = await repo.getPriority(trx, code);
    if (!cur) throw notFound();
    const next = { name: body.name?.trim(), name_en: body.nameEn?.trim(), rank: body.rank, active: body.active };
    const d = diff(cur, next);
    if (!d) return;
    await repo.updatePriority(trx, code, Object.fromEntries(Object.entries(next).filter(([, v]) => v !== undefined)));
    await audit(trx, actor, { action: 'update', entity: 'service_priority', entityId: code, fields: d.fields, changes: d.changes });
  });
  return meta(db);
}

export async function createQueue(db: Db, actor: Actor, body: QueueBody) {
  await db.transaction().execute(async (trx) => {
    if (await repo.getQueue(trx, body.code)) throw invalid([fieldError('code', 'taken', '队列代码已存在', 'is already used by another queue')]);
    const row = { code: body.code, name: body.name.trim(), name_en: body.nameEn.trim(), org_id: body.orgId ?? null };
    await repo.insertQueue(trx, row);
    const d = diff({}, row);
    await audit(trx, actor, { action: 'create', entity: 'service_queue', entityId: body.code, fields: d?.fields, changes: d?.changes });
  });
  return meta(db);
}

/**
 * Replaces a queue's members. A supervisor changes only staff of their own scope: whom they add and whom they
 * remove; members outside it may stay listed as they are (a branch manager cannot empty a bank-wide queue).
 */
export async function setQueueMembers(db: Db, user: CurrentUser, actor: Actor, code: string, userIds: number[]) {
  const ids = [...new Set(userIds)];
  await db.transaction().execute(async (trx) => {
    // Locked first: the members read next are those a concurrent change committed (READ COMMITTED reads afresh).
    if (!(await repo.lockQueue(trx, code))) throw notFound({ zh: '服务队列不存在', en: 'Queue not found' });
    const current = await repo.queueMemberIds(trx, code);
    const found = await repo.activeUsersExist(trx, ids);
    const inScope = await repo.usersInStaffScope(trx, user, [...new Set([...ids, ...current])]);
    const errors: FieldError[] = [];
    userIds.forEach((id, n) => {
      if (userIds.indexOf(id) !== n) return;
      if (!found.includes(id) && !current.includes(id)) errors.push(fieldError(`userIds.${n}`, 'exists', '用户不存在或已停用', 'no such active user'));
      else if (!inScope.includes(id) && !current.includes(id)) errors.push(fieldError(`userIds.${n}`, 'scope', '该员工不在您的管辖范围内', 'is not a member of staff inside your scope'));
    });
    const removedOutside = current.filter((id) => !ids.includes(id) && !inScope.includes(id));
    if (removedOutside.length) {
      errors.push(fieldError('userIds', 'scope', `不能移除您管辖范围以外的队列成员（${removedOutside.length} 人），请保留他们`, `would remove ${removedOutside.length} member(s) outside your scope; keep them in the list`));
    }
    if (errors.length) throw invalid(errors);
    const before = await repo.replaceQueueMembers(trx, code, ids);
    await audit(trx, actor, { action: 'update', entity: 'service_queue', entityId: code, fields: ['members'], changes: { members: { from: before, to: ids } } });
  });
  return meta(db);
}

// ---------------------------------------------------------------- requests

/**
 * An assignee sees the request and its customer (requestScope), so they must be someone the user may give work to:
 * active, inside the user's staff scope (as for dispatch and skills), allowed to handle service requests.
 */
async function checkAssignee(db: Db, user: CurrentUser, assigneeId: number, field = 'assigneeId') {
  const u = await repo.getActiveUser(db, assigneeId);
  if (!u) return fieldError(field, 'exists', '处理人不存在或已停用', 'no such active user');
  if (!(await repo.userInStaffScope(db, user, assigneeId))) return fieldError(field, 'scope', '处理人不在您的管辖范围内', 'is not a member of staff inside your scope');
  if (!u.permissions.includes('service:handle')) return fieldError(field, 'canHandle', '该用户没有处理服务请求的权限', 'this user may not handle service requests');
  return null;
}

export async function create(db: Db, user: CurrentUser, actor: Actor, body: CreateRequestBody, now: Date) {
  const errors: FieldError[] = [];
  const customer = await repo.getCustomerInScope(db, user, body.customerNo);
  if (!customer) throw notFound(CUSTOMER_NOT_FOUND);
  if (body.categoryCode) {
    const cat = await repo.getCategory(db, body.categoryCode);
    if (!cat || !cat.active) errors.push(fieldError('categoryCode', 'exists', '服务分类不存在或已停用', 'no such active category'));
    else if (cat.kind && cat.kind !== body.kind) errors.push(fieldError('categoryCode', 'kind', '该分类不属于所选的请求类型', 'does not belong to the chosen kind'));
  }
  const priority = await repo.getPriority(db, body.priority);
  if (!priority?.active) errors.push(fieldError('priority', 'active', '该优先级已停用', 'this priority is not in use'));
  if (body.queueCode) {
    const q = await repo.getQueue(db, body.queueCode);
    if (!q || !q.active) errors.push(fieldError('queueCode', 'exists', '服务队列不存在或已停用', 'no such active queue'));
  }
  if (body.assigneeId) {
    const e = await checkAssignee(db, user, body.assigneeId);
    if (e) errors.push(e);
  }
  const sla = await repo.getSla(db, body.kind, body.priority);
  if (!sla) errors.push(fieldError('priority', 'sla', '该类型与优先级没有配置服务时限', 'no SLA is configured for this kind and priority'));
  if (errors.length) throw invalid(errors);
  const subject = body.subject.trim();
  const description = (body.description ?? '').trim();
  const reqNo = await db.transaction().execute(async (trx) => {
    const reqNo = await repo.nextReqNo(trx, now);
    const row = {
      req_no: reqNo, customer_id: customer.id, kind: body.kind, category_code: body.categoryCode ?? null, priority: body.priority, channel: body.channel,
      status: 'open' as const, assignee_id: body.assigneeId ?? null, queue_code: body.queueCode ?? null, org_id: customer.org_id, subject, description,
      text_grams: textTokens(`${subject} ${description}`),
      response_due_at: new Date(now.getTime() + sla!.response_minutes * MINUTE), due_at: new Date(now.getTime() + sla!.resolution_minutes * MINUTE),
      created_by: user.id, created_at: now, updated_at: now,
    };
    const { id } = await repo.insertRequest(trx, row);
    await repo.insertStep(trx, { request_id: id, customer_id: customer.id, action: 'create', to_status: 'open', user_id: user.id, note: null, created_at: now });
    if (row.assignee_id || row.queue_code) {
      await repo.insertStep(trx, { request_id: id, customer_id: customer.id, action: 'assign', user_id: user.id, to_user_id: row.assignee_id, queue_code: row.queue_code, from_status: 'open', to_status: 'open', note: null, created_at: now });
    }
    const { text_grams: _g, ...audited } = row;
    const d = diff({}, audited);
    await audit(trx, actor, { action: 'create', entity: 'service_request', entityId: reqNo, customerId: customer.id, fields: d?.fields, changes: d?.changes });
    return reqNo;
  });
  return detail(db, user, reqNo, now);
}

export async function detail(db: Db, user: CurrentUser, reqNo: string, now: Date) {
  const r = await repo.getRequest(db, user, reqNo);
  if (!r) throw notFound(REQUEST_NOT_FOUND);
  const [steps, similar] = await Promise.all([
    repo.listSteps(db, r.id),
    findSimilar(db, user, { kind: r.kind, categoryCode: r.category_code, subject: r.subject, description: r.description, excludeId: r.id }),
  ]);
  return {
    ...presentRequest(r, now),
    steps: steps.map((s) => ({ id: s.id, action: s.action, note: s.note, fromStatus: s.from_status, toStatus: s.to_status, user: s.user_name ?? null, toUser: s.to_user_name, queueCode: s.queue_code, at: s.created_at })),
    similar,
    can: permissionsOn(user, r),
  };
}

/** What the user may do with this request now, so the UI shows only the actions that will work. */
function permissionsOn(user: CurrentUser, r: Row) {
  const handler = can(user, 'service:handle');
  const works = mayWork(user, r);
  const open = isOpen(r.status);
  return {
    assign: handler && open && (r.assignee_id === null || r.assignee_id === user.id || isSupervisor(user)),
    take: handler && open && r.assignee_id !== user.id && (r.assignee_id === null || isSupervisor(user)),
    respond: works && open,
    wait: works && (r.status === 'open' || r.status === 'in_progress'),
    resolve: works && open,
    close: r.status === 'resolved' && (works || r.created_by === user.id),
    reopen: handler && (r.status === 'resolved' || r.status === 'closed'),
    archive: isSupervisor(user) && (r.status === 'resolved' || r.status === 'closed'),
  };
}

/** The assignee works a request; a supervisor may step in; an unassigned one is anyone's (they take it). */
function mayWork(user: CurrentUser, r: Row) {
  if (!can(user, 'service:handle')) return false;
  return r.assignee_id === user.id || r.assignee_id === null || isSupervisor(user);
}

export async function findSimilar(db: Db, user: CurrentUser, p: { kind: RequestKind; categoryCode?: string | null; subject?: string; description?: string; excludeId?: number }) {
  const tokens = textTokens(`${p.subject ?? ''} ${p.description ?? ''}`);
  const rows = await repo.findSimilar(db, user, { kind: p.kind, categoryCode: p.categoryCode ?? null, tokens, excludeId: p.excludeId, limit: 5 });
  return rows
    .map((r) => ({
      reqNo: r.req_no, kind: r.kind, categoryCode: r.category_code, categoryName: r.category_name, categoryNameEn: r.category_name_en, subject: r.subject,
      status: r.status, resolution: r.resolution, rootCause: r.root_cause, preventiveAction: r.preventive_action, resolvedAt: r.resolved_at,
      satisfaction: r.satisfaction, score: Math.round(similarityScore(r.common, tokens.length, r.case_tokens, !!p.categoryCode && r.category_code === p.categoryCode) * 100) / 100,
    }))
    .filter((r) => r.score >= 0.15)
    .sort((a, b) => b.score - a.score)
    .slice(0, 5);
}

function conflict(status: RequestStatus) {
  return new AppError('CONFLICT', { zh: `请求当前状态（${status}）不允许此操作`, en: `Not possible while the request is ${status}` });
}

/**
 * Runs one handling action on a locked request: `fn` returns the change and the step to record; the
 * update, the step and the audit row commit together.
 */
async function act(
  db: Db, user: CurrentUser, actor: Actor, reqNo: string, now: Date,
  fn: (r: Row) => Promise<{ patch: Parameters<typeof repo.updateRequest>[2]; action: StepAction; note?: string | null; toUserId?: number | null; queueCode?: string | null }>,
) {
  await db.transaction().execute(async (trx) => {
    const r = await repo.getRequest(trx, user, reqNo, true);
    if (!r) throw notFound(REQUEST_NOT_FOUND);
    const { patch, action, note, toUserId, queueCode } = await fn(r);
    await repo.updateRequest(trx, r.id, patch);
    const toStatus = (patch.status as RequestStatus | undefined) ?? r.status;
    await repo.insertStep(trx, {
      request_id: r.id, customer_id: r.customer_id, action, note: note ?? null, from_status: r.status, to_status: toStatus,
      user_id: user.id, to_user_id: toUserId ?? null, queue_code: queueCode ?? null, created_at: now,
    });
    const d = diff(r as unknown as Record<string, unknown>, patch as Record<string, unknown>);
    await audit(trx, actor, { action, entity: 'service_request', entityId: r.req_no, customerId: r.customer_id, fields: d?.fields, changes: { ...d?.changes, note: note ?? undefined } });
  });
  return detail(db, user, reqNo, now);
}

export function assign(db: Db, user: CurrentUser, actor: Actor, reqNo: string, body: AssignBody, now: Date) {
  return act(db, user, actor, reqNo, now, async (r) => {
    if (!isOpen(r.status)) throw conflict(r.status);
    if (r.assignee_id !== null && r.assignee_id !== user.id && !isSupervisor(user)) throw forbidden();
    if (!body.assigneeId && !body.queueCode) throw invalid([fieldError('assigneeId', 'required', '请指定处理人或队列', 'name a person or a queue')]);
    const errors: FieldError[] = [];
    if (body.assigneeId) {
      const e = await checkAssignee(db, user, body.assigneeId);
      if (e) errors.push(e);
    }
    if (body.queueCode && !(await repo.getQueue(db, body.queueCode))?.active) errors.push(fieldError('queueCode', 'exists', '服务队列不存在或已停用', 'no such active queue'));
    if (errors.length) throw invalid(errors);
    // Sending to a queue alone leaves it unassigned for a queue member to take.
    const assigneeId = body.assigneeId ?? null;
    return {
      patch: { assignee_id: assigneeId, queue_code: body.queueCode ?? r.queue_code },
      action: 'assign', note: body.note?.trim() || null, toUserId: assigneeId, queueCode: body.queueCode ?? null,
    };
  });
}

export function take(db: Db, user: CurrentUser, actor: Actor, reqNo: string, now: Date) {
  return act(db, user, actor, reqNo, now, async (r) => {
    if (!isOpen(r.status)) throw conflict(r.status);
    if (r.assignee_id === user.id) throw new AppError('CONFLICT', { zh: '该请求已由您处理', en: 'You already hold this request' });
    if (r.assignee_id !== null && !isSupervisor(user)) throw new AppError('CONFLICT', { zh: '该请求已由他人处理', en: 'Someone else already holds this request' });
    return { patch: { assignee_id: user.id, status: r.status === 'open' ? 'in_progress' : r.status }, action: 'take', toUserId: user.id };
  });
}

/** A reply or a handling note; the first one stops the response clock. */
export function respond(db: Db, user: CurrentUser, actor: Actor, reqNo: string, note: string, now: Date) {
  return act(db, user, actor, reqNo, now, async (r) => {
    if (!isOpen(r.status)) throw conflict(r.status);
    if (!mayWork(user, r)) throw forbidden();
    return {
      patch: { status: 'in_progress', responded_at: r.responded_at ?? now, assignee_id: r.assignee_id ?? user.id },
      action: 'respond', note: note.trim(), toUserId: r.assignee_id ? null : user.id,
    };
  });
}

export function waitForCustomer(db: Db, user: CurrentUser, actor: Actor, reqNo: string, note: string, now: Date) {
  return act(db, user, actor, reqNo, now, async (r) => {
    if (r.status !== 'open' && r.status !== 'in_progress') throw conflict(r.status);
    if (!mayWork(user, r)) throw forbidden();
    return { patch: { status: 'pending_customer', responded_at: r.responded_at ?? now, assignee_id: r.assignee_id ?? user.id }, action: 'wait', note: note.trim() };
  });
}

export function resolve(db: Db, user: CurrentUser, actor: Actor, reqNo: string, body: ResolveBody, now: Date) {
  return act(db, user, actor, reqNo, now, async (r) => {
    if (!isOpen(r.status)) throw conflict(r.status);
    if (!mayWork(user, r)) throw forbidden();
    const rootCause = body.rootCause?.trim() || null;
    const preventive = body.preventiveAction?.trim() || null;
    // A complaint is archived so its cause does not recur: both must be stated before it is resolved.
    if (r.kind === 'complaint') {
      const errors: FieldError[] = [];
      if (!rootCause) errors.push(fieldError('rootCause', 'requiredForComplaint', '投诉必须填写根本原因', 'is required for a complaint'));
      if (!preventive) errors.push(fieldError('preventiveAction', 'requiredForComplaint', '投诉必须填写预防措施', 'is required for a complaint'));
      if (errors.length) throw invalid(errors);
    }
    return {
      patch: {
        status: 'resolved', resolution: body.resolution.trim(), root_cause: rootCause ?? r.root_cause, preventive_action: preventive ?? r.preventive_action,
        resolved_at: now, responded_at: r.responded_at ?? now, assignee_id: r.assignee_id ?? user.id,
      },
      action: 'resolve', note: body.resolution.trim(),
    };
  });
}

export function close(db: Db, user: CurrentUser, actor: Actor, reqNo: string, body: CloseBody, now: Date) {
  return act(db, user, actor, reqNo, now, async (r) => {
    if (r.status !== 'resolved') throw conflict(r.status);
    if (!mayWork(user, r) && r.created_by !== user.id) throw forbidden();
    return {
      patch: { status: 'closed', closed_at: now, satisfaction: body.satisfaction ?? null, satisfaction_note: body.satisfactionNote?.trim() || null },
      action: 'close', note: body.satisfaction ? `satisfaction ${body.satisfaction}${body.satisfactionNote ? `: ${body.satisfactionNote.trim()}` : ''}` : body.satisfactionNote?.trim() || null,
    };
  });
}

export function reopen(db: Db, user: CurrentUser, actor: Actor, reqNo: string, reason: string, now: Date) {
  return act(db, user, actor, reqNo, now, async (r) => {
    if (r.status !== 'resolved' && r.status !== 'closed') throw conflict(r.status);
    // The original deadline stands: a reopened case was not solved in time.
    return { patch: { status: 'in_progress', resolved_at: null, closed_at: null, satisfaction: null, satisfaction_note: null }, action: 'reopen', note: reason.trim() };
  });
}

export function updateArchive(db: Db, user: CurrentUser, actor: Actor, reqNo: string, body: { rootCause: string; preventiveAction: string }, now: Date) {
  return act(db, user, actor, reqNo, now, async (r) => {
    if (r.status !== 'resolved' && r.status !== 'closed') throw conflict(r.status);
    return { patch: { root_cause: body.rootCause.trim(), preventive_action: body.preventiveAction.trim() }, action: 'archive' };
  });
}

function requestFilter(user: CurrentUser, q: RequestQuery): repo.RequestFilter {
  return {
    q: q.q?.trim() || undefined, status: q.status, open: q.open, kind: q.kind, priority: q.priority, categoryCode: q.categoryCode, channel: q.channel,
    assigneeId: q.assigneeId, queueCode: q.queueCode, customerNo: q.customerNo, breached: q.breached, escalated: q.escalated,
    mine: q.mine ? user.id : undefined, from: q.from, to: q.to,
  };
}

/** A list filtered by one customer answers 404 for a customer outside the data scope, as contacts and the 360° view do. */
export async function customerFilterInScope(db: Db, user: CurrentUser, customerNo: string | undefined) {
  if (customerNo !== undefined && !(await repo.getCustomerInScope(db, user, customerNo))) throw notFound(CUSTOMER_NOT_FOUND);
}

export async function list(db: Db, user: CurrentUser, q: RequestQuery, now: Date) {
  await customerFilterInScope(db, user, q.customerNo);
  const page = q.page ?? 1;
  const pageSize = q.pageSize ?? 20;
  const { rows, total } = await repo.listRequests(db, user, requestFilter(user, q), now, pageSize, (page - 1) * pageSize);
  return { items: rows.map((r) => presentRequest(r, now)), total, page, pageSize, now };
}

export const exportFilter = requestFilter;

export function archiveFilter(q: ArchiveQuery): repo.RequestFilter {
  return { q: q.q?.trim() || undefined, kind: q.kind, categoryCode: q.categoryCode, from: q.from, to: q.to, archive: true };
}

export async function archive(db: Db, user: CurrentUser, q: ArchiveQuery, now: Date) {
  const page = q.page ?? 1;
  const pageSize = q.pageSize ?? 20;
  const { rows, total } = await repo.listRequests(db, user, archiveFilter(q), now, pageSize, (page - 1) * pageSize);
  return { items: rows.map((r) => presentRequest(r, now)), total, page, pageSize };
}

export async function dashboard(db: Db, user: CurrentUser, now: Date, soonMinutes: number) {
  const d = await repo.dashboard(db, user, now, new Date(now.getTime() + soonMinutes * MINUTE));
  const counts = (x: { open: number; due_soon: number; breached: number; escalated: number }) => ({ open: x.open, dueSoon: x.due_soon, breached: x.breached, escalated: x.escalated });
  return {
    now, soonMinutes,
    totals: { ...counts(d.totals), escalatedToMe: d.totals.escalated_to_me, unassigned: d.totals.unassigned },
    byAssignee: d.byAssignee.map((x) => ({ id: x.id, name: x.name, ...counts(x) })),
    byQueue: d.byQueue.map((x) => ({ code: x.code, name: x.name, nameEn: x.name_en, ...counts(x) })),
    byTeam: d.byTeam.map((x) => ({ id: x.id, name: x.name, nameEn: x.name_en, ...counts(x) })),
    items: d.items.map((r) => presentRequest(r, now)),
  };
}

// ---------------------------------------------------------------- escalation (the job)

/**
 * Escalates every breached request not yet escalated, to the supervisor of the assignee's org (or the
 * request's org when unassigned): marks it breached and escalated, records a step and an audit row.
 * Idempotent: a request once escalated is never picked again.
 */
export async function escalateBreached(db: Db, now: Date): Promise<number> {
  const BATCH = 200;
  let total = 0;
  for (;;) {
    const n = await db.transaction().execute(async (trx) => {
      const rows = await repo.lockBreachedUnescalated(trx, now, BATCH);
      for (const r of rows) {
        const supervisor = await repo.findSupervisor(trx, r.assignee_org_id ?? r.org_id, r.assignee_id);
        const breachedAt = r.breached_at ?? r.due_at;
        await repo.updateRequest(trx, r.id, { breached_at: breachedAt, escalated_at: now, escalated_to: supervisor });
        await repo.insertStep(trx, {
          request_id: r.id, customer_id: r.customer_id, action: 'escalate', from_status: r.status, to_status: r.status, user_id: null, to_user_id: supervisor,
          note: null, created_at: now,
        });
        await audit(trx, SYSTEM_ACTOR, {
          action: 'escalate', entity: 'service_request', entityId: r.req_no, customerId: r.customer_id, fields: ['breached_at', 'escalated_at', 'escalated_to'],
          changes: { breached_at: { from: r.breached_at, to: breachedAt }, escalated_at: { from: null, to: now }, escalated_to: { from: null, to: supervisor } },
        });
      }
      return rows.length;
    });
    total += n;
    if (n < BATCH) return total;
  }
}

// ---------------------------------------------------------------- outbound

function presentOutbound(r: Awaited<ReturnType<typeof repo.listOutbound>>['rows'][number]) {
  return {
    id: r.id, kind: r.kind, purpose: r.purpose, plannedAt: r.planned_at, status: r.status, doneAt: r.done_at, outcome: r.outcome, outcomeNote: r.outcome_note,
    customer: { customerNo: r.customer_no, name: r.customer_name }, owner: { id: r.owner_id, name: r.owner_name }, reqNo: r.req_no, createdAt: r.created_at,
  };
}

export async function listOutbound(db: Db, user: CurrentUser, q: OutboundQuery) {
  await customerFilterInScope(db, user, q.customerNo);
  const page = q.page ?? 1;
  const pageSize = q.pageSize ?? 20;
  const { rows, total } = await repo.listOutbound(db, user, q, pageSize, (page - 1) * pageSize);
  return { items: rows.map(presentOutbound), total, page, pageSize };
}

export async function planOutbound(db: Db, user: CurrentUser, actor: Actor, body: OutboundBody) {
  const customer = await repo.getCustomerInScope(db, user, body.customerNo);
  if (!customer) throw notFound(CUSTOMER_NOT_FOUND);
  const ownerId = body.ownerId ?? user.id;
  const errors: FieldError[] = [];
  if (ownerId !== user.id && !(await repo.userInStaffScope(db, user, ownerId))) errors.push(fieldError('ownerId', 'scope', '只能安排给您管辖范围内的员工', 'must be a member of staff inside your scope'));
  let requestId: number | null = null;
  if (body.reqNo) {
    requestId = (await repo.getRequestIdByNo(db, body.reqNo, customer.id))?.id ?? null;
    if (!requestId) errors.push(fieldError('reqNo', 'exists', '该客户没有这个服务请求', 'this customer has no such service request'));
  }
  if (errors.length) throw invalid(errors);
  const id = await db.transaction().execute(async (trx) => {
    const row = { customer_id: customer.id, kind: body.kind, purpose: body.purpose.trim(), planned_at: body.plannedAt, owner_id: ownerId, request_id: requestId, created_by: user.id };
    const { id } = await repo.insertOutbound(trx, row);
    const d = diff({}, row);
    await audit(trx, actor, { action: 'create', entity: 'service_outbound', entityId: id, customerId: customer.id, fields: d?.fields, changes: d?.changes });
    return id;
  });
  return getOutbound(db, user, id);
}

async function getOutbound(db: Db, user: CurrentUser, id: number) {
  const r = await repo.getOutbound(db, user, id);
  if (!r) throw notFound();
  return presentOutbound(r);
}

export async function recordOutbound(db: Db, user: CurrentUser, actor: Actor, id: number, body: OutboundRecordBody | null, now: Date) {
  await db.transaction().execute(async (trx) => {
    const r = await repo.getOutbound(trx, user, id);
    if (!r) throw notFound();
    if (r.status !== 'planned') throw new AppError('CONFLICT', { zh: '该外呼/走访已记录或已取消', en: 'This call or visit is already recorded or cancelled' });
    if (r.owner_id !== user.id && !isSupervisor(user) && !can(user, 'service:handle')) throw forbidden();
    const patch = body
      ? { status: 'done' as const, outcome: body.outcome, outcome_note: body.note?.trim() || null, done_at: body.doneAt ? new Date(body.doneAt) : now }
      : { status: 'cancelled' as const, done_at: now };
    await repo.updateOutbound(trx, id, patch);
    const d = diff(r as unknown as Record<string, unknown>, patch);
    await audit(trx, actor, { action: body ? 'record' : 'cancel', entity: 'service_outbound', entityId: id, customerId: r.customer_id, fields: d?.fields, changes: d?.changes });
  });
  return getOutbound(db, user, id);
}

// ---------------------------------------------------------------- staff, dispatch

export async function listStaff(db: Db, user: CurrentUser) {
  const rows = await repo.listStaff(db, user);
  return { items: rows.map((r) => ({ id: r.id, username: r.username, name: r.display_name, orgName: r.org_name, orgNameEn: r.org_name_en, roleName: r.role_name, roleNameEn: r.role_name_en, skills: r.skills })) };
}

export async function setSkills(db: Db, user: CurrentUser, actor: Actor, userId: number, skills: { code: string; level: number }[]) {
  const codes = skills.map((s) => s.code);
  const known = await repo.skillsExist(db, codes);
  const errors: FieldError[] = [];
  skills.forEach((s, n) => {
    if (!known.includes(s.code)) errors.push(fieldError(`skills.${n}.code`, 'exists', '技能不存在', 'no such skill'));
    if (codes.indexOf(s.code) !== n) errors.push(fieldError(`skills.${n}.code`, 'duplicate', '技能重复', 'is listed twice'));
  });
  if (errors.length) throw invalid(errors);
  await db.transaction().execute(async (trx) => {
    if (!(await repo.userInStaffScope(trx, user, userId))) throw notFound({ zh: '员工不存在', en: 'Staff member not found' });
    const before = await repo.replaceSkills(trx, userId, skills);
    await audit(trx, actor, { action: 'update', entity: 'staff_skill', entityId: userId, fields: ['skills'], changes: { skills: { from: before.map((b) => ({ code: b.skill_code, level: b.level })), to: skills } } });
  });
  return listStaff(db, user);
}

function slotErrors(startsAt: string, endsAt: string): FieldError[] {
  return new Date(endsAt) <= new Date(startsAt) ? [fieldError('endsAt', 'afterStart', '结束时间必须晚于开始时间', 'must be after the start')] : [];
}

export async function addLeave(db: Db, user: CurrentUser, actor: Actor, userId: number, body: { startsAt: string; endsAt: string; reason?: string }) {
  const errors = slotErrors(body.startsAt, body.endsAt);
  if (errors.length) throw invalid(errors);
  if (userId !== user.id && !isSupervisor(user)) throw forbidden();
  const id = await db.transaction().execute(async (trx) => {
    if (!(await repo.userInStaffScope(trx, user, userId)) && userId !== user.id) throw notFound({ zh: '员工不存在', en: 'Staff member not found' });
    const row = { user_id: userId, starts_at: new Date(body.startsAt), ends_at: new Date(body.endsAt), reason: body.reason?.trim() ?? '' };
    const { id } = await repo.insertLeave(trx, row);
    await audit(trx, actor, { action: 'create', entity: 'staff_leave', entityId: id, changes: row });
    return id;
  });
  return { id };
}

export async function listLeaves(db: Db, user: CurrentUser, now: Date) {
  const rows = await repo.listLeaves(db, user, now);
  return { items: rows.map((r) => ({ id: r.id, userId: r.user_id, name: r.display_name, startsAt: r.starts_at, endsAt: r.ends_at, reason: r.reason })) };
}

/**
 * Staff who could take a field job in the slot, best first: available (not on leave, no other
 * dispatch overlapping) before unavailable; then working in the customer's branch; then the higher
 * skill level; then the lighter load that day.
 */
export async function candidates(db: Db, user: CurrentUser, q: CandidatesQuery) {
  const errors = slotErrors(q.startsAt, q.endsAt);
  if (errors.length) throw invalid(errors);
  let customerOrgId: number | null = null;
  if (q.customerNo) {
    const c = await repo.getCustomerInScope(db, user, q.customerNo);
    if (!c) throw notFound(CUSTOMER_NOT_FOUND);
    customerOrgId = c.org_id;
  }
  const rows = await repo.dispatchCandidates(db, user, { skill: q.skill, startsAt: new Date(q.startsAt), endsAt: new Date(q.endsAt), customerOrgId });
  const ranked = rows
    .map((r) => ({
      id: r.id, name: r.display_name, username: r.username, orgName: r.org_name, orgNameEn: r.org_name_en, level: r.level,
      onLeave: r.on_leave, busy: r.busy, load: r.load, near: r.near, available: !r.on_leave && !r.busy,
    }))
    .sort((a, b) => Number(b.available) - Number(a.available) || Number(b.near) - Number(a.near) || b.level - a.level || a.load - b.load || a.id - b.id);
  return { items: ranked };
}

export async function dispatch(db: Db, user: CurrentUser, actor: Actor, body: DispatchBody) {
  const errors = slotErrors(body.startsAt, body.endsAt);
  const customer = await repo.getCustomerInScope(db, user, body.customerNo);
  if (!customer) throw notFound(CUSTOMER_NOT_FOUND);
  if (!(await repo.skillsExist(db, [body.skill])).length) errors.push(fieldError('skill', 'exists', '技能不存在', 'no such skill'));
  let requestId: number | null = null;
  if (body.reqNo) {
    requestId = (await repo.getRequestIdByNo(db, body.reqNo, customer.id))?.id ?? null;
    if (!requestId) errors.push(fieldError('reqNo', 'exists', '该客户没有这个服务请求', 'this customer has no such service request'));
  }
  if (errors.length) throw invalid(errors);
  const startsAt = new Date(body.startsAt);
  const endsAt = new Date(body.endsAt);
  const id = await db.transaction().execute(async (trx) => {
    const staff = await repo.userInStaffScope(trx, user, body.assigneeId);
    if (!staff) throw invalid([fieldError('assigneeId', 'scope', '员工不存在或不在您的管辖范围内', 'no such member of staff inside your scope')]);
    await repo.lockStaff(trx, body.assigneeId);
    if (!(await repo.hasSkill(trx, body.assigneeId, body.skill))) throw invalid([fieldError('assigneeId', 'skill', '该员工不具备所需技能', 'does not have the required skill')]);
    const c = await repo.slotConflicts(trx, body.assigneeId, startsAt, endsAt);
    if (c.onLeave) throw invalid([fieldError('assigneeId', 'onLeave', '该员工在此时段休假', 'is on leave in this slot')]);
    if (c.busy) throw invalid([fieldError('assigneeId', 'busy', '该员工在此时段已有派工', 'already has a dispatch in this slot')]);
    const row = { customer_id: customer.id, request_id: requestId, assignee_id: body.assigneeId, skill_code: body.skill, starts_at: startsAt, ends_at: endsAt, address: body.address?.trim() ?? '', task: body.task.trim(), created_by: user.id };
    const { id } = await repo.insertDispatch(trx, row);
    if (requestId) {
      await repo.insertStep(trx, { request_id: requestId, customer_id: customer.id, action: 'dispatch', user_id: user.id, to_user_id: body.assigneeId, note: `${body.skill}: ${row.task}` });
    }
    const d = diff({}, row);
    await audit(trx, actor, { action: 'create', entity: 'service_dispatch', entityId: id, customerId: customer.id, fields: d?.fields, changes: d?.changes });
    return id;
  });
  return getDispatch(db, user, id);
}

function presentDispatch(r: Awaited<ReturnType<typeof repo.listDispatches>>['rows'][number]) {
  return {
    id: r.id, skill: { code: r.skill_code, name: r.skill_name, nameEn: r.skill_name_en }, startsAt: r.starts_at, endsAt: r.ends_at, address: r.address, task: r.task,
    status: r.status, outcome: r.outcome, doneAt: r.done_at, customer: { customerNo: r.customer_no, name: r.customer_name },
    assignee: { id: r.assignee_id, name: r.assignee_name }, reqNo: r.req_no, createdAt: r.created_at,
  };
}

async function getDispatch(db: Db, user: CurrentUser, id: number) {
  const r = await repo.getDispatch(db, user, id);
  if (!r) throw notFound();
  return presentDispatch(r);
}

export async function listDispatches(db: Db, user: CurrentUser, q: DispatchQuery) {
  const page = q.page ?? 1;
  const pageSize = q.pageSize ?? 20;
  const { rows, total } = await repo.listDispatches(db, user, q, pageSize, (page - 1) * pageSize);
  return { items: rows.map(presentDispatch), total, page, pageSize };
}

export async function recordDispatch(db: Db, user: CurrentUser, actor: Actor, id: number, body: DispatchRecordBody, now: Date) {
  await db.transaction().execute(async (trx) => {
    const r = await repo.getDispatch(trx, user, id);
    if (!r) throw notFound();
    if (r.status !== 'dispatched') throw new AppError('CONFLICT', { zh: '该派工已完成或已取消', en: 'This dispatch is already finished or cancelled' });
    if (r.assignee_id !== user.id && !isSupervisor(user)) throw forbidden();
    const patch = { status: body.status, outcome: body.outcome.trim(), done_at: now };
    await repo.updateDispatch(trx, id, patch);
    const d = diff(r as unknown as Record<string, unknown>, patch);
    await audit(trx, actor, { action: body.status === 'done' ? 'record' : 'cancel', entity: 'service_dispatch', entityId: id, customerId: r.customer_id, fields: d?.fields, changes: d?.changes });
  });
  return getDispatch(db, user, id);
}
