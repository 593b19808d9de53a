import type { Kysely } from 'kysely';

/** Service: service requests, SLAs, steps, escalations, archive, outbound care and visits, dispatch. */
export async function up(_db: Kysely<any>): Promise<void> {}
