import { sql, type Expression, type SqlBool } from 'kysely';
import type { Db } from '../../db/database.ts';
import { containing } from '../../platform/like.ts';
import { customerScope, staffScope, type ScopeSubject } from '../../platform/scope.ts';
import type { NoteTable, NoticeAttachment, ReminderEventTable } from './workplace.table.ts';

/** Who is asking: the scope subject plus the role, which notices are addressed to. */
export type Reader = ScopeSubject & { roleCode: string };

/** The ids of the user's org unit and all its ancestors, read off the materialised path ('/1/4/17/' → [1, 4, 17]). */
export function ancestorIds(orgPath: string): number[] {
  return orgPath.split('/').filter(Boolean).map(Number);
}

// ---------------------------------------------------------------- customers and people

/** The customer behind a customer number, only if it is inside the user's data scope. */
export function findCustomerInScope(db: Db, user: ScopeSubject, customerNo: string) {
  return db.selectFrom('customer as c').select(['c.id', 'c.customer_no', 'c.name'])
    .where('c.customer_no', '=', customerNo).where('c.deleted', '=', false).where(customerScope(user, 'c'))
    .executeTakeFirst();
}

export function findOrgs(db: Db) {
  return db.selectFrom('org_unit').select(['id', 'parent_id', 'name', 'name_en', 'path']).orderBy('path').execute();
}

export function findOrgsByIds(db: Db, ids: number[]) {
  if (!ids.length) return Promise.resolve([]);
  return db.selectFrom('org_unit').select(['id', 'path']).where('id', 'in', ids).execute();
}

export function findRoles(db: Db) {
  return db.selectFrom('role').select(['code', 'name', 'name_en']).orderBy('id').execute();
}

export function findActiveUsersByIds(db: Db, ids: number[]) {
  if (!ids.length) return Promise.resolve([]);
  return db.selectFrom('app_user').select(['id', 'display_name']).where('id', 'in', ids).where('status', '=', 'active').execute();
}

export function findColleagues(db: Db, q: string | undefined) {
  let query = db.selectFrom('app_user as u').innerJoin('org_unit as o', 'o.id', 'u.org_id')
    .select(['u.id', 'u.username', 'u.display_name', 'o.name as org_name', 'o.name_en as org_name_en'])
    .where('u.status', '=', 'active');
  if (q) query = query.where((eb) => eb.or([eb('u.username', 'ilike', containing(q)), eb('u.display_name', 'ilike', containing(q))]));
  return query.orderBy('o.path').orderBy('u.username').limit(50).execute();
}

/** The user `targetId` if `user` may read their own work (staffScope), else undefined. */
export function findStaffInScope(db: Db, user: ScopeSubject, targetId: number) {
  return db.selectFrom('app_user as u').innerJoin('org_unit as o', 'o.id', 'u.org_id')
    .select(['u.id', 'u.username', 'u.display_name', 'o.name as org_name', 'o.name_en as org_name_en'])
    .where('u.id', '=', targetId).where(staffScope(user, 'u'))
    .executeTakeFirst();
}

// ---------------------------------------------------------------- notices

/**
 * Live notices addressed to the reader: published, started, not expired, org subtree and role matching.
 * The publisher is never their own audience (they find their notices under "manage").
 */
function addressedTo(r: Reader): Expression<SqlBool> {
  return sql<boolean>`(n.status = 'published' AND n.publish_at <= now() AND (n.expire_at IS NULL OR n.expire_at > now())
    AND n.publisher_id <> ${r.id}
    AND n.audience_org_ids && ${sql.val(ancestorIds(r.orgPath))}::integer[]
    AND (cardinality(n.audience_roles) = 0 OR ${r.roleCode} = ANY(n.audience_roles)))`;
}

