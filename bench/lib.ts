/** Pieces the HTTP benchmarks share: the bench database, the demo bank in it, a Banyan server, autocannon runs. */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import autocannon from 'autocannon';
import { sql } from 'kysely';
import pg from 'pg';
import { createDb } from '../server/db/database.ts';
import { startEmbedded } from '../server/db/embedded.ts';
import { migrateToLatest } from '../server/db/migrate.ts';
import { loadDemoBank } from '../server/modules/demo/demo.service.ts';
import { JOBS } from '../server/jobs.ts';
import { newToken, SESSION_COOKIE, sha256 } from '../server/platform/auth.ts';

export const CUSTOMERS = Number(process.env.BENCH_CUSTOMERS ?? 1_000_000);
export const SECONDS = Number(process.env.BENCH_SECONDS ?? 20);
export const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 64);
export const DEMO_PASSWORD = 'Banyan@2026';
const root = path.resolve(import.meta.dirname, '..');

export function withDatabase(url: string, database: string) {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

/** Runs one statement on its own connection (CREATE/DROP DATABASE cannot run inside a pool's transaction). */
export async function adminQuery(url: string, statement: string) {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    await c.query(statement);
  } finally {
    await c.end();
  }
}

/**
 * The server settings the figures depend on, for the report: a PostgreSQL left at its 128 MB of shared
 * buffers reads a million-customer bank's pages from the OS cache on every request (the embedded one is
 * given a quarter of the memory; give an external one as much).
 */
export async function serverSettings(url: string): Promise<string> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const r = await c.query(`SELECT name, setting, unit FROM pg_settings WHERE name IN ('shared_buffers', 'max_connections', 'synchronous_commit') ORDER BY name`);
    const v = (await c.query('SHOW server_version')).rows[0].server_version as string;
    const show = (x: { name: string; setting: string; unit: string | null }) =>
      x.name === 'shared_buffers' ? `shared_buffers ${(Number(x.setting) * 8) / 1024} MB` : `${x.name} ${x.setting}`;
    const need = (await c.query(`SELECT setting FROM pg_settings WHERE name = 'shared_memory_size_in_huge_pages'`)).rows[0]?.setting as string | undefined;
    return `PostgreSQL ${v.split(' ')[0]}: ${r.rows.map(show).join(', ')}\n${hugePages(need === undefined ? null : Number(need))}`;
  } finally {
    await c.end();
  }
}

/**
 * Whether the machine has the 2 MB pages PostgreSQL's shared memory needs (it takes them by default, `huge_pages =
 * try`, when the OS has them reserved). Without them every new backend faults in each 4 kB page of shared buffers it
 * touches: on this machine's VM the 360° statement ran at 680–1,225 tps from 8 pgbench clients without and 2,200 with
 * them, 230–390 and 1,280–1,330 from 64 (bench/README.md). Read from this machine's /proc, so it is about this
 * machine's PostgreSQL: the bench's, unless DATABASE_URL names another host.
 */
function hugePages(need: number | null): string {
  let info: string;
  try {
    info = fs.readFileSync('/proc/meminfo', 'utf8');
  } catch {
    return 'huge pages: unknown (no /proc/meminfo)';
  }
  const n = (k: string) => Number(new RegExp(`^${k}:\\s+(\\d+)`, 'm').exec(info)?.[1] ?? 0);
  const total = n('HugePages_Total'), taken = total - n('HugePages_Free') + n('HugePages_Rsvd');
  const needs = need && need > 0 ? `, PostgreSQL's shared memory needs ${need}` : '';
  return total === 0
    ? `huge pages: none reserved${needs} (4 kB pages: slower, see bench/README.md)`
    : `huge pages: ${taken} of ${total} reserved 2 MB pages taken${needs}`;
}

/**
 * Reads every table and index of the bench database into the OS cache (pg_prewarm, 'read'), so the figures are
 * those of a server that has been running, not of pages the machine's memory reclaimer paged out while the
 * database sat idle (a timeline run on such pages measured a tenth of its warm rate, waiting on the disk).
 * BENCH_PREWARM=0 skips it.
 */
