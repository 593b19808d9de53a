/** Files a tester broke the loader with: bad timestamps, unclosed quotes, workbooks of several sheets, long numbers, bad JSON lines. */
import fs from 'node:fs';
import path from 'node:path';
import ExcelJS from 'exceljs';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, login, type TestContext } from '../../../test/context.ts';
import { PASSWORD, seedSmallBank } from '../../../test/fixtures.ts';
import { HEADER, multipartBody, personRow, tmpDir, writeCsv } from './helpers.ts';

let ctx: TestContext;
let cookie = '';
const dir = tmpDir();
const admin = () => ({ cookie });

async function upload(id: number, file: string) {
  const { payload, headers } = multipartBody(path.basename(file), fs.readFileSync(file));
  return ctx.app.inject({ method: 'POST', url: `/api/interfaces/${id}/loads`, payload, headers: { ...headers, ...admin() } });
}

async function finished(loadId: number) {
  let l: { status: string } = { status: 'queued' };
  await expect.poll(async () => {
    l = (await ctx.app.inject({ url: `/api/interfaces/loads/${loadId}`, headers: admin() })).json();
    return l.status;
  }).toMatch(/succeeded|failed/);
  return l as { status: string; report: Record<string, number>; error: unknown; id: number };
}

async function newInterface(code: string, mapping?: unknown) {
  const res = await ctx.app.inject({ method: 'POST', url: '/api/interfaces', headers: admin(), payload: { code, name: code, sourceCode: 'LOAN', connector: 'file', ...(mapping ? { mapping } : {}) } });
  expect(res.statusCode, res.body).toBe(201);
  return res.json().id as number;
}

const quarantine = async (id: number) => (await ctx.app.inject({ url: `/api/interfaces/${id}/quarantine`, headers: admin() })).json().items as
  { id: number; rowNo: number; raw: Record<string, string>; reasons: { field: string; rule: string; message: { zh: string; en: string }; value?: string }[] }[];

const records = async () => Number((await sql<{ n: string }>`SELECT count(*) AS n FROM source_record`.execute(ctx.db)).rows[0]!.n);
const loads = async () => Number((await sql<{ n: string }>`SELECT count(*) AS n FROM interface_load`.execute(ctx.db)).rows[0]!.n);