/** The audience of notice `n`: active users (but its publisher) inside a target subtree, with a target role when roles are given. */
const AUDIENCE_MATCH = sql<boolean>`(u.status = 'active' AND u.id <> n.publisher_id
  AND string_to_array(trim(both '/' from o.path), '/')::integer[] && n.audience_org_ids
  AND (cardinality(n.audience_roles) = 0 OR r.code = ANY(n.audience_roles)))`;

export type NoticeFilter = { q?: string; unread?: boolean; limit: number; offset: number };

export async function findInbox(db: Db, r: Reader, f: NoticeFilter) {
  let base = db.selectFrom('notice as n')
    .leftJoin('notice_receipt as rc', (j) => j.onRef('rc.notice_id', '=', 'n.id').on('rc.user_id', '=', r.id))
    .where(addressedTo(r));
  if (f.q) base = base.where((eb) => eb.or([eb('n.title', 'ilike', containing(f.q!)), eb('n.body', 'ilike', containing(f.q!))]));
  if (f.unread) base = base.where('rc.read_at', 'is', null);
  const [rows, count] = await Promise.all([
    base.innerJoin('app_user as p', 'p.id', 'n.publisher_id').innerJoin('org_unit as po', 'po.id', 'n.org_id')
      .select(['n.id', 'n.title', 'n.priority', 'n.pinned', 'n.publish_at', 'n.expire_at', 'n.attachments', 'rc.read_at',
        'p.display_name as publisher_name', 'po.name as org_name', 'po.name_en as org_name_en'])
      .orderBy('n.pinned', 'desc').orderBy('n.publish_at', 'desc').orderBy('n.id', 'desc')
      .limit(f.limit).offset(f.offset).execute(),
    base.select(sql<number>`count(*)::int`.as('n')).executeTakeFirstOrThrow(),
  ]);
  return { rows, total: count.n };
}

export async function countUnread(db: Db, r: Reader) {
  const row = await db.selectFrom('notice as n')
    .leftJoin('notice_receipt as rc', (j) => j.onRef('rc.notice_id', '=', 'n.id').on('rc.user_id', '=', r.id))
    .where(addressedTo(r)).where('rc.read_at', 'is', null)
    .select(sql<number>`count(*)::int`.as('n')).executeTakeFirstOrThrow();
  return row.n;
}

export function getNotice(db: Db, id: number) {
  return db.selectFrom('notice as n').innerJoin('app_user as p', 'p.id', 'n.publisher_id').innerJoin('org_unit as po', 'po.id', 'n.org_id')
    .selectAll('n').select(['p.display_name as publisher_name', 'po.name as org_name', 'po.name_en as org_name_en'])
    .where('n.id', '=', id).executeTakeFirst();
}

export async function isAddressedTo(db: Db, r: Reader, id: number) {
  const row = await db.selectFrom('notice as n').select('n.id').where('n.id', '=', id).where(addressedTo(r)).executeTakeFirst();
  return !!row;
}

/** Whether `user` may manage notice `id`: it was published by someone inside their staff scope. */
export async function isManageable(db: Db, user: ScopeSubject, id: number) {
  const row = await db.selectFrom('notice as n').innerJoin('app_user as p', 'p.id', 'n.publisher_id')
    .select('n.id').where('n.id', '=', id).where(staffScope(user, 'p')).executeTakeFirst();
  return !!row;
}

export function getReceipt(db: Db, noticeId: number, userId: number) {
  return db.selectFrom('notice_receipt').select('read_at').where('notice_id', '=', noticeId).where('user_id', '=', userId).executeTakeFirst();
}

/** Records that the user read the notice; undefined when they had already. */
export function insertReceipt(db: Db, noticeId: number, userId: number) {
  return db.insertInto('notice_receipt').values({ notice_id: noticeId, user_id: userId })
    .onConflict((oc) => oc.columns(['notice_id', 'user_id']).doNothing()).returning('read_at').executeTakeFirst();
}

