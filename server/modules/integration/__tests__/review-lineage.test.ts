import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { residentIdCheckChar } from '../../../../engines/identity/index.ts';
import { SYSTEM_ACTOR } from '../../../platform/audit.ts';
import { createTestContext, login, type TestContext } from '../../../test/context.ts';
import { PASSWORD, seedSmallBank } from '../../../test/fixtures.ts';
import { integrationJobs, survivorshipJob } from '../integration.jobs.ts';
import { recomputeStaleGolden } from '../integration.golden.ts';
import { resolveSourceRecords } from '../integration.service.ts';

let ctx: TestContext;
let bank: Awaited<ReturnType<typeof seedSmallBank>>;
const cookies: Record<string, string> = {};
const as = (user: string) => ({ cookie: cookies[user] });
const rid = (first17: string) => first17 + residentIdCheckChar(first17);

type Rec = {
  source: string; key: string; name: string; idNo?: string | null; mobile?: string | null; email?: string | null; birthDate?: string | null;
  address?: string | null; employer?: string | null; updatedAt?: string;
};

/** Inserts a source record the way a load would (pending) and resolves it; returns its customer's number. */
async function load(r: Rec): Promise<string> {
  const row = {
    source_code: r.source, record_key: r.key, kind: 'person' as const, name: r.name, id_type: r.idNo ? 'resident_id' : null, id_no: r.idNo ?? null,
    mobile: r.mobile ?? null, email: r.email ?? null, birth_date: r.birthDate ?? null, gender: null, address: r.address ?? null, employer: r.employer ?? null,
    legal_rep: null, attributes: '{}', accounts: '[]', content_hash: createHash('sha256').update(JSON.stringify(r)).digest(),
    source_updated_at: new Date(r.updatedAt ?? '2026-11-01T00:00:00Z'),
  };
  const { id } = await ctx.db.insertInto('source_record').values(row)
    .onConflict((oc) => oc.columns(['source_code', 'record_key']).doUpdateSet({ ...row, match_status: 'pending' })).returning('id').executeTakeFirstOrThrow();
  await resolveSourceRecords(ctx.db, SYSTEM_ACTOR, [id]);
  const c = await ctx.db.selectFrom('source_record as r').innerJoin('customer as c', 'c.id', 'r.customer_id').select('c.customer_no').where('r.id', '=', id).executeTakeFirstOrThrow();
  return c.customer_no;
}

const view = async (no: string, user: string) => (await ctx.app.inject({ url: `/api/customers/${no}`, headers: as(user) })).json();
const newCustomer = async (user: string, name: string, extra: Record<string, unknown> = {}) =>
  (await ctx.app.inject({ method: 'POST', url: '/api/customers', headers: as(user), payload: { typeCode: 'personal_resident', name, ...extra } })).json().customerNo as string;
const setAum = (no: string, aumFen: number) => ctx.db.updateTable('customer').set({ aum_fen: aumFen }).where('customer_no', '=', no).execute();
const propose = async (user: string, a: string, b: string) => {
  const r = await ctx.app.inject({ method: 'POST', url: '/api/integration/reviews', headers: as(user), payload: { customerNo: a, otherCustomerNo: b } });
  expect(r.statusCode).toBe(201);
  return r.json().id as number;
};
type QueueItem = { id: number; mine: boolean; managerId: number | null; managerName: string | null; priorityFen: number };
const queue = async (user: string, query = '') => (await ctx.app.inject({ url: `/api/integration/reviews?pageSize=200${query}`, headers: as(user) })).json().items as QueueItem[];

const TRUST = {
  CORE: { name: 80, id_no: 90, mobile: 70, address: 50, employer: 30 },
  CARD: { address: 95, mobile: 80, email: 80, employer: 40 },
};

beforeAll(async () => {
  ctx = await createTestContext();
  bank = await seedSmallBank(ctx.db);
  for (const u of ['cm_a', 'hq', 'admin']) cookies[u] = await login(ctx.app, u, PASSWORD);
  for (const [code, trust] of Object.entries(TRUST)) {
    await ctx.db.updateTable('source_system').set({ value_rank: 60, field_trust: JSON.stringify(trust) }).where('code', '=', code).execute();
  }
});
afterAll(() => ctx?.close());

