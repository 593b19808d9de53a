/**
 * `npm run bench -- api`: the 360° view and customer search over HTTP on a bank of 1,000,000 customers, against
 * pgbench running the same SQL the 360° view runs (the database's own limit on this machine: the better of 64 clients
 * and as many as the server's pool holds): in a closed loop at
 * 64 connections beside the cheapest signed-in request (the floor any request pays), then at an offered load of
 * 35 % of the pgbench rate.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import pg from 'pg';
import { createDb } from '../server/db/database.ts';
import { view360Sql } from '../server/modules/customers/customers.repository.ts';
import { AUDIT_CHAINS, auditReadCtes } from '../server/platform/audit.ts';
import { defaultPoolSize } from '../server/config.ts';
import { benchDatabase, CONNECTIONS, CUSTOMERS, ensureDemoBank, runLoad, SECONDS, prewarm, runPaced, serverSettings, signIn, startBanyan } from './lib.ts';

const PORT = 3170;
/** The server's pool, as `banyan start` sizes it. */
const POOL = Number(process.env.BANYAN_DB_POOL) || defaultPoolSize();

async function sampleBank(url: string) {
  const { db } = createDb(url, 2);
  const accounts = Number((await sql<{ n: string }>`SELECT count(*) AS n FROM account`.execute(db)).rows[0]!.n);
  const sample = await sql<{ customer_no: string; name: string; name_initials: string; mobile: string | null }>`
    SELECT c.customer_no, c.name, c.name_initials,
      (SELECT value FROM customer_contact x WHERE x.customer_id = c.id AND x.kind = 'mobile' LIMIT 1) AS mobile
    FROM customer c TABLESAMPLE SYSTEM (1) WHERE NOT c.deleted LIMIT 2000`.execute(db);
  const readAudit = auditReadCtes({ userId: null, username: 'pgbench', ip: '127.0.0.1' }, {
    action: 'read', entity: 'customer', entityId: '$CNO$', fields: ['profile', 'identities', 'contacts', 'addresses', 'accounts', 'keyPersons'], changes: { masked: true },
  }, 'cu');
  const compiled = view360Sql('$CNO$', { id: 0, orgId: 0, orgPath: '/', dataScope: 'all' }, readAudit).compile(db);
  await db.destroy();
  return { accounts, sample: sample.rows, view360: compiled };
}

/**
 * pgbench running the 360° view's statement, which also appends the read's audit row, as the app runs it: as a
 * prepared statement (the app's too is one, planned once per connection), so the rate is the database's own.
 */
