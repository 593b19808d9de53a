import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { residentIdCheckChar } from '../../../../engines/identity/index.ts';
import { SYSTEM_ACTOR } from '../../../platform/audit.ts';
import { createTestContext, login, type TestContext } from '../../../test/context.ts';
import { PASSWORD, seedSmallBank } from '../../../test/fixtures.ts';
import { resolvePendingJob } from '../integration.jobs.ts';
import { resolveInBulk } from '../integration.bulk.ts';
import { resolveSourceRecords } from '../integration.service.ts';

/** Bad data and awkward cases found by testing: one bad record, borrowed ID numbers, merges of equal contacts. */

let ctx: TestContext;
const cookies: Record<string, string> = {};
const as = (user: string) => ({ cookie: cookies[user] });
const rid = (first17: string) => first17 + residentIdCheckChar(first17);

type Rec = {
  source: string; key: string; name?: string; idNo?: string | null; mobile?: string | null; email?: string | null;
  birthDate?: string | null; address?: string | null;
};

async function record(r: Rec): Promise<number> {
  const row = {
    source_code: r.source, record_key: r.key, kind: 'person' as const, name: r.name ?? null, id_type: r.idNo ? 'resident_id' : null, id_no: r.idNo ?? null,
    mobile: r.mobile ?? null, email: r.email ?? null, birth_date: r.birthDate ?? null, gender: null, address: r.address ?? null, employer: null,
    legal_rep: null, attributes: JSON.stringify({}), accounts: JSON.stringify([]),
    content_hash: createHash('sha256').update(JSON.stringify(r)).digest(), source_updated_at: new Date('2026-11-01T00:00:00Z'),
  };
  const { id } = await ctx.db.insertInto('source_record').values(row)
    .onConflict((oc) => oc.columns(['source_code', 'record_key']).doUpdateSet({ ...row, match_status: 'pending' }))
    .returning('id').executeTakeFirstOrThrow();
  return id;
}

const statusOf = (id: number) => ctx.db.selectFrom('source_record as r').leftJoin('customer as c', 'c.id', 'r.customer_id')
  .select(['r.match_status', 'r.customer_id', 'c.customer_no']).where('r.id', '=', id).executeTakeFirstOrThrow();

/** Text that does not compress (PostgreSQL compresses index entries before it checks their size). */
function noise(n: number, seed: number) {
  let x = seed;
  let s = '';
  for (let i = 0; i < n; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    s += String.fromCharCode(0x4e00 + (x >>> 8) % 20_000);
  }
  return s;
}

beforeAll(async () => {
  ctx = await createTestContext();
  await seedSmallBank(ctx.db);
  for (const u of ['hq', 'cm_a', 'admin']) cookies[u] = await login(ctx.app, u, PASSWORD);
});
afterAll(() => ctx?.close());

