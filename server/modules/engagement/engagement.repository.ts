import { sql, type Expression, type SqlBool } from 'kysely';
import { prepared, type Db } from '../../db/database.ts';
import { containing } from '../../platform/like.ts';
import { customerScope, staffScope, type ScopeSubject } from '../../platform/scope.ts';
import type { RecordKind } from './engagement.schemas.ts';
import type {
  EngagementActivityTable, EngagementContactTable, OpportunityTable, RequirementTable, TargetMetric,
} from './engagement.table.ts';
import type { Insertable, SelectQueryBuilder, Updateable } from 'kysely';

/** Counting stops here: past it a list says "10,000+" rather than counting a whole bank's history. */
export const COUNT_CAP = 10_000;

/** The customer (inside the scope, not deleted) by number: its id, or undefined (→ 404). */
export async function findCustomer(db: Db, customerNo: string, scope: ScopeSubject) {
  return db.selectFrom('customer as c').select(['c.id', 'c.customer_no', 'c.name', 'c.party', 'c.manager_id', 'c.org_id'])
    .where('c.customer_no', '=', customerNo).where('c.deleted', '=', false).where(customerScope(scope, 'c')).executeTakeFirst();
}

export function getActiveUser(db: Db, id: number) {
  return db.selectFrom('app_user as u').innerJoin('org_unit as o', 'o.id', 'u.org_id')
    .select(['u.id', 'u.display_name', 'u.org_id', 'o.path as org_path']).where('u.id', '=', id).where('u.status', '=', 'active').executeTakeFirst();
}

/** Whether `userId` is staff `scope` may see (staffScope). */
export async function userInStaffScope(db: Db, scope: ScopeSubject, userId: number) {
  return !!(await db.selectFrom('app_user').select('id').where('id', '=', userId).where(staffScope(scope, 'app_user')).executeTakeFirst());
}

export function listProducts(db: Db) {
  return db.selectFrom('product').select(['code', 'name', 'name_en', 'category']).orderBy('code').execute();
}

export async function productExists(db: Db, code: string) {
  return !!(await db.selectFrom('product').select('code').where('code', '=', code).executeTakeFirst());
}

/** Owner filter: one manager, or everyone whose org unit lies in the subtree of `orgId` (a team or a branch). */
function ownerFilter(ownerCol: string, f: { ownerId?: number; orgId?: number }): Expression<SqlBool>[] {
  const out: Expression<SqlBool>[] = [];
  if (f.ownerId) out.push(sql<boolean>`${sql.ref(ownerCol)} = ${f.ownerId}`);
  if (f.orgId) {
    out.push(sql<boolean>`${sql.ref(ownerCol)} IN (SELECT u.id FROM app_user u JOIN org_unit o ON o.id = u.org_id
      WHERE o.path LIKE (SELECT path FROM org_unit WHERE id = ${f.orgId}) || '%')`);
  }
  return out;
}

export type ListFilter = {
  customerId?: number;
  ownerId?: number;
  orgId?: number;
  /** Inclusive dates (YYYY-MM-DD) on the record's own time. */
  from?: string;
  to?: string;
  limit: number;
  offset: number;
};

// ---------------------------------------------------------------- contacts

const CONTACT_COLUMNS = [
  'x.id', 'x.customer_id', 'x.owner_id', 'x.channel', 'x.started_at', 'x.ended_at', 'x.summary', 'x.content', 'x.connected', 'x.created_at', 'x.updated_at',
  'c.customer_no', 'c.name as customer_name', 'u.display_name as owner_name',
] as const;

function contactQuery(db: Db, scope: ScopeSubject, f: Omit<ListFilter, 'limit' | 'offset'> & { channel?: string }) {
  let q = db.selectFrom('engagement_contact as x')
    .innerJoin('customer as c', 'c.id', 'x.customer_id')
    .innerJoin('app_user as u', 'u.id', 'x.owner_id')
    .where('c.deleted', '=', false)
    .where(customerScope(scope, 'c'));
  if (f.customerId) q = q.where('x.customer_id', '=', f.customerId);
  if (f.channel) q = q.where('x.channel', '=', f.channel as EngagementContactTable['channel']);
  if (f.from) q = q.where(sql<boolean>`x.started_at >= ${f.from}::date`);
  if (f.to) q = q.where(sql<boolean>`x.started_at < ${f.to}::date + 1`);
  for (const e of ownerFilter('x.owner_id', f)) q = q.where(e);
  return q;
}

export async function listContacts(db: Db, scope: ScopeSubject, f: ListFilter & { channel?: string }) {
  const base = contactQuery(db, scope, f);
  const [rows, total] = await Promise.all([
    base.select(CONTACT_COLUMNS).orderBy('x.started_at', 'desc').orderBy('x.id', 'desc').limit(f.limit).offset(f.offset).execute(),
    cappedCount(db, base.select(sql`1`.as('one'))),
  ]);
  return { rows, ...total };
}

export function streamContacts(db: Db, scope: ScopeSubject, f: Omit<ListFilter, 'limit' | 'offset'> & { channel?: string }) {
  return contactQuery(db, scope, f).select(CONTACT_COLUMNS).orderBy('x.started_at', 'desc').orderBy('x.id', 'desc').stream(1000);
}

export function getContact(db: Db, scope: ScopeSubject, id: number) {
  return contactQuery(db, scope, {}).select(CONTACT_COLUMNS).where('x.id', '=', id).executeTakeFirst();
}

export function insertContact(db: Db, row: Insertable<EngagementContactTable>) {
  return db.insertInto('engagement_contact').values(row).returning('id').executeTakeFirstOrThrow();
}

export async function updateContact(db: Db, id: number, patch: Updateable<EngagementContactTable>) {
  await db.updateTable('engagement_contact').set({ ...patch, updated_at: new Date() }).where('id', '=', id).execute();
}

// ---------------------------------------------------------------- activities

const ACTIVITY_COLUMNS = [
  'x.id', 'x.customer_id', 'x.owner_id', 'x.type', 'x.status', 'x.priority', 'x.starts_at', 'x.ends_at', 'x.completed', 'x.completed_at',
  'x.cost_fen', 'x.description', 'x.remarks', 'x.created_at', 'x.updated_at', 'c.customer_no', 'c.name as customer_name', 'u.display_name as owner_name',
] as const;

