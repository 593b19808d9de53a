import { sql, type Kysely } from 'kysely';

/** Workbench: per-manager book summary rows kept by the daily job; indexes its capped counts read alone; one-statement audit append. */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
-- A manager's book as of the daily job's run (and refreshed for the managers an assignment, transfer
-- or handover touches): customers and AUM by status and level, customers new this month/quarter/year.
-- The workbench reads these few rows instead of aggregating every customer of a book of tens of
-- thousands on each request; it shows computed_at as the figures' as-of time.
CREATE TABLE manager_book_snapshot (
  manager_id   integer NOT NULL REFERENCES app_user(id),
  as_of        date NOT NULL,
  status       text NOT NULL,
  level_code   text,
  customers    integer NOT NULL,
  aum_fen      bigint NOT NULL,
  new_month    integer NOT NULL,
  new_quarter  integer NOT NULL,
  new_year     integer NOT NULL,
  computed_at  timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX manager_book_snapshot_key_idx ON manager_book_snapshot (manager_id, as_of, status, coalesce(level_code, ''));
CREATE INDEX manager_book_snapshot_as_of_idx ON manager_book_snapshot (as_of);

-- The manager's open tasks (workbench list and its capped count, soonest due first): status and
-- customer_id carried in the index, so the count of up to 1,001 rows reads no activity rows.
CREATE INDEX engagement_activity_open_due_idx ON engagement_activity (owner_id, ends_at, id) INCLUDE (status, customer_id) WHERE NOT completed;
DROP INDEX IF EXISTS engagement_activity_open_idx;
-- "Open" is NOT completed AND status planned/in progress: one fact, not two independent ones. Without
-- the joint statistics the planner put a manager's 8,000 open tasks at 550, and for the workbench's
-- first ten it fetched and sorted all of them (2,400 heap pages a request) instead of walking the index.
CREATE STATISTICS IF NOT EXISTS engagement_activity_open_stats (mcv) ON completed, status FROM engagement_activity;
ANALYZE engagement_activity;

-- Open reminders by due day with the customer they are about: the capped count reads the index alone.
CREATE INDEX reminder_open_due_idx ON reminder (user_id, due_on, id) INCLUDE (customer_id) WHERE done_at IS NULL AND dismissed_at IS NULL;
DROP INDEX IF EXISTS reminder_open_idx;

-- The data-scope columns by id: rows joined to their customer only to check the scope (counts of a
-- manager's tasks, reminders …) read this narrow index (about 40 MB at 1,000,000 customers, so it
-- stays in memory) instead of one customer heap page per row.
CREATE INDEX customer_scope_idx ON customer (id) INCLUDE (manager_id, org_id, deleted);

-- An audit append advances its chain's head and inserts the row in one statement (every audited
-- read does one): the head keeps the hash it had before the row, which the row links to.
ALTER TABLE audit_chain_head ADD COLUMN IF NOT EXISTS prev_hash bytea;
`.execute(db);
}

export async function down(): Promise<void> {
  throw new Error('Banyan migrations are forward-only');
}
