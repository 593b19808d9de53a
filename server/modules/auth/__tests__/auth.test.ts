import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it, onTestFinished, vi } from 'vitest';
import { buildApp } from '../../../app.ts';
import { SESSION_CACHE_MS, sha256 } from '../../../platform/auth.ts';
import { createTestContext, login, type TestContext } from '../../../test/context.ts';
import { PASSWORD, seedSmallBank } from '../../../test/fixtures.ts';

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext({ maxFailedLogins: 3, lockoutMinutes: 10 });
  await seedSmallBank(ctx.db);
});
afterAll(() => ctx?.close());

const tryLogin = (username: string, password: string, remoteAddress?: string) => ctx.app.inject({ method: 'POST', url: '/api/auth/login', payload: { username, password }, remoteAddress });

/** The app on the same database, believing X-Forwarded-* from these proxies (BANYAN_TRUST_PROXY); closed after the test. */
async function appTrusting(trustProxy: string[]): Promise<FastifyInstance> {
  const app = await buildApp({ config: { ...ctx.config, trustProxy }, db: ctx.db, pool: ctx.pool });
  onTestFinished(() => app.close());
  return app;
}

describe('sessions', () => {
  it('signs in with a HttpOnly SameSite cookie and signs out', async () => {
    const res = await tryLogin('cm_a', PASSWORD);
    expect(res.statusCode).toBe(200);
    expect(res.json().user).toMatchObject({ username: 'cm_a', roleCode: 'customer_manager', dataScope: 'own', orgName: '北京海淀支行' });
    const setCookie = String(res.headers['set-cookie']);
    expect(setCookie).toMatch(/HttpOnly/i);
    expect(setCookie).toMatch(/SameSite=Lax/i);
    expect(setCookie).not.toMatch(/Secure/i);
    // A browser-session cookie: a fixed lifetime would end a busy user's day 8 hours after sign-in although the
    // server slides the session on use (the server enforces the idle expiry: see the next tests).
    expect(setCookie).not.toMatch(/Max-Age|Expires/i);
    const cookie = `banyan_session=${res.cookies[0].value}`;
    expect((await ctx.app.inject({ url: '/api/auth/me', headers: { cookie } })).statusCode).toBe(200);
    expect((await ctx.app.inject({ method: 'POST', url: '/api/auth/logout', headers: { cookie } })).statusCode).toBe(204);
    expect((await ctx.app.inject({ url: '/api/auth/me', headers: { cookie } })).statusCode).toBe(401);
  });

  it('marks the cookie Secure behind https, as the trusted proxy says (and no one else)', async () => {
    const viaProxy = (app: FastifyInstance) => app.inject({ method: 'POST', url: '/api/auth/login', headers: { 'x-forwarded-proto': 'https' }, payload: { username: 'cm_a', password: PASSWORD } });
    expect(String((await viaProxy(ctx.app)).headers['set-cookie'])).not.toMatch(/;\s*Secure/i);
    const proxied = await appTrusting(['loopback']);
    expect(String((await viaProxy(proxied)).headers['set-cookie'])).toMatch(/;\s*Secure/i);
  });

  it('slides the session on the server as it is used (the cookie carries no lifetime of its own)', async () => {
    const cookie = await login(ctx.app, 'cm_a', PASSWORD);
    const hash = sha256(cookie.replace(/^banyan_session=/, ''));
    // Most of the lifetime gone: the next request extends it to a full one again.
    await ctx.db.updateTable('session').set({ expires_at: new Date(Date.now() + 60_000) }).where('id_hash', '=', hash).execute();
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      vi.setSystemTime(Date.now() + SESSION_CACHE_MS + 1);
      expect((await ctx.app.inject({ url: '/api/auth/me', headers: { cookie } })).statusCode).toBe(200);
    } finally {
      vi.useRealTimers();
    }
    const { expires_at } = await ctx.db.selectFrom('session').select('expires_at').where('id_hash', '=', hash).executeTakeFirstOrThrow();
    expect(expires_at.getTime()).toBeGreaterThan(Date.now() + (ctx.config.sessionTtlMinutes - 1) * 60_000);
  });

  it('stores only a hash of the session token', async () => {
    const res = await tryLogin('cm_b', PASSWORD);
    const token = res.cookies[0].value;
    const rows = await ctx.db.selectFrom('session').select('id_hash').execute();
    expect(rows.some((r) => r.id_hash === token)).toBe(false);
  });

  it('refuses an expired session', async () => {
    const cookie = await login(ctx.app, 'hq', PASSWORD);
    await ctx.db.updateTable('session').set({ expires_at: new Date(Date.now() - 1000) }).execute();
    expect((await ctx.app.inject({ url: '/api/auth/me', headers: { cookie } })).statusCode).toBe(401);
  });

  it('stores passwords as argon2id', async () => {
    const u = await ctx.db.selectFrom('app_user').select('password_hash').where('username', '=', 'hq').executeTakeFirstOrThrow();
    expect(u.password_hash).toMatch(/^\$argon2id\$/);
  });
});