type ActivityFilter = Omit<ListFilter, 'limit' | 'offset'> & { type?: string; status?: string; completed?: boolean };

function activityQuery(db: Db, scope: ScopeSubject, f: ActivityFilter) {
  let q = db.selectFrom('engagement_activity as x')
    .innerJoin('customer as c', 'c.id', 'x.customer_id')
    .innerJoin('app_user as u', 'u.id', 'x.owner_id')
    .where('c.deleted', '=', false)
    .where(customerScope(scope, 'c'));
  if (f.customerId) q = q.where('x.customer_id', '=', f.customerId);
  if (f.type) q = q.where('x.type', '=', f.type as EngagementActivityTable['type']);
  if (f.status) q = q.where('x.status', '=', f.status as EngagementActivityTable['status']);
  if (f.completed !== undefined) q = q.where('x.completed', '=', f.completed);
  if (f.from) q = q.where(sql<boolean>`x.starts_at >= ${f.from}::date`);
  if (f.to) q = q.where(sql<boolean>`x.starts_at < ${f.to}::date + 1`);
  for (const e of ownerFilter('x.owner_id', f)) q = q.where(e);
  return q;
}

export async function listActivities(db: Db, scope: ScopeSubject, f: ListFilter & ActivityFilter) {
  const base = activityQuery(db, scope, f);
  const [rows, total] = await Promise.all([
    base.select(ACTIVITY_COLUMNS).orderBy('x.starts_at', 'desc').orderBy('x.id', 'desc').limit(f.limit).offset(f.offset).execute(),
    cappedCount(db, base.select(sql`1`.as('one'))),
  ]);
  return { rows, ...total };
}

export function streamActivities(db: Db, scope: ScopeSubject, f: ActivityFilter) {
  return activityQuery(db, scope, f).select(ACTIVITY_COLUMNS).orderBy('x.starts_at', 'desc').orderBy('x.id', 'desc').stream(1000);
}

export function getActivity(db: Db, scope: ScopeSubject, id: number) {
  return activityQuery(db, scope, {}).select(ACTIVITY_COLUMNS).where('x.id', '=', id).executeTakeFirst();
}

export function insertActivity(db: Db, row: Insertable<EngagementActivityTable>) {
  return db.insertInto('engagement_activity').values(row).returning('id').executeTakeFirstOrThrow();
}

export async function updateActivity(db: Db, id: number, patch: Updateable<EngagementActivityTable>) {
  await db.updateTable('engagement_activity').set({ ...patch, updated_at: new Date() }).where('id', '=', id).execute();
}

// ---------------------------------------------------------------- opportunities

const OPPORTUNITY_COLUMNS = [
  'x.id', 'x.opp_no', 'x.customer_id', 'x.owner_id', 'x.pipeline_id', 'x.stage_id', 'x.status', 'x.probability', 'x.expected_value_fen',
  'x.sales_method', 'x.starts_on', 'x.ends_on', 'x.summary', 'x.content', 'x.won_at', 'x.lost_reason', 'x.created_at', 'x.updated_at',
  'c.customer_no', 'c.name as customer_name', 'u.display_name as owner_name', 's.name as stage_name', 's.name_en as stage_name_en', 's.code as stage_code',
  'p.name as pipeline_name', 'p.name_en as pipeline_name_en',
] as const;

type OpportunityFilter = Omit<ListFilter, 'limit' | 'offset'> & { pipelineId?: number; stageId?: number; status?: string; q?: string };

function opportunityQuery(db: Db, scope: ScopeSubject, f: OpportunityFilter) {
  let q = db.selectFrom('opportunity as x')
    .innerJoin('customer as c', 'c.id', 'x.customer_id')
    .innerJoin('app_user as u', 'u.id', 'x.owner_id')
    .innerJoin('pipeline_stage as s', 's.id', 'x.stage_id')
    .innerJoin('pipeline as p', 'p.id', 'x.pipeline_id')
    .where('c.deleted', '=', false)
    .where(customerScope(scope, 'c'));
  if (f.customerId) q = q.where('x.customer_id', '=', f.customerId);
  if (f.pipelineId) q = q.where('x.pipeline_id', '=', f.pipelineId);
  if (f.stageId) q = q.where('x.stage_id', '=', f.stageId);
  if (f.status) q = q.where('x.status', '=', f.status as OpportunityTable['status']);
  if (f.q) {
    const like = containing(f.q.toLowerCase());
    q = q.where(sql<boolean>`(x.opp_no = ${f.q} OR lower(x.summary) LIKE ${like} OR c.name LIKE ${like})`);
  }
  if (f.from) q = q.where(sql<boolean>`x.created_at >= ${f.from}::date`);
  if (f.to) q = q.where(sql<boolean>`x.created_at < ${f.to}::date + 1`);
  for (const e of ownerFilter('x.owner_id', f)) q = q.where(e);
  return q;
}

export async function listOpportunities(db: Db, scope: ScopeSubject, f: ListFilter & OpportunityFilter) {
  const base = opportunityQuery(db, scope, f);
  const [rows, total] = await Promise.all([
    base.select(OPPORTUNITY_COLUMNS).orderBy('x.created_at', 'desc').orderBy('x.id', 'desc').limit(f.limit).offset(f.offset).execute(),
    cappedCount(db, base.select(sql`1`.as('one'))),
  ]);
  return { rows, ...total };
}

export function streamOpportunities(db: Db, scope: ScopeSubject, f: OpportunityFilter) {
  return opportunityQuery(db, scope, f).select(OPPORTUNITY_COLUMNS).orderBy('x.created_at', 'desc').orderBy('x.id', 'desc').stream(1000);
}

export function getOpportunity(db: Db, scope: ScopeSubject, id: number) {
  return opportunityQuery(db, scope, {}).select(OPPORTUNITY_COLUMNS).where('x.id', '=', id).executeTakeFirst();
}

/** The opportunity row locked for a stage move (so two moves cannot both record the sale). */
export function lockOpportunity(db: Db, id: number) {
  return db.selectFrom('opportunity').selectAll().where('id', '=', id).forUpdate().executeTakeFirstOrThrow();
}

