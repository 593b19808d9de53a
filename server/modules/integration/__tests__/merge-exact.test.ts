import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { residentIdCheckChar } from '../../../../engines/identity/index.ts';
import { SYSTEM_ACTOR } from '../../../platform/audit.ts';
import { createTestContext, login, type TestContext } from '../../../test/context.ts';
import { PASSWORD, seedSmallBank } from '../../../test/fixtures.ts';
import { createUser } from '../../admin/admin.service.ts';
import { refreshAum } from '../integration.repository.ts';
import { resolveSourceRecords } from '../integration.service.ts';

/** Merge and unmerge leave both customers as they were, whatever happened to them while merged (found by testing). */

let ctx: TestContext;
let bank: Awaited<ReturnType<typeof seedSmallBank>>;
const cookies: Record<string, string> = {};
const as = (user: string) => ({ cookie: cookies[user] });
const rid = (first17: string) => first17 + residentIdCheckChar(first17);

type Rec = { source: string; key: string; name?: string; idNo?: string | null; mobile?: string | null; accounts?: unknown[]; updatedAt?: string };

/** Inserts (or reloads) a source record the way a load would (pending), returning its id. */
async function record(r: Rec): Promise<number> {
  const row = {
    source_code: r.source, record_key: r.key, kind: 'person' as const, name: r.name ?? null, id_type: r.idNo ? 'resident_id' : null, id_no: r.idNo ?? null,
    mobile: r.mobile ?? null, email: null, birth_date: null, gender: null, address: null, employer: null, legal_rep: null,
    attributes: JSON.stringify({}), accounts: JSON.stringify(r.accounts ?? []),
    content_hash: createHash('sha256').update(JSON.stringify(r)).digest(), source_updated_at: new Date(r.updatedAt ?? '2026-11-01T00:00:00Z'),
  };
  const { id } = await ctx.db.insertInto('source_record').values(row)
    .onConflict((oc) => oc.columns(['source_code', 'record_key']).doUpdateSet({ ...row, match_status: 'pending' }))
    .returning('id').executeTakeFirstOrThrow();
  await resolveSourceRecords(ctx.db, SYSTEM_ACTOR, [id]);
  return id;
}

const customerOf = async (recordId: number) =>
  (await ctx.db.selectFrom('source_record as r').innerJoin('customer as c', 'c.id', 'r.customer_id').select(['c.id', 'c.customer_no']).where('r.id', '=', recordId).executeTakeFirstOrThrow());
const idOf = async (no: string) => (await ctx.db.selectFrom('customer').select('id').where('customer_no', '=', no).executeTakeFirstOrThrow()).id;

/** A customer entered by hand (by hq, for cm_b), with what the payload adds. */
async function customer(name: string, extra: Record<string, unknown> = {}) {
  const res = await ctx.app.inject({ method: 'POST', url: '/api/customers', headers: as('hq'), payload: { typeCode: 'personal_resident', name, managerId: bank.users.cm_b, ...extra } });
  expect(res.statusCode, res.body).toBe(201);
  return res.json().customerNo as string;
}

const merge = (survivorNo: string, mergedNo: string, extra: Record<string, unknown> = {}) =>
  ctx.app.inject({ method: 'POST', url: '/api/integration/merges', headers: as('hq'), payload: { survivorNo, mergedNo, reason: '同一人', ...extra } });
const unmerge = (mergeId: number) => ctx.app.inject({ method: 'POST', url: `/api/integration/merges/${mergeId}/unmerge`, headers: as('hq'), payload: { reason: '两个人' } });
const view = async (no: string) => (await ctx.app.inject({ url: `/api/customers/${no}`, headers: as('cm_b') })).json();

const rowsOf = async (table: string, customerId: number, cols: string) =>
  (await sql<Record<string, unknown>>`SELECT ${sql.raw(cols)} FROM ${sql.table(table)} WHERE customer_id = ${customerId} ORDER BY 1`.execute(ctx.db)).rows;
