import type { Generated } from 'kysely';
import type { Timestamp } from '../../db/database.ts';

export type NoticeFormat = 'text' | 'markdown';
export type NoticePriority = 'normal' | 'important' | 'urgent';
export type NoticeStatus = 'published' | 'withdrawn';
export type NoticeAttachment = { name: string; url: string };

export type NoticeTable = {
  id: Generated<number>;
  title: string;
  body: Generated<string>;
  format: Generated<NoticeFormat>;
  priority: Generated<NoticePriority>;
  pinned: Generated<boolean>;
  /** Org units whose subtrees receive the notice. */
  audience_org_ids: number[];
  /** Role codes; empty means every role. */
  audience_roles: Generated<string[]>;
  attachments: Generated<NoticeAttachment[]>;
  publish_at: Timestamp;
  expire_at: Timestamp | null;
  status: Generated<NoticeStatus>;
  withdrawn_at: Timestamp | null;
  publisher_id: number;
  org_id: number;
  created_at: Timestamp;
  updated_at: Timestamp;
};

export type NoticeReceiptTable = { notice_id: number; user_id: number; read_at: Timestamp };

export type CalendarEventTable = {
  id: Generated<number>;
  owner_id: number;
  title: string;
  starts_at: Timestamp;
  ends_at: Timestamp;
  all_day: Generated<boolean>;
  location: string | null;
  description: string | null;
  customer_id: number | null;
  shared: Generated<boolean>;
  share_org_id: number | null;
  remind_at: Timestamp | null;
  created_at: Timestamp;
  updated_at: Timestamp;
};

export type CalendarEventShareTable = { event_id: number; user_id: number };

export type JournalEntryTable = {
  id: Generated<number>;
  user_id: number;
  entry_date: string;
  content: Generated<string>;
  plan: Generated<string>;
  created_at: Timestamp;
  updated_at: Timestamp;
};

export type ReminderEventTable = {
  id: Generated<number>;
  user_id: number;
  customer_id: number | null;
  calendar_event_id: number | null;
  title: string;
  note: string | null;
  remind_at: Timestamp;
  fired_at: Timestamp | null;
  seen_at: Timestamp | null;
  done_at: Timestamp | null;
  created_at: Timestamp;
  updated_at: Timestamp;
};

export type NoteTable = {
  id: Generated<number>;
  user_id: number;
  title: string;
  content: Generated<string>;
  customer_id: number | null;
  tags: Generated<string[]>;
  created_at: Timestamp;
  updated_at: Timestamp;
};

/** Tables of the workplace module (notices and read receipts, calendar, work journal, reminder events, notebook); created by migration 0007_workplace. */
export type WorkplaceTables = {
  notice: NoticeTable;
  notice_receipt: NoticeReceiptTable;
  calendar_event: CalendarEventTable;
  calendar_event_share: CalendarEventShareTable;
  journal_entry: JournalEntryTable;
  reminder_event: ReminderEventTable;
  note: NoteTable;
};
