import type { FastifyInstance } from 'fastify';
import { bankDate } from '../../platform/bank-time.ts';
import { actorOf, currentUser, requireUser } from '../../platform/auth.ts';
import { audit } from '../../platform/audit.ts';
import { typed } from '../../platform/context.ts';
import { requestLang } from '../../platform/errors.ts';
import { sendXlsx } from '../../platform/xlsx.ts';
import * as estimates from './integration.estimate.ts';
import * as service from './integration.service.ts';
import { DecisionBody, DetachBody, EstimateQuery, FailedQuery, IdParams, MergeBody, MergeQuery, ModelPatch, ProposeBody, ResolveBody, RetryBody, ReviewQuery, UnmergeBody, VersionParams } from './integration.schemas.ts';

const ID_KINDS: Record<string, { zh: string; en: string }> = {
  resident_id: { zh: '居民身份证', en: 'resident ID' }, uscc: { zh: '统一社会信用代码', en: 'unified social credit code' }, passport: { zh: '护照', en: 'passport' },
};

/**
 * The engine's conflict (`different valid resident_id numbers`, `same valid uscc number, different name`) in the
 * export's language; any other text as it is.
 */
export function conflictLabel(conflict: string | null, lang: 'zh' | 'en'): string {
  if (!conflict) return '';
  const kind = (k: string) => ID_KINDS[k]?.[lang] ?? k;
  let m = /^different valid (\w+) numbers$/.exec(conflict);
  if (m) return lang === 'zh' ? `两个不同的有效${kind(m[1]!)}号码` : `Two different valid ${kind(m[1]!)} numbers`;
  m = /^same valid (\w+) number, different name$/.exec(conflict);
  if (m) return lang === 'zh' ? `同一有效${kind(m[1]!)}号码，姓名不同` : `The same valid ${kind(m[1]!)} number under another name`;
  return conflict;
}