/** Marks every live notice addressed to the reader as read; returns the ids newly marked. */
export async function insertAllReceipts(db: Db, r: Reader) {
  const res = await sql<{ notice_id: number }>`
    INSERT INTO notice_receipt (notice_id, user_id)
    SELECT n.id, ${r.id} FROM notice n WHERE ${addressedTo(r)}
    ON CONFLICT (notice_id, user_id) DO NOTHING
    RETURNING notice_id`.execute(db);
  return res.rows.map((x) => x.notice_id);
}

export function insertNotice(db: Db, row: {
  title: string; body: string; format: 'text' | 'markdown'; priority: 'normal' | 'important' | 'urgent';
  pinned: boolean; audience_org_ids: number[]; audience_roles: string[]; attachments: NoticeAttachment[]; publish_at: Date; expire_at: Date | null;
  publisher_id: number; org_id: number;
}) {
  return db.insertInto('notice').values({ ...row, attachments: sql`${JSON.stringify(row.attachments)}::jsonb` as never })
    .returningAll().executeTakeFirstOrThrow();
}

export function updateNotice(db: Db, id: number, set: Partial<{
  title: string; body: string; format: 'text' | 'markdown'; priority: 'normal' | 'important' | 'urgent'; pinned: boolean;
  audience_org_ids: number[]; audience_roles: string[]; attachments: NoticeAttachment[]; publish_at: Date; expire_at: Date | null;
  status: 'published' | 'withdrawn'; withdrawn_at: Date | null;
}>) {
  const { attachments, ...rest } = set;
  return db.updateTable('notice')
    .set({ ...rest, ...(attachments ? { attachments: sql`${JSON.stringify(attachments)}::jsonb` as never } : {}), updated_at: sql`now()` as never })
    .where('id', '=', id).returningAll().executeTakeFirstOrThrow();
}

export type ManageFilter = { q?: string; status?: 'published' | 'withdrawn' | 'scheduled' | 'expired'; limit: number; offset: number };

function manageQuery(db: Db, user: ScopeSubject, f: Omit<ManageFilter, 'limit' | 'offset'>) {
  let q = db.selectFrom('notice as n').innerJoin('app_user as p', 'p.id', 'n.publisher_id').where(staffScope(user, 'p'));
  if (f.q) q = q.where('n.title', 'ilike', containing(f.q));
  if (f.status === 'withdrawn') q = q.where('n.status', '=', 'withdrawn');
  if (f.status === 'published') q = q.where(sql<boolean>`n.status = 'published' AND n.publish_at <= now() AND (n.expire_at IS NULL OR n.expire_at > now())`);
  if (f.status === 'scheduled') q = q.where(sql<boolean>`n.status = 'published' AND n.publish_at > now()`);
  if (f.status === 'expired') q = q.where(sql<boolean>`n.status = 'published' AND n.expire_at <= now()`);
  return q;
}

const AUDIENCE_COUNTS = [
  sql<number>`(SELECT count(*)::int FROM app_user u JOIN org_unit o ON o.id = u.org_id JOIN role r ON r.id = u.role_id WHERE ${AUDIENCE_MATCH})`.as('audience'),
  sql<number>`(SELECT count(*)::int FROM notice_receipt rc JOIN app_user u ON u.id = rc.user_id JOIN org_unit o ON o.id = u.org_id JOIN role r ON r.id = u.role_id
    WHERE rc.notice_id = n.id AND ${AUDIENCE_MATCH})`.as('read_count'),
];

/** Notices published by people inside the user's staff scope, with audience and read counts. */
export async function findManaged(db: Db, user: ScopeSubject, f: ManageFilter) {
  const base = manageQuery(db, user, f);
  const [rows, count] = await Promise.all([
    base.innerJoin('org_unit as po', 'po.id', 'n.org_id')
      .select(['n.id', 'n.title', 'n.priority', 'n.pinned', 'n.status', 'n.publish_at', 'n.expire_at', 'n.audience_org_ids', 'n.audience_roles',
        'n.created_at', 'p.display_name as publisher_name', 'po.name as org_name', 'po.name_en as org_name_en', ...AUDIENCE_COUNTS])
      .orderBy('n.created_at', 'desc').orderBy('n.id', 'desc').limit(f.limit).offset(f.offset).execute(),
    base.select(sql<number>`count(*)::int`.as('n')).executeTakeFirstOrThrow(),
  ]);
  return { rows, total: count.n };
}