/** Board cards: the most recently touched `perStage` opportunities of every stage, with each stage's totals. */
export async function boardOf(db: Db, scope: ScopeSubject, f: { pipelineId: number; ownerId?: number; orgId?: number }, perStage: number) {
  const base = opportunityQuery(db, scope, f);
  const [cards, totals] = await Promise.all([
    db.selectFrom(base.select([...OPPORTUNITY_COLUMNS, sql<number>`row_number() OVER (PARTITION BY x.stage_id ORDER BY x.updated_at DESC, x.id DESC)`.as('rn')]).as('b'))
      .selectAll().where('b.rn', '<=', perStage).orderBy('b.stage_id').orderBy('b.rn').execute(),
    base.select(['x.stage_id', sql<number>`count(*)::int`.as('n'), sql<string>`coalesce(sum(x.expected_value_fen), 0)::text`.as('value_fen')]).groupBy('x.stage_id').execute(),
  ]);
  return { cards, totals };
}

export async function nextOppNo(db: Db): Promise<string> {
  const r = await sql<{ n: string }>`SELECT nextval('opportunity_no_seq')::text AS n`.execute(db);
  return `OPP${r.rows[0].n.padStart(8, '0')}`;
}

export function insertOpportunity(db: Db, row: Insertable<OpportunityTable>) {
  return db.insertInto('opportunity').values(row).returning(['id', 'opp_no']).executeTakeFirstOrThrow();
}

export async function updateOpportunity(db: Db, id: number, patch: Updateable<OpportunityTable>) {
  await db.updateTable('opportunity').set({ ...patch, updated_at: new Date() }).where('id', '=', id).execute();
}

export function listOpportunityProducts(db: Db, opportunityIds: number[]) {
  if (!opportunityIds.length) return Promise.resolve([]);
  return db.selectFrom('opportunity_product as op').innerJoin('product as p', 'p.code', 'op.product_code')
    .select(['op.opportunity_id', 'op.product_code', 'op.amount_fen', 'p.name', 'p.name_en', 'p.category'])
    .where('op.opportunity_id', 'in', opportunityIds).orderBy('op.id').execute();
}

export async function replaceOpportunityProducts(db: Db, opportunityId: number, customerId: number, rows: { product_code: string; amount_fen: number }[]) {
  await db.deleteFrom('opportunity_product').where('opportunity_id', '=', opportunityId).execute();
  if (rows.length) await db.insertInto('opportunity_product').values(rows.map((r) => ({ ...r, opportunity_id: opportunityId, customer_id: customerId }))).execute();
}

// ---------------------------------------------------------------- pipelines

export function listPipelines(db: Db) {
  return Promise.all([
    db.selectFrom('pipeline').selectAll().orderBy('id').execute(),
    db.selectFrom('pipeline_stage').selectAll().orderBy('pipeline_id').orderBy('position').execute(),
  ]);
}

export function getStage(db: Db, id: number) {
  return db.selectFrom('pipeline_stage').selectAll().where('id', '=', id).executeTakeFirst();
}

export function firstOpenStage(db: Db, pipelineId: number) {
  return db.selectFrom('pipeline_stage').selectAll().where('pipeline_id', '=', pipelineId).where('is_won', '=', false).where('is_lost', '=', false)
    .orderBy('position').executeTakeFirst();
}

export function getPipeline(db: Db, id: number) {
  return db.selectFrom('pipeline').selectAll().where('id', '=', id).executeTakeFirst();
}

export function defaultPipelineFor(db: Db, party: 'person' | 'organization') {
  return db.selectFrom('pipeline').selectAll().where('active', '=', true)
    .where(({ or, eb }) => or([eb('party', '=', party), eb('party', 'is', null)])).orderBy(sql`party IS NULL`).orderBy('id').executeTakeFirst();
}

export async function pipelineCodeTaken(db: Db, code: string) {
  return !!(await db.selectFrom('pipeline').select('id').where('code', '=', code).executeTakeFirst());
}

export function insertPipeline(db: Db, row: { code: string; name: string; name_en: string; party: 'person' | 'organization' | null }) {
  return db.insertInto('pipeline').values(row).returning('id').executeTakeFirstOrThrow();
}

export async function updatePipeline(db: Db, id: number, patch: { name?: string; name_en?: string; active?: boolean }) {
  if (Object.keys(patch).length) await db.updateTable('pipeline').set(patch).where('id', '=', id).execute();
}

export type StageRow = { id?: number; code: string; name: string; name_en: string; position: number; probability: number; is_won: boolean; is_lost: boolean };

/** Stages still holding opportunities, among those about to be dropped. */
export async function stagesInUse(db: Db, stageIds: number[]) {
  if (!stageIds.length) return [];
  return db.selectFrom('opportunity').select('stage_id').distinct().where('stage_id', 'in', stageIds).execute();
}

/** Writes the stage list: keeps ids given, inserts new ones, drops the rest (the caller checked they are unused). */
export async function replaceStages(db: Db, pipelineId: number, stages: StageRow[]) {
  const keep = stages.filter((s) => s.id).map((s) => s.id!);
  let del = db.deleteFrom('pipeline_stage').where('pipeline_id', '=', pipelineId);
  if (keep.length) del = del.where('id', 'not in', keep);
  await del.execute();
  // Codes are unique per pipeline: park the kept ones first so renames and swaps cannot collide.
  if (keep.length) await db.updateTable('pipeline_stage').set({ code: sql`'~' || id::text` }).where('id', 'in', keep).execute();
  for (const s of stages) {
    const row = { code: s.code, name: s.name, name_en: s.name_en, position: s.position, probability: s.probability, is_won: s.is_won, is_lost: s.is_lost };
    if (s.id) await db.updateTable('pipeline_stage').set(row).where('id', '=', s.id).where('pipeline_id', '=', pipelineId).execute();
    else await db.insertInto('pipeline_stage').values({ ...row, pipeline_id: pipelineId }).execute();
  }
}

// ---------------------------------------------------------------- requirements

const REQUIREMENT_COLUMNS = [
  'x.id', 'x.customer_id', 'x.owner_id', 'x.summary', 'x.content', 'x.status', 'x.sub_status', 'x.severity', 'x.urgency', 'x.starts_on', 'x.ends_on',
  'x.created_at', 'x.updated_at', 'c.customer_no', 'c.name as customer_name', 'u.display_name as owner_name',
] as const;

type RequirementFilter = Omit<ListFilter, 'limit' | 'offset'> & { status?: string; severity?: string };

