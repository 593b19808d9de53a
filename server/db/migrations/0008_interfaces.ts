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

-- An interface: how one source system's extracts reach Banyan (a file upload / CLI import, or a pull from
-- the source's PostgreSQL database by SQL with an incremental watermark), optionally on a cron schedule.
CREATE TABLE interface (
  id                integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  code              text NOT NULL UNIQUE,
  name              text NOT NULL,
  source_code       text NOT NULL REFERENCES source_system(code),
  connector         text NOT NULL CHECK (connector IN ('file','postgres')),
  encoding          text NOT NULL DEFAULT 'auto' CHECK (encoding IN ('auto','utf8','gb18030','gbk')),
  delimiter         text NOT NULL DEFAULT ',' CHECK (length(delimiter) = 1),
  pg_url            text,
  pg_query          text,
  watermark_column  text,
  -- The highest watermark value a successful pull has seen; the next pull passes it as $1.
  watermark         text,
  cron              text,
  next_run_at       timestamptz,
  enabled           boolean NOT NULL DEFAULT true,
  -- Who is told when a run fails.
  owner_user_id     integer REFERENCES app_user(id),
  mapping_version   integer NOT NULL DEFAULT 1,
  description       text,
  created_at        timestamptz NOT NULL DEFAULT now(),
  updated_at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX interface_source_idx ON interface (source_code);

-- Every version of every mapping is kept: a load names the version it ran with.
CREATE TABLE interface_mapping (
  interface_id  integer NOT NULL REFERENCES interface(id),
  version       integer NOT NULL,
  mapping       jsonb NOT NULL,
  note          text,
  created_by    integer REFERENCES app_user(id),
  created_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (interface_id, version)
);

-- One run of an interface: its file (kept under BANYAN_HOME until done, so a restarted run resumes it),
-- progress, counts, and the checkpoint committed with each batch.
CREATE TABLE interface_load (
  id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  interface_id     integer NOT NULL REFERENCES interface(id),
  source_code      text NOT NULL,
  mapping_version  integer NOT NULL,
  trigger          text NOT NULL CHECK (trigger IN ('upload','cli','schedule','manual','resubmit')),
  status           text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued','running','succeeded','failed')),
  file_name        text,
  file_path        text,
  file_size        bigint,
  file_sha256      text,
  format           text CHECK (format IN ('csv','xlsx','jsonl','postgres')),
  encoding         text,
  header           text[],
  bytes_done       bigint NOT NULL DEFAULT 0,
  rows_read        bigint NOT NULL DEFAULT 0,
  accepted         bigint NOT NULL DEFAULT 0,
  rejected         bigint NOT NULL DEFAULT 0,
  inserted         bigint NOT NULL DEFAULT 0,
  changed          bigint NOT NULL DEFAULT 0,
  unchanged        bigint NOT NULL DEFAULT 0,
  -- Rows of the source consumed by committed batches: a resumed run skips them.
  checkpoint_row   bigint NOT NULL DEFAULT 0,
  batches          integer NOT NULL DEFAULT 0,
  watermark_from   text,
  watermark_to     text,
  error            jsonb,
  integration_error text,
  created_by       integer REFERENCES app_user(id),
  created_at       timestamptz NOT NULL DEFAULT now(),
  started_at       timestamptz,
  finished_at      timestamptz
);
CREATE INDEX interface_load_interface_idx ON interface_load (interface_id, id DESC);
CREATE INDEX interface_load_open_idx ON interface_load (id) WHERE status IN ('queued','running');

CREATE TABLE interface_load_log (
  id       bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  load_id  bigint NOT NULL REFERENCES interface_load(id),
  at       timestamptz NOT NULL DEFAULT now(),
  level    text NOT NULL CHECK (level IN ('info','warn','error')),
  message  text NOT NULL
);
CREATE INDEX interface_load_log_load_idx ON interface_load_log (load_id, id);

-- Rejected rows, as read, with every reason: fixed and re-submitted, or discarded by a person, never lost.
-- The same raw row rejected again (a reload) is the same quarantine row.
CREATE TABLE interface_quarantine (
  id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  interface_id  integer NOT NULL REFERENCES interface(id),
  load_id       bigint NOT NULL REFERENCES interface_load(id),
  last_load_id  bigint NOT NULL REFERENCES interface_load(id),
  row_no        bigint NOT NULL,
  raw           jsonb NOT NULL,
  raw_hash      bytea NOT NULL,
  reasons       jsonb NOT NULL,
  status        text NOT NULL DEFAULT 'open' CHECK (status IN ('open','resolved','discarded')),
  record_id     bigint REFERENCES source_record(id),
  resolved_by   integer REFERENCES app_user(id),
  resolved_at   timestamptz,
  note          text,
  created_at    timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now(),
  UNIQUE (interface_id, raw_hash)
);
CREATE INDEX interface_quarantine_list_idx ON interface_quarantine (interface_id, status, id);

-- The system administrator and head-office managers run the interfaces (permissions.ts lists it).
UPDATE role SET permissions = array_append(permissions, 'interface:manage')
WHERE builtin AND code IN ('admin','head_manager') AND NOT ('interface:manage' = ANY(permissions));
`.execute(db);
}