export function streamManaged(db: Db, user: ScopeSubject, f: Omit<ManageFilter, 'limit' | 'offset'>) {
  return manageQuery(db, user, f).innerJoin('org_unit as po', 'po.id', 'n.org_id')
    .select(['n.id', 'n.title', 'n.priority', 'n.pinned', 'n.status', 'n.publish_at', 'n.expire_at', 'n.audience_roles',
      'p.display_name as publisher_name', 'po.name as org_name', 'po.name_en as org_name_en', ...AUDIENCE_COUNTS])
    .orderBy('n.created_at', 'desc').orderBy('n.id', 'desc').stream(500);
}

function readersQuery(db: Db, noticeId: number) {
  return db.selectFrom('notice as n')
    .innerJoin('app_user as u', (j) => j.on(sql<boolean>`true`))
    .innerJoin('org_unit as o', 'o.id', 'u.org_id')
    .innerJoin('role as r', 'r.id', 'u.role_id')
    .leftJoin('notice_receipt as rc', (j) => j.onRef('rc.notice_id', '=', 'n.id').onRef('rc.user_id', '=', 'u.id'))
    .where('n.id', '=', noticeId)
    .where(AUDIENCE_MATCH);
}

const READER_COLUMNS = ['u.id', 'u.username', 'u.display_name', 'o.name as org_name', 'o.name_en as org_name_en', 'r.name as role_name', 'r.name_en as role_name_en', 'rc.read_at'] as const;

/** The notice's audience, each with when they read it (null: not yet), and the totals. */
export async function findReaders(db: Db, noticeId: number, f: { read?: boolean; limit: number; offset: number }) {
  let q = readersQuery(db, noticeId);
  if (f.read === true) q = q.where('rc.read_at', 'is not', null);
  if (f.read === false) q = q.where('rc.read_at', 'is', null);
  const [rows, counts] = await Promise.all([
    q.select([...READER_COLUMNS]).orderBy(sql`rc.read_at IS NULL`).orderBy('rc.read_at', 'desc').orderBy('o.path').orderBy('u.username')
      .limit(f.limit).offset(f.offset).execute(),
    readersQuery(db, noticeId).select([sql<number>`count(*)::int`.as('audience'), sql<number>`count(rc.read_at)::int`.as('read'), sql<number>`(count(*) FILTER (WHERE ${f.read === undefined ? sql`true` : f.read ? sql`rc.read_at IS NOT NULL` : sql`rc.read_at IS NULL`}))::int`.as('matching')]).executeTakeFirstOrThrow(),
  ]);
  return { rows, audience: counts.audience, read: counts.read, matching: counts.matching };
}

export function streamReaders(db: Db, noticeId: number) {
  return readersQuery(db, noticeId).select([...READER_COLUMNS]).orderBy(sql`rc.read_at IS NULL`).orderBy('rc.read_at', 'desc').orderBy('o.path').orderBy('u.username').stream(500);
}

// ---------------------------------------------------------------- calendar

/** Events the user sees: their own, and shared ones addressed to their org line or to them by name. */
function visibleEvent(user: ScopeSubject): Expression<SqlBool> {
  return sql<boolean>`(e.owner_id = ${user.id} OR (e.shared AND (
    e.share_org_id = ANY(${sql.val(ancestorIds(user.orgPath))}::integer[])
    OR EXISTS (SELECT 1 FROM calendar_event_share s WHERE s.event_id = e.id AND s.user_id = ${user.id}))))`;
}

