import { sql } from 'kysely';
import type { Db } from '../../db/database.ts';
import { JOB_TIME_ZONE } from '../../platform/jobs.ts';
import { containing } from '../../platform/like.ts';

/** Every unit, with its user and customer counts when `withCounts` (for administrators only). Order: see orgTree. */
export function listOrgs(db: Db, withCounts: boolean) {
  return db
    .selectFrom('org_unit as o')
    .select(['o.id', 'o.parent_id', 'o.code', 'o.name', 'o.name_en', 'o.kind', 'o.path'])
    .$if(withCounts, (q) => q.select([
      sql<number>`(SELECT count(*)::int FROM app_user u WHERE u.org_id = o.id)`.as('user_count'),
      sql<number>`(SELECT count(*)::int FROM customer c WHERE c.org_id = o.id AND NOT c.deleted)`.as('customer_count'),
    ]))
    .execute();
}

export function getOrg(db: Db, id: number) {
  return db.selectFrom('org_unit').selectAll().where('id', '=', id).executeTakeFirst();
}

/** The unit, locked until the transaction ends: children are added and renamed one at a time under it. */
export function lockOrg(db: Db, id: number) {
  return db.selectFrom('org_unit').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
}

export async function orgCodeTaken(db: Db, code: string) {
  // Letter case aside (BJ05 and bj05 are one code): unique index org_unit_code_lower_key, migration 0024.
  return !!(await db.selectFrom('org_unit').select('id').where(sql<boolean>`lower(code) = lower(${code})`).executeTakeFirst());
}

/** Whether a child of `parentId` other than `exceptId` already has this name (letter case aside). */
export async function orgNameTaken(db: Db, parentId: number | null, name: string, exceptId?: number) {
  let q = db.selectFrom('org_unit').select('id').where(sql<boolean>`lower(name) = lower(${name})`);
  q = parentId === null ? q.where('parent_id', 'is', null) : q.where('parent_id', '=', parentId);
  if (exceptId !== undefined) q = q.where('id', '<>', exceptId);
  return !!(await q.executeTakeFirst());
}

/** Inserts a unit under its parent; the path needs the new id, hence the two steps. */
export async function insertOrg(db: Db, row: { parent_id: number | null; code: string; name: string; name_en: string; kind: 'head' | 'branch' | 'subbranch' | 'department' }, parentPath: string) {
  const { id } = await db.insertInto('org_unit').values({ ...row, path: `${parentPath}tmp-${row.code}/` }).returning('id').executeTakeFirstOrThrow();
  await db.updateTable('org_unit').set({ path: `${parentPath}${id}/` }).where('id', '=', id).execute();
  return id;
}

export async function updateOrg(db: Db, id: number, patch: { name?: string; name_en?: string }) {
  await db.updateTable('org_unit').set(patch).where('id', '=', id).execute();
}

/**
 * Moves a unit under `parentId` and rewrites the paths of it and everything below it ('/1/2/5/…' → '/1/3/5/…').
 * Paths end in their unit's own id, so no rewritten path can meet one not yet rewritten. Returns how many units moved.
 */
export async function moveOrg(db: Db, id: number, parentId: number, oldPath: string, newPath: string) {
  await db.updateTable('org_unit').set({ parent_id: parentId }).where('id', '=', id).execute();
  const res = await db.updateTable('org_unit')
    .set({ path: sql<string>`${newPath} || substr(path, ${oldPath.length + 1})` })
    .where('path', 'like', `${oldPath}%`)
    .executeTakeFirst();
  return Number(res.numUpdatedRows);
}

/** What a unit still holds: its sub-units, users (any status) and customers (deleted ones too: they keep the unit). */
export async function orgHoldings(db: Db, id: number) {
  const r = await sql<{ children: number; users: number; customers: number }>`SELECT
    (SELECT count(*)::int FROM org_unit WHERE parent_id = ${id}) AS children,
    (SELECT count(*)::int FROM app_user WHERE org_id = ${id}) AS users,
    (SELECT count(*)::int FROM customer WHERE org_id = ${id}) AS customers`.execute(db);
  return r.rows[0]!;
}

export async function deleteOrg(db: Db, id: number) {
  await db.deleteFrom('org_unit').where('id', '=', id).execute();
}

