import type { Db } from '../../db/database.ts';
import { audit, diff, type Actor } from '../../platform/audit.ts';
import { can, type CurrentUser } from '../../platform/auth.ts';
import { AppError, fieldError, forbidden, invalid, notFound, type FieldError } from '../../platform/errors.ts';
import * as repo from './workplace.repository.ts';
import type {
  CalendarQuery, EventInput, EventPatch, InboxQuery, JournalInput, JournalQuery, ManageQuery, NoteInput, NotePatch, NoteQuery, NoticeInput,
  NoticePatch, ReadersQuery, ReminderInput, ReminderPatch, ReminderQuery, TeamJournalQuery,
} from './workplace.schemas.ts';
import type { NoticeAttachment } from './workplace.table.ts';

const NOTICE_NOT_FOUND = { zh: '公告不存在', en: 'Notice not found' };
const EVENT_NOT_FOUND = { zh: '日程不存在', en: 'Event not found' };
const REMINDER_NOT_FOUND = { zh: '提醒不存在', en: 'Reminder not found' };
const NOTE_NOT_FOUND = { zh: '记事不存在', en: 'Note not found' };
const CUSTOMER_NOT_FOUND = { zh: '客户不存在', en: 'Customer not found' };
const USER_NOT_FOUND = { zh: '用户不存在', en: 'User not found' };

const DAY_MS = 86_400_000;
/** The longest span one calendar query, event or journal export may cover. */
const MAX_SPAN_DAYS = 366;
/** The bank's clock: China keeps UTC+8 all year (no daylight saving), matching the jobs' Asia/Shanghai. */
const BANK_UTC_OFFSET = '+08:00';

/** The bank's calendar date at `now`, as YYYY-MM-DD. */
export function bankDate(now: Date): string {
  return new Date(now.getTime() + 8 * 3_600_000).toISOString().slice(0, 10);
}

/** The Monday of the week holding `date` (YYYY-MM-DD), e.g. weekStartOf('2024-05-19') === '2024-05-13'. */
export function weekStartOf(date: string): string {
  const d = new Date(`${date}T00:00:00Z`);
  const dow = (d.getUTCDay() + 6) % 7; // Monday = 0
  return addDays(date, -dow);
}

export function addDays(date: string, n: number): string {
  return new Date(new Date(`${date}T00:00:00Z`).getTime() + n * DAY_MS).toISOString().slice(0, 10);
}

function paging(q: { page?: number; pageSize?: number }) {
  const page = q.page ?? 1;
  const pageSize = q.pageSize ?? 20;
  return { page, pageSize, limit: pageSize, offset: (page - 1) * pageSize };
}

async function customerIdOf(db: Db, user: CurrentUser, customerNo: string | null | undefined): Promise<number | null | undefined> {
  if (customerNo === undefined) return undefined;
  if (customerNo === null) return null;
  // Outside the scope reads exactly like a customer that does not exist.
  const c = await repo.findCustomerInScope(db, user, customerNo);
  if (!c) throw notFound(CUSTOMER_NOT_FOUND);
  return c.id;
}

// ====================================================================== notices

type NoticeDraft = {
  title: string; body: string; format: 'text' | 'markdown'; priority: 'normal' | 'important' | 'urgent'; pinned: boolean;
  audience_org_ids: number[]; audience_roles: string[]; attachments: NoticeAttachment[]; publish_at: Date; expire_at: Date | null;
};

/** Checks the audience (inside the publisher's reach, known roles) and the dates; collects every bad field. */
async function checkNotice(db: Db, user: CurrentUser, d: NoticeDraft, errors: FieldError[]) {
  const orgs = new Map((await repo.findOrgsByIds(db, d.audience_org_ids)).map((o) => [o.id, o.path]));
  d.audience_org_ids.forEach((id, i) => {
    const path = orgs.get(id);
    if (path === undefined) errors.push(fieldError(`orgIds.${i}`, 'unknown', '机构不存在', 'org unit does not exist'));
    else if (user.dataScope !== 'all' && !path.startsWith(user.orgPath)) {
      errors.push(fieldError(`orgIds.${i}`, 'outsideScope', '只能发布给本机构及其下级机构', 'must be your own org unit or one below it'));
    }
  });
  const roles = new Set((await repo.findRoles(db)).map((r) => r.code));
  d.audience_roles.forEach((code, i) => {
    if (!roles.has(code)) errors.push(fieldError(`roles.${i}`, 'unknown', '角色不存在', 'role does not exist'));
  });
  if (d.expire_at && d.expire_at.getTime() <= d.publish_at.getTime()) {
    errors.push(fieldError('expireAt', 'afterPublish', '失效时间必须晚于发布时间', 'must be after the publish time'));
  }
  if (errors.length) throw invalid(errors);
}

