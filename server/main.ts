import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import type pg from 'pg';
import { buildApp } from './app.ts';
import { StartupError, type Config } from './config.ts';
import { createDb, warmPool, type Db } from './db/database.ts';
import { ensureDir, homeError, startEmbedded } from './db/embedded.ts';
import { checkSchema, migrateToLatest } from './db/migrate.ts';
import { ensureAdmin } from './modules/admin/admin.bootstrap.ts';
import { countCustomers } from './modules/admin/admin.repository.ts';
import { JOBS } from './jobs.ts';
import { startJobs } from './platform/jobs.ts';
import { SYSTEM_ACTOR, auditReadCtes } from './platform/audit.ts';
import { sessionUserSql } from './platform/auth.ts';
import type { DataScope } from './platform/permissions.ts';
import { view360Sql } from './modules/customers/customers.repository.ts';
import { stopLoads } from './modules/interfaces/interfaces.loader.ts';

export type Runtime = {
  db: Db; pool: pg.Pool; url: string; embedded: boolean;
  close: () => Promise<void>;
  /** Interrupted (a signal): stop the embedded database first — its fast shutdown ends running statements — then the pool. */
  abort: () => Promise<void>;
};

export type OpenOptions = {
  poolSize?: number;
  /** Keep idle connections (the server's pool; see createDb). */
  keep?: boolean;
  /** Use the embedded database if a running Banyan has it open already (CLI commands), rather than refuse. */
  attach?: boolean;
  /** Initialise a new embedded database if there is none (default); commands that need an existing one say false. */
  create?: boolean;
  /** Bring the schema up to date (default); false: refuse a schema that is missing, behind or ahead (checkSchema). */
  migrate?: boolean;
};

/** A connection failure's reason (Node gives an AggregateError with an empty message when every address refused). */
export function describeError(err: unknown): string {
  const e = err as Error & { code?: string; errors?: unknown[] };
  if (e?.errors?.length) return [...new Set(e.errors.map(describeError))].join('; ');
  return e?.message || e?.code || String(err);
}

/** Where DATABASE_URL points, without its password. */
function where(url: string): string {
  try {
    const u = new URL(url);
    return `${u.username ? `${decodeURIComponent(u.username)}@` : ''}${u.host || 'localhost'}${u.pathname}`;
  } catch {
    return 'DATABASE_URL';
  }
}

