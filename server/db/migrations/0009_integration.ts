import { sql, type Kysely } from 'kysely';

/** Customer information integration (I3–I6): match model, review queue, merges and aliases, field lineage. */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
-- The match model as versioned JSON (the matching engine's MatchModel: field weights per comparison level,
-- thresholds), plus the admin's override of the cross-source order (I4). One version is active.
CREATE TABLE match_model (
  id            serial PRIMARY KEY,
  version       integer NOT NULL UNIQUE,
  model         jsonb NOT NULL,
  source_order  text[],
  note          text,
  active        boolean NOT NULL DEFAULT false,
  created_by    integer REFERENCES app_user(id),
  created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX match_model_active_idx ON match_model (active) WHERE active;

-- Candidate index for real-time matching: every blocking key of every resolved source record, with the
-- customer it belongs to. A new record looks its keys up here (btree on key) instead of scanning.
CREATE TABLE match_key (
  key               text NOT NULL,
  source_record_id  bigint NOT NULL REFERENCES source_record(id),
  customer_id       bigint REFERENCES customer(id),
  PRIMARY KEY (key, source_record_id)
);
CREATE INDEX match_key_record_idx ON match_key (source_record_id);
CREATE INDEX match_key_customer_idx ON match_key (customer_id);

-- The review queue (I5): one row per pair of customers, ever. pair_key = 'low-high' customer ids, so a
-- decision is remembered and the pair never asked again; the engine's evidence is kept as it was shown.
CREATE TABLE match_review (
  id             bigserial PRIMARY KEY,
  pair_key       text NOT NULL UNIQUE,
  customer_a     bigint NOT NULL REFERENCES customer(id),
  customer_b     bigint NOT NULL REFERENCES customer(id),
  record_a       bigint REFERENCES source_record(id),
  record_b       bigint REFERENCES source_record(id),
  origin         text NOT NULL CHECK (origin IN ('engine','manager')),
  score          numeric(10,4),
  probability    numeric(10,6),
  zone           text CHECK (zone IN ('match','review','nonmatch')),
  conflict       text,
  explanation    jsonb NOT NULL DEFAULT '{}',
  -- Key customers first (I5): the larger AUM of the two.
  priority_fen   bigint NOT NULL DEFAULT 0,
  manager_id     integer REFERENCES app_user(id),
  status         text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending','confirmed','rejected')),
  note           text,
  decided_by     integer REFERENCES app_user(id),
  decided_at     timestamptz,
  merge_id       bigint,
  created_by     integer REFERENCES app_user(id),
  created_at     timestamptz NOT NULL DEFAULT now(),
  updated_at     timestamptz NOT NULL DEFAULT now(),
  CHECK (customer_a <> customer_b)
);
CREATE INDEX match_review_queue_idx ON match_review (status, priority_fen DESC, id);
CREATE INDEX match_review_manager_idx ON match_review (manager_id, status);
CREATE INDEX match_review_a_idx ON match_review (customer_a);
CREATE INDEX match_review_b_idx ON match_review (customer_b);

-- A merge and everything it moved (table → primary keys of the rows moved), so unmerge restores exactly.
CREATE TABLE customer_merge (
  id           bigserial PRIMARY KEY,
  survivor_id  bigint NOT NULL REFERENCES customer(id),
  merged_id    bigint NOT NULL REFERENCES customer(id),
  review_id    bigint REFERENCES match_review(id),
  reason       text NOT NULL,
  snapshot     jsonb NOT NULL,
  merged_by    integer REFERENCES app_user(id),
  merged_at    timestamptz NOT NULL DEFAULT now(),
  undone_by    integer REFERENCES app_user(id),
  undone_at    timestamptz,
  undo_reason  text
);
CREATE UNIQUE INDEX customer_merge_active_idx ON customer_merge (merged_id) WHERE undone_at IS NULL;
CREATE INDEX customer_merge_survivor_idx ON customer_merge (survivor_id);
ALTER TABLE match_review ADD FOREIGN KEY (merge_id) REFERENCES customer_merge(id);

-- A merged-away customer number keeps resolving (C1): to the current survivor (re-pointed on chained merges).
CREATE TABLE customer_alias (
  customer_no  text PRIMARY KEY,
  customer_id  bigint NOT NULL REFERENCES customer(id),
  survivor_id  bigint NOT NULL REFERENCES customer(id),
  merge_id     bigint NOT NULL REFERENCES customer_merge(id),
  created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX customer_alias_survivor_idx ON customer_alias (survivor_id);

-- Golden-record lineage (I2): per customer and field, the value survivorship chose and where it came from.
-- source_code 'manual' = a manager's own entry (I6), kept over every source.
CREATE TABLE customer_field_source (
  customer_id       bigint NOT NULL REFERENCES customer(id),
  field             text NOT NULL,
  value             text,
  source_code       text NOT NULL,
  source_record_id  bigint REFERENCES source_record(id),
  rule              text NOT NULL CHECK (rule IN ('trust','recency','completeness','only','manual')),
  trust             integer NOT NULL DEFAULT 0,
  candidates        integer NOT NULL DEFAULT 1,
  chosen_at         timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (customer_id, field)
);
CREATE INDEX customer_field_source_record_idx ON customer_field_source (source_record_id);

-- Real-time candidate lookups on what a record carries (customer identities/contacts are indexed in 0001).
CREATE INDEX source_record_id_no_idx ON source_record (id_no) WHERE id_no IS NOT NULL;
CREATE INDEX source_record_mobile_idx ON source_record (mobile) WHERE mobile IS NOT NULL;

-- The manual source: a manager's own edits take part in survivorship with top trust.
INSERT INTO source_system (code, name, name_en, kind, value_rank, field_trust, description)
VALUES ('MANUAL', '客户经理录入', 'Manager entry', 'manual', 100, '{}', 'Values entered by hand in Banyan (I6)')
ON CONFLICT (code) DO NOTHING;

-- New permissions for the built-in roles (0002 seeded them before these existed).
UPDATE role SET permissions = array_append(permissions, 'integration:review')
 WHERE builtin AND code IN ('head_manager','branch_manager','customer_manager') AND NOT ('integration:review' = ANY(permissions));
UPDATE role SET permissions = array_append(permissions, 'integration:manage')
 WHERE builtin AND code IN ('admin','head_manager') AND NOT ('integration:manage' = ANY(permissions));
`.execute(db);
}
