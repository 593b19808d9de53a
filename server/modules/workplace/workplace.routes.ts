import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { Db } from '../../db/database.ts';
import { bankDate } from '../../platform/bank-time.ts';
import { actorOf, currentUser, requireUser } from '../../platform/auth.ts';
import { audit } from '../../platform/audit.ts';
import { typed } from '../../platform/context.ts';
import { requestLang } from '../../platform/errors.ts';
import { Opt } from '../../platform/schema.ts';
import { sendXlsx, type XlsxColumn } from '../../platform/xlsx.ts';
import * as repo from './workplace.repository.ts';
import * as service from './workplace.service.ts';
import {
  CalendarQuery, ColleagueQuery, EventInput, EventPatch, IdParams, InboxQuery, JournalDateParams, JournalExportQuery, JournalInput, JournalQuery,
  ManageQuery, NoteInput, NotePatch, NoteQuery, NoticeInput, NoticePatch, ReadersQuery, ReminderInput, ReminderPatch, ReminderQuery, SeenBody,
  TeamJournalQuery,
} from './workplace.schemas.ts';

const langOf = requestLang;
const iso = (d: Date | string | null | undefined) => (d ? new Date(d).toISOString().replace('T', ' ').slice(0, 19) + 'Z' : '');
const stamp = () => bankDate();

/** Every workplace page is for signed-in staff; reading customers is what front-office roles share. */
const STAFF = requireUser();