describe('session cache', () => {
  const me = (cookie: string) => ctx.app.inject({ url: '/api/auth/me', headers: { cookie } });

  it('sees a session ended by another server within SESSION_CACHE_MS', async () => {
    const cookie = await login(ctx.app, 'cm_b', PASSWORD);
    expect((await me(cookie)).statusCode).toBe(200);
    // Another app server (or `banyan user reset-password`) ends every session of cm_b: this one has it cached …
    await ctx.db.deleteFrom('session').where('user_id', '=', ctx.db.selectFrom('app_user').select('id').where('username', '=', 'cm_b')).execute();
    expect((await me(cookie)).statusCode).toBe(200);
    // … for at most SESSION_CACHE_MS.
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      vi.setSystemTime(Date.now() + SESSION_CACHE_MS + 1);
      expect((await me(cookie)).statusCode).toBe(401);
    } finally {
      vi.useRealTimers();
    }
  });

  it('forgets cached sessions on every write through this server: a user whose role changed or who was disabled is signed out at once', async () => {
    const admin = await login(ctx.app, 'admin', PASSWORD);
    let cookie = await login(ctx.app, 'cm_a2', PASSWORD);
    expect((await me(cookie)).json().roleCode).toBe('customer_manager');
    const { id } = await ctx.db.selectFrom('app_user').select('id').where('username', '=', 'cm_a2').executeTakeFirstOrThrow();
    expect((await ctx.app.inject({ method: 'PATCH', url: `/api/admin/users/${id}`, headers: { cookie: admin }, payload: { roleCode: 'auditor' } })).statusCode).toBe(204);
    expect((await me(cookie)).statusCode).toBe(401);
    cookie = await login(ctx.app, 'cm_a2', PASSWORD);
    expect((await me(cookie)).json().roleCode).toBe('auditor');
    expect((await ctx.app.inject({ method: 'PATCH', url: `/api/admin/users/${id}`, headers: { cookie: admin }, payload: { status: 'disabled' } })).statusCode).toBe(204);
    expect((await me(cookie)).statusCode).toBe(401);
  });
});

