import { sql, type Expression, type SqlBool } from 'kysely';
import { prepared, type Db } from '../../db/database.ts';
import { customerScope, staffScope, type ScopeSubject } from '../../platform/scope.ts';
import { containing, escapeLike } from '../../platform/like.ts';
import type { ManagerLevel, ReminderKind, ReportKind, TransferStatus } from './managers.table.ts';

// Tables of other modules (engagement, service, products) are read through plain SQL against the
// table contracts, so this module does not depend on their TypeScript table types.

/** Users who can be given customers: active customer managers under `orgPath` (or anywhere). */
export function listManagers(db: Db, orgPath: string | null, orgId?: number) {
  let q = db.selectFrom('app_user as u').innerJoin('org_unit as o', 'o.id', 'u.org_id').innerJoin('role as r', 'r.id', 'u.role_id')
    .select(['u.id', 'u.username', 'u.display_name', 'u.org_id', 'o.name as org_name', 'o.name_en as org_name_en', 'u.manager_level'])
    .where('u.status', '=', 'active').where('r.code', '=', 'customer_manager');
  if (orgPath) q = q.where('o.path', 'like', `${orgPath}%`);
  if (orgId) q = q.where('u.org_id', '=', orgId);
  return q.orderBy('o.path').orderBy('u.username').execute();
}

export type StaffRow = {
  id: number; username: string; display_name: string; status: 'active' | 'disabled'; org_id: number; org_path: string; org_name: string; role_code: string;
};

/** One user with org and role, whatever the status. */
export function getStaff(db: Db, id: number): Promise<StaffRow | undefined> {
  return db.selectFrom('app_user as u').innerJoin('org_unit as o', 'o.id', 'u.org_id').innerJoin('role as r', 'r.id', 'u.role_id')
    .select(['u.id', 'u.username', 'u.display_name', 'u.status', 'u.org_id', 'o.path as org_path', 'o.name as org_name', 'r.code as role_code'])
    .where('u.id', '=', id).executeTakeFirst();
}

/** Whether `userId` is inside the staff scope of `scope`. */
export async function staffInScope(db: Db, scope: ScopeSubject, userId: number): Promise<boolean> {
  const r = await db.selectFrom('app_user as u').select('u.id').where('u.id', '=', userId).where(staffScope(scope, 'u')).executeTakeFirst();
  return !!r;
}

/** Path of the branch (分行) an org unit belongs to: its nearest ancestor of kind branch, else the head office. */
export async function branchPathOf(db: Db, orgPath: string): Promise<string> {
  const r = await sql<{ path: string }>`
    SELECT path FROM org_unit WHERE ${orgPath} LIKE path || '%' AND kind IN ('branch','head')
    ORDER BY (kind = 'branch') DESC, length(path) DESC LIMIT 1`.execute(db);
  return r.rows[0]?.path ?? orgPath;
}

/** A live customer inside the scope (no lock), for checks before a write. */
export function getCustomer(db: Db, scope: ScopeSubject, customerNo: string) {
  return db.selectFrom('customer as c').select(['c.id', 'c.customer_no', 'c.name', 'c.manager_id', 'c.org_id'])
    .where('c.customer_no', '=', customerNo).where('c.deleted', '=', false).where(customerScope(scope, 'c')).executeTakeFirst();
}

// ---------------------------------------------------------------- profiles

export type ProfileFilter = { orgId?: number; level?: ManagerLevel; q?: string; limit: number; offset: number };

function profileQuery(db: Db, scope: ScopeSubject, f: Omit<ProfileFilter, 'limit' | 'offset'>) {
  let q = db.selectFrom('app_user as u').innerJoin('org_unit as o', 'o.id', 'u.org_id').innerJoin('role as r', 'r.id', 'u.role_id')
    .leftJoin('manager_profile as p', 'p.user_id', 'u.id')
    .where('r.code', '=', 'customer_manager').where(staffScope(scope, 'u'));
  if (f.orgId) q = q.where(sql<boolean>`o.path LIKE (SELECT path FROM org_unit WHERE id = ${f.orgId}) || '%'`);
  if (f.level) q = q.where(sql<boolean>`coalesce(p.level, u.manager_level, 'junior') = ${f.level}`);
  if (f.q) q = q.where((eb) => eb.or([eb('u.username', 'ilike', containing(f.q!)), eb('u.display_name', 'ilike', containing(f.q!))]));
  return q;
}

const profileColumns = [
  'u.id', 'u.username', 'u.display_name', 'u.status', 'u.org_id', 'o.name as org_name', 'o.name_en as org_name_en', 'p.recognized_on', 'p.specialities',
  'p.max_customers', 'p.remarks', 'p.updated_at',
  sql<ManagerLevel | null>`coalesce(p.level, u.manager_level)`.as('level'),
  // Per-manager totals through customer_manager_idx: a handful of rows per manager, never a scan.
  sql<number>`(SELECT count(*)::int FROM customer c WHERE c.manager_id = u.id AND NOT c.deleted)`.as('customer_count'),
  sql<string>`(SELECT coalesce(sum(c.aum_fen), 0)::text FROM customer c WHERE c.manager_id = u.id AND NOT c.deleted)`.as('aum_fen'),
] as const;

export async function listProfiles(db: Db, scope: ScopeSubject, f: ProfileFilter) {
  const base = profileQuery(db, scope, f);
  const [rows, count] = await Promise.all([
    base.select([...profileColumns]).orderBy('o.path').orderBy('u.username').limit(f.limit).offset(f.offset).execute(),
    base.select(sql<number>`count(*)::int`.as('n')).executeTakeFirstOrThrow(),
  ]);
  return { rows, total: count.n };
}

export function streamProfiles(db: Db, scope: ScopeSubject, f: Omit<ProfileFilter, 'limit' | 'offset'>) {
  return profileQuery(db, scope, f).select([...profileColumns]).orderBy('o.path').orderBy('u.username').stream(500);
}

export function getProfile(db: Db, userId: number) {
  return db.selectFrom('app_user as u').innerJoin('org_unit as o', 'o.id', 'u.org_id').innerJoin('role as r', 'r.id', 'u.role_id')
    .leftJoin('manager_profile as p', 'p.user_id', 'u.id')
    .select([...profileColumns, 'r.code as role_code'])
    .where('u.id', '=', userId).executeTakeFirst();
}

export type ProfileRow = { user_id: number; level: ManagerLevel; recognized_on: string | null; specialities: string[]; max_customers: number | null; remarks: string | null; updated_by: number };

export async function upsertProfile(db: Db, row: ProfileRow) {
  await db.insertInto('manager_profile').values({ ...row, updated_at: new Date() })
    .onConflict((oc) => oc.column('user_id').doUpdateSet({
      level: row.level, recognized_on: row.recognized_on, specialities: row.specialities, max_customers: row.max_customers, remarks: row.remarks,
      updated_by: row.updated_by, updated_at: new Date(),
    })).execute();
  // app_user.manager_level is what older screens (and GET /api/managers) read.
  await db.updateTable('app_user').set({ manager_level: row.level, updated_at: new Date() }).where('id', '=', row.user_id).execute();
}

// ---------------------------------------------------------------- performance

/** Current balances of a manager's customers' open accounts, per product category. */
export function balancesByCategory(db: Db, managerId: number) {
  return balancesByCategorySql(managerId).execute(db).then((r) => r.rows);
}

const balancesByCategorySql = (managerId: number) => sql<{ category: string; is_asset: boolean; fen: string }>`
    SELECT p.category, p.is_asset, coalesce(sum(a.balance_fen), 0)::text AS fen
    FROM customer c JOIN account a ON a.customer_id = c.id JOIN product p ON p.code = a.product_code
    WHERE c.manager_id = ${managerId} AND NOT c.deleted AND a.status <> 'closed'
    GROUP BY p.category, p.is_asset`;

/** Sales credited to the manager in the current month, quarter and year (engagement's `sale`, sale_owner_idx). */
export function salesByPeriod(db: Db, managerId: number, starts: PeriodStarts) {
  return salesByPeriodSql(managerId, starts).execute(db).then((r) => r.rows[0]!);
}

export type PeriodStarts = { month: string; quarter: string; year: string };
export type SalesRow = { month_fen: string; month_n: number; quarter_fen: string; quarter_n: number; year_fen: string; year_n: number };

