import { createHash, randomBytes } from 'node:crypto';
import { hash as argonHash, verify as argonVerify } from '@node-rs/argon2';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { sql } from 'kysely';
import { prepared, type Db } from '../db/database.ts';
import { AppError, fieldError, forbidden } from './errors.ts';
import type { Actor } from './audit.ts';
import type { DataScope, Permission } from './permissions.ts';
import type { ScopeSubject } from './scope.ts';

export const SESSION_COOKIE = 'banyan_session';

/** The signed-in user as every route sees it. */
export type CurrentUser = ScopeSubject & {
  username: string;
  displayName: string;
  orgName: string;
  orgNameEn: string;
  roleCode: string;
  roleName: string;
  roleNameEn: string;
  permissions: Set<string>;
  via: 'session' | 'token';
  /** An administrator set the password (a reset, a new account): until the user changes it, only that is allowed. */
  mustChangePassword: boolean;
};

declare module 'fastify' {
  interface FastifyRequest {
    user: CurrentUser | null;
  }
}

// argon2id, OWASP's second recommended profile (19 MiB, 2 passes).
const ARGON = { algorithm: 2 as const, memoryCost: 19456, timeCost: 2, parallelism: 1 };

export const hashPassword = (pw: string) => argonHash(pw, ARGON);
export const verifyPassword = (hash: string, pw: string) => argonVerify(hash, pw).catch(() => false);

export const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
export const newToken = (prefix = '') => prefix + randomBytes(32).toString('base64url');

export function actorOf(req: FastifyRequest): Actor {
  return { userId: req.user?.id ?? null, username: req.user?.username ?? 'anonymous', ip: req.ip };
}

type UserRow = {
  id: number; username: string; display_name: string; org_id: number; path: string; org_name: string; org_name_en: string;
  role_code: string; role_name: string; role_name_en: string; data_scope: DataScope; permissions: string[]; must_change_password: boolean;
};

function toCurrentUser(r: UserRow, via: CurrentUser['via']): CurrentUser {
  return {
    id: r.id, username: r.username, displayName: r.display_name, orgId: r.org_id, orgPath: r.path, orgName: r.org_name, orgNameEn: r.org_name_en,
    roleCode: r.role_code, roleName: r.role_name, roleNameEn: r.role_name_en, dataScope: r.data_scope,
    permissions: new Set(r.permissions), via, mustChangePassword: !!r.must_change_password,
  };
}

const USER_COLUMNS = sql`u.id, u.username, u.display_name, u.org_id, o.path, o.name AS org_name, o.name_en AS org_name_en,
  r.code AS role_code, r.name AS role_name, r.name_en AS role_name_en, r.data_scope, r.permissions, u.must_change_password`;

/**
 * Sessions looked up in the last few seconds, by the hash of their token: most requests then skip the database
 * (the cheapest signed-in request, at 64 connections on 2 cores, went from 2,600 to 7,300–10,500 a second). A session
 * ended or a user changed through this process takes effect at once (any write request forgets them all, see
 * forgetSessions); through another app server or the CLI, within SESSION_CACHE_MS.
 */
export const SESSION_CACHE_MS = 5_000;
const SESSION_CACHE_MAX = 10_000;
const sessionCache = new Map<string, { user: CurrentUser; until: number }>();
/** Bumped by forgetSessions: a lookup that began before it does not store what it read. */
let sessionGeneration = 0;

/** Forgets every cached session: called after each write request, so a change of user, role, org or session shows at once. */
export function forgetSessions(): void {
  sessionCache.clear();
  sessionGeneration++;
}

/** The user of a live session, by the hash of its token. */
export const sessionUserSql = (idHash: string) => sql<UserRow & { expires_at: Date }>`${sql.raw(prepared('session_user'))}
    SELECT ${USER_COLUMNS}, s.expires_at FROM session s
      JOIN app_user u ON u.id = s.user_id JOIN org_unit o ON o.id = u.org_id JOIN role r ON r.id = u.role_id
    WHERE s.id_hash = ${idHash} AND s.expires_at > now() AND u.status = 'active'`;

