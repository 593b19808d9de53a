import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, login, type TestContext } from '../../../test/context.ts';
import { PASSWORD, seedSmallBank } from '../../../test/fixtures.ts';
import { residentIdCheckChar } from '../../../../engines/identity/index.ts';
import { SYSTEM_ACTOR } from '../../../platform/audit.ts';
import { resolvePending, resolveSourceRecords } from '../integration.service.ts';

let ctx: TestContext;
let bank: Awaited<ReturnType<typeof seedSmallBank>>;
const cookies: Record<string, string> = {};
const as = (user: string) => ({ cookie: cookies[user] });

beforeAll(async () => {
  ctx = await createTestContext();
  bank = await seedSmallBank(ctx.db);
  for (const u of ['cm_a', 'cm_b', 'hq', 'admin']) cookies[u] = await login(ctx.app, u, PASSWORD);
});
afterAll(() => ctx?.close());

const newPerson = async (user: string, name: string, mobile: string) => (await ctx.app.inject({
  method: 'POST', url: '/api/customers', headers: as(user), payload: { typeCode: 'personal_resident', name, contacts: [{ kind: 'mobile', value: mobile }] },
})).json().customerNo as string;

describe('merge proposals', () => {
  it('a person and an organisation: 400 naming otherCustomerNo and the rule, nothing queued', async () => {
    const res = await ctx.app.inject({ method: 'POST', url: '/api/integration/reviews', headers: as('cm_a'), payload: { customerNo: bank.customers.zhangWei, otherCustomerNo: bank.customers.company } });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.fields).toEqual([expect.objectContaining({ field: 'otherCustomerNo', rule: 'party' })]);
    expect(await ctx.db.selectFrom('match_review').select('id').execute()).toEqual([]);
  });

  it('the same pair proposed three times at once: one pair, every answer names it, one audit row', async () => {
    const a = await newPerson('cm_a', '赵敏', '13800001001');
    const b = await newPerson('cm_a', '赵敏', '13800001002');
    const answers = await Promise.all([1, 2, 3].map(() => ctx.app.inject({ method: 'POST', url: '/api/integration/reviews', headers: as('cm_a'), payload: { customerNo: a, otherCustomerNo: b } })));
    const rows = await ctx.db.selectFrom('match_review').select('id').execute();
    expect(rows).toHaveLength(1);
    expect(answers.map((r) => r.json().id)).toEqual([rows[0]!.id, rows[0]!.id, rows[0]!.id]);
    expect(answers.filter((r) => r.json().created)).toHaveLength(1);
    expect(await ctx.db.selectFrom('audit_log').select('id').where('action', '=', 'propose').execute()).toHaveLength(1);
  });
});

describe('merge history after an unmerge', () => {
  it('names the unmerged customer only to those whose scope holds it', async () => {
    const survivor = await newPerson('cm_a', '钱坤', '13800002001');
    const other = await newPerson('cm_b', '钱坤', '13800002002');
    const m = await ctx.app.inject({ method: 'POST', url: '/api/integration/merges', headers: as('hq'), payload: { survivorNo: survivor, mergedNo: other, reason: '同一人' } });
    expect(m.statusCode).toBe(201);
    // While merged, the survivor's history names the merged number (it is the survivor's now).
    const during = (await ctx.app.inject({ url: `/api/integration/merges?customerNo=${survivor}`, headers: as('cm_a') })).json();
    expect(during.items[0].merged.customerNo).toBe(other);
    const u = await ctx.app.inject({ method: 'POST', url: `/api/integration/merges/${m.json().mergeId ?? m.json().id}/unmerge`, headers: as('hq'), payload: { reason: '不是同一人' } });
    expect(u.statusCode).toBe(200);
    const after = (await ctx.app.inject({ url: `/api/integration/merges?customerNo=${survivor}`, headers: as('cm_a') })).json();
    expect(after.items[0].merged).toEqual({ customerNo: null, name: null });
    expect(JSON.stringify(after)).not.toContain(other);
    const hq = (await ctx.app.inject({ url: `/api/integration/merges?customerNo=${survivor}`, headers: as('hq') })).json();
    expect(hq.items[0].merged).toEqual({ customerNo: other, name: '钱坤' });
  });
});

describe('a stopping server', () => {
  it('starts no further chunk of pending records once its signal is aborted; the next run takes them', async () => {
    for (const k of [1, 2, 3]) {
      await ctx.db.insertInto('source_record').values({
        source_code: 'CORE', record_key: `STOP-${k}`, kind: 'person', name: `孙${'一二三'[k - 1]}`, mobile: `+86138000030${k}0`, content_hash: Buffer.from([k]),
      }).execute();
    }
    const pending = () => ctx.db.selectFrom('source_record').select('id').where('record_key', 'like', 'STOP-%').where('match_status', '=', 'pending').execute();
    const stopped = await resolvePending(ctx.db, { signal: AbortSignal.abort() });
    expect(stopped.created + stopped.matched + stopped.review).toBe(0);
    expect(await pending()).toHaveLength(3);
    const next = await resolvePending(ctx.db, {});
    expect(next.created).toBe(3);
    expect(await pending()).toHaveLength(0);
  });
});

