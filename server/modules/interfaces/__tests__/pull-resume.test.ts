import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createTestContext, login, onAdmin, type TestContext } from '../../../test/context.ts';
import { withDatabase } from '../../../test/global-setup.ts';
import { PASSWORD, seedSmallBank } from '../../../test/fixtures.ts';
import { SYSTEM_ACTOR } from '../../../platform/audit.ts';
import { resolvePending } from '../../integration/integration.service.ts';
import * as service from '../interfaces.service.ts';
import { personRow, tmpDir, writeCsv } from './helpers.ts';

let ctx: TestContext;
let cookie = '';
const srcDb = `banyan_src_${randomBytes(4).toString('hex')}`;
let src: pg.Client;
let srcUrl = '';
const home = tmpDir();


const QUERY = 'select id,name,upd from big where $1::timestamptz is null or upd > $1::timestamptz order by upd';
const MAPPING = { recordKey: ['id'], fields: [{ field: 'name', column: 'name', required: true }], codeTables: {} };

async function pullInterface(code: string, extra: Record<string, unknown> = {}) {
  const res = await ctx.app.inject({
    method: 'POST', url: '/api/interfaces', headers: { cookie },
    payload: { code, name: code, sourceCode: 'LOAN', connector: 'postgres', pgUrl: srcUrl, pgQuery: QUERY, watermarkColumn: 'upd', mapping: MAPPING, ...extra },
  });
  return res;
}

const records = async (source: string) => Number((await sql<{ n: string }>`SELECT count(*) AS n FROM source_record WHERE source_code = ${source}`.execute(ctx.db)).rows[0]!.n);

beforeAll(async () => {
  ctx = await createTestContext({ home });
  await seedSmallBank(ctx.db);
  cookie = await login(ctx.app, 'admin', PASSWORD);
  await onAdmin(`CREATE DATABASE ${srcDb}`);
  srcUrl = withDatabase(inject('adminUrl'), srcDb);
  src = new pg.Client({ connectionString: srcUrl });
  await src.connect();
  await src.query(`CREATE TABLE big (id text PRIMARY KEY, name text, upd timestamptz NOT NULL)`);
  await src.query(`INSERT INTO big SELECT 'R' || lpad(i::text, 3, '0'), '客户' || i, '2024-01-01T00:00:00Z'::timestamptz + i * interval '1 minute' FROM generate_series(1, 100) i`);
});
afterAll(async () => {
  await src?.end();
  await ctx?.close();
  await onAdmin(`DROP DATABASE IF EXISTS ${srcDb} WITH (FORCE)`);
  fs.rmSync(home, { recursive: true, force: true });
});

