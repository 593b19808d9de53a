import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type } from '@sinclair/typebox';
import { actorOf, authenticate, currentUser, requireSession, requireUser, SESSION_COOKIE, type CurrentUser } from '../../platform/auth.ts';
import { typed } from '../../platform/context.ts';
import { LoginBody, Me, PasswordBody, TokenBody } from './auth.schemas.ts';
import * as service from './auth.service.ts';
import * as repo from './auth.repository.ts';

export function toMe(u: CurrentUser) {
  return {
    id: u.id, username: u.username, displayName: u.displayName, orgId: u.orgId, orgName: u.orgName, orgNameEn: u.orgNameEn,
    roleCode: u.roleCode, roleName: u.roleName, roleNameEn: u.roleNameEn, dataScope: u.dataScope, permissions: [...u.permissions].sort(),
    mustChangePassword: u.mustChangePassword,
  };
}

const cookieOf = (req: FastifyRequest) => (req.cookies as Record<string, string | undefined>)[SESSION_COOKIE];

export async function authRoutes(fastify: FastifyInstance) {
  const app = typed(fastify);
  const policy = () => ({ ttlMinutes: app.config.sessionTtlMinutes, maxFailedLogins: app.config.maxFailedLogins, lockoutMinutes: app.config.lockoutMinutes });

  app.post('/api/auth/login', {
    schema: {
      tags: ['auth'], body: LoginBody, response: { 200: Type.Object({ user: Me, mustChangePassword: Type.Boolean() }) },
      description: 'Signs in. mustChangePassword: an administrator set the password; until POST /api/auth/password changes it, every other call but '
        + 'sign-out and /api/auth/me answers 403 passwordChangeRequired. 登录；mustChangePassword 为真时须先修改密码。',
    },
    config: { rateLimit: { max: 30, timeWindow: '1 minute' } },
  }, async (req, reply) => {
    const { token } = await service.login(app.db, policy(), req.body.username, req.body.password, req.ip, req.headers['user-agent'] ?? null);
    // A browser-session cookie (no Max-Age): the idle expiry is the server's, which slides the session on use
    // (platform/auth.ts authenticate). A Max-Age set here once would make the browser drop the cookie a fixed
    // time after sign-in however busy the user was; refreshing it would mean a Set-Cookie on every response.
    reply.setCookie(SESSION_COOKIE, token, { path: '/', httpOnly: true, sameSite: 'lax', secure: req.protocol === 'https' });
    // Resolve the user the same way every later request will.
    req.cookies[SESSION_COOKIE] = token;
    const user = await authenticate(app.db, req, app.config.sessionTtlMinutes);
    return { user: toMe(user!), mustChangePassword: user!.mustChangePassword };
  });

  app.post('/api/auth/logout', { schema: { tags: ['auth'] } }, async (req, reply) => {
    const token = cookieOf(req);
    if (token && req.user) await service.logout(app.db, actorOf(req), token);
    reply.clearCookie(SESSION_COOKIE, { path: '/' });
    return reply.status(204).send();
  });

  app.get('/api/auth/me', { schema: { tags: ['auth'], response: { 200: Me } }, preHandler: requireUser() }, async (req) => toMe(currentUser(req)));

  app.post('/api/auth/password', {
    schema: {
      tags: ['auth'], body: PasswordBody,
      description: 'Changes your own password: your other sessions end and every API token of yours is revoked. Needs a signed-in session (403 sessionRequired with a token). '
        + '修改本人密码：其他会话结束，本人全部 API 令牌被吊销。须以登录会话操作。',
    },
    preHandler: requireSession(),
  }, async (req, reply) => {
    const u = currentUser(req);
    await service.changePassword(app.db, policy(), { ...actorOf(req), userId: u.id }, req.body.currentPassword, req.body.newPassword, cookieOf(req));
    return reply.status(204).send();
  });

  app.get('/api/auth/tokens', { schema: { tags: ['auth'] }, preHandler: requireUser() }, async (req) => {
    const rows = await repo.listTokens(app.db, currentUser(req).id);
    return {
      items: rows.map((r) => ({ id: r.id, name: r.name, prefix: r.prefix, createdAt: r.created_at, expiresAt: r.expires_at, lastUsedAt: r.last_used_at, revokedAt: r.revoked_at })),
    };
  });

  app.post('/api/auth/tokens', {
    schema: {
      tags: ['auth'], body: TokenBody,
      description: 'Creates an API token. Needs a signed-in session: a token cannot mint tokens (403 sessionRequired). 创建 API 令牌，须以登录会话操作。',
    },
    preHandler: requireSession(),
  }, async (req, reply) => {
    const u = currentUser(req);
    const r = await service.createToken(app.db, { ...actorOf(req), userId: u.id }, req.body.name, req.body.expiresInDays);
    return reply.status(201).send(r);
  });

  app.delete('/api/auth/tokens/:id', { schema: { tags: ['auth'], params: Type.Object({ id: Type.Integer() }) }, preHandler: requireUser() }, async (req, reply) => {
    const u = currentUser(req);
    await service.revokeToken(app.db, { ...actorOf(req), userId: u.id }, req.params.id);
    return reply.status(204).send();
  });
}
