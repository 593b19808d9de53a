import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { residentIdCheckChar } from '../../../../engines/identity/index.ts';
import { SYSTEM_ACTOR } from '../../../platform/audit.ts';
import { createTestContext, login, type TestContext } from '../../../test/context.ts';
import { PASSWORD, seedSmallBank } from '../../../test/fixtures.ts';
import { resolveInBulk } from '../integration.bulk.ts';
import { resolveSourceRecords } from '../integration.service.ts';

let ctx: TestContext;
let bank: Awaited<ReturnType<typeof seedSmallBank>>;
const cookies: Record<string, string> = {};
const as = (user: string) => ({ cookie: cookies[user] });
const rid = (first17: string) => first17 + residentIdCheckChar(first17);

type Account = { accountNo: string; productCode: string; status?: string; balanceFen: number };
type Rec = { source: string; key: string; name: string; idNo?: string | null; mobile?: string | null; accounts?: Account[]; loadId?: number };

/** Writes a source record as a load would (pending); returns its id. */
async function put(r: Rec): Promise<number> {
  const row = {
    source_code: r.source, record_key: r.key, kind: 'person' as const, name: r.name, id_type: r.idNo ? 'resident_id' : null, id_no: r.idNo ?? null,
    mobile: r.mobile ?? null, email: null, birth_date: null, gender: null, address: null, employer: null, legal_rep: null, attributes: '{}',
    accounts: JSON.stringify(r.accounts ?? []), content_hash: createHash('sha256').update(JSON.stringify(r)).digest(), source_updated_at: new Date('2026-11-01T00:00:00Z'),
    last_load_id: r.loadId ?? null,
  };
  const { id } = await ctx.db.insertInto('source_record').values(row)
    .onConflict((oc) => oc.columns(['source_code', 'record_key']).doUpdateSet({ ...row, match_status: 'pending' })).returning('id').executeTakeFirstOrThrow();
  return Number(id);
}
const customerOf = async (recordId: number) => (await ctx.db.selectFrom('source_record as r').innerJoin('customer as c', 'c.id', 'r.customer_id')
  .select(['c.id', 'c.customer_no', 'c.aum_fen', 'c.status']).where('r.id', '=', recordId).executeTakeFirstOrThrow());
const load = async (r: Rec) => {
  const id = await put(r);
  await resolveSourceRecords(ctx.db, SYSTEM_ACTOR, [id]);
  return { ...(await customerOf(id)), rec: id };
};
const detach = (user: string, recordId: number, payload: Record<string, unknown>) =>
  ctx.app.inject({ method: 'POST', url: `/api/integration/records/${recordId}/detach`, headers: as(user), payload });
const history = async (user: string, no: string) => (await ctx.app.inject({ url: `/api/integration/merges?customerNo=${no}`, headers: as(user) })).json();

beforeAll(async () => {
  ctx = await createTestContext();
  bank = await seedSmallBank(ctx.db);
  for (const u of ['cm_a', 'cm_b', 'hq', 'admin']) cookies[u] = await login(ctx.app, u, PASSWORD);
});
afterAll(() => ctx?.close());