describe('one bad record never stops integration', () => {
  it('a 100,000-character address is resolved like any other (its blocking keys stay small enough to index)', async () => {
    const address = '北京市海淀区' + noise(100_000, 7);
    const a = await record({ source: 'CORE', key: 'LONG-1', name: '周长', idNo: rid('11010819700101123'), address });
    const b = await record({ source: 'CORE', key: 'SHORT-1', name: '吴短', idNo: rid('11010819710101123') });
    const s = await resolveSourceRecords(ctx.db, SYSTEM_ACTOR, [a, b]);
    expect(s).toMatchObject({ created: 2, failed: 0 });
    expect((await statusOf(a)).match_status).toBe('created');
    // The same long address still blocks with itself: a second record of that person finds the first.
    const a2 = await record({ source: 'CARD', key: 'LONG-2', name: '周长', address, birthDate: null });
    await resolveSourceRecords(ctx.db, SYSTEM_ACTOR, [a2]);
    const keys = await ctx.db.selectFrom('match_key').select('key').where('source_record_id', '=', a2).execute();
    expect(keys.some((k) => k.key.startsWith('name-address:p:#'))).toBe(true);
  });

  it('a record that cannot be written fails alone, with its reason; the others are resolved and counted truthfully', async () => {
    // An e-mail address too long for the contact index: that record's transaction fails whatever we do with keys.
    const bad = await record({ source: 'CORE', key: 'BAD-1', name: '郑坏', idNo: rid('11010819720101123'), email: `${noise(3_000, 11)}@example.com` });
    const ids = [];
    for (let i = 0; i < 4; i++) ids.push(await record({ source: 'CORE', key: `OK-${i}`, name: `王好${i}`, idNo: rid(`1101081973010${i}123`) }));
    const s = await resolveSourceRecords(ctx.db, SYSTEM_ACTOR, [bad, ...ids]);
    expect(s).toMatchObject({ created: 4, failed: 1 });
    expect(s.failures).toEqual([expect.objectContaining({ recordId: bad, source: 'CORE', recordKey: 'BAD-1', reason: expect.stringMatching(/index row/) })]);
    for (const id of ids) expect((await statusOf(id)).match_status).toBe('created');
    // Nothing half-written for the bad record: no customer, and it is failed with its reason (a data error: tried once).
    expect(await statusOf(bad)).toMatchObject({ match_status: 'failed', customer_id: null });
    expect(await ctx.db.selectFrom('source_record').select(['match_error', 'match_attempts']).where('id', '=', bad).executeTakeFirstOrThrow())
      .toEqual({ match_error: expect.stringMatching(/index row/), match_attempts: 1 });
  });

  it('the scheduled job leaves a failed record alone, and logs a record that fails in its run', async () => {
    const later = await record({ source: 'CORE', key: 'LATER-1', name: '冯后', idNo: rid('11010819740101123') });
    const worse = await record({ source: 'CORE', key: 'BAD-2', name: '郑更坏', idNo: rid('11010819740201123'), email: `${noise(3_000, 13)}@example.com` });
    const lines: string[] = [];
    const s = await resolvePendingJob(ctx.db, (m) => lines.push(m));
    expect(s).toMatchObject({ failed: 1, created: 1 });
    expect((await statusOf(later)).match_status).toBe('created');
    expect((await statusOf(worse)).match_status).toBe('failed');
    expect(lines.some((l) => l.includes('BAD-2') && l.includes('index row'))).toBe(true);
    expect(lines.some((l) => l.includes('BAD-1'))).toBe(false);
  });

  it("a load's bulk resolution counts a record that failed as settled: the load does not wait for it for ever", async () => {
    const ok = await record({ source: 'CORE', key: 'OK-bulk', name: '陈多', idNo: rid('11010819750101123') });
    const bad = await record({ source: 'CORE', key: 'BAD-3', name: '郑又坏', idNo: rid('11010819750201123'), email: `${noise(3_000, 17)}@example.com` });
    let counted = 0;
    const s = await resolveInBulk(ctx.db, SYSTEM_ACTOR, [bad, ok], async (n) => { counted += n; });
    expect(s).toMatchObject({ failed: 1, created: 1 });
    expect(counted).toBe(2);
    expect((await statusOf(bad)).match_status).toBe('failed');
  });
});

