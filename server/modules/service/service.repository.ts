import { sql, type Expression, type Insertable, type SqlBool, type Updateable } from 'kysely';
import { bankDateCompact } from '../../platform/bank-time.ts';
import type { Db } from '../../db/database.ts';
import { containing } from '../../platform/like.ts';
import { customerScope, staffScope, type ScopeSubject } from '../../platform/scope.ts';
import type {
  Priority, RequestKind, RequestStatus, ServiceDispatchTable, ServiceOutboundTable, ServiceRequestStepTable, ServiceRequestTable,
} from './service.table.ts';

/** Statuses in which the SLA clock runs and the request can breach. */
export const OPEN_STATUSES: RequestStatus[] = ['open', 'in_progress', 'pending_customer'];

/**
 * Which requests `user` may see: those of customers inside the data scope (customerScope on the
 * joined `customer c`), plus — for managers who do not own the customer — those assigned or
 * escalated to them, and unassigned ones waiting in a queue they belong to.
 */
export function requestScope(user: ScopeSubject, r = 'r', c = 'c'): Expression<SqlBool> {
  const col = (x: string) => sql.ref(`${r}.${x}`);
  return sql<boolean>`(${customerScope(user, c)} OR ${col('assignee_id')} = ${user.id} OR ${col('escalated_to')} = ${user.id}
    OR (${col('assignee_id')} IS NULL AND ${col('queue_code')} IN (SELECT m.queue_code FROM service_queue_member m WHERE m.user_id = ${user.id})))`;
}

// ---------------------------------------------------------------- code tables

export async function getMeta(db: Db) {
  const [categories, priorities, slas, queues, members, skills] = await Promise.all([
    db.selectFrom('service_category').selectAll().orderBy('sort_order').orderBy('code').execute(),
    db.selectFrom('service_priority').selectAll().orderBy('rank').execute(),
    db.selectFrom('service_sla').selectAll().orderBy('kind').execute(),
    db.selectFrom('service_queue').selectAll().orderBy('code').execute(),
    db.selectFrom('service_queue_member as m').innerJoin('app_user as u', 'u.id', 'm.user_id')
      .select(['m.queue_code', 'u.id', 'u.display_name', 'u.username']).orderBy('u.username').execute(),
    db.selectFrom('service_skill').selectAll().orderBy('code').execute(),
  ]);
  return { categories, priorities, slas, queues, members, skills };
}

export function getSla(db: Db, kind: RequestKind, priority: Priority) {
  return db.selectFrom('service_sla').selectAll().where('kind', '=', kind).where('priority', '=', priority).executeTakeFirst();
}

export async function upsertSla(db: Db, row: { kind: RequestKind; priority: Priority; response_minutes: number; resolution_minutes: number }) {
  const before = await db.selectFrom('service_sla').selectAll().where('kind', '=', row.kind).where('priority', '=', row.priority).forUpdate().executeTakeFirst();
  await db.insertInto('service_sla').values(row)
    .onConflict((oc) => oc.columns(['kind', 'priority']).doUpdateSet({ response_minutes: row.response_minutes, resolution_minutes: row.resolution_minutes, updated_at: sql`now()` }))
    .execute();
  return before;
}

export const getCategory = (db: Db, code: string) => db.selectFrom('service_category').selectAll().where('code', '=', code).executeTakeFirst();

export async function insertCategory(db: Db, row: { code: string; parent_code: string | null; name: string; name_en: string; kind: RequestKind | null; sort_order: number }) {
  await db.insertInto('service_category').values(row).execute();
}

export async function updateCategory(db: Db, code: string, patch: { name?: string; name_en?: string; active?: boolean; kind?: RequestKind | null; sort_order?: number }) {
  await db.updateTable('service_category').set(patch).where('code', '=', code).execute();
}

export const getPriority = (db: Db, code: Priority) => db.selectFrom('service_priority').selectAll().where('code', '=', code).executeTakeFirst();

export async function updatePriority(db: Db, code: Priority, patch: { name?: string; name_en?: string; rank?: number; active?: boolean }) {
  await db.updateTable('service_priority').set(patch).where('code', '=', code).execute();
}

export const getQueue = (db: Db, code: string) => db.selectFrom('service_queue').selectAll().where('code', '=', code).executeTakeFirst();

