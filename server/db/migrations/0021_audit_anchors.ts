import { sql, type Kysely } from 'kysely';

/**
 * Keyed checkpoints of the audit log (platform/audit-anchor.ts): every chain's (seq, hash) at one moment, signed with
 * an HMAC whose key lives in a file under BANYAN_HOME, out of the database's reach. Whoever can rewrite the database
 * can delete a whole chain, or a chain's newest rows with its head rolled back, and leave a log that verifies; an
 * anchor then names a row that is no longer there, and cannot be forged without the key. Anchors chain to each other
 * (id, prev_mac) and are append-only like the log.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
CREATE TABLE IF NOT EXISTS audit_anchor (
  id        bigint PRIMARY KEY,
  at        timestamptz NOT NULL,
  seqs      bigint[] NOT NULL,
  hashes    bytea[] NOT NULL,
  prev_mac  bytea,
  mac       bytea NOT NULL
);
DROP TRIGGER IF EXISTS audit_anchor_no_update ON audit_anchor;
CREATE TRIGGER audit_anchor_no_update BEFORE UPDATE OR DELETE ON audit_anchor
  FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
DROP TRIGGER IF EXISTS audit_anchor_no_truncate ON audit_anchor;
CREATE TRIGGER audit_anchor_no_truncate BEFORE TRUNCATE ON audit_anchor
  FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();
`.execute(db);
}
