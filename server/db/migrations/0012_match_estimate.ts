import { sql, type Kysely } from 'kysely';

/**
 * Estimates of the match model from the bank's own source records (EM, no labels), run as background jobs:
 * a row per request, its state, and the model version it produced. The minute job picks up a row left
 * queued or running by a stopped server (a running estimate holds an advisory lock on its id).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
CREATE TABLE match_estimate (
  id            serial PRIMARY KEY,
  status        text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'running', 'done', 'failed')),
  records       integer,
  pairs         integer,
  version       integer,
  error         jsonb,
  requested_by  integer REFERENCES app_user(id),
  created_at    timestamptz NOT NULL DEFAULT now(),
  started_at    timestamptz,
  finished_at   timestamptz
);
CREATE INDEX match_estimate_open_idx ON match_estimate (id) WHERE status IN ('queued', 'running');
`.execute(db);
}