describe('the golden record follows a change of source trust (I2, I5)', () => {
  it('recomputes the golden records of the source\'s customers in the background, audited, once', async () => {
    const idNo = rid('31010119750607123');
    await load({ source: 'CORE', key: 'C-tr', name: '周强', idNo, address: '上海市黄浦区南京东路 1 号' });
    const no = await load({ source: 'CARD', key: 'K-tr', name: '周强', idNo, address: '上海市徐汇区漕溪北路 88 号' });
    expect((await view(no, 'admin')).lineage.address).toMatchObject({ source: 'CARD', rule: 'trust', trust: 95 });

    for (const [code, address] of [['CARD', 10], ['CORE', 99]] as const) {
      const res = await ctx.app.inject({ method: 'PATCH', url: `/api/interfaces/sources/${code}`, headers: as('admin'), payload: { fieldTrust: { ...TRUST[code], address } } });
      expect(res.statusCode).toBe(200);
    }
    const lines: string[] = [];
    expect(integrationJobs.map((j) => j.name)).toContain('integration.survivorship');
    const run = await survivorshipJob(ctx.db, (m) => lines.push(m));
    expect(run).toMatchObject({ failed: 0 });
    expect(run.recomputed).toBeGreaterThanOrEqual(1);
    expect(lines.some((l) => l.includes('survivorship for CORE') && l.includes('done'))).toBe(true);

    const v = await view(no, 'admin');
    expect(v.lineage.address).toMatchObject({ source: 'CORE', rule: 'trust', trust: 99 });
    const primary = await ctx.db.selectFrom('customer_address as a').innerJoin('customer as c', 'c.id', 'a.customer_id').select('a.line')
      .where('c.customer_no', '=', no).where('a.is_primary', '=', true).execute();
    expect(primary).toEqual([{ line: '上海市黄浦区南京东路 1 号' }]);
    const audit = await ctx.db.selectFrom('audit_log').select(['changes']).where('action', '=', 'update').where('entity', '=', 'customer').where('entity_id', '=', no)
      .orderBy('id', 'desc').executeTakeFirstOrThrow();
    expect(audit.changes).toMatchObject({ via: 'survivorship', sources: { address: 'CORE' } });

    // Done is done: the marks are cleared, a second run recomputes nothing.
    const marks = await ctx.db.selectFrom('source_system').select('code').where('survivorship_stale_since', 'is not', null).execute();
    expect(marks).toEqual([]);
    expect(await survivorshipJob(ctx.db, () => {})).toMatchObject({ recomputed: 0 });
  });

  it('a run stopped before the end goes on from the database\'s state; other changes of a source recompute nothing', async () => {
    const idNo = rid('31010119820309456');
    await load({ source: 'CARD', key: 'K-rs', name: '郑洁', idNo, mobile: '+8613600001111' });
    const no = await load({ source: 'CORE', key: 'C-rs', name: '郑洁', idNo, mobile: '+8613600002222' });
    expect((await view(no, 'admin')).lineage.mobile).toMatchObject({ source: 'CARD', trust: 80 });
    // A description is no trust: nothing to recompute.
    await ctx.app.inject({ method: 'PATCH', url: '/api/interfaces/sources/CARD', headers: as('admin'), payload: { description: '信用卡核心' } });
    expect(await ctx.db.selectFrom('source_system').select('code').where('survivorship_stale_since', 'is not', null).execute()).toEqual([]);

    await ctx.app.inject({ method: 'PATCH', url: '/api/interfaces/sources/CORE', headers: as('admin'), payload: { fieldTrust: { ...TRUST.CORE, mobile: 90 } } });
    // A run whose time is up before it gets anywhere (as one cut short by a restart): the mark stays, the next run does the work.
    expect(await recomputeStaleGolden(ctx.db, { deadline: Date.now() - 1 })).toMatchObject({ recomputed: 0, sources: [] });
    expect((await view(no, 'admin')).lineage.mobile).toMatchObject({ source: 'CARD' });
    expect(await survivorshipJob(ctx.db, () => {})).toMatchObject({ sources: ['CORE'], failed: 0 });
    expect((await view(no, 'admin')).lineage.mobile).toMatchObject({ source: 'CORE', rule: 'trust', trust: 90 });
  });
});