function eventQuery(db: Db, user: ScopeSubject) {
  return db.selectFrom('calendar_event as e')
    .innerJoin('app_user as ow', 'ow.id', 'e.owner_id')
    .leftJoin('org_unit as so', 'so.id', 'e.share_org_id')
    // The customer shows only to viewers whose data scope holds it.
    .leftJoin('customer as c', (j) => j.onRef('c.id', '=', 'e.customer_id').on('c.deleted', '=', false).on(customerScope(user, 'c')))
    .where(visibleEvent(user))
    .select(['e.id', 'e.owner_id', 'e.title', 'e.starts_at', 'e.ends_at', 'e.all_day', 'e.location', 'e.description', 'e.shared', 'e.share_org_id',
      'e.remind_at', 'e.customer_id', 'e.created_at', 'e.updated_at', 'ow.display_name as owner_name', 'so.name as share_org_name', 'so.name_en as share_org_name_en',
      'c.customer_no', 'c.name as customer_name',
      sql<{ id: number; displayName: string }[]>`(SELECT coalesce(json_agg(json_build_object('id', su.id, 'displayName', su.display_name) ORDER BY su.id), '[]')
        FROM calendar_event_share s JOIN app_user su ON su.id = s.user_id WHERE s.event_id = e.id)`.as('share_users')]);
}

export type EventRow = Awaited<ReturnType<typeof getEvent>> & {};

/** Events overlapping [from, to) that the user sees; `mine` keeps only their own. */
export function findEvents(db: Db, user: ScopeSubject, from: Date, to: Date, mine = false) {
  let q = eventQuery(db, user).where('e.starts_at', '<', to).where('e.ends_at', '>=', from);
  if (mine) q = q.where('e.owner_id', '=', user.id);
  return q.orderBy('e.starts_at').orderBy('e.id').limit(2000).execute();
}

export function getEvent(db: Db, user: ScopeSubject, id: number) {
  return eventQuery(db, user).where('e.id', '=', id).executeTakeFirst();
}

export function getOwnEventRow(db: Db, ownerId: number, id: number) {
  return db.selectFrom('calendar_event').selectAll().where('id', '=', id).where('owner_id', '=', ownerId).executeTakeFirst();
}

type EventValues = {
  owner_id: number; title: string; starts_at: Date; ends_at: Date; all_day: boolean; location: string | null; description: string | null;
  customer_id: number | null; shared: boolean; share_org_id: number | null; remind_at: Date | null;
};

export function insertEvent(db: Db, row: EventValues) {
  return db.insertInto('calendar_event').values(row).returning('id').executeTakeFirstOrThrow();
}

export function updateEvent(db: Db, id: number, set: Partial<EventValues>) {
  return db.updateTable('calendar_event').set({ ...set, updated_at: sql`now()` as never }).where('id', '=', id).execute();
}

export function deleteEvent(db: Db, id: number) {
  return db.deleteFrom('calendar_event').where('id', '=', id).execute();
}

export async function replaceShares(db: Db, eventId: number, userIds: number[]) {
  await db.deleteFrom('calendar_event_share').where('event_id', '=', eventId).execute();
  if (userIds.length) await db.insertInto('calendar_event_share').values(userIds.map((user_id) => ({ event_id: eventId, user_id }))).execute();
}

export function findShareUserIds(db: Db, eventId: number) {
  return db.selectFrom('calendar_event_share').select('user_id').where('event_id', '=', eventId).orderBy('user_id').execute();
}

/**
 * Keeps the event's reminder in step with the event: one reminder_event per event with a remind_at.
 * A moved reminder time re-arms it (fired and seen are cleared) so it rings again.
 */
