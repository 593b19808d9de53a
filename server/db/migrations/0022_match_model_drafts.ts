import { sql, type Kysely } from 'kysely';

/**
 * Draft versions of the match model: an estimate from data is saved as a version that decides nothing until an
 * administrator activates it (integration.service activateModel), and any earlier version can be activated again.
 * `activated_at` is when a version was last made the active one; never activated (null) = a draft. Every version
 * saved before this migration was active from the moment it was saved.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
ALTER TABLE match_model ADD COLUMN IF NOT EXISTS activated_at timestamptz;
UPDATE match_model SET activated_at = created_at WHERE activated_at IS NULL;
`.execute(db);
}