/** The queue row locked for this transaction: changes of one queue's members queue behind each other (empty queue too). */
export const lockQueue = (db: Db, code: string) => db.selectFrom('service_queue').select('code').where('code', '=', code).forUpdate().executeTakeFirst();

export async function insertQueue(db: Db, row: { code: string; name: string; name_en: string; org_id: number | null }) {
  await db.insertInto('service_queue').values(row).execute();
}

export async function queueMemberIds(db: Db, code: string) {
  return (await db.selectFrom('service_queue_member').select('user_id').where('queue_code', '=', code).execute()).map((r) => r.user_id);
}

/** Of `ids`, the users inside `user`'s staff scope (any status). */
export async function usersInStaffScope(db: Db, user: ScopeSubject, ids: number[]) {
  if (!ids.length) return [];
  return (await db.selectFrom('app_user as u').select('u.id').where('u.id', 'in', ids).where(staffScope(user, 'u')).execute()).map((r) => r.id);
}

export async function replaceQueueMembers(db: Db, code: string, userIds: number[]) {
  const before = await db.selectFrom('service_queue_member').select('user_id').where('queue_code', '=', code).execute();
  await db.deleteFrom('service_queue_member').where('queue_code', '=', code).execute();
  if (userIds.length) await db.insertInto('service_queue_member').values(userIds.map((user_id) => ({ queue_code: code, user_id }))).execute();
  return before.map((b) => b.user_id);
}

export async function isQueueMember(db: Db, code: string, userId: number) {
  return !!(await db.selectFrom('service_queue_member').select('user_id').where('queue_code', '=', code).where('user_id', '=', userId).executeTakeFirst());
}

/** An active user with the permissions of their role. */
export function getActiveUser(db: Db, id: number) {
  return db.selectFrom('app_user as u').innerJoin('role as r', 'r.id', 'u.role_id').innerJoin('org_unit as o', 'o.id', 'u.org_id')
    .select(['u.id', 'u.username', 'u.display_name', 'u.org_id', 'o.path as org_path', 'r.permissions', 'r.data_scope'])
    .where('u.id', '=', id).where('u.status', '=', 'active').executeTakeFirst();
}

export async function activeUsersExist(db: Db, ids: number[]) {
  if (!ids.length) return [];
  return (await db.selectFrom('app_user').select('id').where('id', 'in', ids).where('status', '=', 'active').execute()).map((r) => r.id);
}

// ---------------------------------------------------------------- customers

/** The customer, only if inside the user's data scope (else undefined, answered as 404). */
export function getCustomerInScope(db: Db, user: ScopeSubject, customerNo: string) {
  return db.selectFrom('customer as c').select(['c.id', 'c.customer_no', 'c.name', 'c.org_id', 'c.manager_id'])
    .where('c.customer_no', '=', customerNo).where('c.deleted', '=', false).where(customerScope(user, 'c')).executeTakeFirst();
}

// ---------------------------------------------------------------- requests

export async function nextReqNo(db: Db, now: Date): Promise<string> {
  const { n } = await sql<{ n: number }>`SELECT nextval('service_request_no_seq')::int AS n`.execute(db).then((r) => r.rows[0]);
  // The bank's business date (a request at 07:41 Beijing, 23:41 UTC the day before, is the Beijing day's).
  const d = bankDateCompact(now);
  return `SR${d}${String(n).padStart(6, '0')}`;
}

export async function insertRequest(db: Db, row: Insertable<ServiceRequestTable>) {
  return db.insertInto('service_request').values(row).returning(['id', 'req_no']).executeTakeFirstOrThrow();
}

export async function updateRequest(db: Db, id: number, patch: Updateable<ServiceRequestTable>) {
  await db.updateTable('service_request').set({ ...patch, updated_at: sql`now()` }).where('id', '=', id).execute();
}

export async function insertStep(db: Db, step: Insertable<ServiceRequestStepTable>) {
  await db.insertInto('service_request_step').values(step).execute();
}