function salesByPeriodSql(managerId: number, starts: PeriodStarts) {
  return sql<SalesRow>`
    SELECT coalesce(sum(amount_fen) FILTER (WHERE sold_on >= ${starts.month}::date), 0)::text AS month_fen,
           count(*) FILTER (WHERE sold_on >= ${starts.month}::date)::int AS month_n,
           coalesce(sum(amount_fen) FILTER (WHERE sold_on >= ${starts.quarter}::date), 0)::text AS quarter_fen,
           count(*) FILTER (WHERE sold_on >= ${starts.quarter}::date)::int AS quarter_n,
           coalesce(sum(amount_fen), 0)::text AS year_fen, count(*)::int AS year_n
    FROM sale WHERE owner_id = ${managerId} AND sold_on >= ${starts.year}::date`;
}

/** The manager's targets for the periods containing `on` (engagement's `sales_target`). */
export function targetsOn(db: Db, userId: number, periods: { period: string; start: string }[]) {
  if (!periods.length) return Promise.resolve([]);
  return targetsOnSql(userId, periods).execute(db).then((r) => r.rows);
}

export type TargetRow = { period: 'month' | 'quarter' | 'year'; period_start: string; metric: string; target: string };

function targetsOnSql(userId: number, periods: { period: string; start: string }[]) {
  const pairs = sql.join(periods.map((p) => sql`(${p.period}, ${p.start}::date)`));
  return sql<TargetRow>`
    SELECT period, period_start::text AS period_start, metric, target::text AS target FROM sales_target
    WHERE user_id = ${userId} AND (period, period_start) IN (${pairs})`;
}

/** Snapshot rows of one manager on the given dates (month ends for the trend). */
export function snapshotOn(db: Db, managerIds: number[], dates: string[]) {
  return snapshotOnSql(managerIds, dates).execute(db).then((r) => r.rows);
}

export type SnapshotRow = { manager_id: number; as_of: string; category: string; is_asset: boolean; fen: string };

function snapshotOnSql(managerIds: number[], dates: string[]) {
  return sql<SnapshotRow>`
    SELECT manager_id, as_of::text AS as_of, category, is_asset, balance_fen::text AS fen FROM manager_balance_snapshot
    WHERE manager_id = ANY(${managerIds}::int[]) AND as_of = ANY(${dates}::date[])`;
}

/** The latest snapshot date on or before `today` (for one manager, or for anyone). */
export async function latestSnapshot(db: Db, today: string, managerId?: number): Promise<string | null> {
  const r = await sql<{ d: string | null }>`
    SELECT max(as_of)::text AS d FROM manager_balance_snapshot
    WHERE as_of <= ${today}::date ${managerId === undefined ? sql`` : sql`AND manager_id = ${managerId}`}`.execute(db);
  return r.rows[0]?.d ?? null;
}

/** Recomputes today's snapshot of every manager's book from current account balances. */
export async function snapshotCurrent(trx: Db, asOf: string) {
  await sql`DELETE FROM manager_balance_snapshot WHERE as_of = ${asOf}::date`.execute(trx);
  const r = await sql`
    INSERT INTO manager_balance_snapshot (manager_id, as_of, category, is_asset, balance_fen, accounts)
    SELECT c.manager_id, ${asOf}::date, p.category, p.is_asset, sum(a.balance_fen), count(*)::int
    FROM account a JOIN customer c ON c.id = a.customer_id JOIN product p ON p.code = a.product_code
    WHERE c.manager_id IS NOT NULL AND NOT c.deleted AND a.status <> 'closed'
    GROUP BY c.manager_id, p.category, p.is_asset`.execute(trx);
  return Number(r.numAffectedRows ?? 0);
}

/** Month ends not yet in the snapshot for which daily balances exist. */
export async function missingMonthEnds(db: Db, monthEnds: string[]) {
  const r = await sql<{ d: string }>`
    SELECT d::date::text AS d FROM unnest(${monthEnds}::date[]) AS d
    WHERE NOT EXISTS (SELECT 1 FROM manager_balance_snapshot s WHERE s.as_of = d)
      AND EXISTS (SELECT 1 FROM account_balance_daily b WHERE b.as_of = d)`.execute(db);
  return r.rows.map((x) => x.d);
}

/** A month end's snapshot from account_balance_daily, by the customers' current managers. */
export async function snapshotMonthEnd(trx: Db, asOf: string) {
  const r = await sql`
    INSERT INTO manager_balance_snapshot (manager_id, as_of, category, is_asset, balance_fen, accounts)
    SELECT c.manager_id, d.as_of, p.category, p.is_asset, sum(d.balance_fen), count(*)::int
    FROM account_balance_daily d JOIN account a ON a.id = d.account_id JOIN customer c ON c.id = d.customer_id JOIN product p ON p.code = a.product_code
    WHERE d.as_of = ${asOf}::date AND c.manager_id IS NOT NULL AND NOT c.deleted
    GROUP BY c.manager_id, d.as_of, p.category, p.is_asset
    ON CONFLICT (manager_id, as_of, category, is_asset) DO NOTHING`.execute(trx);
  return Number(r.numAffectedRows ?? 0);
}

// ---------------------------------------------------------------- assignment

export type AssignRule = {
  orgId?: number; typeCode?: string; party?: 'person' | 'organization'; status?: string; levelCode?: string;
  aumMinFen?: number; aumMaxFen?: number; unassignedOnly?: boolean; fromManagerId?: number; customerNos?: string[];
};

function ruleWhere(scope: ScopeSubject, r: AssignRule): Expression<SqlBool>[] {
  const w: Expression<SqlBool>[] = [sql<boolean>`NOT c.deleted`, customerScope(scope, 'c')];
  if (r.customerNos?.length) w.push(sql<boolean>`c.customer_no = ANY(${r.customerNos}::text[])`);
  if (r.orgId) w.push(sql<boolean>`c.org_id IN (SELECT o.id FROM org_unit o WHERE o.path LIKE (SELECT path FROM org_unit WHERE id = ${r.orgId}) || '%')`);
  if (r.typeCode) w.push(sql<boolean>`c.type_id IN (WITH RECURSIVE t AS (SELECT id FROM customer_type WHERE code = ${r.typeCode} UNION ALL SELECT ct.id FROM customer_type ct JOIN t ON ct.parent_id = t.id) SELECT id FROM t)`);
  if (r.party) w.push(sql<boolean>`c.party = ${r.party}`);
  if (r.status) w.push(sql<boolean>`c.status = ${r.status}`);
  if (r.levelCode) w.push(sql<boolean>`c.level_code = ${r.levelCode}`);
  if (r.aumMinFen !== undefined) w.push(sql<boolean>`c.aum_fen >= ${r.aumMinFen}`);
  if (r.aumMaxFen !== undefined) w.push(sql<boolean>`c.aum_fen < ${r.aumMaxFen}`);
  if (r.unassignedOnly) w.push(sql<boolean>`c.manager_id IS NULL`);
  if (r.fromManagerId) w.push(sql<boolean>`c.manager_id = ${r.fromManagerId}`);
  return w;
}

const andAll = (w: Expression<SqlBool>[]) => sql.join(w, sql` AND `);

export async function countByRule(db: Db, scope: ScopeSubject, rule: AssignRule, excludeManagerId: number) {
  const r = await sql<{ n: number; aum_fen: string }>`
    SELECT count(*)::int AS n, coalesce(sum(c.aum_fen), 0)::text AS aum_fen FROM customer c
    WHERE ${andAll(ruleWhere(scope, rule))} AND c.manager_id IS DISTINCT FROM ${excludeManagerId}`.execute(db);
  return r.rows[0];
}

export async function sampleByRule(db: Db, scope: ScopeSubject, rule: AssignRule, excludeManagerId: number, limit: number) {
  const r = await sql<{ customer_no: string; name: string; aum_fen: string; manager_name: string | null; org_name: string }>`
    SELECT c.customer_no, c.name, c.aum_fen::text AS aum_fen, m.display_name AS manager_name, o.name AS org_name
    FROM customer c JOIN org_unit o ON o.id = c.org_id LEFT JOIN app_user m ON m.id = c.manager_id
    WHERE ${andAll(ruleWhere(scope, rule))} AND c.manager_id IS DISTINCT FROM ${excludeManagerId}
    ORDER BY c.aum_fen DESC, c.id LIMIT ${limit}`.execute(db);
  return r.rows;
}

