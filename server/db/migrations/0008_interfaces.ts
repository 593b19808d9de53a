import { sql, type Kysely } from 'kysely';

/**
 * Data interface platform (P2, I1): source systems as a registry with per-field trust, and the canonical
 * source records every connector and mapping produces. Integration (0009) resolves records to customers.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
-- The foundation's source systems become a registry (I2): how valuable the system's customers are
-- (cross-source matching starts from the highest), and per canonical field how far it is trusted (0–100).
ALTER TABLE source_system
  ADD COLUMN kind        text NOT NULL DEFAULT 'other',
  ADD COLUMN owner       text,
  ADD COLUMN value_rank  integer NOT NULL DEFAULT 50 CHECK (value_rank BETWEEN 0 AND 100),
  ADD COLUMN field_trust jsonb NOT NULL DEFAULT '{}',
  ADD COLUMN description text,
  ADD COLUMN created_at  timestamptz NOT NULL DEFAULT now(),
  ADD COLUMN updated_at  timestamptz NOT NULL DEFAULT now();

-- One row per record of a source system, in canonical fields, after mapping and transformation.
-- (source_code, record_key) is the source's own key: loading the same record again updates it in place.
CREATE TABLE source_record (
  id                 bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  source_code        text NOT NULL REFERENCES source_system(code),
  record_key         text NOT NULL,
  kind               text NOT NULL CHECK (kind IN ('person','org')),
  name               text,
  id_type            text,
  id_no              text,
  mobile             text,
  email              text,
  birth_date         date,
  gender             text CHECK (gender IN ('M','F')),
  address            text,
  employer           text,
  legal_rep          text,
  -- Further mapped fields (occupation, income_fen, nationality …), by canonical name.
  attributes         jsonb NOT NULL DEFAULT '{}',
  -- Accounts the record carries: [{accountNo, productCode, currency, status, openedOn, closedOn, balanceFen, branchCode}].
  accounts           jsonb NOT NULL DEFAULT '[]',
  -- sha256 of the canonical content: equal hash on reload = unchanged.
  content_hash       bytea NOT NULL,
  source_updated_at  timestamptz,
  first_load_id      bigint,
  last_load_id       bigint,
  -- Lineage: the customer this record resolved to (set by integration), and where resolution stands.
  customer_id        bigint REFERENCES customer(id),
  match_status       text NOT NULL DEFAULT 'pending' CHECK (match_status IN ('pending','matched','created','review')),
  created_at         timestamptz NOT NULL DEFAULT now(),
  updated_at         timestamptz NOT NULL DEFAULT now(),
  UNIQUE (source_code, record_key)
);
CREATE INDEX source_record_customer_idx ON source_record (customer_id);
CREATE INDEX source_record_pending_idx ON source_record (id) WHERE match_status = 'pending';
`.execute(db);
}
