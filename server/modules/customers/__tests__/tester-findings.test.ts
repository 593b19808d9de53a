import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SYSTEM_ACTOR } from '../../../platform/audit.ts';
import { createTestContext, login, type TestContext } from '../../../test/context.ts';
import { PASSWORD, seedSmallBank } from '../../../test/fixtures.ts';
import { createUser } from '../../admin/admin.service.ts';
import { resolveSourceRecords } from '../../integration/integration.service.ts';
import { redactPersonal } from '../customers.service.ts';

let ctx: TestContext;
let bank: Awaited<ReturnType<typeof seedSmallBank>>;
const cookies: Record<string, string> = {};
const as = (user: string) => ({ cookie: cookies[user] });
type Res = { statusCode: number; json: () => any };
const fieldsOf = (res: Res) => (res.json().error.fields as { field: string; rule: string }[]).map((f) => `${f.field}:${f.rule}`).sort();

beforeAll(async () => {
  ctx = await createTestContext();
  bank = await seedSmallBank(ctx.db);
  for (const [username, roleCode] of [['analyst', 'analyst'], ['marketing', 'marketing']] as const) {
    await createUser(ctx.db, SYSTEM_ACTOR, { username, displayName: username, password: PASSWORD, orgId: bank.orgs.hq, roleCode });
  }
  for (const u of ['cm_a', 'hq', 'agent', 'auditor', 'admin', 'analyst', 'marketing']) cookies[u] = await login(ctx.app, u, PASSWORD);
});
afterAll(() => ctx?.close());

describe('personal data survivorship wrote into the timeline and the audit log (B2)', () => {
  const EMAIL = 'bf@example.com';
  const ADDRESS = '北京市朝阳区建国路 88 号';
  const MOBILE = '13912345678';
  const ID_NO = '110105194912310021';
  let no: string;

  beforeAll(async () => {
    // A card-system record resolved into a new customer: survivorship fills in its e-mail, address, mobile and ID.
    const row = {
      source_code: 'CARD', record_key: 'K-bf', kind: 'person' as const, name: '包芳', id_type: 'resident_id', id_no: ID_NO,
      mobile: MOBILE, email: EMAIL, birth_date: '1949-12-31', gender: null, address: ADDRESS, employer: '榕树科技', legal_rep: null,
      attributes: '{}', accounts: '[]', content_hash: createHash('sha256').update('K-bf').digest(), source_updated_at: new Date('2026-11-01T00:00:00Z'),
    };
    const { id } = await ctx.db.insertInto('source_record').values(row).returning('id').executeTakeFirstOrThrow();
    await resolveSourceRecords(ctx.db, SYSTEM_ACTOR, [id]);
    no = (await ctx.db.selectFrom('source_record as r').innerJoin('customer as c', 'c.id', 'r.customer_id').select('c.customer_no').where('r.id', '=', id).executeTakeFirstOrThrow()).customer_no;
    const moved = await ctx.app.inject({ method: 'POST', url: `/api/customers/${no}/manager`, headers: as('hq'), payload: { managerId: bank.users.cm_a, reason: '分配' } });
    expect(moved.statusCode, moved.body).toBe(200);
  });

  const inClear = (body: string) => [EMAIL, 'bf@', ADDRESS, '建国路', MOBILE, '+8613912345678', ID_NO, '1949-12-31'].filter((v) => body.includes(v));
  const timelineReads = (user: string) => ctx.db.selectFrom('audit_log').select(['fields', 'changes']).where('action', '=', 'read').where('actor_name', '=', user)
    .where('entity_id', '=', no).orderBy('id', 'desc').executeTakeFirstOrThrow();

  it.each(['agent', 'analyst', 'marketing', 'auditor', 'hq'])('the timeline masks for %s every personal value the 360° view masks, and its read is audited as masked', async (user) => {
    const c360 = await ctx.app.inject({ url: `/api/customers/${no}`, headers: as(user) });
    expect(c360.statusCode).toBe(200);
    expect(c360.json().masked).toBe(true);
    expect(inClear(c360.body)).toEqual([]);
    const res = await ctx.app.inject({ url: `/api/customers/${no}/timeline?limit=100`, headers: as(user) });
    expect(res.statusCode).toBe(200);
    expect(inClear(res.body)).toEqual([]);
    const golden = res.json().items.find((i: { changes?: { via?: string } }) => i.changes?.via === 'survivorship');
    expect(golden.changes).toMatchObject({ email: '***', address: '***', mobile: '***', id_no: '***', birth_date: '***', sources: { email: 'CARD', address: 'CARD' } });
    // What the 360° view shows in clear (employer) stays readable.
    expect(golden.changes.employer).toEqual({ from: null, to: '榕树科技' });
    expect(await timelineReads(user)).toMatchObject({ fields: ['timeline'], changes: { masked: true } });
  });

  it('its manager, who sees personal data, reads them in clear, and the audit says so', async () => {
    const res = await ctx.app.inject({ url: `/api/customers/${no}/timeline?limit=100`, headers: as('cm_a') });
    expect(res.statusCode).toBe(200);
    const golden = res.json().items.find((i: { changes?: { via?: string } }) => i.changes?.via === 'survivorship');
    expect(golden.changes.email).toEqual({ from: null, to: EMAIL });
    expect(golden.changes.address).toEqual({ from: null, to: ADDRESS });
    expect(await timelineReads('cm_a')).toMatchObject({ fields: ['timeline'], changes: { masked: false } });
  });

  it.each(['auditor', 'admin'])('the audit log viewer filtered by the customer shows %s (no personal-data permission) no personal value in clear', async (user) => {
    const res = await ctx.app.inject({ url: `/api/admin/audit?customerNo=${no}&pageSize=500`, headers: as(user) });
    expect(res.statusCode).toBe(200);
    expect(res.json().items.some((i: { changes?: { via?: string } }) => i.changes?.via === 'survivorship')).toBe(true);
    expect(inClear(res.body)).toEqual([]);
  });

  it('redacts personal values nested in an entry (a merge fills in the birth date), not the field → source map', () => {
    expect(redactPersonal({ mergeId: 3, filled: { birth_date: '1980-01-01', occupation: '教师' }, sources: { email: 'CARD' }, accounts: [{ account_no: '6222' }] })).toEqual({
      mergeId: 3, filled: { birth_date: '***', occupation: '教师' }, sources: { email: 'CARD' }, accounts: [{ account_no: '***' }],
    });
  });
});