function presentNotice(r: NonNullable<Awaited<ReturnType<typeof repo.getNotice>>>) {
  return {
    id: r.id, title: r.title, body: r.body, format: r.format, priority: r.priority, pinned: r.pinned, status: r.status,
    orgIds: r.audience_org_ids, roles: r.audience_roles, attachments: r.attachments, publishAt: r.publish_at, expireAt: r.expire_at,
    withdrawnAt: r.withdrawn_at, publisherId: r.publisher_id, publisherName: r.publisher_name, orgId: r.org_id, orgName: r.org_name,
    orgNameEn: r.org_name_en, createdAt: r.created_at, updatedAt: r.updated_at,
  };
}

const auditedNotice = (d: Partial<NoticeDraft> & Record<string, unknown>) => ({
  title: d.title, format: d.format, priority: d.priority, pinned: d.pinned, orgIds: d.audience_org_ids, roles: d.audience_roles,
  attachments: d.attachments, publishAt: d.publish_at, expireAt: d.expire_at, status: d.status,
});

export async function createNotice(db: Db, user: CurrentUser, actor: Actor, input: NoticeInput, now = new Date()) {
  const draft: NoticeDraft = {
    title: input.title.trim(), body: input.body ?? '', format: input.format ?? 'text', priority: input.priority ?? 'normal', pinned: input.pinned ?? false,
    audience_org_ids: input.orgIds ?? [user.orgId], audience_roles: input.roles ?? [], attachments: input.attachments ?? [],
    publish_at: input.publishAt ? new Date(input.publishAt) : now, expire_at: input.expireAt ? new Date(input.expireAt) : null,
  };
  await checkNotice(db, user, draft, []);
  const row = await repo.insertNotice(db, { ...draft, publisher_id: user.id, org_id: user.orgId });
  await audit(db, actor, { action: 'create', entity: 'notice', entityId: row.id, changes: auditedNotice(draft) });
  return presentNotice((await repo.getNotice(db, row.id))!);
}

/** The notice if `user` may manage it (publisher inside their staff scope, holding notice:publish); 404 otherwise. */
async function manageable(db: Db, user: CurrentUser, id: number) {
  const row = await repo.getNotice(db, id);
  if (!row || !can(user, 'notice:publish') || !(await repo.isManageable(db, user, id))) throw notFound(NOTICE_NOT_FOUND);
  return row;
}

export async function updateNotice(db: Db, user: CurrentUser, actor: Actor, id: number, patch: NoticePatch) {
  const before = await manageable(db, user, id);
  const draft: NoticeDraft = {
    title: patch.title?.trim() ?? before.title, body: patch.body ?? before.body, format: patch.format ?? before.format,
    priority: patch.priority ?? before.priority, pinned: patch.pinned ?? before.pinned, audience_org_ids: patch.orgIds ?? before.audience_org_ids,
    audience_roles: patch.roles ?? before.audience_roles, attachments: patch.attachments ?? before.attachments,
    publish_at: patch.publishAt ? new Date(patch.publishAt) : before.publish_at,
    expire_at: patch.expireAt === undefined ? before.expire_at : patch.expireAt === null ? null : new Date(patch.expireAt),
  };
  await checkNotice(db, user, draft, []);
  const changed = diff(auditedNotice(before as never), auditedNotice(draft));
  if (changed || patch.body !== undefined) {
    await repo.updateNotice(db, id, draft);
    await audit(db, actor, { action: 'update', entity: 'notice', entityId: id, fields: changed?.fields ?? ['body'], changes: changed?.changes ?? { body: 'changed' } });
  }
  return presentNotice((await repo.getNotice(db, id))!);
}

export async function withdrawNotice(db: Db, user: CurrentUser, actor: Actor, id: number) {
  const before = await manageable(db, user, id);
  if (before.status !== 'withdrawn') {
    await repo.updateNotice(db, id, { status: 'withdrawn', withdrawn_at: new Date() });
    await audit(db, actor, { action: 'withdraw', entity: 'notice', entityId: id, changes: { status: { from: before.status, to: 'withdrawn' } } });
  }
  return presentNotice((await repo.getNotice(db, id))!);
}