export type Moved = { id: number; customer_no: string; from_manager_id: number | null; from_org_id: number };

/**
 * Gives every customer matching the rule to `managerId` (the customer follows the manager's org, as
 * customers.service transfer does) and writes customer_manager_history, in one statement.
 */
/** Which codes and ids a rule names that do not exist (a rule on them would silently match nobody). */
export async function unknownRuleRefs(db: Db, r: Pick<AssignRule, 'levelCode' | 'typeCode' | 'orgId'>) {
  const x = await sql<{ level: boolean; type: boolean; org: boolean }>`SELECT
    ${r.levelCode === undefined ? sql`true` : sql`EXISTS (SELECT 1 FROM customer_level WHERE code = ${r.levelCode})`} AS level,
    ${r.typeCode === undefined ? sql`true` : sql`EXISTS (SELECT 1 FROM customer_type WHERE code = ${r.typeCode})`} AS type,
    ${r.orgId === undefined ? sql`true` : sql`EXISTS (SELECT 1 FROM org_unit WHERE id = ${r.orgId})`} AS org`.execute(db);
  const row = x.rows[0]!;
  return { levelCode: !row.level, typeCode: !row.type, orgId: !row.org };
}

export async function assignByRule(trx: Db, scope: ScopeSubject, rule: AssignRule, to: { managerId: number; orgId: number }, reason: string, byUserId: number) {
  const r = await sql<Moved>`
    WITH target AS (
      SELECT c.id, c.manager_id AS from_manager_id, c.org_id AS from_org_id FROM customer c
      WHERE ${andAll(ruleWhere(scope, rule))} AND c.manager_id IS DISTINCT FROM ${to.managerId}
      FOR UPDATE OF c
    ), moved AS (
      UPDATE customer c SET manager_id = ${to.managerId}, org_id = ${to.orgId}, updated_at = now(), version = c.version + 1
      FROM target t WHERE c.id = t.id
      RETURNING c.id, c.customer_no, t.from_manager_id, t.from_org_id
    ), hist AS (
      INSERT INTO customer_manager_history (customer_id, from_manager_id, to_manager_id, reason, by_user_id)
      SELECT id, from_manager_id, ${to.managerId}, ${reason}, ${byUserId} FROM moved
    )
    SELECT * FROM moved ORDER BY id`.execute(trx);
  return r.rows;
}

/** Moves the given customers (ids) to one manager, with history; used by handover. */
export async function moveCustomers(trx: Db, ids: number[], to: { managerId: number; orgId: number }, reason: string, byUserId: number) {
  if (!ids.length) return [];
  const r = await sql<Moved>`
    WITH target AS (SELECT c.id, c.manager_id AS from_manager_id, c.org_id AS from_org_id FROM customer c WHERE c.id = ANY(${ids}::bigint[]) FOR UPDATE),
    moved AS (
      UPDATE customer c SET manager_id = ${to.managerId}, org_id = ${to.orgId}, updated_at = now(), version = c.version + 1
      FROM target t WHERE c.id = t.id RETURNING c.id, c.customer_no, t.from_manager_id, t.from_org_id
    ), hist AS (
      INSERT INTO customer_manager_history (customer_id, from_manager_id, to_manager_id, reason, by_user_id)
      SELECT id, from_manager_id, ${to.managerId}, ${reason}, ${byUserId} FROM moved
    )
    SELECT * FROM moved ORDER BY id`.execute(trx);
  return r.rows;
}

/** Every live customer of a manager, locked, biggest first. */
export function customersOfForUpdate(trx: Db, managerId: number) {
  return sql<{ id: number; customer_no: string; aum_fen: string }>`
    SELECT id, customer_no, aum_fen::text AS aum_fen FROM customer WHERE manager_id = ${managerId} AND NOT deleted
    ORDER BY aum_fen DESC, id FOR UPDATE`.execute(trx).then((r) => r.rows);
}

export async function insertHandover(trx: Db, row: { from_manager_id: number; to_manager_ids: number[]; customer_count: number; distribution: unknown; reason: string; created_by: number }) {
  return trx.insertInto('manager_handover').values({ ...row, distribution: JSON.stringify(row.distribution) }).returning('id').executeTakeFirstOrThrow();
}

// ---------------------------------------------------------------- transfer requests

export async function insertTransferRequest(trx: Db, row: { customer_id: number; from_manager_id: number | null; to_manager_id: number; reason: string; requested_by: number }) {
  return trx.insertInto('customer_transfer_request').values(row).returning('id').executeTakeFirstOrThrow();
}

export async function hasPendingTransfer(db: Db, customerId: number) {
  const r = await db.selectFrom('customer_transfer_request').select('id').where('customer_id', '=', customerId).where('status', '=', 'pending').executeTakeFirst();
  return !!r;
}

export type TransferFilter = { status?: TransferStatus; mine?: boolean; limit: number; offset: number };

const transferColumns = sql`t.id, t.customer_id, t.from_manager_id, t.to_manager_id, t.reason, t.status, t.requested_by, t.decided_by,
  t.decided_at, t.decision_note, t.created_at, c.customer_no, c.name AS customer_name, c.aum_fen::text AS aum_fen,
  (SELECT display_name FROM app_user WHERE id = t.from_manager_id) AS from_manager_name,
  (SELECT display_name FROM app_user WHERE id = t.to_manager_id) AS to_manager_name,
  (SELECT display_name FROM app_user WHERE id = t.requested_by) AS requested_by_name,
  (SELECT display_name FROM app_user WHERE id = t.decided_by) AS decided_by_name`;

export type TransferRow = {
  id: number; customer_id: number; from_manager_id: number | null; to_manager_id: number; reason: string; status: TransferStatus; requested_by: number;
  decided_by: number | null; decided_at: Date | null; decision_note: string | null; created_at: Date; customer_no: string; customer_name: string; aum_fen: string;
  from_manager_name: string | null; to_manager_name: string | null; requested_by_name: string | null; decided_by_name: string | null;
};

/**
 * Requests whose customer is in the user's data scope, and only those: a request shows the customer's number,
 * name and AUM, so asking for it or being its receiver is no way round the scope (after a merge the request
 * follows the survivor, which may be another branch's customer).
 */
function transferWhere(scope: ScopeSubject & { id: number }, f: Pick<TransferFilter, 'status' | 'mine'>) {
  const w: Expression<SqlBool>[] = [customerScope(scope, 'c')];
  if (f.status) w.push(sql<boolean>`t.status = ${f.status}`);
  if (f.mine) w.push(sql<boolean>`(t.requested_by = ${scope.id} OR t.from_manager_id = ${scope.id} OR t.to_manager_id = ${scope.id})`);
  return andAll(w);
}

const transferRowsSql = (scope: ScopeSubject & { id: number }, f: TransferFilter) => sql<TransferRow>`
  SELECT ${transferColumns} FROM customer_transfer_request t JOIN customer c ON c.id = t.customer_id WHERE ${transferWhere(scope, f)}
  ORDER BY t.created_at DESC, t.id DESC LIMIT ${f.limit} OFFSET ${f.offset}`;

const transferCountSql = (scope: ScopeSubject & { id: number }, f: TransferFilter) => sql<{ n: number }>`
  SELECT count(*)::int AS n FROM customer_transfer_request t JOIN customer c ON c.id = t.customer_id WHERE ${transferWhere(scope, f)}`;

export async function listTransferRequests(db: Db, scope: ScopeSubject & { id: number }, f: TransferFilter) {
  const [rows, count] = await Promise.all([transferRowsSql(scope, f).execute(db), transferCountSql(scope, f).execute(db)]);
  return { rows: rows.rows, total: count.rows[0]!.n };
}

/** One request visible to the user (same rule as the list). */
export async function getTransferRequest(db: Db, scope: ScopeSubject & { id: number }, id: number, lock = false): Promise<TransferRow | undefined> {
  const r = await sql<TransferRow>`
    SELECT ${transferColumns} FROM customer_transfer_request t JOIN customer c ON c.id = t.customer_id
    WHERE t.id = ${id} AND ${transferWhere(scope, {})}
    ${lock ? sql`FOR UPDATE OF t` : sql``}`.execute(db);
  return r.rows[0];
}

