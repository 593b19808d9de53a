import { sql } from 'kysely';
import type { Db } from '../../db/database.ts';

export function findUserForLogin(db: Db, username: string) {
  return db
    .selectFrom('app_user')
    .select(['id', 'username', 'password_hash', 'status', 'failed_logins', 'locked_until'])
    .where('username', '=', username)
    .executeTakeFirst();
}

/**
 * Counts a failed attempt and locks the account once `max` is reached; returns the new state. A lock that has
 * run out is over: the count starts again from this attempt, so one more slip does not lock the account again.
 */
export async function recordFailedLogin(db: Db, userId: number, max: number, lockMinutes: number) {
  const r = await sql<{ failed_logins: number; locked_until: Date | null }>`
    WITH cur AS (
      SELECT id, CASE WHEN locked_until <= now() THEN 0 ELSE failed_logins END + 1 AS n, locked_until <= now() AS lapsed
      FROM app_user WHERE id = ${userId} FOR UPDATE
    )
    UPDATE app_user u SET failed_logins = cur.n,
      locked_until = CASE WHEN cur.n >= ${max} THEN now() + make_interval(mins => ${lockMinutes}) WHEN cur.lapsed THEN NULL ELSE u.locked_until END
    FROM cur WHERE u.id = cur.id RETURNING u.failed_logins, u.locked_until`.execute(db);
  return r.rows[0];
}

export async function resetFailedLogins(db: Db, userId: number) {
  await db.updateTable('app_user').set({ failed_logins: 0, locked_until: null }).where('id', '=', userId).execute();
}

export async function insertSession(db: Db, idHash: string, userId: number, ttlMinutes: number, ip: string, userAgent: string | null) {
  await sql`INSERT INTO session (id_hash, user_id, expires_at, ip, user_agent)
    VALUES (${idHash}, ${userId}, now() + make_interval(mins => ${ttlMinutes}), ${ip}, ${userAgent})`.execute(db);
}

export async function deleteSession(db: Db, idHash: string) {
  await db.deleteFrom('session').where('id_hash', '=', idHash).execute();
}

export async function deleteExpiredSessions(db: Db) {
  await db.deleteFrom('session').where('expires_at', '<', new Date()).execute();
}

export function getPasswordHash(db: Db, userId: number) {
  return db.selectFrom('app_user').select(['password_hash', 'locked_until']).where('id', '=', userId).executeTakeFirstOrThrow();
}

export async function setPassword(db: Db, userId: number, hash: string) {
  // The user's own choice: an administrator's password, if that was it, is gone.
  await db.updateTable('app_user').set({ password_hash: hash, password_changed_at: new Date(), failed_logins: 0, locked_until: null, must_change_password: false, updated_at: new Date() }).where('id', '=', userId).execute();
}

export async function deleteSessionsOfUser(db: Db, userId: number, exceptHash?: string) {
  let q = db.deleteFrom('session').where('user_id', '=', userId);
  if (exceptHash) q = q.where('id_hash', '<>', exceptHash);
  await q.execute();
}

export function listTokens(db: Db, userId: number) {
  return db.selectFrom('api_token').select(['id', 'name', 'prefix', 'created_at', 'expires_at', 'last_used_at', 'revoked_at']).where('user_id', '=', userId).orderBy('id', 'desc').execute();
}

export function insertToken(db: Db, row: { user_id: number; name: string; token_hash: string; prefix: string; expires_at: Date | null }) {
  return db.insertInto('api_token').values(row).returning('id').executeTakeFirstOrThrow();
}

/** Revokes every live token of a user; returns the ids revoked. */
export async function revokeTokensOfUser(db: Db, userId: number) {
  const rows = await db.updateTable('api_token').set({ revoked_at: new Date() }).where('user_id', '=', userId).where('revoked_at', 'is', null).returning('id').execute();
  return rows.map((r) => r.id);
}

export async function revokeToken(db: Db, userId: number, id: number) {
  const r = await db.updateTable('api_token').set({ revoked_at: new Date() }).where('id', '=', id).where('user_id', '=', userId).where('revoked_at', 'is', null).executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}