describe('array rules in both languages', () => {
  it('an empty or oversized list names the field and the rule in Chinese and English', async () => {
    const empty = await ctx.app.inject({ method: 'POST', url: '/api/integration/resolve', headers: as('admin'), payload: { recordIds: [] } });
    expect(empty.statusCode).toBe(400);
    expect(empty.json().error.fields).toEqual([expect.objectContaining({ field: 'recordIds', rule: 'minItems', messages: { zh: '至少需要 1 项', en: 'must have at least 1 item(s)' } })]);
  });
});

describe('one valid ID number under two names', () => {
  const idNo = (first17: string) => first17 + residentIdCheckChar(first17);
  const rec = async (key: string, r: { name: string; idNo: string; mobile?: string; email?: string; address?: string }) => (await ctx.db.insertInto('source_record').values({
    source_code: 'CORE', record_key: key, kind: 'person', name: r.name, id_type: 'resident_id', id_no: r.idNo, mobile: r.mobile ?? null, email: r.email ?? null,
    address: r.address ?? null, content_hash: Buffer.from(key),
  }).returning('id').executeTakeFirstOrThrow()).id;
  const status = (id: number) => ctx.db.selectFrom('source_record').select(['match_status', 'customer_id']).where('id', '=', id).executeTakeFirstOrThrow();

  it('a name sharing only the surname is another name: review with the conflict named, even with the phone and address agreeing', async () => {
    const x = idNo('11010519850101231');
    const a = await rec('ID2-A', { name: '孙立平', idNo: x, mobile: '+8613800005001', address: '北京市东城区和平里1号2栋303' });
    await resolveSourceRecords(ctx.db, SYSTEM_ACTOR, [a]);
    const b = await rec('ID2-B', { name: '孙美华', idNo: x, mobile: '+8613800005001', address: '北京市东城区和平里1号2栋303' });
    const s = await resolveSourceRecords(ctx.db, SYSTEM_ACTOR, [b]);
    expect(s).toMatchObject({ matched: 0, review: 1 });
    const pair = await ctx.db.selectFrom('match_review').select(['conflict']).where('record_a', '=', b).executeTakeFirstOrThrow();
    expect(pair.conflict).toBe('same valid resident_id number, different name');
  });

  it('a customer holding a record under another name still takes a record with its ID and its own name', async () => {
    const x = idNo('11010519790203452');
    const r1 = await rec('ID3-1', { name: '周建国', idNo: x });
    await resolveSourceRecords(ctx.db, SYSTEM_ACTOR, [r1]);
    const owner = (await status(r1)).customer_id!;
    // A record of another name with the same number, confirmed into the customer by a reviewer (override).
    const r2 = await rec('ID3-2', { name: '吴秀英', idNo: x, mobile: '+8613800006002', email: 'wxy@example.com', address: '北京市朝阳区望京西路8号5栋1201' });
    await resolveSourceRecords(ctx.db, SYSTEM_ACTOR, [r2]);
    const review = await ctx.db.selectFrom('match_review').select(['id', 'customer_a', 'customer_b']).where('record_a', '=', r2).executeTakeFirstOrThrow();
    const other = review.customer_a === owner ? review.customer_b : review.customer_a;
    const no = async (id: number) => (await ctx.db.selectFrom('customer').select('customer_no').where('id', '=', id).executeTakeFirstOrThrow()).customer_no;
    const d = await ctx.app.inject({ method: 'POST', url: `/api/integration/reviews/${review.id}/decision`, headers: as('hq'), payload: { decision: 'confirm', survivorNo: await no(owner), overrideConflict: true } });
    expect(d.statusCode).toBe(200);
    expect((await status(r2)).customer_id).toBe(owner);
    // The new record agrees with r2 on phone, e-mail and address (a higher probability) and with r1 on the name.
    const r3 = await rec('ID3-3', { name: '周建国', idNo: x, mobile: '+8613800006002', email: 'wxy@example.com', address: '北京市朝阳区望京西路8号5栋1201' });
    const s = await resolveSourceRecords(ctx.db, SYSTEM_ACTOR, [r3]);
    expect(s).toMatchObject({ matched: 1, review: 0 });
    expect(await status(r3)).toEqual({ match_status: 'matched', customer_id: owner });
    void other;
  });
});
