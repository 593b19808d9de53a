import { sql, type Kysely } from 'kysely';

/**
 * A mapping may keep a record whose resident ID or USCC fails its check (`invalidIds: 'keep'`) instead of quarantining
 * it: the number is stored as given and marked unverified with why (`id_issue`: field, rule, message), so data stewards
 * can list such records; a load counts how many it kept so. A partial index serves the stewards' list per source.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
ALTER TABLE source_record ADD COLUMN id_issue jsonb;
CREATE INDEX source_record_id_issue_idx ON source_record (source_code, id) WHERE id_issue IS NOT NULL;
ALTER TABLE interface_load ADD COLUMN unverified_ids integer NOT NULL DEFAULT 0;
`.execute(db);
}
