/**
 * `npm run bench -- resolve`: real-time resolution of source records (I5 "attached or created within 50 ms"):
 * each new record is matched against existing customers by indexed candidate lookup, scored, and attached
 * (accounts, golden record, lineage, audit) or created, one record per call as a load hands them over.
 * On a demo bank of BENCH_CUSTOMERS (default 100,000) in its own database `banyan_bench_resolve`, kept
 * between runs. BENCH_RECORDS (default 1,500) records: a third copies of existing customers from another
 * system (same ID), a third variants without an ID (same name and mobile, new address), a third new people.
 * Prints p50/p95/p99 per record against the 50 ms target.
 */
import { createHash } from 'node:crypto';
import { sql } from 'kysely';

process.env.BENCH_CUSTOMERS ??= '100000';
const { benchDatabase, ensureDemoBank, percentile } = await import('./lib.ts');
const { createDb } = await import('../server/db/database.ts');
const { migrateToLatest } = await import('../server/db/migrate.ts');
const { SYSTEM_ACTOR } = await import('../server/platform/audit.ts');
const { resolveSourceRecords } = await import('../server/modules/integration/integration.service.ts');
const { residentIdCheckChar } = await import('../engines/identity/index.ts');

const RECORDS = Number(process.env.BENCH_RECORDS ?? 1500);
const TARGET_MS = 50;
const NAME = 'banyan_bench_resolve';

const h = await benchDatabase(NAME);
try {
  const { db } = createDb(h.url, 4);
  try {
    // Each run adds customers (the new people it resolves): a bank loaded before is reused as it is.
    const loaded = await sql<{ n: string }>`SELECT count(*) AS n FROM customer`.execute(db).then((r) => Number(r.rows[0]!.n), () => 0);
    if (loaded) await migrateToLatest(db);
    else await ensureDemoBank(h.url, NAME);
    const run = Date.now().toString(36);
    // "New" people must be new on every run (the bench database is kept): birth year and name characters vary by run.
    const seed = Math.floor(Date.now() / 1000) % 997;
    const sample = await sql<{ name: string; birth_date: string | null; gender: 'M' | 'F' | null; id_no: string; mobile: string | null }>`
      SELECT c.name, c.birth_date, c.gender, i.id_no,
        (SELECT x.value FROM customer_contact x WHERE x.customer_id = c.id AND x.kind = 'mobile' LIMIT 1) AS mobile
      FROM customer c TABLESAMPLE SYSTEM (5) JOIN customer_identity i ON i.customer_id = c.id AND i.id_type = 'resident_id'
      WHERE c.party = 'person' AND NOT c.deleted LIMIT ${Math.ceil((RECORDS * 2) / 3)}`.execute(db);
    const people = sample.rows;
    const ids: number[] = [];
    const kinds: string[] = [];
    for (let i = 0; i < RECORDS; i++) {
      const kind = i % 3 === 0 ? 'copy' : i % 3 === 1 ? 'variant' : 'new';
      const p = people[i % people.length]!;
      const fresh17 = `310104${1930 + (seed % 70)}${String(1 + (i % 12)).padStart(2, '0')}${String(1 + (i % 28)).padStart(2, '0')}${String(i % 1000).padStart(3, '0')}`;
      const rec = kind === 'copy'
        ? { name: p.name, id_type: 'resident_id', id_no: p.id_no, mobile: p.mobile, birth_date: p.birth_date, gender: p.gender, address: `上海市浦东新区世纪大道 ${i} 号` }
        : kind === 'variant'
          ? { name: p.name, id_type: null, id_no: null, mobile: p.mobile, birth_date: p.birth_date, gender: p.gender, address: `北京市朝阳区建国路 ${i} 号` }
          : { name: `测${String.fromCharCode(0x4e00 + ((seed * 13 + i) % 5000))}${String.fromCharCode(0x4e00 + ((i * 7 + seed) % 5000))}`, id_type: 'resident_id', id_no: fresh17 + residentIdCheckChar(fresh17), mobile: `+86158${String((seed * 100_003 + i) % 100_000_000).padStart(8, '0')}`, birth_date: null, gender: null, address: `广州市天河区 ${i} 号` };
      const r = await db.insertInto('source_record').values({
        source_code: 'CARD', record_key: `bench-${run}-${i}`, kind: 'person', ...rec, email: null, employer: null, legal_rep: null,
        attributes: '{}', accounts: JSON.stringify([{ accountNo: `B${run}${i}`, productCode: 'CARD_CREDIT', currency: 'CNY', status: 'active', openedOn: '2025-06-01', balanceFen: 0, branchCode: null }]),
        content_hash: createHash('sha256').update(`${run}-${i}`).digest(), source_updated_at: new Date(),
      }).returning('id').executeTakeFirstOrThrow();
      ids.push(r.id);
      kinds.push(kind);
    }
    // Warm-up: plans and caches, as a running server has them.
    const times: Record<string, number[]> = { copy: [], variant: [], new: [], all: [] };
    const outcome: Record<string, number> = { matched: 0, created: 0, review: 0 };
    for (let i = 0; i < ids.length; i++) {
      const t0 = performance.now();
      const s = await resolveSourceRecords(db, SYSTEM_ACTOR, [ids[i]!]);
      const ms = performance.now() - t0;
      if (i >= 30) {
        times[kinds[i]!]!.push(ms);
        times.all!.push(ms);
      }
      outcome.matched! += s.matched;
      outcome.created! += s.created;
      outcome.review! += s.review;
    }
    const customers = Number((await sql<{ n: string }>`SELECT count(*) AS n FROM customer`.execute(db)).rows[0]!.n);
    console.log(`\nresolve: ${ids.length} records one by one against ${customers.toLocaleString('en')} customers (first 30 are warm-up)`);
    console.log(`outcome: ${outcome.matched} matched, ${outcome.created} created, ${outcome.review} to review`);
    for (const k of ['copy', 'variant', 'new', 'all']) {
      const s = times[k]!.sort((a, b) => a - b);
      const p95 = percentile(s, 95);
      console.log(`${k.padEnd(8)} n=${String(s.length).padStart(5)}  p50 ${percentile(s, 50).toFixed(1).padStart(6)} ms  p95 ${p95.toFixed(1).padStart(6)} ms  p99 ${percentile(s, 99).toFixed(1).padStart(6)} ms   p95 = ${((p95 / TARGET_MS) * 100).toFixed(0)} % of the ${TARGET_MS} ms target`);
    }
  } finally {
    await db.destroy();
  }
} finally {
  await h.stop();
}