const aumOf = async (customerId: number) => {
  const r = await sql<{ aum: number; accounts: number }>`SELECT c.aum_fen AS aum, (SELECT coalesce(sum(a.balance_fen), 0) FROM account a JOIN product p ON p.code = a.product_code
    WHERE a.customer_id = c.id AND a.status <> 'closed' AND p.is_asset)::bigint AS accounts FROM customer c WHERE c.id = ${customerId}`.execute(ctx.db);
  return { aum: Number(r.rows[0].aum), accounts: Number(r.rows[0].accounts) };
};
/** Primary rows per kind of a customer: more than one of a kind is a bug. */
const primariesOf = async (customerId: number) => (await sql<{ t: string; kind: string; n: number }>`
  SELECT t, kind, count(*)::int AS n FROM (
    SELECT 'identity' AS t, id_type AS kind FROM customer_identity WHERE customer_id = ${customerId} AND is_primary
    UNION ALL SELECT 'contact', kind FROM customer_contact WHERE customer_id = ${customerId} AND is_primary
    UNION ALL SELECT 'address', kind FROM customer_address WHERE customer_id = ${customerId} AND is_primary) x GROUP BY 1, 2`.execute(ctx.db)).rows;

beforeAll(async () => {
  ctx = await createTestContext();
  bank = await seedSmallBank(ctx.db);
  // A second head-office reviewer: a merge one proposes, the other confirms (four eyes).
  await createUser(ctx.db, SYSTEM_ACTOR, { username: 'hq2', displayName: 'hq2', password: PASSWORD, orgId: bank.orgs.hq, roleCode: 'head_manager' });
  for (const u of ['hq', 'hq2', 'cm_b']) cookies[u] = await login(ctx.app, u, PASSWORD);
  await ctx.db.updateTable('source_system').set({ value_rank: 90, field_trust: JSON.stringify({ name: 80, id_no: 90, mobile: 70 }) }).where('code', '=', 'CORE').execute();
  await ctx.db.updateTable('source_system').set({ value_rank: 60, field_trust: JSON.stringify({ mobile: 80 }) }).where('code', '=', 'CARD').execute();
});
afterAll(() => ctx?.close());