describe('lock-out', () => {
  it('locks the account after repeated failures, even for the right password, until unlocked', async () => {
    for (let i = 0; i < 2; i++) expect((await tryLogin('agent', 'wrong')).statusCode).toBe(401);
    const third = await tryLogin('agent', 'wrong');
    expect(third.statusCode).toBe(423);
    expect(third.json().error.messages.zh).toContain('锁定');
    expect((await tryLogin('agent', PASSWORD)).statusCode).toBe(423);
    const admin = await login(ctx.app, 'admin', PASSWORD);
    const { id } = await ctx.db.selectFrom('app_user').select('id').where('username', '=', 'agent').executeTakeFirstOrThrow();
    expect((await ctx.app.inject({ method: 'POST', url: `/api/admin/users/${id}/unlock`, headers: { cookie: admin } })).statusCode).toBe(204);
    expect((await tryLogin('agent', PASSWORD)).statusCode).toBe(200);
    const failures = await ctx.db.selectFrom('audit_log').select('changes').where('action', '=', 'login_failed').where('actor_name', '=', 'agent').orderBy('id').execute();
    // Three wrong passwords, then the right one refused while locked: every attempt leaves a row.
    expect(failures.map((f) => (f.changes as { reason: string }).reason)).toEqual(['wrong_password', 'wrong_password', 'wrong_password', 'locked']);
  });

  it('starts counting again from zero once a lock has run out', async () => {
    const admin = await login(ctx.app, 'admin', PASSWORD);
    const hq = await ctx.db.selectFrom('org_unit').select('id').where('code', '=', 'HQ').executeTakeFirstOrThrow();
    const created = await ctx.app.inject({ method: 'POST', url: '/api/admin/users', headers: { cookie: admin }, payload: { username: 'lock_me', displayName: 'lock me', password: PASSWORD, orgId: hq.id, roleCode: 'analyst' } });
    expect(created.statusCode).toBe(201);
    const state = () => ctx.db.selectFrom('app_user').select(['failed_logins', 'locked_until']).where('username', '=', 'lock_me').executeTakeFirstOrThrow();
    for (let i = 0; i < 2; i++) expect((await tryLogin('lock_me', 'wrong')).statusCode).toBe(401);
    expect((await tryLogin('lock_me', 'wrong')).statusCode).toBe(423);
    // The lock-out runs out …
    await ctx.db.updateTable('app_user').set({ locked_until: new Date(Date.now() - 1000) }).where('username', '=', 'lock_me').execute();
    // … and one more slip is one failure, not a new lock.
    expect((await tryLogin('lock_me', 'wrong')).statusCode).toBe(401);
    expect(await state()).toEqual({ failed_logins: 1, locked_until: null });
    expect((await tryLogin('lock_me', 'wrong')).statusCode).toBe(401);
    expect((await tryLogin('lock_me', 'wrong')).statusCode).toBe(423);
    expect((await state()).failed_logins).toBe(3);
  });

  it('gives the same answer for an unknown user as for a wrong password', async () => {
    const a = await tryLogin('nobody', 'x');
    const b = await tryLogin('auditor', 'x');
    expect(a.statusCode).toBe(401);
    expect(a.json()).toEqual(b.json());
  });

  it('locks an unknown name as it locks a user, so the lock-out tells no one which names exist', async () => {
    const answers = async (username: string) => {
      const codes: number[] = [];
      // From an address of its own: the per-address rate limit is not what is tested here.
      for (let i = 0; i < 4; i++) codes.push((await tryLogin(username, 'wrong', '10.9.9.9')).statusCode);
      return codes;
    };
    const admin = await login(ctx.app, 'admin', PASSWORD);
    const hq = await ctx.db.selectFrom('org_unit').select('id').where('code', '=', 'HQ').executeTakeFirstOrThrow();
    const created = await ctx.app.inject({ method: 'POST', url: '/api/admin/users', headers: { cookie: admin }, payload: { username: 'real_name', displayName: 'real', password: PASSWORD, orgId: hq.id, roleCode: 'analyst' } });
    expect(created.statusCode).toBe(201);
    const real = await answers('real_name');
    expect(real).toEqual([401, 401, 423, 423]);
    expect(await answers('no_such_user')).toEqual(real);
    expect((await tryLogin('no_such_user', 'x', '10.9.9.9')).json().error.messages.en).toMatch(/^Too many failed sign-ins: the account is locked for 10 more minute/);
  });
});

