/**
 * `npm run bench -- resolve-bulk`: bulk resolution of a first load (I3/I4 at scale). BENCH_ROWS (default 1,000,000)
 * records like data/er/cn-dev (generateCnRecords, seed 7; a third carry an account) are inserted pending into
 * `source_record` of a fresh database `banyan_bench_resolve_bulk`, then resolved by the bulk path (resolveBulk,
 * BENCH_CHUNK records per transaction, default 50,000) into an empty customer centre. Prints records/s, total
 * time, customers created, review pairs, peak RSS, accuracy against the generator's truth, and the ratio to the
 * one-record-at-a-time path (~12 ms a record). With only the built-in model, the run first estimates one from the
 * backlog (modelForBacklog): its time is part of the total and printed.
 */
import { sql } from 'kysely';

const { adminQuery, benchDatabase } = await import('./lib.ts');
const { createDb } = await import('../server/db/database.ts');
const { migrateToLatest } = await import('../server/db/migrate.ts');
const { SYSTEM_ACTOR } = await import('../server/platform/audit.ts');
const { getHeadOffice, insertHeadOffice } = await import('../server/modules/admin/admin.repository.ts');
const { resolveBulk } = await import('../server/modules/integration/integration.bulk.ts');
const { generateCnRecords, normDate } = await import('../engines/matching/index.ts');

const ROWS = Number(process.env.BENCH_ROWS ?? 1_000_000);
const CHUNK = Number(process.env.BENCH_CHUNK ?? 50_000);
const PER_RECORD_MS = 12;
const NAME = 'banyan_bench_resolve_bulk';
/** A real calendar date or null (a mistyped 1967-02-29 or 0000-05-28 is dropped, as a load's validation would). */
const validDate = (d: string) => (d && d >= '1900' && !Number.isNaN(Date.parse(d)) && new Date(d).toISOString().slice(0, 10) === d ? d : null);

