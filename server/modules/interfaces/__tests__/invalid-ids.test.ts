/**
 * A mapping's `invalidIds`: resident IDs and USCCs that fail their check are quarantined (the default) or kept,
 * marked unverified — loaded, counted, listed for data stewards, matched as the engine matches invalid numbers, and
 * never made a customer's identity document.
 */
import fs from 'node:fs';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeResidentId } from '../../../../engines/identity/index.ts';
import { createTestContext, login, type TestContext } from '../../../test/context.ts';
import { PASSWORD, seedSmallBank } from '../../../test/fixtures.ts';
import { SYSTEM_ACTOR } from '../../../platform/audit.ts';
import { resolveInBulk } from '../../integration/integration.bulk.ts';
import * as service from '../interfaces.service.ts';
import { HEADER, multipartBody, tmpDir, writeCsv } from './helpers.ts';

const root = path.resolve(import.meta.dirname, '../../../..');
let ctx: TestContext;
const cookies: Record<string, string> = {};
const as = () => ({ cookie: cookies.admin });
const dir = tmpDir();

/** A row in the cn-dev columns (HEADER). */
const person = (key: string, name: string, idNo: string, mobile: string, birth = '') =>
  [key, 'x', 'person', name, 'ID_CARD', idNo, mobile, '', birth, '', '', '', ''];
/** The same number with its check digit mistyped. */
const mistyped = (id: string) => id.slice(0, 17) + (id.endsWith('1') ? '2' : '1');

async function newInterface(code: string, sourceCode: string, mapping?: Record<string, unknown>) {
  const payload = { code, name: code, sourceCode, connector: 'file', ...(mapping ? { mapping } : {}) };
  const res = await ctx.app.inject({ method: 'POST', url: '/api/interfaces', headers: as(), payload });
  expect(res.statusCode, res.body).toBe(201);
  return res.json() as { id: number; mappingVersion: number; mapping: Record<string, unknown> };
}

async function load(id: number, file: string) {
  const { payload, headers } = multipartBody(path.basename(file), fs.readFileSync(file));
  const res = await ctx.app.inject({ method: 'POST', url: `/api/interfaces/${id}/loads`, payload, headers: { ...headers, ...as() } });
  expect(res.statusCode, res.body).toBe(202);
  let l: { status: string } = { status: 'queued' };
  await expect.poll(async () => {
    l = (await ctx.app.inject({ url: `/api/interfaces/loads/${res.json().id}`, headers: as() })).json();
    return l.status;
  }, { timeout: 30_000 }).toMatch(/succeeded|failed/);
  return l as { id: number; status: string; report: Record<string, number>; resolution: { done: number; total: number } };
}

const recordOf = (source: string, key: string) =>
  ctx.db.selectFrom('source_record').selectAll().where('source_code', '=', source).where('record_key', '=', key).executeTakeFirstOrThrow();
const identitiesOf = (customerId: number) =>
  ctx.db.selectFrom('customer_identity').select(['id_type', 'id_no', 'is_primary']).where('customer_id', '=', customerId).orderBy('id').execute();

const defaultMapping = async () => (await ctx.app.inject({ url: '/api/interfaces/meta', headers: as() })).json().defaultMapping as Record<string, unknown>;

