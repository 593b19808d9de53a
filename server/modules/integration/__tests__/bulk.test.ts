import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { residentIdCheckChar } from '../../../../engines/identity/index.ts';
import { normDate, syntheticRecords } from '../../../../engines/matching/index.ts';
import type { Db } from '../../../db/database.ts';
import { SYSTEM_ACTOR, verifyAudit } from '../../../platform/audit.ts';
import { createTestDatabase, type TestDatabase } from '../../../test/context.ts';
import { seedSmallBank } from '../../../test/fixtures.ts';
import { resolveBulk } from '../integration.bulk.ts';
import { resolvePending, resolveSourceRecords } from '../integration.service.ts';

/** A real calendar date or null (a mistyped 1967-02-29 or 0000-05-28 is dropped, as a load's validation would). */
const validDate = (d: string) => (d && d >= '1900' && !Number.isNaN(Date.parse(d)) && new Date(d).toISOString().slice(0, 10) === d ? d : null);
const rid = (first17: string) => first17 + residentIdCheckChar(first17);

type Rec = {
  source: string; key: string; kind?: 'person' | 'org'; name?: string | null; idType?: string | null; idNo?: string | null; mobile?: string | null; email?: string | null;
  birthDate?: string | null; gender?: string | null; address?: string | null; employer?: string | null; legalRep?: string | null; accounts?: unknown[];
};

/** Inserts source records as a load with `resolve: false` leaves them (pending), returning their ids. */
async function load(db: Db, recs: Rec[]): Promise<number[]> {
  const ids: number[] = [];
  for (const r of recs) {
    const row = {
      source_code: r.source, record_key: r.key, kind: r.kind ?? 'person', name: r.name || null, id_type: r.idType || (r.idNo ? 'resident_id' : null), id_no: r.idNo || null,
      mobile: r.mobile || null, email: r.email || null, birth_date: r.birthDate || null, gender: r.gender === 'M' || r.gender === 'F' ? (r.gender as 'M' | 'F') : null,
      address: r.address || null, employer: r.employer || null, legal_rep: r.legalRep || null, attributes: '{}', accounts: JSON.stringify(r.accounts ?? []),
      content_hash: createHash('sha256').update(JSON.stringify(r)).digest(), source_updated_at: new Date('2026-11-01T00:00:00Z'),
    };
    ids.push((await db.insertInto('source_record').values(row).returning('id').executeTakeFirstOrThrow()).id);
  }
  return ids;
}

/** Records shaped like data/er/cn-dev (persons and companies over seven systems, with their noise), some with an account. */
function generated(n: number, seed: number): Rec[] {
  return syntheticRecords(n, seed).map((r, i) => ({
    source: r.source, key: r.id, kind: r.kind, name: r.name, idType: r.idType, idNo: r.idNo, mobile: r.mobile, email: r.email,
    birthDate: validDate(r.birthDate ? normDate(r.birthDate) : ''), gender: r.gender, address: r.address, employer: r.employer, legalRep: r.legalRep,
    accounts: i % 3 ? [] : [{ accountNo: `A-${r.id}`, productCode: i % 30 ? 'DEP_CURRENT' : 'NO_SUCH_PRODUCT', currency: 'CNY', status: 'active', openedOn: '2024-01-02', balanceFen: 1000 + i, branchCode: i % 2 ? 'BJ01' : 'SH01' }],
  }));
}

async function setUp(db: Db) {
  await seedSmallBank(db);
  const trust: [string, number, Record<string, number>][] = [
    ['core_savings', 90, { name: 80, id_no: 90, mobile: 70, address: 50 }], ['credit_card', 60, { address: 95, mobile: 80, email: 80 }],
    ['personal_loan', 50, { employer: 95, address: 60 }], ['wealth', 70, {}], ['corporate_core', 90, { name: 90 }], ['corporate_loan', 60, {}], ['settlement', 40, {}],
  ];
  for (const [code, rank, t] of trust) {
    await db.insertInto('source_system').values({ code, name: code, name_en: code, value_rank: rank, field_trust: JSON.stringify(t) }).execute();
  }
}

