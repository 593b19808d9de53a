import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { JOBS } from '../../server/jobs.ts';
import { createTestDatabase, type TestDatabase } from '../../server/test/context.ts';

// The terminal or pipe of `banyan start` gone, and a BANYAN_HOME that cannot be used.
const root = path.resolve(import.meta.dirname, '../..');
const home = fs.mkdtempSync(path.join(os.tmpdir(), 'banyan-closed-'));
const port = 33000 + (process.pid % 2000);
let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase(2);
});
afterAll(async () => {
  await t?.close();
  fs.rmSync(home, { recursive: true, force: true });
});

describe('banyan start with its output closed', () => {
  it('keeps serving when its stdout pipe closes (banyan start | head -1), and stops cleanly on SIGTERM', async () => {
    const proc = spawn(process.execPath, [path.join(root, 'cli/banyan.mjs'), 'start'], {
      env: { ...process.env, DATABASE_URL: t.url, BANYAN_HOME: home, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'info', BANYAN_ADMIN_PASSWORD: 'Closed-pipe-1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    proc.stderr.on('data', (d) => (stderr += d));
    const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)));
    // `head -1`: the first line read, then the pipe closed.
    await new Promise<void>((resolve) => proc.stdout.once('data', () => resolve()));
    proc.stdout.destroy();
    let health = 0;
    for (let i = 0; i < 600 && proc.exitCode === null && health !== 200; i++) {
      await new Promise((r) => setTimeout(r, 200));
      health = await fetch(`http://127.0.0.1:${port}/api/health`).then((r) => r.status, () => 0);
    }
    expect(proc.exitCode, stderr).toBeNull();
    expect(health).toBe(200);
    // Requests are logged (LOG_LEVEL info) to the closed stdout: still served.
    for (let i = 0; i < 5; i++) expect((await fetch(`http://127.0.0.1:${port}/api/health`)).status).toBe(200);
    expect(proc.exitCode, stderr).toBeNull();
    // Running (its jobs scheduled, the last step of the start): a SIGTERM now is a stop, not a start interrupted.
    for (let i = 0; i < 300; i++) {
      const n = await sql<{ n: number }>`SELECT count(*)::int AS n FROM pgboss.schedule`.execute(t.db).then((r) => r.rows[0]!.n, () => 0);
      if (n >= JOBS.length) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    await new Promise((r) => setTimeout(r, 2_000));
    proc.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(stderr).not.toMatch(/EPIPE|\n\s+at /);
  }, 180_000);
});

describe('an unusable BANYAN_HOME', () => {
  const run = (args: string[], env: NodeJS.ProcessEnv) =>
    spawnSync(process.execPath, [path.join(root, 'cli/banyan.mjs'), ...args], { env: { ...process.env, LOG_LEVEL: 'warn', ...env }, encoding: 'utf8', timeout: 60_000 });

  it('is told in one line naming BANYAN_HOME and the cause, in both languages; never a spin (/proc) or a raw system error', () => {
    const file = path.join(home, 'a-file');
    fs.writeFileSync(file, '');
    const { DATABASE_URL: _, ...noUrl } = process.env;
    const cases: [string[], NodeJS.ProcessEnv, string, RegExp][] = [
      // The embedded database's folder cannot be made under /proc (Node's recursive mkdir spun there for ever).
      [['migrate'], { ...noUrl, DATABASE_URL: undefined, BANYAN_HOME: '/proc/banyan-x' }, '/proc/banyan-x', /cannot be created there/],
      [['migrate'], { ...noUrl, DATABASE_URL: undefined, BANYAN_HOME: path.join(file, 'sub') }, path.join(file, 'sub'), /a part of the path is a file, not a folder \(ENOTDIR/],
      // The audit key's folder, on a DATABASE_URL deployment.
      [['audit', 'verify'], { DATABASE_URL: t.url, BANYAN_HOME: '/proc/banyan-y' }, '/proc/banyan-y', /cannot be created there/],
    ];
    for (const [args, env, at, cause] of cases) {
      const r = run(args, env);
      expect(r.error, `${args.join(' ')} ${at}`).toBeUndefined();
      expect(r.status, `${args.join(' ')} ${at}: ${r.stderr}`).toBe(1);
      expect(r.stderr.trim().split('\n'), r.stderr).toHaveLength(1);
      expect(r.stderr).toContain(`banyan: BANYAN_HOME ${at} cannot be used: `);
      expect(r.stderr).toMatch(cause);
      expect(r.stderr).toMatch(/（BANYAN_HOME .* 无法使用：/);
    }
  }, 180_000);
});