/** Opening a notice addressed to the user marks it read (once); its managers may open it too, without a receipt. */
export async function openNotice(db: Db, user: CurrentUser, actor: Actor, id: number) {
  const row = await repo.getNotice(db, id);
  if (!row) throw notFound(NOTICE_NOT_FOUND);
  const addressed = await repo.isAddressedTo(db, user, id);
  const canManage = can(user, 'notice:publish') && (await repo.isManageable(db, user, id));
  if (!addressed && !canManage) throw notFound(NOTICE_NOT_FOUND);
  let readAt: Date | null = null;
  if (addressed) {
    const inserted = await repo.insertReceipt(db, id, user.id);
    if (inserted) {
      readAt = inserted.read_at;
      await audit(db, actor, { action: 'read', entity: 'notice', entityId: id, fields: ['read_at'] });
    } else readAt = (await repo.getReceipt(db, id, user.id))?.read_at ?? null;
  }
  return { ...presentNotice(row), readAt, addressed, canManage };
}

export async function inbox(db: Db, user: CurrentUser, q: InboxQuery) {
  const p = paging(q);
  const [{ rows, total }, unread] = await Promise.all([repo.findInbox(db, user, { q: q.q?.trim() || undefined, unread: q.unread, ...p }), repo.countUnread(db, user)]);
  return {
    items: rows.map((r) => ({
      id: r.id, title: r.title, priority: r.priority, pinned: r.pinned, publishAt: r.publish_at, expireAt: r.expire_at,
      attachmentCount: (r.attachments as unknown[]).length, readAt: r.read_at, publisherName: r.publisher_name, orgName: r.org_name, orgNameEn: r.org_name_en,
    })),
    total, unread, page: p.page, pageSize: p.pageSize,
  };
}

export async function markAllRead(db: Db, user: CurrentUser, actor: Actor) {
  const ids = await repo.insertAllReceipts(db, user);
  if (ids.length) await audit(db, actor, { action: 'read', entity: 'notice', fields: ['read_at'], changes: { markAll: true, noticeIds: ids } });
  return { marked: ids.length };
}

/** Where a notice stands for its managers: scheduled, live, expired or withdrawn. */
export function noticeState(r: { status: string; publish_at: Date; expire_at: Date | null }, now = new Date()) {
  if (r.status === 'withdrawn') return 'withdrawn' as const;
  if (r.publish_at.getTime() > now.getTime()) return 'scheduled' as const;
  if (r.expire_at && r.expire_at.getTime() <= now.getTime()) return 'expired' as const;
  return 'published' as const;
}

export async function managed(db: Db, user: CurrentUser, q: ManageQuery) {
  const p = paging(q);
  const { rows, total } = await repo.findManaged(db, user, { q: q.q?.trim() || undefined, status: q.status, ...p });
  return {
    items: rows.map((r) => ({
      id: r.id, title: r.title, priority: r.priority, pinned: r.pinned, state: noticeState(r), publishAt: r.publish_at, expireAt: r.expire_at,
      orgIds: r.audience_org_ids, roles: r.audience_roles, publisherName: r.publisher_name, orgName: r.org_name, orgNameEn: r.org_name_en,
      audience: r.audience, read: r.read_count, unread: r.audience - r.read_count, createdAt: r.created_at,
    })),
    total, page: p.page, pageSize: p.pageSize,
  };
}

export async function readers(db: Db, user: CurrentUser, id: number, q: ReadersQuery) {
  await manageable(db, user, id);
  const p = paging(q);
  const r = await repo.findReaders(db, id, { read: q.read, ...p });
  return {
    audience: r.audience, read: r.read, unread: r.audience - r.read, total: r.matching, page: p.page, pageSize: p.pageSize,
    items: r.rows.map((x) => ({
      userId: x.id, username: x.username, displayName: x.display_name, orgName: x.org_name, orgNameEn: x.org_name_en,
      roleName: x.role_name, roleNameEn: x.role_name_en, readAt: x.read_at,
    })),
  };
}

export async function assertManageable(db: Db, user: CurrentUser, id: number) {
  return manageable(db, user, id);
}

/** What the notice form offers: org units (and which of them the user may address) and roles. */
export async function meta(db: Db, user: CurrentUser) {
  const [orgs, roles] = await Promise.all([repo.findOrgs(db), repo.findRoles(db)]);
  return {
    orgs: orgs.map((o) => ({ id: o.id, parentId: o.parent_id, name: o.name, nameEn: o.name_en, publishable: user.dataScope === 'all' || o.path.startsWith(user.orgPath) })),
    roles: roles.map((r) => ({ code: r.code, name: r.name, nameEn: r.name_en })),
  };
}

export async function colleagues(db: Db, q: string | undefined) {
  const rows = await repo.findColleagues(db, q?.trim() || undefined);
  return { items: rows.map((r) => ({ id: r.id, username: r.username, displayName: r.display_name, orgName: r.org_name, orgNameEn: r.org_name_en })) };
}

// ====================================================================== calendar