function requestBase(db: Db) {
  return db.selectFrom('service_request as r')
    .innerJoin('customer as c', 'c.id', 'r.customer_id')
    .leftJoin('app_user as a', 'a.id', 'r.assignee_id')
    .leftJoin('app_user as e', 'e.id', 'r.escalated_to')
    .leftJoin('app_user as cb', 'cb.id', 'r.created_by')
    .leftJoin('service_queue as q', 'q.code', 'r.queue_code')
    .leftJoin('service_category as cat', 'cat.code', 'r.category_code')
    .innerJoin('org_unit as o', 'o.id', 'r.org_id');
}

const REQUEST_COLUMNS = [
  'r.id', 'r.req_no', 'r.customer_id', 'r.kind', 'r.category_code', 'r.priority', 'r.channel', 'r.status', 'r.assignee_id', 'r.queue_code',
  'r.org_id', 'r.subject', 'r.description', 'r.response_due_at', 'r.responded_at', 'r.due_at', 'r.breached_at', 'r.escalated_at', 'r.escalated_to',
  'r.resolution', 'r.resolved_at', 'r.closed_at', 'r.satisfaction', 'r.satisfaction_note', 'r.root_cause', 'r.preventive_action', 'r.created_by',
  'r.created_at', 'r.updated_at', 'c.customer_no', 'c.name as customer_name', 'c.manager_id as customer_manager_id', 'a.display_name as assignee_name',
  'e.display_name as escalated_to_name', 'cb.display_name as created_by_name', 'q.name as queue_name', 'q.name_en as queue_name_en',
  'cat.name as category_name', 'cat.name_en as category_name_en', 'o.name as org_name', 'o.name_en as org_name_en',
] as const;

export type RequestFilter = {
  q?: string;
  status?: RequestStatus;
  open?: boolean;
  kind?: RequestKind;
  priority?: Priority;
  categoryCode?: string;
  channel?: string;
  assigneeId?: number;
  queueCode?: string;
  customerNo?: string;
  breached?: boolean;
  escalated?: boolean;
  mine?: number;
  from?: string;
  to?: string;
  archive?: boolean;
};

function filtered(db: Db, user: ScopeSubject, f: RequestFilter, now: Date) {
  let q = requestBase(db).where(requestScope(user));
  if (f.q) {
    const like = containing(f.q.toLowerCase());
    const fields = f.archive
      ? sql<boolean>`(r.req_no = ${f.q} OR lower(r.subject) LIKE ${like} OR lower(r.description) LIKE ${like} OR lower(coalesce(r.resolution,'')) LIKE ${like} OR lower(coalesce(r.root_cause,'')) LIKE ${like} OR lower(coalesce(r.preventive_action,'')) LIKE ${like} OR c.name LIKE ${like})`
      : sql<boolean>`(r.req_no = ${f.q} OR c.customer_no = ${f.q} OR lower(r.subject) LIKE ${like} OR c.name LIKE ${like})`;
    q = q.where(fields);
  }
  if (f.archive) q = q.where('r.status', '=', 'closed');
  if (f.status) q = q.where('r.status', '=', f.status);
  if (f.open) q = q.where('r.status', 'in', OPEN_STATUSES);
  if (f.kind) q = q.where('r.kind', '=', f.kind);
  if (f.priority) q = q.where('r.priority', '=', f.priority);
  if (f.categoryCode) q = q.where(sql<boolean>`(r.category_code = ${f.categoryCode} OR r.category_code LIKE ${f.categoryCode + '.%'})`);
  if (f.channel) q = q.where('r.channel', '=', f.channel as ServiceRequestTable['channel']);
  if (f.assigneeId) q = q.where('r.assignee_id', '=', f.assigneeId);
  if (f.queueCode) q = q.where('r.queue_code', '=', f.queueCode);
  if (f.customerNo) q = q.where('c.customer_no', '=', f.customerNo);
  if (f.mine) q = q.where('r.assignee_id', '=', f.mine);
  if (f.escalated !== undefined) q = q.where(f.escalated ? sql<boolean>`r.escalated_at IS NOT NULL` : sql<boolean>`r.escalated_at IS NULL`);
  // Breached is live: past the deadline counts even before the escalation job has run.
  if (f.breached !== undefined) {
    const b = sql<boolean>`(r.breached_at IS NOT NULL OR (r.status IN ('open','in_progress','pending_customer') AND r.due_at < ${now}) OR r.resolved_at > r.due_at)`;
    q = q.where(f.breached ? b : sql<boolean>`NOT ${b}`);
  }
  if (f.from) q = q.where(sql<boolean>`r.created_at >= ${f.from}::date`);
  if (f.to) q = q.where(sql<boolean>`r.created_at < ${f.to}::date + 1`);
  return q;
}

