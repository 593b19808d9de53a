import { sql, type Kysely } from 'kysely';

/**
 * Org codes and usernames are unique letter case aside (BJ05 and bj05, cm01 and CM01 were both accepted).
 * The exact-case unique constraints stay (sign-in looks a username up exactly). Names that already clash
 * only by case stop the migration with a list of them, to be renamed first.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
DO $$
DECLARE clash text;
BEGIN
  SELECT string_agg(v, '; ') INTO clash FROM (
    SELECT 'org_unit.code ' || string_agg(code, ', ' ORDER BY code) AS v FROM org_unit GROUP BY lower(code) HAVING count(*) > 1
    UNION ALL
    SELECT 'app_user.username ' || string_agg(username, ', ' ORDER BY username) FROM app_user GROUP BY lower(username) HAVING count(*) > 1
  ) x;
  IF clash IS NOT NULL THEN
    RAISE EXCEPTION 'rename these first, they differ only in letter case: %', clash;
  END IF;
END $$`.execute(db);
  await sql`CREATE UNIQUE INDEX org_unit_code_lower_key ON org_unit (lower(code))`.execute(db);
  await sql`CREATE UNIQUE INDEX app_user_username_lower_key ON app_user (lower(username))`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP INDEX IF EXISTS org_unit_code_lower_key`.execute(db);
  await sql`DROP INDEX IF EXISTS app_user_username_lower_key`.execute(db);
}