type EventRow = NonNullable<Awaited<ReturnType<typeof repo.getEvent>>>;

function presentEvent(r: EventRow, user: CurrentUser) {
  const mine = r.owner_id === user.id;
  return {
    id: r.id, title: r.title, startsAt: r.starts_at, endsAt: r.ends_at, allDay: r.all_day, location: r.location, description: r.description,
    ...(r.customer_no ? { customerNo: r.customer_no, customerName: r.customer_name } : {}),
    ownerId: r.owner_id, ownerName: r.owner_name, shared: r.shared, mine,
    shareOrgId: r.share_org_id, shareOrgName: r.share_org_name, shareOrgNameEn: r.share_org_name_en, shareUsers: r.share_users,
    // The reminder is the owner's own business.
    remindAt: mine ? r.remind_at : null,
  };
}

export async function calendar(db: Db, user: CurrentUser, q: CalendarQuery) {
  const from = new Date(q.from);
  const to = new Date(q.to);
  const errors: FieldError[] = [];
  if (to.getTime() <= from.getTime()) errors.push(fieldError('to', 'afterFrom', '结束时间必须晚于开始时间', 'must be after from'));
  else if (to.getTime() - from.getTime() > MAX_SPAN_DAYS * DAY_MS) errors.push(fieldError('to', 'maxSpan', `查询范围不能超过 ${MAX_SPAN_DAYS} 天`, `must be within ${MAX_SPAN_DAYS} days of from`));
  if (errors.length) throw invalid(errors);
  const rows = await repo.findEvents(db, user, from, to, q.mine);
  return { items: rows.map((r) => presentEvent(r, user)) };
}

export async function getEvent(db: Db, user: CurrentUser, id: number) {
  const r = await repo.getEvent(db, user, id);
  if (!r) throw notFound(EVENT_NOT_FOUND);
  return presentEvent(r, user);
}

type EventDraft = {
  title: string; starts_at: Date; ends_at: Date; all_day: boolean; location: string | null; description: string | null;
  customer_id: number | null; share_org_id: number | null; remind_at: Date | null; shareUserIds: number[];
};

async function checkEvent(db: Db, d: EventDraft) {
  const errors: FieldError[] = [];
  if (d.ends_at.getTime() < d.starts_at.getTime()) errors.push(fieldError('endsAt', 'afterStart', '结束时间不能早于开始时间', 'must not be before the start'));
  else if (d.ends_at.getTime() - d.starts_at.getTime() > MAX_SPAN_DAYS * DAY_MS) errors.push(fieldError('endsAt', 'maxSpan', `日程不能超过 ${MAX_SPAN_DAYS} 天`, `must be within ${MAX_SPAN_DAYS} days of the start`));
  if (d.remind_at && d.remind_at.getTime() > d.ends_at.getTime()) errors.push(fieldError('remindAt', 'beforeEnd', '提醒时间不能晚于日程结束', 'must not be after the event ends'));
  if (d.share_org_id !== null && !(await repo.findOrgsByIds(db, [d.share_org_id])).length) errors.push(fieldError('shareOrgId', 'unknown', '机构不存在', 'org unit does not exist'));
  const active = new Set((await repo.findActiveUsersByIds(db, d.shareUserIds)).map((u) => u.id));
  d.shareUserIds.forEach((id, i) => {
    if (!active.has(id)) errors.push(fieldError(`shareUserIds.${i}`, 'unknown', '用户不存在或已停用', 'user does not exist or is disabled'));
  });
  if (errors.length) throw invalid(errors);
}

const auditedEvent = (d: Partial<EventDraft>) => ({
  title: d.title, startsAt: d.starts_at, endsAt: d.ends_at, allDay: d.all_day, location: d.location, customerId: d.customer_id,
  shareOrgId: d.share_org_id, shareUserIds: d.shareUserIds, remindAt: d.remind_at,
});

export async function createEvent(db: Db, user: CurrentUser, actor: Actor, input: EventInput) {
  const draft: EventDraft = {
    title: input.title.trim(), starts_at: new Date(input.startsAt), ends_at: new Date(input.endsAt), all_day: input.allDay ?? false,
    location: input.location?.trim() || null, description: input.description ?? null,
    customer_id: (await customerIdOf(db, user, input.customerNo)) ?? null, share_org_id: input.shareOrgId ?? null,
    remind_at: input.remindAt ? new Date(input.remindAt) : null, shareUserIds: (input.shareUserIds ?? []).filter((id) => id !== user.id),
  };
  await checkEvent(db, draft);
  const { shareUserIds, ...row } = draft;
  const { id } = await repo.insertEvent(db, { ...row, owner_id: user.id, shared: row.share_org_id !== null || shareUserIds.length > 0 });
  await repo.replaceShares(db, id, shareUserIds);
  await repo.syncEventReminder(db, { id, owner_id: user.id, title: row.title, remind_at: row.remind_at, customer_id: row.customer_id, location: row.location });
  await audit(db, actor, { action: 'create', entity: 'calendar_event', entityId: id, customerId: row.customer_id, changes: auditedEvent(draft) });
  return getEvent(db, user, id);
}