function requirementQuery(db: Db, scope: ScopeSubject, f: RequirementFilter) {
  let q = db.selectFrom('requirement as x')
    .innerJoin('customer as c', 'c.id', 'x.customer_id')
    .innerJoin('app_user as u', 'u.id', 'x.owner_id')
    .where('c.deleted', '=', false)
    .where(customerScope(scope, 'c'));
  if (f.customerId) q = q.where('x.customer_id', '=', f.customerId);
  if (f.status) q = q.where('x.status', '=', f.status as RequirementTable['status']);
  if (f.severity) q = q.where('x.severity', '=', f.severity as RequirementTable['severity']);
  if (f.from) q = q.where(sql<boolean>`x.created_at >= ${f.from}::date`);
  if (f.to) q = q.where(sql<boolean>`x.created_at < ${f.to}::date + 1`);
  for (const e of ownerFilter('x.owner_id', f)) q = q.where(e);
  return q;
}

export async function listRequirements(db: Db, scope: ScopeSubject, f: ListFilter & RequirementFilter) {
  const base = requirementQuery(db, scope, f);
  const [rows, total] = await Promise.all([
    base.select(REQUIREMENT_COLUMNS).orderBy('x.created_at', 'desc').orderBy('x.id', 'desc').limit(f.limit).offset(f.offset).execute(),
    cappedCount(db, base.select(sql`1`.as('one'))),
  ]);
  return { rows, ...total };
}

export function streamRequirements(db: Db, scope: ScopeSubject, f: RequirementFilter) {
  return requirementQuery(db, scope, f).select(REQUIREMENT_COLUMNS).orderBy('x.created_at', 'desc').orderBy('x.id', 'desc').stream(1000);
}

export function getRequirement(db: Db, scope: ScopeSubject, id: number) {
  return requirementQuery(db, scope, {}).select(REQUIREMENT_COLUMNS).where('x.id', '=', id).executeTakeFirst();
}

export function insertRequirement(db: Db, row: Insertable<RequirementTable>) {
  return db.insertInto('requirement').values(row).returning('id').executeTakeFirstOrThrow();
}

export async function updateRequirement(db: Db, id: number, patch: Updateable<RequirementTable>) {
  await db.updateTable('requirement').set({ ...patch, updated_at: new Date() }).where('id', '=', id).execute();
}

// ---------------------------------------------------------------- links

const KIND_TABLE: Record<RecordKind, string> = {
  contact: 'engagement_contact', activity: 'engagement_activity', opportunity: 'opportunity', requirement: 'requirement',
};

/** The link table of a pair of kinds, and which column holds which end (seed 001 §2.3.2.1 names). */
const LINK_TABLES: { table: string; a: RecordKind; b: RecordKind }[] = [
  { table: 'opportunity_requirement', a: 'opportunity', b: 'requirement' },
  { table: 'contact_opportunity', a: 'contact', b: 'opportunity' },
  { table: 'activity_opportunity', a: 'activity', b: 'opportunity' },
  { table: 'contact_requirement', a: 'contact', b: 'requirement' },
  { table: 'activity_requirement', a: 'activity', b: 'requirement' },
  { table: 'activity_contact', a: 'activity', b: 'contact' },
];

function linkTable(x: RecordKind, y: RecordKind) {
  return LINK_TABLES.find((l) => (l.a === x && l.b === y) || (l.a === y && l.b === x));
}

/** The customer a record belongs to, if the record exists and its customer is inside the scope. */
export async function customerOfRecord(db: Db, scope: ScopeSubject, kind: RecordKind, id: number): Promise<number | undefined> {
  const r = await sql<{ customer_id: number }>`
    SELECT x.customer_id FROM ${sql.table(KIND_TABLE[kind])} x JOIN customer c ON c.id = x.customer_id
    WHERE x.id = ${id} AND NOT c.deleted AND ${customerScope(scope, 'c')}`.execute(db);
  return r.rows[0]?.customer_id;
}

/** Inserts a link; false when it already existed. */
export async function insertLink(db: Db, customerId: number, x: { kind: RecordKind; id: number }, y: { kind: RecordKind; id: number }) {
  const t = linkTable(x.kind, y.kind)!;
  const [a, b] = t.a === x.kind ? [x, y] : [y, x];
  const r = await sql`INSERT INTO ${sql.table(t.table)} (${sql.ref(`${t.a}_id`)}, ${sql.ref(`${t.b}_id`)}, customer_id)
    VALUES (${a.id}, ${b.id}, ${customerId}) ON CONFLICT DO NOTHING`.execute(db);
  return Number(r.numAffectedRows ?? 0) > 0;
}

export async function deleteLink(db: Db, x: { kind: RecordKind; id: number }, y: { kind: RecordKind; id: number }) {
  const t = linkTable(x.kind, y.kind)!;
  const [a, b] = t.a === x.kind ? [x, y] : [y, x];
  const r = await sql`DELETE FROM ${sql.table(t.table)} WHERE ${sql.ref(`${t.a}_id`)} = ${a.id} AND ${sql.ref(`${t.b}_id`)} = ${b.id}`.execute(db);
  return Number(r.numAffectedRows ?? 0) > 0;
}

/** What a linked record shows in a list: its kind, id, a title, a time and a status. */
export type LinkedRecord = { kind: RecordKind; id: number; title: string; at: Date; status: string };

const SUMMARY_SQL: Record<RecordKind, string> = {
  contact: `SELECT id, summary AS title, started_at AS at, channel AS status FROM engagement_contact`,
  activity: `SELECT id, description AS title, starts_at AS at, status FROM engagement_activity`,
  opportunity: `SELECT id, opp_no || ' ' || summary AS title, created_at AS at, status FROM opportunity`,
  requirement: `SELECT id, summary AS title, created_at AS at, status FROM requirement`,
};

/** Every record linked to (kind, id), grouped by the other kind. */
export async function linksOf(db: Db, kind: RecordKind, id: number): Promise<LinkedRecord[]> {
  const others = (Object.keys(KIND_TABLE) as RecordKind[]).filter((k) => k !== kind);
  const parts = await Promise.all(others.map(async (other) => {
    const t = linkTable(kind, other)!;
    const mine = sql.ref(`l.${kind}_id`);
    const theirs = sql.ref(`l.${other}_id`);
    const r = await sql<{ id: number; title: string; at: Date; status: string }>`
      SELECT s.* FROM ${sql.table(t.table)} l JOIN (${sql.raw(SUMMARY_SQL[other])}) s ON s.id = ${theirs}
      WHERE ${mine} = ${id} ORDER BY s.at DESC, s.id DESC LIMIT 200`.execute(db);
    return r.rows.map((x) => ({ ...x, kind: other }));
  }));
  return parts.flat();
}

