/**
 * A tester's second round on the data interface platform: stale quarantine rows re-submitted over newer data, a fix
 * changing the record key, JSON numbers past 2^53, account fields without a product code, the load's statistics after
 * a big load, and the smaller ones (names, repeated alerts, truncated files, keys overridden within a file).
 */
import fs from 'node:fs';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, login, type TestContext } from '../../../test/context.ts';
import { PASSWORD, seedSmallBank } from '../../../test/fixtures.ts';
import { SYSTEM_ACTOR } from '../../../platform/audit.ts';
import * as service from '../interfaces.service.ts';
import { supersedeStale } from '../../../db/migrations/0028_quarantine_superseded.ts';
import { makeResidentId } from '../../../../engines/identity/index.ts';
import { csvLine, HEADER, personRow, tmpDir, writeCsv } from './helpers.ts';

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

async function load(id: number, file: string, o: { resolve?: boolean; analyzeRows?: number } = {}) {
  const { loadId } = await service.queueFileLoad(ctx.db, SYSTEM_ACTOR, id, { path: file, fileName: path.basename(file), trigger: 'cli', maxBytes: ctx.config.importMaxBytes });
  expect(await service.run(ctx.db, loadId, { resolve: o.resolve ?? false, analyzeRows: o.analyzeRows })).toBe('succeeded');
  return loadId;
}

const quarantine = async (id: number, status = 'open') =>
  ((await api('GET', `/api/interfaces/${id}/quarantine${status ? `?status=${status}` : ''}`)).json().items as { id: number; status: string; recordKey: string | null; supersededBy: number | null; raw: Record<string, string> }[]);
const record = async (key: string) =>
  (await ctx.db.selectFrom('source_record').selectAll().where('source_code', '=', 'CORE').where('record_key', '=', key).executeTakeFirst())!;
const logOf = async (loadId: number) =>
  (await ctx.db.selectFrom('interface_load_log').select(['level', 'message']).where('load_id', '=', loadId).orderBy('id').execute())
    .map((l) => ({ level: l.level, ...(JSON.parse(l.message) as { zh: string; en: string }) }));
const withMobile = (i: number, prefix: string, mobile: string) => { const r = personRow(i, prefix); r[6] = mobile; return r; };