function pgbench(url: string, compiled: { sql: string; parameters: readonly unknown[] }, clients: number) {
  const u = new URL(url);
  const literal = (v: unknown): string => {
    if (v === '$CNO$') return '(:n)::text';
    if (v === null || v === undefined) return 'NULL';
    if (typeof v === 'number') return String(v);
    const quote = (t: string) => `'${t.replace(/'/g, "''")}'`;
    // pgbench reads `:name` as a variable, inside literals too: a colon ends a literal, the rest is concatenated.
    const text = (t: string) => (t.includes(':') ? `(${t.split(/(?<=:)/).map(quote).join(' || ')})` : quote(t));
    if (v instanceof Date) return `${text(v.toISOString())}::timestamptz`;
    if (Array.isArray(v)) return text(`{${v.join(',')}}`);
    return text(String(v));
  };
  const view = compiled.sql
    .replace(/\$(\d+)/g, (_m, k) => literal(compiled.parameters[Number(k) - 1]))
    // Chains N…2N-1 stand in for the real 0…N-1: the same contention, without touching the real chains.
    .replace(`(txid_current() % ${AUDIT_CHAINS})::int`, `(${AUDIT_CHAINS} + txid_current() % ${AUDIT_CHAINS})::int`);
  if (!view.includes(`${AUDIT_CHAINS} + txid_current()`)) throw new Error('the audit chain choice in the 360° SQL changed: update bench/api.ts');
  const script = [
    `\\set n random(100000001, ${100000000 + CUSTOMERS})`,
    // One line per command for pgbench: comments go first (a line comment would swallow the rest, and pgbench would
    // read the prepare marker's `:name` as a variable).
    `${view.replace(/\/\*.*?\*\//g, '').replace(/--[^\n]*/g, '').replace(/\s+/g, ' ')};`,
  ].join('\n');
  const file = path.join(os.tmpdir(), 'banyan-bench-360.sql');
  fs.writeFileSync(file, script);
  const r = spawnSync('pgbench', ['-n', '-h', u.hostname, '-p', u.port || '5432', '-U', decodeURIComponent(u.username), '-M', 'prepared', '-c', String(clients), '-j', String(Math.min(2, clients)), '-T', String(SECONDS), '-f', file, u.pathname.slice(1)], {
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
    console.log(`bank: ${CUSTOMERS} customers, ${accounts} accounts; ${CONNECTIONS} connections, ${SECONDS} s per run, ${os.cpus().length} cores`);
    console.log(`${await serverSettings(dbh.url)}\n`);

    // 1. The database's own limit, first (the rate-limited runs below are a share of it), with nothing else running.
    await prewarm(dbh.url);
    const c = new pg.Client({ connectionString: dbh.url });
    await c.connect();
    await c.query(`INSERT INTO audit_chain_head (chain, last_hash) SELECT g, sha256('x') FROM generate_series(${AUDIT_CHAINS}, ${2 * AUDIT_CHAINS - 1}) g ON CONFLICT DO NOTHING`);
    // Dirty pages a fresh load left behind would be written out during the measurement (a run right after loading the
    // bank measured 510 tps, the next one 840).
    await c.query('CHECKPOINT').catch(() => {});
    // At the HTTP side's 64 connections, and at as many as the server's pool holds (more statements at once than the
    // cores can run contend inside PostgreSQL, and more so without huge pages): the higher rate is the database's own limit.
    const atConnections = pgbench(dbh.url, view360, CONNECTIONS);
    const atPool = pgbench(dbh.url, view360, POOL);
    const limit = atPool.tps > atConnections.tps ? atPool : atConnections;
    // pgbench's rows live on chains no verification reads; take them out again.
    await c.query(`ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update`);
    await c.query(`DELETE FROM audit_log WHERE chain >= ${AUDIT_CHAINS}`);
    await c.query(`ALTER TABLE audit_log ENABLE TRIGGER audit_log_no_update`);
    await c.query(`DELETE FROM audit_chain_head WHERE chain >= ${AUDIT_CHAINS}`);
    await c.end();
    for (const [r, n] of [[atConnections, CONNECTIONS], [atPool, POOL]] as const) {
      console.log(`pgbench 360° SQL ${r.tps.toFixed(0).padStart(5)} tps     avg ${r.lat.toFixed(1)} ms   (the same statement, prepared, audit append included, ${n} clients)`);
    }
    console.log(`the database's limit: ${limit.tps.toFixed(0)} tps; the server's pool holds ${POOL} connections (BANYAN_DB_POOL)\n`);

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
    await prewarm(dbh.url);
    await runLoad('warm-up', PORT, as(viewPaths.slice(0, 200)));

    // 2. Closed loop (each connection asks again as soon as it is answered): the capacity, and its latency.
    //    The floor: the cheapest signed-in request (session lookup, no customer data) at the same connections.
    console.log(`\nclosed loop, ${CONNECTIONS} connections:`);
    const floor = await runLoad('floor /api/auth/me', PORT, as(['/api/auth/me']));
    const view = await runLoad('360° view', PORT, as(viewPaths));
    const search = await runLoad('search', PORT, as(searchPaths));

    // 3. 35 % of the database's rate offered at even intervals over the same connections: the latency at that load.
    const rate = 0.35 * limit.tps;
    console.log(`\noffered load, ${rate.toFixed(0)} req/s at even intervals (35 % of the pgbench rate) over at most ${CONNECTIONS} connections:`);
    const viewAt = await runPaced('360° view', PORT, as(viewPaths), CONNECTIONS, rate);
    const searchAt = await runPaced('search', PORT, as(searchPaths), CONNECTIONS, rate);
    await server.stop();
    server = undefined;

    console.log(`\n360° view: closed loop ${(view.rps / limit.tps * 100).toFixed(0)} % of the pgbench rate (target ≥ 35 %; ${(view.rps / atConnections.tps * 100).toFixed(0)} % of pgbench at ${CONNECTIONS} clients), p99 ${view.p99.toFixed(1)} ms (target ≤ 50 ms); at 35 % of it p99 ${viewAt.p99.toFixed(1)} ms`);
    console.log(`search:    closed loop ${search.rps.toFixed(0)} req/s, p95 ${search.p95.toFixed(1)} ms (target ≤ 30 ms); at ${rate.toFixed(0)} req/s p95 ${searchAt.p95.toFixed(1)} ms`);
    // Little's law: at a fixed number of connections the mean latency is the connections over the rate.
    console.log(`floor:     the cheapest signed-in request, ${floor.rps.toFixed(0)} req/s closed loop, p99 ${floor.p99.toFixed(1)} ms; p99 ≤ 50 ms at ${CONNECTIONS} connections in a closed loop needs more than ${(CONNECTIONS / 0.05).toFixed(0)} req/s`);
  } finally {
    await server?.stop();
    await dbh.stop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