// ---------------------------------------------------------------- timeline

export type TimelineCursor = { at: string; rank: number; id: number };
export type TimelineRow = { kind: 'audit' | RecordKind; id: number; at: Date; at_text: string; rank: number; payload: Record<string, unknown> };

/** Rank breaks ties between kinds at the same instant so the order (and the cursor) is total. */
export const TIMELINE_RANK: Record<TimelineRow['kind'], number> = { audit: 0, requirement: 1, opportunity: 2, activity: 3, contact: 4 };

/**
 * Which audit rows are profile changes: not reads, and not the audit of engagement records (those
 * records appear in the timeline themselves). Literal SQL, identical to the predicate of the partial
 * index audit_log_customer_timeline_idx (migration 0003), so the planner can use that index.
 */
const TIMELINE_AUDIT_FILTER = sql.raw(`x.action NOT IN ('read', 'unmask', 'export')
          AND x.entity NOT IN ('engagement_contact', 'engagement_activity', 'opportunity', 'requirement', 'engagement_link', 'sale')`);

/**
 * A page of the timeline of the customer numbered `customerNo` if the data scope lets the user see
 * them: the lookup, the page and the read's audit row (`readAudit`: CTEs over `cu`, the customer
 * found) in one prepared statement, one round trip. customerId null: no such customer in scope.
 */
export type ReferenceKind = 'org' | 'user' | 'type' | 'relationType';

/** Names for references "field:value" (org_id:5, manager_id:70, type_id:2, typeCode:spouse), in both languages. */
export async function referenceNames(db: Db, refs: string[]): Promise<Map<string, { zh: string; en: string }>> {
  const out = new Map<string, { zh: string; en: string }>();
  if (!refs.length) return out;
  const ids = (field: string) => refs.filter((r) => r.startsWith(`${field}:`)).map((r) => Number(r.slice(field.length + 1))).filter(Number.isInteger);
  const codes = refs.filter((r) => r.startsWith('typeCode:')).map((r) => r.slice('typeCode:'.length));
  const [orgs, users, types, relations] = await Promise.all([
    ids('org_id').length ? db.selectFrom('org_unit').select(['id', 'name', 'name_en']).where('id', 'in', ids('org_id')).execute() : [],
    ids('manager_id').length ? db.selectFrom('app_user').select(['id', 'display_name']).where('id', 'in', ids('manager_id')).execute() : [],
    ids('type_id').length ? db.selectFrom('customer_type').select(['id', 'name', 'name_en']).where('id', 'in', ids('type_id')).execute() : [],
    codes.length ? db.selectFrom('relation_type').select(['code', 'name', 'name_en']).where('code', 'in', codes).execute() : [],
  ]);
  for (const o of orgs) out.set(`org_id:${o.id}`, { zh: o.name, en: o.name_en });
  for (const u of users) out.set(`manager_id:${u.id}`, { zh: u.display_name, en: u.display_name });
  for (const t of types) out.set(`type_id:${t.id}`, { zh: t.name, en: t.name_en });
  for (const r of relations) out.set(`typeCode:${r.code}`, { zh: r.name, en: r.name_en });
  return out;
}

/**
 * The customers a timeline's audit entries name (by number or by id), and whether the viewer may know them: the
 * scope predicate over the customer a number stands for (a merged-away number: its survivor), as the 360° view's
 * relations apply it (a deleted customer is no one to open).
 */
export async function referencedCustomers(db: Db, scope: ScopeSubject, nos: string[], ids: number[]) {
  if (!nos.length && !ids.length) return [];
  const r = await sql<{ id: number; customer_no: string; name: string; visible: boolean }>`
    SELECT c.id, c.customer_no, c.name, NOT e.deleted AND ${customerScope(scope, 'e')} AS visible
      FROM customer c
      LEFT JOIN customer_alias al ON al.customer_no = c.customer_no
      JOIN customer e ON e.id = coalesce(al.survivor_id, c.id)
     WHERE c.customer_no = ANY(${nos}::text[]) OR c.id = ANY(${ids}::bigint[])`.execute(db);
  return r.rows.map((x) => ({ ...x, id: Number(x.id) }));
}

export async function timelineOf(db: Db, customerNo: string, scope: ScopeSubject, before: TimelineCursor | null, limit: number, readAudit: Expression<unknown>) {
  const r = await sql<{ customer_id: number } & { [K in keyof TimelineRow]: TimelineRow[K] | null }>`${sql.raw(prepared(`timeline_${scope.dataScope}_${cursorKey(before)}`))}
    WITH cu AS (SELECT c.id FROM customer c WHERE c.customer_no = ${customerNo} AND NOT c.deleted AND ${customerScope(scope, 'c')}),
    ${readAudit}
    SELECT cu.id AS customer_id, t.* FROM cu LEFT JOIN LATERAL (${timelineBody(sql`cu.id`, before, limit)}) t ON true
    ORDER BY t.at DESC, t.rank DESC, t.id DESC`.execute(db);
  if (!r.rows.length) return { customerId: null, rows: [] };
  return { customerId: r.rows[0]!.customer_id, rows: r.rows.filter((x) => x.kind !== null) as TimelineRow[] };
}

// Ranks outside 0–4 give the SQL of -1 or 5 (every branch before, or after, the cursor's kind).
const cursorKey = (before: TimelineCursor | null) => (before ? `after_${Math.max(-1, Math.min(5, before.rank))}` : 'first');

/** The timeline statement itself (tests EXPLAIN it). */
export function timelineSql(customerId: number, before: TimelineCursor | null, limit: number) {
  // Fixed shape per cursor rank (each branch's comparison depends on it): a prepared statement each,
  // planned once per connection; planning the five-branch union costs more than running it.
  return sql<TimelineRow>`${sql.raw(prepared(`timeline_${cursorKey(before)}`))} ${timelineBody(sql`${customerId}`, before, limit)}`;
}