describe('disabled accounts', () => {
  // Signed in from an address of its own: the per-address rate limit (30 a minute) is the other tests'.
  const adminCookie = async () => `banyan_session=${(await tryLogin('admin', PASSWORD, '10.3.3.9')).cookies[0].value}`;
  it('tells a disabled user so only when the password is right; without it, the answer is an unknown name\'s', async () => {
    const admin = await adminCookie();
    const hq = await ctx.db.selectFrom('org_unit').select('id').where('code', '=', 'HQ').executeTakeFirstOrThrow();
    const created = await ctx.app.inject({ method: 'POST', url: '/api/admin/users', headers: { cookie: admin }, payload: { username: 'gone', displayName: 'gone', password: PASSWORD, orgId: hq.id, roleCode: 'analyst' } });
    expect(created.statusCode).toBe(201);
    expect((await ctx.app.inject({ method: 'PATCH', url: `/api/admin/users/${created.json().id}`, headers: { cookie: admin }, payload: { status: 'disabled' } })).statusCode).toBe(204);

    const right = await tryLogin('gone', PASSWORD, '10.3.3.1');
    expect(right.statusCode).toBe(403);
    expect(right.json().error).toMatchObject({ code: 'FORBIDDEN', fields: [expect.objectContaining({ field: 'username', rule: 'disabled' })] });
    expect(right.json().error.messages.en).toMatch(/account is disabled/);
    expect(right.json().error.messages.zh).toContain('已停用');
    expect(right.cookies).toHaveLength(0);

    const wrong = await tryLogin('gone', 'wrong', '10.3.3.2');
    expect(wrong.statusCode).toBe(401);
    expect(wrong.json()).toEqual((await tryLogin('nobody_at_all', 'wrong', '10.3.3.2')).json());
    const reasons = await ctx.db.selectFrom('audit_log').select('changes').where('action', '=', 'login_failed').where('actor_name', '=', 'gone').orderBy('id').execute();
    expect(reasons.map((r) => r.changes)).toEqual([
      { reason: 'disabled', rightPassword: true, locked: false },
      { reason: 'disabled', rightPassword: false, locked: false },
    ]);
  });

  it('locks a disabled account out as any name is, and then says "locked" even to the right password', async () => {
    const admin = await adminCookie();
    const hq = await ctx.db.selectFrom('org_unit').select('id').where('code', '=', 'HQ').executeTakeFirstOrThrow();
    const created = await ctx.app.inject({ method: 'POST', url: '/api/admin/users', headers: { cookie: admin }, payload: { username: 'gone2', displayName: 'gone2', password: PASSWORD, orgId: hq.id, roleCode: 'analyst' } });
    expect((await ctx.app.inject({ method: 'PATCH', url: `/api/admin/users/${created.json().id}`, headers: { cookie: admin }, payload: { status: 'disabled' } })).statusCode).toBe(204);
    const codes: number[] = [];
    for (let i = 0; i < 3; i++) codes.push((await tryLogin('gone2', 'wrong', '10.3.3.3')).statusCode);
    expect(codes).toEqual([401, 401, 423]);
    // Kept with the account in the database, as an active one's is: a restart or another server does not reset it.
    const row = await ctx.db.selectFrom('app_user').select(['failed_logins', 'locked_until']).where('username', '=', 'gone2').executeTakeFirstOrThrow();
    expect(row.locked_until!.getTime()).toBeGreaterThan(Date.now());
    // An active user locked out gets 423 for the right password too: a disabled one likewise, so the lock-out
    // cannot be outguessed by telling "disabled" (right password) from "locked".
    const right = await tryLogin('gone2', PASSWORD, '10.3.3.3');
    expect(right.statusCode).toBe(423);
    expect(right.json().error.messages.en).toMatch(/^Too many failed sign-ins/);
  });
});