/** The user's own event for a write: someone else's event they can see is forbidden, anything else is absent. */
async function ownEvent(db: Db, user: CurrentUser, id: number) {
  const row = await repo.getOwnEventRow(db, user.id, id);
  if (row) return row;
  if (await repo.getEvent(db, user, id)) throw forbidden();
  throw notFound(EVENT_NOT_FOUND);
}

export async function updateEvent(db: Db, user: CurrentUser, actor: Actor, id: number, patch: EventPatch) {
  const before = await ownEvent(db, user, id);
  const beforeShares = (await repo.findShareUserIds(db, id)).map((s) => s.user_id);
  const customerId = await customerIdOf(db, user, patch.customerNo);
  const draft: EventDraft = {
    title: patch.title?.trim() ?? before.title,
    starts_at: patch.startsAt ? new Date(patch.startsAt) : before.starts_at,
    ends_at: patch.endsAt ? new Date(patch.endsAt) : before.ends_at,
    all_day: patch.allDay ?? before.all_day,
    location: patch.location === undefined ? before.location : patch.location?.trim() || null,
    description: patch.description === undefined ? before.description : patch.description,
    customer_id: customerId === undefined ? before.customer_id : customerId,
    share_org_id: patch.shareOrgId === undefined ? before.share_org_id : patch.shareOrgId,
    remind_at: patch.remindAt === undefined ? before.remind_at : patch.remindAt === null ? null : new Date(patch.remindAt),
    shareUserIds: patch.shareUserIds === undefined ? beforeShares : patch.shareUserIds.filter((u) => u !== user.id),
  };
  await checkEvent(db, draft);
  const changed = diff(auditedEvent({ ...before, shareUserIds: beforeShares }), auditedEvent(draft));
  if (changed || patch.description !== undefined) {
    const { shareUserIds, ...row } = draft;
    await repo.updateEvent(db, id, { ...row, owner_id: before.owner_id, shared: row.share_org_id !== null || shareUserIds.length > 0 });
    if (patch.shareUserIds !== undefined) await repo.replaceShares(db, id, shareUserIds);
    await repo.syncEventReminder(db, { id, owner_id: before.owner_id, title: row.title, remind_at: row.remind_at, customer_id: row.customer_id, location: row.location });
    await audit(db, actor, {
      action: 'update', entity: 'calendar_event', entityId: id, customerId: row.customer_id,
      fields: changed?.fields ?? ['description'], changes: changed?.changes ?? { description: 'changed' },
    });
  }
  return getEvent(db, user, id);
}

export async function deleteEvent(db: Db, user: CurrentUser, actor: Actor, id: number) {
  const before = await ownEvent(db, user, id);
  await repo.deleteEvent(db, id);
  await audit(db, actor, { action: 'delete', entity: 'calendar_event', entityId: id, customerId: before.customer_id, changes: auditedEvent(before) });
}

// ====================================================================== journal

/** Whose journal the user may read: their own, or (supervisors) anyone inside their staff scope. */
async function journalOwner(db: Db, user: CurrentUser, userId: number | undefined) {
  const target = userId ?? user.id;
  if (target !== user.id && !can(user, 'team:supervise')) throw notFound(USER_NOT_FOUND);
  const who = await repo.findStaffInScope(db, user, target);
  if (!who) throw notFound(USER_NOT_FOUND);
  return who;
}

export async function journalWeek(db: Db, user: CurrentUser, q: JournalQuery, now = new Date()) {
  const who = await journalOwner(db, user, q.userId);
  const start = weekStartOf(q.week ?? bankDate(now));
  const end = addDays(start, 6);
  const rows = new Map((await repo.findJournal(db, who.id, start, end)).map((r) => [r.entry_date, r]));
  return {
    user: { id: who.id, username: who.username, displayName: who.display_name, orgName: who.org_name, orgNameEn: who.org_name_en },
    weekStart: start, weekEnd: end, editable: who.id === user.id, today: bankDate(now),
    days: Array.from({ length: 7 }, (_, i) => {
      const date = addDays(start, i);
      const r = rows.get(date);
      return { date, id: r?.id ?? null, content: r?.content ?? '', plan: r?.plan ?? '', updatedAt: r?.updated_at ?? null };
    }),
  };
}

