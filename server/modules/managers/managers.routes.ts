import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import { currentUser, requireUser } from '../../platform/auth.ts';
import { typed } from '../../platform/context.ts';
import * as repo from './managers.repository.ts';

export async function managersRoutes(fastify: FastifyInstance) {
  const app = typed(fastify);
  app.get('/api/managers', {
    schema: { tags: ['managers'], querystring: Type.Object({ orgId: Type.Optional(Type.Integer({ minimum: 1 })) }, { additionalProperties: false }) },
    preHandler: requireUser('customer:read'),
  }, async (req) => {
    const user = currentUser(req);
    // Managers a user may hand customers to: those inside the user's own reach.
    const path = user.dataScope === 'all' ? null : user.orgPath;
    const rows = await repo.listManagers(app.db, path, req.query.orgId);
    const items = (user.dataScope === 'own' || user.dataScope === 'org' ? rows.filter((r) => (user.dataScope === 'own' ? r.id === user.id : r.org_id === user.orgId)) : rows);
    return { items: items.map((r) => ({ id: r.id, username: r.username, displayName: r.display_name, orgId: r.org_id, orgName: r.org_name, managerLevel: r.manager_level })) };
  });
}
