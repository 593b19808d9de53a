import http from 'node:http';
import ExcelJS from 'exceljs';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { createTestContext, login, type TestContext } from '../../../test/context.ts';
import { PASSWORD, seedSmallBank } from '../../../test/fixtures.ts';
import { upgradeResidentId15 } from '../../../../engines/identity/index.ts';
import { verifyAudit } from '../../../platform/audit.ts';

let ctx: TestContext;
let bank: Awaited<ReturnType<typeof seedSmallBank>>;
const cookies: Record<string, string> = {};
const as = (user: string) => ({ cookie: cookies[user] });

beforeAll(async () => {
  ctx = await createTestContext();
  bank = await seedSmallBank(ctx.db);
  for (const u of ['cm_a', 'cm_a2', 'cm_b', 'bm_a', 'hq', 'agent', 'auditor', 'admin']) cookies[u] = await login(ctx.app, u, PASSWORD);
});
afterAll(() => ctx?.close());

const search = async (user: string, q: string) => {
  const res = await ctx.app.inject({ url: `/api/customers?q=${encodeURIComponent(q)}`, headers: as(user) });
  expect(res.statusCode).toBe(200);
  return (res.json().items as { customerNo: string; name: string; mobile: string }[]).map((i) => i.name);
};

describe('search (C12)', () => {
  it.each([
    ['pinyin initials', 'zw'],
    ['full pinyin', 'zhangwei'],
    ['name contains', '伟'],
    ['whole name', '张伟'],
    ['mobile in any format', '138-1234-5678'],
    ['mobile with +86', '+8613812345678'],
    ['ID number, lower-case x', '11010519491231002x'],
  ])('finds 张伟 by %s', async (_what, q) => {
    expect(await search('hq', q)).toContain('张伟');
  });

  it('finds by customer number and corporate name fragment', async () => {
    expect(await search('hq', bank.customers.zhangWei)).toEqual(['张伟']);
    expect(await search('hq', '榕树科技')).toEqual(['北京榕树科技有限公司']);
  });

  it('a row carries its type, level, org and manager by name, and the masked mobile', async () => {
    const res = await ctx.app.inject({ url: `/api/customers?q=${bank.customers.zhangWei}`, headers: as('hq') });
    const [row] = res.json().items;
    expect(row).toMatchObject({ typeCode: 'personal_resident', orgName: '北京海淀支行', orgNameEn: 'BJ01', managerName: 'cm_a', managerId: bank.users.cm_a, levelCode: null, levelName: null });
    expect(row.typeName).toEqual(expect.any(String));
    expect(row.typeNameEn).toEqual(expect.any(String));
    expect(row.mobile).not.toBe('+8613812345678');
    await ctx.db.updateTable('customer').set({ level_code: 'gold' }).where('customer_no', '=', bank.customers.zhangWei).execute();
    const again = (await ctx.app.inject({ url: `/api/customers?q=${bank.customers.zhangWei}`, headers: as('hq') })).json().items[0];
    await ctx.db.updateTable('customer').set({ level_code: null }).where('customer_no', '=', bank.customers.zhangWei).execute();
    expect(again).toMatchObject({ levelCode: 'gold', levelName: expect.any(String), levelNameEn: expect.any(String) });
  });

  it('shows its own manager the mobile in clear, and the audit log has that read, customer by customer', async () => {
    const reads = async () => (await ctx.db.selectFrom('audit_log').select(['entity_id', 'fields', 'changes']).where('action', '=', 'read').where('actor_name', '=', 'cm_a').where('entity_id', '=', bank.customers.zhangWei).orderBy('id').execute());
    const before = (await reads()).length;
    const [row] = (await ctx.app.inject({ url: `/api/customers?q=${bank.customers.zhangWei}`, headers: as('cm_a') })).json().items;
    expect(row.mobile).toBe('+8613812345678');
    const after = await reads();
    expect(after.length).toBe(before + 1);
    expect(after.at(-1)).toMatchObject({ fields: ['mobile'], changes: { via: 'search' } });
  });

  it('pages and sorts', async () => {
    const res = await ctx.app.inject({ url: '/api/customers?sort=name&order=desc&pageSize=2&page=1', headers: as('hq') });
    const body = res.json();
    expect(body.total).toBe(3);
    expect(body.items).toHaveLength(2);
    expect(body.items.map((i: { name: string }) => i.name)).toEqual(['张伟', '王芳']);
  });
});

describe('data scope (Q1)', () => {
  it('a customer manager sees only their own customers', async () => {
    expect(await search('cm_a', '')).toEqual(expect.arrayContaining(['张伟', '北京榕树科技有限公司']));
    expect(await search('cm_a', '')).not.toContain('王芳');
    expect(await search('cm_a2', '')).toEqual([]);
    expect(await search('cm_b', 'zw')).toEqual([]);
  });

  it('a customer outside the scope answers 404, as if it did not exist', async () => {
    const res = await ctx.app.inject({ url: `/api/customers/${bank.customers.zhangWei}`, headers: as('cm_b') });
    expect(res.statusCode).toBe(404);
    const none = await ctx.app.inject({ url: '/api/customers/999999999', headers: as('cm_b') });
    expect(res.json().error.code).toBe(none.json().error.code);
    const patch = await ctx.app.inject({ method: 'PATCH', url: `/api/customers/${bank.customers.zhangWei}`, headers: as('cm_b'), payload: { remarks: 'x' } });
    expect(patch.statusCode).toBe(404);
  });

  it('a branch manager sees the branch subtree, not the other branch', async () => {
    const names = await search('bm_a', '');
    expect(names).toContain('张伟');
    expect(names).not.toContain('王芳');
  });

  it('head office sees everyone', async () => {
    expect((await search('hq', '')).sort()).toEqual(['北京榕树科技有限公司', '张伟', '王芳'].sort());
  });

  it('anonymous requests are refused', async () => {
    expect((await ctx.app.inject({ url: '/api/customers' })).statusCode).toBe(401);
  });
});

