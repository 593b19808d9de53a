import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../app.ts';
import { loadConfig, type Config } from '../config.ts';
import { createDb, type Db } from '../db/database.ts';
import { withDatabase } from './global-setup.ts';

export type TestContext = { db: Db; pool: pg.Pool; url: string; app: FastifyInstance; config: Config; close: () => Promise<void> };

export type TestDatabase = { name: string; db: Db; pool: pg.Pool; url: string; close: () => Promise<void> };

/** Runs one statement on the test server's admin connection (CREATE/DROP DATABASE …). */
export async function onAdmin(statement: string) {
  const admin = new pg.Client({ connectionString: inject('adminUrl') });
  await admin.connect();
  try {
    await admin.query(statement);
  } finally {
    await admin.end();
  }
}

/** A fresh database cloned from the migrated template (dropped by close, or by the run's teardown). */
export async function createTestDatabase(poolSize = 10): Promise<TestDatabase> {
  const template = inject('template');
  const name = `banyan_t_${template.replace('banyan_tpl_', '')}_${randomBytes(4).toString('hex')}`;
  await onAdmin(`CREATE DATABASE ${name} TEMPLATE ${template}`);
  const url = withDatabase(inject('adminUrl'), name);
  const { db, pool } = createDb(url, poolSize);
  return {
    name, db, pool, url,
    close: async () => {
      await db.destroy();
      await onAdmin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    },
  };
}

/** A fresh database cloned from the migrated template, and the app built on it. */
export async function createTestContext(overrides: Partial<Config> = {}): Promise<TestContext> {
  const { db, pool, url, close } = await createTestDatabase();
  const config = { ...loadConfig({}), ...overrides };
  const app = await buildApp({ config, db, pool });
  await app.ready();
  return {
    db, pool, url, app, config,
    close: async () => {
      await app.close();
      await close();
    },
  };
}

/** Signs in through the API and returns the session cookie header. */
export async function login(app: FastifyInstance, username: string, password: string): Promise<string> {
  const res = await app.inject({ method: 'POST', url: '/api/auth/login', payload: { username, password } });
  if (res.statusCode !== 200) throw new Error(`login ${username} failed: ${res.statusCode} ${res.body}`);
  const c = res.cookies.find((x) => x.name === 'banyan_session');
  return `banyan_session=${c!.value}`;
}