/** `orgOrder`: the org units' ids in tree order; users are listed by it, then by username. */
export async function listUsers(db: Db, f: { q?: string; orgPath?: string; orgOrder: number[]; limit: number; offset: number }) {
  let q = db.selectFrom('app_user as u').innerJoin('org_unit as o', 'o.id', 'u.org_id').innerJoin('role as r', 'r.id', 'u.role_id');
  if (f.q) q = q.where(({ or, eb }) => or([eb('u.username', 'ilike', containing(f.q!)), eb('u.display_name', 'ilike', containing(f.q!))]));
  if (f.orgPath) q = q.where('o.path', 'like', `${f.orgPath}%`);
  const [items, total] = await Promise.all([
    q.select([
      'u.id', 'u.username', 'u.display_name', 'u.org_id', 'o.name as org_name', 'o.name_en as org_name_en', 'r.code as role_code', 'r.name as role_name', 'r.name_en as role_name_en',
      'u.status', 'u.manager_level', 'u.email', 'u.mobile', 'u.locked_until', 'u.created_at',
    ]).orderBy(sql`array_position(${sql.val(f.orgOrder)}::int[], o.id)`).orderBy('u.username').limit(f.limit).offset(f.offset).execute(),
    q.select(sql<number>`count(*)::int`.as('n')).executeTakeFirstOrThrow(),
  ]);
  return { items, total: total.n };
}

