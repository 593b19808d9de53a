/**
 * `npm run bench -- api`: the 360° view and customer search over HTTP on a bank of 1,000,000 customers,
 * against pgbench running the same SQL the 360° view runs (the database's own limit on this machine).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import pg from 'pg';
import { createDb } from '../server/db/database.ts';
import { view360Sql } from '../server/modules/customers/customers.repository.ts';
import { benchDatabase, CONNECTIONS, CUSTOMERS, ensureDemoBank, runLoad, SECONDS, signIn, startBanyan } from './lib.ts';

const PORT = 3170;

async function sampleBank(url: string) {
  const { db } = createDb(url, 2);
  const accounts = Number((await sql<{ n: string }>`SELECT count(*) AS n FROM account`.execute(db)).rows[0]!.n);
  const sample = await sql<{ customer_no: string; name: string; name_initials: string; mobile: string | null }>`
    SELECT c.customer_no, c.name, c.name_initials,
      (SELECT value FROM customer_contact x WHERE x.customer_id = c.id AND x.kind = 'mobile' LIMIT 1) AS mobile
    FROM customer c TABLESAMPLE SYSTEM (1) WHERE NOT c.deleted LIMIT 2000`.execute(db);
  const compiled = view360Sql('$CNO$', { id: 0, orgId: 0, orgPath: '/', dataScope: 'all' }).compile(db);
  await db.destroy();
  return { accounts, sample: sample.rows, view360: compiled };
}

/**
 * pgbench with the 360° view's SQL and its audit append, as one transaction per view. pgbench runs it in
 * simple protocol, planning each time, while the app runs it as a prepared statement: the ratio flatters the
 * app by the planning cost, so read the absolute figures too.
 */
function pgbench(url: string, compiled: { sql: string; parameters: readonly unknown[] }) {
  const u = new URL(url);
  const view = compiled.sql.replace(/\$(\d+)/g, (_m, k) => {
    const v = compiled.parameters[Number(k) - 1];
    return v === '$CNO$' ? '(:n)::text' : typeof v === 'number' ? String(v) : `'${String(v).replace(/'/g, "''")}'`;
  });
  const script = [
    `\\set n random(100000001, ${100000000 + CUSTOMERS})`,
    'BEGIN;',
    // One line per command for pgbench: SQL line comments go first, or they would swallow the rest.
    `${view.replace(/--[^\n]*/g, '').replace(/\s+/g, ' ')};`,
    // Chains 16–31 stand in for the real 0–15: the same contention, without touching the real chains.
    // The app's audit append (server/platform/audit.ts): head advanced, content hashed and row inserted in one statement.
    `WITH h AS (UPDATE audit_chain_head SET last_seq = last_seq + 1, prev_hash = last_hash, last_hash = sha256(last_hash || convert_to('[' || chain || ',' || (last_seq + 1) || ',' || '"pgbench",null]', 'UTF8')) WHERE chain = 16 + (txid_current() % 16)::int RETURNING chain, last_seq, prev_hash, last_hash) INSERT INTO audit_log (chain, seq, at, actor_id, actor_name, action, entity, entity_id, customer_id, fields, changes, ip, prev_hash, hash) SELECT chain, last_seq, now(), NULL, 'pgbench', 'read', 'customer', (:n)::text, NULL, '{profile,identities,contacts,addresses,accounts,keyPersons}', '{"masked":true}', '127.0.0.1', prev_hash, last_hash FROM h;`,
    'COMMIT;',
  ].join('\n');
  const file = path.join(os.tmpdir(), 'banyan-bench-360.sql');
  fs.writeFileSync(file, script);
  const r = spawnSync('pgbench', ['-n', '-h', u.hostname, '-p', u.port || '5432', '-U', decodeURIComponent(u.username), '-c', String(CONNECTIONS), '-j', '2', '-T', String(SECONDS), '-f', file, u.pathname.slice(1)], {
    env: { ...process.env, PGPASSWORD: decodeURIComponent(u.password) },
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`pgbench failed: ${r.stderr}`);
  const tps = Number(/tps = ([\d.]+)/.exec(r.stdout)?.[1]);
  const lat = Number(/latency average = ([\d.]+) ms/.exec(r.stdout)?.[1]);
  return { tps, lat };
}

async function main() {
  if (spawnSync('pgbench', ['--version']).status !== 0) throw new Error('pgbench is not installed (apt-get install postgresql-client)');
  const dbh = await benchDatabase();
  let server: { stop: () => Promise<void> } | undefined;
  try {
    await ensureDemoBank(dbh.url, dbh.name);
    const { accounts, sample, view360 } = await sampleBank(dbh.url);
    console.log(`bank: ${CUSTOMERS} customers, ${accounts} accounts; ${CONNECTIONS} connections, ${SECONDS} s per run, ${os.cpus().length} cores\n`);
    server = await startBanyan(dbh.url, PORT);
    const cookie = await signIn(PORT, 'hq_manager');
    const as = (paths: string[]) => paths.map((p) => ({ path: p, cookie }));

    const viewPaths = sample.map((s) => `/api/customers/${s.customer_no}`);
    const searchPaths = sample.flatMap((s) => [
      `/api/customers?q=${encodeURIComponent(s.name)}`,
      `/api/customers?q=${s.name_initials}`,
      ...(s.mobile ? [`/api/customers?q=${s.mobile.slice(3)}`] : []),
      `/api/customers?q=${s.customer_no}`,
    ]);
    await runLoad('warm-up', PORT, as(viewPaths.slice(0, 200)));
    console.log('');
    const view = await runLoad('360° view', PORT, as(viewPaths));
    const search = await runLoad('search', PORT, as(searchPaths));
    await server.stop();
    server = undefined;

    const c = new pg.Client({ connectionString: dbh.url });
    await c.connect();
    await c.query(`INSERT INTO audit_chain_head (chain, last_hash) SELECT g, sha256('x') FROM generate_series(16, 31) g ON CONFLICT DO NOTHING`);
    const limit = pgbench(dbh.url, view360);
    // pgbench's rows live on chains no verification reads; take them out again.
    await c.query(`ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update`);
    await c.query(`DELETE FROM audit_log WHERE chain >= 16`);
    await c.query(`ALTER TABLE audit_log ENABLE TRIGGER audit_log_no_update`);
    await c.query(`DELETE FROM audit_chain_head WHERE chain >= 16`);
    await c.end();
    console.log(`pgbench 360° SQL ${limit.tps.toFixed(0).padStart(5)} tps     avg ${limit.lat.toFixed(1)} ms   (same SQL + audit append, ${CONNECTIONS} clients)\n`);
    console.log(`360° view: ${(view.rps / limit.tps * 100).toFixed(0)} % of the pgbench rate (target ≥ 35 %), p99 ${view.p99.toFixed(1)} ms (target ≤ 50 ms)`);
    console.log(`search:    p95 ${search.p95.toFixed(1)} ms (target ≤ 30 ms), ${search.rps.toFixed(0)} req/s`);
  } finally {
    await server?.stop();
    await dbh.stop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
