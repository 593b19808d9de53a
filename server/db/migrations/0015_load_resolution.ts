import { sql, type Kysely } from 'kysely';

/**
 * A load's resolution into the customer centre, counted as it goes: the records its batches handed to
 * integration (to_resolve) and how many of them have been resolved so far. Reading a file is quick; resolving
 * its records one by one is what takes the minutes, and the progress bar stood at 100 % all that time.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
ALTER TABLE interface_load
  ADD COLUMN to_resolve integer NOT NULL DEFAULT 0,
  ADD COLUMN resolved   integer NOT NULL DEFAULT 0;
`.execute(db);
}