export async function listRequests(db: Db, user: ScopeSubject, f: RequestFilter, now: Date, limit: number, offset: number) {
  const base = filtered(db, user, f, now);
  const [rows, count] = await Promise.all([
    base.select(REQUEST_COLUMNS).orderBy(f.archive ? 'r.closed_at' : 'r.created_at', 'desc').orderBy('r.id', 'desc').limit(limit).offset(offset).execute(),
    base.select(sql<number>`count(*)::int`.as('n')).executeTakeFirstOrThrow(),
  ]);
  return { rows, total: count.n };
}

export function exportRequests(db: Db, user: ScopeSubject, f: RequestFilter, now: Date) {
  return filtered(db, user, f, now).select(REQUEST_COLUMNS).orderBy('r.created_at', 'desc').orderBy('r.id', 'desc').stream(500);
}

export type RequestRow = Awaited<ReturnType<typeof getRequest>> & {};

/** One request by number, only inside the user's scope; locked when `forUpdate`. */
export function getRequest(db: Db, user: ScopeSubject, reqNo: string, forUpdate = false) {
  let q = requestBase(db).select(REQUEST_COLUMNS).where('r.req_no', '=', reqNo).where(requestScope(user));
  if (forUpdate) q = q.forUpdate('r');
  return q.executeTakeFirst();
}

export function listSteps(db: Db, requestId: number) {
  return db.selectFrom('service_request_step as s').leftJoin('app_user as u', 'u.id', 's.user_id').leftJoin('app_user as t', 't.id', 's.to_user_id')
    .select(['s.id', 's.action', 's.note', 's.from_status', 's.to_status', 's.queue_code', 's.created_at', 'u.display_name as user_name', 't.display_name as to_user_name'])
    .where('s.request_id', '=', requestId).orderBy('s.id').execute();
}

/**
 * Resolved or closed cases sharing tokens with the new one and of the same kind or category,
 * ranked by token overlap (see service.text.ts), inside the user's scope.
 */
export async function findSimilar(db: Db, user: ScopeSubject, p: { kind: RequestKind; categoryCode: string | null; tokens: string[]; excludeId?: number; limit: number }) {
  if (!p.tokens.length) return [];
  const tokens = sql`${p.tokens}::text[]`;
  let q = db.selectFrom('service_request as r').innerJoin('customer as c', 'c.id', 'r.customer_id')
    .leftJoin('service_category as cat', 'cat.code', 'r.category_code')
    .select([
      'r.id', 'r.req_no', 'r.kind', 'r.category_code', 'cat.name as category_name', 'cat.name_en as category_name_en', 'r.subject', 'r.status',
      'r.resolution', 'r.root_cause', 'r.preventive_action', 'r.resolved_at', 'r.satisfaction',
      sql<number>`cardinality(r.text_grams)`.as('case_tokens'),
      sql<number>`cardinality(ARRAY(SELECT unnest(r.text_grams) INTERSECT SELECT unnest(${tokens})))`.as('common'),
    ])
    .where(sql<boolean>`r.text_grams && ${tokens}`)
    .where('r.status', 'in', ['resolved', 'closed'])
    .where(requestScope(user));
  q = p.categoryCode
    ? q.where(sql<boolean>`(r.kind = ${p.kind} OR r.category_code = ${p.categoryCode})`)
    : q.where('r.kind', '=', p.kind);
  if (p.excludeId) q = q.where('r.id', '<>', p.excludeId);
  // Rank in SQL by overlap first so only the best few rows come back.
  return q.orderBy(sql`cardinality(ARRAY(SELECT unnest(r.text_grams) INTERSECT SELECT unnest(${tokens}))) DESC`).orderBy('r.resolved_at', 'desc').limit(p.limit * 4).execute();
}

/**
 * The supervisor of an org unit: the nearest active user with team:supervise whose unit is the
 * unit itself or one of its ancestors (materialised path), other than `except`.
 */