export async function prewarm(url: string): Promise<void> {
  if (process.env.BENCH_PREWARM === '0') return;
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const t0 = Date.now();
    await c.query('CREATE EXTENSION IF NOT EXISTS pg_prewarm');
    const r = await c.query(`SELECT coalesce(sum(pg_prewarm(c.oid, 'read')), 0) AS blocks FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = 'public' AND c.relkind IN ('r', 'i', 'm') AND c.relpersistence = 'p'`);
    console.log(`prewarmed ${((Number(r.rows[0].blocks) * 8) / 1024).toFixed(0)} MB into the OS cache in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  } finally {
    await c.end();
  }
}

/** `--fresh` on the command line: drop the bench database and load it again. */
export const FRESH = process.argv.includes('--fresh');

/**
 * The bench database `name` (BENCH_DB overrides it) on the DATABASE_URL server, created once and kept
 * between runs (loading the bank takes minutes), dropped first with `--fresh`; else an embedded server under bench/.data/.
 */
export async function benchDatabase(name = 'banyan_bench'): Promise<{ url: string; name: string; stop: () => Promise<void> }> {
  const database = process.env.BENCH_DB ?? name;
  if (!/^[a-z_][a-z0-9_]*$/.test(database)) throw new Error(`bad bench database name: ${database}`);
  if (process.env.DATABASE_URL) {
    const admin = new pg.Client({ connectionString: process.env.DATABASE_URL });
    await admin.connect();
    if (FRESH) await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    const exists = await admin.query(`SELECT 1 FROM pg_database WHERE datname = $1`, [database]);
    if (!exists.rowCount) await admin.query(`CREATE DATABASE ${database}`);
    await admin.end();
    return { url: withDatabase(process.env.DATABASE_URL, database), name: database, stop: async () => {} };
  }
  const h = await startEmbedded(path.join(root, 'bench/.data'), 54399);
  return { ...h, name: 'postgres' };
}

/** Migrates the bench database and loads the demo bank with CUSTOMERS customers unless it is there already. */
export async function ensureDemoBank(url: string, name = 'banyan_bench'): Promise<void> {
  const { db, pool } = createDb(url, 4);
  try {
    await migrateToLatest(db);
    const n = Number((await sql<{ n: string }>`SELECT count(*) AS n FROM customer`.execute(db)).rows[0]!.n);
    if (n === CUSTOMERS) return;
    if (n > 0) throw new Error(`${name} holds ${n} customers, not ${CUSTOMERS}: run with --fresh or set BENCH_CUSTOMERS=${n}`);
    console.log(`loading the demo bank: ${CUSTOMERS} customers …`);
    const t0 = Date.now();
    await loadDemoBank(db, pool, { customers: CUSTOMERS, onProgress: (d: number, t: number) => process.stdout.write(`\r  ${d}/${t}`) });
    console.log(`\n  loaded in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  } finally {
    await db.destroy();
  }
}

/**
 * Starts `banyan start` against `url` on `port` and waits for its health check, then for the start-up
 * catch-up runs of the daily jobs (reminders, performance snapshots …), so they do not run inside a measurement.
 */
export async function startBanyan(url: string, port: number): Promise<{ stop: () => Promise<void> }> {
  const server: ChildProcess = spawn(process.execPath, [...(process.env.BENCH_NODE_ARGS?.split(' ').filter(Boolean) ?? []), path.join(root, 'cli/banyan.mjs'), 'start'], {
    env: { ...process.env, DATABASE_URL: url, PORT: String(port), LOG_LEVEL: 'warn', BANYAN_ADMIN_PASSWORD: 'bench-admin-pw1' },
    stdio: ['ignore', process.env.BENCH_SERVER_STDOUT ? 'inherit' : 'ignore', 'inherit'],
  });
  const stop = async () => {
    if (server.exitCode !== null) return;
    server.kill('SIGTERM');
    await new Promise((r) => server.once('exit', r));
  };
  for (let t = 0; ; t++) {
    try {
      if ((await fetch(`http://127.0.0.1:${port}/api/health`)).ok) {
        await startupJobsDone(url);
        return { stop };
      }
    } catch { /* not up yet */ }
    if (t > 240) {
      await stop();
      throw new Error('the server did not start');
    }
    await new Promise((r) => setTimeout(r, 500));
  }
}

