import fs from 'node:fs';
import path from 'node:path';
import { sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../../app.ts';
import { createTestContext, login, type TestContext } from '../../../test/context.ts';
import { PASSWORD, seedSmallBank } from '../../../test/fixtures.ts';
import { SYSTEM_ACTOR } from '../../../platform/audit.ts';
import { stopLoads } from '../interfaces.loader.ts';
import * as service from '../interfaces.service.ts';
import { GOLDEN_FIELDS } from '../../integration/integration.survivorship.ts';
import { HEADER, multipartBody, personRow, tmpDir, writeCsv, writeXlsx } from './helpers.ts';

let ctx: TestContext;
let bank: Awaited<ReturnType<typeof seedSmallBank>>;
const cookies: Record<string, string> = {};
const as = (user: string) => ({ cookie: cookies[user] });
const dir = tmpDir();
let ifaceId = 0;

async function upload(id: number, file: string, query = '') {
  const { payload, headers } = multipartBody(path.basename(file), fs.readFileSync(file));
  return ctx.app.inject({ method: 'POST', url: `/api/interfaces/${id}/loads${query}`, payload, headers: { ...headers, ...as('admin') } });
}

async function finished(loadId: number) {
  let l: { status: string } = { status: 'queued' };
  await expect.poll(async () => {
    l = (await ctx.app.inject({ url: `/api/interfaces/loads/${loadId}`, headers: as('admin') })).json();
    return l.status;
  }).toMatch(/succeeded|failed/);
  return l as { status: string; report: Record<string, number>; resolution: { done: number; total: number }; progress: number; error: unknown; id: number };
}

const count = async (table: 'source_record' | 'interface_load' | 'interface_quarantine', where = sql`true`) =>
  Number((await sql<{ n: string }>`SELECT count(*) AS n FROM ${sql.table(table)} WHERE ${where}`.execute(ctx.db)).rows[0]!.n);

async function dbState() {
  return { records: await count('source_record'), loads: await count('interface_load'), quarantine: await count('interface_quarantine') };
}

async function newInterface(code: string, sourceCode = 'CORE', extra: Record<string, unknown> = {}) {
  const res = await ctx.app.inject({ method: 'POST', url: '/api/interfaces', headers: as('admin'), payload: { code, name: code, sourceCode, connector: 'file', ...extra } });
  expect(res.statusCode, res.body).toBe(201);
  return res.json().id as number;
}

// 26 good rows, then one of each kind of bad row.
const good = Array.from({ length: 26 }, (_, i) => personRow(i));
const badMobile = personRow(100); badMobile[6] = '12345';
const badId = personRow(101); badId[5] = badId[5]!.slice(0, 17) + (badId[5]!.endsWith('0') ? '1' : '0');
const noName = personRow(102); noName[3] = '';
const ragged = personRow(103).slice(0, 9);
const mainFile = path.join(dir, 'core-2024-01.csv');

beforeAll(async () => {
  ctx = await createTestContext({ home: dir });
  bank = await seedSmallBank(ctx.db);
  for (const u of ['admin', 'hq', 'cm_a']) cookies[u] = await login(ctx.app, u, PASSWORD);
  writeCsv(mainFile, [...good, badMobile, badId, noName, ragged]);
  ifaceId = await newInterface('CORE_DAILY');
});
afterAll(async () => {
  await ctx?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('source registry (I2)', () => {
  it('registers a source with per-field trust and edits it', async () => {
    const res = await ctx.app.inject({
      method: 'POST', url: '/api/interfaces/sources', headers: as('admin'),
      payload: { code: 'card_sys', name: '信用卡系统（新）', kind: 'card', owner: '信用卡中心', valueRank: 70, fieldTrust: { address: 95, mobile: 80 } },
    });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json()).toMatchObject({ code: 'card_sys', valueRank: 70, fieldTrust: { address: 95, mobile: 80 } });
    const patched = await ctx.app.inject({ method: 'PATCH', url: '/api/interfaces/sources/card_sys', headers: as('hq'), payload: { fieldTrust: { address: 99, employer: 20 } } });
    expect(patched.json().fieldTrust).toEqual({ address: 99, employer: 20 });
    const list = (await ctx.app.inject({ url: '/api/interfaces/sources', headers: as('admin') })).json();
    expect(list.items.map((s: { code: string }) => s.code)).toEqual(expect.arrayContaining(['CORE', 'card_sys']));
  });
  it('refuses an unknown trust field and a trust over 100, naming the field', async () => {
    const a = await ctx.app.inject({ method: 'PATCH', url: '/api/interfaces/sources/card_sys', headers: as('admin'), payload: { fieldTrust: { shoe_size: 10 } } });
    expect(a.statusCode).toBe(400);
    expect(a.json().error.fields[0]).toMatchObject({ field: 'fieldTrust.shoe_size', rule: 'enum' });
    const b = await ctx.app.inject({ method: 'PATCH', url: '/api/interfaces/sources/card_sys', headers: as('admin'), payload: { fieldTrust: { address: 101 } } });
    expect(b.statusCode).toBe(400);
  });
  it('ships the bank\'s own systems with kinds, values and the documents\' field trust; manager entry can be edited too', async () => {
    const list = (await ctx.app.inject({ url: '/api/interfaces/sources', headers: as('admin') })).json();
    const by = Object.fromEntries(list.items.map((s: { code: string }) => [s.code, s]));
    // I2: the card system's mailing address, the loan system's income and employer are the most trusted.
    expect(by.CARD).toMatchObject({ kind: 'card', fieldTrust: { address: 95 } });
    expect(by.LOAN).toMatchObject({ kind: 'loan', fieldTrust: { income_fen: 95, employer: 95 } });
    const addressTrust = ['CORE', 'CARD', 'LOAN', 'WEALTH', 'CORP'].map((c) => by[c].fieldTrust.address ?? by[c].valueRank);
    expect(Math.max(...addressTrust)).toBe(by.CARD.fieldTrust.address);
    expect(by.WEALTH.valueRank).toBeGreaterThan(by.CARD.valueRank);
    // Rated on every golden field: none falls back to the customer value (where the wealth system's 90 would win names).
    for (const c of ['CORE', 'CARD', 'LOAN', 'WEALTH', 'CORP']) expect(Object.keys(by[c].fieldTrust).sort()).toEqual([...GOLDEN_FIELDS].sort());
    expect(by.CORE.fieldTrust.name).toBeGreaterThan(by.WEALTH.fieldTrust.name);
    // Each round-trips through its own edit form's payload: the manager-entry source (kind "manual"), and the card
    // system with trust in income and occupation (refused once: the registry knew only the mapping's target names).
    for (const code of ['MANUAL', 'CARD']) {
      const { name, nameEn, kind, owner, valueRank, fieldTrust, description } = by[code];
      const res = await ctx.app.inject({ method: 'PATCH', url: `/api/interfaces/sources/${code}`, headers: as('admin'), payload: { name, nameEn, kind, owner, valueRank, fieldTrust, description } });
      expect(res.statusCode, res.body).toBe(200);
      // A null stays null (the validator once coerced it to "").
      expect(res.json()).toMatchObject({ kind, valueRank, owner: null, fieldTrust });
    }
  });
  it('gives a source registered without field trust its kind\'s, so survivorship does not fall back to recency', async () => {
    const post = (payload: Record<string, unknown>) => ctx.app.inject({ method: 'POST', url: '/api/interfaces/sources', headers: as('admin'), payload });
    const card = await post({ code: 'card_bare', name: '信用卡（无可信度）', kind: 'card' });
    expect(card.statusCode, card.body).toBe(201);
    const cardTrust = card.json().fieldTrust;
    // Every golden field rated, as the built-in card system is: its mailing address above all.
    expect(Object.keys(cardTrust).sort()).toEqual([...GOLDEN_FIELDS].sort());
    expect(cardTrust.address).toBe(95);
    // The Sources page sends an empty trust when none was set: the same as none.
    const other = await post({ code: 'other_bare', name: '其他系统', kind: 'other', fieldTrust: {} });
    expect(Object.keys(other.json().fieldTrust).sort()).toEqual([...GOLDEN_FIELDS].sort());
    // An unknown system's identity is trusted above its contacts, and a card system's address above its.
    expect(other.json().fieldTrust.id_no).toBeGreaterThan(other.json().fieldTrust.address);
    expect(cardTrust.address).toBeGreaterThan(other.json().fieldTrust.address);
    // The defaults are offered to the form, by kind.
    const meta = (await ctx.app.inject({ url: '/api/interfaces/meta', headers: as('admin') })).json();
    expect(meta.defaultTrust.card).toEqual(cardTrust);
    expect(meta.defaultTrust.other).toEqual(other.json().fieldTrust);
  });
  it('offers the users an interface can be given to, and refuses another as owner', async () => {
    const owners = (await ctx.app.inject({ url: '/api/interfaces/owners', headers: as('admin') })).json();
    const names = owners.items.map((u: { username: string }) => u.username);
    expect(names).toEqual(expect.arrayContaining(['admin', 'hq']));
    expect(names).not.toContain('cm_a');
    const ok = await ctx.app.inject({ method: 'PATCH', url: `/api/interfaces/${ifaceId}`, headers: as('admin'), payload: { ownerUserId: bank.users.hq } });
    expect(ok.json()).toMatchObject({ ownerUserId: bank.users.hq });
    const bad = await ctx.app.inject({ method: 'PATCH', url: `/api/interfaces/${ifaceId}`, headers: as('admin'), payload: { ownerUserId: bank.users.cm_a } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.fields[0]).toMatchObject({ field: 'ownerUserId', rule: 'exists' });
  });
  it('is only for those who manage interfaces', async () => {
    expect((await ctx.app.inject({ url: '/api/interfaces/sources', headers: as('cm_a') })).statusCode).toBe(403);
  });
});

describe('load → quarantine → fix → reload', () => {
  let firstLoad = 0;
  it('loads a UTF-8 CSV: canonical values, a report, every rejected row kept with its reasons', async () => {
    const res = await upload(ifaceId, mainFile);
    expect(res.statusCode, res.body).toBe(202);
    const l = await finished(res.json().id);
    firstLoad = l.id;
    expect(l.status).toBe('succeeded');
    expect(l.progress).toBe(1);
    expect(l.report).toEqual({ read: 30, accepted: 26, rejected: 4, unverifiedIds: 0, new: 26, changed: 0, unchanged: 0, duplicates: 0 });
    // Every accepted record was handed to integration and resolved into a customer, counted as it went.
    expect(l.resolution).toEqual({ done: 26, total: 26, expected: 26 });
    const r0 = await ctx.db.selectFrom('source_record').selectAll().where('record_key', '=', 'R0000000').executeTakeFirstOrThrow();
    expect(r0).toMatchObject({ source_code: 'CORE', kind: 'person', id_type: 'resident_id', mobile: '+8613800000000', birth_date: '1950-01-01', gender: 'F', first_load_id: firstLoad });
    // Every mobile format became E.164, every date format ISO.
    const all = await ctx.db.selectFrom('source_record').select(['mobile', 'birth_date']).where('source_code', '=', 'CORE').execute();
    expect(all.every((r) => /^\+861\d{10}$/.test(r.mobile!) && /^\d{4}-\d{2}-\d{2}$/.test(r.birth_date!))).toBe(true);
    const q = (await ctx.app.inject({ url: `/api/interfaces/${ifaceId}/quarantine?status=open`, headers: as('admin') })).json();
    expect(q.total).toBe(4);
    const rules = q.items.map((x: { reasons: { field: string; rule: string }[] }) => x.reasons.map((r) => `${r.field}:${r.rule}`).join());
    expect(rules.sort()).toEqual(['id_no:residentId.checksum', 'mobile:mobile', 'name:required', 'row:columnCount']);
    expect(q.items[0].reasons[0].message).toEqual({ zh: expect.any(String), en: expect.any(String) });
  });

  it('audits the load as one entry with its counts, and every read of the quarantine', async () => {
    const a = await ctx.db.selectFrom('audit_log').select(['action', 'changes']).where('entity', '=', 'interface_load').where('entity_id', '=', String(firstLoad)).where('action', '=', 'import').executeTakeFirstOrThrow();
    expect(a.changes).toMatchObject({ read: 30, accepted: 26, rejected: 4, new: 26 });
    expect(await count('audit_log' as never, sql`entity = 'interface_quarantine' AND action = 'read'`)).toBeGreaterThan(0);
  });

  it('keeps personal data in quarantine from users without the permission', async () => {
    expect((await ctx.app.inject({ url: `/api/interfaces/${ifaceId}/quarantine`, headers: as('cm_a') })).statusCode).toBe(403);
  });

  it('loading the same file twice changes nothing', async () => {
    const before = await ctx.db.selectFrom('source_record').select(['id', 'updated_at', 'content_hash', 'last_load_id']).orderBy('id').execute();
    const qBefore = await count('interface_quarantine');
    const l = await finished((await upload(ifaceId, mainFile)).json().id);
    expect(l.report).toEqual({ read: 30, accepted: 26, rejected: 4, unverifiedIds: 0, new: 0, changed: 0, unchanged: 26, duplicates: 0 });
    const after = await ctx.db.selectFrom('source_record').select(['id', 'updated_at', 'content_hash', 'last_load_id']).orderBy('id').execute();
    expect(after).toEqual(before);
    expect(await count('interface_quarantine')).toBe(qBefore);
  });

  it('a key repeated within one file is counted as a duplicate, not a change: reloading the file changes nothing', async () => {
    const id = await newInterface('MANUAL_DUPS', 'MANUAL');
    const rows = Array.from({ length: 8 }, (_, i) => personRow(900 + i, 'D'));
    const again = rows[4]!.slice();
    again[10] = '上海市浦东新区另一地址9号';
    // D…900 twice identically; D…904 twice with different content (the later row is the one kept).
    const f = writeCsv(path.join(dir, 'dups.csv'), [...rows, rows[0]!.slice(), again]);
    const first = await finished((await upload(id, f)).json().id);
    expect(first.report).toEqual({ read: 10, accepted: 10, rejected: 0, unverifiedIds: 0, new: 8, changed: 0, unchanged: 0, duplicates: 2 });
    const second = await finished((await upload(id, f)).json().id);
    expect(second.report).toEqual({ read: 10, accepted: 10, rejected: 0, unverifiedIds: 0, new: 0, changed: 0, unchanged: 8, duplicates: 2 });
    const kept = await ctx.db.selectFrom('source_record').select('address').where('source_code', '=', 'MANUAL').where('record_key', '=', rows[4]![0]!).executeTakeFirstOrThrow();
    expect(kept.address).toBe('上海市浦东新区另一地址9号');
  });

  it('a stored hash from an earlier definition, the content equal column by column, is unchanged: only the hash is renewed', async () => {
    const key = 'R0000001';
    const before = await ctx.db.selectFrom('source_record').select(['content_hash', 'updated_at', 'match_status']).where('record_key', '=', key).executeTakeFirstOrThrow();
    await ctx.db.updateTable('source_record').set({ content_hash: Buffer.alloc(32, 7) }).where('record_key', '=', key).execute();
    const l = await finished((await upload(ifaceId, mainFile)).json().id);
    expect(l.report).toEqual({ read: 30, accepted: 26, rejected: 4, unverifiedIds: 0, new: 0, changed: 0, unchanged: 26, duplicates: 0 });
    const after = await ctx.db.selectFrom('source_record').select(['content_hash', 'updated_at', 'match_status', 'last_load_id']).where('record_key', '=', key).executeTakeFirstOrThrow();
    expect(after).toEqual({ ...before, last_load_id: firstLoad });
    expect(l.resolution).toEqual({ done: 0, total: 0, expected: 0 });
  });

  it('a changed row is updated and goes back to matching; the report says so', async () => {
    const changed = [...good.map((r) => [...r]), badMobile, badId, noName, ragged];
    changed[3]![10] = '北京市东城区新地址1号';
    const f = writeCsv(path.join(dir, 'core-2024-02.csv'), changed);
    await ctx.db.updateTable('source_record').set({ match_status: 'matched' }).where('record_key', '=', 'R0000003').execute();
    const l = await finished((await upload(ifaceId, f)).json().id);
    expect(l.report).toMatchObject({ read: 30, new: 0, changed: 1, unchanged: 25 });
    const r = await ctx.db.selectFrom('source_record').select(['address', 'last_load_id']).where('record_key', '=', 'R0000003').executeTakeFirstOrThrow();
    expect(r).toMatchObject({ address: '北京市东城区新地址1号', last_load_id: l.id });
  });

  it('a fix that still breaks a rule is refused naming the column and the rule; a good fix is loaded', async () => {
    const q = (await ctx.app.inject({ url: `/api/interfaces/${ifaceId}/quarantine?rule=mobile`, headers: as('admin') })).json();
    const row = q.items[0];
    const stillBad = await ctx.app.inject({ method: 'PUT', url: `/api/interfaces/${ifaceId}/quarantine/${row.id}`, headers: as('admin'), payload: { raw: { ...row.raw, mobile: '999' } } });
    expect(stillBad.statusCode).toBe(400);
    expect(stillBad.json().error.fields[0]).toMatchObject({ field: 'raw.mobile', rule: 'mobile' });
    const fixed = await ctx.app.inject({ method: 'PUT', url: `/api/interfaces/${ifaceId}/quarantine/${row.id}`, headers: as('admin'), payload: { raw: { ...row.raw, mobile: '139 0000 1234' } } });
    expect(fixed.statusCode, fixed.body).toBe(200);
    expect(fixed.json()).toMatchObject({ read: 1, accepted: 1, new: 1 });
    const rec = await ctx.db.selectFrom('source_record').select('mobile').where('record_key', '=', row.raw.record_id).executeTakeFirstOrThrow();
    expect(rec.mobile).toBe('+8613900001234');
    const after = (await ctx.app.inject({ url: `/api/interfaces/${ifaceId}/quarantine?status=resolved`, headers: as('admin') })).json();
    expect(after.items.map((x: { id: number }) => x.id)).toContain(row.id);
  });

  it('after a mapping change (new version), re-submitting the quarantine loads what now passes', async () => {
    const cur = (await ctx.app.inject({ url: `/api/interfaces/${ifaceId}`, headers: as('admin') })).json();
    // The source keys missing names as blank: accept them with a placeholder (a business decision, versioned).
    const mapping = { ...cur.mapping, fields: cur.mapping.fields.map((f: { field: string }) => (f.field === 'name' ? { ...f, required: false } : f)) };
    const saved = await ctx.app.inject({ method: 'POST', url: `/api/interfaces/${ifaceId}/mappings`, headers: as('admin'), payload: { mapping, note: '名称可空' } });
    expect(saved.statusCode, saved.body).toBe(201);
    expect(saved.json().mappingVersion).toBe(2);
    const versions = (await ctx.app.inject({ url: `/api/interfaces/${ifaceId}/mappings`, headers: as('admin') })).json();
    expect(versions.items.map((v: { version: number }) => v.version)).toEqual([2, 1]);
    const res = (await ctx.app.inject({ method: 'POST', url: `/api/interfaces/${ifaceId}/quarantine/resubmit`, headers: as('admin'), payload: {} })).json();
    expect(res).toMatchObject({ read: 3, accepted: 1, rejected: 2 });
    const open = (await ctx.app.inject({ url: `/api/interfaces/${ifaceId}/quarantine?status=open`, headers: as('admin') })).json();
    expect(open.items.map((x: { reasons: { rule: string }[] }) => x.reasons[0]!.rule).sort()).toEqual(['columnCount', 'residentId.checksum'].sort());
  });

  it('a rejected row can be discarded only with a note, and stays on record', async () => {
    const open = (await ctx.app.inject({ url: `/api/interfaces/${ifaceId}/quarantine?rule=columnCount`, headers: as('admin') })).json();
    const id = open.items[0].id;
    expect((await ctx.app.inject({ method: 'POST', url: `/api/interfaces/${ifaceId}/quarantine/${id}/discard`, headers: as('admin'), payload: {} })).statusCode).toBe(400);
    for (const note of ['', '   ']) {
      const empty = await ctx.app.inject({ method: 'POST', url: `/api/interfaces/${ifaceId}/quarantine/${id}/discard`, headers: as('admin'), payload: { note } });
      expect(empty.statusCode).toBe(400);
      expect(empty.json().error.fields).toEqual([expect.objectContaining({ field: 'note', rule: 'required', messages: { zh: '请填写舍弃原因', en: 'say why the row is discarded' } })]);
    }
    const ok = await ctx.app.inject({ method: 'POST', url: `/api/interfaces/${ifaceId}/quarantine/${id}/discard`, headers: as('admin'), payload: { note: '源系统确认为测试数据' } });
    expect(ok.json()).toEqual({ id, status: 'discarded' });
    expect(await count('interface_quarantine', sql`id = ${id} AND status = 'discarded'`)).toBe(1);
  });

  it('a file interface takes a schedule only with a landing folder (else files come by upload or CLI)', async () => {
    const res = await ctx.app.inject({ method: 'PATCH', url: `/api/interfaces/${ifaceId}`, headers: as('admin'), payload: { cron: '0 2 * * *' } });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.fields[0]).toMatchObject({ field: 'cron', rule: 'landing' });
  });

  it('exports a mapping version as JSON and as Excel', async () => {
    const json = await ctx.app.inject({ url: `/api/interfaces/${ifaceId}/mappings/1/export?format=json`, headers: as('admin') });
    expect(json.statusCode).toBe(200);
    expect(JSON.parse(json.body)).toMatchObject({ interface: 'CORE_DAILY', version: 1, mapping: { recordKey: ['record_id'] } });
    const xlsx = await ctx.app.inject({ url: `/api/interfaces/${ifaceId}/mappings/2/export?format=xlsx`, headers: as('admin') });
    expect(xlsx.statusCode).toBe(200);
    expect(xlsx.rawPayload.subarray(0, 2).toString()).toBe('PK');
  });
});

describe('encodings and formats', () => {
  it('detects a GBK extract and loads its Chinese text intact', async () => {
    const id = await newInterface('CARD_GBK', 'CARD');
    const f = writeCsv(path.join(dir, 'card-gbk.csv'), [personRow(500, 'G'), personRow(501, 'G')], HEADER, 'gbk');
    const res = await upload(id, f);
    expect(res.json().encoding).toBe('gb18030');
    expect((await finished(res.json().id)).report).toMatchObject({ accepted: 2, new: 2 });
    const r = await ctx.db.selectFrom('source_record').select(['name', 'address']).where('source_code', '=', 'CARD').where('record_key', '=', 'G0000500').executeTakeFirstOrThrow();
    expect(r).toEqual({ name: personRow(500)[3], address: personRow(500)[10] });
  });

  it('a GBK file declared as UTF-8 is refused before anything is written', async () => {
    const id = await newInterface('CARD_UTF8', 'CARD', { encoding: 'utf8' });
    const f = writeCsv(path.join(dir, 'card-gbk2.csv'), [personRow(502, 'G')], HEADER, 'gbk');
    const before = await dbState();
    const res = await upload(id, f);
    expect(res.statusCode).toBe(400);
    expect(res.json().error.fields[0]).toMatchObject({ field: 'encoding', rule: 'decode' });
    // The message points at the first bad byte: the name, the 4th field of the first data row.
    const at = Buffer.byteLength(`${HEADER.join(',')}\n${personRow(502, 'G').slice(0, 3).join(',')},`);
    expect(res.json().error.fields[0].messages.en).toContain(`near byte ${at})`);
    expect(await dbState()).toEqual(before);
    // Past the first megabyte read, with a character cut by the read between its bytes: still the byte itself.
    const far = path.join(dir, 'far.csv');
    const lead = `${HEADER.join(',')}\n` + 'x'.repeat(2 ** 20 - HEADER.join(',').length - 2);
    fs.writeFileSync(far, Buffer.concat([Buffer.from(lead), Buffer.from('张三,'), Buffer.from([0xd5, 0xc5])]));
    const r2 = await upload(id, far);
    expect(r2.json().error.fields[0].messages.en).toContain(`near byte ${Buffer.byteLength(lead) + Buffer.byteLength('张三,')})`);
  });

  it('a GBK file broken half-way (bytes GB18030 cannot decode) is refused before anything is written', async () => {
    const id = await newInterface('CARD_GBK_BAD', 'CARD', { encoding: 'gb18030' });
    const f = writeCsv(path.join(dir, 'card-gbk-bad.csv'), Array.from({ length: 3000 }, (_, i) => personRow(800 + i, 'B')), HEADER, 'gbk');
    // A lone lead byte followed by a line break, far past the first 64 KB.
    fs.appendFileSync(f, Buffer.from([0x42, 0x39, 0x39, 0x2c, 0x81, 0x0a]));
    const before = await dbState();
    const res = await upload(id, f);
    expect(res.statusCode).toBe(400);
    expect(res.json().error.fields[0]).toMatchObject({ field: 'encoding', rule: 'decode' });
    expect(await dbState()).toEqual(before);
  });

  it('loads an XLSX workbook (dates as cells) and JSON lines', async () => {
    const id = await newInterface('LOAN_XLSX', 'LOAN');
    const row = personRow(600, 'X');
    const f = await writeXlsx(path.join(dir, 'loan.xlsx'), [row, [...personRow(601, 'X').slice(0, 8), new Date(Date.UTC(1980, 4, 6)), 'F', '上海', '', '']]);
    const l = await finished((await upload(id, f)).json().id);
    expect(l.report).toMatchObject({ read: 2, accepted: 2, new: 2 });
    expect((await ctx.db.selectFrom('source_record').select('birth_date').where('record_key', '=', 'X0000601').executeTakeFirstOrThrow()).birth_date).toBe('1980-05-06');
    const j = path.join(dir, 'loan.jsonl');
    const obj = (r: string[]) => JSON.stringify(Object.fromEntries(HEADER.map((h, i) => [h, r[i]])));
    fs.writeFileSync(j, [obj(personRow(700, 'J')), obj(personRow(701, 'J')), '{broken'].join('\n'));
    const lj = await finished((await upload(id, j)).json().id);
    expect(lj.report).toMatchObject({ read: 3, accepted: 2, rejected: 1 });
  });

  it('JSON lines: a key a line lacks is null there, not a missing column', async () => {
    const id = await newInterface('LOAN_JSONL', 'LOAN');
    const j = path.join(dir, 'optional.jsonl');
    const full = (r: string[]) => Object.fromEntries(HEADER.map((h, i) => [h, r[i]]));
    const { email: _e, address: _a, ...lean } = full(personRow(710, 'J'));
    fs.writeFileSync(j, [JSON.stringify(lean), JSON.stringify(full(personRow(711, 'J')))].join('\n') + '\n');
    const res = await upload(id, j);
    expect(res.statusCode, res.body).toBe(202);
    expect((await finished(res.json().id)).report).toMatchObject({ read: 2, accepted: 2, rejected: 0, new: 2 });
    expect((await ctx.db.selectFrom('source_record').select('address').where('record_key', '=', 'J0000710').executeTakeFirstOrThrow()).address).toBeNull();
    // A mapped column no line has at all is still missing.
    const { mobile: _m, ...noMobile } = lean;
    fs.writeFileSync(j, JSON.stringify(noMobile) + '\n');
    const bad = await upload(id, j);
    expect(bad.statusCode).toBe(400);
    const fields = bad.json().error.fields.map((f: { field: string }) => f.field);
    expect(fields).toContain('header.mobile');
    expect(fields).not.toContain('header.name');
  });

  it('XLSX: a rejected row is reported by the sheet\'s own row number, blank rows and the header counted', async () => {
    const id = await newInterface('LOAN_XLSX_ROWS', 'LOAN');
    const bad = personRow(652, 'X');
    bad[6] = '12345';
    // Sheet rows: 1 header, 2 good, 3 blank, 4 good, 5–6 blank, 7 good, 8 bad.
    const f = await writeXlsx(path.join(dir, 'rows.xlsx'), [personRow(650, 'X'), [], personRow(651, 'X'), [], [], personRow(653, 'X'), bad]);
    const l = await finished((await upload(id, f)).json().id);
    expect(l.report).toMatchObject({ read: 4, accepted: 3, rejected: 1 });
    const q = (await ctx.app.inject({ url: `/api/interfaces/${id}/quarantine`, headers: as('admin') })).json();
    expect(q.items.map((x: { rowNo: number }) => x.rowNo)).toEqual([8]);
  });

  it('banyan import: a refused file leaves no interface behind; the one it creates is named in both languages', async () => {
    const short = writeCsv(path.join(dir, 'corp-short.csv'), [['R1', '张三']], ['record_id', 'name']);
    const before = await dbState();
    await expect(service.queueImport(ctx.db, SYSTEM_ACTOR, 'CORP', undefined, { path: short, fileName: 'corp-short.csv', trigger: 'cli', maxBytes: ctx.config.importMaxBytes }))
      .rejects.toMatchObject({ fields: expect.arrayContaining([expect.objectContaining({ field: 'header.mobile' })]) });
    expect(await dbState()).toEqual(before);
    expect(await ctx.db.selectFrom('interface').select('id').where('source_code', '=', 'CORP').execute()).toEqual([]);
    const good = writeCsv(path.join(dir, 'corp-good.csv'), [personRow(720, 'P')]);
    const q = await service.queueImport(ctx.db, SYSTEM_ACTOR, 'CORP', undefined, { path: good, fileName: 'corp-good.csv', trigger: 'cli', maxBytes: ctx.config.importMaxBytes });
    const i = await service.getInterface(ctx.db, q.interfaceId);
    expect(i.code).toBe('CORP_file');
    expect(i.name).toMatch(/文件导入 \/ .+ file import$/);
  });

  it('refuses a file missing mapped columns, naming each, and writes nothing', async () => {
    const f = writeCsv(path.join(dir, 'short.csv'), [['R1', '张三']], ['record_id', 'name']);
    const before = await dbState();
    const res = await upload(ifaceId, f);
    expect(res.statusCode).toBe(400);
    expect(res.json().error.fields.map((x: { field: string; rule: string }) => `${x.field}:${x.rule}`)).toEqual(expect.arrayContaining(['header.id_no:missingColumn', 'header.mobile:missingColumn']));
    expect(res.json().error.fields[0].messages.zh).toMatch(/缺少/);
    expect(await dbState()).toEqual(before);
  });

  it('refuses what is not a CSV/XLSX/JSON-lines file, and an empty one', async () => {
    const bin = path.join(dir, 'x.bin');
    fs.writeFileSync(bin, Buffer.from([0x00, 0x01, 0x02, 0x00, 0xff]));
    const before = await dbState();
    const a = await upload(ifaceId, bin);
    expect(a.statusCode).toBe(400);
    expect(a.json().error.fields[0]).toMatchObject({ field: 'file', rule: 'format' });
    const empty = path.join(dir, 'empty.csv');
    fs.writeFileSync(empty, '');
    expect((await upload(ifaceId, empty)).json().error.fields[0]).toMatchObject({ field: 'file', rule: 'empty' });
    expect(await dbState()).toEqual(before);
  });

  it('refuses an upload over the size limit with 413, and a 2 GB file before reading it', async () => {
    const small = await buildApp({ config: { ...ctx.config, importMaxBytes: 1000 }, db: ctx.db, pool: ctx.pool });
    await small.ready();
    try {
      const { payload, headers } = multipartBody('big.csv', Buffer.concat([fs.readFileSync(mainFile), fs.readFileSync(mainFile)]));
      const before = await dbState();
      const res = await small.inject({ method: 'POST', url: `/api/interfaces/${ifaceId}/loads`, payload, headers: { ...headers, ...as('admin') } });
      expect(res.statusCode).toBe(413);
      expect(res.json().error.fields[0]).toMatchObject({ field: 'file', rule: 'maxSize' });
      expect(await dbState()).toEqual(before);
      expect(fs.readdirSync(path.join(dir, 'imports')).filter((f) => f.endsWith('.upload'))).toEqual([]);
    } finally {
      await small.close();
    }
    const huge = path.join(dir, 'huge.csv');
    fs.writeFileSync(huge, HEADER.join(',') + '\n');
    fs.truncateSync(huge, 2 * 1024 ** 3); // sparse: 2 GB on paper, nothing on disk
    const before = await dbState();
    await expect(service.queueFileLoad(ctx.db, SYSTEM_ACTOR, ifaceId, { path: huge, fileName: 'huge.csv', trigger: 'cli', maxBytes: ctx.config.importMaxBytes }))
      .rejects.toMatchObject({ code: 'TOO_LARGE', fields: [{ field: 'file', rule: 'maxSize' }] });
    expect(await dbState()).toEqual(before);
    fs.rmSync(huge);
  });
});

describe('resumable loads', () => {
  it('a load stopped after two batches and run again ends with every row exactly once', async () => {
    const id = await newInterface('WEALTH_BIG', 'WEALTH');
    const rows = Array.from({ length: 2000 }, (_, i) => personRow(i, 'W'));
    const f = writeCsv(path.join(dir, 'wealth.csv'), rows);
    const { loadId } = await service.queueFileLoad(ctx.db, SYSTEM_ACTOR, id, { path: f, fileName: 'wealth.csv', trigger: 'cli', maxBytes: ctx.config.importMaxBytes });
    expect(await service.run(ctx.db, loadId, { batchRows: 300, stopAfterBatches: 2, resolve: false })).toBe('stopped');
    const half = await service.getLoad(ctx.db, loadId);
    expect(half).toMatchObject({ status: 'running', checkpointRow: 600 });
    expect(await count('source_record', sql`source_code = 'WEALTH'`)).toBe(600);
    // The same file again finds the unfinished load and resumes it.
    const again = await service.queueFileLoad(ctx.db, SYSTEM_ACTOR, id, { path: f, fileName: 'wealth.csv', trigger: 'cli', maxBytes: ctx.config.importMaxBytes });
    expect(again).toEqual({ loadId, resumed: true });
    expect(await service.run(ctx.db, loadId, { batchRows: 300, resolve: false })).toBe('succeeded');
    const done = await service.getLoad(ctx.db, loadId);
    expect(done.report).toEqual({ read: 2000, accepted: 2000, rejected: 0, unverifiedIds: 0, new: 2000, changed: 0, unchanged: 0, duplicates: 0 });
    expect(await count('source_record', sql`source_code = 'WEALTH'`)).toBe(2000);
    const dup = await sql<{ n: string }>`SELECT count(*) AS n FROM (SELECT record_key FROM source_record WHERE source_code = 'WEALTH' GROUP BY record_key HAVING count(*) > 1) d`.execute(ctx.db);
    expect(Number(dup.rows[0]!.n)).toBe(0);
  });

  it('a stopping server ends its loads at a batch boundary, left running for the next start to resume (not marked succeeded)', async () => {
    const id = await newInterface('WEALTH_STOP', 'WEALTH');
    const f = writeCsv(path.join(dir, 'wealth-stop.csv'), Array.from({ length: 900 }, (_, i) => personRow(i, 'S')));
    const { loadId } = await service.queueFileLoad(ctx.db, SYSTEM_ACTOR, id, { path: f, fileName: 'wealth-stop.csv', trigger: 'cli', maxBytes: ctx.config.importMaxBytes });
    // The server's pool: told to stop while the load's first batch is under way.
    const serverPool = new pg.Pool({ connectionString: ctx.url, max: 2 });
    const running = service.run(ctx.db, loadId, { pool: serverPool, batchRows: 300, resolve: false });
    await stopLoads(serverPool);
    expect(await running).toBe('stopped');
    expect(await service.run(ctx.db, loadId, { pool: serverPool })).toBe('stopped'); // nothing new starts on it
    await serverPool.end();
    expect(await service.getLoad(ctx.db, loadId)).toMatchObject({ status: 'running', checkpointRow: 300 });
    const log = (await service.loadLog(ctx.db, loadId)).items.map((x) => x.message);
    expect(log.at(-1)).toBe("stopped (the server is stopping, or the command was interrupted): loaded up to row 300; it resumes at the server's next start or when the same command runs again");
    // The next start's tick resumes it.
    expect(await service.run(ctx.db, loadId, { batchRows: 300, resolve: false })).toBe('succeeded');
    expect((await service.getLoad(ctx.db, loadId)).report).toMatchObject({ read: 900, new: 900 });
  });

  // Without a quote the file is cut at its line breaks, each thread reading its own batches; with one (a quoted
  // address holding a comma and a line break) each thread reads the whole file and maps its share.
  it.each([['cut at line breaks', false], ['read whole by each thread', true]])('on two mapping threads (%s): stopped, resumed, then reloaded with changes, every row once and in order', async (_how, quoted) => {
    const id = await newInterface(quoted ? 'WEALTH_THREADS_Q' : 'WEALTH_THREADS', quoted ? 'CARD' : 'WEALTH');
    const src = quoted ? 'CARD' : 'WEALTH';
    const rows = Array.from({ length: 1000 }, (_, i) => personRow(i, 'T'));
    rows.push(rows[10]!.slice(), rows[10]!.slice()); // a repeated key: first in batch 0, then twice in the last batch
    rows[1000]![3] = '后来者甲';
    rows[1001]![3] = '后来者乙';
    rows[400]![6] = '12345'; // one rejected row
    if (quoted) rows[650]![10] = '北京市西城区, 金融大街\n7号';
    const f = writeCsv(path.join(dir, `threads-${src}.csv`), rows);
    const run = (loadId: number, extra = {}) => service.run(ctx.db, loadId, { batchRows: 100, resolve: false, workerBytes: 0, workers: 2, ...extra });
    const { loadId } = await service.queueFileLoad(ctx.db, SYSTEM_ACTOR, id, { path: f, fileName: 'wt.csv', trigger: 'cli', maxBytes: ctx.config.importMaxBytes });
    expect(await run(loadId, { stopAfterBatches: 3 })).toBe('stopped');
    expect(await service.getLoad(ctx.db, loadId)).toMatchObject({ checkpointRow: 300 });
    expect(await run(loadId)).toBe('succeeded');
    const done = await service.getLoad(ctx.db, loadId);
    // Rows 1001 and 1002 repeat T0000010 of batch 0 in the last batch: 1001 is superseded by 1002, which updates the record.
    // Both are duplicates within the file, not changes: nothing existed before this load.
    expect(done.report).toEqual({ read: 1002, accepted: 1001, rejected: 1, unverifiedIds: 0, new: 999, changed: 0, unchanged: 0, duplicates: 2 });
    expect(await count('source_record', sql`source_code = ${src} AND record_key LIKE 'T%'`)).toBe(999);
    const names = await sql<{ name: string }>`SELECT name FROM source_record WHERE source_code = ${src} AND record_key = 'T0000010'`.execute(ctx.db);
    expect(names.rows.map((r) => r.name)).toEqual(['后来者乙']);
    // A reload with one name changed: that record, and T0000010 (batch 0 restores it; the last batch's repeats of it are duplicates).
    rows[20]![3] = '改了名字';
    const f2 = writeCsv(path.join(dir, `threads-${src}-2.csv`), rows);
    const second = await service.queueFileLoad(ctx.db, SYSTEM_ACTOR, id, { path: f2, fileName: 'wt2.csv', trigger: 'cli', maxBytes: ctx.config.importMaxBytes });
    expect(await run(second.loadId)).toBe('succeeded');
    expect((await service.getLoad(ctx.db, second.loadId)).report).toEqual({ read: 1002, accepted: 1001, rejected: 1, unverifiedIds: 0, new: 0, changed: 2, unchanged: 997, duplicates: 2 });
    const changed = await sql<{ name: string; last_load_id: number; address: string }>`SELECT name, last_load_id, address FROM source_record WHERE source_code = ${src} AND record_key = 'T0000020'`.execute(ctx.db);
    expect(changed.rows[0]).toMatchObject({ name: '改了名字', last_load_id: second.loadId });
    if (quoted) {
      const q = await sql<{ address: string }>`SELECT address FROM source_record WHERE source_code = ${src} AND record_key = 'T0000650'`.execute(ctx.db);
      expect(q.rows[0]!.address).toBe('北京市西城区, 金融大街 7号');
    }
  });

  it('a second runner cannot run a load already running', async () => {
    const id = await newInterface('WEALTH_LOCK', 'WEALTH');
    const f = writeCsv(path.join(dir, 'wealth-lock.csv'), Array.from({ length: 50 }, (_, i) => personRow(i, 'L')));
    const { loadId } = await service.queueFileLoad(ctx.db, SYSTEM_ACTOR, id, { path: f, fileName: 'w.csv', trigger: 'cli', maxBytes: ctx.config.importMaxBytes });
    const [a, b] = await Promise.all([service.run(ctx.db, loadId, { batchRows: 5, resolve: false }), service.run(ctx.db, loadId, { batchRows: 5, resolve: false })]);
    expect([a, b].sort()).toEqual(expect.arrayContaining(['succeeded']));
    expect(await count('source_record', sql`record_key LIKE 'L%'`)).toBe(50);
  });
});

describe('a big first load', () => {
  it('resolves its new records in bulk, each person once, counting them as it goes', async () => {
    const id = await newInterface('LOAN_BIG', 'LOAN');
    // 1,250 people, each twice (record keys B… and C…): one customer each, with both records.
    const people = Array.from({ length: 1250 }, (_, i) => 5000 + i);
    const f = writeCsv(path.join(dir, 'loan-big.csv'), [...people.map((i) => personRow(i, 'B')), ...people.map((i) => personRow(i, 'C'))]);
    const { loadId } = await service.queueFileLoad(ctx.db, SYSTEM_ACTOR, id, { path: f, fileName: 'loan-big.csv', trigger: 'cli', maxBytes: ctx.config.importMaxBytes });
    expect(await service.run(ctx.db, loadId)).toBe('succeeded');
    const l = await service.getLoad(ctx.db, loadId);
    expect(l.report).toMatchObject({ read: 2500, accepted: 2500, new: 2500 });
    expect(l.resolution).toEqual({ done: 2500, total: 2500, expected: 2500 });
    const log = await service.loadLog(ctx.db, loadId);
    expect(log.items.map((e: { message: string }) => e.message).join('\n')).toContain('resolved 2500 records in bulk');
    const byStatus = await sql<{ match_status: string; n: number; customers: number }>`
      SELECT match_status, count(*)::int AS n, count(DISTINCT customer_id)::int AS customers FROM source_record
      WHERE source_code = 'LOAN' AND record_key ~ '^[BC]' GROUP BY 1 ORDER BY 1`.execute(ctx.db);
    expect(byStatus.rows).toEqual([{ match_status: 'created', n: 1250, customers: 1250 }, { match_status: 'matched', n: 1250, customers: 1250 }]);
    const pairs = await sql<{ n: number }>`SELECT count(*)::int AS n FROM source_record b JOIN source_record c ON c.source_code = b.source_code AND c.record_key = 'C' || substr(b.record_key, 2)
      WHERE b.source_code = 'LOAN' AND b.record_key LIKE 'B%' AND b.customer_id = c.customer_id`.execute(ctx.db);
    expect(pairs.rows[0]!.n).toBe(1250);
  });
});

describe('progress of a load', () => {
  const at = (bytes: number, toResolve: number, resolved: number, status = 'running') => service.presentLoad({
    id: 1, interface_id: 1, source_code: 'CORE', mapping_version: 1, trigger: 'upload', status, format: 'csv', file_size: 1000, bytes_done: bytes,
    rows_read: 0, accepted: 0, rejected: 0, inserted: 0, changed: 0, unchanged: 0, to_resolve: toResolve, resolved, error: null,
  } as never);
  it('reaches 100 % only when the load is done, and never goes back while records are resolved batch by batch', () => {
    // All rows read and written, half the records resolved: the bar is not full.
    const readAll = at(1000, 600, 300);
    expect(readAll.progress).toBeLessThan(1);
    expect(readAll.stage).toBe('resolving');
    // The resolution bar projects its total from the share written, so it does not fall as batches add records.
    const steps = [at(200, 120, 100), at(400, 240, 200), at(600, 360, 300), at(1000, 600, 540), at(1000, 600, 600, 'succeeded')];
    const resolvedShare = steps.map((l) => l.resolution.done / l.resolution.expected);
    const overall = steps.map((l) => l.progress);
    for (let i = 1; i < steps.length; i++) {
      expect(resolvedShare[i]!).toBeGreaterThanOrEqual(resolvedShare[i - 1]!);
      expect(overall[i]!).toBeGreaterThanOrEqual(overall[i - 1]!);
    }
    expect(steps.map((l) => l.stage)).toEqual(['writing', 'writing', 'writing', 'resolving', 'done']);
    expect(overall.at(-1)).toBe(1);
  });
});
