import type { FastifyInstance } from 'fastify';
import { actorOf, currentUser, requireUser } from '../../platform/auth.ts';
import { typed } from '../../platform/context.ts';
import * as service from './integration.service.ts';
import { DecisionBody, IdParams, MergeBody, MergeQuery, ModelPatch, ProposeBody, ResolveBody, ReviewQuery, UnmergeBody } from './integration.schemas.ts';

/** Customer information integration (I3–I6): review queue, merge/unmerge, lineage, match model. */
export async function integrationRoutes(fastify: FastifyInstance) {
  const app = typed(fastify);
  const tags = ['integration'];
  const review = requireUser('customer:read', 'integration:review');
  const manage = requireUser('integration:manage');

  app.get('/api/integration/reviews', { schema: { tags, querystring: ReviewQuery }, preHandler: review }, async (req) =>
    service.listReviews(app.db, currentUser(req), req.query));

  app.get('/api/integration/reviews/:id', { schema: { tags, params: IdParams }, preHandler: review }, async (req) =>
    service.getReview(app.db, currentUser(req), actorOf(req), req.params.id));

  app.post('/api/integration/reviews/:id/decision', { schema: { tags, params: IdParams, body: DecisionBody }, preHandler: review }, async (req) =>
    service.decide(app.db, currentUser(req), actorOf(req), req.params.id, req.body));

  app.post('/api/integration/reviews', { schema: { tags, body: ProposeBody }, preHandler: review }, async (req, reply) => {
    const r = await service.propose(app.db, currentUser(req), actorOf(req), req.body);
    return reply.status(r.created ? 201 : 200).send(r);
  });

  app.get('/api/integration/merges', { schema: { tags, querystring: MergeQuery }, preHandler: review }, async (req) =>
    service.listMerges(app.db, currentUser(req), req.query.customerNo));

  app.post('/api/integration/merges', { schema: { tags, body: MergeBody }, preHandler: review }, async (req, reply) =>
    reply.status(201).send(await service.merge(app.db, currentUser(req), actorOf(req), req.body)));

  app.post('/api/integration/merges/:id/unmerge', { schema: { tags, params: IdParams, body: UnmergeBody }, preHandler: review }, async (req) =>
    service.unmerge(app.db, currentUser(req), actorOf(req), req.params.id, req.body.reason));

  app.get('/api/integration/model', { schema: { tags }, preHandler: requireUser('customer:read') }, async () => service.getModel(app.db));

  app.put('/api/integration/model', { schema: { tags, body: ModelPatch }, preHandler: manage }, async (req) =>
    service.saveModel(app.db, currentUser(req), actorOf(req), req.body));

  // Re-run resolution of pending records (the loads call the service directly; this is for operators).
  app.post('/api/integration/resolve', { schema: { tags, body: ResolveBody }, preHandler: manage }, async (req) =>
    service.resolveSourceRecords(app.db, actorOf(req), req.body.recordIds));
}
