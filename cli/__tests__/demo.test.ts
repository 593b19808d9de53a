import { spawn } from 'node:child_process';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../server/test/context.ts';

// `banyan demo` as an operator runs it, Ctrl-C included.
const root = path.resolve(import.meta.dirname, '../..');
let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase(2);
});
afterAll(async () => {
  await t?.close();
});

const count = async (q: string) => Number((await sql<{ n: string }>`SELECT count(*) AS n FROM ${sql.raw(q)}`.execute(t.db)).rows[0]!.n);

describe('banyan demo', () => {
  it('Ctrl-C half-way through the load stops it, rolls everything back and exits 130', async () => {
    const before = { users: await count('app_user'), orgs: await count('org_unit'), indexes: await count("pg_indexes WHERE tablename = 'customer'") };
    // Big enough that the bulk tables' indexes are dropped for the COPY (and must come back) and that it runs a while.
    const proc = spawn(process.execPath, [path.join(root, 'cli/banyan.mjs'), 'demo', '--customers', '60000'], {
      env: { ...process.env, DATABASE_URL: t.url, LOG_LEVEL: 'warn' }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    proc.stderr.on('data', (d) => (out += d));
    const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)));
    // Interrupted once the first batch of customers has gone in (uncommitted, in the load's transaction).
    await new Promise<void>((resolve) => proc.stdout.on('data', (d) => {
      out += d;
      if (/\r\s+[1-9]\d*\/60000 customers/.test(out) && !/60000\/60000/.test(out)) resolve();
    }));
    proc.kill('SIGINT');
    expect(await exited, out).toBe(130);
    expect(out).toMatch(/interrupted: rolling back the demo load, nothing is kept（/);
    expect(await count('customer')).toBe(0);
    expect(await count('account')).toBe(0);
    expect({ users: await count('app_user'), orgs: await count('org_unit'), indexes: await count("pg_indexes WHERE tablename = 'customer'") }).toEqual(before);
    // Nothing of it left running in the database either.
    expect(await count(`pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND state <> 'idle'`)).toBe(0);
  }, 300_000);
});
