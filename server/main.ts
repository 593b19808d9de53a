import type { FastifyInstance } from 'fastify';
import type pg from 'pg';
import { buildApp } from './app.ts';
import type { Config } from './config.ts';
import { createDb, warmPool, type Db } from './db/database.ts';
import { startEmbedded } from './db/embedded.ts';
import { migrateToLatest } from './db/migrate.ts';
import { ensureAdmin } from './modules/admin/admin.bootstrap.ts';
import { countCustomers } from './modules/admin/admin.repository.ts';
import { JOBS } from './jobs.ts';
import { startJobs } from './platform/jobs.ts';
import { SYSTEM_ACTOR, auditReadCtes } from './platform/audit.ts';
import { sessionUserSql } from './platform/auth.ts';
import type { DataScope } from './platform/permissions.ts';
import { view360Sql } from './modules/customers/customers.repository.ts';

export type Runtime = { db: Db; pool: pg.Pool; url: string; embedded: boolean; close: () => Promise<void> };

export type OpenOptions = {
  poolSize?: number;
  /** Keep idle connections (the server's pool; see createDb). */
  keep?: boolean;
  /** Use the embedded database if a running Banyan has it open already (CLI commands), rather than refuse. */
  attach?: boolean;
};

/** Opens the database (embedded unless DATABASE_URL is set) and brings its schema up to date. */
export async function openDatabase(config: Config, log: (m: string) => void, { poolSize = 20, keep = false, attach = false }: OpenOptions = {}): Promise<Runtime> {
  const emb = config.databaseUrl ? undefined : await startEmbedded(config.home, config.embeddedPort, { sharedBuffersMb: config.embeddedSharedBuffersMb, attach });
  if (emb?.attached) log(`using the embedded PostgreSQL the running Banyan started (port ${config.embeddedPort})`);
  const url = config.databaseUrl ?? emb!.url;
  const { db, pool } = createDb(url, poolSize, keep);
  try {
    const applied = await migrateToLatest(db);
    if (applied.length) log(`migrations applied: ${applied.join(', ')}`);
  } catch (err) {
    await db.destroy();
    await emb?.stop();
    throw err;
  }
  return {
    db, pool, url, embedded: !!emb,
    close: async () => {
      await db.destroy();
      await emb?.stop();
    },
  };
}

/**
 * The statements nearly every request runs, compiled as the app sends them, for warmPool: the session lookup and the
 * 360° view for each kind of data scope (for a customer number that does not exist: it reads and audits nothing).
 */
export function hotStatements(db: Db) {
  const audit = auditReadCtes(SYSTEM_ACTOR, { action: 'read', entity: 'customer', entityId: '', fields: [] }, 'cu');
  const scopes: DataScope[] = ['own', 'org', 'subtree', 'all'];
  return [
    sessionUserSql('').compile(db),
    ...scopes.map((dataScope) => view360Sql('', { id: 0, orgId: 0, orgPath: '/', dataScope }, audit).compile(db)),
  ];
}

/** `banyan start`: database → migrate → admin → (demo bank on a new embedded database) → warm the pool → listen. */
export async function startServer(config: Config): Promise<{ app: FastifyInstance; stop: () => Promise<void> }> {
  const say = (m: string) => console.log(`[banyan] ${m}`);
  say(config.databaseUrl ? 'using the database at DATABASE_URL' : `starting the embedded PostgreSQL (data in ${config.home})`);
  const rt = await openDatabase(config, say, { keep: true, poolSize: config.dbPoolSize });
  const { db } = rt;
  if (rt.embedded && config.demoCustomers > 0 && (await countCustomers(db)) === 0) {
    say(`loading the demo bank (${config.demoCustomers} customers) — first start only`);
    const { loadDemoBank } = await import('./modules/demo/demo.service.ts');
    let last = 0;
    await loadDemoBank(db, rt.pool, {
      customers: config.demoCustomers,
      onProgress: (done: number, total: number) => {
        const pct = Math.floor((done / total) * 100);
        if (pct >= last + 20 || done === total) {
          last = pct;
          say(`  demo bank: ${done}/${total} customers`);
        }
      },
    });
  }
  const admin = await ensureAdmin(db, config.adminPassword);
  if (admin.generatedPassword) {
    say('');
    say(`  the initial administrator is "admin" with password: ${admin.generatedPassword}`);
    say('  (shown once; set BANYAN_ADMIN_PASSWORD before the first start to choose it)');
    say('');
  }
  const app = await buildApp({ config, db, pool: rt.pool, logger: { level: config.logLevel } });
  await warmPool(rt.pool, config.dbPoolSize, hotStatements(db));
  await app.listen({ port: config.port, host: config.host });
  // Scheduled work (reminders, SLA checks …): queues and schedules live in the database.
  const jobs = await startJobs(rt.url, db, JOBS, say);
  say(`Banyan is running at http://${config.host === '0.0.0.0' ? '127.0.0.1' : config.host}:${config.port}/`);
  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      say('stopping…');
      // Every step runs even if one before it failed, so the database is always stopped; the first error is reported.
      const errors: unknown[] = [];
      for (const step of [() => app.close(), () => jobs.stop(), () => rt.close()]) {
        try {
          await step();
        } catch (err) {
          console.error('[banyan] while stopping:', err);
          errors.push(err);
        }
      }
      if (errors.length) throw errors[0];
      say('stopped');
    })());
  return { app, stop };
}