describe('API tokens', () => {
  it('creates a bearer token that works until revoked', async () => {
    const cookie = await login(ctx.app, 'hq', PASSWORD);
    const created = await ctx.app.inject({ method: 'POST', url: '/api/auth/tokens', headers: { cookie }, payload: { name: 'ETL', expiresInDays: 30 } });
    expect(created.statusCode).toBe(201);
    const { id, token } = created.json();
    expect(token).toMatch(/^byn_/);
    const auth = { authorization: `Bearer ${token}` };
    expect((await ctx.app.inject({ url: '/api/customers?q=zw', headers: auth })).json().items[0].name).toBe('张伟');
    expect((await ctx.app.inject({ method: 'DELETE', url: `/api/auth/tokens/${id}`, headers: { cookie } })).statusCode).toBe(204);
    expect((await ctx.app.inject({ url: '/api/customers', headers: auth })).statusCode).toBe(401);
  });
});

describe('API token names', () => {
  it('trims the name and refuses one that is blank (400 name required)', async () => {
    const cookie = `banyan_session=${(await tryLogin('auditor', PASSWORD, '10.4.4.1')).cookies[0].value}`;
    const blank = await ctx.app.inject({ method: 'POST', url: '/api/auth/tokens', headers: { cookie }, payload: { name: '   ' } });
    expect(blank.statusCode).toBe(400);
    expect(blank.json().error.fields).toEqual([expect.objectContaining({ field: 'name', rule: 'required' })]);
    const padded = await ctx.app.inject({ method: 'POST', url: '/api/auth/tokens', headers: { cookie }, payload: { name: '  nightly ETL ' } });
    expect(padded.statusCode).toBe(201);
    const items = (await ctx.app.inject({ url: '/api/auth/tokens', headers: { cookie } })).json().items as { name: string }[];
    expect(items.map((t) => t.name)).toEqual(['nightly ETL']);
  });
});

describe('password change guesses', () => {
  it('counts a wrong current password as a failed sign-in and locks the account as sign-ins do', async () => {
    const cookie = `banyan_session=${(await tryLogin('agent', PASSWORD, '10.4.4.2')).cookies[0].value}`;
    const change = (currentPassword: string, newPassword = 'Another1pass') =>
      ctx.app.inject({ method: 'POST', url: '/api/auth/password', headers: { cookie }, payload: { currentPassword, newPassword } });
    const codes: number[] = [];
    for (let i = 0; i < 3; i++) codes.push((await change(`guess${i}`)).statusCode);
    expect(codes).toEqual([400, 400, 423]);
    expect(await ctx.db.selectFrom('app_user').select('failed_logins').where('username', '=', 'agent').executeTakeFirstOrThrow()).toEqual({ failed_logins: 3 });
    // Locked: the right password changes nothing now, and signing in is refused as after failed sign-ins.
    const right = await change(PASSWORD);
    expect(right.statusCode).toBe(423);
    expect(right.json().error.messages.en).toMatch(/^Too many failed sign-ins/);
    expect((await tryLogin('agent', PASSWORD, '10.4.4.2')).statusCode).toBe(423);
    const failures = await ctx.db.selectFrom('audit_log').select('changes').where('action', '=', 'password_change_failed').where('actor_name', '=', 'agent').orderBy('id').execute();
    expect(failures.map((r) => (r.changes as { reason: string }).reason)).toEqual(['wrong_password', 'wrong_password', 'wrong_password', 'locked']);
  });

  it('refuses a new password equal to the current one (400 newPassword unchanged)', async () => {
    const cookie = `banyan_session=${(await tryLogin('hq', PASSWORD, '10.4.4.3')).cookies[0].value}`;
    const same = await ctx.app.inject({ method: 'POST', url: '/api/auth/password', headers: { cookie }, payload: { currentPassword: PASSWORD, newPassword: PASSWORD } });
    expect(same.statusCode).toBe(400);
    expect(same.json().error.fields).toEqual([expect.objectContaining({ field: 'newPassword', rule: 'unchanged' })]);
    expect(same.json().error.messages.en).toBe('newPassword: must differ from your current password');
  });

  it('forgets the wrong guesses once the password is changed', async () => {
    const cookie = `banyan_session=${(await tryLogin('cm_b', PASSWORD, '10.4.4.4')).cookies[0].value}`;
    expect((await ctx.app.inject({ method: 'POST', url: '/api/auth/password', headers: { cookie }, payload: { currentPassword: 'nope', newPassword: 'Another1pass' } })).statusCode).toBe(400);
    expect((await ctx.app.inject({ method: 'POST', url: '/api/auth/password', headers: { cookie }, payload: { currentPassword: PASSWORD, newPassword: 'Another1pass' } })).statusCode).toBe(204);
    expect(await ctx.db.selectFrom('app_user').select('failed_logins').where('username', '=', 'cm_b').executeTakeFirstOrThrow()).toEqual({ failed_logins: 0 });
    // Back as it was, for the tests below.
    expect((await ctx.app.inject({ method: 'POST', url: '/api/auth/password', headers: { cookie }, payload: { currentPassword: 'Another1pass', newPassword: PASSWORD } })).statusCode).toBe(204);
  });
});

