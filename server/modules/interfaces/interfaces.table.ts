import type { Generated } from 'kysely';
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

export type MatchStatus = 'pending' | 'matched' | 'created' | 'review';

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
  source_updated_at: Date | null;
  first_load_id: number | null;
  last_load_id: number | null;
  customer_id: number | null;
  match_status: Generated<MatchStatus>;
  created_at: Timestamp;
  updated_at: Timestamp;
};

/** Tables of the interfaces module (migration 0008_interfaces). */
export type InterfacesTables = {
  source_system: SourceSystemExtensionColumns;
  source_record: SourceRecordTable;
};
