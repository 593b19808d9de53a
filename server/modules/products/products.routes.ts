import type { FastifyInstance } from 'fastify';
import { actorOf, currentUser, requireUser } from '../../platform/auth.ts';
import { audit } from '../../platform/audit.ts';
import { typed } from '../../platform/context.ts';
import { requestLang } from '../../platform/errors.ts';
import { sendXlsx } from '../../platform/xlsx.ts';
import * as repo from './products.repository.ts';
import * as service from './products.service.ts';
import {
  CATEGORIES, CodeParams, CustomerNoParams, DOCUMENT_KINDS, DocumentInput, DocumentPatch, ItemParams, ListQuery, MATRIX_DIMENSIONS, MatrixQuery,
  PRODUCT_STATUSES, ProductInput, ProductPatch, ProspectsQuery, RISK_RATINGS, SCRIPT_SCENARIOS, ScriptInput, ScriptPatch,
} from './products.schemas.ts';

const CATEGORY_NAMES: Record<string, { zh: string; en: string }> = {
  deposit: { zh: '存款', en: 'Deposits' }, loan: { zh: '贷款', en: 'Loans' }, card: { zh: '银行卡', en: 'Cards' }, wealth: { zh: '理财', en: 'Wealth' },
  fund: { zh: '基金', en: 'Funds' }, insurance: { zh: '代销保险', en: 'Insurance (agency)' }, other: { zh: '其他', en: 'Other' },
};
const STATUS_NAMES: Record<string, { zh: string; en: string }> = {
  active: { zh: '在售', en: 'Active' }, suspended: { zh: '暂停销售', en: 'Suspended' }, retired: { zh: '已停售', en: 'Retired' },
};

