import type { FastifyInstance } from 'fastify';
import { bankDate } from '../../platform/bank-time.ts';
import { Type } from '@sinclair/typebox';
import { actorOf, currentUser, requireUser } from '../../platform/auth.ts';
import { audit, auditMany } from '../../platform/audit.ts';
import { typed } from '../../platform/context.ts';
import { requestLang } from '../../platform/errors.ts';
import { sendXlsx } from '../../platform/xlsx.ts';
import { maskValue } from '../../../engines/identity/index.ts';
import * as repo from './customers.repository.ts';
import * as service from './customers.service.ts';

/** Customer statuses as the export's readers call them. */
const STATUS_NAMES: Record<string, { zh: string; en: string }> = {
  potential: { zh: '潜在', en: 'Potential' }, active: { zh: '活跃', en: 'Active' }, dormant: { zh: '休眠', en: 'Dormant' }, churned: { zh: '流失', en: 'Churned' },
};
import {
  CustomerInput, CustomerNoParams, CustomerPatch, DeleteBody, KeyPersonBody, RelationBody, SearchQuery, TransferBody, UnmaskBody,
} from './customers.schemas.ts';

export async function customersRoutes(fastify: FastifyInstance) {
  const app = typed(fastify);
  const tags = ['customers'];

  app.get('/api/customers/meta', { schema: { tags }, preHandler: requireUser('customer:read') }, async () => service.meta(app.db));

  app.get('/api/customers', { schema: { tags, querystring: SearchQuery }, preHandler: requireUser('customer:read') }, async (req) =>
    service.search(app.db, currentUser(req), actorOf(req), req.query));

  app.get('/api/customers/export', { schema: { tags, querystring: SearchQuery }, preHandler: requireUser('customer:read', 'customer:export') }, async (req, reply) => {
    const user = currentUser(req);
    // Who asked, and from where, taken now: once the file has streamed out the client may have closed the
    // connection, and the request's address went with its socket.
    const actor = actorOf(req);
    const clear = service.seesClear(user);
    const rules = await service.maskingRules(app.db);
    const lang = requestLang(req);
    const filter = service.exportFilter(req.query);
    // Mobiles in clear are personal data read: each customer whose mobile the file holds gets a read in the audit log.
    const read: { id: number; no: string }[] = [];
    const count = await sendXlsx(reply, `customers-${bankDate()}.xlsx`, lang === 'zh' ? '客户' : 'Customers', [
      { header: lang === 'zh' ? '客户号' : 'Customer no.', key: 'customerNo', width: 14 },
      { header: lang === 'zh' ? '名称' : 'Name', key: 'name', width: 28 },
      { header: lang === 'zh' ? '类型' : 'Type', key: 'type', width: 14 },
      { header: lang === 'zh' ? '状态' : 'Status', key: 'status', width: 10 },
      { header: lang === 'zh' ? '等级' : 'Level', key: 'level', width: 10 },
      { header: lang === 'zh' ? '机构' : 'Org unit', key: 'org', width: 22 },
      { header: lang === 'zh' ? '客户经理' : 'Manager', key: 'manager', width: 12 },
      { header: lang === 'zh' ? '手机' : 'Mobile', key: 'mobile', width: 16 },
      { header: lang === 'zh' ? '资产(元)' : 'AUM (CNY)', key: 'aum', width: 16, numFmt: '#,##0.00' },
    ], async function* () {
      for await (const r of repo.exportCustomers(app.db, user, filter)) {
        if (clear && r.mobile) read.push({ id: r.id, no: r.customer_no });
        yield {
          customerNo: r.customer_no, name: r.name, type: lang === 'zh' ? r.type_name : r.type_name_en, status: STATUS_NAMES[r.status]?.[lang] ?? r.status,
          level: (lang === 'zh' ? r.level_name : r.level_name_en) ?? '', org: lang === 'zh' ? r.org_name : r.org_name_en, manager: r.manager_name ?? '',
          mobile: r.mobile ? (clear ? r.mobile : maskValue(r.mobile, rules.mobile)) : '', aum: Number(r.aum_fen) / 100,
        };
      }
    });
    await app.db.transaction().execute(async (trx) => {
      await audit(trx, actor, { action: 'export', entity: 'customer', fields: ['list'], changes: { filter: req.query, rows: count, masked: !clear } });
      await auditMany(trx, actor, read.map((c) => ({ action: 'read', entity: 'customer', entityId: c.no, customerId: c.id, fields: ['mobile'], changes: { via: 'export' } })));
    });
    return reply;
  });

  app.post('/api/customers/:customerNo/restore', { schema: { tags, params: CustomerNoParams, body: DeleteBody }, preHandler: requireUser('customer:write') }, async (req) =>
    service.restore(app.db, currentUser(req), actorOf(req), req.params.customerNo, req.body.reason));

  app.get('/api/customers/:customerNo/deletion-check', {
    schema: { tags, params: CustomerNoParams, description: 'Whether the customer may be deleted now, and what keeps it (open accounts, non-zero balances). 能否删除客户及原因。' },
    preHandler: requireUser('customer:write'),
  }, async (req) => service.deletionCheck(app.db, currentUser(req), req.params.customerNo));

  app.get('/api/customers/:customerNo', { schema: { tags, params: CustomerNoParams }, preHandler: requireUser('customer:read') }, async (req) =>
    service.view360(app.db, currentUser(req), actorOf(req), req.params.customerNo));

  app.post('/api/customers', { schema: { tags, body: CustomerInput }, preHandler: requireUser('customer:write') }, async (req, reply) =>
    reply.status(201).send(await service.create(app.db, currentUser(req), actorOf(req), req.body)));

  app.patch('/api/customers/:customerNo', { schema: { tags, params: CustomerNoParams, body: CustomerPatch }, preHandler: requireUser('customer:write') }, async (req) =>
    service.update(app.db, currentUser(req), actorOf(req), req.params.customerNo, req.body));

  app.delete('/api/customers/:customerNo', { schema: { tags, params: CustomerNoParams, body: DeleteBody }, preHandler: requireUser('customer:write') }, async (req, reply) => {
    await service.remove(app.db, currentUser(req), actorOf(req), req.params.customerNo, req.body.reason);
    return reply.status(204).send();
  });

  app.post('/api/customers/:customerNo/manager', { schema: { tags, params: CustomerNoParams, body: TransferBody }, preHandler: requireUser('customer:assign') }, async (req) =>
    service.transfer(app.db, currentUser(req), actorOf(req), req.params.customerNo, req.body.managerId, req.body.reason));

  app.post('/api/customers/:customerNo/unmask', { schema: { tags, params: CustomerNoParams, body: UnmaskBody }, preHandler: requireUser('customer:read') }, async (req) =>
    service.unmask(app.db, currentUser(req), actorOf(req), req.params.customerNo, req.body.kind, req.body.id));

  app.post('/api/customers/:customerNo/relations', { schema: { tags, params: CustomerNoParams, body: RelationBody }, preHandler: requireUser('customer:write') }, async (req, reply) =>
    reply.status(201).send(await service.addRelation(app.db, currentUser(req), actorOf(req), req.params.customerNo, req.body.relatedCustomerNo, req.body.typeCode, req.body.note ?? null)));

  app.post('/api/customers/:customerNo/key-persons', { schema: { tags, params: CustomerNoParams, body: KeyPersonBody }, preHandler: requireUser('customer:write') }, async (req, reply) =>
    reply.status(201).send(await service.addKeyPerson(app.db, currentUser(req), actorOf(req), req.params.customerNo, req.body)));

  app.delete('/api/customers/:customerNo/key-persons/:id', {
    schema: { tags, params: Type.Intersect([CustomerNoParams, Type.Object({ id: Type.Integer({ minimum: 1 }) })]) }, preHandler: requireUser('customer:write'),
  }, async (req, reply) => {
    await service.removeKeyPerson(app.db, currentUser(req), actorOf(req), req.params.customerNo, req.params.id);
    return reply.status(204).send();
  });

  app.delete('/api/customers/:customerNo/relations/:id', {
    schema: { tags, params: Type.Intersect([CustomerNoParams, Type.Object({ id: Type.Integer({ minimum: 1 }) })]) }, preHandler: requireUser('customer:write'),
  }, async (req, reply) => {
    await service.endRelation(app.db, currentUser(req), actorOf(req), req.params.customerNo, req.params.id);
    return reply.status(204).send();
  });
}