export async function decideTransferRequest(trx: Db, id: number, status: TransferStatus, byUserId: number, note: string | null) {
  await trx.updateTable('customer_transfer_request').set({ status, decided_by: byUserId, decided_at: new Date(), decision_note: note }).where('id', '=', id).execute();
}

/**
 * Pending requests that no longer fit their customer: it was merged away (the row stayed on the retired customer)
 * or it has another manager than the one the request moves it from (a merge re-pointed the request to the
 * survivor, an assignment moved the customer). They are cancelled with a note saying why; `ids` narrows to some.
 */
export async function cancelStaleTransfers(trx: Db, byUserId: number | null, ids?: number[]) {
  const r = await sql<{ id: number; customer_id: number; decision_note: string }>`
    UPDATE customer_transfer_request t SET status = 'cancelled', decided_by = ${byUserId}, decided_at = now(),
      decision_note = CASE WHEN c.deleted THEN ${STALE_NOTE.merged} ELSE ${STALE_NOTE.manager} END
    FROM customer c
    WHERE c.id = t.customer_id AND t.status = 'pending' AND (c.deleted OR c.manager_id IS DISTINCT FROM t.from_manager_id)
      ${ids ? sql`AND t.id = ANY(${ids}::bigint[])` : sql``}
    RETURNING t.id, t.customer_id, t.decision_note`.execute(trx);
  return r.rows.map((x) => ({ ...x, id: Number(x.id), customer_id: Number(x.customer_id) }));
}
export const STALE_NOTE = {
  merged: '客户已被合并，申请自动撤销 / Cancelled: the customer was merged into another',
  manager: '客户的客户经理已变更（如客户合并或重新分配），申请自动撤销 / Cancelled: the customer\'s manager has changed (merge or reassignment)',
};

/** Cancels pending requests touching a manager's customers (their customers are being handed over). */
export async function cancelPendingFrom(trx: Db, managerId: number, byUserId: number, note: string) {
  const r = await trx.updateTable('customer_transfer_request').set({ status: 'cancelled', decided_by: byUserId, decided_at: new Date(), decision_note: note })
    .where('status', '=', 'pending').where((eb) => eb.or([eb('from_manager_id', '=', managerId), eb('to_manager_id', '=', managerId)]))
    .returning(['id', 'customer_id']).execute();
  return r;
}

// ---------------------------------------------------------------- reminders

export type ReminderFilter = { kind?: ReminderKind; state: 'open' | 'done' | 'dismissed' | 'all'; until?: string; limit: number; offset: number };

/** A user's reminders; customer-linked ones only while the customer stays in the user's scope. */
function reminderQuery(db: Db, scope: ScopeSubject & { id: number }, f: Pick<ReminderFilter, 'kind' | 'state' | 'until'>) {
  let q = db.selectFrom('reminder as r').leftJoin('customer as c', 'c.id', 'r.customer_id')
    .where('r.user_id', '=', scope.id)
    .where((eb) => eb.or([eb('r.customer_id', 'is', null), eb.and([sql<boolean>`NOT c.deleted`, customerScope(scope, 'c')])]));
  if (f.kind) q = q.where('r.kind', '=', f.kind);
  if (f.state === 'open') q = q.where('r.done_at', 'is', null).where('r.dismissed_at', 'is', null);
  if (f.state === 'done') q = q.where('r.done_at', 'is not', null);
  if (f.state === 'dismissed') q = q.where('r.dismissed_at', 'is not', null);
  if (f.until) q = q.where('r.due_on', '<=', f.until);
  return q;
}

/**
 * Counting stops here: a person's open work is shown as "1,000+" past it, so a manager with a
 * backlog of thousands does not pay for counting all of them on every page.
 */
export const WORK_COUNT_CAP = 1000;

/**
 * The workbench's overview counts stop sooner: a badge shows "99+" past it. Each counted row costs a
 * customer lookup (the data scope), so this keeps the overview cheap for a manager with a backlog;
 * the paged lists count to WORK_COUNT_CAP.
 */
export const WORKBENCH_COUNT_CAP = 99;

const reminderRowsQuery = (db: Db, scope: ScopeSubject & { id: number }, f: ReminderFilter) => reminderQuery(db, scope, f)
  .select(['r.id', 'r.kind', 'r.title', 'r.detail', 'r.due_on', 'r.done_at', 'r.dismissed_at', 'r.created_at', 'c.customer_no', 'c.name as customer_name'])
  .orderBy('r.due_on').orderBy('r.id').limit(f.limit).offset(f.offset);

const reminderCountQuery = (db: Db, scope: ScopeSubject & { id: number }, f: ReminderFilter, cap = WORK_COUNT_CAP) =>
  db.selectFrom(reminderQuery(db, scope, f).select('r.id').orderBy('r.due_on').limit(cap + 1).as('x')).select(sql<number>`count(*)::int`.as('n'));

export type ReminderRow = Awaited<ReturnType<ReturnType<typeof reminderRowsQuery>['execute']>>[number];

export async function listReminders(db: Db, scope: ScopeSubject & { id: number }, f: ReminderFilter) {
  const [rows, count] = await Promise.all([reminderRowsQuery(db, scope, f).execute(), reminderCountQuery(db, scope, f).executeTakeFirstOrThrow()]);
  return { rows, total: Math.min(count.n, WORK_COUNT_CAP), capped: count.n > WORK_COUNT_CAP };
}

export function getOwnReminder(db: Db, userId: number, id: number) {
  return db.selectFrom('reminder').selectAll().where('id', '=', id).where('user_id', '=', userId).forUpdate().executeTakeFirst();
}

export async function setReminderState(trx: Db, id: number, state: 'done' | 'dismissed' | 'open') {
  const now = new Date();
  const set = state === 'done' ? { done_at: now } : state === 'dismissed' ? { dismissed_at: now } : { done_at: null, dismissed_at: null };
  await trx.updateTable('reminder').set(set).where('id', '=', id).execute();
}

export async function insertReminder(trx: Db, row: { user_id: number; customer_id: number | null; kind: ReminderKind; title: string; due_on: string; source_key: string; detail: unknown }) {
  return trx.insertInto('reminder').values({ ...row, detail: JSON.stringify(row.detail) }).returning('id').executeTakeFirstOrThrow();
}

/** Birthdays of managed customers on the given month-days (MMDD as int); one reminder per customer per year. */
export async function generateBirthdays(db: Db, days: { md: number; on: string }[]) {
  if (!days.length) return 0;
  const mds = days.map((d) => d.md);
  const map = sql.join(days.map((d) => sql`(${d.md}::int, ${d.on}::date)`));
  const r = await sql`
    INSERT INTO reminder (user_id, customer_id, kind, title, due_on, source_key, detail)
    SELECT c.manager_id, c.id, 'birthday', c.name, d.on_date,
           'birthday:' || c.id || ':' || extract(year FROM d.on_date) || ':u' || c.manager_id,
           jsonb_build_object('monthDay', to_char(c.birth_date, 'MM-DD'))
    FROM customer c JOIN (VALUES ${map}) AS d(md, on_date)
      ON d.md = (extract(month FROM c.birth_date) * 100 + extract(day FROM c.birth_date))::int
    WHERE (extract(month FROM c.birth_date) * 100 + extract(day FROM c.birth_date))::int = ANY(${mds}::int[])
      AND c.birth_date IS NOT NULL AND NOT c.deleted AND c.manager_id IS NOT NULL
    ON CONFLICT (source_key) DO NOTHING`.execute(db);
  return Number(r.numAffectedRows ?? 0);
}

/** Accounts maturing between today and `until` (products' account.maturity_on), for the customer's manager. */
export async function generateMaturities(db: Db, today: string, until: string) {
  const r = await sql`
    INSERT INTO reminder (user_id, customer_id, kind, title, due_on, source_key, detail)
    SELECT c.manager_id, c.id, 'maturity', c.name || ' · ' || p.name, a.maturity_on,
           'maturity:' || a.id || ':' || a.maturity_on || ':u' || c.manager_id,
           jsonb_build_object('accountId', a.id, 'productCode', p.code, 'productName', p.name, 'productNameEn', p.name_en,
                              'category', p.category, 'balanceFen', a.balance_fen::text, 'accountTail', right(a.account_no, 4))
    FROM account a JOIN customer c ON c.id = a.customer_id JOIN product p ON p.code = a.product_code
    WHERE a.maturity_on BETWEEN ${today}::date AND ${until}::date AND a.status <> 'closed'
      AND NOT c.deleted AND c.manager_id IS NOT NULL
    ON CONFLICT (source_key) DO NOTHING`.execute(db);
  return Number(r.numAffectedRows ?? 0);
}