/** Product catalogue, knowledge (documents, sales scripts), holdings and product–customer association (S5). */
export async function productsRoutes(fastify: FastifyInstance) {
  const app = typed(fastify);
  const tags = ['products'];
  const read = requireUser('customer:read');
  const manage = requireUser('product:manage');

  app.get('/api/products/meta', { schema: { tags }, preHandler: read }, async () => ({
    categories: CATEGORIES, riskRatings: RISK_RATINGS, statuses: PRODUCT_STATUSES, documentKinds: DOCUMENT_KINDS, scriptScenarios: SCRIPT_SCENARIOS,
    matrixDimensions: MATRIX_DIMENSIONS, ratingRequired: [...service.RATING_REQUIRED], ratingAllowed: [...service.RATING_ALLOWED],
  }));

  app.get('/api/products', { schema: { tags, querystring: ListQuery }, preHandler: read }, async (req) => service.list(app.db, req.query));

  app.get('/api/products/export', { schema: { tags, querystring: ListQuery }, preHandler: read }, async (req, reply) => {
    const lang = requestLang(req);
    const zh = lang === 'zh';
    const count = await sendXlsx(reply, `products-${service.bankDate()}.xlsx`, zh ? '产品目录' : 'Products', [
      { header: zh ? '产品代码' : 'Code', key: 'code', width: 22 },
      { header: zh ? '名称' : 'Name', key: 'name', width: 28 },
      { header: zh ? '类别' : 'Category', key: 'category', width: 12 },
      { header: zh ? '风险等级' : 'Risk rating', key: 'risk', width: 10 },
      { header: zh ? '状态' : 'Status', key: 'status', width: 10 },
      { header: zh ? '期限(天)' : 'Term (days)', key: 'term', width: 10 },
      { header: zh ? '起点金额(元)' : 'Minimum (CNY)', key: 'min', width: 14, numFmt: '#,##0.00' },
      { header: zh ? '利率/业绩基准(%)' : 'Rate / benchmark (%)', key: 'rate', width: 14 },
      { header: zh ? '目标客群' : 'Target segment', key: 'segment', width: 24 },
      { header: zh ? '上市日期' : 'Launched', key: 'launch', width: 12 },
      { header: zh ? '停售日期' : 'Retires', key: 'retire', width: 12 },
    ], async function* () {
      for await (const p of repo.streamProducts(app.db, service.filterOf(req.query))) {
        yield {
          code: p.code, name: zh ? p.name : p.name_en, category: CATEGORY_NAMES[p.category]?.[lang] ?? p.category, risk: p.risk_rating ?? '',
          status: STATUS_NAMES[p.status]?.[lang] ?? p.status, term: p.term_days ?? '', min: p.min_amount_fen === null ? '' : Number(p.min_amount_fen) / 100,
          rate: p.rate_pct ?? '', segment: p.target_segment ?? '', launch: p.launch_on ?? '', retire: p.retire_on ?? '',
        };
      }
    });
    await app.db.transaction().execute((trx) => audit(trx, actorOf(req), { action: 'export', entity: 'product', fields: ['list'], changes: { filter: req.query, rows: count } }));
    return reply;
  });

  app.get('/api/products/matrix', { schema: { tags, querystring: MatrixQuery }, preHandler: read }, async (req) =>
    service.matrix(app.db, currentUser(req), req.query));

  app.get('/api/products/:code', { schema: { tags, params: CodeParams }, preHandler: read }, async (req) =>
    service.detail(app.db, currentUser(req), req.params.code));

  app.get('/api/products/:code/prospects', { schema: { tags, params: CodeParams, querystring: ProspectsQuery }, preHandler: read }, async (req) =>
    service.prospects(app.db, currentUser(req), req.params.code, req.query));

  // The likely-customers list for marketing follow-up: customer data, so customer:export and an audit row.
  app.get('/api/products/:code/prospects/export', {
    schema: { tags, params: CodeParams, querystring: ProspectsQuery }, preHandler: requireUser('customer:read', 'customer:export'),
  }, async (req, reply) => {
    const lang = requestLang(req);
    const zh = lang === 'zh';
    const result = await service.prospects(app.db, currentUser(req), req.params.code, { ...req.query, limit: req.query.limit ?? 200 });
    const pct = (x: number) => Math.round(x * 1000) / 10;
    const count = await sendXlsx(reply, `prospects-${req.params.code}-${result.asOf}.xlsx`, zh ? '潜在客户' : 'Likely customers', [
      { header: zh ? '客户号' : 'Customer no.', key: 'customerNo', width: 14 },
      { header: zh ? '名称' : 'Name', key: 'name', width: 24 },
      { header: zh ? '等级' : 'Level', key: 'level', width: 10 },
      { header: zh ? '风险承受能力' : 'Risk tolerance', key: 'risk', width: 12 },
      { header: zh ? '资产(元)' : 'AUM (CNY)', key: 'aum', width: 16, numFmt: '#,##0.00' },
      { header: zh ? '客户经理' : 'Manager', key: 'manager', width: 12 },
      { header: zh ? '购买可能性(%)' : 'Likelihood (%)', key: 'score', width: 12 },
      { header: zh ? '提升度' : 'Lift', key: 'lift', width: 8 },
      { header: zh ? '推荐理由' : 'Why', key: 'why', width: 60 },
    ], async function* () {
      for (const c of result.candidates) {
        yield {
          customerNo: c.customerNo, name: c.name, level: (zh ? c.levelName : c.levelNameEn) ?? '', aum: c.aumFen / 100, manager: c.managerName ?? '',
          risk: c.riskTolerance ?? (c.needsRiskAssessment ? (zh ? '需先测评' : 'assess first') : ''), score: pct(c.score), lift: c.lift,
          why: c.reasons.map((r) => `${r.labels.map((l) => l[lang]).join(zh ? ' 且 ' : ' and ')} (${pct(r.confidence)}%, lift ${r.lift})`).join('; '),
        };
      }
    });
    await app.db.transaction().execute((trx) => audit(trx, actorOf(req), { action: 'export', entity: 'product', entityId: req.params.code, fields: ['prospects'], changes: { rows: count } }));
    return reply;
  });

  app.post('/api/products', { schema: { tags, body: ProductInput }, preHandler: manage }, async (req, reply) =>
    reply.status(201).send(await service.create(app.db, actorOf(req), req.body)));

  app.patch('/api/products/:code', { schema: { tags, params: CodeParams, body: ProductPatch }, preHandler: manage }, async (req) =>
    service.update(app.db, actorOf(req), req.params.code, req.body));

  app.post('/api/products/:code/documents', { schema: { tags, params: CodeParams, body: DocumentInput }, preHandler: manage }, async (req, reply) =>
    reply.status(201).send(await service.addDocument(app.db, actorOf(req), req.params.code, req.body)));

  app.patch('/api/products/:code/documents/:id', { schema: { tags, params: ItemParams, body: DocumentPatch }, preHandler: manage }, async (req) =>
    service.updateDocument(app.db, actorOf(req), req.params.code, req.params.id, req.body));

  app.delete('/api/products/:code/documents/:id', { schema: { tags, params: ItemParams }, preHandler: manage }, async (req, reply) => {
    await service.removeDocument(app.db, actorOf(req), req.params.code, req.params.id);
    return reply.status(204).send();
  });

  app.post('/api/products/:code/scripts', { schema: { tags, params: CodeParams, body: ScriptInput }, preHandler: manage }, async (req, reply) =>
    reply.status(201).send(await service.addScript(app.db, actorOf(req), req.params.code, req.body)));

  app.patch('/api/products/:code/scripts/:id', { schema: { tags, params: ItemParams, body: ScriptPatch }, preHandler: manage }, async (req) =>
    service.updateScript(app.db, actorOf(req), req.params.code, req.params.id, req.body));

  app.delete('/api/products/:code/scripts/:id', { schema: { tags, params: ItemParams }, preHandler: manage }, async (req, reply) => {
    await service.removeScript(app.db, actorOf(req), req.params.code, req.params.id);
    return reply.status(204).send();
  });

  app.get('/api/customers/:customerNo/holdings', { schema: { tags: ['products', 'customers'], params: CustomerNoParams }, preHandler: read }, async (req) =>
    service.holdings(app.db, currentUser(req), actorOf(req), req.params.customerNo));
}
