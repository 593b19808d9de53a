import { sql, type Kysely } from 'kysely';

/**
 * /metrics needs signing in (or BANYAN_METRICS_TOKEN): the new permission system:monitor (permissions.ts) reads it,
 * and the system administrator role, which 0002 seeded before it existed, holds it.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`UPDATE role SET permissions = array_append(permissions, 'system:monitor')
    WHERE builtin AND code = 'admin' AND NOT ('system:monitor' = ANY(permissions))`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`UPDATE role SET permissions = array_remove(permissions, 'system:monitor')`.execute(db);
}
