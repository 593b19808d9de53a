import { sql, type Kysely } from 'kysely';

/** Organisation, users, roles, sessions, audit, and the customer data centre (SPEC C1–C12, Q1, Q2). */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
-- Organisation tree as a materialised path: '/1/4/17/' (Fineract-style offices).
CREATE TABLE org_unit (
  id          serial PRIMARY KEY,
  parent_id   integer REFERENCES org_unit(id),
  code        text NOT NULL UNIQUE,
  name        text NOT NULL,
  name_en     text NOT NULL DEFAULT '',
  kind        text NOT NULL CHECK (kind IN ('head','branch','subbranch','department')),
  path        text NOT NULL UNIQUE,
  created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX org_unit_path_idx ON org_unit (path text_pattern_ops);

CREATE TABLE role (
  id           serial PRIMARY KEY,
  code         text NOT NULL UNIQUE,
  name         text NOT NULL,
  name_en      text NOT NULL,
  data_scope   text NOT NULL CHECK (data_scope IN ('own','org','subtree','all')),
  permissions  text[] NOT NULL DEFAULT '{}',
  builtin      boolean NOT NULL DEFAULT false
);

CREATE TABLE app_user (
  id               serial PRIMARY KEY,
  username         text NOT NULL UNIQUE,
  display_name     text NOT NULL,
  password_hash    text NOT NULL,
  org_id           integer NOT NULL REFERENCES org_unit(id),
  role_id          integer NOT NULL REFERENCES role(id),
  status           text NOT NULL DEFAULT 'active' CHECK (status IN ('active','disabled')),
  manager_level    text CHECK (manager_level IN ('junior','intermediate','senior')),
  email            text,
  mobile           text,
  failed_logins    integer NOT NULL DEFAULT 0,
  locked_until     timestamptz,
  password_changed_at timestamptz NOT NULL DEFAULT now(),
  created_at       timestamptz NOT NULL DEFAULT now(),
  updated_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX app_user_org_idx ON app_user (org_id);

-- Sessions live in the database so app servers stay stateless. Only a hash of the token is kept.
CREATE TABLE session (
  id_hash      text PRIMARY KEY,
  user_id      integer NOT NULL REFERENCES app_user(id),
  created_at   timestamptz NOT NULL DEFAULT now(),
  expires_at   timestamptz NOT NULL,
  ip           text,
  user_agent   text
);
CREATE INDEX session_user_idx ON session (user_id);

CREATE TABLE api_token (
  id            serial PRIMARY KEY,
  user_id       integer NOT NULL REFERENCES app_user(id),
  name          text NOT NULL,
  token_hash    text NOT NULL UNIQUE,
  prefix        text NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now(),
  expires_at    timestamptz,
  last_used_at  timestamptz,
  revoked_at    timestamptz
);

CREATE TABLE parameter (
  key          text PRIMARY KEY,
  value        jsonb NOT NULL,
  description  text NOT NULL DEFAULT '',
  updated_at   timestamptz NOT NULL DEFAULT now()
);

-- Audit: append-only, hash-chained. Writers spread over a few chains (row-locked heads) so that
-- audited reads do not serialise the whole bank on one lock; each chain verifies on its own.
CREATE TABLE audit_chain_head (
  chain      integer PRIMARY KEY,
  last_seq   bigint NOT NULL DEFAULT 0,
  last_hash  bytea NOT NULL
);
INSERT INTO audit_chain_head (chain, last_hash)
  SELECT g, sha256(convert_to('banyan-audit-genesis-' || g, 'UTF8')) FROM generate_series(0, 15) g;

CREATE TABLE audit_log (
  id           bigserial PRIMARY KEY,
  chain        integer NOT NULL,
  seq          bigint NOT NULL,
  at           timestamptz NOT NULL,
  actor_id     integer,
  actor_name   text NOT NULL,
  action       text NOT NULL,
  entity       text NOT NULL,
  entity_id    text,
  customer_id  bigint,
  fields       text[] NOT NULL DEFAULT '{}',
  changes      jsonb,
  ip           text,
  prev_hash    bytea NOT NULL,
  hash         bytea NOT NULL
);
CREATE INDEX audit_log_at_idx ON audit_log (at);
CREATE INDEX audit_log_actor_idx ON audit_log (actor_id, at);
CREATE INDEX audit_log_customer_idx ON audit_log (customer_id, at) WHERE customer_id IS NOT NULL;
CREATE UNIQUE INDEX audit_log_chain_idx ON audit_log (chain, seq);

CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_log is append-only';
END $$;
CREATE TRIGGER audit_log_no_update BEFORE UPDATE OR DELETE ON audit_log
  FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
  FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();

-- Customer types form a tree (C3); attribute_schema lists the type-specific attributes.
CREATE TABLE customer_type (
  id                serial PRIMARY KEY,
  code              text NOT NULL UNIQUE,
  parent_id         integer REFERENCES customer_type(id),
  party             text NOT NULL CHECK (party IN ('person','organization')),
  name              text NOT NULL,
  name_en           text NOT NULL,
  attribute_schema  jsonb NOT NULL DEFAULT '[]'
);

-- Tiers (C5): thresholds are bank parameters.
CREATE TABLE customer_level (
  code         text PRIMARY KEY,
  name         text NOT NULL,
  name_en      text NOT NULL,
  rank         integer NOT NULL UNIQUE,
  min_aum_fen  bigint NOT NULL DEFAULT 0
);

CREATE SEQUENCE customer_no_seq START 100000001;

CREATE TABLE customer (
  id             bigserial PRIMARY KEY,
  customer_no    text NOT NULL UNIQUE,
  type_id        integer NOT NULL REFERENCES customer_type(id),
  party          text NOT NULL CHECK (party IN ('person','organization')),
  name           text NOT NULL,
  name_en        text,
  name_pinyin    text NOT NULL DEFAULT '',
  name_initials  text NOT NULL DEFAULT '',
  -- Every character and every pair of adjacent characters of the name: "contains" search on a GIN
  -- index that works for Chinese whatever the database's locale (pg_trgm ignores CJK under C).
  name_grams     text[] NOT NULL DEFAULT '{}',
  gender         text CHECK (gender IN ('M','F')),
  birth_date     date,
  nationality    text,
  occupation     text,
  employer       text,
  industry       text,
  status         text NOT NULL DEFAULT 'potential' CHECK (status IN ('potential','active','dormant','churned')),
  level_code     text REFERENCES customer_level(code),
  org_id         integer NOT NULL REFERENCES org_unit(id),
  manager_id     integer REFERENCES app_user(id),
  risk_tolerance text CHECK (risk_tolerance IN ('C1','C2','C3','C4','C5')),
  attributes     jsonb NOT NULL DEFAULT '{}',
  -- Assets under management across the customer's accounts, refreshed whenever balances load.
  aum_fen        bigint NOT NULL DEFAULT 0,
  remarks        text,
  deleted        boolean NOT NULL DEFAULT false,
  deleted_at     timestamptz,
  version        integer NOT NULL DEFAULT 1,
  created_at     timestamptz NOT NULL DEFAULT now(),
  updated_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX customer_org_idx ON customer (org_id);
CREATE INDEX customer_manager_idx ON customer (manager_id);
CREATE INDEX customer_name_grams_idx ON customer USING gin (name_grams);
CREATE INDEX customer_aum_idx ON customer (aum_fen);
CREATE INDEX customer_pinyin_idx ON customer (name_pinyin text_pattern_ops);
CREATE INDEX customer_initials_idx ON customer (name_initials text_pattern_ops);

CREATE TABLE customer_identity (
  id           bigserial PRIMARY KEY,
  customer_id  bigint NOT NULL REFERENCES customer(id),
  id_type      text NOT NULL CHECK (id_type IN ('resident_id','uscc','passport','hk_macao_permit','taiwan_permit','foreign_permanent','business_license','other')),
  id_no        text NOT NULL,
  country      text,
  issued_on    date,
  expires_on   date,
  is_primary   boolean NOT NULL DEFAULT false,
  created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX customer_identity_no_idx ON customer_identity (id_type, id_no);
CREATE INDEX customer_identity_customer_idx ON customer_identity (customer_id);
CREATE INDEX customer_identity_no_only_idx ON customer_identity (id_no);

-- Contact points; mobiles normalised to +86… (I7, B1).
CREATE TABLE customer_contact (
  id           bigserial PRIMARY KEY,
  customer_id  bigint NOT NULL REFERENCES customer(id),
  kind         text NOT NULL CHECK (kind IN ('mobile','phone','email','fax','wechat')),
  value        text NOT NULL,
  is_primary   boolean NOT NULL DEFAULT false,
  verified     boolean NOT NULL DEFAULT false,
  created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX customer_contact_customer_idx ON customer_contact (customer_id);
CREATE INDEX customer_contact_value_idx ON customer_contact (value);

CREATE TABLE customer_address (
  id           bigserial PRIMARY KEY,
  customer_id  bigint NOT NULL REFERENCES customer(id),
  kind         text NOT NULL CHECK (kind IN ('home','work','registered','mailing','business')),
  province     text,
  city         text,
  district     text,
  line         text NOT NULL,
  postcode     text,
  is_primary   boolean NOT NULL DEFAULT false,
  created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX customer_address_customer_idx ON customer_address (customer_id);

-- Per-channel preference and consent (I7, B2): no row means "allowed, no marketing consent".
CREATE TABLE customer_channel_pref (
  customer_id        bigint NOT NULL REFERENCES customer(id),
  channel            text NOT NULL CHECK (channel IN ('phone','sms','email','mail','wechat','visit')),
  allowed            boolean NOT NULL DEFAULT true,
  marketing_consent  boolean NOT NULL DEFAULT false,
  updated_at         timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (customer_id, channel)
);

CREATE TABLE relation_type (
  code        text PRIMARY KEY,
  name        text NOT NULL,
  name_en     text NOT NULL,
  inverse_name     text NOT NULL,
  inverse_name_en  text NOT NULL
);

-- Customer-to-customer relations (C6); read in both directions.
CREATE TABLE customer_relation (
  id                bigserial PRIMARY KEY,
  customer_id       bigint NOT NULL REFERENCES customer(id),
  related_id        bigint NOT NULL REFERENCES customer(id),
  type_code         text NOT NULL REFERENCES relation_type(code),
  note              text,
  created_at        timestamptz NOT NULL DEFAULT now(),
  ended_at          timestamptz,
  CHECK (customer_id <> related_id)
);
CREATE INDEX customer_relation_from_idx ON customer_relation (customer_id);
CREATE INDEX customer_relation_to_idx ON customer_relation (related_id);

-- Corporate key persons (C7), linked to a personal customer when known.
CREATE TABLE customer_key_person (
  id                  bigserial PRIMARY KEY,
  customer_id         bigint NOT NULL REFERENCES customer(id),
  role                text NOT NULL CHECK (role IN ('legal_rep','actual_controller','executive','finance_head','shareholder','contact')),
  name                text NOT NULL,
  id_type             text,
  id_no               text,
  mobile              text,
  share_pct           numeric(7,4),
  person_customer_id  bigint REFERENCES customer(id),
  created_at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX customer_key_person_customer_idx ON customer_key_person (customer_id);
CREATE INDEX customer_key_person_person_idx ON customer_key_person (person_customer_id);

CREATE TABLE customer_manager_history (
  id               bigserial PRIMARY KEY,
  customer_id      bigint NOT NULL REFERENCES customer(id),
  from_manager_id  integer REFERENCES app_user(id),
  to_manager_id    integer REFERENCES app_user(id),
  reason           text NOT NULL,
  by_user_id       integer REFERENCES app_user(id),
  at               timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX customer_manager_history_customer_idx ON customer_manager_history (customer_id, at);

-- Business systems and their products; accounts are mapped to customers (C8).
CREATE TABLE source_system (
  code     text PRIMARY KEY,
  name     text NOT NULL,
  name_en  text NOT NULL
);

CREATE TABLE product (
  code         text PRIMARY KEY,
  name         text NOT NULL,
  name_en      text NOT NULL,
  category     text NOT NULL CHECK (category IN ('deposit','loan','card','wealth','fund','insurance','other')),
  risk_rating  text CHECK (risk_rating IN ('R1','R2','R3','R4','R5')),
  is_asset     boolean NOT NULL DEFAULT true
);

CREATE TABLE account (
  id             bigserial PRIMARY KEY,
  customer_id    bigint NOT NULL REFERENCES customer(id),
  source_system  text NOT NULL REFERENCES source_system(code),
  account_no     text NOT NULL,
  org_id         integer NOT NULL REFERENCES org_unit(id),
  product_code   text NOT NULL REFERENCES product(code),
  currency       text NOT NULL DEFAULT 'CNY',
  status         text NOT NULL DEFAULT 'active' CHECK (status IN ('active','dormant','frozen','closed')),
  opened_on      date NOT NULL,
  closed_on      date,
  balance_fen    bigint NOT NULL DEFAULT 0,
  updated_at     timestamptz NOT NULL DEFAULT now(),
  UNIQUE (source_system, account_no)
);
CREATE INDEX account_customer_idx ON account (customer_id);

CREATE TABLE account_balance_daily (
  account_id   bigint NOT NULL REFERENCES account(id),
  customer_id  bigint NOT NULL,
  as_of        date NOT NULL,
  balance_fen  bigint NOT NULL,
  PRIMARY KEY (account_id, as_of)
);
CREATE INDEX account_balance_daily_customer_idx ON account_balance_daily (customer_id, as_of);
`.execute(db);
}

export async function down(): Promise<void> {
  throw new Error('Banyan migrations are forward-only');
}