beforeAll(async () => {
  ctx = await createTestContext({ home: dir });
  await seedSmallBank(ctx.db);
  cookie = await login(ctx.app, 'admin', PASSWORD);
});
afterAll(async () => {
  await ctx?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('source_updated_at', () => {
  const mapping = { recordKey: ['record_id'], codeTables: {}, fields: [{ field: 'name', column: 'name', required: true }, { field: 'source_updated_at', column: 'upd' }] };
  it('a bad timestamp quarantines its row (field and rule), the load goes on; a good one is stored in the bank\'s zone', async () => {
    const id = await newInterface('UPD_TS', mapping);
    const f = writeCsv(path.join(dir, 'upd.csv'), [['T1', '甲', '2024-02-03 10:00:00'], ['T2', '乙', '1'], ['T3', '丙', '2024-02-30 10:00:00'], ['T4', '丁', '20240203100000']], ['record_id', 'name', 'upd']);
    const l = await finished((await upload(id, f)).json().id);
    expect(l.status).toBe('succeeded');
    expect(l.report).toMatchObject({ read: 4, accepted: 2, rejected: 2 });
    const q = await quarantine(id);
    expect(q.flatMap((x) => x.reasons.map((r) => `${r.field}:${r.rule}:${r.value}`)).sort()).toEqual(['source_updated_at:timestamp:1', 'source_updated_at:timestamp:2024-02-30 10:00:00']);
    const t = await sql<{ t: string }>`SELECT (source_updated_at AT TIME ZONE 'UTC')::text AS t FROM source_record WHERE record_key = 'T1'`.execute(ctx.db);
    expect(t.rows[0]!.t).toBe('2024-02-03 02:00:00');
    // Fixing the row with another bad value: the same field and rule, not a database error.
    const row = q.find((x) => x.raw.record_id === 'T2')!;
    const bad = await ctx.app.inject({ method: 'PUT', url: `/api/interfaces/${id}/quarantine/${row.id}`, headers: admin(), payload: { raw: { ...row.raw, upd: '2024-13-01 00:00' } } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.fields[0]).toMatchObject({ field: 'raw.upd', rule: 'timestamp' });
    const good = await ctx.app.inject({ method: 'PUT', url: `/api/interfaces/${id}/quarantine/${row.id}`, headers: admin(), payload: { raw: { ...row.raw, upd: '2024/02/03 10:00' } } });
    expect(good.statusCode, good.body).toBe(200);
  });
});

describe('mappings that would reject every row', () => {
  it('a code table translating to a value the field does not take, and such a constant, are refused naming them', async () => {
    const res = await ctx.app.inject({ method: 'POST', url: '/api/interfaces', headers: admin(), payload: { code: 'BAD_CODES', name: 'x', sourceCode: 'LOAN', connector: 'file', mapping: {
      recordKey: ['record_id'],
      codeTables: { sex: { entries: { '1': 'MALE' } }, idt: { entries: { A: 'driver_licence' } } },
      fields: [{ field: 'name', column: 'name' }, { field: 'gender', column: 'gender', codeTable: 'sex' }, { field: 'id_type', column: 'id_type', codeTable: 'idt' }, { field: 'kind', value: 'robot' }],
    } } });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.fields.map((x: { field: string; rule: string }) => `${x.field}:${x.rule}`)).toEqual([
      'mapping.codeTables.sex.entries.1:enum', 'mapping.codeTables.idt.entries.A:enum', 'mapping.fields.3.value:enum',
    ]);
  });
});

describe('CSV: an unclosed quote', () => {
  it('refuses the file naming the line, before anything is written', async () => {
    const id = await newInterface('UNCLOSED');
    const f = path.join(dir, 'unclosed.csv');
    const rows = Array.from({ length: 5 }, (_, i) => personRow(900 + i, 'Q'));
    fs.writeFileSync(f, [HEADER.join(','), rows[0]!.join(','), rows[1]!.join(',').replace(',person,', ',"person,'), ...rows.slice(2).map((r) => r.join(','))].join('\n') + '\n');
    const before = { r: await records(), l: await loads() };
    const res = await upload(id, f);
    expect(res.statusCode).toBe(400);
    const e = res.json().error.fields[0];
    expect(e).toMatchObject({ field: 'file', rule: 'unclosedQuote' });
    expect(e.messages.zh).toMatch(/第 3 行/);
    expect(e.messages.en).toMatch(/line 3/);
    expect({ r: await records(), l: await loads() }).toEqual(before);
  });
});

async function workbook(file: string, sheets: [string, unknown[][]][]) {
  const wb = new ExcelJS.Workbook();
  for (const [name, rows] of sheets) {
    const ws = wb.addWorksheet(name);
    for (const r of rows) ws.addRow(r);
  }
  await wb.xlsx.writeFile(file);
  return file;
}

describe('XLSX', () => {
  it('a cover sheet in front is passed over: the sheet with the mapped columns is read', async () => {
    const id = await newInterface('XLSX_COVER');
    const f = await workbook(path.join(dir, 'cover.xlsx'), [['说明', [['本文件为客户数据'], ['导出日期', '2024-01-02']]], ['客户', [HEADER, personRow(920, 'W'), personRow(921, 'W')]]]);
    const res = await upload(id, f);
    expect(res.statusCode, res.body).toBe(202);
    expect((await finished(res.json().id)).report).toMatchObject({ read: 2, accepted: 2 });
    // The load's log says which sheet was read and which was not.
    const log = (await ctx.app.inject({ url: `/api/interfaces/loads/${res.json().id}/log`, headers: admin() })).json();
    expect(log.items.map((x: { messages: { en: string } }) => x.messages.en)).toContain('read worksheet "客户"; not read: "说明"');
  });
  it('two sheets with the mapped columns are refused, naming them; none: every sheet looked at is named', async () => {
    const id = await newInterface('XLSX_TWO');
    const two = await workbook(path.join(dir, 'two.xlsx'), [['一月', [HEADER, personRow(930, 'W')]], ['二月', [HEADER, personRow(931, 'W')]]]);
    const a = await upload(id, two);
    expect(a.statusCode).toBe(400);
    expect(a.json().error.fields[0]).toMatchObject({ field: 'file', rule: 'sheet' });
    expect(a.json().error.fields[0].messages.zh).toMatch(/一月.*二月/);
    const none = await workbook(path.join(dir, 'none.xlsx'), [['说明', [['说明']]], ['客户', [['record_id', 'name'], ['R1', '张三']]]]);
    const b = await upload(id, none);
    expect(b.statusCode).toBe(400);
    const fields = b.json().error.fields;
    expect(fields[0]).toMatchObject({ field: 'file', rule: 'sheet' });
    expect(fields[0].messages.en).toMatch(/"说明", "客户"/);
    expect(fields.map((x: { field: string }) => x.field)).toContain('header.mobile');
  });
  it('a number of more than 15 digits stored as a number rejects its row: stored as text it loads', async () => {
    const id = await newInterface('XLSX_NUM');
    const asNumber = personRow(940, 'W');
    const asText = personRow(941, 'W');
    const idNo = asNumber[5]!;
    const f = await workbook(path.join(dir, 'num.xlsx'), [['客户', [HEADER, [...asNumber.slice(0, 5), Number(idNo.replace(/X$/, '0')), ...asNumber.slice(6)], asText]]]);
    const l = await finished((await upload(id, f)).json().id);
    expect(l.report).toMatchObject({ read: 2, accepted: 1, rejected: 1 });
    const [q] = await quarantine(id);
    expect(q!.reasons).toEqual([expect.objectContaining({ field: 'id_no', rule: 'excelNumber' })]);
    expect(q!.reasons[0]!.message.zh).toMatch(/Excel.*文本/);
    expect(q!.reasons[0]!.message.en).toMatch(/stored as a number in Excel.*text/);
  });
});

describe('JSON lines', () => {
  it('a broken line and an array line say so, and rows are numbered by their line in the file', async () => {
    const id = await newInterface('JSONL_EDGE');
    const obj = (r: string[]) => JSON.stringify(Object.fromEntries(HEADER.map((h, i) => [h, r[i]])));
    const j = path.join(dir, 'edge.jsonl');
    // Lines: 1 good, 2 blank, 3 broken, 4 blank, 5 array, 6 good, 7 bad mobile.
    const bad = personRow(952, 'J');
    bad[6] = '12345';
    fs.writeFileSync(j, [obj(personRow(950, 'J')), '', '{"record_id": "J9", broken', '', '[1,2,3]', obj(personRow(951, 'J')), obj(bad)].join('\n') + '\n');
    const l = await finished((await upload(id, j)).json().id);
    expect(l.report).toMatchObject({ read: 5, accepted: 2, rejected: 3 });
    const q = (await quarantine(id)).sort((a, b) => a.rowNo - b.rowNo);
    expect(q.map((x) => `${x.rowNo}:${x.reasons[0]!.rule}`)).toEqual(['3:json', '5:jsonObject', '7:mobile']);
    expect(q[0]!.reasons[0]!.message).toEqual({ zh: '第 3 行不是合法的 JSON', en: 'line 3 is not valid JSON' });
    expect(q[1]!.reasons[0]!.message.en).toMatch(/line 5 is not a JSON object/);
  });
});