describe('a resumed database pull', () => {
  it('loads every row once though the source moved rows while it was stopped, and its watermark passes no row unloaded', async () => {
    const res = await pullInterface('BIG_PULL');
    expect(res.statusCode, res.body).toBe(201);
    const { loadId } = await service.queuePull(ctx.db, SYSTEM_ACTOR, res.json().id, 'manual');
    // Killed after its first batch (rows R001–R020 committed).
    expect(await service.run(ctx.db, loadId, { batchRows: 20, stopAfterBatches: 1, resolve: false })).toBe('stopped');
    expect(await records('LOAN')).toBe(20);
    // Meanwhile the source updates five early rows (they now sort last); one of them changes its name too.
    await src.query(`UPDATE big SET upd = now() WHERE id <= 'R005'`);
    await src.query(`UPDATE big SET name = '改名' WHERE id = 'R001'`);
    expect(await service.run(ctx.db, loadId, { batchRows: 20, resolve: false })).toBe('succeeded');
    const keys = (await ctx.db.selectFrom('source_record').select('record_key').where('source_code', '=', 'LOAN').execute()).map((r) => r.record_key);
    expect(keys.length).toBe(100);
    // R021–R025 were skipped by a resume that counted rows off a query that now answered other rows.
    for (const k of ['R021', 'R022', 'R023', 'R024', 'R025', 'R100']) expect(keys).toContain(k);
    expect((await ctx.db.selectFrom('source_record').select('name').where('record_key', '=', 'R001').executeTakeFirstOrThrow()).name).toBe('改名');
    const l = await service.getLoad(ctx.db, loadId);
    // Rows the first run wrote count once: no phantom duplicates, nothing read twice.
    expect(l.report).toEqual({ read: 100, accepted: 100, rejected: 0, unverifiedIds: 0, new: 100, changed: 0, unchanged: 0, duplicates: 0 });
    const max = (await src.query(`SELECT max(upd) AS m FROM big`)).rows[0].m as Date;
    expect(new Date(l.watermarkTo!).getTime()).toBe(max.getTime());
    const log = (await service.loadLog(ctx.db, loadId)).items.map((x) => x.message);
    expect(log[1]).toMatch(/^resumed: the query runs again from the run's first watermark/);

    // The next run reads only what changed after it; nothing is read again.
    const next = await service.queuePull(ctx.db, SYSTEM_ACTOR, res.json().id, 'manual');
    expect(await service.run(ctx.db, next.loadId, { batchRows: 20, resolve: false })).toBe('succeeded');
    expect((await service.getLoad(ctx.db, next.loadId)).report).toMatchObject({ read: 0 });
  });

  it('a resumed pull counts a row rejected before the stop once', async () => {
    await src.query(`CREATE TABLE big2 (LIKE big INCLUDING ALL)`);
    await src.query(`INSERT INTO big2 SELECT 'S' || lpad(i::text, 3, '0'), CASE WHEN i = 3 THEN '' ELSE '客户' || i END, '2024-01-01T00:00:00Z'::timestamptz + i * interval '1 minute' FROM generate_series(1, 30) i`);
    const res = await pullInterface('BIG2_PULL', { sourceCode: 'CARD', pgQuery: QUERY.replace('from big', 'from big2') });
    expect(res.statusCode, res.body).toBe(201);
    const { loadId } = await service.queuePull(ctx.db, SYSTEM_ACTOR, res.json().id, 'manual');
    expect(await service.run(ctx.db, loadId, { batchRows: 10, stopAfterBatches: 1, resolve: false })).toBe('stopped');
    expect(await service.run(ctx.db, loadId, { batchRows: 10, resolve: false })).toBe('succeeded');
    expect((await service.getLoad(ctx.db, loadId)).report).toEqual({ read: 30, accepted: 29, rejected: 1, unverifiedIds: 0, new: 29, changed: 0, unchanged: 0, duplicates: 0 });
  });
});

describe("a resumed load's resolution", () => {
  // The state a kill -9 between a batch's commit and its resolution leaves: records committed and handed (to_resolve), still pending.
  async function killedBeforeResolving(code: string, source: string) {
    const res = await ctx.app.inject({ method: 'POST', url: '/api/interfaces', headers: { cookie }, payload: { code, name: code, sourceCode: source, connector: 'file' } });
    expect(res.statusCode, res.body).toBe(201);
    const f = writeCsv(path.join(home, `${code}.csv`), Array.from({ length: 60 }, (_, i) => personRow(i, code.slice(0, 2))));
    const { loadId } = await service.queueFileLoad(ctx.db, SYSTEM_ACTOR, res.json().id, { path: f, fileName: 'x.csv', trigger: 'cli', maxBytes: ctx.config.importMaxBytes });
    expect(await service.run(ctx.db, loadId, { batchRows: 20, stopAfterBatches: 1, resolve: false })).toBe('stopped');
    await ctx.db.updateTable('interface_load').set({ to_resolve: 20 }).where('id', '=', loadId).execute();
    return loadId;
  }

  it('counts records the pending-records job resolved while the load was down', async () => {
    const loadId = await killedBeforeResolving('PJ_FILE', 'WEALTH');
    await resolvePending(ctx.db, {});
    expect(await service.run(ctx.db, loadId, { batchRows: 20 })).toBe('succeeded');
    const l = await service.getLoad(ctx.db, loadId);
    expect(l.resolution).toMatchObject({ done: 60, total: 60 });
  });

  it('resolves the records the killed run left pending itself, and says so', async () => {
    const loadId = await killedBeforeResolving('LF_FILE', 'CORP');
    expect(await service.run(ctx.db, loadId, { batchRows: 20 })).toBe('succeeded');
    const l = await service.getLoad(ctx.db, loadId);
    expect(l.resolution).toMatchObject({ done: 60, total: 60 });
    const pending = await sql<{ n: string }>`SELECT count(*) AS n FROM source_record WHERE last_load_id = ${loadId} AND match_status = 'pending'`.execute(ctx.db);
    expect(Number(pending.rows[0]!.n)).toBe(0);
    const log = (await service.loadLog(ctx.db, loadId)).items.map((x) => x.message);
    expect(log).toContain('resolving 20 records the interrupted run left pending');
  });
});

describe("a pull's load errors name the field to fix and the rule", () => {
  async function failedRun(code: string, payload: Record<string, unknown>) {
    const res = await pullInterface(code, payload);
    expect(res.statusCode, res.body).toBe(201);
    const { loadId } = await service.queuePull(ctx.db, SYSTEM_ACTOR, res.json().id, 'manual');
    expect(await service.run(ctx.db, loadId, { resolve: false })).toBe('failed');
    return (await service.getLoad(ctx.db, loadId)).error as { message: { zh: string; en: string }; fields: { field: string; rule: string }[] };
  }
  const withUrl = (f: (u: URL) => void) => { const u = new URL(srcUrl); f(u); return u.toString(); };

  it('an unknown login, an unknown host, a closed port, a missing table', async () => {
    const role = await failedRun('E_ROLE', { pgUrl: withUrl((u) => { u.username = 'nosuch'; u.password = ''; }) });
    expect(role.fields).toEqual([expect.objectContaining({ field: 'pgUrl', rule: 'authentication' })]);
    expect(role.message.en).toMatch(/^pgUrl: the source database refused the login: .*nosuch/);
    expect(role.message.zh).toMatch(/^pgUrl：源数据库拒绝登录/);
    const host = await failedRun('E_HOST', { pgUrl: withUrl((u) => { u.hostname = 'nosuchhost.invalid'; }) });
    expect(host.fields).toEqual([expect.objectContaining({ field: 'pgUrl', rule: 'host' })]);
    expect(host.message.en).toMatch(/the database host nosuchhost\.invalid cannot be found/);
    const port = await failedRun('E_PORT', { pgUrl: withUrl((u) => { u.hostname = '127.0.0.1'; u.port = '1'; }) });
    expect(port.fields).toEqual([expect.objectContaining({ field: 'pgUrl', rule: 'connection' })]);
    expect(port.message.en).toMatch(/cannot connect to the source database 127\.0\.0\.1:1/);
    const table = await failedRun('E_TABLE', { pgQuery: 'select id, name, upd from nosuchtable' });
    expect(table.fields).toEqual([expect.objectContaining({ field: 'pgQuery', rule: 'query' })]);
    expect(table.message.en).toBe('pgQuery: the source database refused the query: relation "nosuchtable" does not exist');
  });

  it('refuses several statements, or a query that writes, when the interface is saved', async () => {
    for (const [pgQuery, rule] of [
      ['select id, name, upd from big; delete from big', 'singleStatement'],
      ['select 1 ; /* c */ drop table big', 'singleStatement'],
      ['with d as (delete from big returning *) select * from d', 'readOnly'],
    ] as const) {
      const res = await pullInterface(`Q_${rule}_${pgQuery.length}`, { pgQuery });
      expect(res.statusCode, pgQuery).toBe(400);
      expect(res.json().error.fields).toEqual([expect.objectContaining({ field: 'pgQuery', rule })]);
    }
    // Semicolons, keywords and dashes in literals, names and comments are no statements; a trailing semicolon is fine.
    const ok = await pullInterface('Q_OK', { pgQuery: `select id, name, upd, 'a;delete' as "x;y" -- ; drop\nfrom big where $1::timestamptz is null or upd > $1::timestamptz order by upd;` });
    expect(ok.statusCode, ok.body).toBe(201);
  });
});
