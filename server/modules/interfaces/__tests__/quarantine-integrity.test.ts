/**
 * Bugs a tester found in the data-interface API: quarantine rows dealt with twice by parallel requests, a connection
 * password in a URL's query shown in clear, a fix that blanked the columns it did not send, an upload under another
 * field name, an empty list of rows to re-submit.
 */
import fs from 'node:fs';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, login, type TestContext } from '../../../test/context.ts';
import { PASSWORD, seedSmallBank } from '../../../test/fixtures.ts';
import { SYSTEM_ACTOR } from '../../../platform/audit.ts';
import * as service from '../interfaces.service.ts';
import { personRow, tmpDir, writeCsv } from './helpers.ts';

let ctx: TestContext;
let cookie = '';
const dir = tmpDir();

const api = (method: 'GET' | 'POST' | 'PUT' | 'PATCH', url: string, payload?: unknown) =>
  ctx.app.inject({ method, url, headers: { cookie }, ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }) });

async function newInterface(code: string, extra: Record<string, unknown> = {}) {
  const res = await api('POST', '/api/interfaces', { code, name: code, sourceCode: 'CORE', connector: 'file', ...extra });
  expect(res.statusCode, res.body).toBe(201);
  return res.json().id as number;
}

/** A file interface whose quarantine holds the given rows (loaded without resolving them into customers). */
async function withQuarantine(code: string, rows: string[][]) {
  const id = await newInterface(code);
  const f = writeCsv(path.join(dir, `${code}.csv`), rows);
  const { loadId } = await service.queueFileLoad(ctx.db, SYSTEM_ACTOR, id, { path: f, fileName: `${code}.csv`, trigger: 'cli', maxBytes: ctx.config.importMaxBytes });
  expect(await service.run(ctx.db, loadId, { resolve: false })).toBe('succeeded');
  const items = (await api('GET', `/api/interfaces/${id}/quarantine?status=open`)).json().items as { id: number; raw: Record<string, string> }[];
  expect(items.length).toBe(rows.length);
  return { id, rows: items.sort((a, b) => a.id - b.id) };
}

const auditRows = async (entity: string, action: string, entityId: number) =>
  Number((await sql<{ n: string }>`SELECT count(*) AS n FROM audit_log WHERE entity = ${entity} AND action = ${action} AND entity_id = ${String(entityId)}`.execute(ctx.db)).rows[0]!.n);
const loadsOf = async (id: number) => (await ctx.db.selectFrom('interface_load').select('id').where('interface_id', '=', id).execute()).length;
const statuses = (res: { statusCode: number }[]) => res.map((r) => r.statusCode).sort();
const noName = (i: number) => { const r = personRow(i); r[3] = ''; return r; };
const badMobile = (i: number) => { const r = personRow(i); r[6] = '12345'; return r; };