describe('detaching a wrong automatic attachment (split)', () => {
  it('the record becomes a customer of its own with its accounts, remembered as not the same, audited, in both histories', async () => {
    const idNo = rid('11010119880808123');
    const core = await load({ source: 'CORE', key: 'TW-1', name: '李明', idNo, mobile: '13900007001', accounts: [{ accountNo: 'S-TW-1', productCode: 'DEP_CURRENT', balanceFen: 10_000 }] });
    // The brother's card record, attached by the engine to the wrong twin.
    const card = await load({ source: 'CARD', key: 'TW-2', name: '李明', idNo, mobile: '13900007002', accounts: [{ accountNo: 'C-TW-2', productCode: 'DEP_CURRENT', balanceFen: 80_000_000 }] });
    expect(card.rec).not.toBe(core.rec);
    expect(card.customer_no).toBe(core.customer_no);
    expect(Number(card.aum_fen)).toBe(80_010_000);
    expect((await history('hq', core.customer_no)).items).toEqual([]);

    // Outside the user's scope: as unknown as a record nobody holds.
    expect((await detach('cm_b', card.rec, { reason: '双胞胎' })).statusCode).toBe(404);
    const res = await detach('hq', card.rec, { reason: '双胞胎兄弟，不是同一人' });
    expect(res.statusCode).toBe(200);
    const out = res.json();
    expect(out).toMatchObject({ fromCustomerNo: core.customer_no, createdCustomer: true, accounts: 1 });
    const moved = await customerOf(card.rec);
    expect(moved.customer_no).toBe(out.toCustomerNo);
    expect(Number(moved.aum_fen)).toBe(80_000_000);
    expect(Number((await customerOf(core.rec)).aum_fen)).toBe(10_000);
    const acct = await ctx.db.selectFrom('account').select('customer_id').where('account_no', '=', 'C-TW-2').executeTakeFirstOrThrow();
    expect(Number(acct.customer_id)).toBe(moved.id);
    // The mobile only the card record gave goes with it; the old customer keeps its own.
    const mobiles = async (cid: number) => (await ctx.db.selectFrom('customer_contact').select('value').where('customer_id', '=', cid).execute()).map((x) => x.value);
    expect(await mobiles(core.id)).not.toContain('13900007002');
    expect(await mobiles(moved.id)).toContain('13900007002');
    // Remembered as "not the same": a decided pair, so a merge of the two is refused.
    const pair = await ctx.db.selectFrom('match_review').select(['status', 'record_a']).where('pair_key', '=', `${Math.min(core.id, moved.id)}-${Math.max(core.id, moved.id)}`).executeTakeFirstOrThrow();
    expect(pair).toMatchObject({ status: 'rejected' });
    const merge = await ctx.app.inject({ method: 'POST', url: '/api/integration/merges', headers: as('hq'), payload: { survivorNo: core.customer_no, mergedNo: moved.customer_no, reason: 'x' } });
    expect(merge.statusCode).toBe(409);
    // Reloaded (changed), the record stays with its own customer: the engine never attaches it there again.
    await put({ source: 'CARD', key: 'TW-2', name: '李明', idNo, mobile: '13900007003', accounts: [{ accountNo: 'C-TW-2', productCode: 'DEP_CURRENT', balanceFen: 80_000_001 }] });
    await resolveSourceRecords(ctx.db, SYSTEM_ACTOR, [card.rec]);
    expect((await customerOf(card.rec)).customer_no).toBe(out.toCustomerNo);
    // In both customers' integration history, and audited on both.
    for (const no of [core.customer_no, out.toCustomerNo]) {
      const h = await history('hq', no);
      expect(h.detaches).toEqual([expect.objectContaining({ reason: '双胞胎兄弟，不是同一人', record: expect.objectContaining({ id: card.rec, source: 'CARD', recordKey: 'TW-2' }), from: expect.objectContaining({ customerNo: core.customer_no }), to: expect.objectContaining({ customerNo: out.toCustomerNo }) })]);
    }
    const audits = await ctx.db.selectFrom('audit_log').select(['entity', 'customer_id']).where('action', '=', 'detach').execute();
    expect(audits.map((a) => a.entity).sort()).toEqual(['customer', 'customer', 'source_record']);
  });

  it('refuses to detach a customer\'s only record, and a reason is required', async () => {
    const only = await load({ source: 'CORE', key: 'TW-9', name: '赵一', idNo: rid('11010119900101555') });
    const r = await detach('hq', only.rec, { reason: 'x' });
    expect(r.statusCode).toBe(409);
    expect((await detach('hq', only.rec, { reason: '' })).statusCode).toBe(400);
  });
});