describe('360° view (C11) and masking (B2)', () => {
  it('shows the profile in clear to the managing customer manager', async () => {
    const c = (await ctx.app.inject({ url: `/api/customers/${bank.customers.zhangWei}`, headers: as('cm_a') })).json();
    expect(c.name).toBe('张伟');
    expect(c.identities[0].idNo).toBe('11010519491231002X');
    expect(c.contacts.find((x: { kind: string }) => x.kind === 'mobile').value).toBe('+8613812345678');
    expect(c.birthDate).toBe('1949-12-31');
    expect(c.manager.displayName).toBe('cm_a');
    expect(c.masked).toBe(false);
  });

  it('masks ID, phone and address for a service agent, and unmasking is audited', async () => {
    const c = (await ctx.app.inject({ url: `/api/customers/${bank.customers.zhangWei}`, headers: as('agent') })).json();
    expect(c.identities[0].idNo).toBe('1101**********002X');
    expect(c.contacts.find((x: { kind: string }) => x.kind === 'mobile').value).toBe('138****5678');
    expect(c.addresses[0].line).not.toContain('1 号');
    // The birth date keeps its year only: month and day are the digits the masked ID hides.
    expect(c.birthDate).toBe('1949-**-**');
    expect(JSON.stringify(c)).not.toContain('1949-12-31');
    const tl = (await ctx.app.inject({ url: `/api/customers/${bank.customers.zhangWei}/timeline`, headers: as('agent') })).json();
    expect(tl.items.length).toBeGreaterThan(0);
    expect(JSON.stringify(tl)).not.toContain('11010519491231002X');
    expect(JSON.stringify(tl)).not.toContain('1949-12-31');
    const un = await ctx.app.inject({ method: 'POST', url: `/api/customers/${bank.customers.zhangWei}/unmask`, headers: as('agent'), payload: { kind: 'identity', id: c.identities[0].id } });
    expect(un.json()).toEqual({ value: '11010519491231002X' });
    // A municipality is its own province: 北京市 once.
    const addr = await ctx.app.inject({ method: 'POST', url: `/api/customers/${bank.customers.zhangWei}/unmask`, headers: as('agent'), payload: { kind: 'address', id: c.addresses[0].id } });
    expect(addr.json()).toEqual({ value: '北京市西城区金融大街 1 号' });
    const log = await ctx.db.selectFrom('audit_log').select(['action', 'actor_name']).where('action', '=', 'unmask').execute();
    expect(log).toContainEqual({ action: 'unmask', actor_name: 'agent' });
  });

  it('roles without the unmask permission cannot unmask', async () => {
    const res = await ctx.app.inject({ method: 'POST', url: `/api/customers/${bank.customers.zhangWei}/unmask`, headers: as('auditor'), payload: { kind: 'identity', id: 1 } });
    expect(res.statusCode).toBe(403);
  });

  it('every read of the 360° view is audited with who, which customer and which fields', async () => {
    await ctx.app.inject({ url: `/api/customers/${bank.customers.wangFang}`, headers: as('hq') });
    const rows = await ctx.db.selectFrom('audit_log').selectAll().where('action', '=', 'read').where('actor_name', '=', 'hq').execute();
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.at(-1)!.entity_id).toBe(bank.customers.wangFang);
    expect(rows.at(-1)!.fields).toContain('identities');
    expect(rows.at(-1)!.ip).toBeTruthy();
  });

  it('shows relations both ways, accounts with AUM and products held', async () => {
    const rel = await ctx.app.inject({
      method: 'POST', url: `/api/customers/${bank.customers.zhangWei}/relations`, headers: as('hq'),
      payload: { relatedCustomerNo: bank.customers.company, typeCode: 'legal_rep' },
    });
    expect(rel.statusCode).toBe(201);
    const { id: customerId } = await ctx.db.selectFrom('customer').select('id').where('customer_no', '=', bank.customers.zhangWei).executeTakeFirstOrThrow();
    await ctx.db.insertInto('account').values([
      { customer_id: customerId, source_system: 'CORE', account_no: '6222020200112233445', org_id: bank.orgs.subA, product_code: 'DEP_CURRENT', opened_on: '2020-01-02', balance_fen: 12_345_67 },
      { customer_id: customerId, source_system: 'WEALTH', account_no: 'WM0001', org_id: bank.orgs.subA, product_code: 'WM_STABLE', opened_on: '2021-01-02', balance_fen: 500_000_00 },
      { customer_id: customerId, source_system: 'LOAN', account_no: 'LN0001', org_id: bank.orgs.subA, product_code: 'LOAN_MORTGAGE', opened_on: '2019-01-02', balance_fen: 800_000_00 },
    ]).execute();
    const person = (await ctx.app.inject({ url: `/api/customers/${bank.customers.zhangWei}`, headers: as('cm_a') })).json();
    expect(person.relations).toContainEqual(expect.objectContaining({ direction: 'out', label: '法定代表人', customerNo: bank.customers.company }));
    expect(person.summary.aumFen).toBe(12_345_67 + 500_000_00);
    expect(person.summary.loanFen).toBe(800_000_00);
    expect(person.summary.products.map((p: { code: string }) => p.code).sort()).toEqual(['DEP_CURRENT', 'LOAN_MORTGAGE', 'WM_STABLE']);
    const company = (await ctx.app.inject({ url: `/api/customers/${bank.customers.company}`, headers: as('cm_a') })).json();
    expect(company.relations).toContainEqual(expect.objectContaining({ direction: 'in', label: '法定代表人为', customerNo: bank.customers.zhangWei }));
    const masked = (await ctx.app.inject({ url: `/api/customers/${bank.customers.zhangWei}`, headers: as('agent') })).json();
    expect(masked.accounts[0].accountNo).toMatch(/^\d{6}\*+\d{4}$|^\w+\*+/);
  });
});