let h = await benchDatabase(NAME);
// Every run resolves a first load into an empty centre: a database left by an earlier run is made again.
if (process.env.DATABASE_URL) {
  await adminQuery(process.env.DATABASE_URL, `DROP DATABASE IF EXISTS ${h.name} WITH (FORCE)`);
  h = await benchDatabase(NAME);
}
try {
  const { db } = createDb(h.url, 4);
  try {
    await migrateToLatest(db);
    if (Number((await sql<{ n: string }>`SELECT count(*) AS n FROM source_record`.execute(db)).rows[0]!.n) > 0) throw new Error(`${h.name} is not empty: drop it first`);
    if (!(await getHeadOffice(db))) await insertHeadOffice(db);
    for (const [code, rank, trust] of [
      ['core_savings', 90, { name: 80, id_no: 90, mobile: 70, address: 50 }], ['credit_card', 60, { address: 95, mobile: 80, email: 80 }],
      ['personal_loan', 50, { employer: 95, address: 60 }], ['wealth', 70, {}], ['corporate_core', 90, { name: 90 }], ['corporate_loan', 60, {}], ['settlement', 40, {}],
    ] as const) {
      await sql`INSERT INTO source_system (code, name, name_en, value_rank, field_trust) VALUES (${code}, ${code}, ${code}, ${rank}, ${JSON.stringify(trust)}::jsonb)
        ON CONFLICT (code) DO NOTHING`.execute(db);
    }

    let t0 = performance.now();
    const { lines, entities } = generateCnRecords(ROWS, 7);
    const truth = new Map<string, string>();
    for (let i = 0; i < lines.length; i += 20_000) {
      const batch = lines.slice(i, i + 20_000).map((line, k) => {
        const [key, source, kind, name, idType, idNo, mobile, email, birth, gender, address, employer, legalRep] = line.split(',');
        truth.set(key!, entities[i + k]!);
        const n = i + k;
        return {
          source_code: source, record_key: key, kind, name: name || null, id_type: idType || null, id_no: idNo || null, mobile: mobile || null, email: email || null,
          birth_date: validDate(birth ? normDate(birth) : ''), gender: gender === 'M' || gender === 'F' ? gender : null, address: address || null,
          employer: employer || null, legal_rep: legalRep || null,
          accounts: n % 3 ? [] : [{ accountNo: `A-${key}`, productCode: 'DEP_CURRENT', currency: 'CNY', status: 'active', openedOn: '2024-01-02', balanceFen: 1000 + n, branchCode: null }],
        };
      });
      await sql`INSERT INTO source_record (source_code, record_key, kind, name, id_type, id_no, mobile, email, birth_date, gender, address, employer, legal_rep, accounts, content_hash, source_updated_at)
        SELECT source_code, record_key, kind, name, id_type, id_no, mobile, email, birth_date, gender, address, employer, legal_rep, accounts,
          sha256(convert_to(record_key, 'UTF8')), '2026-11-01T00:00:00Z'
        FROM json_to_recordset(${JSON.stringify(batch)}::json) AS x(source_code text, record_key text, kind text, name text, id_type text, id_no text, mobile text,
          email text, birth_date date, gender text, address text, employer text, legal_rep text, accounts jsonb)`.execute(db);
      process.stdout.write(`\rinserting pending records: ${Math.min(i + 20_000, lines.length)}/${lines.length}`);
    }
    await sql`VACUUM ANALYZE source_record`.execute(db);
    console.log(`\ninserted ${lines.length.toLocaleString('en')} pending records in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

    t0 = performance.now();
    const s = await resolveBulk(db, SYSTEM_ACTOR, {
      chunk: CHUNK,
      onProgress: (p) => console.log(`  ${p.source.padEnd(15)} +${String(p.records).padStart(6)}  ${String(p.done).padStart(8)} done  ${(p.records / (p.ms / 1000)).toFixed(0).padStart(6)} records/s  rss ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MB`),
      onError: (err) => console.log(`  chunk failed, resolved one by one: ${(err as Error).message}`),
      onEstimate: (e) => console.log(`  model estimated first (EM, ${e.records.toLocaleString('en')} of ${e.total.toLocaleString('en')} pending records) in ${(e.ms / 1000).toFixed(1)} s: version ${e.version}`),
    });
    const secs = (performance.now() - t0) / 1000;

    const count = async (q: ReturnType<typeof sql<{ n: string }>>) => Number((await q.execute(db)).rows[0]!.n);
    const customers = await count(sql`SELECT count(*) AS n FROM customer`);
    const reviews = await count(sql`SELECT count(*) AS n FROM match_review`);
    const pending = await count(sql`SELECT count(*) AS n FROM source_record WHERE match_status = 'pending'`);
    const audits = await count(sql`SELECT count(*) AS n FROM audit_log`);
    // Pairwise precision and recall of the customers against the generator's entities.
    const rows = (await sql<{ record_key: string; customer_id: number }>`SELECT record_key, customer_id FROM source_record`.execute(db)).rows;
    const pairs = (m: Map<string, number>) => [...m.values()].reduce((n, k) => n + (k * (k - 1)) / 2, 0);
    const by = (f: (r: (typeof rows)[number]) => string) => rows.reduce((m, r) => m.set(f(r), (m.get(f(r)) ?? 0) + 1), new Map<string, number>());
    const tp = pairs(by((r) => `${r.customer_id}|${truth.get(r.record_key)}`));
    const precision = tp / pairs(by((r) => String(r.customer_id)));
    const recall = tp / pairs(by((r) => truth.get(r.record_key)!));
    const rss = process.resourceUsage().maxRSS / 1024;

    console.log(`\nresolve-bulk: ${ROWS.toLocaleString('en')} pending records, chunks of ${CHUNK.toLocaleString('en')}`);
    console.log(`total ${secs.toFixed(1)} s   ${(ROWS / secs).toFixed(0)} records/s   peak RSS ${rss.toFixed(0)} MB`);
    console.log(`outcome: ${s.matched.toLocaleString('en')} matched, ${s.created.toLocaleString('en')} created, ${s.review.toLocaleString('en')} to review; ${pending} still pending`);
    console.log(`customers ${customers.toLocaleString('en')}   review pairs ${reviews.toLocaleString('en')}   audit rows ${audits.toLocaleString('en')}`);
    console.log(`pairwise precision ${precision.toFixed(4)}   recall ${recall.toFixed(4)} (against the generator's entities)`);
    console.log(`one record at a time (~${PER_RECORD_MS} ms a record) would take ${((ROWS * PER_RECORD_MS) / 3_600_000).toFixed(1)} h: bulk is ${((ROWS * PER_RECORD_MS) / 1000 / secs).toFixed(0)}× faster`);
  } finally {
    await db.destroy();
  }
} finally {
  await h.stop();
}