export async function workplaceRoutes(fastify: FastifyInstance) {
  const app = typed(fastify);
  const tags = ['workplace'];
  const tx = <T>(fn: (trx: Db) => Promise<T>) => app.db.transaction().execute(fn);

  /** Streams an export and records it in the audit log (what, which filter, how many rows). */
  async function exportXlsx(req: FastifyRequest, reply: FastifyReply, what: string, name: { zh: string; en: string }, columns: XlsxColumn[], rows: () => AsyncIterable<Record<string, unknown>>, filter: unknown) {
    const lang = langOf(req);
    const count = await sendXlsx(reply, `${name.en.toLowerCase().replace(/\s+/g, '-')}-${stamp()}.xlsx`, name[lang], columns, rows);
    await tx((trx) => audit(trx, actorOf(req), { action: 'export', entity: what, changes: { filter, rows: count } }));
    return reply;
  }
  const col = (req: FastifyRequest, key: string, zh: string, en: string, width = 16): XlsxColumn => ({ key, header: langOf(req) === 'zh' ? zh : en, width });

  // ------------------------------------------------------------ home page, people, options

  app.get('/api/workplace/home', {
    schema: { tags, querystring: Type.Object({ from: Opt(Type.String({ format: 'date-time' })), to: Opt(Type.String({ format: 'date-time' })) }, { additionalProperties: false }) },
    preHandler: STAFF,
  }, async (req) => service.home(app.db, currentUser(req), req.query));

  app.get('/api/workplace/meta', { schema: { tags }, preHandler: STAFF }, async (req) => service.meta(app.db, currentUser(req)));

  app.get('/api/workplace/colleagues', { schema: { tags, querystring: ColleagueQuery }, preHandler: STAFF }, async (req) => service.colleagues(app.db, req.query.q));

  // ------------------------------------------------------------ notices

  app.get('/api/workplace/notices', { schema: { tags, querystring: InboxQuery }, preHandler: STAFF }, async (req) =>
    service.inbox(app.db, currentUser(req), req.query));

  app.post('/api/workplace/notices/read-all', { schema: { tags }, preHandler: STAFF }, async (req) =>
    tx((trx) => service.markAllRead(trx, currentUser(req), actorOf(req))));

  app.get('/api/workplace/notices/manage', { schema: { tags, querystring: ManageQuery }, preHandler: requireUser('notice:publish') }, async (req) =>
    service.managed(app.db, currentUser(req), req.query));

  app.get('/api/workplace/notices/manage/export', { schema: { tags, querystring: ManageQuery }, preHandler: requireUser('notice:publish') }, async (req, reply) => {
    const user = currentUser(req);
    const { page: _p, pageSize: _s, ...filter } = req.query;
    return exportXlsx(req, reply, 'notice', { zh: '公告', en: 'Notices' }, [
      col(req, 'id', '编号', 'No.', 8), col(req, 'title', '标题', 'Title', 40), col(req, 'priority', '级别', 'Priority', 10),
      col(req, 'state', '状态', 'State', 10), col(req, 'publishAt', '发布时间', 'Published', 20), col(req, 'expireAt', '失效时间', 'Expires', 20),
      col(req, 'publisher', '发布人', 'Publisher', 14), col(req, 'org', '发布机构', 'Org unit', 20), col(req, 'roles', '对象角色', 'Roles', 24),
      col(req, 'audience', '应读人数', 'Audience', 10), col(req, 'read', '已读', 'Read', 8), col(req, 'unread', '未读', 'Unread', 8),
    ], async function* () {
      for await (const r of repo.streamManaged(app.db, user, { q: filter.q, status: filter.status })) {
        yield {
          id: r.id, title: r.title, priority: r.priority, state: service.noticeState(r), publishAt: iso(r.publish_at), expireAt: iso(r.expire_at),
          publisher: r.publisher_name, org: langOf(req) === 'zh' ? r.org_name : r.org_name_en || r.org_name, roles: r.audience_roles.join(', '),
          audience: r.audience, read: r.read_count, unread: r.audience - r.read_count,
        };
      }
    }, filter);
  });

  app.post('/api/workplace/notices', { schema: { tags, body: NoticeInput }, preHandler: requireUser('notice:publish') }, async (req, reply) =>
    reply.status(201).send(await tx((trx) => service.createNotice(trx, currentUser(req), actorOf(req), req.body))));

  // Opening a notice writes its read receipt, hence the transaction on a GET.
  app.get('/api/workplace/notices/:id', { schema: { tags, params: IdParams }, preHandler: STAFF }, async (req) =>
    tx((trx) => service.openNotice(trx, currentUser(req), actorOf(req), req.params.id)));

  app.patch('/api/workplace/notices/:id', { schema: { tags, params: IdParams, body: NoticePatch }, preHandler: requireUser('notice:publish') }, async (req) =>
    tx((trx) => service.updateNotice(trx, currentUser(req), actorOf(req), req.params.id, req.body)));

  app.post('/api/workplace/notices/:id/withdraw', { schema: { tags, params: IdParams }, preHandler: requireUser('notice:publish') }, async (req) =>
    tx((trx) => service.withdrawNotice(trx, currentUser(req), actorOf(req), req.params.id)));

  app.get('/api/workplace/notices/:id/readers', { schema: { tags, params: IdParams, querystring: ReadersQuery }, preHandler: requireUser('notice:publish') }, async (req) =>
    service.readers(app.db, currentUser(req), req.params.id, req.query));

  app.get('/api/workplace/notices/:id/readers/export', { schema: { tags, params: IdParams }, preHandler: requireUser('notice:publish') }, async (req, reply) => {
    const user = currentUser(req);
    await service.assertManageable(app.db, user, req.params.id);
    const zh = langOf(req) === 'zh';
    return exportXlsx(req, reply, 'notice_receipt', { zh: '阅读情况', en: 'Readers' }, [
      col(req, 'username', '用户名', 'Username', 14), col(req, 'name', '姓名', 'Name', 14), col(req, 'org', '机构', 'Org unit', 22),
      col(req, 'role', '角色', 'Role', 16), col(req, 'status', '状态', 'Status', 8), col(req, 'readAt', '阅读时间', 'Read at', 20),
    ], async function* () {
      for await (const r of repo.streamReaders(app.db, req.params.id)) {
        yield {
          username: r.username, name: r.display_name, org: zh ? r.org_name : r.org_name_en || r.org_name, role: zh ? r.role_name : r.role_name_en,
          status: r.read_at ? (zh ? '已读' : 'read') : zh ? '未读' : 'unread', readAt: iso(r.read_at),
        };
      }
    }, { noticeId: req.params.id });
  });

  // ------------------------------------------------------------ calendar

  app.get('/api/workplace/calendar', { schema: { tags, querystring: CalendarQuery }, preHandler: STAFF }, async (req) =>
    service.calendar(app.db, currentUser(req), req.query));

  app.get('/api/workplace/calendar/export', { schema: { tags, querystring: CalendarQuery }, preHandler: STAFF }, async (req, reply) => {
    const user = currentUser(req);
    const { items } = await service.calendar(app.db, user, req.query);
    return exportXlsx(req, reply, 'calendar_event', { zh: '日程', en: 'Calendar' }, [
      col(req, 'title', '标题', 'Title', 30), col(req, 'startsAt', '开始', 'Starts', 20), col(req, 'endsAt', '结束', 'Ends', 20),
      col(req, 'allDay', '全天', 'All day', 8), col(req, 'location', '地点', 'Location', 20), col(req, 'customerNo', '客户号', 'Customer no.', 14),
      col(req, 'owner', '创建人', 'Owner', 12), col(req, 'shared', '共享', 'Shared', 8),
    ], async function* () {
      for (const e of items) {
        yield {
          title: e.title, startsAt: iso(e.startsAt), endsAt: iso(e.endsAt), allDay: e.allDay ? 'Y' : '', location: e.location ?? '',
          customerNo: e.customerNo ?? '', owner: e.ownerName, shared: e.shared ? 'Y' : '',
        };
      }
    }, req.query);
  });

  app.post('/api/workplace/calendar/events', { schema: { tags, body: EventInput }, preHandler: STAFF }, async (req, reply) =>
    reply.status(201).send(await tx((trx) => service.createEvent(trx, currentUser(req), actorOf(req), req.body))));

  app.get('/api/workplace/calendar/events/:id', { schema: { tags, params: IdParams }, preHandler: STAFF }, async (req) =>
    service.getEvent(app.db, currentUser(req), req.params.id));

  app.patch('/api/workplace/calendar/events/:id', { schema: { tags, params: IdParams, body: EventPatch }, preHandler: STAFF }, async (req) =>
    tx((trx) => service.updateEvent(trx, currentUser(req), actorOf(req), req.params.id, req.body)));

  app.delete('/api/workplace/calendar/events/:id', { schema: { tags, params: IdParams }, preHandler: STAFF }, async (req, reply) => {
    await tx((trx) => service.deleteEvent(trx, currentUser(req), actorOf(req), req.params.id));
    return reply.status(204).send();
  });

  // ------------------------------------------------------------ journal

  app.get('/api/workplace/journal', { schema: { tags, querystring: JournalQuery }, preHandler: STAFF }, async (req) =>
    service.journalWeek(app.db, currentUser(req), req.query));

  app.get('/api/workplace/journal/team', { schema: { tags, querystring: TeamJournalQuery }, preHandler: requireUser('team:supervise') }, async (req) =>
    service.teamJournals(app.db, currentUser(req), req.query));

  app.get('/api/workplace/journal/export', { schema: { tags, querystring: JournalExportQuery }, preHandler: STAFF }, async (req, reply) => {
    const who = await service.journalExportOwner(app.db, currentUser(req), req.query.from, req.query.to, req.query.userId);
    return exportXlsx(req, reply, 'journal_entry', { zh: '工作日志', en: 'Work journal' }, [
      col(req, 'user', '员工', 'Staff', 14), col(req, 'date', '日期', 'Date', 12), col(req, 'content', '工作内容', 'Done', 60),
      col(req, 'plan', '工作计划', 'Plan', 60), col(req, 'updatedAt', '更新时间', 'Updated', 20),
    ], async function* () {
      for await (const r of repo.streamJournal(app.db, who.id, req.query.from, req.query.to)) {
        yield { user: who.display_name, date: r.entry_date, content: r.content, plan: r.plan, updatedAt: iso(r.updated_at) };
      }
    }, { ...req.query, userId: who.id });
  });

  app.put('/api/workplace/journal/:date', { schema: { tags, params: JournalDateParams, body: JournalInput }, preHandler: STAFF }, async (req) =>
    tx((trx) => service.saveJournal(trx, currentUser(req), actorOf(req), req.params.date, req.body)));

  // ------------------------------------------------------------ reminders and alerts

  app.get('/api/workplace/alerts', { schema: { tags }, preHandler: STAFF }, async (req) => service.alerts(app.db, currentUser(req)));

  app.post('/api/workplace/alerts/seen', { schema: { tags, body: SeenBody }, preHandler: STAFF }, async (req) =>
    tx((trx) => service.markAlertsSeen(trx, currentUser(req), actorOf(req), req.body.ids)));

  app.get('/api/workplace/reminders', { schema: { tags, querystring: ReminderQuery }, preHandler: STAFF }, async (req) =>
    service.reminders(app.db, currentUser(req), req.query));

  app.get('/api/workplace/reminders/export', { schema: { tags, querystring: ReminderQuery }, preHandler: STAFF }, async (req, reply) => {
    const user = currentUser(req);
    return exportXlsx(req, reply, 'reminder_event', { zh: '提醒', en: 'Reminders' }, [
      col(req, 'title', '标题', 'Title', 30), col(req, 'remindAt', '提醒时间', 'Remind at', 20), col(req, 'state', '状态', 'State', 10),
      col(req, 'customerNo', '客户号', 'Customer no.', 14), col(req, 'customerName', '客户', 'Customer', 20), col(req, 'note', '备注', 'Note', 40),
    ], async function* () {
      for await (const r of repo.streamReminders(app.db, user, req.query.status)) {
        yield { title: r.title, remindAt: iso(r.remind_at), state: service.reminderState(r), customerNo: r.customer_no ?? '', customerName: r.customer_name ?? '', note: r.note ?? '' };
      }
    }, { status: req.query.status });
  });

  app.post('/api/workplace/reminders', { schema: { tags, body: ReminderInput }, preHandler: STAFF }, async (req, reply) =>
    reply.status(201).send(await tx((trx) => service.createReminder(trx, currentUser(req), actorOf(req), req.body))));

  app.patch('/api/workplace/reminders/:id', { schema: { tags, params: IdParams, body: ReminderPatch }, preHandler: STAFF }, async (req) =>
    tx((trx) => service.updateReminder(trx, currentUser(req), actorOf(req), req.params.id, req.body)));

  app.post('/api/workplace/reminders/:id/done', {
    schema: { tags, params: IdParams, body: Opt(Type.Object({ done: Opt(Type.Boolean()) }, { additionalProperties: false })) }, preHandler: STAFF,
  }, async (req) => tx((trx) => service.completeReminder(trx, currentUser(req), actorOf(req), req.params.id, req.body?.done ?? true)));

  app.delete('/api/workplace/reminders/:id', { schema: { tags, params: IdParams }, preHandler: STAFF }, async (req, reply) => {
    await tx((trx) => service.deleteReminder(trx, currentUser(req), actorOf(req), req.params.id));
    return reply.status(204).send();
  });

  // ------------------------------------------------------------ notebook

  app.get('/api/workplace/notes', { schema: { tags, querystring: NoteQuery }, preHandler: STAFF }, async (req) =>
    service.notes(app.db, currentUser(req), req.query));

  app.get('/api/workplace/notes/export', { schema: { tags, querystring: NoteQuery }, preHandler: STAFF }, async (req, reply) => {
    const user = currentUser(req);
    const filter = await service.noteExportFilter(app.db, user, req.query);
    return exportXlsx(req, reply, 'note', { zh: '记事本', en: 'Notes' }, [
      col(req, 'title', '标题', 'Title', 30), col(req, 'content', '内容', 'Content', 60), col(req, 'tags', '标签', 'Tags', 20),
      col(req, 'customerNo', '客户号', 'Customer no.', 14), col(req, 'customerName', '客户', 'Customer', 20), col(req, 'updatedAt', '更新时间', 'Updated', 20),
    ], async function* () {
      for await (const r of repo.streamNotes(app.db, user, filter)) {
        yield { title: r.title, content: r.content, tags: r.tags.join(', '), customerNo: r.customer_no ?? '', customerName: r.customer_name ?? '', updatedAt: iso(r.updated_at) };
      }
    }, filter);
  });

  app.post('/api/workplace/notes', { schema: { tags, body: NoteInput }, preHandler: STAFF }, async (req, reply) =>
    reply.status(201).send(await tx((trx) => service.createNote(trx, currentUser(req), actorOf(req), req.body))));

  app.get('/api/workplace/notes/:id', { schema: { tags, params: IdParams }, preHandler: STAFF }, async (req) =>
    service.getNote(app.db, currentUser(req), req.params.id));

  app.patch('/api/workplace/notes/:id', { schema: { tags, params: IdParams, body: NotePatch }, preHandler: STAFF }, async (req) =>
    tx((trx) => service.updateNote(trx, currentUser(req), actorOf(req), req.params.id, req.body)));

  app.delete('/api/workplace/notes/:id', { schema: { tags, params: IdParams }, preHandler: STAFF }, async (req, reply) => {
    await tx((trx) => service.deleteNote(trx, currentUser(req), actorOf(req), req.params.id));
    return reply.status(204).send();
  });
}