describe('what came in while merged follows the merged customer back', () => {
  it('a record of the merged customer reloaded with a new account and mobile: unmerge takes them back, AUM, keys and golden record agree', async () => {
    const acc = (accountNo: string, balanceFen: number) => ({ accountNo, productCode: 'DEP_CURRENT', currency: 'CNY', status: 'active', openedOn: '2024-01-01', balanceFen, branchCode: 'BJ01' });
    const a = await record({ source: 'CORE', key: 'A001', name: '周明', idNo: rid('11010819700101234'), mobile: '+8613800000001', accounts: [acc('6222000000000001', 1_000_000_00)] });
    const w = await record({ source: 'CARD', key: 'W002', name: '吴敏', mobile: '+8613600000002', accounts: [acc('6222000000000002', 500_000_00)] });
    const [sa, sw] = [await customerOf(a), await customerOf(w)];
    expect(sa.id).not.toBe(sw.id);
    await ctx.db.updateTable('customer').set({ manager_id: bank.users.cm_b }).where('id', 'in', [sa.id, sw.id]).execute();
    const before = { contacts: await rowsOf('customer_contact', sa.id, 'kind, value, is_primary'), identities: await rowsOf('customer_identity', sa.id, 'id_type, id_no, is_primary') };

    const m = await merge(sa.customer_no, sw.customer_no);
    expect(m.statusCode, m.body).toBe(201);
    // W002 reloaded while merged: a new account of ¥3,000,000 and a new mobile, attached to the survivor.
    await record({ source: 'CARD', key: 'W002', name: '吴敏', mobile: '+8613600000099', accounts: [acc('6222000000000002', 500_000_00), acc('8800000000000099', 3_000_000_00)], updatedAt: '2026-11-20T00:00:00Z' });
    expect((await customerOf(w)).id).toBe(sa.id);
    // The survivor's own record changed meanwhile too (a corrected name): that stays the source's value, not a manager entry.
    await record({ source: 'CORE', key: 'A001', name: '周明明', idNo: rid('11010819700101234'), mobile: '+8613800000001', accounts: [acc('6222000000000001', 1_000_000_00)], updatedAt: '2026-11-20T00:00:00Z' });
    expect((await view(sa.customer_no)).accounts.map((x: { accountNo: string }) => x.accountNo)).toContain('8800000000000099');

    expect((await unmerge(m.json().mergeId)).statusCode).toBe(200);
    expect((await customerOf(w)).id).toBe(sw.id);
    const accounts = async (id: number) => (await rowsOf('account', id, 'account_no')).map((r) => r.account_no);
    expect(await accounts(sa.id)).toEqual(['6222000000000001']);
    expect(await accounts(sw.id)).toEqual(['6222000000000002', '8800000000000099']);
    // The customer list's AUM is the accounts' again, for both.
    expect(await aumOf(sa.id)).toEqual({ aum: 1_000_000_00, accounts: 1_000_000_00 });
    expect(await aumOf(sw.id)).toEqual({ aum: 3_500_000_00, accounts: 3_500_000_00 });
    // Every key of W002 (the new mobile's too) points at its own customer.
    const keys = await ctx.db.selectFrom('match_key').select(['key', 'customer_id']).where('source_record_id', '=', w).execute();
    expect(keys.some((k) => k.key.includes('13600000099'))).toBe(true);
    expect(keys.every((k) => k.customer_id === sw.id)).toBe(true);
    // The new mobile is the merged customer's (its golden record's), none of it stays on the survivor.
    const vw = await view(sw.customer_no);
    expect(vw.contacts.filter((c: { kind: string; isPrimary: boolean }) => c.kind === 'mobile' && c.isPrimary).map((c: { value: string }) => c.value)).toEqual(['+8613600000099']);
    expect(vw.lineage.mobile).toMatchObject({ value: '+8613600000099', recordKey: 'W002' });
    expect({ contacts: await rowsOf('customer_contact', sa.id, 'kind, value, is_primary'), identities: await rowsOf('customer_identity', sa.id, 'id_type, id_no, is_primary') }).toEqual(before);
    const va = await view(sa.customer_no);
    expect(va.name).toBe('周明明');
    expect(va.lineage.name).toMatchObject({ value: '周明明', source: 'CORE', recordKey: 'A001' });
    expect(Object.values(va.lineage).some((l) => (l as { recordKey: string }).recordKey === 'W002')).toBe(false);
    const audit = await ctx.db.selectFrom('audit_log').select('changes').where('action', '=', 'unmerge').where('entity_id', '=', sa.customer_no).executeTakeFirstOrThrow();
    expect(audit.changes).toMatchObject({ followed: { account: 1, match_key: expect.any(Number), customer_contact: 1 } });
  });

  it("contacts re-saved on the survivor while merged: unmerge gives the merged customer its mobile back (by value)", async () => {
    const s = await customer('孙立', { contacts: [{ kind: 'mobile', value: '13300000021', isPrimary: true }] });
    const m = await customer('孙立', { contacts: [{ kind: 'mobile', value: '13300000022', isPrimary: true }] });
    const [sid, mid] = [await idOf(s), await idOf(m)];
    const res = await merge(s, m);
    expect(res.statusCode, res.body).toBe(201);
    // The customers module re-creates the contact rows: the snapshot's ids are gone.
    const v = await view(s);
    const patch = await ctx.app.inject({
      method: 'PATCH', url: `/api/customers/${s}`, headers: as('cm_b'),
      payload: { version: v.version, contacts: [{ kind: 'mobile', value: '13300000021', isPrimary: true }, { kind: 'mobile', value: '13300000022' }, { kind: 'email', value: 'sunli@example.com' }] },
    });
    expect(patch.statusCode, patch.body).toBe(200);
    expect((await unmerge(res.json().mergeId)).statusCode).toBe(200);
    expect(await rowsOf('customer_contact', mid, 'kind, value, is_primary')).toEqual([{ kind: 'mobile', value: '+8613300000022', is_primary: true }]);
    expect(await rowsOf('customer_contact', sid, 'kind, value, is_primary')).toEqual([
      { kind: 'email', value: 'sunli@example.com', is_primary: false }, { kind: 'mobile', value: '+8613300000021', is_primary: true },
    ]);
  });
  it('the merged customer’s mobile and address deleted on the survivor while merged: unmerge writes them back', async () => {
    const s = await customer('孙立', { contacts: [{ kind: 'mobile', value: '13300000031', isPrimary: true }] });
    const m = await customer('孙立', { contacts: [{ kind: 'mobile', value: '13300000032', isPrimary: true }], addresses: [{ kind: 'home', city: '上海市', line: '长乐路 8 号', isPrimary: true }] });
    const [sid, mid] = [await idOf(s), await idOf(m)];
    const before = { contacts: await rowsOf('customer_contact', mid, 'kind, value, is_primary, verified'), addresses: await rowsOf('customer_address', mid, 'kind, province, city, district, line, postcode, is_primary') };
    const res = await merge(s, m);
    expect(res.statusCode, res.body).toBe(201);
    const v = await view(s);
    const patch = await ctx.app.inject({
      method: 'PATCH', url: `/api/customers/${s}`, headers: as('cm_b'),
      payload: { version: v.version, contacts: [{ kind: 'mobile', value: '13300000031', isPrimary: true }], addresses: [] },
    });
    expect(patch.statusCode, patch.body).toBe(200);
    expect((await unmerge(res.json().mergeId)).statusCode).toBe(200);
    expect({ contacts: await rowsOf('customer_contact', mid, 'kind, value, is_primary, verified'), addresses: await rowsOf('customer_address', mid, 'kind, province, city, district, line, postcode, is_primary') }).toEqual(before);
    expect(await rowsOf('customer_contact', sid, 'value')).toEqual([{ value: '+8613300000031' }]);
  });
});

