import fs from 'node:fs';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createTestContext, login, onAdmin, type TestContext } from '../../../test/context.ts';
import { withDatabase } from '../../../test/global-setup.ts';
import { PASSWORD, seedSmallBank } from '../../../test/fixtures.ts';
import * as service from '../interfaces.service.ts';
import { tmpDir } from './helpers.ts';

let ctx: TestContext;
let bank: Awaited<ReturnType<typeof seedSmallBank>>;
let cookie = '';
const srcDb = `banyan_src_${randomBytes(4).toString('hex')}`;
let src: pg.Client;
let srcUrl = '';
const home = tmpDir();


const MAPPING = {
  recordKey: ['cust_no'],
  fields: [
    { field: 'name', column: 'cust_name', transforms: ['halfwidth', 'trim'], required: true },
    { field: 'id_type', column: 'cert_type', codeTable: 'id_type' },
    { field: 'id_no', column: 'cert_no', transforms: ['id18'] },
    { field: 'mobile', column: 'phone', transforms: ['mobile_e164'] },
    { field: 'gender', column: 'sex', codeTable: 'gender' },
    { field: 'birth_date', column: 'birthday', transforms: ['date'] },
    { field: 'attributes.job_level', column: 'title', codeTable: 'job_title' },
    { field: 'source_updated_at', column: 'updated_at' },
  ],
  codeTables: {
    id_type: { entries: { '01': 'resident_id', '21': 'uscc' }, otherwise: 'reject' },
    gender: { entries: { '1': 'M', '2': 'F' }, otherwise: 'blank' },
    job_title: { match: 'contains', entries: { 厅: 'senior_exec', 处: 'middle_manager', 科: 'junior_manager' }, otherwise: 'default', defaultValue: 'other' },
  },
};

async function run(id: number) {
  const res = await ctx.app.inject({ method: 'POST', url: `/api/interfaces/${id}/run`, headers: { cookie } });
  expect(res.statusCode, res.body).toBe(202);
  let l: { status: string; report: Record<string, number>; watermarkTo: string | null; error: unknown } = { status: 'queued', report: {}, watermarkTo: null, error: null };
  await expect.poll(async () => {
    l = (await ctx.app.inject({ url: `/api/interfaces/loads/${res.json().id}`, headers: { cookie } })).json();
    return l.status;
  }).toMatch(/succeeded|failed/);
  return l;
}

beforeAll(async () => {
  ctx = await createTestContext({ home });
  bank = await seedSmallBank(ctx.db);
  cookie = await login(ctx.app, 'admin', PASSWORD);
  await onAdmin(`CREATE DATABASE ${srcDb}`);
  srcUrl = withDatabase(inject('adminUrl'), srcDb);
  src = new pg.Client({ connectionString: srcUrl });
  await src.connect();
  await src.query(`CREATE TABLE ext_customer (cust_no text PRIMARY KEY, cust_name text, cert_type text, cert_no text, phone text, sex text, birthday date, title text, updated_at timestamptz NOT NULL)`);
  await src.query(`INSERT INTO ext_customer VALUES
    ('C001', '赵敏', '01', '110105491231002', '13800001111', '2', '1949-12-31', '某厅副厅长', '2024-01-01T08:00:00Z'),
    ('C002', '钱伟', '01', '11010519491231002X', '+86 139 0000 2222', '1', '1949-12-31', '处长', '2024-01-02T08:00:00Z'),
    ('C003', '孙丽', '01', '11010519491231002X', '137-0000-3333', '9', NULL, '科员', '2024-01-03T08:00:00Z')`);
});
afterAll(async () => {
  await src?.end();
  await ctx?.close();
  await onAdmin(`DROP DATABASE IF EXISTS ${srcDb} WITH (FORCE)`);
  fs.rmSync(home, { recursive: true, force: true });
});