export async function findSupervisor(db: Db, orgId: number, except: number | null) {
  const row = await sql<{ id: number }>`
    SELECT u.id FROM app_user u JOIN role r ON r.id = u.role_id JOIN org_unit o ON o.id = u.org_id
    WHERE u.status = 'active' AND 'team:supervise' = ANY(r.permissions) AND u.id IS DISTINCT FROM ${except}
      AND (SELECT path FROM org_unit WHERE id = ${orgId}) LIKE o.path || '%'
    ORDER BY length(o.path) DESC, u.id LIMIT 1`.execute(db);
  return row.rows[0]?.id ?? null;
}

/** Open requests past their deadline and not yet escalated, locked so two job runs cannot both take one. */
export function lockBreachedUnescalated(db: Db, now: Date, limit: number) {
  return db.selectFrom('service_request as r').innerJoin('org_unit as o', 'o.id', 'r.org_id').leftJoin('app_user as a', 'a.id', 'r.assignee_id')
    .select(['r.id', 'r.req_no', 'r.customer_id', 'r.status', 'r.org_id', 'r.assignee_id', 'a.org_id as assignee_org_id', 'r.due_at', 'r.breached_at'])
    .where('r.status', 'in', OPEN_STATUSES).where('r.due_at', '<', now).where('r.escalated_at', 'is', null)
    .orderBy('r.due_at').limit(limit).forUpdate('r').skipLocked().execute();
}

/** Live timeliness for the dashboard: counts by assignee, queue and team (org), and the worst requests. */
export async function dashboard(db: Db, user: ScopeSubject, now: Date, soon: Date) {
  const base = () => db.selectFrom('service_request as r').innerJoin('customer as c', 'c.id', 'r.customer_id')
    .where('r.status', 'in', OPEN_STATUSES).where(requestScope(user));
  const counts = [
    sql<number>`count(*)::int`.as('open'),
    sql<number>`count(*) FILTER (WHERE r.breached_at IS NULL AND r.due_at >= ${now} AND r.due_at < ${soon})::int`.as('due_soon'),
    sql<number>`count(*) FILTER (WHERE r.breached_at IS NOT NULL OR r.due_at < ${now})::int`.as('breached'),
    sql<number>`count(*) FILTER (WHERE r.escalated_at IS NOT NULL)::int`.as('escalated'),
  ] as const;
  const [totals, byAssignee, byQueue, byTeam, items] = await Promise.all([
    base().select([...counts, sql<number>`count(*) FILTER (WHERE r.escalated_to = ${user.id})::int`.as('escalated_to_me'), sql<number>`count(*) FILTER (WHERE r.assignee_id IS NULL)::int`.as('unassigned')]).executeTakeFirstOrThrow(),
    base().leftJoin('app_user as a', 'a.id', 'r.assignee_id').select(['r.assignee_id as id', 'a.display_name as name', ...counts])
      .groupBy(['r.assignee_id', 'a.display_name']).orderBy(sql`count(*) FILTER (WHERE r.breached_at IS NOT NULL OR r.due_at < ${now}) DESC`).orderBy(sql`count(*) DESC`).execute(),
    base().leftJoin('service_queue as q', 'q.code', 'r.queue_code').select(['r.queue_code as code', 'q.name', 'q.name_en', ...counts])
      .groupBy(['r.queue_code', 'q.name', 'q.name_en']).orderBy(sql`count(*) DESC`).execute(),
    base().innerJoin('org_unit as o', 'o.id', 'r.org_id').select(['r.org_id as id', 'o.name', 'o.name_en', ...counts])
      .groupBy(['r.org_id', 'o.name', 'o.name_en']).orderBy(sql`count(*) DESC`).execute(),
    requestBase(db).select(REQUEST_COLUMNS).where('r.status', 'in', OPEN_STATUSES).where(requestScope(user)).where((eb) => eb.or([eb('r.due_at', '<', soon), eb('r.breached_at', 'is not', null)]))
      .orderBy('r.due_at').limit(100).execute(),
  ]);
  return { totals, byAssignee, byQueue, byTeam, items };
}

/**
 * For the workbench: unfinished requests assigned (or escalated) to `userId` that fall due by
 * `until`, soonest first (breached ones included, they are due already).
 */