describe('relations and key persons never reveal a customer outside the scope', () => {
  it('cannot link a customer outside the scope by number (the same answer as no such customer), and shows an existing link masked', async () => {
    const link = (who: string, relatedCustomerNo: string) => ctx.app.inject({
      method: 'POST', url: `/api/customers/${bank.customers.zhangWei}/relations`, headers: as(who), payload: { relatedCustomerNo, typeCode: 'spouse' },
    });
    // cm_a's 张伟, cm_b's 王芳: to cm_a, 王芳 is not there.
    const outside = await link('cm_a', bank.customers.wangFang);
    const missing = await link('cm_a', '999999998');
    expect(outside.statusCode).toBe(400);
    expect(outside.json().error).toEqual(missing.json().error);
    // Someone who sees both links them; each manager then sees the relation, not who is on the other end.
    expect((await link('hq', bank.customers.wangFang)).statusCode).toBe(201);
    const fromA = (await ctx.app.inject({ url: `/api/customers/${bank.customers.zhangWei}`, headers: as('cm_a') })).json();
    const spouse = fromA.relations.find((r: { typeCode: string }) => r.typeCode === 'spouse');
    expect(spouse).toMatchObject({ direction: 'out', customerNo: null, name: '王*', outsideScope: true });
    expect(JSON.stringify(fromA)).not.toContain(bank.customers.wangFang);
    const fromB = (await ctx.app.inject({ url: `/api/customers/${bank.customers.wangFang}`, headers: as('cm_b') })).json();
    expect(fromB.relations.find((r: { typeCode: string }) => r.typeCode === 'spouse')).toMatchObject({ direction: 'in', customerNo: null, name: '张*' });
    // Within the scope: the number and the name, as before.
    const fromHq = (await ctx.app.inject({ url: `/api/customers/${bank.customers.zhangWei}`, headers: as('hq') })).json();
    expect(fromHq.relations.find((r: { typeCode: string }) => r.typeCode === 'spouse')).toMatchObject({ customerNo: bank.customers.wangFang, name: '王芳' });
    expect(fromHq.relations.find((r: { typeCode: string }) => r.typeCode === 'spouse').outsideScope).toBeUndefined();
  });

  it('a key person is linked only to a personal customer inside the scope', async () => {
    const res = await ctx.app.inject({
      method: 'POST', url: `/api/customers/${bank.customers.company}/key-persons`, headers: as('cm_a'),
      payload: { role: 'executive', name: '王芳', personCustomerNo: bank.customers.wangFang },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.fields[0]).toMatchObject({ field: 'personCustomerNo', rule: 'exists' });
  });
});

describe('deleted customers (C2)', () => {
  it('are listed apart for those who may edit, keep their documents, and come back restored, audited', async () => {
    const created = await ctx.app.inject({ method: 'POST', url: '/api/customers', headers: as('cm_a'), payload: { typeCode: 'personal_resident', name: '吴十', identities: [{ idType: 'passport', idNo: 'E99999998' }] } });
    const no = created.json().customerNo as string;
    expect((await ctx.app.inject({ method: 'DELETE', url: `/api/customers/${no}`, headers: as('cm_a'), payload: { reason: '重复建档' } })).statusCode).toBe(204);
    // Gone from searches and views …
    expect((await ctx.app.inject({ url: `/api/customers/${no}`, headers: as('cm_a') })).statusCode).toBe(404);
    // … its passport still its own: creating the person again names the deleted customer to restore.
    const again = await ctx.app.inject({ method: 'POST', url: '/api/customers', headers: as('cm_a'), payload: { typeCode: 'personal_resident', name: '吴十', identities: [{ idType: 'passport', idNo: 'E99999998' }] } });
    expect(again.statusCode).toBe(409);
    expect(again.json().error.fields[0]).toMatchObject({ field: 'identities.0.idNo', rule: 'takenByDeleted' });
    expect(again.json().error.fields[0].messages.en).toContain(no);
    // Someone who could not restore them learns nothing more than before.
    const other = await ctx.app.inject({ method: 'POST', url: '/api/customers', headers: as('cm_b'), payload: { typeCode: 'personal_resident', name: '吴十', identities: [{ idType: 'passport', idNo: 'E99999998' }] } });
    expect(other.json().error.fields[0]).toMatchObject({ rule: 'taken' });
    expect(JSON.stringify(other.json())).not.toContain(no);
    // The deleted list: the owner's, not others', not read-only roles'.
    const deleted = async (who: string) => ctx.app.inject({ url: '/api/customers?deleted=true', headers: as(who) });
    expect((await deleted('cm_a')).json().items.map((i: { customerNo: string }) => i.customerNo)).toEqual([no]);
    expect((await deleted('cm_b')).json().items).toEqual([]);
    expect((await deleted('auditor')).statusCode).toBe(403);
    // Restored: back in search and view, the restore in the audit log.
    expect((await ctx.app.inject({ method: 'POST', url: `/api/customers/${no}/restore`, headers: as('cm_b'), payload: { reason: '误删' } })).statusCode).toBe(404);
    expect((await ctx.app.inject({ method: 'POST', url: `/api/customers/${no}/restore`, headers: as('cm_a'), payload: { reason: ' ' } })).statusCode).toBe(400);
    const back = await ctx.app.inject({ method: 'POST', url: `/api/customers/${no}/restore`, headers: as('cm_a'), payload: { reason: '误删' } });
    expect(back.statusCode).toBe(200);
    expect(back.json()).toMatchObject({ customerNo: no, name: '吴十' });
    expect((await deleted('cm_a')).json().items).toEqual([]);
    const row = await ctx.db.selectFrom('audit_log').select(['changes']).where('action', '=', 'restore').where('entity_id', '=', no).executeTakeFirstOrThrow();
    expect(row.changes).toEqual({ deleted: { from: true, to: false }, reason: '误删' });
  });
});

describe('key persons (C7)', () => {
  it('registers a legal representative linked to a personal customer, seen from both sides', async () => {
    const res = await ctx.app.inject({
      method: 'POST', url: `/api/customers/${bank.customers.company}/key-persons`, headers: as('hq'),
      payload: { role: 'legal_rep', name: '张伟', idNo: '11010519491231002X', mobile: '13812345678', personCustomerNo: bank.customers.zhangWei },
    });
    expect(res.statusCode).toBe(201);
    const company = (await ctx.app.inject({ url: `/api/customers/${bank.customers.company}`, headers: as('hq') })).json();
    expect(company.keyPersons[0]).toMatchObject({ role: 'legal_rep', name: '张伟', personCustomerNo: bank.customers.zhangWei, idNo: '1101**********002X' });
    const person = (await ctx.app.inject({ url: `/api/customers/${bank.customers.zhangWei}`, headers: as('cm_a') })).json();
    expect(person.keyPersonOf).toContainEqual({ role: 'legal_rep', customerNo: bank.customers.company, name: '北京榕树科技有限公司' });
  });

  it('validates the key person and refuses them on a personal customer', async () => {
    const bad = await ctx.app.inject({ method: 'POST', url: `/api/customers/${bank.customers.company}/key-persons`, headers: as('hq'), payload: { role: 'executive', name: '李四', idNo: '110105194912310021', mobile: '123' } });
    expect(bad.json().error.fields.map((f: { field: string }) => f.field).sort()).toEqual(['idNo', 'mobile']);
    const person = await ctx.app.inject({ method: 'POST', url: `/api/customers/${bank.customers.wangFang}/key-persons`, headers: as('hq'), payload: { role: 'executive', name: '李四' } });
    expect(person.statusCode).toBe(400);
  });
});

describe('input a tester found accepted or answered with a 500', () => {
  const post = (payload: object, who = 'hq') => ctx.app.inject({ method: 'POST', url: '/api/customers', headers: as(who), payload });
  const fieldsOf = (res: { json: () => { error: { fields: { field: string; rule: string }[] } } }) => res.json().error.fields.map((f) => `${f.field}:${f.rule}`).sort();
  const count = async () => Number((await ctx.db.selectFrom('customer').select(ctx.db.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);

  it('names every inconsistent or impossible field (400, nothing written)', async () => {
    const before = await count();
    const dup = await post({
      typeCode: 'personal_resident', name: '赵六', birthDate: '1970-01-01', gender: 'F', nationality: 'chn',
      identities: [{ idType: 'resident_id', idNo: '110101198001010010', isPrimary: true }, { idType: 'passport', idNo: 'E12345678', isPrimary: true }, { idType: 'uscc', idNo: '91350100M000100Y43' }],
      contacts: [{ kind: 'mobile', value: '13900001111' }, { kind: 'mobile', value: '139-0000-1111' }, { kind: 'phone', value: 'abc' }],
      channelPrefs: [{ channel: 'sms', allowed: true, marketingConsent: true }, { channel: 'sms', allowed: false, marketingConsent: false }],
    });
    expect(dup.statusCode).toBe(400);
    expect(fieldsOf(dup)).toEqual([
      'birthDate:idMismatch', 'channelPrefs.1.channel:duplicate', 'contacts.1.value:duplicate', 'contacts.2.value:phoneFormat', 'gender:idMismatch',
      'identities.1.isPrimary:onePrimary', 'identities.2.idType:party', 'nationality:format',
    ]);
    expect(dup.json().error.fields.find((f: { field: string }) => f.field === 'birthDate').messages).toEqual({
      zh: '与身份证号中的出生日期（1980-01-01）不一致', en: 'does not match the birth date in the resident ID (1980-01-01)',
    });
    const future = await post({ typeCode: 'personal_resident', name: '赵六', birthDate: '2099-01-01' });
    expect(fieldsOf(future)).toEqual(['birthDate:future']);
    const org = await post({ typeCode: 'corporate_sme', name: '某公司', birthDate: '2000-01-01', identities: [{ idType: 'resident_id', idNo: '11010519491231002X' }] });
    expect(fieldsOf(org)).toEqual(['birthDate:party', 'identities.0.idType:party']);
    expect(await count()).toBe(before);
  });

  it('an edit is held to the same rules against what the customer keeps', async () => {
    const patch = (no: string, payload: object) => ctx.app.inject({ method: 'PATCH', url: `/api/customers/${no}`, headers: as('hq'), payload });
    // 张伟's resident ID says 1949-12-31, female (an even 17th digit).
    expect(fieldsOf(await patch(bank.customers.zhangWei, { birthDate: '2100-01-01' }))).toEqual(['birthDate:future', 'birthDate:idMismatch']);
    expect(fieldsOf(await patch(bank.customers.zhangWei, { gender: 'M' }))).toEqual(['gender:idMismatch']);
    expect(fieldsOf(await patch(bank.customers.company, { gender: 'M' }))).toEqual(['gender:party']);
    expect((await patch(bank.customers.zhangWei, { gender: 'F', birthDate: '1949-12-31' })).statusCode).toBe(200);
  });

  it('hands customers only to customer managers', async () => {
    const res = await ctx.app.inject({ method: 'POST', url: `/api/customers/${bank.customers.wangFang}/manager`, headers: as('hq'), payload: { managerId: bank.users.auditor, reason: '调整' } });
    expect(res.statusCode).toBe(400);
    expect(fieldsOf(res)).toEqual(['managerId:role']);
  });

  it('a partial number finds the customer numbers starting with it, never the whole bank', async () => {
    const list = async (q: string) => (await ctx.app.inject({ url: `/api/customers?q=${q}`, headers: as('hq') })).json();
    expect((await list('1101')).total).toBe(0);
    expect((await list('13800')).total).toBe(0);
    expect((await list('13812345')).total).toBe(0);
    const prefix = bank.customers.zhangWei.slice(0, 8);
    const byPrefix = await list(prefix);
    expect(byPrefix.items.map((i: { customerNo: string }) => i.customerNo)).toContain(bank.customers.zhangWei);
    expect(byPrefix.items.every((i: { customerNo: string }) => i.customerNo.startsWith(prefix))).toBe(true);
  });

  it('refuses a blank deletion reason, the same relation twice, a blank or over-held key person', async () => {
    const del = await ctx.app.inject({ method: 'DELETE', url: `/api/customers/${bank.customers.wangFang}`, headers: as('hq'), payload: { reason: '   ' } });
    expect(fieldsOf(del)).toEqual(['reason:required']);
    const rel = (from: string, to: string) => ctx.app.inject({ method: 'POST', url: `/api/customers/${from}/relations`, headers: as('hq'), payload: { relatedCustomerNo: to, typeCode: 'guarantor' } });
    expect((await rel(bank.customers.zhangWei, bank.customers.company)).statusCode).toBe(201);
    expect(fieldsOf(await rel(bank.customers.zhangWei, bank.customers.company))).toEqual(['relatedCustomerNo:duplicate']);
    expect(fieldsOf(await rel(bank.customers.company, bank.customers.zhangWei))).toEqual(['relatedCustomerNo:duplicate']);
    const kp = (payload: object) => ctx.app.inject({ method: 'POST', url: `/api/customers/${bank.customers.company}/key-persons`, headers: as('hq'), payload });
    expect(fieldsOf(await kp({ role: 'legal_rep', name: '   ' }))).toEqual(['name:required']);
    expect(fieldsOf(await kp({ role: 'contact', name: '钱七', idType: 'passport', idNo: '!!' }))).toEqual(['idNo:passportFormat']);
    expect((await kp({ role: 'shareholder', name: '孙八', sharePct: 60 })).statusCode).toBe(201);
    expect(fieldsOf(await kp({ role: 'shareholder', name: '周九', sharePct: 60 }))).toEqual(['sharePct:total']);
  });
});

describe('create and edit (bad input never half-writes)', () => {
  const count = async () => Number((await ctx.db.selectFrom('customer').select(ctx.db.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);

  it('refuses a customer its own manager could not see afterwards, and takes an empty level as none', async () => {
    const before = await count();
    const orphan = await ctx.app.inject({ method: 'POST', url: '/api/customers', headers: as('cm_a'), payload: { typeCode: 'personal_resident', name: '无主', managerId: null } });
    expect(orphan.statusCode).toBe(400);
    expect(orphan.json().error.fields[0]).toMatchObject({ field: 'managerId', rule: 'scope' });
    expect(await count()).toBe(before);
    const res = await ctx.app.inject({ method: 'POST', url: '/api/customers', headers: as('hq'), payload: { typeCode: 'personal_resident', name: '无级', levelCode: '' } });
    expect(res.statusCode).toBe(201);
    expect(res.json().level).toBeNull();
    const patched = await ctx.app.inject({ method: 'PATCH', url: `/api/customers/${res.json().customerNo}`, headers: as('hq'), payload: { levelCode: '' } });
    expect(patched.statusCode).toBe(200);
  });

  it('creates a customer with normalised mobile and derived birth date', async () => {
    const res = await ctx.app.inject({
      method: 'POST', url: '/api/customers', headers: as('cm_a'),
      payload: { typeCode: 'personal_resident', name: '李娜', identities: [{ idType: 'resident_id', idNo: '440524800101001' }], contacts: [{ kind: 'mobile', value: '0086 186-0000-2222' }] },
    });
    expect(res.statusCode).toBe(201);
    const c = res.json();
    expect(c.customerNo).toMatch(/^\d{9}$/);
    expect(c.identities[0].idNo).toBe(upgradeResidentId15('440524800101001'));
    expect(c.birthDate).toBe('1980-01-01');
    expect(c.gender).toBe('M');
    expect(c.contacts[0].value).toBe('+8618600002222');
    expect(c.manager.displayName).toBe('cm_a');
    expect(await search('cm_a', 'ln')).toContain('李娜');
  });

  it.each([
    ['invalid ID check digit', { typeCode: 'personal_resident', name: '甲', identities: [{ idType: 'resident_id', idNo: '110105194912310021' }] }, 'identities.0.idNo', 'idChecksum', '校验位'],
    ['malformed mobile', { typeCode: 'personal_resident', name: '乙', contacts: [{ kind: 'mobile', value: '12345' }] }, 'contacts.0.value', 'mobileFormat', '手机号'],
    ['missing name', { typeCode: 'personal_resident' }, 'name', 'required', '必填'],
    ['unknown type', { typeCode: 'martian', name: '丙' }, 'typeCode', 'unknownType', '客户类型'],
    ['bad social credit code', { typeCode: 'corporate_sme', name: '丁公司', identities: [{ idType: 'uscc', idNo: '91350100M000100Y44' }] }, 'identities.0.idNo', 'usccChecksum', 'GB 32100'],
    ['unknown field', { typeCode: 'personal_resident', name: '戊', favouriteColour: 'red' }, 'favouriteColour', 'unknown', '字段'],
    ['bad enum', { typeCode: 'personal_resident', name: '己', status: 'vip' }, 'status', 'enum', '取值'],
    ['unknown attribute', { typeCode: 'personal_resident', name: '庚', attributes: { shoeSize: 42 } }, 'attributes.shoeSize', 'unknown', '属性'],
  ])('%s → 400 naming the field and rule, in Chinese and English', async (_what, payload, field, rule, zh) => {
    const before = await count();
    const res = await ctx.app.inject({ method: 'POST', url: '/api/customers', headers: as('cm_a'), payload });
    expect(res.statusCode).toBe(400);
    const err = res.json().error;
    expect(err.code).toBe('VALIDATION');
    const f = err.fields.find((x: { field: string }) => x.field === field);
    expect(f, JSON.stringify(err)).toBeTruthy();
    expect(f.rule).toBe(rule);
    expect(f.messages.zh).toContain(zh);
    expect(f.messages.en.length).toBeGreaterThan(3);
    expect(await count()).toBe(before);
  });

  it('answers in English when asked', async () => {
    const res = await ctx.app.inject({ method: 'POST', url: '/api/customers', headers: { ...as('cm_a'), 'accept-language': 'en-US' }, payload: { typeCode: 'personal_resident', name: '甲', contacts: [{ kind: 'mobile', value: '999' }] } });
    expect(res.json().error.fields[0].message).toMatch(/mobile/);
  });

  it('rejects malformed JSON and oversized bodies without a 500', async () => {
    const bad = await ctx.app.inject({ method: 'POST', url: '/api/customers', headers: { ...as('cm_a'), 'content-type': 'application/json' }, payload: '{"name": ' });
    expect(bad.statusCode).toBe(400);
    const big = await ctx.app.inject({ method: 'POST', url: '/api/customers', headers: { ...as('cm_a'), 'content-type': 'application/json' }, payload: JSON.stringify({ typeCode: 'personal_resident', name: 'x', remarks: 'y'.repeat(2_000_000) }) });
    expect(big.statusCode).toBe(413);
    expect(big.json().error.code).toBe('TOO_LARGE');
  });

  it('refuses a second customer with the same ID number (one customer per person)', async () => {
    const before = await count();
    const res = await ctx.app.inject({ method: 'POST', url: '/api/customers', headers: as('cm_b'), payload: { typeCode: 'personal_resident', name: '张伟', identities: [{ idType: 'resident_id', idNo: '11010519491231002X' }] } });
    expect(res.statusCode).toBe(409);
    expect(res.json().error.fields[0].field).toBe('identities.0.idNo');
    expect(await count()).toBe(before);
  });

  it('edits with field-level audit and optimistic locking', async () => {
    const cur = (await ctx.app.inject({ url: `/api/customers/${bank.customers.wangFang}`, headers: as('cm_b') })).json();
    const res = await ctx.app.inject({ method: 'PATCH', url: `/api/customers/${bank.customers.wangFang}`, headers: as('cm_b'), payload: { occupation: '教师', version: cur.version } });
    expect(res.statusCode).toBe(200);
    expect(res.json().occupation).toBe('教师');
    const tl = (await ctx.app.inject({ url: `/api/customers/${bank.customers.wangFang}/timeline`, headers: as('cm_b') })).json();
    expect(tl.items[0]).toMatchObject({ kind: 'audit', action: 'update', fields: ['occupation'], changes: { occupation: { from: null, to: '教师' } } });
    const stale = await ctx.app.inject({ method: 'PATCH', url: `/api/customers/${bank.customers.wangFang}`, headers: as('cm_b'), payload: { occupation: '医生', version: cur.version } });
    expect(stale.statusCode).toBe(409);
  });

  it('soft-deletes: gone from search, row kept, number never reused', async () => {
    const created = (await ctx.app.inject({ method: 'POST', url: '/api/customers', headers: as('cm_a'), payload: { typeCode: 'personal_resident', name: '赵六' } })).json();
    const del = await ctx.app.inject({ method: 'DELETE', url: `/api/customers/${created.customerNo}`, headers: as('cm_a'), payload: { reason: '重复建档' } });
    expect(del.statusCode).toBe(204);
    expect(await search('cm_a', '赵六')).toEqual([]);
    const row = await ctx.db.selectFrom('customer').select(['deleted']).where('customer_no', '=', created.customerNo).executeTakeFirstOrThrow();
    expect(row.deleted).toBe(true);
    const next = (await ctx.app.inject({ method: 'POST', url: '/api/customers', headers: as('cm_a'), payload: { typeCode: 'personal_resident', name: '钱七' } })).json();
    expect(Number(next.customerNo)).toBeGreaterThan(Number(created.customerNo));
  });
});

describe('manager assignment and transfer (C12)', () => {
  it('a branch manager transfers a customer with a reason; history is kept', async () => {
    const res = await ctx.app.inject({ method: 'POST', url: `/api/customers/${bank.customers.company}/manager`, headers: as('bm_a'), payload: { managerId: bank.users.cm_a2, reason: '客户经理岗位调整' } });
    expect(res.statusCode).toBe(200);
    const c = res.json();
    expect(c.manager.displayName).toBe('cm_a2');
    expect(c.managerHistory[0]).toMatchObject({ fromManager: 'cm_a', toManager: 'cm_a2', reason: '客户经理岗位调整', by: 'bm_a' });
    expect(await search('cm_a2', '榕树')).toEqual(['北京榕树科技有限公司']);
    expect(await search('cm_a', '榕树')).toEqual([]);
  });

  it('cannot transfer to a manager outside the branch, nor without a reason', async () => {
    const out = await ctx.app.inject({ method: 'POST', url: `/api/customers/${bank.customers.zhangWei}/manager`, headers: as('bm_a'), payload: { managerId: bank.users.cm_b, reason: 'x' } });
    expect(out.statusCode).toBe(400);
    expect(out.json().error.fields[0]).toMatchObject({ field: 'managerId', rule: 'scope' });
    const noReason = await ctx.app.inject({ method: 'POST', url: `/api/customers/${bank.customers.zhangWei}/manager`, headers: as('bm_a'), payload: { managerId: bank.users.cm_a2 } });
    expect(noReason.statusCode).toBe(400);
    expect(noReason.json().error.fields[0].field).toBe('reason');
  });

  it('customer managers may not transfer', async () => {
    const res = await ctx.app.inject({ method: 'POST', url: `/api/customers/${bank.customers.zhangWei}/manager`, headers: as('cm_a'), payload: { managerId: bank.users.cm_a2, reason: 'x' } });
    expect(res.statusCode).toBe(403);
  });
});

describe('export (B4)', () => {
  it('exports to Excel only what the user may see, masked per role', async () => {
    const res = await ctx.app.inject({ url: '/api/customers/export', headers: as('hq') });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('spreadsheetml');
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(res.rawPayload as unknown as ArrayBuffer);
    const ws = wb.worksheets[0];
    const names = ws.getColumn(2).values.slice(2);
    expect(names).toEqual(expect.arrayContaining(['张伟', '王芳']));
    const mobiles = ws.getColumn(8).values.slice(2).filter(Boolean) as string[];
    expect(mobiles.every((m) => m.includes('*'))).toBe(true);

    // In English: statuses and org units by their English names.
    const en = await ctx.app.inject({ url: '/api/customers/export', headers: { ...as('hq'), 'accept-language': 'en-US' } });
    const wbEn = new ExcelJS.Workbook();
    await wbEn.xlsx.load(en.rawPayload as unknown as ArrayBuffer);
    const zhangWeiRow = wbEn.worksheets[0].getRows(2, wbEn.worksheets[0].rowCount - 1)!.find((r) => r.getCell(2).value === '张伟')!;
    expect([zhangWeiRow.getCell(4).value, zhangWeiRow.getCell(6).value]).toEqual(['Active', 'BJ01']);

    const mine = await ctx.app.inject({ url: '/api/customers/export', headers: as('cm_b') });
    const wb2 = new ExcelJS.Workbook();
    await wb2.xlsx.load(mine.rawPayload as unknown as ArrayBuffer);
    expect(wb2.worksheets[0].getColumn(2).values.slice(2)).toEqual(['王芳']);
    // The export's audit row is written once the file has streamed out, just after the response ends.
    const audited = async () => (await ctx.db.selectFrom('audit_log').select('actor_name').where('action', '=', 'export').execute()).map((a) => a.actor_name);
    await expect.poll(audited).toEqual(expect.arrayContaining(['hq', 'cm_b']));
    // cm_b sees mobiles in clear: the file's customers each have a read, on the hash chain like any other row.
    const reads = async () => (await ctx.db.selectFrom('audit_log').select(['entity_id', 'fields', 'changes']).where('action', '=', 'read').where('actor_name', '=', 'cm_b')
      .where(sql<boolean>`changes->>'via' = 'export'`).execute());
    await expect.poll(reads).toEqual([{ entity_id: bank.customers.wangFang, fields: ['mobile'], changes: { via: 'export' } }]);
    expect(await verifyAudit(ctx.db)).toMatchObject({ ok: true, problems: [] });
  });

  it('lists the customers in the order the list shows them', async () => {
    for (const order of ['sort=name&order=desc', 'sort=name&order=asc', 'sort=createdAt&order=desc', 'sort=aum&order=desc']) {
      const list = (await ctx.app.inject({ url: `/api/customers?${order}&pageSize=100`, headers: as('hq') })).json().items.map((i: { customerNo: string }) => i.customerNo);
      const res = await ctx.app.inject({ url: `/api/customers/export?${order}`, headers: as('hq') });
      const wb = new ExcelJS.Workbook();
      await wb.xlsx.load(res.rawPayload as unknown as ArrayBuffer);
      expect(wb.worksheets[0].getColumn(1).values.slice(2), order).toEqual(list);
    }
    // Not merely by number: 张伟 (zhang) comes before 北京… (bei) and 王芳 (wang) by name, descending.
    const byNumber = [bank.customers.zhangWei, bank.customers.wangFang, bank.customers.company].sort();
    const res = await ctx.app.inject({ url: '/api/customers/export?sort=name&order=desc', headers: as('hq') });
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(res.rawPayload as unknown as ArrayBuffer);
    expect((wb.worksheets[0].getColumn(1).values.slice(2) as string[]).filter((n) => byNumber.includes(n))).toEqual([bank.customers.zhangWei, bank.customers.wangFang, bank.customers.company]);
  });

  it('records the address it was asked from, whenever the client lets go of the connection', async () => {
    // Over a real socket (inject's stand-in socket never goes away).
    const address = await ctx.app.listen({ port: 0, host: '127.0.0.1' });
    // A socket the client has let go of no longer knows its peer, and a download can take minutes: the address must be
    // taken before the file streams. Here the socket forgets it as soon as the file starts to flow.
    const hangUp = (_req: http.IncomingMessage, res: http.ServerResponse) => res.on('pipe', () => {
      if (res.socket) Object.defineProperty(res.socket, 'remoteAddress', { value: undefined });
    });
    ctx.app.server.on('request', hangUp);
    onTestFinished(() => { ctx.app.server.off('request', hangUp); });
    const download = () => new Promise<number>((resolve, reject) => {
      http.get(`${address}/api/customers/export`, { headers: { ...as('cm_a'), connection: 'close' }, agent: false }, (res) => {
        res.resume();
        res.on('end', () => { res.socket.destroy(); resolve(res.statusCode!); });
      }).on('error', reject);
    });
    const before = await ctx.db.selectFrom('audit_log').select('id').orderBy('id', 'desc').limit(1).executeTakeFirstOrThrow();
    for (let i = 0; i < 6; i++) expect(await download()).toBe(200);
    const rows = async () => ctx.db.selectFrom('audit_log').select(['action', 'ip', 'changes']).where('actor_name', '=', 'cm_a').where('id', '>', before.id)
      .where(({ or, eb }) => or([eb('action', '=', 'export'), sql<boolean>`changes->>'via' = 'export'`])).execute();
    await expect.poll(async () => (await rows()).filter((r) => r.action === 'export').length).toBe(6);
    const all = await rows();
    expect(all.filter((r) => r.action === 'read').length).toBeGreaterThanOrEqual(6);
    expect(all.map((r) => r.ip)).toEqual(all.map(() => '127.0.0.1'));
  });

  it('is refused to roles without the export permission', async () => {
    expect((await ctx.app.inject({ url: '/api/customers/export', headers: as('agent') })).statusCode).toBe(403);
  });
});

describe('search by letters: the total beyond the first page (counted from the indexes)', () => {
  const total = async (user: string, q: string) => {
    const res = await ctx.app.inject({ url: `/api/customers?q=${q}&pageSize=1`, headers: as(user) });
    expect(res.statusCode).toBe(200);
    return res.json().total as number;
  };
  const made: string[] = [];
  beforeAll(async () => {
    for (const [user, name] of [['cm_a', '张三'], ['cm_b', '赵四'], ['cm_a', '周正']] as const) {
      const res = await ctx.app.inject({ method: 'POST', url: '/api/customers', headers: as(user), payload: { typeCode: 'personal_resident', name } });
      expect(res.statusCode).toBe(201);
      made.push(res.json().customerNo);
    }
  });
  afterAll(async () => {
    await ctx.db.updateTable('customer').set({ deleted: true }).where('customer_no', 'in', made).execute();
  });

  it('counts initials matches and full-pinyin matches once each, within the data scope', async () => {
    // z: 张伟 zw, 张三 zs, 赵四 zs, 周正 zz by their initials (their full pinyin matches too: still counted once).
    expect(await total('hq', 'z')).toBe(4);
    // zh: no initials start so; zhangwei, zhangsan, zhaosi, zhouzheng by the full pinyin.
    expect(await total('hq', 'zh')).toBe(4);
    expect(await total('hq', 'zs')).toBe(2);
    // Branch A's subtree holds all but 赵四 (cm_b, branch B); cm_b holds only 赵四 and 王芳.
    expect(await total('bm_a', 'z')).toBe(3);
    expect(await total('cm_b', 'z')).toBe(1);
  });

  it('leaves out soft-deleted customers', async () => {
    await ctx.db.updateTable('customer').set({ deleted: true }).where('customer_no', '=', made[2]!).execute();
    expect(await total('hq', 'z')).toBe(3);
    await ctx.db.updateTable('customer').set({ deleted: false }).where('customer_no', '=', made[2]!).execute();
  });
});

describe('search beyond the count cap: the page walks the customers in sort order, within the data scope', () => {
  // 1,100 customers named 欧阳测试 (initials oycs), every other one cm_b's (like 王芳), the rest cm_a's (like 张伟).
  const N = 1100;
  let all: string[] = [];
  let mine: string[] = [];
  beforeAll(async () => {
    await sql`INSERT INTO customer (customer_no, type_id, party, name, name_pinyin, name_initials, name_grams, status, org_id, manager_id)
      SELECT '8' || lpad(g::text, 8, '0'), s.type_id, 'person', '欧阳测试', 'ouyangceshi', 'oycs', '{欧,阳,测,试,欧阳,阳测,测试}', 'active', s.org_id, s.manager_id
      FROM generate_series(1, ${N}) g JOIN customer s ON s.customer_no = CASE WHEN g % 2 = 0 THEN ${bank.customers.wangFang} ELSE ${bank.customers.zhangWei} END`.execute(ctx.db);
    all = Array.from({ length: N }, (_, i) => `8${String(i + 1).padStart(8, '0')}`);
    mine = all.filter((_, i) => (i + 1) % 2 === 0);
  });
  afterAll(async () => {
    await sql`DELETE FROM customer WHERE customer_no LIKE '8%' AND name = '欧阳测试'`.execute(ctx.db);
  });
  const page = async (user: string, query: string) => {
    const res = await ctx.app.inject({ url: `/api/customers?${query}`, headers: as(user) });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    return { nos: (body.items as { customerNo: string }[]).map((i) => i.customerNo), total: body.total as number, capped: body.totalCapped as boolean };
  };

  it.each([['initials', 'oycs'], ['full pinyin', 'ouyang'], ['name', encodeURIComponent('欧阳测试')]])('by %s: the first pages in customer-number order, the total capped', async (_what, q) => {
    expect(await page('hq', `q=${q}`)).toEqual({ nos: all.slice(0, 20), total: 1000, capped: true });
    expect(await page('hq', `q=${q}&page=3&pageSize=10`)).toEqual({ nos: all.slice(20, 30), total: 1000, capped: true });
    expect(await page('hq', `q=${q}&order=desc`)).toEqual({ nos: all.slice(-20).reverse(), total: 1000, capped: true });
  });

  it('counts and sorts all the matches when they are fewer than the cap (a manager sees only their own)', async () => {
    expect(await page('cm_b', 'q=oycs')).toEqual({ nos: mine.slice(0, 20), total: mine.length, capped: false });
    expect(await page('cm_b', `q=${encodeURIComponent('欧阳测试')}&order=desc&page=2&pageSize=5`)).toEqual({ nos: mine.slice(-10, -5).reverse(), total: mine.length, capped: false });
    expect(await page('cm_b', 'q=oycs&page=200')).toEqual({ nos: [], total: mine.length, capped: false });
  });

  it('with a filter beside the letters, and sorted by another column', async () => {
    expect(await page('hq', 'q=oycs&status=active&sort=customerNo')).toMatchObject({ nos: all.slice(0, 20), capped: true });
    expect(await page('hq', 'q=oycs&status=dormant')).toEqual({ nos: [], total: 0, capped: false });
    const byName = await page('hq', 'q=oycs&sort=name');
    expect(byName.nos).toEqual(all.slice(0, 20));
  });
});

describe('search takes the box as people type into it', () => {
  it('finds by full-width letters, pinyin with spaces and a name with a space, and puts the exact name first', async () => {
    // Created in this order, so by number 王玲 comes last.
    const made: Record<string, string> = {};
    for (const name of ['王玲思', '王玲珑', '王玲玲', '王玲']) {
      const r = await ctx.app.inject({ method: 'POST', url: '/api/customers', headers: as('cm_a'), payload: { typeCode: 'personal_resident', name, status: 'active' } });
      expect(r.statusCode, r.body).toBe(201);
      made[name] = r.json().customerNo;
    }
    expect(await search('hq', 'ｚｗ')).toEqual(await search('hq', 'zw'));
    expect(await search('hq', 'ｚｗ')).toContain('张伟');
    expect(await search('hq', 'zhang wei')).toEqual(await search('hq', 'zhangwei'));
    expect(await search('hq', 'zhang wei')).toContain('张伟');
    expect(await search('hq', '张 伟')).toEqual(['张伟']);
    expect(await search('hq', '王 玲')).toEqual(await search('hq', '王玲'));
    // The list's default order, a name searched: that very name first, the rest by number.
    expect(await search('hq', '王玲')).toEqual(['王玲', '王玲思', '王玲珑', '王玲玲']);
    expect(await search('cm_a', '王 玲')).toEqual(['王玲', '王玲思', '王玲珑', '王玲玲']);
    // An order the user chose is kept as chosen, and the export follows the list.
    const byNo = await ctx.app.inject({ url: `/api/customers?q=${encodeURIComponent('王玲')}&sort=customerNo`, headers: as('hq') });
    expect(byNo.json().items.map((i: { name: string }) => i.name)).toEqual(['王玲思', '王玲珑', '王玲玲', '王玲']);
    const file = await ctx.app.inject({ url: `/api/customers/export?q=${encodeURIComponent('王玲')}`, headers: as('hq') });
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(file.rawPayload as unknown as ArrayBuffer);
    expect(wb.worksheets[0].getColumn(2).values.slice(2)).toEqual(['王玲', '王玲思', '王玲珑', '王玲玲']);
  });
});

describe('manager history', () => {
  it('gives the reason the system wrote in each language', async () => {
    const r = await ctx.app.inject({ method: 'POST', url: '/api/customers', headers: as('cm_a'), payload: { typeCode: 'personal_resident', name: '史湘云', status: 'active' } });
    expect(r.statusCode, r.body).toBe(201);
    const view = (await ctx.app.inject({ url: `/api/customers/${r.json().customerNo}`, headers: as('cm_a') })).json();
    expect(view.managerHistory).toHaveLength(1);
    expect(view.managerHistory[0]).toMatchObject({ toManager: 'cm_a', reasonI18n: { zh: '新建客户', en: 'new customer' } });
    // A reason a user typed is the same in both.
    const typed = await ctx.app.inject({ method: 'POST', url: `/api/customers/${r.json().customerNo}/manager`, headers: as('bm_a'), payload: { managerId: bank.users.cm_a2, reason: '调岗' } });
    expect(typed.statusCode, typed.body).toBe(200);
    expect(typed.json().managerHistory[0].reasonI18n).toEqual({ zh: '调岗', en: '调岗' });
  });
});