async function startupJobsDone(url: string) {
  const names = JOBS.filter((j) => j.runAtStart).map((j) => j.name);
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  const pause = (ms: number) => new Promise((res) => setTimeout(res, ms));
  try {
    const t0 = Date.now();
    // Scheduled means the server has queued their start-up runs (or found them queued by a start minutes ago) …
    while (Number((await c.query(`SELECT count(*) AS n FROM pgboss.schedule WHERE name = ANY($1)`, [names])).rows[0].n) < names.length) await pause(500);
    await pause(2000);
    // … and nothing left waiting or running means they are done.
    while (Number((await c.query(`SELECT count(*) AS n FROM pgboss.job WHERE name = ANY($1) AND state IN ('created', 'retry', 'active')`, [names])).rows[0].n) > 0) await pause(1000);
    console.log(`start-up jobs (${names.join(', ')}) done in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  } finally {
    await c.end();
  }
}

/**
 * Session cookies for many users without the login route, whose rate limit (30 a minute per address)
 * would cap a bench at a handful of users: a session row per user, exactly as a sign-in writes it.
 */
export async function sessionsFor(url: string, usernames: string[]): Promise<Map<string, string>> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  const out = new Map<string, string>();
  try {
    for (const u of usernames) {
      const token = newToken();
      const r = await c.query(`INSERT INTO session (id_hash, user_id, expires_at, ip, user_agent)
        SELECT $1, id, now() + interval '8 hours', '127.0.0.1', 'bench' FROM app_user WHERE username = $2 AND status = 'active'`, [sha256(token), u]);
      if (r.rowCount) out.set(u, `${SESSION_COOKIE}=${token}`);
    }
  } finally {
    await c.end();
  }
  return out;
}

/** Signs in and returns the session cookie (`name=value`). */
export async function signIn(port: number, username: string, password = DEMO_PASSWORD): Promise<string> {
  const res = await fetch(`http://127.0.0.1:${port}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password }) });
  if (!res.ok) throw new Error(`login ${username} failed: ${await res.text()}`);
  return res.headers.get('set-cookie')!.split(';')[0]!;
}

export function percentile(sorted: number[], p: number) {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]! : NaN;
}

export type LoadResult = { name: string; rps: number; p50: number; p95: number; p99: number; errors: number };

/**
 * autocannon for SECONDS at CONNECTIONS, cycling through `requests` (path and the cookie to send): each connection
 * sends its next request as soon as the last one is answered (a closed loop: the machine's capacity).
 */
export async function runLoad(name: string, port: number, requests: { path: string; cookie: string }[], connections = CONNECTIONS): Promise<LoadResult> {
  const times: number[] = [];
  let errors = 0;
  let i = 0;
  const res = await new Promise<autocannon.Result>((resolve, reject) => {
    const inst = autocannon({
      url: `http://127.0.0.1:${port}`,
      connections,
      duration: SECONDS,
      requests: [{
        method: 'GET',
        setupRequest: (req) => {
          const r = requests[i++ % requests.length]!;
          return { ...req, path: r.path, headers: { ...req.headers, cookie: r.cookie } };
        },
      }],
    }, (err, result) => (err ? reject(err) : resolve(result)));
    inst.on('response', (_c, status, _b, ms) => {
      if (status !== 200) errors++;
      times.push(ms);
    });
  });
  times.sort((a, b) => a - b);
  const rps = res.requests.total / SECONDS;
  const out = { name, rps, p50: percentile(times, 50), p95: percentile(times, 95), p99: percentile(times, 99), errors: errors + res.errors };
  return report(out);
}

function report(out: LoadResult): LoadResult {
  console.log(`${out.name.padEnd(18)} ${out.rps.toFixed(0).padStart(7)} req/s   p50 ${out.p50.toFixed(1)} ms   p95 ${out.p95.toFixed(1)} ms   p99 ${out.p99.toFixed(1)} ms   errors ${out.errors}`);
  return out;
}

/**
 * An offered load: `rate` requests a second for SECONDS, sent at even intervals whether or not earlier ones were
 * answered, over at most `connections` keep-alive connections (a request finding them all busy waits for one).
 * Each latency counts from the moment its request was due, so waiting behind a slow one is measured too.
 * (autocannon's own rate limit sends each connection's share in a burst at the start of every second.)
 */
export async function runPaced(name: string, port: number, requests: { path: string; cookie: string }[], connections: number, rate: number): Promise<LoadResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: connections });
  const total = Math.round(rate * SECONDS);
  const times: number[] = [];
  let errors = 0;
  const t0 = performance.now();
  await new Promise<void>((resolve) => {
    let sent = 0;
    const finish = (due: number, ok: boolean) => {
      if (!ok) errors++;
      times.push(performance.now() - due);
      if (times.length === total) resolve();
    };
    const tick = () => {
      for (let due = t0 + (sent * 1000) / rate; sent < total && due <= performance.now(); due = t0 + (sent * 1000) / rate) {
        const r = requests[sent++ % requests.length]!;
        http.get({ host: '127.0.0.1', port, path: r.path, agent, headers: { cookie: r.cookie } }, (res) => {
          res.resume();
          res.on('end', () => finish(due, res.statusCode === 200));
        }).on('error', () => finish(due, false));
      }
      if (sent < total) setTimeout(tick, 1);
    };
    tick();
  });
  const seconds = (performance.now() - t0) / 1000;
  agent.destroy();
  times.sort((a, b) => a - b);
  return report({ name, rps: total / seconds, p50: percentile(times, 50), p95: percentile(times, 95), p99: percentile(times, 99), errors });
}