describe('password change', () => {
  it('checks the current password and the strength of the new one', async () => {
    const cookie = await login(ctx.app, 'bm_a', PASSWORD);
    const weak = await ctx.app.inject({ method: 'POST', url: '/api/auth/password', headers: { cookie }, payload: { currentPassword: PASSWORD, newPassword: 'short' } });
    expect(weak.statusCode).toBe(400);
    expect(weak.json().error.fields[0]).toMatchObject({ field: 'newPassword', rule: 'passwordStrength' });
    const wrong = await ctx.app.inject({ method: 'POST', url: '/api/auth/password', headers: { cookie }, payload: { currentPassword: 'nope', newPassword: 'NewPassw0rd' } });
    expect(wrong.json().error.fields[0].field).toBe('currentPassword');
    const ok = await ctx.app.inject({ method: 'POST', url: '/api/auth/password', headers: { cookie }, payload: { currentPassword: PASSWORD, newPassword: 'NewPassw0rd' } });
    expect(ok.statusCode).toBe(204);
    expect((await tryLogin('bm_a', 'NewPassw0rd')).statusCode).toBe(200);
  });

  it('revokes every API token of the user who changes their own password (one made with the old password must not outlive it)', async () => {
    const cookie = await login(ctx.app, 'bm_a', 'NewPassw0rd');
    const { id, token } = (await ctx.app.inject({ method: 'POST', url: '/api/auth/tokens', headers: { cookie }, payload: { name: 'report' } })).json();
    const bearer = { authorization: `Bearer ${token}` };
    expect((await ctx.app.inject({ url: '/api/auth/me', headers: bearer })).statusCode).toBe(200);
    const ok = await ctx.app.inject({ method: 'POST', url: '/api/auth/password', headers: { cookie }, payload: { currentPassword: 'NewPassw0rd', newPassword: 'NewerPassw0rd' } });
    expect(ok.statusCode).toBe(204);
    expect((await ctx.app.inject({ url: '/api/auth/me', headers: bearer })).statusCode).toBe(401);
    // The session that changed it goes on; the revocation is audited with its reason.
    expect((await ctx.app.inject({ url: '/api/auth/me', headers: { cookie } })).statusCode).toBe(200);
    const row = await ctx.db.selectFrom('audit_log').select('changes').where('action', '=', 'revoke').where('entity', '=', 'api_token').where('entity_id', '=', String(id)).executeTakeFirstOrThrow();
    expect(row.changes).toMatchObject({ reason: 'password_change' });
  });

  it('needs a signed-in session to change the password or create a token: an API token gets 403 sessionRequired', async () => {
    const cookie = await login(ctx.app, 'cm_b', PASSWORD);
    const { token } = (await ctx.app.inject({ method: 'POST', url: '/api/auth/tokens', headers: { cookie }, payload: { name: 'etl' } })).json();
    const bearer = { authorization: `Bearer ${token}` };
    const mint = await ctx.app.inject({ method: 'POST', url: '/api/auth/tokens', headers: bearer, payload: { name: 'another' } });
    expect(mint.statusCode).toBe(403);
    expect(mint.json().error.fields[0]).toMatchObject({ field: 'authorization', rule: 'sessionRequired' });
    expect(mint.json().error.messages.en).toMatch(/signed-in session.*sessionRequired/);
    expect(mint.json().error.messages.zh).toMatch(/登录会话.*sessionRequired/);
    const pw = await ctx.app.inject({ method: 'POST', url: '/api/auth/password', headers: bearer, payload: { currentPassword: PASSWORD, newPassword: 'Hijacked123' } });
    expect(pw.statusCode).toBe(403);
    expect(pw.json().error.fields[0].rule).toBe('sessionRequired');
    // The password is unchanged and no second token exists (signing in from an address of its own: the rate limit counts per address).
    expect((await tryLogin('cm_b', PASSWORD, '10.4.4.4')).statusCode).toBe(200);
    expect((await ctx.app.inject({ url: '/api/auth/tokens', headers: bearer })).json().items).toHaveLength(1);
  });
});