beforeAll(async () => {
  ctx = await createTestContext({ home: dir });
  await seedSmallBank(ctx.db);
  cookie = await login(ctx.app, 'admin', PASSWORD);
});
afterAll(async () => {
  await ctx?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('quarantine rows of a key a later load accepted (bug 1)', () => {
  it('are closed as superseded, counted nowhere as open, and refused (409) when fixed', async () => {
    const id = await newInterface('STALE1');
    const first = await load(id, writeCsv(path.join(dir, 'stale1.csv'), [withMobile(1, 'S', '12345'), withMobile(2, 'S', '12345')]));
    const [q1, q2] = (await quarantine(id)).sort((a, b) => a.id - b.id);
    expect(q1!.recordKey).toBe('S0000001');
    // The next day's extract carries S0000001 with a good mobile: it is loaded, and its quarantined row is stale.
    const second = await load(id, writeCsv(path.join(dir, 'stale2.csv'), [withMobile(1, 'S', '13911112222')]));
    expect(second).toBeGreaterThan(first);
    const superseded = await quarantine(id, 'superseded');
    expect(superseded).toEqual([expect.objectContaining({ id: q1!.id, status: 'superseded', supersededBy: second })]);
    expect((await quarantine(id)).map((q) => q.id)).toEqual([q2!.id]);
    expect((await api('GET', '/api/interfaces')).json().items.find((i: { id: number }) => i.id === id).openQuarantine).toBe(1);
    expect((await logOf(second)).some((l) => /superseded/.test(l.en) && /取代/.test(l.zh))).toBe(true);

    const before = await record('S0000001');
    const fix = await api('PUT', `/api/interfaces/${id}/quarantine/${q1!.id}`, { raw: { mobile: '13800000000' } });
    expect(fix.statusCode, fix.body).toBe(409);
    expect(fix.json().error.messages.en).toMatch(/stale.*later load \(#\d+\)/);
    expect(fix.json().error.messages.zh).toMatch(/过时/);
    const resubmit = await api('POST', `/api/interfaces/${id}/quarantine/resubmit`, { ids: [q1!.id] });
    expect(resubmit.statusCode).toBe(409);
    const after = await record('S0000001');
    expect(after.mobile).toBe(before.mobile);
    expect(after.mobile).toBe('+8613911112222');
  });

  it('re-submit all skips a stale row (kept before keys were recorded) and never writes older data over newer', async () => {
    const id = await newInterface('STALE2');
    await load(id, writeCsv(path.join(dir, 'stale3.csv'), [withMobile(11, 'T', '12345'), withMobile(12, 'T', '12345')]));
    const rows = (await quarantine(id)).sort((a, b) => a.id - b.id);
    // As rows quarantined before migration 0028 are: no key recorded, so no load could supersede them.
    await sql`UPDATE interface_quarantine SET record_key = NULL WHERE interface_id = ${id}`.execute(ctx.db);
    await load(id, writeCsv(path.join(dir, 'stale4.csv'), [withMobile(11, 'T', '13911113333')]));
    expect((await quarantine(id)).length).toBe(2);
    // The mapping now takes any mobile as it is: re-submitting would accept both rows.
    const cur = (await api('GET', `/api/interfaces/${id}`)).json();
    const mapping = { ...cur.mapping, fields: cur.mapping.fields.filter((f: { field: string }) => f.field !== 'mobile') };
    expect((await api('POST', `/api/interfaces/${id}/mappings`, { mapping, note: 'no mobile' })).statusCode).toBe(201);
    const before = await record('T0000011');
    const res = await api('POST', `/api/interfaces/${id}/quarantine/resubmit`, {});
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ read: 1, accepted: 1, superseded: 1 });
    const after = await record('T0000011');
    expect(after.mobile).toBe('+8613911113333');
    expect(after.last_load_id).toBe(before.last_load_id);
    expect((await quarantine(id, 'superseded')).map((q) => q.id)).toEqual([rows[0]!.id]);
  });

  it('migration 0028 gives rows kept before it their key and closes the stale ones', async () => {
    const id = await newInterface('STALE3');
    const first = await load(id, writeCsv(path.join(dir, 'stale5.csv'), [withMobile(15, 'U', '12345'), withMobile(16, 'U', '12345')]));
    await sql`UPDATE interface_quarantine SET record_key = NULL WHERE interface_id = ${id}`.execute(ctx.db);
    const second = await load(id, writeCsv(path.join(dir, 'stale6.csv'), [withMobile(15, 'U', '13911114444')]));
    await supersedeStale(ctx.db);
    const rows = (await quarantine(id, '')).sort((a, b) => a.id - b.id);
    expect(rows.map((q) => [q.recordKey, q.status, q.supersededBy])).toEqual([['U0000015', 'superseded', second], ['U0000016', 'open', null]]);
    expect(second).toBeGreaterThan(first);
  });
});

describe('a quarantine fix (bug 2)', () => {
  it('cannot change the record key, and its audit holds each changed column before and after', async () => {
    const id = await newInterface('FIXKEY');
    await load(id, writeCsv(path.join(dir, 'fixkey.csv'), [withMobile(21, 'K', '12345')]));
    const [q] = await quarantine(id);
    const moved = await api('PUT', `/api/interfaces/${id}/quarantine/${q!.id}`, { raw: { record_id: 'K9999999', mobile: '13800001111' } });
    expect(moved.statusCode, moved.body).toBe(400);
    expect(moved.json().error.fields).toEqual([expect.objectContaining({ field: 'raw.record_id', rule: 'recordKey' })]);
    expect(moved.json().error.fields[0].message).toMatch(/record_id.*主键/);
    expect(await ctx.db.selectFrom('source_record').select('id').where('record_key', '=', 'K9999999').executeTakeFirst()).toBeUndefined();

    const ok = await api('PUT', `/api/interfaces/${id}/quarantine/${q!.id}`, { raw: { record_id: 'K0000021', mobile: '13800001111' } });
    expect(ok.statusCode, ok.body).toBe(200);
    const a = await ctx.db.selectFrom('audit_log').select(['fields', 'changes']).where('entity', '=', 'interface_quarantine').where('action', '=', 'update')
      .where('entity_id', '=', String(q!.id)).executeTakeFirstOrThrow();
    expect(a.fields).toEqual(['mobile']);
    expect((a.changes as { raw: unknown }).raw).toEqual({ mobile: { from: '12345', to: '13800001111' } });
  });
});

describe('JSON lines (bug 3)', () => {
  it('keeps the digits of numbers past 2^53: two keys stay two records, an ID number as a number keeps its check digit', async () => {
    const id = await newInterface('JBIG');
    const row = (key: string, name: string, idNo: string) => `{"record_id": ${key}, "kind": "person", "name": "${name}", "id_type": "ID_CARD", "id_no": ${idNo}, "mobile": "", "email": "", "birth_date": "", "gender": "M", "address": "", "employer": "", "legal_rep": ""}`;
    const file = path.join(dir, 'big.jsonl');
    // An 18-digit resident ID whose check character is a digit, written as a JSON number.
    const idNo = [...Array(200).keys()].map((k) => makeResidentId('110105', '19491231', String(100 + k))).find((x) => /\d$/.test(x))!;
    fs.writeFileSync(file, `${row('12345678901234567890', '黄七', idNo)}\n${row('12345678901234567891', '黄八', '"11010519491231002X"')}\n`);
    const loadId = await load(id, file);
    const l = await ctx.db.selectFrom('interface_load').selectAll().where('id', '=', loadId).executeTakeFirstOrThrow();
    expect({ accepted: l.accepted, rejected: l.rejected, inserted: l.inserted }).toEqual({ accepted: 2, rejected: 0, inserted: 2 });
    expect((await record('12345678901234567890')).id_no).toBe(idNo);
    expect((await record('12345678901234567891')).name).toBe('黄八');
  });
});

describe('account fields (bug 4)', () => {
  it('a mapping with account fields but no product code is refused; a row without an account is a party without one', async () => {
    const id = await newInterface('ACCT');
    const cur = (await api('GET', `/api/interfaces/${id}`)).json();
    const fields = [...cur.mapping.fields, { field: 'account.accountNo', column: 'account_no' }, { field: 'account.balanceFen', column: 'balance', transforms: ['yuan_to_fen'] }];
    const refused = await api('POST', `/api/interfaces/${id}/mappings`, { mapping: { ...cur.mapping, fields }, note: 'accounts' });
    expect(refused.statusCode, refused.body).toBe(400);
    expect(refused.json().error.fields).toEqual([expect.objectContaining({ field: 'mapping.account.productCode', rule: 'required' })]);
    const saved = await api('POST', `/api/interfaces/${id}/mappings`, { mapping: { ...cur.mapping, fields: [...fields, { field: 'account.productCode', value: 'SAV001' }] }, note: 'accounts' });
    expect(saved.statusCode, saved.body).toBe(201);
    const header = [...HEADER, 'account_no', 'balance'];
    const file = writeCsv(path.join(dir, 'acct.csv'), [[...personRow(31, 'A'), '', '0'], [...personRow(32, 'A'), '', ''], [...personRow(33, 'A'), '6222000033', '10.00']], header);
    const loadId = await load(id, file);
    const l = await ctx.db.selectFrom('interface_load').selectAll().where('id', '=', loadId).executeTakeFirstOrThrow();
    expect({ accepted: l.accepted, rejected: l.rejected }).toEqual({ accepted: 3, rejected: 0 });
    expect((await record('A0000031')).accounts).toEqual([]);
    expect((await record('A0000033')).accounts).toEqual([expect.objectContaining({ accountNo: '6222000033', balanceFen: 1000, productCode: 'SAV001' })]);
  });
});

describe('statistics after a big load (bug 6)', () => {
  it('a load writing many records (here the threshold is lowered to 30) runs ANALYZE on source_record and match_key', async () => {
    const id = await newInterface('STATS');
    const t0 = (await sql<{ now: Date }>`SELECT now() AS now`.execute(ctx.db)).rows[0]!.now;
    const loadId = await load(id, writeCsv(path.join(dir, 'stats.csv'), Array.from({ length: 40 }, (_, i) => personRow(100 + i, 'Z'))), { resolve: true, analyzeRows: 30 });
    const stats = await sql<{ relname: string; last_analyze: Date | null; n_mod_since_analyze: string }>`
      SELECT relname, last_analyze, n_mod_since_analyze FROM pg_stat_user_tables WHERE relname IN ('source_record', 'match_key') ORDER BY relname`.execute(ctx.db);
    expect(stats.rows.map((r) => r.relname)).toEqual(['match_key', 'source_record']);
    for (const r of stats.rows) {
      expect(r.last_analyze, r.relname).not.toBeNull();
      expect(r.last_analyze!.getTime(), r.relname).toBeGreaterThanOrEqual(t0.getTime());
    }
    expect((await logOf(loadId)).some((l) => /ANALYZE/.test(l.en))).toBe(true);
  });
});

describe('the smaller findings (bug 7)', () => {
  it('a full-width space inside a Chinese name goes', async () => {
    const id = await newInterface('NAMES');
    const r = personRow(41, 'N'); r[3] = '张　伟';
    await load(id, writeCsv(path.join(dir, 'names.csv'), [r]));
    expect((await record('N0000041')).name).toBe('张伟');
  });

  it('a failing interface keeps one open alert until it succeeds again', async () => {
    const id = await newInterface('ALERTS');
    const admin = await ctx.db.selectFrom('app_user').select('id').where('username', '=', 'admin').executeTakeFirstOrThrow();
    expect((await api('PATCH', `/api/interfaces/${id}`, { ownerUserId: admin.id })).statusCode).toBe(200);
    const failedLoad = async () => (await ctx.db.insertInto('interface_load').values({
      interface_id: id, source_code: 'CORE', mapping_version: 1, trigger: 'schedule', status: 'failed', created_by: admin.id, finished_at: new Date(),
    } as never).returning('id').executeTakeFirstOrThrow()).id as number;
    const alertsOf = () => ctx.db.selectFrom('reminder_event').select(['id', 'title', 'note']).where('user_id', '=', admin.id)
      .where(sql<boolean>`starts_with(title, ${'接口 ALERTS 运行失败'})`).orderBy('id').execute();
    for (let k = 0; k < 3; k++) await service.alertFailure(ctx.db, await failedLoad(), { zh: '连接失败', en: 'connection failed' });
    const one = await alertsOf();
    expect(one).toHaveLength(1);
    expect(one[0]!.note).toMatch(/3 times in a row/);
    // It succeeds, then fails again: a new alert.
    await load(id, writeCsv(path.join(dir, 'alerts.csv'), [personRow(51, 'L')]));
    await service.alertFailure(ctx.db, await failedLoad(), { zh: '连接失败', en: 'connection failed' });
    expect(await alertsOf()).toHaveLength(2);
  });

  it('a truncated file (last line cut, no final line break) says so in the load log', async () => {
    const id = await newInterface('TRUNC');
    const file = path.join(dir, 'trunc.csv');
    const cut = personRow(61, 'C').slice(0, 4);
    fs.writeFileSync(file, [HEADER, personRow(60, 'C')].map(csvLine).join('\n') + '\n' + csvLine(cut));
    const loadId = await load(id, file);
    const warn = (await logOf(loadId)).find((l) => l.level === 'warn' && /truncated/.test(l.en));
    expect(warn?.zh).toMatch(/截断/);
    // The same rows with a final line break is no truncation (a short row, quarantined, but not cut off).
    const whole = path.join(dir, 'whole.csv');
    fs.writeFileSync(whole, [HEADER, personRow(62, 'C'), cut].map(csvLine).join('\n') + '\n');
    expect((await logOf(await load(id, whole))).some((l) => /truncated/.test(l.en))).toBe(false);
  });

  it('keys repeated in one file with other content are named in the load log', async () => {
    const id = await newInterface('DUPS');
    const a = personRow(71, 'D'), b = withMobile(71, 'D', '13922223333'), same = personRow(72, 'D');
    const loadId = await load(id, writeCsv(path.join(dir, 'dups.csv'), [a, same, b, same]));
    const warn = (await logOf(loadId)).find((l) => l.level === 'warn' && /overridden/.test(l.en));
    expect(warn?.en).toContain('D0000071');
    expect(warn?.en).not.toContain('D0000072');
    expect(warn?.zh).toContain('D0000071');
  });
});