/**
 * Active customers with no transaction (account balance change) and no contact since `cutoff`.
 * The last activity date is part of the key, so a customer who comes back and lapses again is reminded again.
 */
export async function generateDormant(db: Db, cutoff: string, today: string) {
  const r = await sql`
    INSERT INTO reminder (user_id, customer_id, kind, title, due_on, source_key, detail)
    SELECT x.manager_id, x.id, 'dormant', x.name, ${today}::date,
           'dormant:' || x.id || ':' || coalesce(x.last_at::text, 'never') || ':u' || x.manager_id,
           jsonb_build_object('lastActivityOn', x.last_at::text)
    FROM (
      SELECT c.id, c.name, c.manager_id, GREATEST(
               (SELECT max(a.updated_at)::date FROM account a WHERE a.customer_id = c.id),
               (SELECT max(e.started_at)::date FROM engagement_contact e WHERE e.customer_id = c.id),
               c.created_at::date) AS last_at
      FROM customer c
      WHERE c.status = 'active' AND NOT c.deleted AND c.manager_id IS NOT NULL
    ) x
    WHERE x.last_at < ${cutoff}::date
    ON CONFLICT (source_key) DO NOTHING`.execute(db);
  return Number(r.numAffectedRows ?? 0);
}

/** Open service requests assigned to someone, due before `until` (service's due_at is the SLA deadline). */
export async function generateServiceDue(db: Db, until: string) {
  const r = await sql`
    INSERT INTO reminder (user_id, customer_id, kind, title, due_on, source_key, detail)
    SELECT s.assignee_id, s.customer_id, 'service_due', s.req_no || ' ' || s.subject, (s.due_at AT TIME ZONE 'Asia/Shanghai')::date,
           'service:' || s.id || ':' || (s.due_at AT TIME ZONE 'Asia/Shanghai')::date || ':u' || s.assignee_id,
           jsonb_build_object('reqNo', s.req_no, 'dueAt', s.due_at)
    FROM service_request s
    WHERE s.status NOT IN ('resolved','closed') AND s.assignee_id IS NOT NULL
      AND s.due_at < (${until}::date + 1) AT TIME ZONE 'Asia/Shanghai'
    ON CONFLICT (source_key) DO NOTHING`.execute(db);
  return Number(r.numAffectedRows ?? 0);
}

/** Activities not completed whose due time (ends_at) falls before `until`. */
export async function generateFollowUps(db: Db, until: string) {
  const r = await sql`
    INSERT INTO reminder (user_id, customer_id, kind, title, due_on, source_key, detail)
    SELECT e.owner_id, e.customer_id, 'follow_up', left(e.description, 200), (e.ends_at AT TIME ZONE 'Asia/Shanghai')::date,
           'activity:' || e.id || ':' || (e.ends_at AT TIME ZONE 'Asia/Shanghai')::date || ':u' || e.owner_id,
           jsonb_build_object('activityId', e.id, 'type', e.type, 'priority', e.priority)
    FROM engagement_activity e
    WHERE NOT e.completed AND e.status IN ('planned','in_progress') AND e.ends_at IS NOT NULL
      AND e.ends_at < (${until}::date + 1) AT TIME ZONE 'Asia/Shanghai'
    ON CONFLICT (source_key) DO NOTHING`.execute(db);
  return Number(r.numAffectedRows ?? 0);
}

// ---------------------------------------------------------------- workbench

export type MyCustomerFilter = {
  q?: string; status?: string; levelCode?: string; party?: string; aumMinFen?: number; aumMaxFen?: number;
  sort: 'aum' | 'name' | 'createdAt' | 'customerNo'; order: 'asc' | 'desc'; limit: number; offset: number;
};

const MY_SORT = { aum: 'c.aum_fen', name: 'c.name_pinyin', createdAt: 'c.created_at', customerNo: 'c.customer_no' } as const;

function myCustomerQuery(db: Db, userId: number, f: Omit<MyCustomerFilter, 'sort' | 'order' | 'limit' | 'offset'>) {
  // NOT deleted written out (not a bound false) so the planner can use the partial customer_manager_book_idx.
  let q = db.selectFrom('customer as c').where('c.manager_id', '=', userId).where(sql<boolean>`NOT c.deleted`);
  if (f.q) {
    const text = escapeLike(f.q.toLowerCase());
    const like = `%${text}%`;
    q = q.where((eb) => eb.or([eb('c.customer_no', '=', f.q!), sql<boolean>`lower(c.name) LIKE ${like}`, eb('c.name_pinyin', 'like', `${text}%`), eb('c.name_initials', 'like', `${text}%`)]));
  }
  if (f.status) q = q.where('c.status', '=', f.status as never);
  if (f.levelCode) q = q.where('c.level_code', '=', f.levelCode);
  if (f.party) q = q.where('c.party', '=', f.party as never);
  if (f.aumMinFen !== undefined) q = q.where('c.aum_fen', '>=', f.aumMinFen);
  if (f.aumMaxFen !== undefined) q = q.where('c.aum_fen', '<', f.aumMaxFen);
  return q;
}

const myCustomerColumns = [
  'c.id', 'c.customer_no', 'c.name', 'c.party', 'c.status', 'c.level_code', 'c.birth_date', 'c.created_at', 'l.name as level_name', 'l.name_en as level_name_en',
  sql<string>`c.aum_fen::text`.as('aum_fen'),
  sql<Date | null>`(SELECT max(e.started_at) FROM engagement_contact e WHERE e.customer_id = c.id)`.as('last_contact_at'),
] as const;

/** The manager's own customers (customer_manager_book_idx), one page; `withCount` false when the caller knows the total. */
export async function listMyCustomers(db: Db, userId: number, f: MyCustomerFilter, withCount = true) {
  const base = myCustomerQuery(db, userId, f);
  const [rows, count] = await Promise.all([
    myCustomerRowsQuery(db, userId, f).execute(),
    withCount ? base.select(sql<number>`count(*)::int`.as('n')).executeTakeFirstOrThrow() : Promise.resolve({ n: -1 }),
  ]);
  return { rows, total: count.n };
}

const myCustomerRowsQuery = (db: Db, userId: number, f: MyCustomerFilter) => myCustomerQuery(db, userId, f)
  .leftJoin('customer_level as l', 'l.code', 'c.level_code').select([...myCustomerColumns])
  .orderBy(sql`${sql.raw(MY_SORT[f.sort])} ${sql.raw(f.order === 'asc' ? 'ASC' : 'DESC')}, c.id ${sql.raw(f.order === 'asc' ? 'ASC' : 'DESC')}`).limit(f.limit).offset(f.offset);

export type MyCustomerRow = Awaited<ReturnType<ReturnType<typeof myCustomerRowsQuery>['execute']>>[number];

export function streamMyCustomers(db: Db, userId: number, f: MyCustomerFilter) {
  const col = sql.raw(MY_SORT[f.sort]);
  const dir = sql.raw(f.order === 'asc' ? 'ASC' : 'DESC');
  return myCustomerQuery(db, userId, f).leftJoin('customer_level as l', 'l.code', 'c.level_code').select([...myCustomerColumns])
    .orderBy(sql`${col} ${dir}, c.id ${dir}`).stream(1000);
}

export type BookRow = {
  status: string; level_code: string | null; level_name: string | null; level_name_en: string | null; rank: number | null;
  count: number; aum_fen: string; new_month: number; new_quarter: number; new_year: number;
};

const bankTime = (d: string) => sql`(${d}::date::timestamp AT TIME ZONE 'Asia/Shanghai')`;

/** Counts and AUM by status and level, customers new this month/quarter/year (bank time), per manager. */
const bookAggregate = (starts: PeriodStarts) => sql`count(*)::int AS count, coalesce(sum(c.aum_fen), 0) AS aum_fen,
  count(*) FILTER (WHERE c.created_at >= ${bankTime(starts.month)})::int AS new_month,
  count(*) FILTER (WHERE c.created_at >= ${bankTime(starts.quarter)})::int AS new_quarter,
  count(*) FILTER (WHERE c.created_at >= ${bankTime(starts.year)})::int AS new_year`;