export async function saveJournal(db: Db, user: CurrentUser, actor: Actor, date: string, input: JournalInput, now = new Date()) {
  const errors: FieldError[] = [];
  if (input.content === undefined && input.plan === undefined) errors.push(fieldError('content', 'required', '请填写工作内容或计划', 'give what you did or what you plan'));
  // What was done can only be written for today or earlier; plans may look ahead.
  if (input.content?.trim() && date > bankDate(now)) errors.push(fieldError('content', 'notFuture', '不能为将来的日期填写已完成的工作', 'cannot record work done on a future date'));
  if (errors.length) throw invalid(errors);
  const before = await repo.getJournalEntry(db, user.id, date);
  const set = { ...(input.content !== undefined ? { content: input.content } : {}), ...(input.plan !== undefined ? { plan: input.plan } : {}) };
  const row = await repo.upsertJournalEntry(db, user.id, date, set);
  const changed = diff({ content: before?.content ?? '', plan: before?.plan ?? '' }, set);
  if (!before || changed) {
    await audit(db, actor, { action: before ? 'update' : 'create', entity: 'journal_entry', entityId: row.id, fields: changed?.fields ?? Object.keys(set), changes: { date, ...(changed?.changes ?? set) } });
  }
  return { date: row.entry_date, id: row.id, content: row.content, plan: row.plan, updatedAt: row.updated_at };
}

export async function teamJournals(db: Db, user: CurrentUser, q: TeamJournalQuery, now = new Date()) {
  const start = weekStartOf(q.week ?? bankDate(now));
  const end = addDays(start, 6);
  const p = paging(q);
  const { rows, total } = await repo.findTeamJournals(db, user, start, end, p.limit, p.offset);
  return {
    weekStart: start, weekEnd: end, total, page: p.page, pageSize: p.pageSize,
    items: rows.map((r) => ({
      userId: r.id, username: r.username, displayName: r.display_name, orgName: r.org_name, orgNameEn: r.org_name_en,
      roleName: r.role_name, roleNameEn: r.role_name_en, days: r.days, lastUpdated: r.last_updated,
    })),
  };
}

export async function journalExportOwner(db: Db, user: CurrentUser, from: string, to: string, userId: number | undefined) {
  const errors: FieldError[] = [];
  if (to < from) errors.push(fieldError('to', 'afterFrom', '结束日期不能早于开始日期', 'must not be before from'));
  else if (new Date(`${to}T00:00:00Z`).getTime() - new Date(`${from}T00:00:00Z`).getTime() > MAX_SPAN_DAYS * DAY_MS) {
    errors.push(fieldError('to', 'maxSpan', `导出范围不能超过 ${MAX_SPAN_DAYS} 天`, `must be within ${MAX_SPAN_DAYS} days of from`));
  }
  if (errors.length) throw invalid(errors);
  return journalOwner(db, user, userId);
}

// ====================================================================== reminders

type ReminderRow = Awaited<ReturnType<typeof repo.findReminders>>['rows'][number];

export function reminderState(r: { fired_at: Date | null; done_at: Date | null }) {
  return r.done_at ? ('done' as const) : r.fired_at ? ('fired' as const) : ('pending' as const);
}

function presentReminder(r: ReminderRow) {
  return {
    id: r.id, title: r.title, note: r.note, remindAt: r.remind_at, firedAt: r.fired_at, seenAt: r.seen_at, doneAt: r.done_at,
    state: reminderState(r), calendarEventId: r.calendar_event_id, customerNo: r.customer_no ?? null, customerName: r.customer_name ?? null, createdAt: r.created_at,
  };
}

export async function reminders(db: Db, user: CurrentUser, q: ReminderQuery) {
  const p = paging(q);
  const { rows, total } = await repo.findReminders(db, user, { status: q.status, ...p });
  return { items: rows.map(presentReminder), total, page: p.page, pageSize: p.pageSize };
}

async function reminderView(db: Db, user: CurrentUser, id: number) {
  const r = await repo.getReminder(db, user, id);
  if (!r) throw notFound(REMINDER_NOT_FOUND);
  return presentReminder(r);
}

// One minute of grace: a reminder set "now" from a form that took a moment to submit is still fine.
const PAST_GRACE_MS = 60_000;