beforeAll(async () => {
  ctx = await createTestContext({ home: dir });
  await seedSmallBank(ctx.db);
  cookie = await login(ctx.app, 'admin', PASSWORD);
});
afterAll(async () => {
  await ctx?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('quarantine rows dealt with by parallel requests', () => {
  it('parallel discards of one row: exactly one succeeds, the others are 409, one audit entry', async () => {
    const { id, rows } = await withQuarantine('RACE_DISCARD', [noName(1), noName(2), noName(3)]);
    for (const row of rows) {
      const res = await Promise.all(Array.from({ length: 4 }, () => api('POST', `/api/interfaces/${id}/quarantine/${row.id}/discard`, { note: 'dup' })));
      expect(statuses(res)).toEqual([200, 409, 409, 409]);
      expect(res.find((r) => r.statusCode === 409)!.json().error.messages).toEqual({ zh: '该记录已处理', en: 'This row has been dealt with already' });
      expect(await auditRows('interface_quarantine', 'discard', row.id)).toBe(1);
    }
  });

  it('parallel re-submits of the same rows: one load writes them, the other is 409 and leaves no load', async () => {
    const { id, rows } = await withQuarantine('RACE_RESUBMIT', [noName(11), noName(12), noName(13)]);
    const cur = (await api('GET', `/api/interfaces/${id}`)).json();
    const mapping = { ...cur.mapping, fields: cur.mapping.fields.map((f: { field: string }) => (f.field === 'name' ? { ...f, required: false } : f)) };
    expect((await api('POST', `/api/interfaces/${id}/mappings`, { mapping, note: '名称可空' })).statusCode).toBe(201);
    const before = await loadsOf(id);
    const ids = rows.map((r) => r.id);
    const res = await Promise.all([0, 1, 2].map(() => api('POST', `/api/interfaces/${id}/quarantine/resubmit`, { ids })));
    expect(statuses(res)).toEqual([200, 409, 409]);
    expect(res.find((r) => r.statusCode === 200)!.json()).toMatchObject({ read: 3, accepted: 3 });
    expect(res.find((r) => r.statusCode === 409)!.json().error.fields).toEqual([expect.objectContaining({ field: 'ids', rule: 'open' })]);
    expect(await loadsOf(id)).toBe(before + 1);
    expect(await auditRows('interface_quarantine', 'resubmit', id)).toBe(1);
  });

  it('parallel fixes of one row: one succeeds, the other is 409', async () => {
    const { id, rows } = await withQuarantine('RACE_FIX', [badMobile(21)]);
    const row = rows[0]!;
    const before = await loadsOf(id);
    const res = await Promise.all([0, 1, 2].map(() => api('PUT', `/api/interfaces/${id}/quarantine/${row.id}`, { raw: { mobile: '13900001234' } })));
    expect(statuses(res)).toEqual([200, 409, 409]);
    expect(await loadsOf(id)).toBe(before + 1);
    expect(await auditRows('interface_quarantine', 'update', row.id)).toBe(1);
  });
});

describe('fixing a quarantined row', () => {
  it('changes only the columns sent; a column sent blank is cleared', async () => {
    const { id, rows } = await withQuarantine('FIX_MERGE', [badMobile(31), badMobile(32)]);
    const [a, b] = rows as [typeof rows[0], typeof rows[0]];
    const fixed = await api('PUT', `/api/interfaces/${id}/quarantine/${a.id}`, { raw: { mobile: '13900003131' } });
    expect(fixed.statusCode, fixed.body).toBe(200);
    expect(fixed.json()).toMatchObject({ read: 1, accepted: 1, new: 1 });
    const rec = await ctx.db.selectFrom('source_record').select(['name', 'id_no', 'mobile', 'address']).where('record_key', '=', a.raw.record_id!).executeTakeFirstOrThrow();
    expect(rec).toEqual({ name: a.raw.name, id_no: a.raw.id_no, mobile: '+8613900003131', address: a.raw.address });
    const kept = await ctx.db.selectFrom('interface_quarantine').select('raw').where('id', '=', a.id).executeTakeFirstOrThrow();
    expect(kept.raw).toEqual({ ...a.raw, mobile: '13900003131' });

    const cleared = await api('PUT', `/api/interfaces/${id}/quarantine/${b.id}`, { raw: { mobile: '13900003232', address: '' } });
    expect(cleared.statusCode, cleared.body).toBe(200);
    const recB = await ctx.db.selectFrom('source_record').select(['name', 'address']).where('record_key', '=', b.raw.record_id!).executeTakeFirstOrThrow();
    expect(recB.name).toBe(b.raw.name);
    expect(recB.address ?? '').toBe('');
  });
});

describe('a connection password in the URL\'s query', () => {
  it('is masked wherever the URL is shown or audited, and a URL sent back as shown keeps it', async () => {
    const secrets = ['UserPw', 'QueryPw', 'KeyPw', 'NewPw'];
    const url = 'postgresql://u:UserPw@127.0.0.1:5432/db?sslmode=require&password=QueryPw&sslpassword=KeyPw&sslkey=/etc/banyan/client.key';
    const created = await api('POST', '/api/interfaces', { code: 'QPW_PULL', name: 'q', sourceCode: 'LOAN', connector: 'postgres', pgUrl: url, pgQuery: 'SELECT 1 AS cust_no' });
    expect(created.statusCode, created.body).toBe(201);
    const id = created.json().id as number;
    const shown = created.json().pgUrl as string;
    for (const s of secrets) expect(shown).not.toContain(s);
    expect(new URL(shown).searchParams.get('password')).toBe('****');
    expect(new URL(shown).searchParams.get('sslpassword')).toBe('****');
    expect(new URL(shown).searchParams.get('sslkey')).toBe('/etc/banyan/client.key');

    // Sent back as shown, with another edit: the stored passwords stay.
    const edited = shown.replace('sslmode=require', 'sslmode=verify-full');
    const same = await api('PATCH', `/api/interfaces/${id}`, { pgUrl: edited });
    expect(same.statusCode, same.body).toBe(200);
    const stored = new URL((await ctx.db.selectFrom('interface').select('pg_url').where('id', '=', id).executeTakeFirstOrThrow()).pg_url!);
    expect([stored.password, stored.searchParams.get('password'), stored.searchParams.get('sslpassword'), stored.searchParams.get('sslmode')]).toEqual(['UserPw', 'QueryPw', 'KeyPw', 'verify-full']);

    // As the tester sent it: a password only in the query.
    const p = await api('PATCH', `/api/interfaces/${id}`, { pgUrl: 'postgresql://127.0.0.1/db?user=u&password=NewPw' });
    expect(p.statusCode, p.body).toBe(200);
    expect((await ctx.db.selectFrom('interface').select('pg_url').where('id', '=', id).executeTakeFirstOrThrow()).pg_url).toContain('password=NewPw');
    for (const res of [p, await api('GET', `/api/interfaces/${id}`), await api('GET', '/api/interfaces?sourceCode=LOAN')]) {
      expect(res.statusCode).toBe(200);
      for (const s of secrets) expect(res.body).not.toContain(s);
    }
    expect((await api('GET', `/api/interfaces/${id}`)).json().pgUrl).toBe('postgresql://127.0.0.1/db?user=u&password=****');
    const audits = await ctx.db.selectFrom('audit_log').select('changes').where('entity', '=', 'interface').where('entity_id', '=', String(id)).execute();
    expect(audits.length).toBe(3);
    for (const a of audits) for (const s of secrets) expect(JSON.stringify(a.changes)).not.toContain(s);
  });
});

describe('uploads and re-submits that name nothing', () => {
  it('an upload under another field than `file` is refused naming `file`, and creates no load', async () => {
    const id = await newInterface('FIELD_IF');
    const boundary = '----banyanfield';
    const csv = fs.readFileSync(writeCsv(path.join(dir, 'field.csv'), [personRow(41)]));
    const payload = Buffer.concat([
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="notfile"; filename="load.csv"\r\nContent-Type: text/csv\r\n\r\n`), csv, Buffer.from(`\r\n--${boundary}--\r\n`),
    ]);
    const res = await ctx.app.inject({ method: 'POST', url: `/api/interfaces/${id}/loads`, payload, headers: { cookie, 'content-type': `multipart/form-data; boundary=${boundary}` } });
    expect(res.statusCode, res.body).toBe(400);
    expect(res.json().error.fields).toEqual([expect.objectContaining({ field: 'file', rule: 'required', messages: { zh: expect.stringMatching(/file/), en: expect.stringMatching(/"file"/) } })]);
    expect(await loadsOf(id)).toBe(0);
    expect(fs.existsSync(path.join(dir, 'imports')) ? fs.readdirSync(path.join(dir, 'imports')) : []).toEqual([]);
  });

  it('re-submitting an empty list of rows is a 400 naming `ids`, not a 409', async () => {
    const { id } = await withQuarantine('EMPTY_IDS', [noName(51)]);
    const before = await loadsOf(id);
    const res = await api('POST', `/api/interfaces/${id}/quarantine/resubmit`, { ids: [] });
    expect(res.statusCode, res.body).toBe(400);
    expect(res.json().error.fields).toEqual([expect.objectContaining({ field: 'ids', rule: 'minItems', messages: { zh: expect.stringMatching(/至少/), en: expect.stringMatching(/at least one/) } })]);
    expect(await loadsOf(id)).toBe(before);
    expect((await api('GET', `/api/interfaces/${id}/quarantine?status=open`)).json().total).toBe(1);
  });
});
