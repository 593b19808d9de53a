import type { Kysely } from 'kysely';

/** Managers: manager profiles, transfer requests, handovers, reminders, plans and reports. */
export async function up(_db: Kysely<any>): Promise<void> {}