/** Resolves a session cookie or a bearer token to its user, sliding the session's expiry. */
export async function authenticate(db: Db, req: FastifyRequest, ttlMinutes: number): Promise<CurrentUser | null> {
  const bearer = req.headers.authorization?.match(/^Bearer\s+(\S+)$/i)?.[1];
  if (bearer) {
    const res = await sql<UserRow>`
      UPDATE api_token t SET last_used_at = now() FROM app_user u
        JOIN org_unit o ON o.id = u.org_id JOIN role r ON r.id = u.role_id
      WHERE t.token_hash = ${sha256(bearer)} AND t.user_id = u.id AND t.revoked_at IS NULL
        AND (t.expires_at IS NULL OR t.expires_at > now()) AND u.status = 'active'
      RETURNING ${USER_COLUMNS}`.execute(db);
    return res.rows[0] ? toCurrentUser(res.rows[0], 'token') : null;
  }
  const token = (req.cookies as Record<string, string | undefined>)[SESSION_COOKIE];
  if (!token) return null;
  const idHash = sha256(token);
  const now = Date.now();
  const hit = sessionCache.get(idHash);
  if (hit && hit.until > now) return hit.user;
  const generation = sessionGeneration;
  // Extend the session only when half its lifetime has gone, so most lookups do not write.
  // A prepared statement, planned once per connection.
  const res = await sessionUserSql(idHash).execute(db);
  const row = res.rows[0];
  if (!row) return null;
  const expires = row.expires_at.getTime();
  if (expires - Date.now() < (ttlMinutes * 60_000) / 2) {
    await sql`UPDATE session SET expires_at = now() + make_interval(mins => ${ttlMinutes}) WHERE id_hash = ${idHash}`.execute(db);
  }
  const user = toCurrentUser(row, 'session');
  if (generation === sessionGeneration) {
    if (sessionCache.size >= SESSION_CACHE_MAX) sessionCache.delete(sessionCache.keys().next().value!);
    // Never past the expiry read (an extended session is just looked up again sooner).
    sessionCache.set(idHash, { user, until: Math.min(now + SESSION_CACHE_MS, expires) });
  }
  return user;
}

/** Route guard: the request must be signed in, and hold every permission named. */
export function requireUser(...perms: Permission[]) {
  return async (req: FastifyRequest, _reply: FastifyReply) => {
    if (!req.user) throw new AppError('UNAUTHENTICATED', { zh: '请先登录', en: 'Please sign in' });
    for (const p of perms) if (!req.user.permissions.has(p)) throw forbidden();
  };
}

/**
 * Route guard: the request must come from a signed-in session, not an API token. For what would let a leaked token
 * outlast its discovery: minting more tokens, changing the password (which revokes every token of the user).
 */
export function requireSession() {
  return async (req: FastifyRequest, _reply: FastifyReply) => {
    if (!req.user) throw new AppError('UNAUTHENTICATED', { zh: '请先登录', en: 'Please sign in' });
    if (req.user.via !== 'session') {
      throw new AppError('FORBIDDEN', { zh: '此操作须在登录会话中进行，API 令牌不能执行（sessionRequired）', en: 'This needs a signed-in session: an API token cannot do it (sessionRequired)' }, [
        fieldError('authorization', 'sessionRequired', '须以登录会话操作，不能使用 API 令牌', 'needs a signed-in session, not an API token'),
      ]);
    }
  };
}

/**
 * What a user whose password an administrator set may still do: sign in and out, see who they are, and change it.
 * (Routes by their declared path; /api/health and the API's documentation need no user.)
 */
const UNTIL_PASSWORD_CHANGED: ReadonlySet<string> = new Set([
  'POST /api/auth/login', 'POST /api/auth/logout', 'GET /api/auth/me', 'HEAD /api/auth/me', 'POST /api/auth/password', 'GET /api/health', 'HEAD /api/health',
]);

export const PASSWORD_CHANGE_REQUIRED = () => new AppError('FORBIDDEN', {
  zh: '管理员为您设置了密码，请先修改密码再继续使用（passwordChangeRequired）',
  en: 'An administrator set your password: change it before you go on (passwordChangeRequired)',
}, [fieldError('password', 'passwordChangeRequired', '须先修改管理员设置的密码', 'the password an administrator set must be changed first')]);

/**
 * Refuses (403 passwordChangeRequired) every API call of a user who must change the password an administrator set,
 * but those in UNTIL_PASSWORD_CHANGED. Runs once the user is known (after authenticate).
 */
export function checkPasswordChangeRule(req: FastifyRequest): void {
  if (!req.user?.mustChangePassword) return;
  const route = `${req.method} ${req.routeOptions.url ?? ''}`;
  if (UNTIL_PASSWORD_CHANGED.has(route) || (req.routeOptions.url ?? '').startsWith('/api/docs')) return;
  throw PASSWORD_CHANGE_REQUIRED();
}

export function currentUser(req: FastifyRequest): CurrentUser {
  if (!req.user) throw new AppError('UNAUTHENTICATED', { zh: '请先登录', en: 'Please sign in' });
  return req.user;
}

export function can(user: CurrentUser, perm: Permission): boolean {
  return user.permissions.has(perm);
}
