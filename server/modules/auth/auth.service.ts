import type { Db } from '../../db/database.ts';
import { audit, type Actor } from '../../platform/audit.ts';
import { hashPassword, newToken, sha256, verifyPassword } from '../../platform/auth.ts';
import { AppError, fieldError, invalid } from '../../platform/errors.ts';
import * as repo from './auth.repository.ts';

export type LoginPolicy = { ttlMinutes: number; maxFailedLogins: number; lockoutMinutes: number };

const BAD_LOGIN = new AppError('UNAUTHENTICATED', { zh: '用户名或密码错误', en: 'Wrong username or password' });
/** Told only to whoever gave the account's right password: anyone else gets BAD_LOGIN, as for a name that does not exist. */
const DISABLED = new AppError('FORBIDDEN', {
  zh: '账号已停用，无法登录，请联系管理员',
  en: 'This account is disabled and cannot sign in: ask an administrator',
}, [fieldError('username', 'disabled', '账号已停用', 'the account is disabled')]);

// Verifying against a real hash when the user does not exist keeps the timing the same.
let dummyHash: Promise<string> | undefined;

/**
 * Failed sign-ins under names that are no active user, counted as a user's are, so that a lock-out does not tell which
 * names exist (an unknown name answered 401 for ever while a real one locked after a few tries). Kept by each server,
 * for at most GHOSTS names (the oldest forgotten first): the per-address rate limit bounds the rest.
 */
const ghosts = new Map<string, { failures: number; lockedUntil: number | null }>();
const GHOSTS = 10_000;

/** The time the "lock" of a name that is no active user ends, while it lasts. */
function ghostLock(username: string): Date | null {
  const until = ghosts.get(username)?.lockedUntil;
  return until && until > Date.now() ? new Date(until) : null;
}

/** Records one failure under a name that is no active user; the time its "lock" ends, when it has one. */
function ghostFailure(username: string, policy: LoginPolicy): Date | null {
  const now = Date.now();
  let g = ghosts.get(username);
  if (g?.lockedUntil && g.lockedUntil <= now) g = undefined; // lapsed: counting starts afresh, as for a user
  if (g?.lockedUntil) return new Date(g.lockedUntil);
  const failures = (g?.failures ?? 0) + 1;
  g = { failures, lockedUntil: failures >= policy.maxFailedLogins ? now + policy.lockoutMinutes * 60_000 : null };
  ghosts.delete(username);
  ghosts.set(username, g);
  if (ghosts.size > GHOSTS) ghosts.delete(ghosts.keys().next().value!);
  return g.lockedUntil ? new Date(g.lockedUntil) : null;
}

/** Checks the password, applies lock-out, and opens a session. Returns the session token. */
export async function login(db: Db, policy: LoginPolicy, username: string, password: string, ip: string, userAgent: string | null): Promise<{ token: string; userId: number }> {
  const actor: Actor = { userId: null, username, ip };
  const user = await repo.findUserForLogin(db, username);
  if (user && user.status !== 'active') {
    // A disabled account is locked out by its own counters, as an active one is (kept in the database: a restart or
    // another server does not reset them), before its password is looked at; only the right password, unlocked, is
    // told the account is disabled — so "disabled" cannot be used to guess a password faster than the lock-out allows.
    const lockedNow = user.locked_until && user.locked_until > new Date() ? user.locked_until : null;
    const right = await verifyPassword(user.password_hash, password);
    const state = await db.transaction().execute(async (trx) => {
      const s = lockedNow || right ? null : await repo.recordFailedLogin(trx, user.id, policy.maxFailedLogins, policy.lockoutMinutes);
      await audit(trx, actor, { action: 'login_failed', entity: 'user', entityId: user.id, changes: { reason: 'disabled', rightPassword: right, locked: !!(lockedNow ?? s?.locked_until) } });
      return s;
    });
    if (lockedNow) throw lockedError(lockedNow);
    if (right) throw DISABLED;
    throw state?.locked_until && state.locked_until > new Date() ? lockedError(state.locked_until) : BAD_LOGIN;
  }
  if (!user) {
    // An unknown name is locked out as a known one is (before its password is looked at), and costs a hash.
    const locked = ghostLock(username);
    await verifyPassword(await (dummyHash ??= hashPassword('not-a-real-password')), password);
    await db.transaction().execute((trx) => audit(trx, actor, { action: 'login_failed', entity: 'user', changes: { reason: 'unknown_user' } }));
    if (locked) throw lockedError(locked);
    const lockedUntil = ghostFailure(username, policy);
    throw lockedUntil ? lockedError(lockedUntil) : BAD_LOGIN;
  }
  actor.userId = user.id;
  if (user.locked_until && user.locked_until > new Date()) {
    // The password is hashed even so: an unknown name's 423 (above) costs a hash, and a locked account's answering
    // sooner would tell which names exist by the time the 423 takes.
    await verifyPassword(user.password_hash, password);
    // Attempts against a locked account are recorded too: they are what an administrator looks for before unlocking.
    await db.transaction().execute((trx) =>
      audit(trx, actor, { action: 'login_failed', entity: 'user', entityId: user.id, changes: { reason: 'locked', lockedUntil: user.locked_until } }));
    throw lockedError(user.locked_until);
  }
  if (!(await verifyPassword(user.password_hash, password))) {
    const state = await db.transaction().execute(async (trx) => {
      const s = await repo.recordFailedLogin(trx, user.id, policy.maxFailedLogins, policy.lockoutMinutes);
      await audit(trx, actor, { action: 'login_failed', entity: 'user', entityId: user.id, changes: { reason: 'wrong_password', failedLogins: s.failed_logins, locked: !!s.locked_until } });
      return s;
    });
    if (state.locked_until && state.locked_until > new Date()) throw lockedError(state.locked_until);
    throw BAD_LOGIN;
  }
  const token = newToken();
  await db.transaction().execute(async (trx) => {
    await repo.resetFailedLogins(trx, user.id);
    await repo.insertSession(trx, sha256(token), user.id, policy.ttlMinutes, ip, userAgent);
    await audit(trx, actor, { action: 'login', entity: 'user', entityId: user.id });
  });
  return { token, userId: user.id };
}