describe('masking in the review screen (B2)', () => {
  it('shows a masked role the comparison masked exactly as the 360° view does', async () => {
    const a = await load({ source: 'CORE', key: 'C-mk', name: '韩梅梅', idNo: rid('11010519800512123'), birthDate: '1980-05-12', email: 'zhanghanmei@example.com', mobile: '+8613711112222' });
    const b = await load({ source: 'CARD', key: 'K-mk', name: '李雷', birthDate: '1980-05-12', email: 'lilei2000@example.com', mobile: '+8613733334444' });
    const id = await propose('hq', a, b);
    const res = await ctx.app.inject({ url: `/api/integration/reviews/${id}`, headers: as('hq') });
    expect(res.statusCode).toBe(200);
    const d = res.json();
    for (const [side, no] of [[d.a, a], [d.b, b]] as const) {
      const v = await view(no, 'hq');
      expect(v.masked).toBe(true);
      expect(side.fields.birth_date).toBe('1980-**-**');
      expect(side.fields.birth_date).toBe(v.birthDate);
      expect(side.fields.email).toBe(v.contacts.find((c: { kind: string }) => c.kind === 'email').value);
      expect(side.fields.email).toMatch(/^[a-z]{2}\*+@example\.com$/);
      expect(side.fields.mobile).toBe(v.contacts.find((c: { kind: string }) => c.kind === 'mobile').value);
      for (const r of side.records) expect(r.birthDate).toBe('1980-**-**');
    }
    expect(d.a.fields.id_no).toBe((await view(a, 'hq')).identities[0].idNo);
    expect(JSON.stringify(d)).not.toContain('1980-05-12');
    // Who sees personal data in clear sees it here too.
    await ctx.db.updateTable('customer').set({ manager_id: bank.users.cm_a }).where('customer_no', 'in', [a, b]).execute();
    const clear = (await ctx.app.inject({ url: `/api/integration/reviews/${id}`, headers: as('cm_a') })).json();
    expect(clear.a.fields.birth_date).toBe('1980-05-12');
  });
});

describe("a manager's own edits in the lineage (I6)", () => {
  it('marks the mobile and employer a manager changed as manager entries at once, and the sources\' value theirs again', async () => {
    const no = await load({ source: 'CARD', key: 'K-me', name: '冯涛', idNo: rid('11010819880808123'), mobile: '+8613800005555' });
    await ctx.db.updateTable('customer').set({ manager_id: bank.users.cm_a }).where('customer_no', '=', no).execute();
    const v0 = await view(no, 'cm_a');
    expect(v0.lineage.mobile).toMatchObject({ source: 'CARD', rule: 'only' });
    expect(v0.lineage.employer).toBeUndefined();
    const patch = await ctx.app.inject({
      method: 'PATCH', url: `/api/customers/${no}`, headers: as('cm_a'),
      payload: { version: v0.version, employer: '榕树科技', contacts: [{ kind: 'mobile', value: '13900006666', isPrimary: true }] },
    });
    expect(patch.statusCode).toBe(200);
    const v = await view(no, 'cm_a');
    expect(v.lineage.mobile).toMatchObject({ source: 'MANUAL', sourceName: '客户经理录入', sourceNameEn: 'Manager entry', rule: 'manual', recordKey: null });
    expect(v.lineage.employer).toMatchObject({ source: 'MANUAL', rule: 'manual', value: '榕树科技' });
    const stored = await ctx.db.selectFrom('customer_field_source as f').innerJoin('customer as c', 'c.id', 'f.customer_id').select(['f.field', 'f.value'])
      .where('c.customer_no', '=', no).where('f.field', '=', 'mobile').executeTakeFirstOrThrow();
    expect(stored.value).toBe('+8613900006666');
    // Untouched fields keep their source.
    expect(v.lineage.name).toMatchObject({ source: 'CARD' });
    // Set back to the card system's number: the card system's again.
    const back = await ctx.app.inject({
      method: 'PATCH', url: `/api/customers/${no}`, headers: as('cm_a'),
      payload: { version: v.version, contacts: [{ kind: 'mobile', value: '13800005555', isPrimary: true }] },
    });
    expect(back.statusCode).toBe(200);
    expect((await view(no, 'cm_a')).lineage.mobile).toMatchObject({ source: 'CARD', rule: 'only' });
  });
});

