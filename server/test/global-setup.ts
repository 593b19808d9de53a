import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { createDb } from '../db/database.ts';
import { startEmbedded, type EmbeddedDatabase } from '../db/embedded.ts';
import { migrateToLatest } from '../db/migrate.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    adminUrl: string;
    template: string;
  }
}

let embedded: EmbeddedDatabase | undefined;
let adminUrl = '';
let template = '';

/**
 * One migrated template database per run; every test file clones it (CREATE DATABASE … TEMPLATE),
 * so files run in parallel and never see each other's rows. DATABASE_URL picks the server;
 * without it a throw-away embedded PostgreSQL is started.
 */
export async function setup(project: TestProject) {
  if (process.env.DATABASE_URL) {
    adminUrl = process.env.DATABASE_URL;
  } else {
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'banyan-test-'));
    embedded = await startEmbedded(home, 54000 + (process.pid % 1000));
    adminUrl = embedded.url;
  }
  template = `banyan_tpl_${process.pid}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${template}`);
  await admin.query(`CREATE DATABASE ${template}`);
  await admin.end();
  const { db } = createDb(withDatabase(adminUrl, template), 2);
  await migrateToLatest(db);
  await db.destroy();
  project.provide('adminUrl', adminUrl);
  project.provide('template', template);
}

export async function teardown() {
  if (adminUrl) {
    const admin = new pg.Client({ connectionString: adminUrl });
    await admin.connect();
    const { rows } = await admin.query(`SELECT datname FROM pg_database WHERE datname = $1 OR datname LIKE $2`, [template, `banyan_t_${process.pid}_%`]);
    for (const r of rows) await admin.query(`DROP DATABASE IF EXISTS ${r.datname} WITH (FORCE)`);
    await admin.end();
  }
  await embedded?.stop();
}

export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}
