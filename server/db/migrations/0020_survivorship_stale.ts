import { sql, type Kysely } from 'kysely';

/**
 * Survivorship (I2) picks every golden-record value by the trust of its source (per field, else its value rank).
 * When an administrator changes them, the golden records of the customers holding records of that source are
 * recomputed in the background (job `integration.survivorship`): this marks the source as changed since then, and
 * a customer whose lineage was chosen before it is recomputed; the mark is cleared once none is left.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`ALTER TABLE source_system ADD COLUMN survivorship_stale_since timestamptz`.execute(db);
}