/** Opens the database (embedded unless DATABASE_URL is set) and brings its schema up to date. */
export async function openDatabase(config: Config, log: (m: string) => void, { poolSize = 20, keep = false, attach = false, create = true, migrate = true }: OpenOptions = {}): Promise<Runtime> {
  const emb = config.databaseUrl
    ? undefined
    : await startEmbedded(config.home, config.embeddedPort, { sharedBuffersMb: config.embeddedSharedBuffersMb, attach, create, log });
  if (emb?.attached) log(`using the embedded PostgreSQL the running Banyan started (port ${config.embeddedPort})`);
  const url = config.databaseUrl ?? emb!.url;
  const { db, pool } = createDb(url, poolSize, keep);
  const close = async () => {
    try {
      await db.destroy();
    } finally {
      await emb?.stop();
    }
  };
  try {
    try {
      await sql`select 1`.execute(db);
    } catch (err) {
      const en = config.databaseUrl ? `Cannot connect to the database at DATABASE_URL (${where(url)})` : 'Cannot connect to the embedded PostgreSQL';
      throw new StartupError(`${en}: ${describeError(err)}（无法连接数据库）`);
    }
    if (migrate) {
      const applied = await migrateToLatest(db);
      if (applied.length) log(`migrations applied: ${applied.join(', ')}`);
    } else {
      await checkSchema(db, config.databaseUrl ? `DATABASE_URL (${where(url)})` : `the embedded database under BANYAN_HOME (${config.home})`);
    }
  } catch (err) {
    await close().catch(() => {});
    throw err;
  }
  return {
    db, pool, url, embedded: !!emb, close,
    abort: async () => {
      // The statements the fast shutdown ends fail now, some on clients outside the pool: expected, not worth a stack.
      process.on('uncaughtException', () => {});
      await emb?.stop().catch(() => {});
      await db.destroy().catch(() => {});
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

/** Why listen failed, for the operator: the port taken, or an address this machine does not have. */
function listenError(err: unknown, config: Config): unknown {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'EADDRINUSE') return new StartupError(`Port ${config.port} is already in use on ${config.host} (another Banyan or another program): set PORT to a free port（端口 ${config.port} 已被占用，请用 PORT 换一个端口）`);
  if (code === 'EACCES') return new StartupError(`Not allowed to listen on port ${config.port}: ports below 1024 need root; set PORT to 1024 or above（无权监听端口 ${config.port}）`);
  if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND' || code === 'EAI_AGAIN') return new StartupError(`HOST ${config.host} is not an address of this machine (${code}): use 127.0.0.1, 0.0.0.0 (all addresses) or one of its own（HOST ${config.host} 不是本机地址）`);
  return err;
}

/** The address to open in a browser: the loopback for "all addresses", an IPv6 address in brackets. */
export function serverUrl(host: string, port: number): string {
  const shown = host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '::1' : host;
  return `http://${net.isIPv6(shown) ? `[${shown}]` : shown}:${port}/`;
}

/** Banyan's own folders under BANYAN_HOME hold customer files: only for the user Banyan runs as. */
function privateFolders(config: Config): void {
  const imports = path.join(config.home, 'imports');
  ensureDir(config.home, imports);
  try {
    fs.chmodSync(imports, 0o700);
  } catch (err) {
    throw homeError(config.home, err);
  }
  if (!fs.existsSync(config.landingRoot)) ensureDir(config.home, config.landingRoot);
}

/**
 * `banyan start`: database → migrate → admin → (demo bank on a new embedded database) → warm the pool → listen.
 * Whatever fails or interrupts it once the database is open (the port taken, a signal during the demo load …) stops the
 * embedded database before the error is passed on: it is never left running without its Banyan.
 */
export async function startServer(config: Config, { closeWaitMs = CLOSE_WAIT_MS } = {}): Promise<{ app: FastifyInstance; stop: () => Promise<void>; abort: () => Promise<void> }> {
  const say = (m: string) => console.log(`[banyan] ${m}`);
  say(config.databaseUrl ? 'using the database at DATABASE_URL' : `starting the embedded PostgreSQL (data in ${config.home})`);
  const rt = await openDatabase(config, say, { keep: true, poolSize: config.dbPoolSize });
  // A signal while starting (SIGHUP: the terminal or SSH session went away): stop the database and leave.
  const interrupted = (signal: NodeJS.Signals) => {
    say(`${signal} while starting: stopping the database`);
    void rt.abort().finally(() => process.exit(128 + os.constants.signals[signal]));
  };
  const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
  for (const s of signals) process.on(s, interrupted);
  let app: FastifyInstance | undefined;
  let jobs: Awaited<ReturnType<typeof startJobs>>;
  try {
    privateFolders(config);
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
    // The log goes to process.stdout, whose errors (a closed terminal or pipe) are dropped (cli/runtime.ts survivePipeErrors);
    // pino's own stream on fd 1 threw on EIO and ended the server.
    app = await buildApp({ config, db, pool: rt.pool, logger: { level: config.logLevel, stream: process.stdout } });
    await warmPool(rt.pool, config.dbPoolSize, hotStatements(db));
    await app.listen({ port: config.port, host: config.host }).catch((err) => {
      throw listenError(err, config);
    });
    // Scheduled work (reminders, SLA checks …): queues and schedules live in the database.
    jobs = await startJobs(rt.url, db, JOBS, say);
  } catch (err) {
    await app?.close().catch(() => {});
    await rt.close().catch(() => {});
    throw err;
  } finally {
    for (const s of signals) process.off(s, interrupted);
  }
  say(`Banyan is running at ${serverUrl(config.host, config.port)}`);
  // A hang-up (terminal or SSH session gone) stops the server like SIGTERM, whose handler the caller installs; a
  // terminal's further hang-ups are no second signal (which would stop the database at once), and go unheard.
  process.once('SIGHUP', () => {
    process.on('SIGHUP', () => {});
    process.kill(process.pid, 'SIGTERM');
  });
  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      say('stopping…');
      // Every step runs even if one before it failed, so the database is always stopped; the first error is reported.
      const errors: unknown[] = [];
      // Running loads end first, at a batch boundary with their checkpoint committed (the next start resumes them), while
      // the database they write to is still there.
      // A long job (the bulk resolver's chunk) is asked to stop and waited for a bounded time (jobs.stop); a connection
      // still busy after closeWaitMs is cut: the embedded database's fast shutdown rolls its transaction back.
      const close = () => bounded(rt.close(), closeWaitMs, () => {
        say(`a job is still running after ${closeWaitMs / 1000} s: leaving it, the database rolls its work back`);
        // The embedded database's fast shutdown ends it; on DATABASE_URL the pool would wait for it: the exit closes it.
        return bounded(rt.abort(), 5_000, async () => {});
      });
      for (const step of [() => stopLoads(rt.pool), () => app!.close(), () => jobs.stop(), close]) {
        try {
          await step();
        } catch (err) {
          console.error(`[banyan] while stopping: ${describeError(err)}`);
          errors.push(err);
        }
      }
      if (errors.length) throw errors[0];
      say('stopped');
    })());
  return { app, stop, abort: () => rt.abort() };
}

/** How long a stop waits for the pool's connections to come back before it stops the database under them. */
const CLOSE_WAIT_MS = 15_000;

/** `work`, or after `ms` `instead()` (work is left to fail on its own: its errors are no longer anyone's). */
async function bounded(work: Promise<void>, ms: number, instead: () => Promise<void>): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), ms)));
  try {
    if ((await Promise.race([work, late])) === 'late') {
      work.catch(() => {});
      await instead();
    }
  } finally {
    clearTimeout(timer);
  }
}
