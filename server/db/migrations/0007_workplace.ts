import type { Kysely } from 'kysely';

/** Workplace: notices and read receipts, calendar, work journal, reminder events. */
export async function up(_db: Kysely<any>): Promise<void> {}