export async function syncEventReminder(db: Db, e: { id: number; owner_id: number; title: string; remind_at: Date | null; customer_id: number | null; location: string | null }) {
  if (!e.remind_at) {
    await db.deleteFrom('reminder_event').where('calendar_event_id', '=', e.id).execute();
    return;
  }
  await sql`
    INSERT INTO reminder_event (user_id, customer_id, calendar_event_id, title, note, remind_at)
    VALUES (${e.owner_id}, ${e.customer_id}, ${e.id}, ${e.title}, ${e.location}, ${e.remind_at})
    ON CONFLICT (calendar_event_id) DO UPDATE SET
      title = EXCLUDED.title, note = EXCLUDED.note, customer_id = EXCLUDED.customer_id, updated_at = now(),
      fired_at = CASE WHEN reminder_event.remind_at IS DISTINCT FROM EXCLUDED.remind_at THEN NULL ELSE reminder_event.fired_at END,
      seen_at = CASE WHEN reminder_event.remind_at IS DISTINCT FROM EXCLUDED.remind_at THEN NULL ELSE reminder_event.seen_at END,
      remind_at = EXCLUDED.remind_at`.execute(db);
}

// ---------------------------------------------------------------- journal

export function findJournal(db: Db, userId: number, from: string, to: string) {
  return db.selectFrom('journal_entry').select(['id', 'entry_date', 'content', 'plan', 'updated_at'])
    .where('user_id', '=', userId).where('entry_date', '>=', from).where('entry_date', '<=', to).orderBy('entry_date').execute();
}

export function getJournalEntry(db: Db, userId: number, date: string) {
  return db.selectFrom('journal_entry').selectAll().where('user_id', '=', userId).where('entry_date', '=', date).executeTakeFirst();
}

export function upsertJournalEntry(db: Db, userId: number, date: string, set: { content?: string; plan?: string }) {
  return db.insertInto('journal_entry').values({ user_id: userId, entry_date: date, content: set.content ?? '', plan: set.plan ?? '' })
    .onConflict((oc) => oc.columns(['user_id', 'entry_date']).doUpdateSet({ ...set, updated_at: sql`now()` as never }))
    .returningAll().executeTakeFirstOrThrow();
}

/** The staff the supervisor may read, with how many days of the week each has written up. */
export async function findTeamJournals(db: Db, user: ScopeSubject, from: string, to: string, limit: number, offset: number) {
  const base = db.selectFrom('app_user as u').innerJoin('org_unit as o', 'o.id', 'u.org_id')
    .where('u.status', '=', 'active').where(staffScope(user, 'u'));
  const [rows, count] = await Promise.all([
    base.innerJoin('role as r', 'r.id', 'u.role_id')
      .select(['u.id', 'u.username', 'u.display_name', 'o.name as org_name', 'o.name_en as org_name_en', 'r.name as role_name', 'r.name_en as role_name_en',
        sql<number>`(SELECT count(*)::int FROM journal_entry j WHERE j.user_id = u.id AND j.entry_date BETWEEN ${from} AND ${to} AND (j.content <> '' OR j.plan <> ''))`.as('days'),
        sql<Date | null>`(SELECT max(j.updated_at) FROM journal_entry j WHERE j.user_id = u.id AND j.entry_date BETWEEN ${from} AND ${to})`.as('last_updated')])
      .orderBy('o.path').orderBy('u.username').limit(limit).offset(offset).execute(),
    base.select(sql<number>`count(*)::int`.as('n')).executeTakeFirstOrThrow(),
  ]);
  return { rows, total: count.n };
}

export function streamJournal(db: Db, userId: number, from: string, to: string) {
  return db.selectFrom('journal_entry').select(['entry_date', 'content', 'plan', 'updated_at'])
    .where('user_id', '=', userId).where('entry_date', '>=', from).where('entry_date', '<=', to).orderBy('entry_date').stream(500);
}

// ---------------------------------------------------------------- reminders

export type ReminderFilter = { status?: 'pending' | 'fired' | 'done'; limit: number; offset: number };

