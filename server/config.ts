import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

/** Every setting Banyan reads from the environment, validated once at start-up. */
export type Config = {
  port: number;
  host: string;
  home: string;
  databaseUrl: string | undefined;
  embeddedPort: number;
  /** Shared buffers of the embedded PostgreSQL, in MB. */
  embeddedSharedBuffersMb: number;
  adminPassword: string | undefined;
  sessionTtlMinutes: number;
  maxFailedLogins: number;
  lockoutMinutes: number;
  logLevel: string;
  demoCustomers: number;
  /** Largest source extract an import accepts (upload or CLI), in bytes. */
  importMaxBytes: number;
  /** The only folder (and its subfolders) file interfaces may take files from on a schedule. */
  landingRoot: string;
  /** Connections the server's pool keeps to PostgreSQL at most. */
  dbPoolSize: number;
  /**
   * The reverse proxies whose X-Forwarded-For/-Proto/-Host Banyan believes (addresses, CIDRs, or loopback, linklocal,
   * uniquelocal): none by default, so a client cannot name its own address (the login rate limit and the audit log's
   * addresses read it).
   */
  trustProxy: string[];
  /**
   * BANYAN_METRICS_TOKEN: a token a Prometheus scraper sends as `Authorization: Bearer …` to read /metrics without an
   * account. Unset, only users whose role holds system:monitor may.
   */
  metricsToken: string | undefined;
};

/**
 * The server's pool: a few connections per core. More statements at once than the cores can run only queue inside
 * PostgreSQL, where they contend (its shared lock table past each backend's 16 fast-path locks; without huge pages
 * also every new backend faulting in shared buffers): on 2 cores with huge pages the 360° view's statement ran at
 * 2,200 a second from 8 pgbench clients and 1,300 from 64 (with 4 kB pages 700–1,200 and 230–390), and the app's view
 * at 850–890 a second with a pool of 4 or 8 against 710 with 20. Not fewer than 8: an Excel export or a load holds a
 * connection for as long as it runs.
 */
export const defaultPoolSize = (cores = os.availableParallelism()) => Math.min(20, Math.max(8, 4 * cores));

/**
 * PostgreSQL's own default of 128 MB of shared buffers holds a demo bank, not a real one: with a million
 * customers every workbench read the pages anew from the OS cache (half the CPU time in the kernel, the
 * buffer-mapping lock contended). A quarter of the memory, as PostgreSQL's documentation suggests for a
 * dedicated server, between 128 MB and 4 GB.
 */
export const defaultSharedBuffersMb = () => Math.max(128, Math.min(4096, Math.floor(os.totalmem() / 2 ** 20 / 4)));

/** A setting with a value Banyan cannot use: told to the operator in one line, without a stack. */
export class ConfigError extends Error {}

/** Start-up cannot go on for a reason outside the program (the database unreachable, a port taken …): told in one line. */
export class StartupError extends Error {}

function int(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  // Decimal digits only: Number() would also take "0x10", "1e3" or " 8 ".
  const n = /^\d{1,10}$/.test(raw) ? Number(raw) : NaN;
  if (!(n >= min && n <= max)) {
    throw new ConfigError(`${name} must be a whole number from ${min} to ${max} (got "${raw}")（${name} 须为 ${min} 到 ${max} 之间的整数）`);
  }
  return n;
}

/** An IP address, or a host name (not something like 999.1.1.1, which only looks like an address). */
function host(raw: string): string {
  const name = /^(?=.{1,253}$)([a-z\d]([a-z\d-]{0,61}[a-z\d])?)(\.[a-z\d]([a-z\d-]{0,61}[a-z\d])?)*$/i;
  if (net.isIP(raw) || (name.test(raw) && !/^[\d.]+$/.test(raw))) return raw;
  throw new ConfigError(`HOST must be an IP address of this machine or a host name, e.g. 127.0.0.1, 0.0.0.0 or ::1 (got "${raw}")（HOST 须为本机 IP 地址或主机名）`);
}

const PROXY_RANGES = new Set(['loopback', 'linklocal', 'uniquelocal']);

/**
 * BANYAN_TRUST_PROXY: a comma-separated list of the proxies' addresses or CIDRs, or the names loopback, linklocal,
 * uniquelocal (what fastify's trustProxy takes). e.g. "10.0.0.5, 10.1.0.0/16" → ['10.0.0.5', '10.1.0.0/16'].
 */