beforeAll(async () => {
  ctx = await createTestContext({ home: dir });
  await seedSmallBank(ctx.db);
  cookies.admin = await login(ctx.app, 'admin', PASSWORD);
});
afterAll(async () => {
  await ctx?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

// Persons of this file: each has a valid number; some records carry it mistyped.
const ZHANG = { name: '张三丰', id: makeResidentId('110105', '19800512', '031'), mobile: '13900000001' };
const WANG = { name: '王小明', id: makeResidentId('310115', '19750330', '044'), mobile: '13900000003' };
const LIU = { name: '刘晓红', id: makeResidentId('440305', '19901120', '062'), mobile: '13900000002' };

describe('the option is stored with the mapping', () => {
  it('a bad value is a 400 naming the field and the allowed values; a good one is a new version, exported with the mapping', async () => {
    const i = await newInterface('WEALTH_OPT', 'WEALTH');
    expect(i.mapping.invalidIds).toBeUndefined();
    const mapping = await defaultMapping();
    const bad = await ctx.app.inject({ method: 'POST', url: `/api/interfaces/${i.id}/mappings`, headers: as(), payload: { mapping: { ...mapping, invalidIds: 'drop' } } });
    expect(bad.statusCode).toBe(400);
    const field = bad.json().error.fields.find((f: { field: string }) => f.field.endsWith('invalidIds'));
    expect(field, bad.body).toBeTruthy();
    expect(field.message).toMatch(/quarantine/);
    expect(field.message).toMatch(/keep/);
    const ok = await ctx.app.inject({ method: 'POST', url: `/api/interfaces/${i.id}/mappings`, headers: as(), payload: { mapping: { ...mapping, invalidIds: 'keep' }, note: 'keep' } });
    expect(ok.statusCode, ok.body).toBe(201);
    expect(ok.json()).toMatchObject({ mappingVersion: 2, mapping: { invalidIds: 'keep' } });
    const versions = (await ctx.app.inject({ url: `/api/interfaces/${i.id}/mappings`, headers: as() })).json();
    expect(versions.items.map((v: { version: number; mapping: { invalidIds?: string } }) => [v.version, v.mapping.invalidIds ?? null])).toEqual([[2, 'keep'], [1, null]]);
    const exported = await ctx.app.inject({ url: `/api/interfaces/${i.id}/mappings/2/export?format=json`, headers: as() });
    expect(JSON.parse(exported.body).mapping.invalidIds).toBe('keep');
    const meta = (await ctx.app.inject({ url: '/api/interfaces/meta', headers: as() })).json();
    expect(meta.invalidIds.map((p: { value: string }) => p.value)).toEqual(['quarantine', 'keep']);
  });
});

describe('by default a failing number still quarantines its row', () => {
  let coreId = 0;
  it('rejected, counted, nothing unverified', async () => {
    coreId = (await newInterface('CORE_Q', 'CORE')).id;
    const f = writeCsv(path.join(dir, 'core-q.csv'), [person('Q1', '赵四', makeResidentId('110105', '19660101', '015'), '13900000011'), person('Q2', '钱五', mistyped(makeResidentId('110105', '19670202', '027')), '13900000012')], HEADER);
    const l = await load(coreId, f);
    expect(l.status).toBe('succeeded');
    expect(l.report).toMatchObject({ read: 2, accepted: 1, rejected: 1, unverifiedIds: 0 });
    const q = (await ctx.app.inject({ url: `/api/interfaces/${coreId}/quarantine?status=open`, headers: as() })).json();
    expect(q.items[0].reasons).toEqual([expect.objectContaining({ field: 'id_no', rule: 'residentId.checksum' })]);
  });

  it('switched to keep, the quarantined row re-submitted loads, marked unverified', async () => {
    const mapping = { ...(await defaultMapping()), invalidIds: 'keep' };
    expect((await ctx.app.inject({ method: 'POST', url: `/api/interfaces/${coreId}/mappings`, headers: as(), payload: { mapping } })).statusCode).toBe(201);
    const r = await ctx.app.inject({ method: 'POST', url: `/api/interfaces/${coreId}/quarantine/resubmit`, headers: as(), payload: {} });
    expect(r.statusCode, r.body).toBe(200);
    expect(r.json()).toMatchObject({ read: 1, accepted: 1, rejected: 0, unverifiedIds: 1 });
    expect(await recordOf('CORE', 'Q2')).toMatchObject({ id_issue: { field: 'id_no', rule: 'residentId.checksum' }, match_status: 'created' });
    const resubmitLoad = (await ctx.app.inject({ url: `/api/interfaces/loads/${r.json().loadId}`, headers: as() })).json();
    expect(resubmitLoad.report.unverifiedIds).toBe(1);
  });
});

describe('kept unverified: loaded, counted, listed, resolved, never an identity', () => {
  let loanId = 0;
  it('a load with keep accepts and counts the rows; the records resolve with the valid records of the same persons', async () => {
    const card = await newInterface('CARD_FILE', 'CARD');
    // Wang's valid number arrives first; Zhang's after his mistyped one.
    expect((await load(card.id, writeCsv(path.join(dir, 'card-1.csv'), [person('C-WANG', WANG.name, WANG.id, WANG.mobile)], HEADER))).report).toMatchObject({ accepted: 1 });

    loanId = (await newInterface('LOAN_KEEP', 'LOAN', { ...(await defaultMapping()), invalidIds: 'keep' })).id;
    // A company's code with its check character mistyped (…Q5T is the valid one).
    const org = ['L-ORG', 'x', 'org', '上海银杏贸易有限公司', 'USCC', '91310115MA1K3RTQ50', '13900000009', '', '', '', '', '', '韩梅'];
    const rows = [
      person('L-ZHANG', ZHANG.name, `${mistyped(ZHANG.id).slice(0, 6)} ${mistyped(ZHANG.id).slice(6)}`, ZHANG.mobile),
      person('L-WANG', WANG.name, mistyped(WANG.id), `+86 ${WANG.mobile}`),
      // A birth date that does not exist (30 February), and no other record of her.
      person('L-LIU', LIU.name, makeResidentId('440305', '19900230', '062'), LIU.mobile),
      org,
      person('L-OK', '孙七', makeResidentId('110105', '19850101', '071'), '13900000021'),
    ];
    const l = await load(loanId, writeCsv(path.join(dir, 'loan.csv'), rows, HEADER));
    expect(l.status).toBe('succeeded');
    expect(l.report).toMatchObject({ read: 5, accepted: 5, rejected: 0, unverifiedIds: 4, new: 5 });
    expect(l.resolution).toEqual(expect.objectContaining({ done: 5, total: 5 }));
    const log = (await ctx.app.inject({ url: `/api/interfaces/loads/${l.id}/log`, headers: as() })).json();
    expect(log.items.at(-1).messages).toMatchObject({ zh: expect.stringContaining('证件号未核验 4'), en: expect.stringContaining('4 with an unverified ID number') });

    // Kept as given: half-width, no spaces, upper case; the check digit still wrong.
    const zhangKept = await recordOf('LOAN', 'L-ZHANG');
    expect(zhangKept).toMatchObject({ id_type: 'resident_id', id_no: mistyped(ZHANG.id), id_issue: { field: 'id_no', rule: 'residentId.checksum', message: { zh: expect.any(String), en: expect.any(String) } } });
    expect(await recordOf('LOAN', 'L-LIU')).toMatchObject({ id_issue: { rule: 'residentId.birthdate' } });
    expect(await recordOf('LOAN', 'L-ORG')).toMatchObject({ kind: 'org', id_type: 'uscc', id_no: '91310115MA1K3RTQ50', id_issue: { rule: 'uscc.checksum' } });
    expect((await recordOf('LOAN', 'L-OK')).id_issue).toBeNull();

    // Wang: the mistyped record joins the customer his valid number made.
    const wangValid = await recordOf('CARD', 'C-WANG');
    const wangKept = await recordOf('LOAN', 'L-WANG');
    expect(wangKept.customer_id).toBe(wangValid.customer_id);
    expect(wangKept.match_status).toBe('matched');
    // The engine compared the number as kept: equal but for the check digit, one side unverified.
    const audit = await sql<{ changes: { evidence: { against: string; fields: { field: string; level: string }[] } } }>`
      SELECT changes FROM audit_log WHERE entity = 'source_record' AND action = 'resolve' AND entity_id = ${String(wangKept.id)}`.execute(ctx.db);
    expect(audit.rows[0]!.changes.evidence.fields).toEqual(expect.arrayContaining([{ field: 'id_no', level: 'exact-unchecked', weight: expect.any(Number) }]));

    // Zhang: created from the unverified record, with no identity until the valid one arrives.
    expect(zhangKept.match_status).toBe('created');
    expect(await identitiesOf(zhangKept.customer_id!)).toEqual([]);
    const l2 = await load(card.id, writeCsv(path.join(dir, 'card-2.csv'), [person('C-ZHANG', ZHANG.name, ZHANG.id, `${ZHANG.mobile.slice(0, 3)}-${ZHANG.mobile.slice(3, 7)}-${ZHANG.mobile.slice(7)}`)], HEADER));
    expect(l2.report).toMatchObject({ accepted: 1, unverifiedIds: 0 });
    const zhangValid = await recordOf('CARD', 'C-ZHANG');
    expect(zhangValid.customer_id).toBe(zhangKept.customer_id);

    // Each customer's identity is the valid number, and only it.
    expect(await identitiesOf(zhangKept.customer_id!)).toEqual([{ id_type: 'resident_id', id_no: ZHANG.id, is_primary: true }]);
    expect(await identitiesOf(wangKept.customer_id!)).toEqual([{ id_type: 'resident_id', id_no: WANG.id, is_primary: true }]);
    // Liu and the company have no verified number: no identity at all, and no id_no in the golden record's lineage.
    for (const key of ['L-LIU', 'L-ORG']) {
      const r = await recordOf('LOAN', key);
      expect(r.customer_id).not.toBeNull();
      expect(await identitiesOf(r.customer_id!)).toEqual([]);
      expect(await ctx.db.selectFrom('customer_field_source').select('field').where('customer_id', '=', r.customer_id!).where('field', '=', 'id_no').execute()).toEqual([]);
    }
    // No customer anywhere holds a number that fails its check.
    expect(Number((await sql<{ n: number }>`SELECT count(*)::int AS n FROM customer_identity WHERE id_no IN (${mistyped(ZHANG.id)}, ${mistyped(WANG.id)}, '91310115MA1K3RTQ50')`.execute(ctx.db)).rows[0]!.n)).toBe(0);
  });

  it('the 360° view marks the record, and shows only the valid number as the identity', async () => {
    const zhang = await recordOf('LOAN', 'L-ZHANG');
    const { customer_no } = await ctx.db.selectFrom('customer').select('customer_no').where('id', '=', zhang.customer_id!).executeTakeFirstOrThrow();
    const v = (await ctx.app.inject({ url: `/api/customers/${customer_no}`, headers: as() })).json();
    expect(v.identities).toHaveLength(1);
    expect(v.identities[0].idNo).not.toBe(mistyped(ZHANG.id));
    const byKey = Object.fromEntries(v.sourceRecords.map((r: { recordKey: string; idUnverified: boolean }) => [r.recordKey, r.idUnverified]));
    expect(byKey).toEqual({ 'L-ZHANG': true, 'C-ZHANG': false });
  });

  it('data stewards list them per interface, with the rule and the customer, filtered by rule; the read is audited', async () => {
    const all = (await ctx.app.inject({ url: `/api/interfaces/${loanId}/unverified-ids`, headers: as() })).json();
    expect(all.total).toBe(4);
    expect(all.items.map((r: { recordKey: string }) => r.recordKey).sort()).toEqual(['L-LIU', 'L-ORG', 'L-WANG', 'L-ZHANG']);
    const liu = all.items.find((r: { recordKey: string }) => r.recordKey === 'L-LIU');
    expect(liu).toMatchObject({ idType: 'resident_id', issue: { field: 'id_no', rule: 'residentId.birthdate', message: { zh: expect.stringMatching(/出生日期/), en: expect.stringMatching(/birth date/) } }, customerNo: expect.any(String) });
    const birth = (await ctx.app.inject({ url: `/api/interfaces/${loanId}/unverified-ids?rule=residentId.birthdate`, headers: as() })).json();
    expect(birth.items.map((r: { recordKey: string }) => r.recordKey)).toEqual(['L-LIU']);
    const audited = await sql<{ n: number }>`SELECT count(*)::int AS n FROM audit_log WHERE action = 'read' AND entity = 'source_record' AND entity_id = 'LOAN'`.execute(ctx.db);
    expect(audited.rows[0]!.n).toBeGreaterThanOrEqual(2);
  });

  it('the bulk resolver takes the kept number as it is, and keeps it out of the identities too', async () => {
    const i = await newInterface('WEALTH_KEEP', 'WEALTH', { ...(await defaultMapping()), invalidIds: 'keep' });
    const p = { name: '周八', id: makeResidentId('320102', '19880808', '083'), mobile: '13900000031' };
    const f = writeCsv(path.join(dir, 'wealth.csv'), [person('W-BAD', p.name, mistyped(p.id), p.mobile), person('W-OK', p.name, p.id, p.mobile)], HEADER);
    const { loadId } = await service.queueFileLoad(ctx.db, SYSTEM_ACTOR, i.id, { path: f, fileName: 'wealth.csv', trigger: 'cli', maxBytes: 1 << 20 });
    expect(await service.run(ctx.db, loadId, { resolve: false, pool: ctx.pool })).toBe('succeeded');
    expect((await service.getLoad(ctx.db, loadId)).report).toMatchObject({ accepted: 2, unverifiedIds: 1 });
    const ids = [(await recordOf('WEALTH', 'W-BAD')).id, (await recordOf('WEALTH', 'W-OK')).id];
    const s = await resolveInBulk(ctx.db, SYSTEM_ACTOR, ids, async () => {});
    expect(s.matched + s.created).toBe(2);
    const [bad, ok] = [await recordOf('WEALTH', 'W-BAD'), await recordOf('WEALTH', 'W-OK')];
    expect(bad.customer_id).toBe(ok.customer_id);
    expect(await identitiesOf(ok.customer_id!)).toEqual([{ id_type: 'resident_id', id_no: p.id, is_primary: true }]);
  });
});

describe('banyan import --invalid-ids', () => {
  function cli(args: string[]) {
    const child = spawn(process.execPath, [path.join(root, 'cli/banyan.mjs'), ...args], {
      cwd: root, env: { ...process.env, DATABASE_URL: ctx.url, BANYAN_HOME: dir }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (c) => { out += c; });
    child.stderr.on('data', (c) => { out += c; });
    return new Promise<{ code: number | null; out: string }>((resolve) => child.on('exit', (code) => resolve({ code, out })));
  }

  it('refuses a value it does not know, naming the allowed ones; keep saves a mapping version and says how many were kept', async () => {
    const f = writeCsv(path.join(dir, 'corp.csv'), [person('K1', '吴九', mistyped(makeResidentId('110105', '19700707', '091')), '13900000041')], HEADER);
    const bad = await cli(['import', '--source', 'CORP', '--invalid-ids', 'drop', f]);
    expect(bad.code).not.toBe(0);
    expect(bad.out).toMatch(/--invalid-ids must be one of quarantine, keep/);
    const ok = await cli(['import', '--source', 'CORP', '--invalid-ids', 'keep', f]);
    expect(ok.code, ok.out).toBe(0);
    expect(ok.out).toMatch(/accepted 1 \(1 with an unverified ID number\), rejected 0/);
    expect(ok.out).toMatch(/1 条记录的证件号未通过校验，已加载并标记为未核验/);
    expect((await recordOf('CORP', 'K1')).id_issue).toMatchObject({ rule: 'residentId.checksum' });
  });
});