describe('client address (BANYAN_TRUST_PROXY)', () => {
  const attempt = (app: FastifyInstance, i: number, remoteAddress: string, forwardedFor: string) =>
    app.inject({ method: 'POST', url: '/api/auth/login', remoteAddress, headers: { 'x-forwarded-for': forwardedFor }, payload: { username: `xff_${remoteAddress}_${i}`, password: 'x' } });
  const auditedIp = async (username: string) =>
    (await ctx.db.selectFrom('audit_log').select('ip').where('actor_name', '=', username).where('action', '=', 'login_failed').executeTakeFirstOrThrow()).ip;

  it('believes X-Forwarded-For from no one by default: the login rate limit and the audit log see the real address', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 31; i++) statuses.push((await attempt(ctx.app, i, '10.7.7.1', `10.9.9.${i + 1}`)).statusCode);
    expect(statuses.slice(0, 30).every((s) => s === 401)).toBe(true);
    expect(statuses[30]).toBe(429);
    expect(await auditedIp('xff_10.7.7.1_0')).toBe('10.7.7.1');
  });

  it('believes it from the proxies the setting names, and from them only', async () => {
    const app = await appTrusting(['10.7.7.2', '10.6.0.0/16']);
    const statuses: number[] = [];
    for (let i = 0; i < 31; i++) statuses.push((await attempt(app, i, '10.7.7.2', `10.9.9.${i + 1}`)).statusCode);
    expect(statuses.every((s) => s === 401)).toBe(true);
    expect(await auditedIp('xff_10.7.7.2_0')).toBe('10.9.9.1');
    expect((await attempt(app, 0, '10.6.1.2', '10.9.8.7')).statusCode).toBe(401);
    expect(await auditedIp('xff_10.6.1.2_0')).toBe('10.9.8.7');
    // A client that is no proxy named cannot choose its address.
    expect((await attempt(app, 0, '10.5.5.5', '10.9.9.9')).statusCode).toBe(401);
    expect(await auditedIp('xff_10.5.5.5_0')).toBe('10.5.5.5');
  });
});

describe('platform', () => {
  it('answers health to anyone, and metrics to the system administrator (platform/__tests__/metrics.test.ts)', async () => {
    expect((await ctx.app.inject({ url: '/api/health' })).json()).toEqual({ status: 'ok' });
    expect((await ctx.app.inject({ url: '/metrics' })).statusCode).toBe(401);
    const admin = await tryLogin('admin', PASSWORD, '10.3.3.10');
    const m = await ctx.app.inject({ url: '/metrics', headers: { cookie: `banyan_session=${admin.cookies[0].value}` } });
    expect(m.body).toContain('banyan_http_request_duration_seconds');
  });

  it('serves the OpenAPI document', async () => {
    const doc = (await ctx.app.inject({ url: '/api/docs/json' })).json();
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/api/customers', '/api/customers/{customerNo}', '/api/auth/login']));
  });
});
