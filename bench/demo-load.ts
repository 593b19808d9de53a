/**
 * `npm run bench -- demo-load`: loads the demo bank (default 1,000,000 customers) into a fresh database
 * and compares it with the database's own limit: a raw COPY of the very same rows, already
 * generated, into an empty schema (secondary indexes and foreign keys rebuilt afterwards, as the
 * loader does). Options (environment): BENCH_CUSTOMERS, BENCH_SEED; DATABASE_URL picks the server
 * (otherwise an embedded PostgreSQL under bench/.data/). Its scratch databases are dropped at the end.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';
import { createDb } from '../server/db/database.ts';
import { startEmbedded } from '../server/db/embedded.ts';
import { migrateToLatest } from '../server/db/migrate.ts';
import * as repo from '../server/modules/demo/demo.repository.ts';
import { loadDemoBank } from '../server/modules/demo/demo.service.ts';
import { adminQuery, withDatabase } from './lib.ts';

const CUSTOMERS = Number(process.env.BENCH_CUSTOMERS ?? 1_000_000);
const SEED = Number(process.env.BENCH_SEED ?? 42);
const root = path.resolve(import.meta.dirname, '..');

async function server(): Promise<{ url: string; stop: () => Promise<void> }> {
  if (process.env.DATABASE_URL) return { url: process.env.DATABASE_URL, stop: async () => {} };
  return startEmbedded(path.join(root, 'bench/.data'), 54398);
}

async function freshDatabase(url: string, name: string) {
  await adminQuery(url, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await adminQuery(url, `CREATE DATABASE ${name}`);
  const h = createDb(withDatabase(url, name), 4);
  await migrateToLatest(h.db);
  return h;
}

const seconds = (t0: number) => (performance.now() - t0) / 1000;

async function main() {
  const srv = await server();
  const dumpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'banyan-demo-bench-'));
  try {
    console.log(`demo bank: ${CUSTOMERS.toLocaleString('en')} customers, seed ${SEED}, ${os.cpus().length} cores\n`);

    // 1. The loader, end to end: generation, COPY, index/foreign-key rebuild, ANALYZE.
    const a = await freshDatabase(srv.url, 'banyan_bench_demo');
    let t0 = performance.now();
    let lastPct = -1;
    const r = await loadDemoBank(a.db, a.pool, {
      customers: CUSTOMERS, seed: SEED,
      onProgress: (done, total) => {
        const pct = Math.floor((done / total) * 100);
        if (pct !== lastPct && pct % 10 === 0) {
          lastPct = pct;
          process.stdout.write(`\r  ${done.toLocaleString('en')} customers, ${seconds(t0).toFixed(0)} s`);
        }
      },
    });
    const load = seconds(t0);
    console.log(`\nloader:  ${load.toFixed(1)} s  →  ${(CUSTOMERS / load).toFixed(0)} customers/s; ${r.accounts.toLocaleString('en')} accounts, ${r.balances.toLocaleString('en')} month-end balances`);

    // 2. The limit: the same rows, dumped, then copied raw into an empty schema.
    const rows: Record<string, number> = {};
    const client = await a.pool.connect();
    for (const part of repo.COPY_ORDER) {
      const { table, columns } = repo.COPY_TARGETS[part];
      rows[table] = Number((await client.query(`SELECT count(*) AS n FROM ${table}`)).rows[0].n);
      await pipeline(client.query(copyTo(`COPY ${table} (${columns.join(', ')}) TO STDOUT`)), fs.createWriteStream(path.join(dumpDir, table)));
    }
    client.release();
    await a.db.destroy();
    await adminQuery(srv.url, 'DROP DATABASE banyan_bench_demo WITH (FORCE)');

    const b = await freshDatabase(srv.url, 'banyan_bench_demo_raw');
    let copy = 0;
    let rebuild = 0;
    await repo.inLoadTransaction(b.pool, async (c, trx) => {
      await seedParents(c);
      const indexes = await repo.listSecondaryIndexes(trx);
      const fks = await repo.listForeignKeys(trx);
      await repo.dropForeignKeys(trx, fks);
      await repo.dropIndexes(trx, indexes);
      t0 = performance.now();
      for (const part of repo.COPY_ORDER) {
        const { table, columns } = repo.COPY_TARGETS[part];
        await pipeline(fs.createReadStream(path.join(dumpDir, table)), c.query(copyFrom(`COPY ${table} (${columns.join(', ')}) FROM STDIN`)));
      }
      copy = seconds(t0);
      t0 = performance.now();
      await repo.createIndexes(trx, indexes);
      await repo.addForeignKeys(trx, fks);
      rebuild = seconds(t0);
    });
    await b.db.destroy();
    await adminQuery(srv.url, 'DROP DATABASE banyan_bench_demo_raw WITH (FORCE)');

    const total = Object.values(rows).reduce((s, n) => s + n, 0);
    console.log(`raw COPY of the same ${total.toLocaleString('en')} rows: ${copy.toFixed(1)} s (${(total / copy / 1000).toFixed(0)}k rows/s) + ${rebuild.toFixed(1)} s index/foreign-key rebuild = ${(copy + rebuild).toFixed(1)} s`);
    console.log(`  rows: ${Object.entries(rows).map(([t, n]) => `${t} ${n.toLocaleString('en')}`).join(', ')}`);
    console.log(`\nthe loader takes ${(load / (copy + rebuild)).toFixed(2)}× the raw COPY time (${(((copy + rebuild) / load) * 100).toFixed(0)} % of the limit)`);
  } finally {
    fs.rmSync(dumpDir, { recursive: true, force: true });
    await srv.stop();
  }
}

/** The raw copy needs the rows customers and accounts refer to: the demo org tree and users. */
async function seedParents(c: pg.PoolClient) {
  await c.query(`INSERT INTO org_unit (id, parent_id, code, name, kind, path)
    SELECT g, CASE WHEN g = 1 THEN NULL ELSE 1 END, 'O' || g, 'O' || g, CASE WHEN g = 1 THEN 'head' ELSE 'branch' END,
           CASE WHEN g = 1 THEN '/1/' ELSE '/1/' || g || '/' END
    FROM generate_series(1, 200) g`);
  await c.query(`INSERT INTO app_user (id, username, display_name, password_hash, org_id, role_id)
    SELECT g, 'u' || g, 'u' || g, '-', 1, (SELECT min(id) FROM role) FROM generate_series(1, 500) g`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