export function openRequestsDueFor(db: Db, userId: number, until: Date) {
  return db.selectFrom('service_request as r').innerJoin('customer as c', 'c.id', 'r.customer_id')
    .select(['r.id', 'r.req_no as reqNo', 'r.kind', 'r.priority', 'r.status', 'r.subject', 'r.due_at as dueAt', 'r.escalated_at as escalatedAt',
      'r.customer_id as customerId', 'c.customer_no as customerNo', 'c.name as customerName'])
    .where('r.status', 'in', OPEN_STATUSES)
    .where((eb) => eb.or([eb('r.assignee_id', '=', userId), eb('r.escalated_to', '=', userId)]))
    .where('r.due_at', '<=', until)
    .orderBy('r.due_at').limit(200).execute();
}

// ---------------------------------------------------------------- outbound

export type OutboundFilter = { status?: string; kind?: string; ownerId?: number; customerNo?: string; from?: string; to?: string };

function outboundQuery(db: Db, user: ScopeSubject, f: OutboundFilter) {
  let q = db.selectFrom('service_outbound as b').innerJoin('customer as c', 'c.id', 'b.customer_id').innerJoin('app_user as u', 'u.id', 'b.owner_id')
    .leftJoin('service_request as r', 'r.id', 'b.request_id')
    .where((eb) => eb.or([customerScope(user, 'c'), eb('b.owner_id', '=', user.id)]));
  if (f.status) q = q.where('b.status', '=', f.status as 'planned' | 'done' | 'cancelled');
  if (f.kind) q = q.where('b.kind', '=', f.kind as 'care_call' | 'visit');
  if (f.ownerId) q = q.where('b.owner_id', '=', f.ownerId);
  if (f.customerNo) q = q.where('c.customer_no', '=', f.customerNo);
  if (f.from) q = q.where(sql<boolean>`b.planned_at >= ${f.from}::date`);
  if (f.to) q = q.where(sql<boolean>`b.planned_at < ${f.to}::date + 1`);
  return q;
}

const OUTBOUND_COLUMNS = ['b.id', 'b.customer_id', 'b.kind', 'b.purpose', 'b.planned_at', 'b.owner_id', 'b.status', 'b.done_at', 'b.outcome', 'b.outcome_note',
  'b.created_at', 'c.customer_no', 'c.name as customer_name', 'u.display_name as owner_name', 'r.req_no'] as const;

export async function listOutbound(db: Db, user: ScopeSubject, f: OutboundFilter, limit: number, offset: number) {
  const base = outboundQuery(db, user, f);
  const [rows, count] = await Promise.all([
    base.select(OUTBOUND_COLUMNS).orderBy('b.planned_at', 'desc').orderBy('b.id', 'desc').limit(limit).offset(offset).execute(),
    base.select(sql<number>`count(*)::int`.as('n')).executeTakeFirstOrThrow(),
  ]);
  return { rows, total: count.n };
}

export function exportOutbound(db: Db, user: ScopeSubject, f: OutboundFilter) {
  return outboundQuery(db, user, f).select(OUTBOUND_COLUMNS).orderBy('b.planned_at', 'desc').stream(500);
}

export function getOutbound(db: Db, user: ScopeSubject, id: number) {
  return outboundQuery(db, user, {}).select(OUTBOUND_COLUMNS).where('b.id', '=', id).forUpdate('b').executeTakeFirst();
}

export async function insertOutbound(db: Db, row: Insertable<ServiceOutboundTable>) {
  return db.insertInto('service_outbound').values(row).returning('id').executeTakeFirstOrThrow();
}

export async function updateOutbound(db: Db, id: number, patch: Updateable<ServiceOutboundTable>) {
  await db.updateTable('service_outbound').set(patch).where('id', '=', id).execute();
}

export const getRequestIdByNo = (db: Db, reqNo: string, customerId: number) =>
  db.selectFrom('service_request').select('id').where('req_no', '=', reqNo).where('customer_id', '=', customerId).executeTakeFirst();

// ---------------------------------------------------------------- staff, skills, leave, dispatch