/**
 * One page of a customer's timeline, newest first: profile changes (audit) merged with contacts,
 * activities, opportunities and requirements. Each branch is a LIMITed backward scan of its
 * (customer_id, time DESC, id DESC) index that starts at the cursor, so a page costs five short
 * index scans whatever the length of the customer's history.
 */
function timelineBody(customerId: Expression<number>, before: TimelineCursor | null, limit: number) {
  const branch = (kind: TimelineRow['kind'], timeCol: string) => {
    if (!before) return sql<boolean>`true`;
    const t = sql.ref(timeCol);
    const rank = TIMELINE_RANK[kind];
    // (at, rank, id) < cursor, written per branch so each stays a plain index range.
    if (rank < before.rank) return sql<boolean>`${t} <= ${before.at}::timestamptz`;
    if (rank > before.rank) return sql<boolean>`${t} < ${before.at}::timestamptz`;
    return sql<boolean>`(${t}, x.id) < (${before.at}::timestamptz, ${before.id})`;
  };
  return sql<TimelineRow>`
    SELECT kind, id, at, at::text AS at_text, rank, payload FROM (
      (SELECT 'audit' AS kind, x.id, x.at, 0 AS rank,
              jsonb_build_object('actor', x.actor_name, 'action', x.action, 'entity', x.entity, 'fields', x.fields, 'changes', x.changes) AS payload
         FROM audit_log x
        WHERE x.customer_id = ${customerId} AND ${TIMELINE_AUDIT_FILTER} AND ${branch('audit', 'x.at')}
        ORDER BY x.at DESC, x.id DESC LIMIT ${limit})
      UNION ALL
      (SELECT 'contact', x.id, x.started_at, 4,
              jsonb_build_object('channel', x.channel, 'summary', x.summary, 'connected', x.connected, 'owner', u.display_name, 'endedAt', x.ended_at)
         FROM engagement_contact x JOIN app_user u ON u.id = x.owner_id
        WHERE x.customer_id = ${customerId} AND ${branch('contact', 'x.started_at')}
        ORDER BY x.started_at DESC, x.id DESC LIMIT ${limit})
      UNION ALL
      (SELECT 'activity', x.id, x.starts_at, 3,
              jsonb_build_object('type', x.type, 'status', x.status, 'priority', x.priority, 'summary', x.description, 'owner', u.display_name, 'endsAt', x.ends_at, 'completed', x.completed)
         FROM engagement_activity x JOIN app_user u ON u.id = x.owner_id
        WHERE x.customer_id = ${customerId} AND ${branch('activity', 'x.starts_at')}
        ORDER BY x.starts_at DESC, x.id DESC LIMIT ${limit})
      UNION ALL
      (SELECT 'opportunity', x.id, x.created_at, 2,
              jsonb_build_object('oppNo', x.opp_no, 'summary', x.summary, 'status', x.status, 'stage', s.name, 'stageEn', s.name_en, 'expectedValueFen', x.expected_value_fen::text, 'owner', u.display_name)
         FROM opportunity x JOIN app_user u ON u.id = x.owner_id JOIN pipeline_stage s ON s.id = x.stage_id
        WHERE x.customer_id = ${customerId} AND ${branch('opportunity', 'x.created_at')}
        ORDER BY x.created_at DESC, x.id DESC LIMIT ${limit})
      UNION ALL
      (SELECT 'requirement', x.id, x.created_at, 1,
              jsonb_build_object('summary', x.summary, 'status', x.status, 'severity', x.severity, 'urgency', x.urgency, 'owner', u.display_name)
         FROM requirement x JOIN app_user u ON u.id = x.owner_id
        WHERE x.customer_id = ${customerId} AND ${branch('requirement', 'x.created_at')}
        ORDER BY x.created_at DESC, x.id DESC LIMIT ${limit})
    ) t
    ORDER BY at DESC, rank DESC, id DESC
    LIMIT ${limit}`;
}

// ---------------------------------------------------------------- sales & commission

/** The commission rule in force for a product on a day (the latest one that started). */
export function ruleFor(db: Db, productCode: string, on: string) {
  return db.selectFrom('commission_rule').selectAll().where('product_code', '=', productCode)
    .where('effective_from', '<=', on).where(({ or, eb }) => or([eb('effective_to', 'is', null), eb('effective_to', '>=', on)]))
    .orderBy('effective_from', 'desc').orderBy('id', 'desc').executeTakeFirst();
}

export function insertSale(db: Db, row: { customer_id: number; owner_id: number; product_code: string; amount_fen: number; sold_on: string; opportunity_id: number | null; commission_fen: number; commission_rule_id: number | null }) {
  return db.insertInto('sale').values(row).onConflict((oc) => oc.columns(['opportunity_id', 'product_code']).doNothing()).returning('id').executeTakeFirst();
}

export function salesOfOpportunity(db: Db, opportunityId: number) {
  return db.selectFrom('sale').selectAll().where('opportunity_id', '=', opportunityId).orderBy('id').execute();
}

const SALE_COLUMNS = [
  'x.id', 'x.customer_id', 'x.owner_id', 'x.product_code', 'x.amount_fen', 'x.sold_on', 'x.opportunity_id', 'x.commission_fen', 'x.created_at',
  'c.customer_no', 'c.name as customer_name', 'u.display_name as owner_name', 'p.name as product_name', 'p.name_en as product_name_en', 'o.opp_no',
] as const;

type SaleFilter = Omit<ListFilter, 'limit' | 'offset'> & { productCode?: string };

function saleQuery(db: Db, scope: ScopeSubject, f: SaleFilter) {
  let q = db.selectFrom('sale as x')
    .innerJoin('customer as c', 'c.id', 'x.customer_id')
    .innerJoin('app_user as u', 'u.id', 'x.owner_id')
    .innerJoin('product as p', 'p.code', 'x.product_code')
    .leftJoin('opportunity as o', 'o.id', 'x.opportunity_id')
    .where('c.deleted', '=', false)
    .where(customerScope(scope, 'c'));
  if (f.customerId) q = q.where('x.customer_id', '=', f.customerId);
  if (f.productCode) q = q.where('x.product_code', '=', f.productCode);
  if (f.from) q = q.where('x.sold_on', '>=', f.from);
  if (f.to) q = q.where('x.sold_on', '<=', f.to);
  for (const e of ownerFilter('x.owner_id', f)) q = q.where(e);
  return q;
}

