import type { ColumnType, Generated } from 'kysely';
import type { Timestamp } from '../../db/database.ts';

/** Columns 0008 adds to the foundation's `source_system` (intersected with its SourceSystemTable in Database). */
export type SourceSystemExtensionColumns = {
  kind: Generated<string>;
  owner: string | null;
  value_rank: Generated<number>;
  field_trust: Generated<unknown>;
  description: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
};

/** `failed`: its resolution into a customer failed (migration 0019); integration lists it for an administrator to retry. */
export type MatchStatus = 'pending' | 'matched' | 'created' | 'review' | 'failed';

export type SourceRecordTable = {
  id: Generated<number>;
  source_code: string;
  record_key: string;
  kind: 'person' | 'org';
  name: string | null;
  id_type: string | null;
  id_no: string | null;
  mobile: string | null;
  email: string | null;
  birth_date: string | null;
  gender: 'M' | 'F' | null;
  address: string | null;
  employer: string | null;
  legal_rep: string | null;
  attributes: Generated<unknown>;
  accounts: Generated<unknown>;
  content_hash: Buffer;
  source_updated_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  first_load_id: number | null;
  last_load_id: number | null;
  customer_id: number | null;
  match_status: Generated<MatchStatus>;
  /** Why its resolution failed, and how many attempts failed (migration 0019). */
  match_error: string | null;
  match_attempts: Generated<number>;
  /** Set when the mapping kept an ID number that fails its check: why it is unverified (migration 0027). */
  id_issue: unknown;
  created_at: Timestamp;
  updated_at: Timestamp;
};

export type Connector = 'file' | 'postgres';
export type Encoding = 'auto' | 'utf8' | 'gb18030' | 'gbk';
export type LoadStatus = 'queued' | 'running' | 'succeeded' | 'failed';
export type LoadTrigger = 'upload' | 'cli' | 'schedule' | 'manual' | 'resubmit';
export type FileFormat = 'csv' | 'xlsx' | 'jsonl' | 'postgres';
/** `superseded`: a later load accepted the row's record key (migration 0028): closed, never re-submitted over newer data. */
export type QuarantineStatus = 'open' | 'resolved' | 'discarded' | 'superseded';

export type InterfaceTable = {
  id: Generated<number>;
  code: string;
  name: string;
  source_code: string;
  connector: Connector;
  encoding: Generated<Encoding>;
  delimiter: Generated<string>;
  pg_url: string | null;
  pg_query: string | null;
  watermark_column: string | null;
  watermark: string | null;
  cron: string | null;
  next_run_at: Date | null;
  /** A file interface's landing folder (absolute, inside the landing root), the file names it takes, and its flag files' suffix. */
  landing_dir: string | null;
  landing_pattern: string | null;
  landing_flag: string | null;
  enabled: Generated<boolean>;
  owner_user_id: number | null;
  mapping_version: Generated<number>;
  description: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
};

export type InterfaceMappingTable = {
  interface_id: number;
  version: number;
  mapping: unknown;
  note: string | null;
  created_by: number | null;
  created_at: Timestamp;
};

export type InterfaceLoadTable = {
  id: Generated<number>;
  interface_id: number;
  source_code: string;
  mapping_version: number;
  trigger: LoadTrigger;
  status: Generated<LoadStatus>;
  file_name: string | null;
  file_path: string | null;
  file_size: number | null;
  file_sha256: string | null;
  format: FileFormat | null;
  encoding: string | null;
  header: string[] | null;
  bytes_done: Generated<number>;
  rows_read: Generated<number>;
  accepted: Generated<number>;
  rejected: Generated<number>;
  /** Accepted rows kept with an ID number that fails its check, marked unverified (migration 0027). */
  unverified_ids: Generated<number>;
  inserted: Generated<number>;
  changed: Generated<number>;
  unchanged: Generated<number>;
  checkpoint_row: Generated<number>;
  batches: Generated<number>;
  /** Records the load's batches handed to integration, and how many of them are resolved so far. */
  to_resolve: Generated<number>;
  resolved: Generated<number>;
  watermark_from: string | null;
  watermark_to: string | null;
  error: unknown;
  integration_error: string | null;
  created_by: number | null;
  created_at: Timestamp;
  started_at: Date | null;
  finished_at: Date | null;
};

export type InterfaceLoadLogTable = {
  id: Generated<number>;
  load_id: number;
  at: Timestamp;
  level: 'info' | 'warn' | 'error';
  message: string;
};

export type InterfaceQuarantineTable = {
  id: Generated<number>;
  interface_id: number;
  load_id: number;
  last_load_id: number;
  row_no: number;
  raw: unknown;
  raw_hash: Buffer;
  reasons: unknown;
  status: Generated<QuarantineStatus>;
  record_id: number | null;
  resolved_by: number | null;
  resolved_at: Date | null;
  note: string | null;
  /** The row's record key, when its key columns hold one; the load that superseded it (migration 0028). */
  record_key: string | null;
  superseded_by: number | null;
  created_at: Timestamp;
  updated_at: Timestamp;
};

/** Tables of the interfaces module (migration 0008_interfaces). */
export type InterfacesTables = {
  source_system: SourceSystemExtensionColumns;
  source_record: SourceRecordTable;
  interface: InterfaceTable;
  interface_mapping: InterfaceMappingTable;
  interface_load: InterfaceLoadTable;
  interface_load_log: InterfaceLoadLogTable;
  interface_quarantine: InterfaceQuarantineTable;
};
