import { sql, type Kysely } from 'kysely';

/**
 * A password an administrator set (a reset, a new account, `banyan user reset-password`) is known to someone other
 * than the user: the user must choose their own at the next sign-in. Until they do, the API answers 403
 * `passwordChangeRequired` to everything but the password change itself (platform/auth.ts).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`ALTER TABLE app_user ADD COLUMN IF NOT EXISTS must_change_password boolean NOT NULL DEFAULT false`.execute(db);
}
