import type { Generated } from 'kysely';
import type { Timestamp } from '../../db/database.ts';

export type ManagerLevel = 'junior' | 'intermediate' | 'senior';
export type TransferStatus = 'pending' | 'approved' | 'rejected' | 'cancelled';
export type ReminderKind = 'birthday' | 'maturity' | 'dormant' | 'service_due' | 'follow_up' | 'custom';
export type ReportKind = 'weekly_plan' | 'weekly_summary' | 'monthly_plan' | 'monthly_summary';

export type ManagerProfileTable = {
  user_id: number;
  level: Generated<ManagerLevel>;
  recognized_on: string | null;
  specialities: Generated<string[]>;
  max_customers: number | null;
  remarks: string | null;
  updated_by: number | null;
  updated_at: Timestamp;
};

export type CustomerTransferRequestTable = {
  id: Generated<number>;
  customer_id: number;
  from_manager_id: number | null;
  to_manager_id: number;
  reason: string;
  status: Generated<TransferStatus>;
  requested_by: number;
  decided_by: number | null;
  decided_at: Date | null;
  decision_note: string | null;
  created_at: Timestamp;
};

export type ManagerHandoverTable = {
  id: Generated<number>;
  from_manager_id: number;
  to_manager_ids: number[];
  customer_count: number;
  distribution: unknown;
  reason: string;
  created_by: number;
  created_at: Timestamp;
};

export type ReminderTable = {
  id: Generated<number>;
  user_id: number;
  customer_id: number | null;
  kind: ReminderKind;
  title: string;
  detail: Generated<unknown>;
  due_on: string;
  source_key: string;
  done_at: Date | null;
  dismissed_at: Date | null;
  created_at: Timestamp;
};

export type WorkReportTable = {
  id: Generated<number>;
  user_id: number;
  kind: ReportKind;
  period_start: string;
  content: string;
  submitted_at: Date | null;
  created_at: Timestamp;
  updated_at: Timestamp;
};

export type WorkReportCommentTable = {
  id: Generated<number>;
  report_id: number;
  user_id: number;
  content: string;
  created_at: Timestamp;
};

export type SavedViewTable = {
  id: Generated<number>;
  user_id: number;
  list: string;
  name: string;
  filters: unknown;
  created_at: Timestamp;
};

export type ManagerBalanceSnapshotTable = {
  manager_id: number;
  as_of: string;
  category: string;
  is_asset: boolean;
  balance_fen: number;
  accounts: number;
  computed_at: Timestamp;
};

/** Tables of the managers module (manager profiles, transfer requests, handovers, reminders, plans and reports); created by migration 0005_managers. */
export type ManagersTables = {
  manager_profile: ManagerProfileTable;
  customer_transfer_request: CustomerTransferRequestTable;
  manager_handover: ManagerHandoverTable;
  reminder: ReminderTable;
  work_report: WorkReportTable;
  work_report_comment: WorkReportCommentTable;
  saved_view: SavedViewTable;
  manager_balance_snapshot: ManagerBalanceSnapshotTable;
};
