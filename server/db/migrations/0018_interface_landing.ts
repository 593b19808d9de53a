import { sql, type Kysely } from 'kysely';

/**
 * A file interface may take its files from a landing folder on the server, where the bank's file
 * transfer drops each night's extract: on its cron schedule it loads every file there that is complete
 * (its flag file has arrived, e.g. `cust_20261207.csv.ok`, or it has not changed for a minute), in name
 * order, and moves it to `done/` or `failed/` beside it.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
ALTER TABLE interface
  ADD COLUMN landing_dir     text,
  ADD COLUMN landing_pattern text,
  ADD COLUMN landing_flag    text,
  ADD CONSTRAINT interface_landing_file CHECK (landing_dir IS NULL OR connector = 'file');
`.execute(db);
}
