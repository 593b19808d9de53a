import fs from 'node:fs';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, login, type TestContext } from '../../../test/context.ts';
import { PASSWORD, seedSmallBank } from '../../../test/fixtures.ts';
import { SYSTEM_ACTOR } from '../../../platform/audit.ts';
import { defaultMapping } from '../../../../engines/transform/index.ts';
import { mapBatches, MissingColumns } from '../interfaces.batches.ts';
import * as service from '../interfaces.service.ts';
import { HEADER, multipartBody, personRow, tmpDir, writeCsv } from './helpers.ts';

let ctx: TestContext;
let cookie = '';
const dir = tmpDir();
const root = path.resolve(import.meta.dirname, '../../../..');

async function newInterface(code: string, extra: Record<string, unknown> = {}) {
  const res = await ctx.app.inject({ method: 'POST', url: '/api/interfaces', headers: { cookie }, payload: { code, name: code, sourceCode: 'CORE', connector: 'file', ...extra } });
  expect(res.statusCode, res.body).toBe(201);
  return res.json().id as number;
}
const patch = (id: number, payload: Record<string, unknown>) => ctx.app.inject({ method: 'PATCH', url: `/api/interfaces/${id}`, headers: { cookie }, payload });

beforeAll(async () => {
  ctx = await createTestContext({ home: dir, landingRoot: dir });
  await seedSmallBank(ctx.db);
  cookie = await login(ctx.app, 'admin', PASSWORD);
});
afterAll(async () => {
  await ctx?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('cron schedules', () => {
  it('a blank cron is no schedule; one that never fires and one with seconds are refused as such', async () => {
    fs.mkdirSync(path.join(dir, 'in'), { recursive: true });
    const id = await newInterface('CRON_IF', { landingDir: path.join(dir, 'in') });
    expect((await patch(id, { cron: '0 2 * * *' })).json().nextRunAt).toBeTruthy();
    const blank = await patch(id, { cron: '  ' });
    expect(blank.statusCode, blank.body).toBe(200);
    expect(blank.json()).toMatchObject({ cron: null, nextRunAt: null });
    const row = await ctx.db.selectFrom('interface').select(['cron', 'next_run_at']).where('id', '=', id).executeTakeFirstOrThrow();
    expect(row).toEqual({ cron: null, next_run_at: null });
    const never = await patch(id, { cron: '0 0 31 2 *' });
    expect(never.statusCode).toBe(400);
    expect(never.json().error.fields).toEqual([expect.objectContaining({ field: 'cron', rule: 'never', messages: expect.objectContaining({ en: expect.stringMatching(/never runs/) }) })]);
    const seconds = await patch(id, { cron: '*/5 * * * * *' });
    expect(seconds.statusCode).toBe(400);
    expect(seconds.json().error.fields).toEqual([expect.objectContaining({ field: 'cron', rule: 'fields', messages: expect.objectContaining({ en: expect.stringMatching(/5 fields.*this has 6/) }) })]);
    expect((await patch(id, { cron: 'every day' })).json().error.fields[0]).toMatchObject({ field: 'cron', rule: 'cron' });
    expect((await patch(id, { cron: '61 * * * *' })).json().error.fields[0]).toMatchObject({ field: 'cron', rule: 'cron' });
    expect((await patch(id, { cron: '@daily' })).statusCode).toBe(200);
  });
});

describe('duplicate column names', () => {
  it('a file whose header repeats a name is refused whole, naming the column', async () => {
    const id = await newInterface('DUP_IF');
    const header = [...HEADER.slice(0, 4), 'name', ...HEADER.slice(4)];
    const rows = [personRow(1)].map((r) => [...r.slice(0, 4), '王五', ...r.slice(4)]);
    const f = writeCsv(path.join(dir, 'dup.csv'), rows, header);
    const { payload, headers } = multipartBody('dup.csv', fs.readFileSync(f));
    const res = await ctx.app.inject({ method: 'POST', url: `/api/interfaces/${id}/loads`, payload, headers: { ...headers, cookie } });
    expect(res.statusCode, res.body).toBe(400);
    expect(res.json().error.fields).toEqual([expect.objectContaining({ field: 'header.name', rule: 'duplicateColumn' })]);
    expect(await ctx.db.selectFrom('interface_load').select('id').where('interface_id', '=', id).execute()).toEqual([]);
  });

  it('the loader refuses such data too (a load queued before the check), before writing anything', async () => {
    const header = ['record_id', 'name', 'Name ', 'kind'];
    async function* rows() { yield { values: ['R1', '张三', '王五', 'person'], bytes: 10 }; }
    const batches = mapBatches(rows() as never, { mapping: defaultMapping(), header: () => header, today: '2026-01-01', checkpoint: 0, batchRows: 10, sourceCode: 'CORE', loadId: 1 });
    const err = await batches.next().then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(MissingColumns);
    expect((err as MissingColumns).fields).toEqual([expect.objectContaining({ field: 'header.Name', rule: 'duplicateColumn' })]);
  });
});

describe('quarantine: rows already dealt with', () => {
  it('fixing or resubmitting a resolved row is a conflict, and leaves no empty load behind', async () => {
    const id = await newInterface('Q_IF', { sourceCode: 'CARD' });
    const bad = personRow(7);
    bad[3] = '';
    const f = writeCsv(path.join(dir, 'q.csv'), [personRow(6), bad]);
    const { loadId } = await service.queueFileLoad(ctx.db, SYSTEM_ACTOR, id, { path: f, fileName: 'q.csv', trigger: 'cli', maxBytes: ctx.config.importMaxBytes });
    expect(await service.run(ctx.db, loadId, { resolve: false })).toBe('succeeded');
    const q = (await ctx.app.inject({ url: `/api/interfaces/${id}/quarantine?status=open`, headers: { cookie } })).json().items[0];
    const raw = { ...q.raw, name: '赵六' };
    const fixed = await ctx.app.inject({ method: 'PUT', url: `/api/interfaces/${id}/quarantine/${q.id}`, headers: { cookie }, payload: { raw } });
    expect(fixed.statusCode, fixed.body).toBe(200);
    const loads = async () => (await ctx.db.selectFrom('interface_load').select('id').where('interface_id', '=', id).execute()).length;
    const before = await loads();
    const again = await ctx.app.inject({ method: 'PUT', url: `/api/interfaces/${id}/quarantine/${q.id}`, headers: { cookie }, payload: { raw } });
    expect(again.statusCode).toBe(409);
    expect(again.json().error.messages).toEqual({ zh: '该记录已处理', en: 'This row has been dealt with already' });
    const resubmit = await ctx.app.inject({ method: 'POST', url: `/api/interfaces/${id}/quarantine/resubmit`, headers: { cookie }, payload: { ids: [q.id] } });
    expect(resubmit.statusCode).toBe(409);
    expect(resubmit.json().error.fields).toEqual([expect.objectContaining({ field: 'ids', rule: 'open' })]);
    expect(await loads()).toBe(before);
    expect((await ctx.app.inject({ method: 'PUT', url: `/api/interfaces/${id}/quarantine/999999`, headers: { cookie }, payload: { raw } })).statusCode).toBe(404);
  });
});

describe('banyan import of something that is no file', () => {
  function cli(args: string[]) {
    return new Promise<{ code: number | null; out: string }>((resolve) => {
      const child = spawn(process.execPath, [path.join(root, 'cli/banyan.mjs'), ...args], { cwd: root, env: { ...process.env, DATABASE_URL: ctx.url, BANYAN_HOME: dir }, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      child.stdout.on('data', (c) => { out += c; });
      child.stderr.on('data', (c) => { out += c; });
      child.on('exit', (code) => resolve({ code, out }));
    });
  }

  it('says a folder is a folder and /dev/null is not a regular file, in both languages', async () => {
    const folder = await cli(['import', '--source', 'LOAN', dir]);
    expect(folder.code).toBe(1);
    expect(folder.out).toContain(`${dir} is a folder, not a file`);
    expect(folder.out).toContain('是文件夹，不是文件');
    const dev = await cli(['import', '--source', 'LOAN', '/dev/null']);
    expect(dev.code).toBe(1);
    expect(dev.out).toContain('/dev/null is not a regular file');
    expect(dev.out).toContain('不是普通文件');
  });
});