export async function listSales(db: Db, scope: ScopeSubject, f: ListFilter & SaleFilter) {
  const base = saleQuery(db, scope, f);
  const [rows, total, sums] = await Promise.all([
    base.select(SALE_COLUMNS).orderBy('x.sold_on', 'desc').orderBy('x.id', 'desc').limit(f.limit).offset(f.offset).execute(),
    cappedCount(db, base.select(sql`1`.as('one'))),
    base.select([sql<string>`coalesce(sum(x.amount_fen), 0)::text`.as('amount_fen'), sql<string>`coalesce(sum(x.commission_fen), 0)::text`.as('commission_fen')]).executeTakeFirstOrThrow(),
  ]);
  return { rows, ...total, sums };
}

export function streamSales(db: Db, scope: ScopeSubject, f: SaleFilter) {
  return saleQuery(db, scope, f).select(SALE_COLUMNS).orderBy('x.sold_on', 'desc').orderBy('x.id', 'desc').stream(1000);
}

/** A salesperson's own sales and commission, per product, in a date range (their credit, whatever the customer's scope). */
export function mySales(db: Db, ownerId: number, from: string, to: string) {
  return db.selectFrom('sale as x').innerJoin('product as p', 'p.code', 'x.product_code')
    .select(['x.product_code', 'p.name', 'p.name_en', sql<number>`count(*)::int`.as('n'), sql<string>`sum(x.amount_fen)::text`.as('amount_fen'), sql<string>`sum(x.commission_fen)::text`.as('commission_fen')])
    .where('x.owner_id', '=', ownerId).where('x.sold_on', '>=', from).where('x.sold_on', '<=', to)
    .groupBy(['x.product_code', 'p.name', 'p.name_en']).orderBy('x.product_code').execute();
}

/**
 * Sales booked with no commission rule for which a rule covering their sale date now exists (a rule
 * entered after the fact), with the commission that rule gives; `limit` bounds one run.
 */
export async function salesAwaitingCommission(db: Db, limit: number) {
  const r = await sql<{ id: number; customer_id: number; product_code: string; amount_fen: number; sold_on: string; rule_id: number; commission_fen: string }>`
    SELECT s.id, s.customer_id, s.product_code, s.amount_fen, s.sold_on, r.id AS rule_id,
           coalesce(r.fixed_fen, (s.amount_fen * r.rate_bp + 5000) / 10000)::text AS commission_fen
      FROM sale s
      CROSS JOIN LATERAL (
        SELECT id, fixed_fen, rate_bp FROM commission_rule cr
         WHERE cr.product_code = s.product_code AND cr.effective_from <= s.sold_on AND (cr.effective_to IS NULL OR cr.effective_to >= s.sold_on)
         ORDER BY cr.effective_from DESC, cr.id DESC LIMIT 1) r
     WHERE s.commission_rule_id IS NULL
     ORDER BY s.id LIMIT ${limit}`.execute(db);
  return r.rows;
}