describe('relations added at the same moment (C6)', () => {
  const person = async (name: string) => (await ctx.app.inject({ method: 'POST', url: '/api/customers', headers: as('hq'), payload: { typeCode: 'personal_resident', name } })).json().customerNo as string;
  const relate = (from: string, to: string) => ctx.app.inject({ method: 'POST', url: `/api/customers/${from}/relations`, headers: as('hq'), payload: { relatedCustomerNo: to, typeCode: 'spouse' } });
  const open = async (a: string, b: string) => Number((await ctx.db.selectFrom('customer_relation as r')
    .innerJoin('customer as x', 'x.id', 'r.customer_id').innerJoin('customer as y', 'y.id', 'r.related_id')
    .select(ctx.db.fn.countAll().as('n')).where('r.ended_at', 'is', null).where('r.type_code', '=', 'spouse')
    .where((eb) => eb.or([eb.and([eb('x.customer_no', '=', a), eb('y.customer_no', '=', b)]), eb.and([eb('x.customer_no', '=', b), eb('y.customer_no', '=', a)])]))
    .executeTakeFirstOrThrow()).n);

  it('three identical requests at once make one relation; the others get the duplicate error', async () => {
    const [a, b] = [await person('并发甲'), await person('并发乙')];
    const res = await Promise.all([relate(a, b), relate(a, b), relate(a, b)]);
    expect(res.map((r) => r.statusCode).sort()).toEqual([201, 400, 400]);
    for (const r of res.filter((x) => x.statusCode === 400)) expect(fieldsOf(r)).toEqual(['relatedCustomerNo:duplicate']);
    expect(await open(a, b)).toBe(1);
  });

  it('either way round at once, still one', async () => {
    const [a, b] = [await person('并发丙'), await person('并发丁')];
    const res = await Promise.all([relate(a, b), relate(b, a), relate(a, b), relate(b, a)]);
    expect(res.map((r) => r.statusCode).sort()).toEqual([201, 400, 400, 400]);
    expect(await open(a, b)).toBe(1);
  });
});

describe('a customer is of a leaf type (C3)', () => {
  const count = async () => Number((await ctx.db.selectFrom('customer').select(ctx.db.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
  const patch = (no: string, payload: object) => ctx.app.inject({ method: 'PATCH', url: `/api/customers/${no}`, headers: as('hq'), payload });

  it.each([['personal', '个人客户'], ['corporate', '公司客户'], ['interbank', '同业客户']])('refuses to create one of type %s, which has sub-types (400, both languages)', async (typeCode, zh) => {
    const before = await count();
    const res = await ctx.app.inject({ method: 'POST', url: '/api/customers', headers: as('hq'), payload: { typeCode, name: '某客户' } });
    expect(res.statusCode).toBe(400);
    const f = res.json().error.fields.find((x: { field: string }) => x.field === 'typeCode');
    expect(f).toMatchObject({ field: 'typeCode', rule: 'leafType' });
    expect(f.messages.zh).toContain(zh);
    expect(f.messages.en).toMatch(/sub-types/);
    expect(await count()).toBe(before);
  });

  it('an edit may move a customer to another leaf type of its party, leaving the old type\'s own attributes behind', async () => {
    const no = (await ctx.app.inject({ method: 'POST', url: '/api/customers', headers: as('hq'), payload: { typeCode: 'corporate_sme', name: '成长公司', attributes: { sme_size: 'small', staff_count: 40 } } })).json().customerNo;
    expect(fieldsOf(await patch(no, { typeCode: 'corporate' }))).toEqual(['typeCode:leafType']);
    expect(fieldsOf(await patch(no, { typeCode: 'personal_resident' }))).toEqual(['typeCode:party']);
    expect(fieldsOf(await patch(no, { typeCode: 'martian' }))).toEqual(['typeCode:unknownType']);
    const res = await patch(no, { typeCode: 'corporate_large' });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().type.code).toBe('corporate_large');
    expect(res.json().attributes).toEqual({ staff_count: 40 });
  });

  it('a customer already of a parent type (a company loaded as 公司客户) can still be edited, and classified', async () => {
    const no = (await ctx.app.inject({ method: 'POST', url: '/api/customers', headers: as('hq'), payload: { typeCode: 'corporate_sme', name: '待分类公司' } })).json().customerNo;
    await ctx.db.updateTable('customer').set({ type_id: (eb) => eb.selectFrom('customer_type').select('id').where('code', '=', 'corporate') }).where('customer_no', '=', no).execute();
    expect((await patch(no, { remarks: '待分类' })).statusCode).toBe(200);
    const res = await patch(no, { typeCode: 'corporate_sme' });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().type.code).toBe('corporate_sme');
  });
});
