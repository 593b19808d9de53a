import os from 'node:os';
import path from 'node:path';
import { defaultSharedBuffersMb } from './db/embedded.ts';

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

export class ConfigError extends Error {}

function int(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new ConfigError(`${name} must be an integer between ${min} and ${max} (got "${raw}")`);
  }
  return n;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const databaseUrl = env.DATABASE_URL || undefined;
  if (databaseUrl && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    throw new ConfigError('DATABASE_URL must start with postgres:// or postgresql://');
  }
  const adminPassword = env.BANYAN_ADMIN_PASSWORD || undefined;
  if (adminPassword !== undefined && adminPassword.length < 8) {
    throw new ConfigError('BANYAN_ADMIN_PASSWORD must be at least 8 characters');
  }
  const logLevel = env.LOG_LEVEL || 'warn';
  if (!['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].includes(logLevel)) {
    throw new ConfigError('LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent');
  }
  const home = path.resolve(env.BANYAN_HOME || '.banyan');
  return {
    port: int(env, 'PORT', 3000, 0, 65535),
    host: env.HOST || '127.0.0.1',
    home,
    databaseUrl,
    embeddedPort: int(env, 'BANYAN_DB_PORT', 54329, 1024, 65535),
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
  };
}
