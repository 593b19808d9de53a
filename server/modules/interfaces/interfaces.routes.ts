import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import multipart from '@fastify/multipart';
import ExcelJS from 'exceljs';
import type { FastifyInstance } from 'fastify';
import { actorOf, requireUser } from '../../platform/auth.ts';
import { audit } from '../../platform/audit.ts';
import { typed } from '../../platform/context.ts';
import { AppError, fieldError, invalid, requestLang } from '../../platform/errors.ts';
import { INVALID_ID_POLICY_NAMES, type Mapping } from '../../../engines/transform/index.ts';
import { fmtBytes } from './interfaces.readers.ts';
import * as service from './interfaces.service.ts';
import {
  CodeParams, ExportQuery, IdParams, InterfaceInput, InterfacePatch, ListInterfacesQuery, MappingInput, PageQuery, QuarantineDiscard, QuarantineFix,
  QuarantineQuery, ResubmitInput, SourceInput, SourcePatch, UnverifiedQuery, UploadQuery, VersionParams,
} from './interfaces.schemas.ts';
import { Type } from '@sinclair/typebox';

export type InterfacesRoutesOptions = { maxFileBytes?: number };

/** Data interface platform (P2, I1): sources, mappings, loads, quarantine, schedules. */
export async function interfacesRoutes(fastify: FastifyInstance, opts: InterfacesRoutesOptions = {}) {
  const app = typed(fastify);
  const tags = ['interfaces'];
  const manage = requireUser('interface:manage');
  const maxFileBytes = opts.maxFileBytes ?? app.config.importMaxBytes;
  // Uploads only here (encapsulated): one file per request, streamed to disk, never buffered whole.
  await app.register(multipart, { limits: { fileSize: maxFileBytes, files: 1, fields: 5 } });
  const uploads = path.join(app.config.home, 'imports');

  app.get('/api/interfaces/meta', { schema: { tags }, preHandler: manage }, async () => ({ ...service.meta(), landingRoot: app.config.landingRoot }));
  app.get('/api/interfaces/owners', { schema: { tags }, preHandler: manage }, async () => service.listOwners(app.db));

  // ---------------------------------------------------------------- sources
  app.get('/api/interfaces/sources', { schema: { tags }, preHandler: manage }, async () => service.listSources(app.db));
  app.get('/api/interfaces/sources/:code', { schema: { tags, params: CodeParams }, preHandler: manage }, async (req) => service.getSource(app.db, req.params.code));
  app.post('/api/interfaces/sources', { schema: { tags, body: SourceInput }, preHandler: manage }, async (req, reply) =>
    reply.status(201).send(await service.createSource(app.db, actorOf(req), req.body)));
  app.patch('/api/interfaces/sources/:code', { schema: { tags, params: CodeParams, body: SourcePatch }, preHandler: manage }, async (req) =>
    service.updateSource(app.db, actorOf(req), req.params.code, req.body));

  // ---------------------------------------------------------------- interfaces and mappings
  app.get('/api/interfaces', { schema: { tags, querystring: ListInterfacesQuery }, preHandler: manage }, async (req) => service.listInterfaces(app.db, req.query.sourceCode));
  app.post('/api/interfaces', { schema: { tags, body: InterfaceInput }, preHandler: manage }, async (req, reply) =>
    reply.status(201).send(await service.createInterface(app.db, actorOf(req), req.body, app.config.landingRoot)));
  app.get('/api/interfaces/:id', { schema: { tags, params: IdParams }, preHandler: manage }, async (req) => service.getInterface(app.db, req.params.id));
  app.patch('/api/interfaces/:id', { schema: { tags, params: IdParams, body: InterfacePatch }, preHandler: manage }, async (req) =>
    service.updateInterface(app.db, actorOf(req), req.params.id, req.body, app.config.landingRoot));

  app.get('/api/interfaces/:id/mappings', { schema: { tags, params: IdParams }, preHandler: manage }, async (req) => service.mappingVersions(app.db, req.params.id));
  app.post('/api/interfaces/:id/mappings', { schema: { tags, params: IdParams, body: MappingInput }, preHandler: manage }, async (req, reply) =>
    reply.status(201).send(await service.saveMapping(app.db, actorOf(req), req.params.id, req.body)));

  app.get('/api/interfaces/:id/mappings/:version/export', { schema: { tags, params: VersionParams, querystring: ExportQuery }, preHandler: manage }, async (req, reply) => {
    const m = await service.getMappingVersion(app.db, req.params.id, req.params.version);
    const base = `mapping-${m.interface.code}-v${m.version}`;
    await app.db.transaction().execute((trx) => audit(trx, actorOf(req), { action: 'export', entity: 'interface_mapping', entityId: `${req.params.id}:${m.version}`, changes: { format: req.query.format ?? 'json' } }));
    if ((req.query.format ?? 'json') === 'json') {
      return reply.header('content-type', 'application/json; charset=utf-8').header('content-disposition', `attachment; filename="${base}.json"`)
        .send(JSON.stringify({ interface: m.interface.code, source: m.interface.source_code, version: m.version, note: m.note, mapping: m.mapping }, null, 2));
    }
    const zh = requestLang(req) === 'zh';
    const buf = await mappingWorkbook(m.mapping, zh);
    return reply.header('content-type', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet')
      .header('content-disposition', `attachment; filename="${base}.xlsx"`).send(buf);
  });

  // ---------------------------------------------------------------- loads
  app.post('/api/interfaces/:id/loads', { schema: { tags, params: IdParams, querystring: UploadQuery }, preHandler: manage }, async (req, reply) => {
    if (!req.isMultipart()) throw invalid([fieldError('file', 'required', '请以 multipart/form-data 上传文件', 'upload the file as multipart/form-data')]);
    const file = await req.file();
    if (!file) throw invalid([fieldError('file', 'required', '请选择文件', 'choose a file')]);
    // Only the `file` field is the extract: a file sent under another name is refused unread (nothing stored, no load).
    if (file.fieldname !== 'file') {
      file.file.resume();
      const got = file.fieldname.slice(0, 100);
      throw invalid([fieldError('file', 'required', `请在表单字段 file 中上传文件（收到的是 ${got}）`, `upload the file in the form field "file" (got "${got}")`)]);
    }
    fs.mkdirSync(uploads, { recursive: true });
    const dest = path.join(uploads, `${Date.now()}-${randomBytes(6).toString('hex')}.upload`);
    try {
      await pipeline(file.file, fs.createWriteStream(dest, { mode: 0o600 }));
    } catch (err) {
      await fs.promises.rm(dest, { force: true });
      if ((err as { code?: string }).code === 'FST_REQ_FILE_TOO_LARGE' || file.file.truncated) throw tooLarge(maxFileBytes);
      throw err;
    }
    if (file.file.truncated) {
      await fs.promises.rm(dest, { force: true });
      throw tooLarge(maxFileBytes);
    }
    let queued: { loadId: number; resumed: boolean };
    try {
      queued = await service.queueFileLoad(app.db, actorOf(req), req.params.id, { path: dest, fileName: file.filename, trigger: 'upload', encoding: req.query.encoding, maxBytes: maxFileBytes });
    } catch (err) {
      await fs.promises.rm(dest, { force: true });
      throw err;
    }
    // The load runs in the background here; the minute tick picks it up on any server if this one stops.
    void service.run(app.db, queued.loadId, { pool: app.pool }).catch((err) => req.log.error({ err }, 'interface load'));
    return reply.status(202).send({ ...(await service.getLoad(app.db, queued.loadId)), resumed: queued.resumed });
  });

  app.post('/api/interfaces/:id/scan', { schema: { tags, params: IdParams }, preHandler: manage }, async (req) => {
    const ids = await service.scanLanding(app.db, actorOf(req), req.params.id, maxFileBytes);
    void service.runScheduled(app.db, ids, { pool: app.pool }).catch((err) => req.log.error({ err }, 'interface landing'));
    return { items: await Promise.all(ids.map((id) => service.getLoad(app.db, id))) };
  });

  app.post('/api/interfaces/:id/run', { schema: { tags, params: IdParams }, preHandler: manage }, async (req, reply) => {
    const queued = await service.queuePull(app.db, actorOf(req), req.params.id, 'manual');
    void service.run(app.db, queued.loadId, { pool: app.pool }).catch((err) => req.log.error({ err }, 'interface pull'));
    return reply.status(202).send({ ...(await service.getLoad(app.db, queued.loadId)), resumed: queued.resumed });
  });

  app.get('/api/interfaces/:id/loads', { schema: { tags, params: IdParams, querystring: PageQuery }, preHandler: manage }, async (req) =>
    service.listLoads(app.db, req.params.id, req.query.page, req.query.pageSize));
  app.get('/api/interfaces/loads/:id', { schema: { tags, params: IdParams }, preHandler: manage }, async (req) => service.getLoad(app.db, req.params.id));
  app.get('/api/interfaces/loads/:id/log', { schema: { tags, params: IdParams }, preHandler: manage }, async (req) => service.loadLog(app.db, req.params.id));

  // ---------------------------------------------------------------- records kept with an unverified ID number (invalidIds: 'keep')
  app.get('/api/interfaces/:id/unverified-ids', { schema: { tags, params: IdParams, querystring: UnverifiedQuery }, preHandler: manage }, async (req) =>
    service.listUnverifiedIds(app.db, actorOf(req), req.params.id, req.query));

  // ---------------------------------------------------------------- quarantine
  app.get('/api/interfaces/:id/quarantine', { schema: { tags, params: IdParams, querystring: QuarantineQuery }, preHandler: manage }, async (req) =>
    service.listQuarantine(app.db, actorOf(req), req.params.id, req.query));
  app.post('/api/interfaces/:id/quarantine/resubmit', { schema: { tags, params: IdParams, body: ResubmitInput }, preHandler: manage }, async (req) =>
    service.resubmit(app.db, actorOf(req), req.params.id, { ids: req.body.ids }));
  const RowParams = Type.Object({ id: Type.Integer({ minimum: 1 }), qid: Type.Integer({ minimum: 1 }) });
  app.put('/api/interfaces/:id/quarantine/:qid', { schema: { tags, params: RowParams, body: QuarantineFix }, preHandler: manage }, async (req) =>
    service.resubmit(app.db, actorOf(req), req.params.id, { fix: { id: req.params.qid, raw: req.body.raw } }));
  app.post('/api/interfaces/:id/quarantine/:qid/discard', { schema: { tags, params: RowParams, body: QuarantineDiscard }, preHandler: manage }, async (req) =>
    service.discardQuarantine(app.db, actorOf(req), req.params.id, req.params.qid, req.body.note));
}

function tooLarge(max: number) {
  return new AppError('TOO_LARGE', { zh: `文件超过 ${fmtBytes(max)} 的上限`, en: `the file is larger than the ${fmtBytes(max)} limit` },
    [fieldError('file', 'maxSize', `文件超过上限 ${fmtBytes(max)}`, `is over the ${fmtBytes(max)} limit`)]);
}

/** A mapping as a workbook: one sheet of fields, one of code-table entries. */
async function mappingWorkbook(m: Mapping, zh: boolean): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  const f = wb.addWorksheet(zh ? '字段映射' : 'Fields');
  f.columns = [
    { header: zh ? '目标字段' : 'Target field', key: 'field', width: 22 }, { header: zh ? '源字段' : 'Source column', key: 'column', width: 22 },
    { header: zh ? '常量' : 'Constant', key: 'value', width: 12 }, { header: zh ? '转换' : 'Transformations', key: 'transforms', width: 36 },
    { header: zh ? '代码表' : 'Code table', key: 'codeTable', width: 14 }, { header: zh ? '必填' : 'Required', key: 'required', width: 8 },
  ];
  for (const x of m.fields) f.addRow({ ...x, transforms: (x.transforms ?? []).join(', '), required: x.required ? 'Y' : '' });
  f.addRow({});
  f.addRow({ field: zh ? '记录主键' : 'Record key', column: m.recordKey.join(' + ') || (zh ? '（整行哈希）' : '(hash of the row)') });
  const invalidIds = INVALID_ID_POLICY_NAMES[m.invalidIds ?? 'quarantine'];
  f.addRow({ field: zh ? '证件号校验失败' : 'ID failing its check', column: `${m.invalidIds ?? 'quarantine'}: ${zh ? invalidIds.label.zh : invalidIds.label.en}` });
  const c = wb.addWorksheet(zh ? '代码表' : 'Code tables');
  c.columns = [
    { header: zh ? '代码表' : 'Table', key: 'table', width: 16 }, { header: zh ? '源值' : 'Source value', key: 'from', width: 24 },
    { header: zh ? '标准值' : 'Banyan value', key: 'to', width: 20 }, { header: zh ? '匹配方式' : 'Match', key: 'match', width: 10 },
  ];
  for (const [name, t] of Object.entries(m.codeTables)) {
    for (const [from, to] of Object.entries(t.entries)) c.addRow({ table: name, from, to, match: t.match ?? 'exact' });
    c.addRow({ table: name, from: zh ? '（其他）' : '(otherwise)', to: t.otherwise === 'default' ? t.defaultValue : t.otherwise ?? 'reject' });
  }
  for (const ws of [f, c]) ws.getRow(1).font = { bold: true };
  return Buffer.from(await wb.xlsx.writeBuffer());
}