describe('the ID-conflict guard counts the numbers on source records', () => {
  it('a customer whose record carries another customer’s valid ID cannot be merged into a third with a different ID, by merge or by review, without override', async () => {
    const x = rid('11010519491231001');
    const owner = await record({ source: 'CORE', key: 'ZA1', name: '郑伟', idNo: x, mobile: '+8613900000001' });
    const l010 = await record({ source: 'LOAN', key: 'L010', name: '刘一', idNo: x, mobile: '+8613900000010' });
    const liu = await customerOf(l010);
    expect(liu.id).not.toBe((await customerOf(owner)).id);
    expect(await rowsOf('customer_identity', liu.id, 'id_no')).toEqual([]);
    const d = await customer('郑伟', { identities: [{ idType: 'resident_id', idNo: rid('11010519491231012') }] });

    for (const [s, m] of [[d, liu.customer_no], [liu.customer_no, d]]) {
      const res = await merge(s, m);
      expect(res.statusCode, res.body).toBe(409);
      expect(res.json().error.fields[0]).toMatchObject({ field: 'overrideConflict', rule: 'idConflict' });
    }
    const p = await ctx.app.inject({ method: 'POST', url: '/api/integration/reviews', headers: as('hq2'), payload: { customerNo: d, otherCustomerNo: liu.customer_no, note: '疑似' } });
    expect(p.statusCode, p.body).toBe(201);
    const confirm = (extra: Record<string, unknown> = {}) =>
      ctx.app.inject({ method: 'POST', url: `/api/integration/reviews/${p.json().id}/decision`, headers: as('hq'), payload: { decision: 'confirm', survivorNo: d, ...extra } });
    const refused = await confirm();
    expect(refused.statusCode).toBe(409);
    expect(refused.json().error.fields[0]).toMatchObject({ field: 'overrideConflict', rule: 'idConflict' });
    expect((await confirm({ overrideConflict: true })).json()).toMatchObject({ status: 'confirmed', survivorNo: d });
  });
});

describe('merges into one survivor are undone newest first', () => {
  it('an earlier merge cannot be undone while a later one into the same survivor stands; undone in order, AUM and primaries are right', async () => {
    const mk = async (name: string, balanceFen: number, n: number) => {
      const no = await customer(name, { addresses: [{ kind: 'home', line: `${name}的家`, isPrimary: true }], contacts: [{ kind: 'mobile', value: `1350000000${n}`, isPrimary: true }] });
      const id = await idOf(no);
      await ctx.db.insertInto('account').values({ customer_id: id, source_system: 'CORE', account_no: `M4-${n}`, org_id: bank.orgs.subB, product_code: 'DEP_CURRENT', opened_on: '2025-01-01', balance_fen: balanceFen }).execute();
      await refreshAum(ctx.db, id);
      return { no, id };
    };
    const a = await mk('钱一', 2_000_000, 1);
    const b = await mk('钱一', 3_000_000, 2);
    const c = await mk('钱一', 2_000_000, 3);
    const m2 = (await merge(a.no, b.no)).json().mergeId;
    const m3 = (await merge(a.no, c.no)).json().mergeId;
    expect(await aumOf(a.id)).toEqual({ aum: 7_000_000, accounts: 7_000_000 });
    expect((await primariesOf(a.id)).every((p) => p.n === 1)).toBe(true);

    const early = await unmerge(m2);
    expect(early.statusCode).toBe(409);
    expect(early.json().error.message).toContain(String(m3));
    expect((await unmerge(m3)).statusCode).toBe(200);
    expect((await unmerge(m2)).statusCode).toBe(200);
    for (const [x, fen] of [[a, 2_000_000], [b, 3_000_000], [c, 2_000_000]] as const) {
      expect(await aumOf(x.id)).toEqual({ aum: fen, accounts: fen });
      expect((await primariesOf(x.id)).map((p) => `${p.t}:${p.kind}:${p.n}`).sort()).toEqual(['address:home:1', 'contact:mobile:1']);
    }
  });
});