export async function createReminder(db: Db, user: CurrentUser, actor: Actor, input: ReminderInput, now = new Date()) {
  const remindAt = new Date(input.remindAt);
  if (remindAt.getTime() < now.getTime() - PAST_GRACE_MS) throw invalid([fieldError('remindAt', 'future', '提醒时间不能早于当前时间', 'must not be in the past')]);
  const customerId = (await customerIdOf(db, user, input.customerNo)) ?? null;
  const { id } = await repo.insertReminder(db, { user_id: user.id, customer_id: customerId, title: input.title.trim(), note: input.note ?? null, remind_at: remindAt });
  await audit(db, actor, { action: 'create', entity: 'reminder_event', entityId: id, customerId, changes: { title: input.title.trim(), remindAt, customerId } });
  return reminderView(db, user, id);
}

async function ownReminder(db: Db, user: CurrentUser, id: number) {
  const r = await repo.getOwnReminder(db, user.id, id);
  if (!r) throw notFound(REMINDER_NOT_FOUND);
  return r;
}

export async function updateReminder(db: Db, user: CurrentUser, actor: Actor, id: number, patch: ReminderPatch, now = new Date()) {
  const before = await ownReminder(db, user, id);
  if (before.calendar_event_id && (patch.title !== undefined || patch.remindAt !== undefined || patch.customerNo !== undefined)) {
    throw new AppError('CONFLICT', { zh: '此提醒来自日程，请在日程中修改', en: 'This reminder belongs to a calendar event: change the event instead' });
  }
  const remindAt = patch.remindAt ? new Date(patch.remindAt) : undefined;
  if (remindAt && remindAt.getTime() !== before.remind_at.getTime() && remindAt.getTime() < now.getTime() - PAST_GRACE_MS) {
    throw invalid([fieldError('remindAt', 'future', '提醒时间不能早于当前时间', 'must not be in the past')]);
  }
  const customerId = await customerIdOf(db, user, patch.customerNo);
  const set = {
    ...(patch.title !== undefined ? { title: patch.title.trim() } : {}),
    ...(patch.note !== undefined ? { note: patch.note } : {}),
    ...(remindAt ? { remind_at: remindAt } : {}),
    ...(customerId !== undefined ? { customer_id: customerId } : {}),
  };
  const changed = diff(before as unknown as Record<string, unknown>, set);
  if (changed) {
    // A new time re-arms the reminder so it rings again.
    const rearm = changed.fields.includes('remind_at') ? { fired_at: null, seen_at: null } : {};
    await repo.updateReminder(db, id, { ...set, ...rearm });
    await audit(db, actor, { action: 'update', entity: 'reminder_event', entityId: id, customerId: set.customer_id ?? before.customer_id, fields: changed.fields, changes: changed.changes });
  }
  return reminderView(db, user, id);
}

export async function completeReminder(db: Db, user: CurrentUser, actor: Actor, id: number, done: boolean) {
  const before = await ownReminder(db, user, id);
  if (!!before.done_at !== done) {
    const doneAt = done ? new Date() : null;
    await repo.updateReminder(db, id, { done_at: doneAt });
    await audit(db, actor, { action: 'update', entity: 'reminder_event', entityId: id, customerId: before.customer_id, fields: ['done_at'], changes: { done_at: { from: before.done_at, to: doneAt } } });
  }
  return reminderView(db, user, id);
}

export async function deleteReminder(db: Db, user: CurrentUser, actor: Actor, id: number) {
  const before = await ownReminder(db, user, id);
  if (before.calendar_event_id) {
    throw new AppError('CONFLICT', { zh: '此提醒来自日程，请在日程中取消提醒', en: 'This reminder belongs to a calendar event: clear it on the event' });
  }
  await repo.deleteReminder(db, id);
  await audit(db, actor, { action: 'delete', entity: 'reminder_event', entityId: id, customerId: before.customer_id, changes: { title: before.title, remindAt: before.remind_at } });
}

export async function alerts(db: Db, user: CurrentUser) {
  const { rows, total } = await repo.findAlerts(db, user, 20);
  return { count: total, items: rows.map(presentReminder) };
}

export async function markAlertsSeen(db: Db, user: CurrentUser, actor: Actor, ids?: number[]) {
  const marked = await repo.markAlertsSeen(db, user.id, ids);
  if (marked.length) await audit(db, actor, { action: 'update', entity: 'reminder_event', fields: ['seen_at'], changes: { seen: marked } });
  return { marked: marked.length };
}

// ====================================================================== notes

type NoteRow = Awaited<ReturnType<typeof repo.findNotes>>['rows'][number];

function presentNote(r: NoteRow) {
  return {
    id: r.id, title: r.title, content: r.content, tags: r.tags, customerNo: r.customer_no ?? null, customerName: r.customer_name ?? null,
    createdAt: r.created_at, updatedAt: r.updated_at,
  };
}

const cleanTags = (tags: string[]) => [...new Set(tags.map((t) => t.trim()).filter(Boolean))];