/** Staff within the user's staff scope with their skills (for the dispatch page). */
export function listStaff(db: Db, user: ScopeSubject) {
  return db.selectFrom('app_user as u').innerJoin('org_unit as o', 'o.id', 'u.org_id').innerJoin('role as r', 'r.id', 'u.role_id')
    .select([
      'u.id', 'u.username', 'u.display_name', 'o.name as org_name', 'o.name_en as org_name_en', 'r.name as role_name', 'r.name_en as role_name_en',
      sql<{ code: string; level: number }[]>`coalesce((SELECT json_agg(json_build_object('code', s.skill_code, 'level', s.level) ORDER BY s.skill_code) FROM staff_skill s WHERE s.user_id = u.id), '[]')`.as('skills'),
    ])
    .where('u.status', '=', 'active').where('r.code', '<>', 'admin').where(staffScope(user, 'u'))
    .orderBy('o.path').orderBy('u.username').execute();
}

export function userInStaffScope(db: Db, user: ScopeSubject, userId: number) {
  return db.selectFrom('app_user as u').select(['u.id', 'u.display_name']).where('u.id', '=', userId).where('u.status', '=', 'active')
    .where(staffScope(user, 'u')).executeTakeFirst();
}

export async function replaceSkills(db: Db, userId: number, skills: { code: string; level: number }[]) {
  const before = await db.selectFrom('staff_skill').select(['skill_code', 'level']).where('user_id', '=', userId).execute();
  await db.deleteFrom('staff_skill').where('user_id', '=', userId).execute();
  if (skills.length) await db.insertInto('staff_skill').values(skills.map((s) => ({ user_id: userId, skill_code: s.code, level: s.level }))).execute();
  return before;
}

export async function skillsExist(db: Db, codes: string[]) {
  if (!codes.length) return [];
  return (await db.selectFrom('service_skill').select('code').where('code', 'in', codes).execute()).map((r) => r.code);
}

export async function insertLeave(db: Db, row: { user_id: number; starts_at: Date; ends_at: Date; reason: string }) {
  return db.insertInto('staff_leave').values(row).returning('id').executeTakeFirstOrThrow();
}

export function listLeaves(db: Db, user: ScopeSubject, from: Date) {
  return db.selectFrom('staff_leave as l').innerJoin('app_user as u', 'u.id', 'l.user_id')
    .select(['l.id', 'l.user_id', 'u.display_name', 'l.starts_at', 'l.ends_at', 'l.reason'])
    .where('l.ends_at', '>', from).where(staffScope(user, 'u')).orderBy('l.starts_at').limit(500).execute();
}

/**
 * Staff with `skill` inside the user's staff scope, with what decides the choice: the skill level,
 * whether they are on leave or already dispatched in the slot, their dispatches that day, and
 * whether they work in the customer's org subtree.
 */
export async function dispatchCandidates(db: Db, user: ScopeSubject, p: { skill: string; startsAt: Date; endsAt: Date; customerOrgId: number | null }) {
  const dayStart = new Date(p.startsAt.getTime() - 12 * 3600_000);
  const dayEnd = new Date(p.startsAt.getTime() + 12 * 3600_000);
  return db.selectFrom('staff_skill as s').innerJoin('app_user as u', 'u.id', 's.user_id').innerJoin('org_unit as o', 'o.id', 'u.org_id')
    .select([
      'u.id', 'u.display_name', 'u.username', 'o.name as org_name', 'o.name_en as org_name_en', 's.level',
      sql<boolean>`EXISTS (SELECT 1 FROM staff_leave l WHERE l.user_id = u.id AND l.starts_at < ${p.endsAt} AND l.ends_at > ${p.startsAt})`.as('on_leave'),
      sql<boolean>`EXISTS (SELECT 1 FROM service_dispatch d WHERE d.assignee_id = u.id AND d.status = 'dispatched' AND d.starts_at < ${p.endsAt} AND d.ends_at > ${p.startsAt})`.as('busy'),
      sql<number>`(SELECT count(*)::int FROM service_dispatch d WHERE d.assignee_id = u.id AND d.status <> 'cancelled' AND d.starts_at >= ${dayStart} AND d.starts_at < ${dayEnd})`.as('load'),
      sql<boolean>`${p.customerOrgId === null ? sql`false` : sql`(SELECT path FROM org_unit WHERE id = ${p.customerOrgId}) LIKE o.path || '%' OR o.path LIKE (SELECT path FROM org_unit WHERE id = ${p.customerOrgId}) || '%'`}`.as('near'),
    ])
    .where('s.skill_code', '=', p.skill).where('u.status', '=', 'active').where(staffScope(user, 'u'))
    .execute();
}

