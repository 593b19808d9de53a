import { sql, type Kysely } from 'kysely';

/**
 * Engagement (SPEC S2.3, Q5; seed 001 §2.3.2): contacts, activities, opportunities, requirements and
 * their many-to-many links; configurable pipelines; sales, commission rules and sales targets.
 * Every customer record carries customer_id (distribution key) and is indexed by (customer_id, time DESC, id DESC)
 * so the customer timeline reads its first page with a few index scans.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
CREATE TABLE pipeline (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  code        text NOT NULL UNIQUE,
  name        text NOT NULL,
  name_en     text NOT NULL,
  party       text CHECK (party IN ('person','organization')),
  active      boolean NOT NULL DEFAULT true,
  created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE pipeline_stage (
  id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  pipeline_id  bigint NOT NULL REFERENCES pipeline(id),
  code         text NOT NULL,
  name         text NOT NULL,
  name_en      text NOT NULL,
  position     integer NOT NULL,
  probability  integer NOT NULL CHECK (probability BETWEEN 0 AND 100),
  is_won       boolean NOT NULL DEFAULT false,
  is_lost      boolean NOT NULL DEFAULT false,
  CHECK (NOT (is_won AND is_lost)),
  UNIQUE (pipeline_id, code)
);
CREATE INDEX pipeline_stage_pipeline_idx ON pipeline_stage (pipeline_id, position);

CREATE TABLE engagement_contact (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  customer_id bigint NOT NULL REFERENCES customer(id),
  owner_id    integer NOT NULL REFERENCES app_user(id),
  channel     text NOT NULL CHECK (channel IN ('visit','phone','email','sms','wechat','counter','web')),
  started_at  timestamptz NOT NULL,
  ended_at    timestamptz,
  summary     text NOT NULL,
  content     text,
  connected   boolean NOT NULL DEFAULT true,
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now(),
  CHECK (ended_at IS NULL OR ended_at >= started_at)
);
CREATE INDEX engagement_contact_customer_idx ON engagement_contact (customer_id, started_at DESC, id DESC);
CREATE INDEX engagement_contact_owner_idx ON engagement_contact (owner_id, started_at DESC);

CREATE TABLE engagement_activity (
  id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  customer_id  bigint NOT NULL REFERENCES customer(id),
  owner_id     integer NOT NULL REFERENCES app_user(id),
  type         text NOT NULL CHECK (type IN ('visit','call','meeting','email','event','task','other')),
  status       text NOT NULL DEFAULT 'planned' CHECK (status IN ('planned','in_progress','done','cancelled')),
  priority     text NOT NULL DEFAULT 'normal' CHECK (priority IN ('low','normal','high','urgent')),
  starts_at    timestamptz NOT NULL,
  ends_at      timestamptz,
  completed    boolean NOT NULL DEFAULT false,
  completed_at timestamptz,
  cost_fen     bigint NOT NULL DEFAULT 0 CHECK (cost_fen >= 0),
  description  text NOT NULL,
  remarks      text,
  created_at   timestamptz NOT NULL DEFAULT now(),
  updated_at   timestamptz NOT NULL DEFAULT now(),
  CHECK (ends_at IS NULL OR ends_at >= starts_at)
);
CREATE INDEX engagement_activity_customer_idx ON engagement_activity (customer_id, starts_at DESC, id DESC);
-- The manager's open tasks, by due time (workbench).
CREATE INDEX engagement_activity_open_idx ON engagement_activity (owner_id, ends_at) WHERE NOT completed;
CREATE INDEX engagement_activity_owner_idx ON engagement_activity (owner_id, starts_at DESC);

CREATE SEQUENCE opportunity_no_seq START 1;

CREATE TABLE opportunity (
  id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  opp_no              text NOT NULL UNIQUE,
  customer_id         bigint NOT NULL REFERENCES customer(id),
  owner_id            integer NOT NULL REFERENCES app_user(id),
  pipeline_id         bigint NOT NULL REFERENCES pipeline(id),
  stage_id            bigint NOT NULL REFERENCES pipeline_stage(id),
  status              text NOT NULL DEFAULT 'open' CHECK (status IN ('open','won','lost')),
  probability         integer NOT NULL CHECK (probability BETWEEN 0 AND 100),
  expected_value_fen  bigint NOT NULL DEFAULT 0 CHECK (expected_value_fen >= 0),
  sales_method        text,
  starts_on           date NOT NULL,
  ends_on             date,
  summary             text NOT NULL,
  content             text,
  won_at              timestamptz,
  lost_reason         text,
  created_at          timestamptz NOT NULL DEFAULT now(),
  updated_at          timestamptz NOT NULL DEFAULT now(),
  CHECK (ends_on IS NULL OR ends_on >= starts_on)
);
CREATE INDEX opportunity_customer_idx ON opportunity (customer_id, created_at DESC, id DESC);
CREATE INDEX opportunity_owner_idx ON opportunity (owner_id, status, stage_id);
CREATE INDEX opportunity_stage_idx ON opportunity (pipeline_id, stage_id, updated_at DESC);

CREATE TABLE opportunity_product (
  id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  opportunity_id  bigint NOT NULL REFERENCES opportunity(id),
  customer_id     bigint NOT NULL,
  product_code    text NOT NULL REFERENCES product(code),
  amount_fen      bigint NOT NULL CHECK (amount_fen > 0),
  UNIQUE (opportunity_id, product_code)
);

CREATE TABLE requirement (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  customer_id bigint NOT NULL REFERENCES customer(id),
  owner_id    integer NOT NULL REFERENCES app_user(id),
  summary     text NOT NULL,
  content     text,
  status      text NOT NULL DEFAULT 'new' CHECK (status IN ('new','analysing','in_progress','fulfilled','closed','rejected')),
  sub_status  text,
  severity    text NOT NULL DEFAULT 'medium' CHECK (severity IN ('low','medium','high','critical')),
  urgency     text NOT NULL DEFAULT 'normal' CHECK (urgency IN ('low','normal','high','urgent')),
  starts_on   date NOT NULL,
  ends_on     date,
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now(),
  CHECK (ends_on IS NULL OR ends_on >= starts_on)
);
CREATE INDEX requirement_customer_idx ON requirement (customer_id, created_at DESC, id DESC);
CREATE INDEX requirement_owner_idx ON requirement (owner_id, status);

-- The six links of the design (Opportunity_Requirement, Contact_Opportunity, Activity_Opportunity,
-- Contact_Requirement, Activity_Requirement, Activity_Contact); both ends belong to customer_id.
CREATE TABLE opportunity_requirement (
  opportunity_id bigint NOT NULL REFERENCES opportunity(id),
  requirement_id bigint NOT NULL REFERENCES requirement(id),
  customer_id    bigint NOT NULL,
  created_at     timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (opportunity_id, requirement_id)
);
CREATE INDEX opportunity_requirement_b_idx ON opportunity_requirement (requirement_id);
CREATE TABLE contact_opportunity (
  contact_id     bigint NOT NULL REFERENCES engagement_contact(id),
  opportunity_id bigint NOT NULL REFERENCES opportunity(id),
  customer_id    bigint NOT NULL,
  created_at     timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (contact_id, opportunity_id)
);
CREATE INDEX contact_opportunity_b_idx ON contact_opportunity (opportunity_id);
CREATE TABLE activity_opportunity (
  activity_id    bigint NOT NULL REFERENCES engagement_activity(id),
  opportunity_id bigint NOT NULL REFERENCES opportunity(id),
  customer_id    bigint NOT NULL,
  created_at     timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (activity_id, opportunity_id)
);
CREATE INDEX activity_opportunity_b_idx ON activity_opportunity (opportunity_id);
CREATE TABLE contact_requirement (
  contact_id     bigint NOT NULL REFERENCES engagement_contact(id),
  requirement_id bigint NOT NULL REFERENCES requirement(id),
  customer_id    bigint NOT NULL,
  created_at     timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (contact_id, requirement_id)
);
CREATE INDEX contact_requirement_b_idx ON contact_requirement (requirement_id);
CREATE TABLE activity_requirement (
  activity_id    bigint NOT NULL REFERENCES engagement_activity(id),
  requirement_id bigint NOT NULL REFERENCES requirement(id),
  customer_id    bigint NOT NULL,
  created_at     timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (activity_id, requirement_id)
);
CREATE INDEX activity_requirement_b_idx ON activity_requirement (requirement_id);
CREATE TABLE activity_contact (
  activity_id    bigint NOT NULL REFERENCES engagement_activity(id),
  contact_id     bigint NOT NULL REFERENCES engagement_contact(id),
  customer_id    bigint NOT NULL,
  created_at     timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (activity_id, contact_id)
);
CREATE INDEX activity_contact_b_idx ON activity_contact (contact_id);

-- Commission per product: a rate in basis points of the sale or a fixed amount per sale, for a date range.
CREATE TABLE commission_rule (
  id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  product_code    text NOT NULL REFERENCES product(code),
  rate_bp         integer CHECK (rate_bp BETWEEN 0 AND 10000),
  fixed_fen       bigint CHECK (fixed_fen >= 0),
  effective_from  date NOT NULL,
  effective_to    date,
  created_by      integer REFERENCES app_user(id),
  created_at      timestamptz NOT NULL DEFAULT now(),
  CHECK ((rate_bp IS NULL) <> (fixed_fen IS NULL)),
  CHECK (effective_to IS NULL OR effective_to >= effective_from)
);
CREATE INDEX commission_rule_product_idx ON commission_rule (product_code, effective_from DESC);

CREATE TABLE sale (
  id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  customer_id         bigint NOT NULL REFERENCES customer(id),
  owner_id            integer NOT NULL REFERENCES app_user(id),
  product_code        text NOT NULL REFERENCES product(code),
  amount_fen          bigint NOT NULL CHECK (amount_fen >= 0),
  sold_on             date NOT NULL,
  opportunity_id      bigint REFERENCES opportunity(id),
  commission_fen      bigint NOT NULL DEFAULT 0,
  commission_rule_id  bigint REFERENCES commission_rule(id),
  created_at          timestamptz NOT NULL DEFAULT now(),
  UNIQUE (opportunity_id, product_code)
);
CREATE INDEX sale_owner_idx ON sale (owner_id, sold_on);
CREATE INDEX sale_customer_idx ON sale (customer_id, sold_on DESC);

CREATE TABLE sales_target (
  id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  user_id       integer NOT NULL REFERENCES app_user(id),
  period        text NOT NULL CHECK (period IN ('month','quarter','year')),
  period_start  date NOT NULL,
  metric        text NOT NULL CHECK (metric IN ('sales_amount','new_customers','aum','deposits','loans','products_sold')),
  target        numeric NOT NULL CHECK (target >= 0),
  set_by        integer REFERENCES app_user(id),
  updated_at    timestamptz NOT NULL DEFAULT now(),
  UNIQUE (user_id, period, period_start, metric)
);

-- The customer timeline merges profile changes from the audit log: this index holds only those
-- (not the many audited reads, nor the audit rows of engagement records, which the timeline shows
-- as records), so a page is a short backward scan. The predicate must match TIMELINE_AUDIT_FILTER
-- in engagement.repository.ts word for word.
CREATE INDEX audit_log_customer_timeline_idx ON audit_log (customer_id, at DESC, id DESC)
  WHERE customer_id IS NOT NULL AND action NOT IN ('read', 'unmask', 'export')
    AND entity NOT IN ('engagement_contact', 'engagement_activity', 'opportunity', 'requirement', 'engagement_link', 'sale');
`.execute(db);

  // Default pipelines: retail (personal) and corporate, with the usual bank sales stages.
  const pipelines = [
    {
      code: 'retail', name: '零售销售', nameEn: 'Retail sales', party: 'person',
      stages: [
        ['lead', '线索', 'Lead', 10, false, false], ['contacted', '已接触', 'Contacted', 25, false, false],
        ['needs', '需求确认', 'Needs confirmed', 50, false, false], ['proposal', '方案推荐', 'Proposal', 70, false, false],
        ['won', '成交', 'Won', 100, true, false], ['lost', '未成交', 'Lost', 0, false, true],
      ],
    },
    {
      code: 'corporate', name: '对公销售', nameEn: 'Corporate sales', party: 'organization',
      stages: [
        ['lead', '线索', 'Lead', 10, false, false], ['visit', '走访调研', 'Visit & research', 20, false, false],
        ['proposal', '方案设计', 'Solution design', 40, false, false], ['approval', '审批中', 'Credit approval', 60, false, false],
        ['contract', '合同签署', 'Contract', 85, false, false], ['won', '成交', 'Won', 100, true, false], ['lost', '未成交', 'Lost', 0, false, true],
      ],
    },
  ] as const;
  for (const p of pipelines) {
    const { rows } = await sql<{ id: number }>`INSERT INTO pipeline (code, name, name_en, party) VALUES (${p.code}, ${p.name}, ${p.nameEn}, ${p.party}) RETURNING id`.execute(db);
    let position = 1;
    for (const [code, name, nameEn, probability, isWon, isLost] of p.stages) {
      await sql`INSERT INTO pipeline_stage (pipeline_id, code, name, name_en, position, probability, is_won, is_lost)
        VALUES (${rows[0].id}, ${code}, ${name}, ${nameEn}, ${position++}, ${probability}, ${isWon}, ${isLost})`.execute(db);
    }
  }
}

export async function down(): Promise<void> {
  throw new Error('Banyan migrations are forward-only');
}