function reminderQuery(db: Db, user: ScopeSubject) {
  return db.selectFrom('reminder_event as m')
    .leftJoin('customer as c', (j) => j.onRef('c.id', '=', 'm.customer_id').on('c.deleted', '=', false).on(customerScope(user, 'c')))
    .where('m.user_id', '=', user.id);
}

const REMINDER_COLUMNS = ['m.id', 'm.title', 'm.note', 'm.remind_at', 'm.fired_at', 'm.seen_at', 'm.done_at', 'm.calendar_event_id', 'm.created_at', 'c.customer_no', 'c.name as customer_name'] as const;

function reminderStatus<Q extends ReturnType<typeof reminderQuery>>(q: Q, status: ReminderFilter['status']): Q {
  if (status === 'pending') return q.where('m.fired_at', 'is', null).where('m.done_at', 'is', null) as Q;
  if (status === 'fired') return q.where('m.fired_at', 'is not', null).where('m.done_at', 'is', null) as Q;
  if (status === 'done') return q.where('m.done_at', 'is not', null) as Q;
  return q;
}

export async function findReminders(db: Db, user: ScopeSubject, f: ReminderFilter) {
  const base = reminderStatus(reminderQuery(db, user), f.status);
  const [rows, count] = await Promise.all([
    base.select([...REMINDER_COLUMNS]).orderBy('m.remind_at', f.status === 'done' ? 'desc' : 'asc').orderBy('m.id').limit(f.limit).offset(f.offset).execute(),
    base.select(sql<number>`count(*)::int`.as('n')).executeTakeFirstOrThrow(),
  ]);
  return { rows, total: count.n };
}

export function getReminder(db: Db, user: ScopeSubject, id: number) {
  return reminderQuery(db, user).select([...REMINDER_COLUMNS]).where('m.id', '=', id).executeTakeFirst();
}

export function streamReminders(db: Db, user: ScopeSubject, status: ReminderFilter['status']) {
  return reminderStatus(reminderQuery(db, user), status).select([...REMINDER_COLUMNS]).orderBy('m.remind_at').orderBy('m.id').stream(500);
}

/** Fired, not yet seen, not done: what the bell counts. */
export async function findAlerts(db: Db, user: ScopeSubject, limit: number) {
  const base = reminderQuery(db, user).where('m.fired_at', 'is not', null).where('m.seen_at', 'is', null).where('m.done_at', 'is', null);
  const [rows, count] = await Promise.all([
    base.select([...REMINDER_COLUMNS]).orderBy('m.remind_at', 'desc').orderBy('m.id', 'desc').limit(limit).execute(),
    base.select(sql<number>`count(*)::int`.as('n')).executeTakeFirstOrThrow(),
  ]);
  return { rows, total: count.n };
}

export function getOwnReminder(db: Db, userId: number, id: number) {
  return db.selectFrom('reminder_event').selectAll().where('id', '=', id).where('user_id', '=', userId).executeTakeFirst();
}

export function insertReminder(db: Db, row: Pick<ReminderEventTable, 'user_id' | 'customer_id' | 'title' | 'note'> & { remind_at: Date }) {
  return db.insertInto('reminder_event').values(row).returning('id').executeTakeFirstOrThrow();
}

export function updateReminder(db: Db, id: number, set: Partial<{ title: string; note: string | null; remind_at: Date; customer_id: number | null; fired_at: null; seen_at: null; done_at: Date | null }>) {
  return db.updateTable('reminder_event').set({ ...set, updated_at: sql`now()` as never }).where('id', '=', id).execute();
}

export function deleteReminder(db: Db, id: number) {
  return db.deleteFrom('reminder_event').where('id', '=', id).execute();
}

/** Marks the user's fired alerts (all, or those listed) as seen; returns the ids marked. */
export async function markAlertsSeen(db: Db, userId: number, ids?: number[]) {
  let q = db.updateTable('reminder_event').set({ seen_at: sql`now()` as never })
    .where('user_id', '=', userId).where('fired_at', 'is not', null).where('seen_at', 'is', null);
  if (ids) q = q.where('id', 'in', ids.length ? ids : [0]);
  return (await q.returning('id').execute()).map((r) => r.id);
}