/**
 * A manager's whole book, live, in one pass over customer_manager_book_idx. Feeds 我的客户分析 and
 * 我的业绩 when the daily book snapshot has not been taken yet (a new database).
 */
function bookSummarySql(managerId: number, starts: PeriodStarts) {
  return sql<BookRow>`
    SELECT b.status, b.level_code, l.name AS level_name, l.name_en AS level_name_en, l.rank, b.count, b.aum_fen::text AS aum_fen, b.new_month, b.new_quarter, b.new_year
    FROM (
      SELECT c.status, c.level_code, ${bookAggregate(starts)}
      FROM customer c WHERE c.manager_id = ${managerId} AND NOT c.deleted
      GROUP BY c.status, c.level_code
    ) b LEFT JOIN customer_level l ON l.code = b.level_code`;
}

export function bookSummary(db: Db, managerId: number, starts: PeriodStarts) {
  return bookSummarySql(managerId, starts).execute(db).then((r) => r.rows);
}

/**
 * The day of the book snapshot readers use: the latest run on or before `today`, for every manager at
 * once (a manager without rows that day has an empty book). Null before the first run.
 */
const bookSnapshotDay = (today: string) => sql<string | null>`(SELECT max(as_of) FROM manager_book_snapshot WHERE as_of <= ${today}::date)`;

/** A manager's book from the snapshot (manager_book_snapshot), with the time it was computed. */
function bookSnapshotSql(managerId: number, today: string) {
  return sql<BookRow & { computed_at: Date }>`
    SELECT b.status, b.level_code, l.name AS level_name, l.name_en AS level_name_en, l.rank, b.customers AS count, b.aum_fen::text AS aum_fen,
           b.new_month, b.new_quarter, b.new_year, b.computed_at
    FROM manager_book_snapshot b LEFT JOIN customer_level l ON l.code = b.level_code
    WHERE b.manager_id = ${managerId} AND b.as_of = ${bookSnapshotDay(today)}`;
}

/** The book as the workbench and performance show it: the snapshot when there is one, else live. */
export async function bookOf(db: Db, managerId: number, today: string, starts: PeriodStarts): Promise<{ rows: BookRow[]; asOf: string | null; computedAt: Date | null }> {
  const r = await sql<{ as_of: string | null; rows: (BookRow & { computed_at: string })[] | null }>`
    SELECT ${bookSnapshotDay(today)}::text AS as_of, (SELECT json_agg(t) FROM (${bookSnapshotSql(managerId, today)}) t) AS rows`.execute(db);
  const { as_of, rows } = r.rows[0]!;
  if (!as_of) return { rows: await bookSummary(db, managerId, starts), asOf: null, computedAt: null };
  return { rows: rows ?? [], asOf: as_of, computedAt: latestComputed(rows) };
}

export const latestComputed = (rows: { computed_at: string | Date }[] | null) =>
  rows?.length ? new Date(Math.max(...rows.map((x) => new Date(x.computed_at).getTime()))) : null;

/**
 * Takes the book snapshot of day `asOf` for every manager, or (refresh after an assignment, transfer
 * or handover) for `managerIds` only, on the day readers use, so their workbench is current again.
 */
export async function snapshotBooks(trx: Db, asOf: string, starts: PeriodStarts, managerIds?: number[]) {
  const only = managerIds ? sql`AND manager_id = ANY(${managerIds}::int[])` : sql``;
  await sql`DELETE FROM manager_book_snapshot WHERE as_of = ${asOf}::date ${only}`.execute(trx);
  const r = await sql`
    INSERT INTO manager_book_snapshot (manager_id, as_of, status, level_code, customers, aum_fen, new_month, new_quarter, new_year)
    SELECT c.manager_id, ${asOf}::date, c.status, c.level_code, ${bookAggregate(starts)}
    FROM customer c WHERE c.manager_id IS NOT NULL AND NOT c.deleted ${managerIds ? sql`AND c.manager_id = ANY(${managerIds}::int[])` : sql``}
    GROUP BY c.manager_id, c.status, c.level_code
    -- Two refreshes of one manager at once: the later one's figures win.
    ON CONFLICT (manager_id, as_of, status, coalesce(level_code, '')) DO UPDATE SET customers = excluded.customers, aum_fen = excluded.aum_fen,
      new_month = excluded.new_month, new_quarter = excluded.new_quarter, new_year = excluded.new_year, computed_at = excluded.computed_at`.execute(trx);
  return Number(r.numAffectedRows ?? 0);
}

/** Recomputes the book snapshot rows of the managers a move touched (nothing before the first daily run). */
export async function refreshBooks(trx: Db, managerIds: (number | null)[], today: string, starts: PeriodStarts) {
  const ids = [...new Set(managerIds.filter((x): x is number => x !== null))];
  if (!ids.length) return;
  const day = (await sql<{ d: string | null }>`SELECT ${bookSnapshotDay(today)}::text AS d`.execute(trx)).rows[0]?.d;
  if (day) await snapshotBooks(trx, day, starts, ids);
}

export type TaskRow = {
  id: number; type: string; status: string; priority: string; starts_at: Date; ends_at: Date | null; description: string;
  customer_no: string; customer_name: string;
};

/**
 * The task's customer, when the data scope admits it, looked up per task (customer_pkey). LIMIT 1 keeps the
 * planner from flattening it into a join: not knowing that a manager's tasks are mostly for their own
 * customers, it would otherwise read the manager's whole book (17,000 customers, 60 ms) to find the first 100.
 */
const scopedTaskCustomer = (scope: ScopeSubject, columns = sql`c.customer_no, c.name`) =>
  sql`CROSS JOIN LATERAL (SELECT ${columns} FROM customer c WHERE c.id = e.customer_id AND ${customerScope(scope, 'c')} LIMIT 1) c`;

/** Open activities owned by the user, soonest due first (engagement_activity_open_due_idx). */
function openTasksSql(scope: ScopeSubject & { id: number }, limit: number, offset: number) {
  return sql<TaskRow>`
    SELECT e.id, e.type, e.status, e.priority, e.starts_at, e.ends_at, e.description, c.customer_no, c.name AS customer_name
    FROM engagement_activity e ${scopedTaskCustomer(scope)}
    WHERE e.owner_id = ${scope.id} AND NOT e.completed AND e.status IN ('planned','in_progress')
    ORDER BY e.ends_at NULLS LAST, e.id LIMIT ${limit} OFFSET ${offset}`;
}

/**
 * Their count, capped; soonest due first, so the overdue ones are all inside the capped count. Status
 * and customer come from engagement_activity_open_due_idx; the data scope from customer_scope_idx.
 */
function openTaskCountSql(scope: ScopeSubject & { id: number }, cap = WORK_COUNT_CAP) {
  return sql<{ n: number; overdue: number }>`
    SELECT count(*)::int AS n, count(*) FILTER (WHERE x.ends_at < now())::int AS overdue FROM (
      SELECT e.ends_at FROM engagement_activity e ${scopedTaskCustomer(scope, sql`1`)}
      WHERE e.owner_id = ${scope.id} AND NOT e.completed AND e.status IN ('planned','in_progress')
      ORDER BY e.ends_at NULLS LAST, e.id LIMIT ${cap + 1}) x`;
}

const cappedTasks = (rows: TaskRow[], count: { n: number; overdue: number }) =>
  ({ rows, total: Math.min(count.n, WORK_COUNT_CAP), capped: count.n > WORK_COUNT_CAP, overdue: Math.min(count.overdue, WORK_COUNT_CAP) });

export async function listOpenTasks(db: Db, scope: ScopeSubject & { id: number }, limit: number, offset: number) {
  const [rows, count] = await Promise.all([openTasksSql(scope, limit, offset).execute(db), openTaskCountSql(scope).execute(db)]);
  return cappedTasks(rows.rows, count.rows[0]!);
}

/** Open opportunities owned by the user, per pipeline stage (opportunity_owner_idx). */
export function pipelineOf(db: Db, ownerIds: number[]) {
  return pipelineSql(ownerIds).execute(db).then((r) => r.rows);
}