describe('the review queue: order and responsible manager (I5)', () => {
  it('puts key customers first for a user who manages none of the pairs, the own pairs first for one who does', async () => {
    // cm_a's pair, small; two pairs nobody manages, large and middling.
    const mineA = await newCustomer('cm_a', '卫东');
    const mineB = await newCustomer('cm_a', '卫东');
    const bigA = await newCustomer('hq', '钱多多');
    const bigB = await newCustomer('hq', '钱多多');
    const midA = await newCustomer('hq', '孙中');
    const midB = await newCustomer('hq', '孙中');
    await setAum(mineA, 8_000_000);
    await setAum(bigA, 250_000_000);
    await setAum(midB, 50_000_000);
    const mine = await propose('cm_a', mineA, mineB);
    const big = await propose('hq', bigA, bigB);
    const mid = await propose('hq', midA, midB);
    const order = (items: QueueItem[]) => items.map((i) => i.id).filter((i) => [mine, big, mid].includes(i));
    expect(order(await queue('hq'))).toEqual([big, mid, mine]);
    const cm = await queue('cm_a');
    expect(cm[0]).toMatchObject({ id: mine, mine: true });
  });

  it('follows the customers to their current manager', async () => {
    const a = await newCustomer('hq', '褚明');
    const b = await newCustomer('hq', '褚明');
    const id = await propose('hq', a, b);
    expect((await queue('hq')).find((i) => i.id === id)).toMatchObject({ managerId: null, mine: false });
    for (const no of [a, b]) {
      const t = await ctx.app.inject({ method: 'POST', url: `/api/customers/${no}/manager`, headers: as('hq'), payload: { managerId: bank.users.cm_a, reason: '分配' } });
      expect(t.statusCode).toBe(200);
    }
    expect((await queue('hq')).find((i) => i.id === id)).toMatchObject({ managerId: bank.users.cm_a, managerName: 'cm_a', mine: false });
    expect((await queue('cm_a', '&mine=true')).find((i) => i.id === id)).toMatchObject({ managerId: bank.users.cm_a, mine: true });
  });
});

describe('merge history of an old number (C1)', () => {
  it('lists every merge of a chain for an alias; an alias outside the scope is as unknown as no number', async () => {
    const [a, b, c] = [await newCustomer('hq', '蒋涛'), await newCustomer('hq', '蒋涛'), await newCustomer('hq', '蒋涛')];
    const merge = async (survivorNo: string, mergedNo: string) =>
      (await ctx.app.inject({ method: 'POST', url: '/api/integration/merges', headers: as('hq'), payload: { survivorNo, mergedNo, reason: '重复开户' } })).json().mergeId as number;
    const m1 = await merge(b, a);
    const m2 = await merge(c, b);
    const ids = async (no: string) => (await ctx.app.inject({ url: `/api/integration/merges?customerNo=${no}`, headers: as('hq') })).json().items.map((i: { id: number }) => i.id);
    expect(await ids(a)).toEqual([m2, m1]);
    expect(await ids(b)).toEqual([m2, m1]);
    expect(await ids(c)).toEqual([m2, m1]);
    const outside = await ctx.app.inject({ url: `/api/integration/merges?customerNo=${a}`, headers: as('cm_a') });
    const unknown = await ctx.app.inject({ url: '/api/integration/merges?customerNo=999999999', headers: as('cm_a') });
    expect(unknown.statusCode).toBe(404);
    expect(outside.statusCode).toBe(404);
    expect(outside.json()).toEqual(unknown.json());
  });
});