export async function notes(db: Db, user: CurrentUser, q: NoteQuery) {
  const p = paging(q);
  const customerId = q.customerNo ? await customerIdOf(db, user, q.customerNo) : undefined;
  const [{ rows, total }, tags] = await Promise.all([
    repo.findNotes(db, user, { q: q.q?.trim() || undefined, tag: q.tag?.trim() || undefined, customerId: customerId ?? undefined, ...p }),
    repo.findNoteTags(db, user.id),
  ]);
  return { items: rows.map(presentNote), total, page: p.page, pageSize: p.pageSize, tags: tags.map((t) => ({ tag: t.tag, count: t.n })) };
}

export async function noteExportFilter(db: Db, user: CurrentUser, q: NoteQuery) {
  const customerId = q.customerNo ? await customerIdOf(db, user, q.customerNo) : undefined;
  return { q: q.q?.trim() || undefined, tag: q.tag?.trim() || undefined, customerId: customerId ?? undefined };
}

export async function getNote(db: Db, user: CurrentUser, id: number) {
  const r = await repo.getNote(db, user, id);
  if (!r) throw notFound(NOTE_NOT_FOUND);
  return presentNote(r);
}

export async function createNote(db: Db, user: CurrentUser, actor: Actor, input: NoteInput) {
  const customerId = (await customerIdOf(db, user, input.customerNo)) ?? null;
  const row = { user_id: user.id, title: input.title.trim(), content: input.content ?? '', customer_id: customerId, tags: cleanTags(input.tags ?? []) };
  const { id } = await repo.insertNote(db, row);
  await audit(db, actor, { action: 'create', entity: 'note', entityId: id, customerId, changes: { title: row.title, tags: row.tags, customerId } });
  return getNote(db, user, id);
}

export async function updateNote(db: Db, user: CurrentUser, actor: Actor, id: number, patch: NotePatch) {
  const before = await repo.getOwnNoteRow(db, user.id, id);
  if (!before) throw notFound(NOTE_NOT_FOUND);
  const customerId = await customerIdOf(db, user, patch.customerNo);
  const set = {
    ...(patch.title !== undefined ? { title: patch.title.trim() } : {}),
    ...(patch.content !== undefined ? { content: patch.content } : {}),
    ...(patch.tags !== undefined ? { tags: cleanTags(patch.tags) } : {}),
    ...(customerId !== undefined ? { customer_id: customerId } : {}),
  };
  const changed = diff(before as unknown as Record<string, unknown>, set);
  if (changed) {
    await repo.updateNote(db, id, set);
    // Note text can be long: the audit keeps which fields changed, and the short ones' values.
    const { content: _c, ...values } = changed.changes;
    await audit(db, actor, { action: 'update', entity: 'note', entityId: id, customerId: set.customer_id ?? before.customer_id, fields: changed.fields, changes: values });
  }
  return getNote(db, user, id);
}

export async function deleteNote(db: Db, user: CurrentUser, actor: Actor, id: number) {
  const before = await repo.getOwnNoteRow(db, user.id, id);
  if (!before) throw notFound(NOTE_NOT_FOUND);
  await repo.deleteNote(db, id);
  await audit(db, actor, { action: 'delete', entity: 'note', entityId: id, customerId: before.customer_id, changes: { title: before.title, tags: before.tags, content: before.content } });
}

// ====================================================================== home page

/** What the workbench shows: unread notices, today's events, the alert count. `from`/`to` bound "today" (default: the bank's day). */
export async function home(db: Db, user: CurrentUser, range: { from?: string; to?: string }, now = new Date()) {
  const day = bankDate(now);
  const from = range.from ? new Date(range.from) : new Date(`${day}T00:00:00${BANK_UTC_OFFSET}`);
  const to = range.to ? new Date(range.to) : new Date(from.getTime() + DAY_MS);
  if (to.getTime() <= from.getTime() || to.getTime() - from.getTime() > 31 * DAY_MS) throw invalid([fieldError('to', 'afterFrom', '结束时间必须晚于开始时间（不超过 31 天）', 'must be after from (within 31 days)')]);
  const [box, events, alerted] = await Promise.all([
    repo.findInbox(db, user, { unread: true, limit: 5, offset: 0 }),
    repo.findEvents(db, user, from, to),
    repo.findAlerts(db, user, 0),
  ]);
  return {
    unreadNotices: box.total,
    notices: box.rows.map((r) => ({ id: r.id, title: r.title, priority: r.priority, pinned: r.pinned, publishAt: r.publish_at, publisherName: r.publisher_name })),
    events: events.map((r) => presentEvent(r, user)),
    alerts: alerted.total,
  };
}
