import type { ColumnType, Generated } from 'kysely';
import type { Timestamp } from '../../db/database.ts';

/** A nullable timestamptz column: read as Date or null. */
export type NullableTimestamp = ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;

export const REQUEST_KINDS = ['enquiry', 'complaint', 'suggestion', 'report', 'care', 'statement'] as const;
export type RequestKind = (typeof REQUEST_KINDS)[number];
export const PRIORITIES = ['low', 'normal', 'high', 'urgent'] as const;
export type Priority = (typeof PRIORITIES)[number];
export const CHANNELS = ['counter', 'phone', 'email', 'web', 'sms', 'wechat', 'app', 'visit'] as const;
export type RequestChannel = (typeof CHANNELS)[number];
export const REQUEST_STATUSES = ['open', 'in_progress', 'pending_customer', 'resolved', 'closed'] as const;
export type RequestStatus = (typeof REQUEST_STATUSES)[number];
export const STEP_ACTIONS = ['create', 'assign', 'take', 'respond', 'wait', 'resolve', 'close', 'reopen', 'escalate', 'archive', 'dispatch'] as const;
export type StepAction = (typeof STEP_ACTIONS)[number];
export const OUTBOUND_KINDS = ['care_call', 'visit'] as const;
export const OUTBOUND_OUTCOMES = ['reached', 'not_reached', 'satisfied', 'follow_up', 'declined'] as const;

export type ServiceCategoryTable = {
  code: string;
  parent_code: string | null;
  name: string;
  name_en: string;
  kind: RequestKind | null;
  active: Generated<boolean>;
  sort_order: Generated<number>;
};

export type ServicePriorityTable = { code: Priority; name: string; name_en: string; rank: number; active: Generated<boolean> };

export type ServiceSlaTable = {
  kind: RequestKind;
  priority: Priority;
  response_minutes: number;
  resolution_minutes: number;
  updated_at: Timestamp;
};

export type ServiceQueueTable = { code: string; name: string; name_en: string; org_id: number | null; active: Generated<boolean> };
export type ServiceQueueMemberTable = { queue_code: string; user_id: number };

export type ServiceRequestTable = {
  id: Generated<number>;
  req_no: string;
  customer_id: number;
  kind: RequestKind;
  category_code: string | null;
  priority: Priority;
  channel: RequestChannel;
  status: Generated<RequestStatus>;
  assignee_id: number | null;
  queue_code: string | null;
  org_id: number;
  subject: string;
  description: Generated<string>;
  text_grams: Generated<string[]>;
  response_due_at: Timestamp;
  responded_at: NullableTimestamp;
  due_at: Timestamp;
  breached_at: NullableTimestamp;
  escalated_at: NullableTimestamp;
  escalated_to: number | null;
  resolution: string | null;
  resolved_at: NullableTimestamp;
  closed_at: NullableTimestamp;
  satisfaction: number | null;
  satisfaction_note: string | null;
  root_cause: string | null;
  preventive_action: string | null;
  created_by: number;
  created_at: Timestamp;
  updated_at: Timestamp;
};

export type ServiceRequestStepTable = {
  id: Generated<number>;
  request_id: number;
  customer_id: number;
  action: StepAction;
  note: string | null;
  from_status: string | null;
  to_status: string | null;
  user_id: number | null;
  to_user_id: number | null;
  queue_code: string | null;
  created_at: Timestamp;
};

export type ServiceOutboundTable = {
  id: Generated<number>;
  customer_id: number;
  kind: (typeof OUTBOUND_KINDS)[number];
  purpose: string;
  planned_at: Timestamp;
  owner_id: number;
  status: Generated<'planned' | 'done' | 'cancelled'>;
  done_at: NullableTimestamp;
  outcome: (typeof OUTBOUND_OUTCOMES)[number] | null;
  outcome_note: string | null;
  request_id: number | null;
  created_by: number;
  created_at: Timestamp;
};

export type ServiceSkillTable = { code: string; name: string; name_en: string };
export type StaffSkillTable = { user_id: number; skill_code: string; level: Generated<number> };
export type StaffLeaveTable = { id: Generated<number>; user_id: number; starts_at: Timestamp; ends_at: Timestamp; reason: Generated<string>; created_at: Timestamp };

export type ServiceDispatchTable = {
  id: Generated<number>;
  customer_id: number;
  request_id: number | null;
  assignee_id: number;
  skill_code: string;
  starts_at: Timestamp;
  ends_at: Timestamp;
  address: Generated<string>;
  task: string;
  status: Generated<'dispatched' | 'done' | 'cancelled'>;
  outcome: string | null;
  done_at: NullableTimestamp;
  created_by: number;
  created_at: Timestamp;
};

/** Tables of the service module (service requests, SLAs, steps, escalations, archive, outbound care and visits, dispatch); created by migration 0006_service. */
export type ServiceTables = {
  service_category: ServiceCategoryTable;
  service_priority: ServicePriorityTable;
  service_sla: ServiceSlaTable;
  service_queue: ServiceQueueTable;
  service_queue_member: ServiceQueueMemberTable;
  service_request: ServiceRequestTable;
  service_request_step: ServiceRequestStepTable;
  service_outbound: ServiceOutboundTable;
  service_skill: ServiceSkillTable;
  staff_skill: StaffSkillTable;
  staff_leave: StaffLeaveTable;
  service_dispatch: ServiceDispatchTable;
};
