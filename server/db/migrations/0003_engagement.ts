import type { Kysely } from 'kysely';

/** Engagement: contacts, activities, opportunities, requirements, their links, pipelines, sales targets, sales and commission. */
export async function up(_db: Kysely<any>): Promise<void> {}