describe('PostgreSQL pull with an incremental watermark', () => {
  let id = 0;
  it('pulls by SQL, maps and translates codes, and stores the high-watermark', async () => {
    const res = await ctx.app.inject({
      method: 'POST', url: '/api/interfaces', headers: { cookie },
      payload: {
        code: 'LOAN_PULL', name: '贷款系统增量', sourceCode: 'LOAN', connector: 'postgres', pgUrl: srcUrl, watermarkColumn: 'updated_at', mapping: MAPPING,
        pgQuery: `SELECT * FROM ext_customer WHERE updated_at > COALESCE($1::timestamptz, '-infinity') ORDER BY updated_at`,
      },
    });
    expect(res.statusCode, res.body).toBe(201);
    id = res.json().id;
    // The password never comes back.
    expect(res.json().pgUrl).not.toContain(':secret@');
    const l = await run(id);
    expect(l.status).toBe('succeeded');
    expect(l.report).toMatchObject({ read: 3, accepted: 3, new: 3 });
    expect(l.watermarkTo).toBe('2024-01-03T08:00:00.000Z');
    const r = await ctx.db.selectFrom('source_record').select(['record_key', 'id_no', 'mobile', 'gender', 'attributes']).where('source_code', '=', 'LOAN').orderBy('record_key').execute();
    expect(r).toEqual([
      { record_key: 'C001', id_no: '11010519491231002X', mobile: '+8613800001111', gender: 'F', attributes: { job_level: 'senior_exec' } },
      { record_key: 'C002', id_no: '11010519491231002X', mobile: '+8613900002222', gender: 'M', attributes: { job_level: 'middle_manager' } },
      { record_key: 'C003', id_no: '11010519491231002X', mobile: '+8613700003333', gender: null, attributes: { job_level: 'junior_manager' } },
    ]);
    expect((await ctx.db.selectFrom('interface').select('watermark').where('id', '=', id).executeTakeFirstOrThrow()).watermark).toBe('2024-01-03T08:00:00.000Z');
  });

  it('the next pull reads only what changed since the watermark', async () => {
    await src.query(`UPDATE ext_customer SET phone = '13800009999', updated_at = '2024-02-01T00:00:00Z' WHERE cust_no = 'C001'`);
    await src.query(`INSERT INTO ext_customer VALUES ('C004', '李娜', '01', '11010519491231002X', '13600004444', '2', '1949-12-31', '董事长', '2024-02-02T00:00:00Z')`);
    const l = await run(id);
    expect(l.report).toMatchObject({ read: 2, new: 1, changed: 1, unchanged: 0 });
    const again = await run(id);
    expect(again.report).toMatchObject({ read: 0 });
    expect(again.status).toBe('succeeded');
    expect((await ctx.db.selectFrom('interface').select('watermark').where('id', '=', id).executeTakeFirstOrThrow()).watermark).toBe('2024-02-02T00:00:00.000Z');
  });

  it('runs on its cron schedule from the minute tick, with run history', async () => {
    const p = await ctx.app.inject({ method: 'PATCH', url: `/api/interfaces/${id}`, headers: { cookie }, payload: { cron: '0 2 * * *' } });
    expect(p.json().nextRunAt).toBeTruthy();
    expect((await ctx.app.inject({ method: 'PATCH', url: `/api/interfaces/${id}`, headers: { cookie }, payload: { cron: 'every day' } })).json().error.fields[0]).toMatchObject({ field: 'cron', rule: 'cron' });
    await src.query(`INSERT INTO ext_customer VALUES ('C005', '周杰', '01', '11010519491231002X', '13500005555', '1', '1949-12-31', '', '2024-03-01T00:00:00Z')`);
    await ctx.db.updateTable('interface').set({ next_run_at: new Date(Date.now() - 1000) }).where('id', '=', id).execute();
    const t = await service.tick(ctx.db, new Date(), { maxBytes: 1 << 30 });
    expect(t).toMatchObject({ scheduled: 1, succeeded: 1 });
    const hist = (await ctx.app.inject({ url: `/api/interfaces/${id}/loads`, headers: { cookie } })).json();
    expect(hist.items[0]).toMatchObject({ trigger: 'schedule', status: 'succeeded', report: { read: 1, new: 1 } });
    expect(hist.items.map((x: { trigger: string }) => x.trigger)).toEqual(['schedule', 'manual', 'manual', 'manual']);
    const next = (await ctx.db.selectFrom('interface').select('next_run_at').where('id', '=', id).executeTakeFirstOrThrow()).next_run_at!;
    expect(next.getTime()).toBeGreaterThan(Date.now());
    const log = (await ctx.app.inject({ url: `/api/interfaces/loads/${hist.items[0].id}/log`, headers: { cookie } })).json();
    expect(log.items.map((x: { message: string }) => x.message)).toEqual(['started', expect.stringMatching(/^finished/)]);
    // Each entry in both languages, for the user's own.
    expect(log.items.map((x: { messages: { zh: string } }) => x.messages.zh)).toEqual(['开始', expect.stringMatching(/^完成：读取 1，通过 1/)]);
  });

  it('keeps the watermark to the microsecond: rows a millisecond cannot tell apart are not read again', async () => {
    await src.query(`CREATE TABLE ext_micro (LIKE ext_customer INCLUDING ALL)`);
    await src.query(`INSERT INTO ext_micro VALUES
      ('M001', '吴一', '01', '11010519491231002X', '13800001001', '1', '1949-12-31', '', '2026-12-07T13:19:42.942090Z'),
      ('M002', '吴二', '01', '11010519491231002X', '13800001002', '2', '1949-12-31', '', '2026-12-07T13:19:42.942197Z')`);
    const res = await ctx.app.inject({
      method: 'POST', url: '/api/interfaces', headers: { cookie },
      payload: {
        code: 'MICRO_PULL', name: '微秒水位', sourceCode: 'CORP', connector: 'postgres', pgUrl: srcUrl, watermarkColumn: 'updated_at', mapping: MAPPING,
        pgQuery: `SELECT * FROM ext_micro WHERE updated_at > COALESCE($1::timestamptz, '-infinity') ORDER BY updated_at`,
      },
    });
    expect(res.statusCode, res.body).toBe(201);
    const first = await run(res.json().id);
    expect(first.report).toMatchObject({ read: 2, new: 2 });
    expect(first.watermarkTo).toBe('2026-12-07T13:19:42.942197Z');
    const second = await run(res.json().id);
    expect(second).toMatchObject({ status: 'succeeded', report: { read: 0 } });
    // The source's timestamp is stored as it was, to the microsecond.
    const r = await sql<{ t: string }>`SELECT source_updated_at::text AS t FROM source_record WHERE source_code = 'CORP' AND record_key = 'M001'`.execute(ctx.db);
    expect(r.rows[0]!.t).toMatch(/^2026-12-07 1\d:19:42\.94209/);
  });

  it('a connection URL sent back as shown (password masked) keeps the stored password', async () => {
    const secretUrl = srcUrl.replace(/^postgres(ql)?:\/\/([^@/]*)@/, (_m, _p, auth: string) => `postgres://${auth.split(':')[0]}:s3cret-pw@`);
    const res = await ctx.app.inject({
      method: 'POST', url: '/api/interfaces', headers: { cookie },
      payload: { code: 'MASK_PULL', name: '掩码', sourceCode: 'LOAN', connector: 'postgres', pgUrl: secretUrl, pgQuery: 'SELECT * FROM ext_customer', mapping: MAPPING },
    });
    expect(res.statusCode, res.body).toBe(201);
    const shown = res.json().pgUrl as string;
    expect(shown).toContain(':****@');
    const stored = async () => (await ctx.db.selectFrom('interface').select('pg_url').where('code', '=', 'MASK_PULL').executeTakeFirstOrThrow()).pg_url;
    // As shown, unchanged; then with the database name edited in the masked URL.
    const same = await ctx.app.inject({ method: 'PATCH', url: `/api/interfaces/${res.json().id}`, headers: { cookie }, payload: { pgUrl: shown } });
    expect(same.statusCode, same.body).toBe(200);
    expect(await stored()).toBe(secretUrl);
    const edited = shown.replace(/\/[^/?]+(\?|$)/, '/other_db$1');
    const p = await ctx.app.inject({ method: 'PATCH', url: `/api/interfaces/${res.json().id}`, headers: { cookie }, payload: { pgUrl: edited } });
    expect(p.statusCode, p.body).toBe(200);
    expect(await stored()).toBe(secretUrl.replace(/\/[^/?]+(\?|$)/, '/other_db$1'));
    expect(p.json().pgUrl).toContain(':****@');
    // A new password replaces it.
    await ctx.app.inject({ method: 'PATCH', url: `/api/interfaces/${res.json().id}`, headers: { cookie }, payload: { pgUrl: shown.replace('****', 'n3w') } });
    expect(await stored()).toContain(':n3w@');
  });

  it('a failed run is recorded with its reason and alerts the interface owner', async () => {
    const res = await ctx.app.inject({
      method: 'POST', url: '/api/interfaces', headers: { cookie },
      payload: { code: 'BROKEN_PULL', name: '坏连接', sourceCode: 'LOAN', connector: 'postgres', pgUrl: withDatabase(inject('adminUrl'), 'no_such_db_x'), pgQuery: 'SELECT 1 AS cust_no', mapping: MAPPING },
    });
    const l = await run(res.json().id);
    expect(l.status).toBe('failed');
    // Naming the setting to fix and the rule broken, with the database's own words.
    expect(l.error).toMatchObject({ message: { zh: expect.stringMatching(/^pgUrl：源数据库不存在：.*no_such_db_x/), en: expect.stringMatching(/^pgUrl: no such database at the source: .*no_such_db_x/) }, fields: [{ field: 'pgUrl', rule: 'database' }] });
    await expect.poll(async () => (await ctx.db.selectFrom('reminder_event').select('title').where('user_id', '=', bank.users.admin!).execute()).map((r) => r.title))
      .toEqual(expect.arrayContaining([expect.stringMatching(/BROKEN_PULL/)]));
    const list = (await ctx.app.inject({ url: '/api/interfaces', headers: { cookie } })).json();
    expect(list.items.find((i: { code: string }) => i.code === 'BROKEN_PULL').lastLoad.status).toBe('failed');
    expect(await sql`SELECT 1`.execute(ctx.db)).toBeTruthy();
  });
});
