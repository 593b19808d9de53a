import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { residentIdCheckChar } from '../../../../engines/identity/index.ts';
import type { Db } from '../../../db/database.ts';
import { SYSTEM_ACTOR } from '../../../platform/audit.ts';
import { createTestDatabase, type TestDatabase } from '../../../test/context.ts';
import { seedSmallBank } from '../../../test/fixtures.ts';
import { resolveBulk } from '../integration.bulk.ts';
import { resolveSourceRecords } from '../integration.service.ts';

/**
 * One valid resident ID under two names (张三, 张建三: no more than the surname and a sound in common, not one name mistyped) is for a person to decide,
 * never merged, also not through a third record that surely matches both: A (ID X, 张三) – C (no ID, 张三, B's mobile)
 * – B (ID X, 张建三). A–C and C–B are sure matches on their own; A and B must stay two customers with a review pair.
 */

const X = '11010819800101456' + residentIdCheckChar('11010819800101456');
const common = { birthDate: '1980-01-01', gender: 'M', address: '北京市海淀区中关村大街 1 号 3 栋 501 室', email: 'zs@example.cn' };
type Rec = { source: string; key: string; name: string; idNo: string | null; mobile: string };
const A: Rec = { source: 'core_savings', key: 'A', name: '张三', idNo: X, mobile: '+8613900001111' };
const C: Rec = { source: 'credit_card', key: 'C', name: '张三', idNo: null, mobile: '+8613900002222' };
const B: Rec = { source: 'wealth', key: 'B', name: '张建三', idNo: X, mobile: '+8613900002222' };

/** Inserts source records as a load with `resolve: false` leaves them (pending), returning their ids. */
async function load(db: Db, recs: Rec[]): Promise<number[]> {
  const ids: number[] = [];
  for (const r of recs) {
    const row = {
      source_code: r.source, record_key: r.key, kind: 'person' as const, name: r.name, id_type: r.idNo ? 'resident_id' : null, id_no: r.idNo,
      mobile: r.mobile, email: common.email, birth_date: common.birthDate, gender: 'M' as const, address: common.address, employer: null, legal_rep: null,
      attributes: '{}', accounts: '[]', content_hash: createHash('sha256').update(JSON.stringify(r)).digest(), source_updated_at: new Date('2026-11-01T00:00:00Z'),
    };
    ids.push((await db.insertInto('source_record').values(row).returning('id').executeTakeFirstOrThrow()).id);
  }
  return ids;
}

/** Each record's customer (named by its records' keys) and status, and the review pairs between those customers. */
async function outcome(db: Db) {
  const rows = await db.selectFrom('source_record').select(['record_key', 'customer_id', 'match_status']).orderBy('record_key').execute();
  const name = (id: number | null) => rows.filter((r) => r.customer_id === id).map((r) => r.record_key).join('+');
  const pairs = await db.selectFrom('match_review').select(['customer_a', 'customer_b', 'zone', 'conflict', 'status']).execute();
  return {
    customerOf: Object.fromEntries(rows.map((r) => [r.record_key, name(r.customer_id)])),
    statuses: Object.fromEntries(rows.map((r) => [r.record_key, r.match_status])),
    pairs: pairs.map((p) => `${[name(p.customer_a), name(p.customer_b)].sort().join(' | ')} (${p.zone}, ${p.conflict}, ${p.status})`).sort(),
    holders: (await db.selectFrom('customer_identity').select('customer_id').where('id_no', '=', X).execute()).map((h) => name(h.customer_id)),
  };
}

/** A chunk falling back to one by one would hide a bulk bug: fail instead. */
const onError = (err: unknown) => {
  throw err;
};

const dbs: TestDatabase[] = [];
async function fresh(): Promise<Db> {
  const t = await createTestDatabase(4);
  dbs.push(t);
  await seedSmallBank(t.db);
  for (const code of ['core_savings', 'credit_card', 'wealth']) {
    await t.db.insertInto('source_system').values({ code, name: code, name_en: code, value_rank: 50, field_trust: '{}' }).execute();
  }
  return t.db;
}
afterAll(async () => {
  await Promise.all(dbs.map((t) => t.close()));
});

const CONFLICT = 'same valid resident_id number, different name';

describe('one valid ID under two names is never merged through a third record', () => {
  // One source: the bulk resolver clusters a source's records a chunk at a time, so all three meet in one chunk.
  const oneSource = [A, C, B].map((r) => ({ ...r, source: 'core_savings' }));
  let bulkAll: Awaited<ReturnType<typeof outcome>>;
  beforeAll(async () => {
    const db = await fresh();
    await load(db, oneSource);
    await resolveBulk(db, SYSTEM_ACTOR, { onError });
    bulkAll = await outcome(db);
  });

  it('bulk, all three in one chunk: A and B are two customers, with a pair for review between them', () => {
    // C joins its stronger sure match (B); the merge with A is refused and asked about, naming the shared ID.
    expect(bulkAll).toEqual({
      customerOf: { A: 'A', B: 'B+C', C: 'B+C' },
      statuses: { A: 'created', B: 'matched', C: 'review' },
      pairs: [`A | B+C (review, ${CONFLICT}, pending)`],
      // The number stays with one customer only.
      holders: ['A'],
    });
  });

  it('one record at a time, the three in one batch: A and B two customers as well, with a pair for review', async () => {
    const db = await fresh();
    await resolveSourceRecords(db, SYSTEM_ACTOR, await load(db, oneSource));
    // C meets A first here and stays with it (the bulk chunk gives C to its stronger match, B): either way A and B stay apart.
    expect(await outcome(db)).toEqual({
      customerOf: { A: 'A+C', B: 'B', C: 'A+C' },
      statuses: { A: 'created', B: 'review', C: 'matched' },
      pairs: [`A+C | B (review, ${CONFLICT}, pending)`],
      holders: ['A+C'],
    });
  });

  it('bulk, the three from three sources (a chunk each, in the sources\' order): A and B two customers, a pair for review', async () => {
    const db = await fresh();
    await load(db, [A, C, B]);
    await resolveBulk(db, SYSTEM_ACTOR, { onError });
    const got = await outcome(db);
    expect(got.customerOf.A).not.toBe(got.customerOf.B);
    expect(got.pairs).toEqual([`${[got.customerOf.A, got.customerOf.B].sort().join(' | ')} (review, ${CONFLICT}, pending)`]);
    expect(got.holders).toHaveLength(1);
  });

  it.each([
    { label: 'bulk', resolve: (db: Db, _ids: number[]) => resolveBulk(db, SYSTEM_ACTOR, { onError }) },
    { label: 'one by one', resolve: (db: Db, ids: number[]) => resolveSourceRecords(db, SYSTEM_ACTOR, ids) },
  ])('$label, B arriving later at the customer of A and C: not attached through C, a pair for review', async ({ resolve }) => {
    const db = await fresh();
    await resolve(db, await load(db, [A, C]));
    expect((await outcome(db)).customerOf).toEqual({ A: 'A+C', C: 'A+C' });
    await resolve(db, await load(db, [B]));
    expect(await outcome(db)).toEqual({
      customerOf: { A: 'A+C', B: 'B', C: 'A+C' },
      statuses: { A: 'created', B: 'review', C: 'matched' },
      pairs: [`A+C | B (review, ${CONFLICT}, pending)`],
      holders: ['A+C'],
    });
  });
});
