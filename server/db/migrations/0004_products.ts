import type { Kysely } from 'kysely';

/** Products: product catalogue attributes, risk ratings, documents, sales scripts. */
export async function up(_db: Kysely<any>): Promise<void> {}