export type StageRow = { owner_id: number; stage_id: number; stage_code: string; stage_name: string; stage_name_en: string; position: number; pipeline_name: string; pipeline_name_en: string; count: number; value_fen: string; weighted_fen: string };

function pipelineSql(ownerIds: number[]) {
  return sql<StageRow>`
    SELECT o.owner_id, s.id AS stage_id, s.code AS stage_code, s.name AS stage_name, s.name_en AS stage_name_en, s.position,
           p.name AS pipeline_name, p.name_en AS pipeline_name_en, count(*)::int AS count,
           sum(o.expected_value_fen)::text AS value_fen, sum(o.expected_value_fen * o.probability / 100)::bigint::text AS weighted_fen
    FROM opportunity o JOIN pipeline_stage s ON s.id = o.stage_id JOIN pipeline p ON p.id = o.pipeline_id
    WHERE o.owner_id = ANY(${ownerIds}::int[]) AND o.status = 'open'
    GROUP BY o.owner_id, s.id, s.code, s.name, s.name_en, s.position, p.id, p.name, p.name_en
    ORDER BY p.id, s.position`;
}

export type ContactRow = { id: number; channel: string; started_at: Date; summary: string; connected: boolean; customer_no: string; customer_name: string };

/** The user's recent contacts, newest first (engagement_contact_owner_idx). */
export async function listRecentContacts(db: Db, scope: ScopeSubject & { id: number }, limit: number, offset: number) {
  return (await recentContactsSql(scope, limit, offset).execute(db)).rows;
}

function recentContactsSql(scope: ScopeSubject & { id: number }, limit: number, offset: number) {
  return sql<ContactRow>`
    SELECT e.id, e.channel, e.started_at, e.summary, e.connected, c.customer_no, c.name AS customer_name
    FROM engagement_contact e JOIN customer c ON c.id = e.customer_id
    WHERE e.owner_id = ${scope.id} AND ${customerScope(scope, 'c')}
    ORDER BY e.started_at DESC, e.id DESC LIMIT ${limit} OFFSET ${offset}`;
}

// ---------------------------------------------------------------- team

/** Staff in the supervisor's scope who manage customers or hold the customer-manager role. */
export function teamMembers(db: Db, scope: ScopeSubject, orgId?: number) {
  let q = db.selectFrom('app_user as u').innerJoin('org_unit as o', 'o.id', 'u.org_id').innerJoin('role as r', 'r.id', 'u.role_id')
    .leftJoin('manager_profile as p', 'p.user_id', 'u.id')
    .select(['u.id', 'u.username', 'u.display_name', 'u.org_id', 'o.name as org_name', 'o.name_en as org_name_en', sql<ManagerLevel | null>`coalesce(p.level, u.manager_level)`.as('level')])
    .where('u.status', '=', 'active').where('r.code', '=', 'customer_manager').where(staffScope(scope, 'u'));
  if (orgId) q = q.where(sql<boolean>`o.path LIKE (SELECT path FROM org_unit WHERE id = ${orgId}) || '%'`);
  return q.orderBy('o.path').orderBy('u.username').execute();
}

export function teamCustomerTotals(db: Db, ids: number[]) {
  return sql<{ manager_id: number; customers: number; aum_fen: string }>`
    SELECT manager_id, count(*)::int AS customers, coalesce(sum(aum_fen), 0)::text AS aum_fen
    FROM customer WHERE manager_id = ANY(${ids}::int[]) AND NOT deleted GROUP BY manager_id`.execute(db).then((r) => r.rows);
}

export function teamBalances(db: Db, ids: number[]) {
  return sql<{ manager_id: number; category: string; fen: string }>`
    SELECT c.manager_id, p.category, sum(a.balance_fen)::text AS fen
    FROM customer c JOIN account a ON a.customer_id = c.id JOIN product p ON p.code = a.product_code
    WHERE c.manager_id = ANY(${ids}::int[]) AND NOT c.deleted AND a.status <> 'closed' AND p.category IN ('deposit','loan')
    GROUP BY c.manager_id, p.category`.execute(db).then((r) => r.rows);
}

export function teamContactCounts(db: Db, ids: number[], weekStart: Date, monthStart: Date) {
  return sql<{ owner_id: number; week: number; month: number }>`
    SELECT owner_id, count(*) FILTER (WHERE started_at >= ${weekStart})::int AS week, count(*)::int AS month
    FROM engagement_contact WHERE owner_id = ANY(${ids}::int[]) AND started_at >= ${weekStart < monthStart ? weekStart : monthStart}
    GROUP BY owner_id`.execute(db).then((r) => r.rows);
}

export function teamActivityCounts(db: Db, ids: number[], weekStart: Date, monthStart: Date, now: Date) {
  const from = weekStart < monthStart ? weekStart : monthStart;
  return sql<{ owner_id: number; week: number; month: number; done_month: number }>`
    SELECT owner_id, count(*) FILTER (WHERE starts_at >= ${weekStart})::int AS week,
           count(*) FILTER (WHERE starts_at >= ${monthStart})::int AS month,
           count(*) FILTER (WHERE starts_at >= ${monthStart} AND completed)::int AS done_month
    FROM engagement_activity WHERE owner_id = ANY(${ids}::int[]) AND starts_at >= ${from} AND starts_at <= ${now}
    GROUP BY owner_id`.execute(db).then((r) => r.rows);
}

/** Overdue work per person: open activities past due, open service requests past SLA, open reminders past due. */
export function teamOverdue(db: Db, ids: number[], now: Date, today: string) {
  return sql<{ user_id: number; activities: number; service: number; reminders: number }>`
    SELECT u.id AS user_id,
      (SELECT count(*)::int FROM engagement_activity e WHERE e.owner_id = u.id AND NOT e.completed AND e.status IN ('planned','in_progress') AND e.ends_at < ${now}) AS activities,
      (SELECT count(*)::int FROM service_request s WHERE s.assignee_id = u.id AND s.status NOT IN ('resolved','closed') AND s.due_at < ${now}) AS service,
      (SELECT count(*)::int FROM reminder r WHERE r.user_id = u.id AND r.done_at IS NULL AND r.dismissed_at IS NULL AND r.due_on < ${today}::date) AS reminders
    FROM unnest(${ids}::int[]) AS u(id)`.execute(db).then((r) => r.rows);
}

export function teamSales(db: Db, ids: number[], since: string) {
  return sql<{ owner_id: number; amount_fen: string; count: number }>`
    SELECT owner_id, sum(amount_fen)::text AS amount_fen, count(*)::int AS count FROM sale
    WHERE owner_id = ANY(${ids}::int[]) AND sold_on >= ${since}::date GROUP BY owner_id`.execute(db).then((r) => r.rows);
}

// ---------------------------------------------------------------- reports

export async function upsertReport(trx: Db, row: { user_id: number; kind: ReportKind; period_start: string; content: string; submit: boolean }) {
  const existing = await trx.selectFrom('work_report').selectAll().where('user_id', '=', row.user_id).where('kind', '=', row.kind)
    .where('period_start', '=', row.period_start).forUpdate().executeTakeFirst();
  const submitted_at = row.submit ? existing?.submitted_at ?? new Date() : existing?.submitted_at ?? null;
  if (existing) {
    await trx.updateTable('work_report').set({ content: row.content, submitted_at, updated_at: new Date() }).where('id', '=', existing.id).execute();
    return { id: existing.id, before: existing };
  }
  const r = await trx.insertInto('work_report').values({ user_id: row.user_id, kind: row.kind, period_start: row.period_start, content: row.content, submitted_at })
    .returning('id').executeTakeFirstOrThrow();
  return { id: r.id, before: undefined };
}

export type ReportFilter = { userId?: number; kind?: ReportKind; submittedOnly?: boolean; limit: number; offset: number };

/** Reports of people in the user's staff scope (their own included). Drafts are only the author's. */
function reportQuery(db: Db, scope: ScopeSubject & { id: number }, f: Pick<ReportFilter, 'userId' | 'kind' | 'submittedOnly'>) {
  let q = db.selectFrom('work_report as w').innerJoin('app_user as u', 'u.id', 'w.user_id').innerJoin('org_unit as o', 'o.id', 'u.org_id')
    .where(staffScope(scope, 'u'))
    .where((eb) => eb.or([eb('w.user_id', '=', scope.id), eb('w.submitted_at', 'is not', null)]));
  if (f.userId) q = q.where('w.user_id', '=', f.userId);
  if (f.kind) q = q.where('w.kind', '=', f.kind);
  if (f.submittedOnly) q = q.where('w.submitted_at', 'is not', null);
  return q;
}

