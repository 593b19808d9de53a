import type { ColumnType, Generated } from 'kysely';
import type { Timestamp } from '../../db/database.ts';

/** A nullable timestamptz column. */
type TimestampNull = ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;

export const CONTACT_CHANNELS = ['visit', 'phone', 'email', 'sms', 'wechat', 'counter', 'web'] as const;
export type ContactChannel = (typeof CONTACT_CHANNELS)[number];
export const ACTIVITY_TYPES = ['visit', 'call', 'meeting', 'email', 'event', 'task', 'other'] as const;
export type ActivityType = (typeof ACTIVITY_TYPES)[number];
export const ACTIVITY_STATUSES = ['planned', 'in_progress', 'done', 'cancelled'] as const;
export type ActivityStatus = (typeof ACTIVITY_STATUSES)[number];
export const PRIORITIES = ['low', 'normal', 'high', 'urgent'] as const;
export type Priority = (typeof PRIORITIES)[number];
export const OPPORTUNITY_STATUSES = ['open', 'won', 'lost'] as const;
export type OpportunityStatus = (typeof OPPORTUNITY_STATUSES)[number];
export const SALES_METHODS = ['face_to_face', 'phone', 'online', 'event', 'referral', 'cross_sell', 'other'] as const;
export const REQUIREMENT_STATUSES = ['new', 'analysing', 'in_progress', 'fulfilled', 'closed', 'rejected'] as const;
export type RequirementStatus = (typeof REQUIREMENT_STATUSES)[number];
export const SEVERITIES = ['low', 'medium', 'high', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];
export const URGENCIES = ['low', 'normal', 'high', 'urgent'] as const;
export type Urgency = (typeof URGENCIES)[number];
export const TARGET_PERIODS = ['month', 'quarter', 'year'] as const;
export type TargetPeriod = (typeof TARGET_PERIODS)[number];
export const TARGET_METRICS = ['sales_amount', 'new_customers', 'aum', 'deposits', 'loans', 'products_sold'] as const;
export type TargetMetric = (typeof TARGET_METRICS)[number];

export type PipelineTable = {
  id: Generated<number>;
  code: string;
  name: string;
  name_en: string;
  party: 'person' | 'organization' | null;
  active: Generated<boolean>;
  created_at: Timestamp;
};

export type PipelineStageTable = {
  id: Generated<number>;
  pipeline_id: number;
  code: string;
  name: string;
  name_en: string;
  position: number;
  probability: number;
  is_won: boolean;
  is_lost: boolean;
};

export type EngagementContactTable = {
  id: Generated<number>;
  customer_id: number;
  owner_id: number;
  channel: ContactChannel;
  started_at: Timestamp;
  ended_at: TimestampNull;
  summary: string;
  content: string | null;
  connected: boolean;
  created_at: Timestamp;
  updated_at: Timestamp;
};

export type EngagementActivityTable = {
  id: Generated<number>;
  customer_id: number;
  owner_id: number;
  type: ActivityType;
  status: ActivityStatus;
  priority: Priority;
  starts_at: Timestamp;
  /** Due time when the activity is a task. */
  ends_at: TimestampNull;
  completed: boolean;
  completed_at: TimestampNull;
  cost_fen: number;
  description: string;
  remarks: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
};

export type OpportunityTable = {
  id: Generated<number>;
  opp_no: string;
  customer_id: number;
  owner_id: number;
  pipeline_id: number;
  stage_id: number;
  status: OpportunityStatus;
  probability: number;
  expected_value_fen: number;
  sales_method: string | null;
  starts_on: string;
  /** Expected close date. */
  ends_on: string | null;
  summary: string;
  content: string | null;
  won_at: TimestampNull;
  lost_reason: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
};

export type OpportunityProductTable = {
  id: Generated<number>;
  opportunity_id: number;
  customer_id: number;
  product_code: string;
  amount_fen: number;
};

export type RequirementTable = {
  id: Generated<number>;
  customer_id: number;
  owner_id: number;
  summary: string;
  content: string | null;
  status: RequirementStatus;
  sub_status: string | null;
  severity: Severity;
  urgency: Urgency;
  starts_on: string;
  ends_on: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
};

type LinkRow<A extends string, B extends string> = { [K in A | B]: number } & { customer_id: number; created_at: Timestamp };

export type CommissionRuleTable = {
  id: Generated<number>;
  product_code: string;
  rate_bp: number | null;
  fixed_fen: number | null;
  effective_from: string;
  effective_to: string | null;
  created_by: number | null;
  created_at: Timestamp;
};

export type SaleTable = {
  id: Generated<number>;
  customer_id: number;
  owner_id: number;
  product_code: string;
  amount_fen: number;
  sold_on: string;
  opportunity_id: number | null;
  commission_fen: number;
  commission_rule_id: number | null;
  created_at: Timestamp;
};

export type SalesTargetTable = {
  id: Generated<number>;
  user_id: number;
  period: TargetPeriod;
  period_start: string;
  metric: TargetMetric;
  /** numeric: fen for money metrics, a count otherwise; read as a string. */
  target: string;
  set_by: number | null;
  updated_at: Timestamp;
};

/** Tables of the engagement module (contacts, activities, opportunities, requirements, their links, pipelines, sales targets, sales and commission); created by migration 0003_engagement. */
export type EngagementTables = {
  pipeline: PipelineTable;
  pipeline_stage: PipelineStageTable;
  engagement_contact: EngagementContactTable;
  engagement_activity: EngagementActivityTable;
  opportunity: OpportunityTable;
  opportunity_product: OpportunityProductTable;
  requirement: RequirementTable;
  opportunity_requirement: LinkRow<'opportunity_id', 'requirement_id'>;
  contact_opportunity: LinkRow<'contact_id', 'opportunity_id'>;
  activity_opportunity: LinkRow<'activity_id', 'opportunity_id'>;
  contact_requirement: LinkRow<'contact_id', 'requirement_id'>;
  activity_requirement: LinkRow<'activity_id', 'requirement_id'>;
  activity_contact: LinkRow<'activity_id', 'contact_id'>;
  commission_rule: CommissionRuleTable;
  sale: SaleTable;
  sales_target: SalesTargetTable;
};