function lockedError(until: Date): AppError {
  const mins = Math.max(1, Math.ceil((until.getTime() - Date.now()) / 60_000));
  return new AppError('LOCKED', {
    zh: `登录失败次数过多，账户已锁定，请 ${mins} 分钟后再试或联系管理员`,
    en: `Too many failed sign-ins: the account is locked for ${mins} more minute(s) or until an administrator unlocks it`,
  });
}

export async function logout(db: Db, actor: Actor, token: string) {
  await db.transaction().execute(async (trx) => {
    await repo.deleteSession(trx, sha256(token));
    await audit(trx, actor, { action: 'logout', entity: 'user', entityId: actor.userId });
  });
}

/** Password rule: at least 8 characters with letters and digits. */
export function checkPasswordStrength(field: string, pw: string): void {
  if (pw.length < 8 || !/[A-Za-z]/.test(pw) || !/\d/.test(pw)) {
    throw invalid([fieldError(field, 'passwordStrength', '密码至少 8 位，且须包含字母和数字', 'must be at least 8 characters with letters and digits')]);
  }
}

/**
 * Changes one's own password: ends the user's other sessions and revokes every API token of theirs. A wrong current
 * password counts as a failed sign-in (whoever holds a session could otherwise guess the password without limit) and
 * locks the account as sign-ins do (423); while locked, no change is made. The new password must differ from the
 * current one (400 newPassword `unchanged`).
 */
export async function changePassword(db: Db, policy: LoginPolicy, actor: Actor & { userId: number }, current: string, next: string, keepSessionToken?: string) {
  const { password_hash, locked_until } = await repo.getPasswordHash(db, actor.userId);
  const right = await verifyPassword(password_hash, current);
  if (locked_until && locked_until > new Date()) {
    await db.transaction().execute((trx) =>
      audit(trx, actor, { action: 'password_change_failed', entity: 'user', entityId: actor.userId, changes: { reason: 'locked', lockedUntil: locked_until } }));
    throw lockedError(locked_until);
  }
  if (!right) {
    const state = await db.transaction().execute(async (trx) => {
      const s = await repo.recordFailedLogin(trx, actor.userId, policy.maxFailedLogins, policy.lockoutMinutes);
      await audit(trx, actor, { action: 'password_change_failed', entity: 'user', entityId: actor.userId, changes: { reason: 'wrong_password', failedLogins: s.failed_logins, locked: !!s.locked_until } });
      return s;
    });
    if (state.locked_until && state.locked_until > new Date()) throw lockedError(state.locked_until);
    throw invalid([fieldError('currentPassword', 'mismatch', '当前密码不正确', 'is not your current password')]);
  }
  if (next === current) throw invalid([fieldError('newPassword', 'unchanged', '新密码不能与当前密码相同', 'must differ from your current password')]);
  checkPasswordStrength('newPassword', next);
  const hash = await hashPassword(next);
  await db.transaction().execute(async (trx) => {
    // setPassword also clears the failed attempts counted so far.
    await repo.setPassword(trx, actor.userId, hash);
    await repo.deleteSessionsOfUser(trx, actor.userId, keepSessionToken ? sha256(keepSessionToken) : undefined);
    await audit(trx, actor, { action: 'password_change', entity: 'user', entityId: actor.userId });
    // A token made by whoever knew the old password (the reason to change it) must not outlive it.
    await revokeTokensOf(trx, actor, actor.userId, 'password_change');
  });
}

export async function createToken(db: Db, actor: Actor & { userId: number }, rawName: string, expiresInDays?: number) {
  // Trimmed, and then required: a name of spaces tells the user nothing in the token list.
  const name = rawName.trim();
  if (!name) throw invalid([fieldError('name', 'required', '必填', 'is required')]);
  const token = newToken('byn_');
  const expires = expiresInDays ? new Date(Date.now() + expiresInDays * 86_400_000) : null;
  const row = await db.transaction().execute(async (trx) => {
    const r = await repo.insertToken(trx, { user_id: actor.userId, name, token_hash: sha256(token), prefix: token.slice(0, 8), expires_at: expires });
    await audit(trx, actor, { action: 'create', entity: 'api_token', entityId: r.id, changes: { name, expiresAt: expires } });
    return r;
  });
  return { id: row.id, token };
}

/**
 * Revokes every live API token of a user, one audit row each: an administrator's password reset or disabling of an
 * account (a compromised or departed user) must not leave a bearer token working. Runs in the caller's transaction.
 */
export async function revokeTokensOf(trx: Db, actor: Actor, userId: number, reason: string): Promise<number[]> {
  const ids = await repo.revokeTokensOfUser(trx, userId);
  for (const id of ids) await audit(trx, actor, { action: 'revoke', entity: 'api_token', entityId: id, changes: { userId, reason } });
  return ids;
}

export async function revokeToken(db: Db, actor: Actor & { userId: number }, id: number) {
  await db.transaction().execute(async (trx) => {
    if (!(await repo.revokeToken(trx, actor.userId, id))) throw new AppError('NOT_FOUND', { zh: '令牌不存在', en: 'Token not found' });
    await audit(trx, actor, { action: 'revoke', entity: 'api_token', entityId: id });
  });
}