const reportColumns = [
  'w.id', 'w.user_id', 'w.kind', 'w.period_start', 'w.content', 'w.submitted_at', 'w.created_at', 'w.updated_at', 'u.display_name as author_name',
  'o.name as org_name', 'o.name_en as org_name_en',
  sql<number>`(SELECT count(*)::int FROM work_report_comment k WHERE k.report_id = w.id)`.as('comment_count'),
] as const;

const reportRowsQuery = (db: Db, scope: ScopeSubject & { id: number }, f: ReportFilter) =>
  reportQuery(db, scope, f).select([...reportColumns]).orderBy('w.period_start', 'desc').orderBy('w.id', 'desc').limit(f.limit).offset(f.offset);

export type ReportRow = Awaited<ReturnType<ReturnType<typeof reportRowsQuery>['execute']>>[number];

export async function listReports(db: Db, scope: ScopeSubject & { id: number }, f: ReportFilter) {
  const [rows, count] = await Promise.all([
    reportRowsQuery(db, scope, f).execute(),
    reportQuery(db, scope, f).select(sql<number>`count(*)::int`.as('n')).executeTakeFirstOrThrow(),
  ]);
  return { rows, total: count.n };
}

export function getReport(db: Db, scope: ScopeSubject & { id: number }, id: number) {
  return reportQuery(db, scope, {}).select([...reportColumns]).where('w.id', '=', id).executeTakeFirst();
}

export function listComments(db: Db, reportId: number) {
  return db.selectFrom('work_report_comment as k').innerJoin('app_user as u', 'u.id', 'k.user_id')
    .select(['k.id', 'k.user_id', 'u.display_name as author_name', 'k.content', 'k.created_at'])
    .where('k.report_id', '=', reportId).orderBy('k.created_at').orderBy('k.id').execute();
}

export function insertComment(trx: Db, row: { report_id: number; user_id: number; content: string }) {
  return trx.insertInto('work_report_comment').values(row).returning(['id', 'created_at']).executeTakeFirstOrThrow();
}

// ---------------------------------------------------------------- saved views

export function listViews(db: Db, userId: number, list: string) {
  return db.selectFrom('saved_view').select(['id', 'name', 'filters', 'created_at']).where('user_id', '=', userId).where('list', '=', list).orderBy('name').execute();
}

export async function insertView(trx: Db, row: { user_id: number; list: string; name: string; filters: unknown }) {
  return trx.insertInto('saved_view').values({ ...row, filters: JSON.stringify(row.filters) })
    .onConflict((oc) => oc.columns(['user_id', 'list', 'name']).doUpdateSet({ filters: JSON.stringify(row.filters) }))
    .returning('id').executeTakeFirstOrThrow();
}

export async function deleteView(trx: Db, userId: number, id: number) {
  const r = await trx.deleteFrom('saved_view').where('id', '=', id).where('user_id', '=', userId).returning(['id', 'name']).executeTakeFirst();
  return r;
}

// ---------------------------------------------------------------- the workbench in one statement

/** A row as json_agg returns it: timestamps as text. */
type Json<T> = { [K in keyof T]: T[K] extends Date ? string : T[K] extends Date | null ? string | null : T[K] };

export type WorkbenchRow = {
  book_as_of: string | null; book: Json<BookRow & { computed_at?: Date }>[] | null;
  customers: Json<MyCustomerRow>[] | null; tasks: Json<TaskRow>[] | null; task_count: { n: number; overdue: number };
  reminders: Json<ReminderRow>[] | null; reminder_count: number;
  snapshot_date: string | null; balances: { category: string; is_asset: boolean; fen: string }[] | null;
  sales: SalesRow; targets: TargetRow[] | null; trend: SnapshotRow[] | null; pipeline: StageRow[] | null;
  worklog: Json<ContactRow>[] | null; reports: Json<ReportRow>[] | null; transfers: Json<TransferRow>[] | null; transfer_count: number; approvals: number | null;
};

export type WorkbenchParams = { today: string; until: string; starts: PeriodStarts; monthEnds: string[]; supervise: boolean };

const agg = (q: Expression<unknown>) => sql`(SELECT json_agg(t) FROM (${q}) t)`;
const one = (q: Expression<unknown>) => sql`(SELECT row_to_json(t) FROM (${q}) t)`;

/**
 * Every widget of a manager's workbench as one prepared statement: each part is the same SQL its own
 * endpoint runs (a short index range keyed by the user, the data scope applied where customers are
 * read), aggregated to JSON. One statement instead of twenty; the book comes from the daily snapshot,
 * not from aggregating every customer of the book.
 *
 * Planned once per connection, as every prepared statement is (createDb's plan_cache_mode): left to itself
 * PostgreSQL planned it anew for every manager (a custom plan, 7 ms, more than running it), as the generic
 * plan's estimate looks dearer; the generic plan is as good here, every part being a short index range.
 */
export async function workbenchOf(db: Db, scope: ScopeSubject & { id: number }, p: WorkbenchParams): Promise<WorkbenchRow> {
  return (await workbenchSql(db, scope, p).execute(db)).rows[0]!;
}

/** The workbench statement itself (the bench EXPLAINs it). */
export function workbenchSql(db: Db, scope: ScopeSubject & { id: number }, p: WorkbenchParams) {
  const id = scope.id;
  const bookDay = bookSnapshotDay(p.today);
  const balanceDay = sql`(SELECT max(as_of) FROM manager_balance_snapshot WHERE manager_id = ${id} AND as_of <= ${p.today}::date)`;
  const periods = [{ period: 'month', start: p.starts.month }, { period: 'quarter', start: p.starts.quarter }, { period: 'year', start: p.starts.year }];
  const mine: TransferFilter = { status: 'pending', mine: true, limit: 5, offset: 0 };
  // The statement's text differs by kind of scope and by whether the user approves transfers: one name each.
  const name = `workbench_${scope.dataScope}_${p.supervise ? 'supervisor' : 'manager'}`;
  return sql<WorkbenchRow>`${sql.raw(prepared(name))}
    SELECT ${bookDay}::text AS book_as_of,
      CASE WHEN ${bookDay} IS NOT NULL THEN ${agg(bookSnapshotSql(id, p.today))} ELSE ${agg(bookSummarySql(id, p.starts))} END AS book,
      ${agg(myCustomerRowsQuery(db, id, { sort: 'aum', order: 'desc', limit: 10, offset: 0 }))} AS customers,
      ${agg(openTasksSql(scope, 10, 0))} AS tasks,
      ${one(openTaskCountSql(scope, WORKBENCH_COUNT_CAP))} AS task_count,
      ${agg(reminderRowsQuery(db, scope, { state: 'open', until: p.until, limit: 20, offset: 0 }))} AS reminders,
      (${reminderCountQuery(db, scope, { state: 'open', until: p.until, limit: 20, offset: 0 }, WORKBENCH_COUNT_CAP)}) AS reminder_count,
      ${balanceDay}::text AS snapshot_date,
      CASE WHEN ${balanceDay} IS NOT NULL
        THEN (SELECT json_agg(t) FROM (SELECT category, is_asset, balance_fen::text AS fen FROM manager_balance_snapshot WHERE manager_id = ${id} AND as_of = ${balanceDay}) t)
        ELSE ${agg(balancesByCategorySql(id))} END AS balances,
      ${one(salesByPeriodSql(id, p.starts))} AS sales,
      ${agg(targetsOnSql(id, periods))} AS targets,
      ${agg(snapshotOnSql([id], p.monthEnds))} AS trend,
      ${agg(pipelineSql([id]))} AS pipeline,
      ${agg(recentContactsSql(scope, 10, 0))} AS worklog,
      ${agg(reportRowsQuery(db, scope, { userId: id, limit: 4, offset: 0 }))} AS reports,
      ${agg(transferRowsSql(scope, mine))} AS transfers,
      (${transferCountSql(scope, mine)}) AS transfer_count,
      ${p.supervise ? sql`(${transferCountSql(scope, { status: 'pending', limit: 0, offset: 0 })})` : sql`NULL::int`} AS approvals`;
}