function trustProxy(raw: string | undefined): string[] {
  if (raw === undefined || raw.trim() === '') return [];
  const items = raw.split(',').map((s) => s.trim());
  for (const item of items) {
    const [addr, prefix, extra] = item.split('/');
    const family = net.isIP(addr ?? '');
    const ok = PROXY_RANGES.has(item.toLowerCase())
      || (family !== 0 && extra === undefined && (prefix === undefined || (/^\d{1,3}$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128))));
    if (!ok) {
      throw new ConfigError(`BANYAN_TRUST_PROXY must be a comma-separated list of proxy addresses or CIDRs, or loopback, e.g. 10.0.0.5,10.1.0.0/16 (got "${item}" in "${raw}")（BANYAN_TRUST_PROXY 须为以逗号分隔的反向代理地址或网段，或 loopback）`);
    }
  }
  return items.map((s) => (PROXY_RANGES.has(s.toLowerCase()) ? s.toLowerCase() : s));
}

/** At least 16 characters with no white space (e.g. `openssl rand -hex 32`); unset or empty → undefined. */
export function metricsToken(raw: string | undefined): string | undefined {
  if (!raw) return undefined;
  if (raw.length < 16 || /\s/.test(raw)) {
    throw new ConfigError('BANYAN_METRICS_TOKEN must be at least 16 characters with no spaces, e.g. the output of `openssl rand -hex 32`（BANYAN_METRICS_TOKEN 至少 16 个字符，且不能含空格）');
  }
  return raw;
}

/** The same rule as user passwords (checkPasswordStrength in modules/auth), which a test holds them to. */
const strongPassword = (pw: string) => pw.length >= 8 && /[A-Za-z]/.test(pw) && /\d/.test(pw);

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const databaseUrl = env.DATABASE_URL || undefined;
  if (databaseUrl && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    throw new ConfigError('DATABASE_URL must start with postgres:// or postgresql://（DATABASE_URL 须以 postgres:// 或 postgresql:// 开头）');
  }
  if (databaseUrl && !URL.canParse(databaseUrl)) {
    throw new ConfigError('DATABASE_URL is not a valid URL, e.g. postgres://user:password@host:5432/banyan (special characters in the password %-encoded)（DATABASE_URL 不是合法的 URL）');
  }
  const adminPassword = env.BANYAN_ADMIN_PASSWORD || undefined;
  if (adminPassword !== undefined && !strongPassword(adminPassword)) {
    throw new ConfigError('BANYAN_ADMIN_PASSWORD must be at least 8 characters with letters and digits（BANYAN_ADMIN_PASSWORD 至少 8 位，且须包含字母和数字）');
  }
  const logLevel = env.LOG_LEVEL || 'warn';
  if (!['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].includes(logLevel)) {
    throw new ConfigError('LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent（LOG_LEVEL 取值不合法）');
  }
  const embeddedPort = int(env, 'BANYAN_DB_PORT', 54329, 1024, 65535);
  if (embeddedPort === 5432) {
    // A system PostgreSQL may hold it (DESIGN: never 5432).
    throw new ConfigError('BANYAN_DB_PORT must not be 5432, the port of a system PostgreSQL: choose another (default 54329)（BANYAN_DB_PORT 不能为 5432，请换一个端口）');
  }
  const home = path.resolve(env.BANYAN_HOME || '.banyan');
  return {
    port: int(env, 'PORT', 3000, 1, 65535),
    host: host(env.HOST || '127.0.0.1'),
    home,
    databaseUrl,
    embeddedPort,
    embeddedSharedBuffersMb: int(env, 'BANYAN_DB_SHARED_BUFFERS_MB', defaultSharedBuffersMb(), 16, 262_144),
    adminPassword,
    sessionTtlMinutes: int(env, 'BANYAN_SESSION_TTL_MINUTES', 480, 5, 10080),
    maxFailedLogins: int(env, 'BANYAN_MAX_FAILED_LOGINS', 5, 1, 100),
    lockoutMinutes: int(env, 'BANYAN_LOCKOUT_MINUTES', 15, 1, 1440),
    logLevel,
    demoCustomers: int(env, 'BANYAN_DEMO_CUSTOMERS', 20000, 0, 10_000_000),
    importMaxBytes: int(env, 'BANYAN_IMPORT_MAX_MB', 1024, 1, 1_048_576) * 1024 * 1024,
    landingRoot: path.resolve(env.BANYAN_LANDING_ROOT || path.join(home, 'landing')),
    dbPoolSize: int(env, 'BANYAN_DB_POOL', defaultPoolSize(), 2, 500),
    trustProxy: trustProxy(env.BANYAN_TRUST_PROXY),
    metricsToken: metricsToken(env.BANYAN_METRICS_TOKEN),
  };
}
