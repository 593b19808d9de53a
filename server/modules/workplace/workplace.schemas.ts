import { Type, type Static } from '@sinclair/typebox';
import { Lit, Nullable, Opt } from '../../platform/schema.ts';

const Str = (max: number, min = 0) => Type.String({ maxLength: max, minLength: min });
/** Text that must say something: not empty, not only spaces. */
const Text = (max: number) => Type.String({ minLength: 1, maxLength: max, pattern: '\\S' });
const DateTime = Type.String({ format: 'date-time' });
const DateStr = Type.String({ format: 'date' });
const CustomerNo = Type.String({ pattern: '^\\d{1,20}$' });
const Page = { page: Opt(Type.Integer({ minimum: 1, maximum: 100000 })), pageSize: Opt(Type.Integer({ minimum: 1, maximum: 200 })) };

export const IdParams = Type.Object({ id: Type.Integer({ minimum: 1 }) });

// ---- notices

export const NOTICE_PRIORITIES = ['normal', 'important', 'urgent'] as const;
export const NoticeAttachmentInput = Type.Object({
  name: Text(200),
  // Links only, and only web links: a javascript: URL in a notice would run in every reader's browser.
  url: Type.String({ maxLength: 1000, pattern: '^https?://\\S+$' }),
}, { additionalProperties: false });

const noticeFields = {
  title: Text(200),
  body: Opt(Str(20000)),
  format: Opt(Lit(['text', 'markdown'] as const)),
  priority: Opt(Lit(NOTICE_PRIORITIES)),
  pinned: Opt(Type.Boolean()),
  orgIds: Opt(Type.Array(Type.Integer({ minimum: 1 }), { minItems: 1, maxItems: 50, uniqueItems: true })),
  roles: Opt(Type.Array(Str(40, 1), { maxItems: 20, uniqueItems: true })),
  publishAt: Opt(Nullable(DateTime)),
  expireAt: Opt(Nullable(DateTime)),
  attachments: Opt(Type.Array(NoticeAttachmentInput, { maxItems: 20 })),
};
export const NoticeInput = Type.Object(noticeFields, { additionalProperties: false });
export type NoticeInput = Static<typeof NoticeInput>;
export const NoticePatch = Type.Object({ ...noticeFields, title: Opt(Text(200)) }, { additionalProperties: false });
export type NoticePatch = Static<typeof NoticePatch>;

export const InboxQuery = Type.Object({
  q: Opt(Str(100)),
  unread: Opt(Type.Boolean()),
  ...Page,
}, { additionalProperties: false });
export type InboxQuery = Static<typeof InboxQuery>;

export const ManageQuery = Type.Object({
  q: Opt(Str(100)),
  status: Opt(Lit(['published', 'withdrawn', 'scheduled', 'expired'] as const)),
  ...Page,
}, { additionalProperties: false });
export type ManageQuery = Static<typeof ManageQuery>;

export const ReadersQuery = Type.Object({
  read: Opt(Type.Boolean()),
  ...Page,
}, { additionalProperties: false });
export type ReadersQuery = Static<typeof ReadersQuery>;

// ---- calendar

const eventFields = {
  title: Text(200),
  startsAt: DateTime,
  endsAt: DateTime,
  allDay: Opt(Type.Boolean()),
  location: Opt(Nullable(Str(200))),
  description: Opt(Nullable(Str(4000))),
  customerNo: Opt(Nullable(CustomerNo)),
  shareOrgId: Opt(Nullable(Type.Integer({ minimum: 1 }))),
  shareUserIds: Opt(Type.Array(Type.Integer({ minimum: 1 }), { maxItems: 100, uniqueItems: true })),
  remindAt: Opt(Nullable(DateTime)),
};
export const EventInput = Type.Object(eventFields, { additionalProperties: false });
export type EventInput = Static<typeof EventInput>;
export const EventPatch = Type.Object({
  ...eventFields, title: Opt(Text(200)), startsAt: Opt(DateTime), endsAt: Opt(DateTime),
}, { additionalProperties: false });
export type EventPatch = Static<typeof EventPatch>;

export const CalendarQuery = Type.Object({
  from: DateTime,
  to: DateTime,
  mine: Opt(Type.Boolean()),
}, { additionalProperties: false });
export type CalendarQuery = Static<typeof CalendarQuery>;

// ---- journal

export const JournalQuery = Type.Object({
  week: Opt(DateStr),
  userId: Opt(Type.Integer({ minimum: 1 })),
}, { additionalProperties: false });
export type JournalQuery = Static<typeof JournalQuery>;

export const JournalDateParams = Type.Object({ date: DateStr });
export const JournalInput = Type.Object({
  content: Opt(Str(10000)),
  plan: Opt(Str(10000)),
}, { additionalProperties: false });
export type JournalInput = Static<typeof JournalInput>;

export const TeamJournalQuery = Type.Object({ week: Opt(DateStr), ...Page }, { additionalProperties: false });
export type TeamJournalQuery = Static<typeof TeamJournalQuery>;

export const JournalExportQuery = Type.Object({
  from: DateStr,
  to: DateStr,
  userId: Opt(Type.Integer({ minimum: 1 })),
}, { additionalProperties: false });
export type JournalExportQuery = Static<typeof JournalExportQuery>;

// ---- reminders

const reminderFields = {
  title: Text(200),
  note: Opt(Nullable(Str(2000))),
  remindAt: DateTime,
  customerNo: Opt(Nullable(CustomerNo)),
};
export const ReminderInput = Type.Object(reminderFields, { additionalProperties: false });
export type ReminderInput = Static<typeof ReminderInput>;
export const ReminderPatch = Type.Object({ ...reminderFields, title: Opt(Text(200)), remindAt: Opt(DateTime) }, { additionalProperties: false });
export type ReminderPatch = Static<typeof ReminderPatch>;

export const ReminderQuery = Type.Object({
  status: Opt(Lit(['pending', 'fired', 'done'] as const)),
  ...Page,
}, { additionalProperties: false });
export type ReminderQuery = Static<typeof ReminderQuery>;

export const SeenBody = Type.Object({
  ids: Opt(Type.Array(Type.Integer({ minimum: 1 }), { maxItems: 500 })),
}, { additionalProperties: false });

// ---- notes

const Tag = Type.String({ minLength: 1, maxLength: 30, pattern: '^[^,\\s]+$' });
const noteFields = {
  title: Text(200),
  content: Opt(Str(20000)),
  customerNo: Opt(Nullable(CustomerNo)),
  tags: Opt(Type.Array(Tag, { maxItems: 20 })),
};
export const NoteInput = Type.Object(noteFields, { additionalProperties: false });
export type NoteInput = Static<typeof NoteInput>;
export const NotePatch = Type.Object({ ...noteFields, title: Opt(Text(200)) }, { additionalProperties: false });
export type NotePatch = Static<typeof NotePatch>;

export const NoteQuery = Type.Object({
  q: Opt(Str(100)),
  tag: Opt(Str(30)),
  customerNo: Opt(CustomerNo),
  ...Page,
}, { additionalProperties: false });
export type NoteQuery = Static<typeof NoteQuery>;

// ---- people to address or share with

export const ColleagueQuery = Type.Object({ q: Opt(Str(50)) }, { additionalProperties: false });