/**
 * What resolution produced, independent of customer ids: per customer (named by its sorted record keys) the golden
 * record, its rows and lineage, accounts and AUM; review pairs as pairs of such names; each record's status.
 */
async function outcome(db: Db) {
  const rows = (await sql<{ j: Record<string, unknown> }>`
    SELECT jsonb_build_object(
      'records', (SELECT jsonb_agg(r.record_key ORDER BY r.record_key) FROM source_record r WHERE r.customer_id = c.id),
      'customer', jsonb_build_object('name', c.name, 'pinyin', c.name_pinyin, 'gender', c.gender, 'birth', c.birth_date, 'employer', c.employer, 'status', c.status,
        'org', c.org_id, 'manager', c.manager_id, 'aum', c.aum_fen, 'party', c.party, 'type', c.type_id),
      'identities', (SELECT jsonb_agg(jsonb_build_array(i.id_type, i.id_no, i.is_primary) ORDER BY i.id_no) FROM customer_identity i WHERE i.customer_id = c.id),
      'contacts', (SELECT jsonb_agg(jsonb_build_array(x.kind, x.value, x.is_primary) ORDER BY x.kind, x.value) FROM customer_contact x WHERE x.customer_id = c.id),
      'addresses', (SELECT jsonb_agg(jsonb_build_array(a.kind, a.line, a.is_primary) ORDER BY a.line) FROM customer_address a WHERE a.customer_id = c.id),
      'lineage', (SELECT jsonb_agg(jsonb_build_array(l.field, l.value, l.source_code, l.rule, s.record_key) ORDER BY l.field) FROM customer_field_source l
        LEFT JOIN source_record s ON s.id = l.source_record_id WHERE l.customer_id = c.id),
      'accounts', (SELECT jsonb_agg(jsonb_build_array(a.account_no, a.org_id, a.balance_fen) ORDER BY a.account_no) FROM account a WHERE a.customer_id = c.id)
    ) AS j FROM customer c WHERE EXISTS (SELECT 1 FROM source_record r WHERE r.customer_id = c.id)`.execute(db)).rows.map((r) => r.j);
  const customers = Object.fromEntries(rows.map((r) => [(r.records as string[]).join(' '), r]));
  const pairs = (await sql<{ a: string; b: string; zone: string; conflict: string | null }>`
    SELECT coalesce((SELECT string_agg(r.record_key, ' ' ORDER BY r.record_key) FROM source_record r WHERE r.customer_id = m.customer_a), ca.customer_no) AS a,
           coalesce((SELECT string_agg(r.record_key, ' ' ORDER BY r.record_key) FROM source_record r WHERE r.customer_id = m.customer_b), cb.customer_no) AS b, m.zone, m.conflict
    FROM match_review m JOIN customer ca ON ca.id = m.customer_a JOIN customer cb ON cb.id = m.customer_b`.execute(db)).rows
    .map((p) => `${[p.a, p.b].sort().join(' | ')} (${p.zone}${p.conflict ? ', conflict' : ''})`).sort();
  const statuses = Object.fromEntries((await db.selectFrom('source_record').select(['record_key', 'match_status']).execute()).map((r) => [r.record_key, r.match_status]));
  return { customers, pairs, statuses };
}

/** A chunk falling back to one by one would hide a bulk bug: fail instead. */
const onError = (err: unknown) => {
  throw err;
};

let one: TestDatabase;
let bulk: TestDatabase;

beforeAll(async () => {
  [one, bulk] = await Promise.all([createTestDatabase(4), createTestDatabase(4)]);
  await setUp(one.db);
  await setUp(bulk.db);
});
afterAll(async () => {
  await one?.close();
  await bulk?.close();
});