export function getUser(db: Db, id: number) {
  return db.selectFrom('app_user').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function usernameTaken(db: Db, username: string) {
  // Letter case aside (cm01 and CM01 are one name): unique index app_user_username_lower_key, migration 0024.
  return !!(await db.selectFrom('app_user').select('id').where(sql<boolean>`lower(username) = lower(${username})`).executeTakeFirst());
}

/** How many customers (not deleted) the user manages outside `orgId`. */
export async function countManagedOutside(db: Db, userId: number, orgId: number) {
  const r = await db.selectFrom('customer').select(sql<number>`count(*)::int`.as('n'))
    .where('manager_id', '=', userId).where('deleted', '=', false).where('org_id', '<>', orgId).executeTakeFirstOrThrow();
  return r.n;
}

/** Moves the customers (not deleted) the user manages into `orgId`; returns each one moved, with the org it left. */
export async function moveManagedCustomers(db: Db, userId: number, orgId: number) {
  const r = await sql<{ id: number; customer_no: string; from_org: number }>`
    WITH old AS (SELECT id, org_id FROM customer WHERE manager_id = ${userId} AND NOT deleted AND org_id <> ${orgId} FOR UPDATE)
    UPDATE customer c SET org_id = ${orgId}, updated_at = now(), version = c.version + 1 FROM old WHERE c.id = old.id
    RETURNING c.id, c.customer_no, old.org_id AS from_org`.execute(db);
  return r.rows.sort((a, b) => a.customer_no.localeCompare(b.customer_no));
}

export function getRoleByCode(db: Db, code: string) {
  return db.selectFrom('role').selectAll().where('code', '=', code).executeTakeFirst();
}

export function insertUser(db: Db, row: { username: string; display_name: string; password_hash: string; org_id: number; role_id: number; manager_level: 'junior' | 'intermediate' | 'senior' | null; email: string | null; mobile: string | null; must_change_password?: boolean }) {
  return db.insertInto('app_user').values(row).returning('id').executeTakeFirstOrThrow();
}

export async function updateUser(db: Db, id: number, patch: Record<string, unknown>) {
  await db.updateTable('app_user').set({ ...patch, updated_at: new Date() }).where('id', '=', id).execute();
}

/** Ids of the active users holding a role, other than `exceptId`, locked so two demotions cannot both pass a count. */
export async function lockActiveUsersOfRole(db: Db, roleId: number, exceptId: number) {
  const rows = await db.selectFrom('app_user').select('id').where('role_id', '=', roleId).where('status', '=', 'active').where('id', '<>', exceptId).forUpdate().execute();
  return rows.map((r) => r.id);
}

export async function deleteSessionsOf(db: Db, userId: number) {
  await db.deleteFrom('session').where('user_id', '=', userId).execute();
}

export function listRoles(db: Db) {
  return db
    .selectFrom('role as r')
    .select(['r.id', 'r.code', 'r.name', 'r.name_en', 'r.data_scope', 'r.permissions', 'r.builtin', sql<number>`(SELECT count(*)::int FROM app_user u WHERE u.role_id = r.id)`.as('user_count')])
    .orderBy('r.id')
    .execute();
}

export function getRole(db: Db, id: number) {
  return db.selectFrom('role').selectAll().where('id', '=', id).executeTakeFirst();
}

/** Serialises role writes (rare) so two roles cannot take the same name at once; reads are not blocked. */
export async function lockRoles(db: Db) {
  await sql`LOCK TABLE role IN SHARE ROW EXCLUSIVE MODE`.execute(db);
}

/** The role other than `exceptId` whose `column` (name or name_en) already reads `value`, letter case aside. */
export function findRoleNamed(db: Db, column: 'name' | 'name_en', value: string, exceptId?: number) {
  let q = db.selectFrom('role').select(['id', 'code']).where(sql<boolean>`lower(${sql.ref(column)}) = lower(${value})`);
  if (exceptId !== undefined) q = q.where('id', '<>', exceptId);
  return q.executeTakeFirst();
}

export function insertRole(db: Db, row: { code: string; name: string; name_en: string; data_scope: 'own' | 'org' | 'subtree' | 'all'; permissions: string[] }) {
  return db.insertInto('role').values(row).returning('id').executeTakeFirstOrThrow();
}

/** Whether a role other than `exceptId` holds `permission` and has an active user. */
export async function permissionHeldElsewhere(db: Db, permission: string, exceptId: number) {
  return !!(await db.selectFrom('role as r').select('r.id').where('r.id', '<>', exceptId).where(sql<boolean>`${permission} = ANY(r.permissions)`)
    .where(({ exists, selectFrom }) => exists(selectFrom('app_user as u').select('u.id').whereRef('u.role_id', '=', 'r.id').where('u.status', '=', 'active')))
    .executeTakeFirst());
}

/** Whether an active user other than `exceptUserId` holds `permission` through their role. */
export async function permissionHeldByAnotherUser(db: Db, permission: string, exceptUserId: number) {
  return !!(await db.selectFrom('app_user as u').innerJoin('role as r', 'r.id', 'u.role_id').select('u.id')
    .where('u.status', '=', 'active').where('u.id', '<>', exceptUserId).where(sql<boolean>`${permission} = ANY(r.permissions)`)
    .executeTakeFirst());
}

/**
 * Serialises the changes that could take the last holder of an administering permission away (a user disabled or
 * given another role, a role's permissions cut): two of them, each checked alone, could together leave no one.
 */
export async function lockAdministration(db: Db) {
  await sql`SELECT pg_advisory_xact_lock(hashtext('banyan:administration'))`.execute(db);
}

export async function updateRole(db: Db, id: number, patch: Record<string, unknown>) {
  await db.updateTable('role').set(patch).where('id', '=', id).execute();
}

export type AuditFilter = { actor?: string; customerNo?: string; action?: string; from?: string; to?: string };

function auditQuery(db: Db, f: AuditFilter) {
  let q = db.selectFrom('audit_log as a').leftJoin('customer as c', 'c.id', 'a.customer_id');
  // A username whatever its case (CM01 finds cm01).
  if (f.actor) q = q.where(sql<boolean>`lower(a.actor_name) = lower(${f.actor.trim()})`);
  if (f.customerNo) q = q.where('c.customer_no', '=', f.customerNo);
  if (f.action) q = q.where('a.action', '=', f.action);
  // Days are the bank's days (its time zone), not the server's.
  if (f.from) q = q.where(sql<boolean>`a.at >= (${f.from}::date::timestamp AT TIME ZONE ${JOB_TIME_ZONE})`);
  if (f.to) q = q.where(sql<boolean>`a.at < ((${f.to}::date + 1)::timestamp AT TIME ZONE ${JOB_TIME_ZONE})`);
  return q;
}

const AUDIT_COLUMNS = ['a.id', 'a.at', 'a.actor_name', 'a.action', 'a.entity', 'a.entity_id', 'c.customer_no', 'c.name as customer_name', 'a.fields', 'a.changes', 'a.ip'] as const;

export async function searchAudit(db: Db, f: AuditFilter, limit: number, offset: number) {
  const q = auditQuery(db, f);
  const [items, total] = await Promise.all([
    q.select(AUDIT_COLUMNS).orderBy('a.at', 'desc').orderBy('a.id', 'desc').limit(limit).offset(offset).execute(),
    db.selectFrom(q.select(sql`1`.as('one')).limit(100_001).as('x')).select(sql<number>`count(*)::int`.as('n')).executeTakeFirstOrThrow(),
  ]);
  return { items, total: total.n };
}

export function streamAudit(db: Db, f: AuditFilter) {
  return auditQuery(db, f).select(AUDIT_COLUMNS).orderBy('a.at', 'desc').orderBy('a.id', 'desc').stream(1000);
}

export function getHeadOffice(db: Db) {
  return db.selectFrom('org_unit').selectAll().where('parent_id', 'is', null).orderBy('id').executeTakeFirst();
}

export async function insertHeadOffice(db: Db) {
  return insertOrg(db, { parent_id: null, code: 'HQ', name: '总行', name_en: 'Head office', kind: 'head' }, '/');
}

export async function countCustomers(db: Db) {
  const r = await db.selectFrom('customer').select(sql<number>`count(*)::int`.as('n')).executeTakeFirstOrThrow();
  return r.n;
}
