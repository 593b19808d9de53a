/**
 * `npm run bench -- api`: the 360° view and customer search over HTTP on a bank of 1,000,000 customers,
 * against pgbench running the same SQL the 360° view runs (the database's own limit on this machine).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import { sql } from 'kysely';
import pg from 'pg';
import { createDb } from '../server/db/database.ts';
import { startEmbedded } from '../server/db/embedded.ts';
import { migrateToLatest } from '../server/db/migrate.ts';
import { view360Sql } from '../server/modules/customers/customers.repository.ts';
import { loadDemoBank } from '../server/modules/demo/demo.service.ts';

const CUSTOMERS = Number(process.env.BENCH_CUSTOMERS ?? 1_000_000);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 20);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 64);
const PORT = 3170;
const DEMO_PASSWORD = 'Banyan@2026';
const root = path.resolve(import.meta.dirname, '..');

function withDatabase(url: string, database: string) {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

async function database(): Promise<{ url: string; stop: () => Promise<void> }> {
  if (process.env.DATABASE_URL) {
    const admin = new pg.Client({ connectionString: process.env.DATABASE_URL });
    await admin.connect();
    const exists = await admin.query(`SELECT 1 FROM pg_database WHERE datname = 'banyan_bench'`);
    if (!exists.rowCount) await admin.query('CREATE DATABASE banyan_bench');
    await admin.end();
    return { url: withDatabase(process.env.DATABASE_URL, 'banyan_bench'), stop: async () => {} };
  }
  return startEmbedded(path.join(root, 'bench/.data'), 54399);
}

async function ensureBank(url: string) {
  const { db, pool } = createDb(url, 4);
  await migrateToLatest(db);
  const n = Number((await sql<{ n: string }>`SELECT count(*) AS n FROM customer`.execute(db)).rows[0].n);
  if (n !== CUSTOMERS) {
    if (n > 0) throw new Error(`banyan_bench holds ${n} customers, not ${CUSTOMERS}: drop it (DROP DATABASE banyan_bench) or set BENCH_CUSTOMERS=${n}`);
    console.log(`loading the demo bank: ${CUSTOMERS} customers …`);
    const t0 = Date.now();
    await loadDemoBank(db, pool, { customers: CUSTOMERS, onProgress: (d: number, t: number) => process.stdout.write(`\r  ${d}/${t}`) });
    console.log(`\n  loaded in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  }
  const accounts = Number((await sql<{ n: string }>`SELECT count(*) AS n FROM account`.execute(db)).rows[0].n);
  const sample = await sql<{ customer_no: string; name: string; name_initials: string; mobile: string | null }>`
    SELECT c.customer_no, c.name, c.name_initials,
      (SELECT value FROM customer_contact x WHERE x.customer_id = c.id AND x.kind = 'mobile' LIMIT 1) AS mobile
    FROM customer c TABLESAMPLE SYSTEM (1) WHERE NOT c.deleted LIMIT 2000`.execute(db);
  const compiled = view360Sql('$CNO$', { id: 0, orgId: 0, orgPath: '/', dataScope: 'all' }).compile(db);
  await db.destroy();
  return { accounts, sample: sample.rows, view360: compiled };
}

function percentile(sorted: number[], p: number) {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] : NaN;
}

async function load(name: string, cookie: string, paths: string[]) {
  const times: number[] = [];
  let errors = 0;
  let i = 0;
  const res = await new Promise<autocannon.Result>((resolve, reject) => {
    const inst = autocannon({
      url: `http://127.0.0.1:${PORT}`,
      connections: CONNECTIONS,
      duration: SECONDS,
      headers: { cookie },
      requests: [{ method: 'GET', setupRequest: (req) => ({ ...req, path: paths[i++ % paths.length] }) }],
    }, (err, result) => (err ? reject(err) : resolve(result)));
    inst.on('response', (_c, status, _b, ms) => {
      if (status !== 200) errors++;
      times.push(ms);
    });
  });
  times.sort((a, b) => a - b);
  const rps = res.requests.total / SECONDS;
  const out = { name, rps, p50: percentile(times, 50), p95: percentile(times, 95), p99: percentile(times, 99), errors: errors + res.errors + res.non2xx };
  console.log(`${name.padEnd(14)} ${rps.toFixed(0).padStart(7)} req/s   p50 ${out.p50.toFixed(1)} ms   p95 ${out.p95.toFixed(1)} ms   p99 ${out.p99.toFixed(1)} ms   errors ${out.errors}`);
  return out;
}

/** pgbench with the 360° view's SQL and its audit append, as one transaction per view. */
function pgbench(url: string, compiled: { sql: string; parameters: readonly unknown[] }) {
  const u = new URL(url);
  const view = compiled.sql.replace(/\$(\d+)/g, (_m, k) => {
    const v = compiled.parameters[Number(k) - 1];
    return v === '$CNO$' ? '(:n)::text' : typeof v === 'number' ? String(v) : `'${String(v).replace(/'/g, "''")}'`;
  });
  const script = [
    `\\set n random(100000001, ${100000000 + CUSTOMERS})`,
    'BEGIN;',
    `${view.replace(/\s+/g, ' ')};`,
    // Chains 16–31 stand in for the real 0–15: the same contention, without touching the real chains.
    `UPDATE audit_chain_head SET last_seq = last_seq + 1 WHERE chain = 16 + (txid_current() % 16)::int RETURNING chain AS ch, last_seq AS seq \\gset`,
    `INSERT INTO audit_log (chain, seq, at, actor_id, actor_name, action, entity, entity_id, customer_id, fields, changes, ip, prev_hash, hash) VALUES (:ch, :seq, now(), NULL, 'pgbench', 'read', 'customer', (:n)::text, NULL, '{profile,identities,contacts,addresses,accounts,keyPersons}', '{"masked":true}', '127.0.0.1', sha256('a'), sha256('b'));`,
    `UPDATE audit_chain_head SET last_hash = sha256('b') WHERE chain = :ch;`,
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
  const dbh = await database();
  let server: ChildProcess | undefined;
  try {
    const { accounts, sample, view360 } = await ensureBank(dbh.url);
    console.log(`bank: ${CUSTOMERS} customers, ${accounts} accounts; ${CONNECTIONS} connections, ${SECONDS} s per run, ${os.cpus().length} cores\n`);
    server = spawn(process.execPath, [path.join(root, 'cli/banyan.mjs'), 'start'], {
      env: { ...process.env, DATABASE_URL: dbh.url, PORT: String(PORT), LOG_LEVEL: 'warn', BANYAN_ADMIN_PASSWORD: 'bench-admin-pw1' },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    for (let t = 0; ; t++) {
      try {
        if ((await fetch(`http://127.0.0.1:${PORT}/api/health`)).ok) break;
      } catch { /* not up yet */ }
      if (t > 120) throw new Error('the server did not start');
      await new Promise((r) => setTimeout(r, 500));
    }
    const login = await fetch(`http://127.0.0.1:${PORT}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'hq_manager', password: DEMO_PASSWORD }) });
    if (!login.ok) throw new Error(`login failed: ${await login.text()}`);
    const cookie = login.headers.get('set-cookie')!.split(';')[0];

    const viewPaths = sample.map((s) => `/api/customers/${s.customer_no}`);
    const searchPaths = sample.flatMap((s) => [
      `/api/customers?q=${encodeURIComponent(s.name)}`,
      `/api/customers?q=${s.name_initials}`,
      ...(s.mobile ? [`/api/customers?q=${s.mobile.slice(3)}`] : []),
      `/api/customers?q=${s.customer_no}`,
    ]);
    await load('warm-up', cookie, viewPaths.slice(0, 200));
    console.log('');
    const view = await load('360° view', cookie, viewPaths);
    const search = await load('search', cookie, searchPaths);
    server.kill('SIGTERM');
    await new Promise((r) => server!.once('exit', r));
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
    server?.kill('SIGTERM');
    await dbh.stop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