describe('an ID number another customer holds', () => {
  it('a record with the ID of a customer of another name goes to review, and its lineage never shows that number', async () => {
    const idNo = rid('11010819800101123');
    const t = await record({ source: 'CORE', key: 'T001', name: '张三', idNo, mobile: '+8613900002222', birthDate: '1980-01-01' });
    await resolveSourceRecords(ctx.db, SYSTEM_ACTOR, [t]);
    const x = await record({ source: 'LOAN', key: 'X001', name: '刘一', idNo, mobile: '+8613900003333' });
    const s = await resolveSourceRecords(ctx.db, SYSTEM_ACTOR, [x]);
    const [st, owner] = [await statusOf(x), await statusOf(t)];
    expect(st.customer_id).not.toBe(owner.customer_id);
    // The 360° view and its lineage agree: no ID number on 刘一's customer, in either.
    const v = (await ctx.app.inject({ url: `/api/customers/${st.customer_no}`, headers: as('hq') })).json();
    expect(v.identities).toEqual([]);
    expect(v.lineage.id_no).toBeUndefined();
    const rows = await ctx.db.selectFrom('customer_field_source').select('field').where('customer_id', '=', st.customer_id!).where('field', '=', 'id_no').execute();
    expect(rows).toEqual([]);
    // One ID, two names: a person decides (review), with the conflict named.
    expect(s).toMatchObject({ review: 1, matched: 0 });
    const review = await ctx.db.selectFrom('match_review').select(['conflict', 'customer_a', 'customer_b']).where('record_a', '=', x).executeTakeFirstOrThrow();
    expect([review.customer_a, review.customer_b].sort()).toEqual([st.customer_id, owner.customer_id].sort());
    expect(review.conflict).toBe('same valid resident_id number, different name');
  });
});

describe('merge keeps one row per value and one primary per kind', () => {
  const rowsOf = async (customerId: number) => ({
    contacts: await ctx.db.selectFrom('customer_contact').select(['id', 'kind', 'value', 'is_primary']).where('customer_id', '=', customerId).orderBy('id').execute(),
    addresses: await ctx.db.selectFrom('customer_address').select(['id', 'kind', 'line', 'is_primary']).where('customer_id', '=', customerId).orderBy('id').execute(),
  });
  const idOf = async (no: string) => (await ctx.db.selectFrom('customer').select('id').where('customer_no', '=', no).executeTakeFirstOrThrow()).id;

  it('merging 林磊 into his other number dedupes the equal mobile and address; unmerge puts every row back', async () => {
    const mk = async (mobile2: string) => (await ctx.app.inject({
      method: 'POST', url: '/api/customers', headers: as('hq'),
      payload: {
        typeCode: 'personal_resident', name: '林磊',
        contacts: [{ kind: 'mobile', value: '13800007777', isPrimary: true }, { kind: 'mobile', value: mobile2 }, { kind: 'email', value: `${mobile2}@example.com`, isPrimary: true }],
        addresses: [{ kind: 'mailing', line: '上海市浦东新区世纪大道 100 号', isPrimary: true }],
      },
    })).json().customerNo as string;
    const s = await mk('13800008881');
    const m = await mk('13800008882');
    const [sid, mid] = [await idOf(s), await idOf(m)];
    const before = { s: await rowsOf(sid), m: await rowsOf(mid) };
    const res = await ctx.app.inject({ method: 'POST', url: '/api/integration/merges', headers: as('hq'), payload: { survivorNo: s, mergedNo: m, reason: '同一人' } });
    expect(res.statusCode).toBe(201);
    const after = await rowsOf(sid);
    // One row per value …
    expect(after.contacts.filter((c) => c.value.endsWith('13800007777'))).toHaveLength(1);
    expect(after.addresses.filter((a) => a.line === '上海市浦东新区世纪大道 100 号')).toHaveLength(1);
    // … the merged customer's other mobile and e-mail do move …
    expect(after.contacts.filter((c) => c.value.includes('13800008882'))).toHaveLength(2);
    // … and one primary per kind.
    for (const kind of ['mobile', 'email']) expect(after.contacts.filter((c) => c.kind === kind && c.is_primary)).toHaveLength(1);
    expect(after.addresses.filter((a) => a.is_primary)).toHaveLength(1);

    const un = await ctx.app.inject({ method: 'POST', url: `/api/integration/merges/${res.json().mergeId}/unmerge`, headers: as('hq'), payload: { reason: '两个人' } });
    expect(un.statusCode).toBe(200);
    expect({ s: await rowsOf(sid), m: await rowsOf(mid) }).toEqual(before);
  });
});