/** Whether `userId` is on leave or holds another live dispatch overlapping the slot. */
export async function slotConflicts(db: Db, userId: number, startsAt: Date, endsAt: Date, exceptDispatch?: number) {
  const [leave, busy] = await Promise.all([
    db.selectFrom('staff_leave').select('id').where('user_id', '=', userId).where('starts_at', '<', endsAt).where('ends_at', '>', startsAt).executeTakeFirst(),
    db.selectFrom('service_dispatch').select('id').where('assignee_id', '=', userId).where('status', '=', 'dispatched')
      .where('starts_at', '<', endsAt).where('ends_at', '>', startsAt).$if(!!exceptDispatch, (q) => q.where('id', '<>', exceptDispatch!)).executeTakeFirst(),
  ]);
  return { onLeave: !!leave, busy: !!busy };
}

export async function hasSkill(db: Db, userId: number, skill: string) {
  return !!(await db.selectFrom('staff_skill').select('level').where('user_id', '=', userId).where('skill_code', '=', skill).executeTakeFirst());
}

/** Serialises dispatches of one person, so two dispatchers cannot book the same slot at once. */
export async function lockStaff(db: Db, userId: number) {
  await db.selectFrom('app_user').select('id').where('id', '=', userId).forUpdate().execute();
}

export async function insertDispatch(db: Db, row: Insertable<ServiceDispatchTable>) {
  return db.insertInto('service_dispatch').values(row).returning('id').executeTakeFirstOrThrow();
}

export async function updateDispatch(db: Db, id: number, patch: Updateable<ServiceDispatchTable>) {
  await db.updateTable('service_dispatch').set(patch).where('id', '=', id).execute();
}

export type DispatchFilter = { status?: string; assigneeId?: number; from?: string; to?: string };

function dispatchQuery(db: Db, user: ScopeSubject, f: DispatchFilter) {
  let q = db.selectFrom('service_dispatch as d').innerJoin('customer as c', 'c.id', 'd.customer_id').innerJoin('app_user as u', 'u.id', 'd.assignee_id')
    .innerJoin('service_skill as s', 's.code', 'd.skill_code').leftJoin('service_request as r', 'r.id', 'd.request_id')
    .where((eb) => eb.or([customerScope(user, 'c'), eb('d.assignee_id', '=', user.id)]));
  if (f.status) q = q.where('d.status', '=', f.status as 'dispatched' | 'done' | 'cancelled');
  if (f.assigneeId) q = q.where('d.assignee_id', '=', f.assigneeId);
  if (f.from) q = q.where(sql<boolean>`d.starts_at >= ${f.from}::date`);
  if (f.to) q = q.where(sql<boolean>`d.starts_at < ${f.to}::date + 1`);
  return q;
}

const DISPATCH_COLUMNS = ['d.id', 'd.customer_id', 'd.assignee_id', 'd.skill_code', 's.name as skill_name', 's.name_en as skill_name_en', 'd.starts_at', 'd.ends_at',
  'd.address', 'd.task', 'd.status', 'd.outcome', 'd.done_at', 'd.created_at', 'c.customer_no', 'c.name as customer_name', 'u.display_name as assignee_name', 'r.req_no'] as const;

export async function listDispatches(db: Db, user: ScopeSubject, f: DispatchFilter, limit: number, offset: number) {
  const base = dispatchQuery(db, user, f);
  const [rows, count] = await Promise.all([
    base.select(DISPATCH_COLUMNS).orderBy('d.starts_at', 'desc').orderBy('d.id', 'desc').limit(limit).offset(offset).execute(),
    base.select(sql<number>`count(*)::int`.as('n')).executeTakeFirstOrThrow(),
  ]);
  return { rows, total: count.n };
}

export function exportDispatches(db: Db, user: ScopeSubject, f: DispatchFilter) {
  return dispatchQuery(db, user, f).select(DISPATCH_COLUMNS).orderBy('d.starts_at', 'desc').stream(500);
}

export function getDispatch(db: Db, user: ScopeSubject, id: number) {
  return dispatchQuery(db, user, {}).select(DISPATCH_COLUMNS).where('d.id', '=', id).forUpdate('d').executeTakeFirst();
}