/** Customer information integration (I3–I6): review queue, merge/unmerge, lineage, match model. */
export async function integrationRoutes(fastify: FastifyInstance) {
  const app = typed(fastify);
  const tags = ['integration'];
  const review = requireUser('customer:read', 'integration:review');
  const manage = requireUser('integration:manage');
  // Estimates an admin requests run in the background on this server: a stop aborts them (each goes back to the queue,
  // nothing saved) and waits for them to let go.
  const stopping = new AbortController();
  const estimating = new Set<Promise<unknown>>();
  fastify.addHook('onClose', async () => {
    stopping.abort();
    await Promise.allSettled(estimating);
  });

  app.get('/api/integration/reviews', { schema: { tags, querystring: ReviewQuery }, preHandler: review }, async (req) =>
    service.listReviews(app.db, currentUser(req), req.query));

  app.get('/api/integration/reviews/export', { schema: { tags, querystring: ReviewQuery }, preHandler: requireUser('customer:read', 'integration:review', 'customer:export') }, async (req, reply) => {
    const user = currentUser(req);
    const zh = requestLang(req) === 'zh';
    const status = req.query.status ?? 'pending';
    const names = { pending: zh ? '待审核' : 'Pending', confirmed: zh ? '已合并' : 'Merged', rejected: zh ? '已判定不同' : 'Different' };
    const count = await sendXlsx(reply, `merge-reviews-${bankDate()}.xlsx`, zh ? '合并审核' : 'Merge reviews', [
      { header: zh ? '编号' : 'No.', key: 'id', width: 8 },
      { header: zh ? '状态' : 'Status', key: 'status', width: 10 },
      { header: zh ? '客户号 A' : 'Customer no. A', key: 'aNo', width: 14 },
      { header: zh ? '名称 A' : 'Name A', key: 'aName', width: 20 },
      { header: zh ? '客户号 B' : 'Customer no. B', key: 'bNo', width: 14 },
      { header: zh ? '名称 B' : 'Name B', key: 'bName', width: 20 },
      { header: zh ? '匹配概率' : 'Probability', key: 'p', width: 12, numFmt: '0.0000' },
      { header: zh ? '证件冲突' : 'ID conflict', key: 'conflict', width: 24 },
      { header: zh ? '优先级（资产，元）' : 'Priority (AUM, CNY)', key: 'aum', width: 16, numFmt: '#,##0.00' },
      { header: zh ? '负责客户经理' : 'Manager', key: 'manager', width: 12 },
      { header: zh ? '提出时间' : 'Raised', key: 'at', width: 20 },
    ], async function* () {
      for (let page = 1; page <= 100; page++) {
        const r = await service.listReviews(app.db, user, { status, mine: req.query.mine, page, pageSize: 200 });
        for (const x of r.items) {
          yield {
            id: x.id, status: names[x.status], aNo: x.a.customerNo, aName: x.a.name, bNo: x.b.customerNo, bName: x.b.name, p: x.probability ?? '',
            conflict: conflictLabel(x.conflict, zh ? 'zh' : 'en'), aum: Number(x.priorityFen) / 100, manager: x.managerName ?? '', at: x.createdAt.toISOString().replace('T', ' ').slice(0, 19),
          };
        }
        if (r.items.length < 200) break;
      }
    });
    await app.db.transaction().execute((trx) => audit(trx, actorOf(req), { action: 'export', entity: 'match_review', fields: ['list'], changes: { filter: req.query, rows: count } }));
    return reply;
  });

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

  // A wrong automatic attachment undone (split): the record becomes, or joins, another customer; remembered as "not the same".
  app.post('/api/integration/records/:id/detach', { schema: { tags, params: IdParams, body: DetachBody }, preHandler: review }, async (req) =>
    service.detachRecord(app.db, currentUser(req), actorOf(req), req.params.id, req.body));

  app.get('/api/integration/model', { schema: { tags }, preHandler: requireUser('customer:read') }, async () => service.getModel(app.db));

  app.put('/api/integration/model', { schema: { tags, body: ModelPatch }, preHandler: manage }, async (req) =>
    service.saveModel(app.db, currentUser(req), actorOf(req), req.body));

  // A saved version as it was saved (a draft to compare with the active one), and making it the active one (a draft, or a rollback).
  app.get('/api/integration/model/versions/:version', { schema: { tags, params: VersionParams }, preHandler: requireUser('customer:read') }, async (req) =>
    service.getModelVersion(app.db, req.params.version));

  app.post('/api/integration/model/versions/:version/activate', { schema: { tags, params: VersionParams }, preHandler: manage }, async (req) =>
    service.activateModel(app.db, actorOf(req), req.params.version));

  // Estimating the model from the source records takes a while: queued and run in the background (202), polled by id.
  app.post('/api/integration/model/estimates', { schema: { tags }, preHandler: manage }, async (req, reply) => {
    const r = await estimates.requestEstimate(app.db, currentUser(req), actorOf(req));
    if (r.created) {
      const run = estimates.runEstimate(app.db, r.estimate.id, stopping.signal)
        .catch((err) => req.log.error({ err }, 'match model estimate'))
        .finally(() => estimating.delete(run));
      estimating.add(run);
    }
    return reply.status(202).send(r);
  });

  app.get('/api/integration/model/estimates', { schema: { tags, querystring: EstimateQuery }, preHandler: manage }, async (req) =>
    estimates.listEstimates(app.db, req.query.limit));

  app.get('/api/integration/model/estimates/:id', { schema: { tags, params: IdParams }, preHandler: manage }, async (req) =>
    estimates.getEstimate(app.db, req.params.id));

  // Re-run resolution of pending records (the loads call the service directly; this is for operators).
  app.post('/api/integration/resolve', { schema: { tags, body: ResolveBody }, preHandler: manage }, async (req) =>
    service.resolveSourceRecords(app.db, actorOf(req), req.body.recordIds));

  // Source records whose resolution failed (the error kept with each), and trying them again once the cause is fixed.
  app.get('/api/integration/failed-records', { schema: { tags, querystring: FailedQuery }, preHandler: manage }, async (req) =>
    service.listFailed(app.db, req.query));

  app.post('/api/integration/failed-records/retry', { schema: { tags, body: RetryBody }, preHandler: manage }, async (req) =>
    service.retryFailed(app.db, actorOf(req), req.body.recordIds));
}