describe('bulk resolution of a pending backlog', () => {
  it('gives the same customers as resolving one record at a time: clusters, golden records, lineage, accounts, review pairs', async () => {
    const recs = generated(600, 11);
    const ids = await load(one.db, recs);
    await load(bulk.db, recs);
    const a = await resolveSourceRecords(one.db, SYSTEM_ACTOR, ids);
    // Small chunks, so records also meet customers created by earlier chunks.
    const b = await resolveBulk(bulk.db, SYSTEM_ACTOR, { chunk: 120, onError });
    const [oa, ob] = await Promise.all([outcome(one.db), outcome(bulk.db)]);
    expect(Object.keys(ob.customers).sort()).toEqual(Object.keys(oa.customers).sort());
    expect(ob.customers).toEqual(oa.customers);
    expect(ob.pairs).toEqual(oa.pairs);
    expect(ob.statuses).toEqual(oa.statuses);
    expect({ ...b, accountProblems: b.accountProblems!.length }).toEqual({ ...a, accountProblems: a.accountProblems!.length });
    expect(b.created).toBeGreaterThan(100);
    expect(b.matched).toBeGreaterThan(100);
    expect(b.accountProblems!.length).toBeGreaterThan(0);
    expect(ob.pairs.length).toBeGreaterThan(0);
    // Written by the bulk path: one audit row per customer created, one per customer attached to (per chunk).
    const audited = await sql<{ action: string; n: number }>`SELECT action, count(*)::int AS n FROM audit_log WHERE changes->>'bulk' = 'true' GROUP BY action`.execute(bulk.db);
    const n = Object.fromEntries(audited.rows.map((r) => [r.action, r.n]));
    expect(n.create).toBe(Object.keys(ob.customers).length);
    expect(n.resolve).toBeGreaterThan(0);
  }, 120_000); // 600 records resolved twice: some 11 s alone, more beside the other suites on 2 cores

  it('a rerun changes nothing', async () => {
    const before = await outcome(bulk.db);
    const audits = await bulk.db.selectFrom('audit_log').select(sql<number>`count(*)::int`.as('n')).executeTakeFirstOrThrow();
    expect(await resolveBulk(bulk.db, SYSTEM_ACTOR, { chunk: 120, onError })).toMatchObject({ matched: 0, created: 0, review: 0 });
    expect(await outcome(bulk.db)).toEqual(before);
    expect(await bulk.db.selectFrom('audit_log').select(sql<number>`count(*)::int`.as('n')).executeTakeFirstOrThrow()).toEqual(audits);
  });

  it('attaches a record to the existing customer it surely matches, and never merges two valid different ID numbers', async () => {
    const idNo = rid('32010219800512301');
    const other = rid('32010219800512302');
    const person = { name: '严明', mobile: '+8613911112222', birthDate: '1980-05-12', gender: 'M', address: '南京市玄武区中山路 18 号' };
    await load(bulk.db, [{ source: 'core_savings', key: 'X-1', idNo, ...person }]);
    expect(await resolveBulk(bulk.db, SYSTEM_ACTOR, { onError })).toMatchObject({ created: 1 });
    const existing = await bulk.db.selectFrom('source_record').select('customer_id').where('record_key', '=', 'X-1').executeTakeFirstOrThrow();
    // A manager's own value (I6) is kept over every source.
    await bulk.db.updateTable('customer').set({ employer: '自由职业' }).where('id', '=', existing.customer_id!).execute();
    // The same person seen by the card system; a namesake twin with another valid ID, twice in one chunk.
    await load(bulk.db, [
      { source: 'credit_card', key: 'X-2', idNo, ...person, address: '南京市玄武区北京东路 9 号', email: 'yanming@example.cn', employer: '金桥科技有限公司' },
      { source: 'credit_card', key: 'X-3', idNo: other, ...person },
      { source: 'credit_card', key: 'X-4', idNo: other, ...person },
    ]);
    await resolveBulk(bulk.db, SYSTEM_ACTOR, { onError });
    const rows = await bulk.db.selectFrom('source_record').select(['record_key', 'customer_id', 'match_status']).where('record_key', 'in', ['X-2', 'X-3', 'X-4']).orderBy('record_key').execute();
    expect(rows[0]).toMatchObject({ customer_id: existing.customer_id, match_status: 'matched' });
    expect(rows[1]!.customer_id).not.toBe(existing.customer_id);
    expect(rows[2]!.customer_id).toBe(rows[1]!.customer_id);
    expect(rows[1]!.match_status).toBe('review');
    const pair = await bulk.db.selectFrom('match_review').selectAll().where('pair_key', '=', [existing.customer_id!, rows[1]!.customer_id!].sort((x, y) => x - y).join('-')).executeTakeFirstOrThrow();
    expect(pair).toMatchObject({ status: 'pending', conflict: expect.any(String), origin: 'engine' });
    // The attached record's most trusted values win on the existing customer (card: address, email).
    const addr = await bulk.db.selectFrom('customer_address').select(['line', 'is_primary']).where('customer_id', '=', existing.customer_id!).execute();
    expect(addr.find((x) => x.is_primary)?.line).toBe('南京市玄武区北京东路 9 号');
    const c = await bulk.db.selectFrom('customer').select('employer').where('id', '=', existing.customer_id!).executeTakeFirstOrThrow();
    expect(c.employer).toBe('自由职业');
    const lineage = await bulk.db.selectFrom('customer_field_source').select(['field', 'source_code', 'rule']).where('customer_id', '=', existing.customer_id!).execute();
    expect(lineage).toContainEqual({ field: 'employer', source_code: 'MANUAL', rule: 'manual' });
    expect(lineage).toContainEqual({ field: 'address', source_code: 'credit_card', rule: 'trust' });
    const audit = await bulk.db.selectFrom('audit_log').select(['action', 'changes']).where('customer_id', '=', existing.customer_id!).where('action', '=', 'resolve').execute();
    expect(audit).toEqual([expect.objectContaining({ changes: expect.objectContaining({ bulk: true, records: [expect.objectContaining({ recordKey: 'X-2', status: 'matched' })] }) })]);
  });

  it('an identity held by another customer never becomes a second row, also when an earlier record brings it back', async () => {
    const x = rid('11010819700101123');
    await load(bulk.db, [{ source: 'core_savings', key: 'H-1', name: '李雷', idNo: x, mobile: '+8613600001111', birthDate: '1970-01-01' }]);
    await resolveBulk(bulk.db, SYSTEM_ACTOR, { onError });
    // Another person's record carries the same number by mistake: not the same customer, and the number stays with 李雷.
    await load(bulk.db, [{ source: 'credit_card', key: 'H-2', name: '韩梅梅', idNo: x, mobile: '+8613700002222', birthDate: '1985-06-06', email: 'hmm@example.cn' }]);
    await resolveBulk(bulk.db, SYSTEM_ACTOR, { onError });
    await load(bulk.db, [{ source: 'personal_loan', key: 'H-3', name: '韩梅梅', mobile: '+8613700002222', birthDate: '1985-06-06', email: 'hmm@example.cn', employer: '某某公司' }]);
    await resolveBulk(bulk.db, SYSTEM_ACTOR, { onError });
    const rows = await bulk.db.selectFrom('source_record').select(['record_key', 'customer_id']).where('record_key', 'in', ['H-1', 'H-2', 'H-3']).orderBy('record_key').execute();
    expect(rows[1]!.customer_id).not.toBe(rows[0]!.customer_id);
    expect(rows[2]!.customer_id).toBe(rows[1]!.customer_id);
    const holders = await bulk.db.selectFrom('customer_identity').select('customer_id').where('id_no', '=', x).execute();
    expect(holders).toEqual([{ customer_id: rows[0]!.customer_id }]);
  });

  it('sends a record whose valid ID number a customer of another name holds to review, as one by one does, also within a chunk', async () => {
    const x = rid('11010819800101456');
    const y = rid('11010819820202456');
    const first = [{ source: 'core_savings', key: 'SID-1', name: '张三', idNo: x, mobile: '+8613900002222', birthDate: '1980-01-01' }];
    // 张三's number under another name; and a new number under two names, in one chunk (one source).
    const then = [
      { source: 'personal_loan', key: 'SID-2', name: '刘一', idNo: x, mobile: '+8613900003333' },
      { source: 'personal_loan', key: 'SID-3', name: '王五', idNo: y, mobile: '+8613900004444' },
      { source: 'personal_loan', key: 'SID-4', name: '赵六', idNo: y, mobile: '+8613900005555' },
    ];
    /** Each record's status and customer, and the review pairs between their customers, by record key. */
    const sid = async (db: Db) => {
      const rows = await db.selectFrom('source_record').select(['record_key', 'customer_id', 'match_status']).where('record_key', 'like', 'SID-%').orderBy('record_key').execute();
      const keyOf = new Map(rows.map((r) => [r.customer_id, r.record_key]));
      const pairs = await db.selectFrom('match_review').select(['customer_a', 'customer_b', 'zone', 'conflict'])
        .where('customer_a', 'in', rows.map((r) => r.customer_id!)).where('customer_b', 'in', rows.map((r) => r.customer_id!)).execute();
      return {
        statuses: Object.fromEntries(rows.map((r) => [r.record_key, r.match_status])),
        customers: new Set(rows.map((r) => r.customer_id)).size,
        pairs: pairs.map((p) => `${[keyOf.get(p.customer_a), keyOf.get(p.customer_b)].sort().join(' | ')} (${p.zone}, ${p.conflict})`).sort(),
      };
    };
    await load(bulk.db, first);
    await resolveBulk(bulk.db, SYSTEM_ACTOR, { onError });
    await load(bulk.db, then);
    await resolveBulk(bulk.db, SYSTEM_ACTOR, { onError });
    const got = await sid(bulk.db);
    // Four names, four customers: none merged, none left apart in silence — a person decides each pair.
    expect(got).toEqual({
      statuses: { 'SID-1': 'created', 'SID-2': 'review', 'SID-3': 'created', 'SID-4': 'review' },
      customers: 4,
      pairs: ['SID-1 | SID-2 (review, same valid resident_id number, different name)', 'SID-3 | SID-4 (review, same valid resident_id number, different name)'],
    });
    // The number stays with its first holder only.
    expect(await bulk.db.selectFrom('customer_identity').select('id_no').where('id_no', 'in', [x, y]).execute()).toHaveLength(2);
    // One record at a time decides the same.
    await resolveSourceRecords(one.db, SYSTEM_ACTOR, await load(one.db, first));
    await resolveSourceRecords(one.db, SYSTEM_ACTOR, await load(one.db, then));
    expect(await sid(one.db)).toEqual(got);
  });

  it('sends fuzzy pairs to the review queue, and a pair once decided is not asked again', async () => {
    // Same name and address as a customer, nothing else: may or may not be the same person.
    await load(bulk.db, [{ source: 'credit_card', key: 'F-1', name: '严明', address: '南京市玄武区中山路18号', email: 'other.yan@example.cn' }]);
    await resolveBulk(bulk.db, SYSTEM_ACTOR, { onError });
    const f1 = await bulk.db.selectFrom('source_record').select(['customer_id', 'match_status']).where('record_key', '=', 'F-1').executeTakeFirstOrThrow();
    expect(f1.match_status).toBe('review');
    const pending = await bulk.db.selectFrom('match_review').select(['id', 'customer_a', 'customer_b']).where('customer_a', '=', f1.customer_id!).where('status', '=', 'pending').execute();
    expect(pending.length).toBeGreaterThanOrEqual(1);
    const n = (await bulk.db.selectFrom('match_review').select(sql<number>`count(*)::int`.as('n')).where('zone', '=', 'review').executeTakeFirstOrThrow()).n;
    expect(n).toBeGreaterThan(1);
    // Rejected, then the same record reloaded (changed): the pair stays decided.
    await bulk.db.updateTable('match_review').set({ status: 'rejected', decided_at: new Date() }).where('id', '=', pending[0]!.id).execute();
    await load(bulk.db, [{ source: 'credit_card', key: 'F-2', name: '严明', address: '南京市玄武区中山路 18 号', email: 'other.yan@example.cn' }]);
    await resolveBulk(bulk.db, SYSTEM_ACTOR, { onError });
    const decided = await bulk.db.selectFrom('match_review').select(['status']).where('id', '=', pending[0]!.id).executeTakeFirstOrThrow();
    expect(decided.status).toBe('rejected');
  });

  it('resolvePending takes the bulk path above its threshold and the per-record path below it', async () => {
    await load(bulk.db, generated(40, 5).map((r) => ({ ...r, key: `P-${r.key}`, accounts: [] })));
    const s = await resolvePending(bulk.db, { bulkThreshold: 30 });
    expect(s.created + s.matched + s.review).toBe(40);
    const viaBulk = await sql<{ n: number }>`SELECT count(*)::int AS n FROM audit_log WHERE changes->>'bulk' = 'true'
      AND EXISTS (SELECT 1 FROM jsonb_array_elements(changes->'records') x WHERE x->>'recordKey' LIKE 'P-%')`.execute(bulk.db);
    expect(viaBulk.rows[0]!.n).toBeGreaterThan(0);
    await load(bulk.db, [{ source: 'core_savings', key: 'S-1', name: '孟浩', idNo: rid('51010719900101123'), mobile: '+8615800001111' }]);
    expect(await resolvePending(bulk.db, { bulkThreshold: 30 })).toMatchObject({ created: 1 });
    const one = await bulk.db.selectFrom('audit_log').select('entity').where('entity', '=', 'source_record').where('entity_id', '=', String((await bulk.db.selectFrom('source_record').select('id').where('record_key', '=', 'S-1').executeTakeFirstOrThrow()).id)).execute();
    expect(one).toHaveLength(1);
  });

  it('a crash leaves whole chunks: what failed stays pending and is resolved by the next run', async () => {
    const base = (await sql<{ n: number }>`SELECT count(*)::int AS n FROM customer`.execute(bulk.db)).rows[0]!.n;
    // The database fails once the second chunk writes lineage (the first chunk creates fewer than 25 customers).
    await sql.raw(`CREATE FUNCTION fail_late() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN
        IF (SELECT count(*) FROM customer) > ${base + 25} THEN RAISE EXCEPTION 'disk full' USING ERRCODE = 'disk_full'; END IF; RETURN NEW; END $$;
      CREATE TRIGGER fail_late BEFORE INSERT ON customer_field_source FOR EACH ROW EXECUTE FUNCTION fail_late();`).execute(bulk.db);
    const ids = await load(bulk.db, generated(60, 9).map((r) => ({ ...r, key: `K-${r.key}`, source: 'core_savings' })));
    const errors: unknown[] = [];
    try {
      // The second chunk fails in bulk; its records then go one by one until the database refuses again.
      await expect(resolveBulk(bulk.db, SYSTEM_ACTOR, { chunk: 20, onError: (e) => errors.push(e) })).rejects.toThrow('disk full');
    } finally {
      await sql`DROP TRIGGER fail_late ON customer_field_source`.execute(bulk.db);
    }
    expect(errors).toHaveLength(1);
    const after = await sql<{ id: number; match_status: string; customer_id: number | null; keys: number }>`
      SELECT r.id, r.match_status, r.customer_id, (SELECT count(*)::int FROM match_key k WHERE k.source_record_id = r.id) AS keys
      FROM source_record r WHERE r.id = ANY(${ids}::bigint[]) ORDER BY r.id`.execute(bulk.db);
    const [done, pending] = [after.rows.filter((r) => r.match_status !== 'pending'), after.rows.filter((r) => r.match_status === 'pending')];
    // The first chunk committed whole; nothing of a rolled-back write is left on the pending records.
    expect(done.map((r) => r.id).slice(0, 20)).toEqual(ids.slice(0, 20));
    expect(done.every((r) => r.customer_id !== null && r.keys > 0)).toBe(true);
    expect(pending.length).toBeGreaterThan(0);
    expect(pending.every((r) => r.customer_id === null && r.keys === 0)).toBe(true);
    const s = await resolveBulk(bulk.db, SYSTEM_ACTOR, { chunk: 20, onError });
    expect(s.matched + s.created + s.review).toBe(pending.length);
    expect(await bulk.db.selectFrom('source_record').select('id').where('match_status', '=', 'pending').execute()).toEqual([]);
  });

  it('on skewed data (many namesakes with one birth date) queues at most candidateCap pairs per customer and never merges on a capped block', async () => {
    const t = await createTestDatabase(4);
    const { db } = t;
    try {
      await setUp(db);
      // Ten names, 50 records each (a block the engine compares in full: every record is a fuzzy pair with its 49
      // namesakes), and 2,000 records of one name (a block too large to compare): one birth date, no ID, no address.
      const recs: Rec[] = [
        ...Array.from({ length: 500 }, (_, n) => ({ source: 'core_savings', key: `SK-${n}`, name: `龚${'一二三四五六七八九十'[n % 10]}`, birthDate: '1980-01-01' })),
        ...Array.from({ length: 2_000 }, (_, n) => ({ source: 'core_savings', key: `SL-${n}`, name: '龚同', birthDate: '1980-01-01' })),
      ];
      await load(db, recs);
      const s = await resolveBulk(db, SYSTEM_ACTOR, { onError, estimateFrom: Infinity });
      const cap = 20; // integration.defaults' candidateCap
      // Namesakes alone are never one customer: each record its own customer, the first of a name created, the rest for review.
      expect(s).toMatchObject({ matched: 0, created: 10 + 2_000, review: 490 });
      expect((await sql<{ n: number }>`SELECT count(DISTINCT customer_id)::int AS n FROM source_record`.execute(db)).rows[0]!.n).toBe(2_500);
      const per = (await sql<{ n: number; k: number }>`SELECT n, count(*)::int AS k FROM (SELECT customer_a, count(*)::int AS n FROM match_review GROUP BY 1) x GROUP BY n ORDER BY n`.execute(db)).rows;
      // The record at place p of its name meets min(p, cap) earlier namesakes (49 without the cap), as one by one meets at most cap candidates.
      expect(Math.max(...per.map((r) => r.n))).toBe(cap);
      const total = (await sql<{ n: number }>`SELECT count(*)::int AS n FROM match_review`.execute(db)).rows[0]!.n;
      expect(total).toBe(10 * Array.from({ length: 50 }, (_, p) => Math.min(p, cap)).reduce((a, b) => a + b, 0));
      // The 2,000 of one name: no pair at all (the block is skipped), so each created, none matched.
      const big = await sql<{ status: string; n: number }>`SELECT match_status AS status, count(*)::int AS n FROM source_record WHERE record_key LIKE 'SL-%' GROUP BY 1`.execute(db);
      expect(big.rows).toEqual([{ status: 'created', n: 2_000 }]);
    } finally {
      await t.close();
    }
  }, 120_000);

  it('audits every customer it creates or attaches to, in a chain that verifies', async () => {
    const created = await sql<{ n: number }>`SELECT count(*)::int AS n FROM customer c WHERE EXISTS (SELECT 1 FROM source_record r WHERE r.customer_id = c.id)`.execute(bulk.db);
    const rows = await sql<{ n: number }>`SELECT count(*)::int AS n FROM audit_log WHERE action = 'create' AND entity = 'customer'
      AND (changes->>'bulk' = 'true' OR changes->>'via' = 'integration')`.execute(bulk.db);
    expect(rows.rows[0]!.n).toBe(created.rows[0]!.n);
    const v = await verifyAudit(bulk.db);
    expect(v.problems).toEqual([]);
    expect(v.ok).toBe(true);
  });
});