/** Fires every reminder whose time has come and that has not fired yet (nor been done). */
export async function fireDueReminders(db: Db, now: Date) {
  return db.updateTable('reminder_event').set({ fired_at: now })
    .where('fired_at', 'is', null).where('done_at', 'is', null).where('remind_at', '<=', now)
    .returning(['id', 'user_id']).execute();
}

// ---------------------------------------------------------------- notes

export type NoteFilter = { q?: string; tag?: string; customerId?: number; limit: number; offset: number };

function noteQuery(db: Db, user: ScopeSubject, f: Omit<NoteFilter, 'limit' | 'offset'>) {
  let q = db.selectFrom('note as t')
    .leftJoin('customer as c', (j) => j.onRef('c.id', '=', 't.customer_id').on('c.deleted', '=', false).on(customerScope(user, 'c')))
    .where('t.user_id', '=', user.id);
  if (f.q) q = q.where((eb) => eb.or([eb('t.title', 'ilike', containing(f.q!)), eb('t.content', 'ilike', containing(f.q!)), sql<boolean>`${f.q} = ANY(t.tags)`]));
  if (f.tag) q = q.where(sql<boolean>`t.tags @> ARRAY[${f.tag}]::text[]`);
  if (f.customerId) q = q.where('t.customer_id', '=', f.customerId);
  return q;
}

const NOTE_COLUMNS = ['t.id', 't.title', 't.content', 't.tags', 't.created_at', 't.updated_at', 'c.customer_no', 'c.name as customer_name'] as const;

export async function findNotes(db: Db, user: ScopeSubject, f: NoteFilter) {
  const base = noteQuery(db, user, f);
  const [rows, count] = await Promise.all([
    base.select([...NOTE_COLUMNS]).orderBy('t.updated_at', 'desc').orderBy('t.id', 'desc').limit(f.limit).offset(f.offset).execute(),
    base.select(sql<number>`count(*)::int`.as('n')).executeTakeFirstOrThrow(),
  ]);
  return { rows, total: count.n };
}

export function streamNotes(db: Db, user: ScopeSubject, f: Omit<NoteFilter, 'limit' | 'offset'>) {
  return noteQuery(db, user, f).select([...NOTE_COLUMNS]).orderBy('t.updated_at', 'desc').orderBy('t.id', 'desc').stream(500);
}

export function getNote(db: Db, user: ScopeSubject, id: number) {
  return noteQuery(db, user, {}).select([...NOTE_COLUMNS, 't.customer_id']).where('t.id', '=', id).executeTakeFirst();
}

export function findNoteTags(db: Db, userId: number) {
  return sql<{ tag: string; n: number }>`SELECT tag, count(*)::int AS n FROM note, unnest(tags) AS tag WHERE user_id = ${userId} GROUP BY tag ORDER BY n DESC, tag LIMIT 100`.execute(db).then((r) => r.rows);
}

export function insertNote(db: Db, row: Pick<NoteTable, 'user_id' | 'title' | 'customer_id'> & { content: string; tags: string[] }) {
  return db.insertInto('note').values(row).returning('id').executeTakeFirstOrThrow();
}

export function updateNote(db: Db, id: number, set: Partial<{ title: string; content: string; customer_id: number | null; tags: string[] }>) {
  return db.updateTable('note').set({ ...set, updated_at: sql`now()` as never }).where('id', '=', id).execute();
}

export function deleteNote(db: Db, id: number) {
  return db.deleteFrom('note').where('id', '=', id).execute();
}

export function getOwnNoteRow(db: Db, userId: number, id: number) {
  return db.selectFrom('note').selectAll().where('id', '=', id).where('user_id', '=', userId).executeTakeFirst();
}
