import fs from 'node:fs';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext } from '../../../test/context.ts';
import { personRow, tmpDir, writeCsv } from './helpers.ts';

const root = path.resolve(import.meta.dirname, '../../../..');
let ctx: TestContext;
const dir = tmpDir();

function cli(args: string[]) {
  const child = spawn(process.execPath, [path.join(root, 'cli/banyan.mjs'), ...args], {
    cwd: root, env: { ...process.env, DATABASE_URL: ctx.url, BANYAN_HOME: dir }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (c) => { out += c; });
  child.stderr.on('data', (c) => { out += c; });
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; out: string }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal, out })));
  return { child, done };
}

const N = 40_000;

beforeAll(async () => {
  ctx = await createTestContext({ home: dir });
});
afterAll(async () => {
  await ctx?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('banyan import', () => {
  it('refuses an unknown source, naming the ones there are', async () => {
    const f = writeCsv(path.join(dir, 'one.csv'), [personRow(1)]);
    const r = await cli(['import', '--source', 'NOPE', f]).done;
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/source NOPE is not registered \(known: .*CORE/);
  });

  it('a load killed with kill -9 half-way and run again ends with every row loaded once', async () => {
    const f = writeCsv(path.join(dir, 'big.csv'), Array.from({ length: N }, (_, i) => personRow(i, 'K')));
    const args = ['import', '--source', 'CORE', '--batch-size', '50', '--no-resolve', f];
    const first = cli(args);
    // Wait until some batches are committed, then kill the process outright.
    await expect.poll(async () => Number((await sql<{ n: string }>`SELECT coalesce(max(checkpoint_row), 0) AS n FROM interface_load`.execute(ctx.db)).rows[0]!.n), { timeout: 60_000, interval: 20 }).toBeGreaterThan(0);
    first.child.kill('SIGKILL');
    expect((await first.done).signal).toBe('SIGKILL');
    const cut = await ctx.db.selectFrom('interface_load').select(['id', 'status', 'checkpoint_row', 'rows_read']).executeTakeFirstOrThrow();
    expect(cut.status).toBe('running');
    expect(Number(cut.checkpoint_row)).toBeLessThan(N);
    const inDb = Number((await sql<{ n: string }>`SELECT count(*) AS n FROM source_record`.execute(ctx.db)).rows[0]!.n);
    // What was committed is exactly what the checkpoint says.
    expect(inDb).toBe(Number(cut.checkpoint_row));

    const second = await cli(args).done;
    expect(second.code, second.out).toBe(0);
    expect(second.out).toMatch(new RegExp(`resuming load #${cut.id}`));
    const load = await ctx.db.selectFrom('interface_load').selectAll().where('id', '=', cut.id).executeTakeFirstOrThrow();
    expect(load).toMatchObject({ status: 'succeeded', rows_read: N, accepted: N, inserted: N, changed: 0, unchanged: 0, rejected: 0 });
    const stats = (await sql<{ n: string; keys: string }>`SELECT count(*) AS n, count(DISTINCT record_key) AS keys FROM source_record`.execute(ctx.db)).rows[0]!;
    expect([Number(stats.n), Number(stats.keys)]).toEqual([N, N]);

    // And once more: the same file is a new load that changes nothing.
    const third = await cli(args).done;
    expect(third.code, third.out).toBe(0);
    expect(third.out).toMatch(new RegExp(`read ${N}, accepted ${N}, rejected 0 \\(quarantined\\), new 0, changed 0, unchanged ${N}`));
  }, 180_000);
});