describe('merge history after an unmerge, for the merged customer\'s own branch', () => {
  it('the Shanghai customer\'s manager sees the merge of his customer; the Beijing survivor stays unnamed', async () => {
    const bj = (await ctx.app.inject({ method: 'POST', url: '/api/customers', headers: as('cm_a'), payload: { typeCode: 'personal_resident', name: '孙悟', contacts: [{ kind: 'mobile', value: '13800009001' }] } })).json().customerNo as string;
    const sh = (await ctx.app.inject({ method: 'POST', url: '/api/customers', headers: as('cm_b'), payload: { typeCode: 'personal_resident', name: '孙悟', contacts: [{ kind: 'mobile', value: '13800009002' }] } })).json().customerNo as string;
    const m = await ctx.app.inject({ method: 'POST', url: '/api/integration/merges', headers: as('hq'), payload: { survivorNo: bj, mergedNo: sh, reason: '同一人' } });
    expect(m.statusCode).toBe(201);
    expect((await ctx.app.inject({ method: 'POST', url: `/api/integration/merges/${m.json().mergeId}/unmerge`, headers: as('hq'), payload: { reason: '不是同一人' } })).statusCode).toBe(200);
    const seen = await history('cm_b', sh);
    expect(seen.items).toHaveLength(1);
    expect(seen.items[0]).toMatchObject({ id: m.json().mergeId, merged: { customerNo: sh, name: '孙悟' }, survivor: { customerNo: null, name: null }, undoReason: '不是同一人' });
    expect(JSON.stringify(seen)).not.toContain(bj);
  });
});

describe('overriding an ID conflict', () => {
  it('a customer manager alone gets 403 naming why (both languages); a supervisor may', async () => {
    const mk = async (name: string, idNo: string) => (await ctx.app.inject({
      method: 'POST', url: '/api/customers', headers: as('cm_a'), payload: { typeCode: 'personal_resident', name, identities: [{ idType: 'resident_id', idNo }] },
    })).json().customerNo as string;
    const a = await mk('周通', rid('11010119700101111'));
    const b = await mk('周通', rid('11010119700101222'));
    const payload = { survivorNo: a, mergedNo: b, reason: '同一人', overrideConflict: true };
    const cm = await ctx.app.inject({ method: 'POST', url: '/api/integration/merges', headers: as('cm_a'), payload });
    expect(cm.statusCode).toBe(403);
    expect(cm.json().error.messages.zh).toContain('整合管理权限');
    expect(cm.json().error.messages.en).toContain('integration manage permission');
    expect(cm.json().error.fields).toEqual([expect.objectContaining({ field: 'overrideConflict', rule: 'permission' })]);
    expect(await ctx.db.selectFrom('customer_merge').select('id').execute()).toHaveLength(1); // the unmerged one above only
    expect((await ctx.app.inject({ method: 'POST', url: '/api/integration/merges', headers: as('hq'), payload })).statusCode).toBe(201);
  });
});

describe('customer status once an open account attaches', () => {
  it('potential → active, audited; a dormant customer stays dormant', async () => {
    const idNo = rid('11010119660606123');
    const idNo2 = rid('11010119660606456');
    const mk = async (name: string, id: string, status: string) => (await ctx.app.inject({
      method: 'POST', url: '/api/customers', headers: as('hq'), payload: { typeCode: 'personal_resident', name, status, identities: [{ idType: 'resident_id', idNo: id }] },
    })).json().customerNo as string;
    const pot = await mk('钱多', idNo, 'potential');
    const dor = await mk('钱少', idNo2, 'dormant');
    const r1 = await load({ source: 'CORE', key: 'ST-1', name: '钱多', idNo, accounts: [{ accountNo: 'ST-A1', productCode: 'DEP_CURRENT', balanceFen: 500 }] });
    const r2 = await load({ source: 'CORE', key: 'ST-2', name: '钱少', idNo: idNo2, accounts: [{ accountNo: 'ST-A2', productCode: 'DEP_CURRENT', balanceFen: 500 }] });
    expect(r1.customer_no).toBe(pot);
    expect(r1.status).toBe('active');
    expect(r2.customer_no).toBe(dor);
    expect(r2.status).toBe('dormant');
    const a = await ctx.db.selectFrom('audit_log').select(['changes']).where('action', '=', 'update').where('customer_id', '=', r1.id).execute();
    expect(a.map((x) => x.changes)).toEqual([expect.objectContaining({ status: { from: 'potential', to: 'active' }, via: 'integration' })]);
  });
});