export async function setSaleCommission(db: Db, id: number, ruleId: number, commissionFen: number) {
  const r = await db.updateTable('sale').set({ commission_fen: commissionFen, commission_rule_id: ruleId })
    .where('id', '=', id).where('commission_rule_id', 'is', null).executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

export function listCommissionRules(db: Db) {
  return db.selectFrom('commission_rule as r').innerJoin('product as p', 'p.code', 'r.product_code')
    .select(['r.id', 'r.product_code', 'r.rate_bp', 'r.fixed_fen', 'r.effective_from', 'r.effective_to', 'r.created_at', 'p.name as product_name', 'p.name_en as product_name_en'])
    .orderBy('r.product_code').orderBy('r.effective_from', 'desc').execute();
}

export function insertCommissionRule(db: Db, row: { product_code: string; rate_bp: number | null; fixed_fen: number | null; effective_from: string; effective_to: string | null; created_by: number }) {
  return db.insertInto('commission_rule').values(row).returning('id').executeTakeFirstOrThrow();
}

export function getCommissionRule(db: Db, id: number) {
  return db.selectFrom('commission_rule').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function setCommissionRuleEnd(db: Db, id: number, effectiveTo: string | null) {
  await db.updateTable('commission_rule').set({ effective_to: effectiveTo }).where('id', '=', id).execute();
}

/** Rules of a product whose date range overlaps [from, to]. */
export function overlappingRules(db: Db, productCode: string, from: string, to: string | null, exceptId?: number) {
  let q = db.selectFrom('commission_rule').select('id').where('product_code', '=', productCode)
    .where(({ or, eb }) => or([eb('effective_to', 'is', null), eb('effective_to', '>=', from)]));
  if (to) q = q.where('effective_from', '<=', to);
  if (exceptId) q = q.where('id', '<>', exceptId);
  return q.execute();
}

// ---------------------------------------------------------------- funnel & targets

/** Count and expected value per stage of a pipeline (every stage listed, empty ones with zeros). */
export async function funnel(db: Db, scope: ScopeSubject, f: { pipelineId: number; ownerId?: number; orgId?: number }) {
  const base = opportunityQuery(db, scope, f);
  const counts = await base.select(['x.stage_id', sql<number>`count(*)::int`.as('n'), sql<string>`coalesce(sum(x.expected_value_fen), 0)::text`.as('value_fen'),
    sql<string>`coalesce(sum(x.expected_value_fen * x.probability / 100), 0)::bigint::text`.as('weighted_fen')]).groupBy('x.stage_id').execute();
  const stages = await db.selectFrom('pipeline_stage').selectAll().where('pipeline_id', '=', f.pipelineId).orderBy('position').execute();
  return { stages, counts };
}

export function listTargets(db: Db, scope: ScopeSubject, f: { period?: string; periodStart?: string; userId?: number; orgId?: number }) {
  let q = db.selectFrom('sales_target as t').innerJoin('app_user as app_user', 'app_user.id', 't.user_id')
    .select(['t.id', 't.user_id', 't.period', 't.period_start', 't.metric', 't.target', 't.updated_at', 'app_user.display_name as user_name'])
    .where(staffScope(scope, 'app_user'));
  if (f.period) q = q.where('t.period', '=', f.period as 'month');
  if (f.periodStart) q = q.where('t.period_start', '=', f.periodStart);
  if (f.userId) q = q.where('t.user_id', '=', f.userId);
  for (const e of ownerFilter('t.user_id', { orgId: f.orgId })) q = q.where(e);
  return q.orderBy('app_user.display_name').orderBy('t.period_start', 'desc').orderBy('t.metric').limit(1000).execute();
}

export function getTarget(db: Db, id: number) {
  return db.selectFrom('sales_target').selectAll().where('id', '=', id).executeTakeFirst();
}

export function findTarget(db: Db, k: { user_id: number; period: string; period_start: string; metric: string }) {
  return db.selectFrom('sales_target').selectAll().where('user_id', '=', k.user_id).where('period', '=', k.period as 'month')
    .where('period_start', '=', k.period_start).where('metric', '=', k.metric as TargetMetric).executeTakeFirst();
}

export function upsertTarget(db: Db, row: { user_id: number; period: 'month' | 'quarter' | 'year'; period_start: string; metric: TargetMetric; target: string; set_by: number }) {
  return db.insertInto('sales_target').values(row)
    .onConflict((oc) => oc.columns(['user_id', 'period', 'period_start', 'metric']).doUpdateSet({ target: row.target, set_by: row.set_by, updated_at: new Date() }))
    .returning('id').executeTakeFirstOrThrow();
}

export async function deleteTarget(db: Db, id: number) {
  await db.deleteFrom('sales_target').where('id', '=', id).execute();
}

/**
 * What a manager achieved on a metric in [from, to]: sales amount/count from `sale`; new customers
 * they manage created in the range; balances (AUM, deposits, loans) as they stand now.
 */
export async function actualOf(db: Db, userId: number, metric: TargetMetric, from: string, to: string): Promise<string> {
  switch (metric) {
    case 'sales_amount':
    case 'products_sold': {
      const r = await db.selectFrom('sale').select([sql<string>`coalesce(sum(amount_fen), 0)::text`.as('amount'), sql<string>`count(*)::text`.as('n')])
        .where('owner_id', '=', userId).where('sold_on', '>=', from).where('sold_on', '<=', to).executeTakeFirstOrThrow();
      return metric === 'sales_amount' ? r.amount : r.n;
    }
    case 'new_customers': {
      const r = await db.selectFrom('customer').select(sql<string>`count(*)::text`.as('n')).where('manager_id', '=', userId).where('deleted', '=', false)
        .where(sql<boolean>`created_at >= ${from}::date AND created_at < ${to}::date + 1`).executeTakeFirstOrThrow();
      return r.n;
    }
    case 'aum': {
      const r = await db.selectFrom('customer').select(sql<string>`coalesce(sum(aum_fen), 0)::text`.as('v')).where('manager_id', '=', userId).where('deleted', '=', false).executeTakeFirstOrThrow();
      return r.v;
    }
    case 'deposits':
    case 'loans': {
      const r = await db.selectFrom('account as a').innerJoin('customer as c', 'c.id', 'a.customer_id').innerJoin('product as p', 'p.code', 'a.product_code')
        .select(sql<string>`coalesce(sum(a.balance_fen), 0)::text`.as('v'))
        .where('c.manager_id', '=', userId).where('c.deleted', '=', false).where('a.status', '<>', 'closed')
        .where('p.category', '=', metric === 'deposits' ? 'deposit' : 'loan').executeTakeFirstOrThrow();
      return r.v;
    }
  }
}

// ---------------------------------------------------------------- for the workbench (managers module)

/** Sales amount, count and commission per owner in [from, to] (inclusive dates). */
export function salesByOwner(db: Db, ownerIds: number[], from: string, to: string) {
  if (!ownerIds.length) return Promise.resolve([] as { owner_id: number; n: number; amount_fen: string; commission_fen: string }[]);
  return db.selectFrom('sale').select(['owner_id', sql<number>`count(*)::int`.as('n'), sql<string>`sum(amount_fen)::text`.as('amount_fen'), sql<string>`sum(commission_fen)::text`.as('commission_fen')])
    .where('owner_id', 'in', ownerIds).where('sold_on', '>=', from).where('sold_on', '<=', to).groupBy('owner_id').execute();
}

/** A manager's open opportunities per stage: count, expected value and probability-weighted value. */
export function openPipelineByOwner(db: Db, ownerId: number) {
  return db.selectFrom('opportunity as x').innerJoin('pipeline_stage as s', 's.id', 'x.stage_id')
    .select(['x.pipeline_id', 'x.stage_id', 's.name as stage_name', 's.name_en as stage_name_en', 's.position', sql<number>`count(*)::int`.as('n'),
      sql<string>`sum(x.expected_value_fen)::text`.as('value_fen'), sql<string>`sum(x.expected_value_fen * x.probability / 100)::bigint::text`.as('weighted_fen')])
    .where('x.owner_id', '=', ownerId).where('x.status', '=', 'open')
    .groupBy(['x.pipeline_id', 'x.stage_id', 's.name', 's.name_en', 's.position']).orderBy('x.pipeline_id').orderBy('s.position').execute();
}

/** A manager's tasks: activities not completed or cancelled, due (ends_at) by `until` or with no due time, soonest first. */
export function openActivities(db: Db, ownerId: number, until: Date, limit = 100) {
  return db.selectFrom('engagement_activity as x').innerJoin('customer as c', 'c.id', 'x.customer_id')
    .select(['x.id', 'x.type', 'x.status', 'x.priority', 'x.starts_at', 'x.ends_at', 'x.description', 'c.customer_no', 'c.name as customer_name'])
    .where('x.owner_id', '=', ownerId).where('x.completed', '=', false).where('x.status', '<>', 'cancelled').where('c.deleted', '=', false)
    .where(({ or, eb }) => or([eb('x.ends_at', '<=', until), eb('x.ends_at', 'is', null)]))
    .orderBy(sql`x.ends_at ASC NULLS LAST`).orderBy('x.id').limit(limit).execute();
}

// ---------------------------------------------------------------- helpers

/** How many rows a list has, counting no further than COUNT_CAP. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
async function cappedCount(db: Db, q: SelectQueryBuilder<any, any, { one: unknown }>): Promise<{ total: number; capped: boolean }> {
  const r = await db.selectFrom(q.limit(COUNT_CAP + 1).as('cnt')).select(sql<number>`count(*)::int`.as('n')).executeTakeFirstOrThrow();
  return { total: Math.min(r.n, COUNT_CAP), capped: r.n > COUNT_CAP };
}