describe('an unmerged pair is remembered as different', () => {
  it('a direct merge undone is listed as different, and the same merge again is refused', async () => {
    const s = await customer('冯七');
    const m = await customer('冯七');
    const res = await merge(s, m);
    expect(res.statusCode).toBe(201);
    expect((await unmerge(res.json().mergeId)).statusCode).toBe(200);
    const list = async (status: string) => (await ctx.app.inject({ url: `/api/integration/reviews?status=${status}`, headers: as('hq') })).json().items
      .filter((i: { a: { customerNo: string }; b: { customerNo: string } }) => [i.a.customerNo, i.b.customerNo].sort().join() === [s, m].sort().join());
    expect(await list('confirmed')).toEqual([]);
    expect(await list('rejected')).toHaveLength(1);
    const again = await merge(s, m);
    expect(again.statusCode).toBe(409);
    expect(again.json().error.fields[0]).toMatchObject({ field: 'mergedNo', rule: 'rejected' });
  });
});

describe('what a merge keeps of the merged customer', () => {
  it("a channel opt-out survives the merge (the restrictive choice wins); unmerge gives each its own", async () => {
    const s = await customer('陈八', { channelPrefs: [{ channel: 'email', allowed: true, marketingConsent: true }] });
    const m = await customer('陈八', { channelPrefs: [{ channel: 'email', allowed: false, marketingConsent: false }] });
    const res = await merge(s, m);
    expect(res.statusCode).toBe(201);
    expect((await view(s)).channelPrefs).toEqual([{ channel: 'email', allowed: false, marketingConsent: false }]);
    expect((await unmerge(res.json().mergeId)).statusCode).toBe(200);
    expect((await view(s)).channelPrefs).toEqual([{ channel: 'email', allowed: true, marketingConsent: true }]);
    expect((await view(m)).channelPrefs).toEqual([{ channel: 'email', allowed: false, marketingConsent: false }]);
  });

  it('an override merge keeps one primary resident ID; a relation between the two is not the survivor’s relation to itself; unmerge restores both', async () => {
    const s = await customer('卫九', { identities: [{ idType: 'resident_id', idNo: rid('31010419900101123'), isPrimary: true }] });
    const m = await customer('卫九', { identities: [{ idType: 'resident_id', idNo: rid('31010419900101456'), isPrimary: true }] });
    expect((await ctx.app.inject({ method: 'POST', url: `/api/customers/${s}/relations`, headers: as('hq'), payload: { relatedCustomerNo: m, typeCode: 'family' } })).statusCode).toBe(201);
    const res = await merge(s, m, { overrideConflict: true });
    expect(res.statusCode, res.body).toBe(201);
    const v = await view(s);
    expect(v.identities).toHaveLength(2);
    expect(v.identities.filter((i: { isPrimary: boolean }) => i.isPrimary)).toHaveLength(1);
    expect(v.relations).toEqual([]);
    expect((await unmerge(res.json().mergeId)).statusCode).toBe(200);
    for (const no of [s, m]) expect((await view(no)).identities).toEqual([expect.objectContaining({ isPrimary: true })]);
    expect((await view(s)).relations).toEqual([expect.objectContaining({ customerNo: m, direction: 'out', typeCode: 'family' })]);
  });

  it("the merged customer's own entries show on the survivor where it has none, and leave with it on unmerge", async () => {
    const s = await customer('褚十');
    const m = await customer('褚十', { occupation: 'engineer', remarks: '老客户，偏好电话联系' });
    const res = await merge(s, m);
    expect(res.statusCode).toBe(201);
    expect(await view(s)).toMatchObject({ occupation: 'engineer', remarks: '老客户，偏好电话联系' });
    expect(await view(m)).toMatchObject({ customerNo: s, occupation: 'engineer' });
    expect((await unmerge(res.json().mergeId)).statusCode).toBe(200);
    expect(await view(s)).toMatchObject({ occupation: null, remarks: null });
    expect(await view(m)).toMatchObject({ customerNo: m, occupation: 'engineer', remarks: '老客户，偏好电话联系' });
  });
});
