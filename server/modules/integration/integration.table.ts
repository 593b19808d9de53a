import type { Generated } from 'kysely';
import type { Timestamp } from '../../db/database.ts';

export type MatchModelTable = {
  id: Generated<number>;
  version: number;
  model: unknown;
  source_order: string[] | null;
  note: string | null;
  active: Generated<boolean>;
  /** When it was last made the active version (migration 0022); null: a draft, never activated. */
  activated_at: Date | null;
  created_by: number | null;
  created_at: Timestamp;
};

export type EstimateStatus = 'queued' | 'running' | 'done' | 'failed';

/** An estimate of the match model from the source records (migration 0012), run in the background. */
export type MatchEstimateTable = {
  id: Generated<number>;
  status: Generated<EstimateStatus>;
  records: number | null;
  pairs: number | null;
  version: number | null;
  error: unknown;
  requested_by: number | null;
  created_at: Timestamp;
  started_at: Date | null;
  finished_at: Date | null;
};

export type MatchKeyTable = { key: string; source_record_id: number; customer_id: number | null };

export type ReviewStatus = 'pending' | 'confirmed' | 'rejected';

export type MatchReviewTable = {
  id: Generated<number>;
  pair_key: string;
  customer_a: number;
  customer_b: number;
  record_a: number | null;
  record_b: number | null;
  origin: 'engine' | 'manager';
  score: string | null;
  probability: string | null;
  zone: 'match' | 'review' | 'nonmatch' | null;
  conflict: string | null;
  explanation: unknown;
  priority_fen: Generated<number>;
  manager_id: number | null;
  status: Generated<ReviewStatus>;
  note: string | null;
  decided_by: number | null;
  decided_at: Date | null;
  merge_id: number | null;
  created_by: number | null;
  created_at: Timestamp;
  updated_at: Timestamp;
};

export type CustomerMergeTable = {
  id: Generated<number>;
  survivor_id: number;
  merged_id: number;
  review_id: number | null;
  reason: string;
  snapshot: unknown;
  merged_by: number | null;
  merged_at: Timestamp;
  undone_by: number | null;
  undone_at: Date | null;
  undo_reason: string | null;
};

export type CustomerAliasTable = { customer_no: string; customer_id: number; survivor_id: number; merge_id: number; created_at: Timestamp };

/** 'agreed': every source that gave the field gave this value (more than one); 'only': one source gave it. */
export type LineageRule = 'trust' | 'recency' | 'completeness' | 'only' | 'agreed' | 'manual';

export type CustomerFieldSourceTable = {
  customer_id: number;
  field: string;
  value: string | null;
  source_code: string;
  source_record_id: number | null;
  rule: LineageRule;
  trust: Generated<number>;
  candidates: Generated<number>;
  chosen_at: Timestamp;
};

/** What integration adds to `source_system` (migration 0020): trust changed since then, golden records to recompute. */
export type SourceSurvivorshipColumns = { survivorship_stale_since: Date | null };

/** A source record detached from the customer it was attached to (migration 0029), into a new or another customer. */
export type RecordDetachTable = {
  id: Generated<number>;
  source_record_id: number;
  from_customer_id: number;
  to_customer_id: number;
  created_customer: boolean;
  review_id: number | null;
  accounts: Generated<number>;
  reason: string;
  detached_by: number | null;
  detached_at: Timestamp;
};

/** Tables of the integration module (migrations 0009, 0012, 0020, 0029). */
export type IntegrationTables = {
  source_system: SourceSurvivorshipColumns;
  match_model: MatchModelTable;
  match_estimate: MatchEstimateTable;
  match_key: MatchKeyTable;
  match_review: MatchReviewTable;
  customer_merge: CustomerMergeTable;
  customer_alias: CustomerAliasTable;
  customer_field_source: CustomerFieldSourceTable;
  record_detach: RecordDetachTable;
};
