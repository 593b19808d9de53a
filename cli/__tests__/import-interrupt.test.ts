import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../server/test/context.ts';
import { personRow, writeCsv } from '../../server/modules/interfaces/__tests__/helpers.ts';

// Ctrl-C on `banyan import`: the load stops at a batch boundary and the same command resumes it (README's promise).
const root = path.resolve(import.meta.dirname, '../..');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'banyan-import-int-'));
let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase(2);
});
afterAll(async () => {
  await t?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

function banyan(args: string[], onStart?: (pid: number) => void): Promise<{ code: number | null; out: string }> {
  const proc = spawn(process.execPath, [path.join(root, 'cli/banyan.mjs'), ...args], {
    env: { ...process.env, DATABASE_URL: t.url, BANYAN_HOME: dir, LOG_LEVEL: 'warn' }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  onStart?.(proc.pid!);
  let out = '';
  proc.stdout.on('data', (d) => (out += d));
  proc.stderr.on('data', (d) => (out += d));
  return new Promise((resolve) => proc.on('exit', (code) => resolve({ code, out })));
}

const ROWS = 1_200;

describe('banyan import interrupted', () => {
  it('Ctrl-C stops at a batch boundary, exits 130 saying where; the same command resumes and loads every row once', async () => {
    const file = writeCsv(path.join(dir, 'big.csv'), Array.from({ length: ROWS }, (_, i) => personRow(i + 1, 'I')));
    const args = ['import', '--source', 'BIG', '--create-source', '--batch-size', '50', file];
    let pid = 0;
    const first = banyan(args, (p) => (pid = p));
    // Once the first batch is committed, Ctrl-C.
    let checkpoint = 0;
    for (let i = 0; i < 1200 && checkpoint === 0; i++) {
      await new Promise((r) => setTimeout(r, 100));
      checkpoint = Number((await sql<{ c: string }>`SELECT coalesce(max(checkpoint_row), 0)::text AS c FROM interface_load`.execute(t.db)).rows[0]!.c);
    }
    expect(checkpoint).toBeGreaterThan(0);
    process.kill(pid, 'SIGINT');
    const r1 = await first;
    expect(r1.code, r1.out).toBe(130);
    expect(r1.out).toMatch(/interrupted at row \d+: run the same command again to resume（已在第 \d+ 行中断：再次运行同一命令即可继续）/);
    expect(r1.out).not.toMatch(/destroyed|\n\s+at /);
    const stopped = (await sql<{ status: string; checkpoint_row: string }>`SELECT status, checkpoint_row::text FROM interface_load`.execute(t.db)).rows;
    expect(stopped).toHaveLength(1);
    expect(stopped[0]!.status).not.toBe('succeeded');
    expect(Number(stopped[0]!.checkpoint_row)).toBeLessThan(ROWS);
    expect(r1.out).toContain(`interrupted at row ${stopped[0]!.checkpoint_row}`);

    const r2 = await banyan(args);
    expect(r2.code, r2.out).toBe(0);
    expect(r2.out).toMatch(/resuming load #\d+ after row \d+/);
    const loads = (await sql<{ status: string; inserted: string }>`SELECT status, inserted::text FROM interface_load`.execute(t.db)).rows;
    expect(loads.map((l) => l.status)).toEqual(['succeeded']);
    expect(Number(loads[0]!.inserted)).toBe(ROWS);
    const recs = (await sql<{ n: number; keys: number; pending: number }>`
      SELECT count(*)::int AS n, count(DISTINCT record_key)::int AS keys, count(*) FILTER (WHERE match_status IN ('pending', 'failed') OR customer_id IS NULL)::int AS pending
      FROM source_record`.execute(t.db)).rows[0]!;
    expect(recs).toEqual({ n: ROWS, keys: ROWS, pending: 0 });
  }, 600_000);
});
