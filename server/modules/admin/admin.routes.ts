import type { FastifyInstance } from 'fastify';
import { bankDate } from '../../platform/bank-time.ts';
import { actorOf, can, currentUser, requireUser } from '../../platform/auth.ts';
import { audit } from '../../platform/audit.ts';
import { typed } from '../../platform/context.ts';
import { PERMISSIONS } from '../../platform/permissions.ts';
import { sendXlsx } from '../../platform/xlsx.ts';
import { AUDIT_ACTION_NAMES, AUDIT_ENTITY_NAMES, AUDIT_FIELD_NAMES, auditName } from '../../../engines/audit/labels.ts';
import { JOB_TIME_ZONE } from '../../platform/jobs.ts';
import * as repo from './admin.repository.ts';
import * as service from './admin.service.ts';
import { AuditQuery, IdParams, OrgInput, OrgPatch, PasswordReset, RoleInput, RolePatch, UserInput, UserPatch, UserQuery } from './admin.schemas.ts';

/** Times in the export as the bank reads them: its own time zone, 2026-12-07 21:19:45. */
const BANK_TIME = new Intl.DateTimeFormat('sv-SE', { timeZone: JOB_TIME_ZONE, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' });

export async function adminRoutes(fastify: FastifyInstance) {
  const app = typed(fastify);
  const tags = ['admin'];

  app.get('/api/admin/orgs', { schema: { tags }, preHandler: requireUser() }, async (req) => service.orgTree(app.db, currentUser(req)));
  app.post('/api/admin/orgs', { schema: { tags, body: OrgInput }, preHandler: requireUser('admin:org') }, async (req, reply) =>
    reply.status(201).send(await service.createOrg(app.db, actorOf(req), req.body)));
  app.patch('/api/admin/orgs/:id', { schema: { tags, params: IdParams, body: OrgPatch }, preHandler: requireUser('admin:org') }, async (req, reply) => {
    await service.updateOrg(app.db, actorOf(req), req.params.id, req.body);
    return reply.status(204).send();
  });
  app.delete('/api/admin/orgs/:id', { schema: { tags, params: IdParams }, preHandler: requireUser('admin:org') }, async (req, reply) => {
    await service.deleteOrg(app.db, actorOf(req), req.params.id);
    return reply.status(204).send();
  });

  app.get('/api/admin/users', { schema: { tags, querystring: UserQuery }, preHandler: requireUser('admin:user') }, async (req) => service.listUsers(app.db, req.query));
  app.post('/api/admin/users', { schema: { tags, body: UserInput }, preHandler: requireUser('admin:user') }, async (req, reply) =>
    reply.status(201).send(await service.createUser(app.db, actorOf(req), req.body, { mustChangePassword: true })));
  app.patch('/api/admin/users/:id', { schema: { tags, params: IdParams, body: UserPatch }, preHandler: requireUser('admin:user') }, async (req, reply) => {
    await service.updateUser(app.db, currentUser(req), actorOf(req), req.params.id, req.body);
    return reply.status(204).send();
  });
  app.post('/api/admin/users/:id/reset-password', { schema: { tags, params: IdParams, body: PasswordReset }, preHandler: requireUser('admin:user') }, async (req, reply) => {
    await service.resetPassword(app.db, actorOf(req), req.params.id, req.body.password);
    return reply.status(204).send();
  });
  app.post('/api/admin/users/:id/unlock', { schema: { tags, params: IdParams }, preHandler: requireUser('admin:user') }, async (req, reply) => {
    await service.unlockUser(app.db, actorOf(req), req.params.id);
    return reply.status(204).send();
  });

  app.get('/api/admin/roles', { schema: { tags }, preHandler: requireUser('admin:role') }, async () => ({ items: await service.listRoles(app.db), permissions: PERMISSIONS }));
  app.post('/api/admin/roles', { schema: { tags, body: RoleInput }, preHandler: requireUser('admin:role') }, async (req, reply) =>
    reply.status(201).send(await service.createRole(app.db, actorOf(req), req.body)));
  app.patch('/api/admin/roles/:id', { schema: { tags, params: IdParams, body: RolePatch }, preHandler: requireUser('admin:role') }, async (req, reply) => {
    await service.updateRole(app.db, actorOf(req), req.params.id, req.body);
    return reply.status(204).send();
  });

  app.get('/api/admin/audit', { schema: { tags, querystring: AuditQuery }, preHandler: requireUser('audit:read') }, async (req) => service.searchAudit(app.db, currentUser(req), req.query));
  app.get('/api/admin/audit/export', { schema: { tags, querystring: AuditQuery }, preHandler: requireUser('audit:read', 'audit:export') }, async (req, reply) => {
    service.checkAuditRange(req.query);
    const zh = !req.headers['accept-language']?.startsWith('en');
    const lang = zh ? 'zh-CN' : 'en-US';
    // The export itself is recorded first, so even an interrupted download leaves a trace.
    await app.db.transaction().execute((trx) => audit(trx, actorOf(req), { action: 'export', entity: 'audit_log', changes: { filter: req.query } }));
    await sendXlsx(reply, `audit-${bankDate()}.xlsx`, zh ? '审计日志' : 'Audit log', [
      { header: zh ? '时间' : 'Time', key: 'at', width: 22 },
      { header: zh ? '操作人' : 'User', key: 'actorName', width: 14 },
      { header: zh ? '操作' : 'Action', key: 'action', width: 12 },
      { header: zh ? '对象' : 'Entity', key: 'entity', width: 14 },
      { header: zh ? '对象编号' : 'Entity id', key: 'entityId', width: 14 },
      { header: zh ? '客户号' : 'Customer no.', key: 'customerNo', width: 14 },
      { header: zh ? '客户名称' : 'Customer', key: 'customerName', width: 20 },
      { header: zh ? '字段' : 'Fields', key: 'fields', width: 30 },
      { header: zh ? '变更' : 'Changes', key: 'changes', width: 60 },
      { header: 'IP', key: 'ip', width: 16 },
    ], async function* () {
      for await (const r of repo.streamAudit(app.db, req.query)) {
        const p = service.presentAudit(r, can(currentUser(req), 'pii:view'));
        yield {
          ...p, at: BANK_TIME.format(p.at), action: auditName(AUDIT_ACTION_NAMES, lang, p.action), entity: auditName(AUDIT_ENTITY_NAMES, lang, p.entity),
          fields: p.fields.map((f) => auditName(AUDIT_FIELD_NAMES, lang, f)).join(', '), changes: p.changes == null ? '' : JSON.stringify(p.changes),
        };
      }
    });
    return reply;
  });
}