describe('accounts that could not be created from a record', () => {
  const newLoad = async () => {
    const i = await ctx.db.insertInto('interface').values({ code: `T-${Math.random().toString(36).slice(2, 8)}`, name: 't', source_code: 'LOAN', connector: 'file' } as never).returning('id').executeTakeFirstOrThrow();
    const l = await ctx.db.insertInto('interface_load').values({ interface_id: i.id, source_code: 'LOAN', mapping_version: 1, trigger: 'manual' } as never).returning('id').executeTakeFirstOrThrow();
    return Number(l.id);
  };
  const logOf = async (loadId: number) => (await ctx.db.selectFrom('interface_load_log').select('message').where('load_id', '=', loadId).execute()).map((x) => JSON.stringify(x.message));

  it('are counted in the resolution summary and told in the load\'s log (one by one)', async () => {
    const loadId = await newLoad();
    const id = await put({ source: 'LOAN', key: 'AP-1', name: '吴用', idNo: rid('11010119770707123'), loadId, accounts: [{ accountNo: 'L-AP-1', productCode: 'NO_SUCH_PRODUCT', balanceFen: 1 }] });
    const s = await resolveSourceRecords(ctx.db, SYSTEM_ACTOR, [id]);
    expect(s.accountProblemCount).toBe(1);
    const lines = await logOf(loadId);
    expect(lines.some((l) => l.includes('L-AP-1') && l.includes('unknown product code') && l.includes('产品代码未知'))).toBe(true);
  });

  it('are counted and logged in bulk too', async () => {
    const loadId = await newLoad();
    const id = await put({ source: 'LOAN', key: 'AP-2', name: '吴学', idNo: rid('11010119770707456'), loadId, accounts: [{ accountNo: 'L-AP-2', productCode: 'NO_SUCH_PRODUCT', balanceFen: 1 }] });
    const s = await resolveInBulk(ctx.db, SYSTEM_ACTOR, [id], async () => {});
    expect(s.accountProblemCount).toBe(1);
    expect((await logOf(loadId)).some((l) => l.includes('L-AP-2'))).toBe(true);
  });
});

describe('source order overlap (I4)', () => {
  it('is estimated from a sample of the whole source, not its newest records', async () => {
    // 800 customers; CORE holds the first 400, CARD the same 400 (loaded first) and 400 others after.
    await sql`INSERT INTO customer (customer_no, type_id, party, name, name_pinyin, name_initials, name_grams, status, org_id)
      SELECT 'OV' || g, (SELECT id FROM customer_type WHERE code = 'personal_resident'), 'person', '客' || g, 'ke' || g, 'k', '{}', 'active', ${bank.orgs.hq}
      FROM generate_series(1, 800) g`.execute(ctx.db);
    await sql`INSERT INTO source_record (source_code, record_key, kind, name, content_hash, customer_id, match_status)
      SELECT v.src, v.src || '-OV' || g, 'person', '客' || g, '\\x00', (SELECT id FROM customer WHERE customer_no = 'OV' || g), 'matched'
      FROM (VALUES ('CARD', 1, 400), ('CORE', 1, 400), ('CARD', 401, 800)) v(src, a, b), generate_series(v.a, v.b) g ORDER BY v.src DESC, g`.execute(ctx.db);
    await sql`INSERT INTO match_key (key, source_record_id, customer_id) SELECT 'ov:' || r.customer_id, r.id, r.customer_id FROM source_record r WHERE r.record_key LIKE '%-OV%'`.execute(ctx.db);
    await ctx.db.updateTable('source_system').set({ value_rank: 1 }).execute();
    await ctx.db.updateTable('source_system').set({ value_rank: 99 }).where('code', '=', 'CORE').execute();
    const res = await ctx.app.inject({ url: '/api/integration/model', headers: as('admin') });
    expect(res.statusCode).toBe(200);
    const steps = res.json().orderSteps as { source: string; records: number; overlap: number }[];
    expect(steps[0]!.source).toBe('CORE');
    const card = steps.find((s) => s.source === 'CARD')!;
    // Half of CARD's records are CORE's customers: the newest 300 alone showed 0.
    expect(card.overlap).toBeGreaterThan(0.3);
  });
});
