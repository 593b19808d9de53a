import { sql, type Kysely } from 'kysely';

/**
 * A source record whose resolution into a customer fails (an exception while matching or attaching it) is
 * `failed`, with the error and how many attempts were made, instead of staying `pending` for ever: the scheduled
 * resolution leaves it alone and an administrator sees it and tries again once the cause is fixed.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
ALTER TABLE source_record
  DROP CONSTRAINT source_record_match_status_check,
  ADD CONSTRAINT source_record_match_status_check CHECK (match_status IN ('pending','matched','created','review','failed')),
  ADD COLUMN match_error    text,
  ADD COLUMN match_attempts integer NOT NULL DEFAULT 0;
CREATE INDEX source_record_failed_idx ON source_record (id) WHERE match_status = 'failed';
`.execute(db);
}
