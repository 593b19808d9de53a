import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

// The README's start path, for real: `banyan start` on its embedded PostgreSQL with a (small) demo bank.
const root = path.resolve(import.meta.dirname, '../..');
const home = fs.mkdtempSync(path.join(os.tmpdir(), 'banyan-start-'));
const port = 31000 + (process.pid % 2000);
const env: NodeJS.ProcessEnv = {
  ...process.env, BANYAN_HOME: home, PORT: String(port), BANYAN_DB_PORT: String(port + 7),
  BANYAN_DEMO_CUSTOMERS: '300', BANYAN_ADMIN_PASSWORD: 'start-test-pw1', LOG_LEVEL: 'warn',
};
delete env.DATABASE_URL;
const base = `http://127.0.0.1:${port}`;

function start(): Promise<{ proc: ChildProcess; output: () => string }> {
  const proc = spawn(process.execPath, [path.join(root, 'cli/banyan.mjs'), 'start'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout!.on('data', (d) => (out += d));
  proc.stderr!.on('data', (d) => (out += d));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no start within 150 s:\n${out}`)), 150_000);
    proc.stdout!.on('data', () => {
      if (out.includes('Banyan is running')) {
        clearTimeout(timer);
        resolve({ proc, output: () => out });
      }
    });
    proc.on('exit', (code) => reject(new Error(`exited with ${code}:\n${out}`)));
  });
}

function stop(proc: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => {
    proc.once('exit', (code) => resolve(code));
    proc.kill('SIGTERM');
  });
}

async function signIn(username: string, password: string) {
  const res = await fetch(`${base}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password }) });
  expect(res.status, await res.clone().text()).toBe(200);
  return res.headers.get('set-cookie')!.split(';')[0];
}

afterAll(() => fs.rmSync(home, { recursive: true, force: true }));

describe('banyan start (embedded database)', () => {
  it('starts with a demo bank, serves health, login and search, stops cleanly and restarts on the same data', async () => {
    const first = await start();
    expect(first.output()).toContain('demo bank');
    expect(await (await fetch(`${base}/api/health`)).json()).toEqual({ status: 'ok' });
    const cookie = await signIn('cm01', 'Banyan@2026');
    const list = await (await fetch(`${base}/api/customers?pageSize=5`, { headers: { cookie } })).json();
    expect(list.items.length).toBeGreaterThan(0);
    const initials = list.items[0].name;
    const found = await (await fetch(`${base}/api/customers?q=${encodeURIComponent(initials)}`, { headers: { cookie } })).json();
    expect(found.items.map((i: { name: string }) => i.name)).toContain(initials);
    await signIn('admin', 'start-test-pw1');
    // A CLI command beside the running server uses its embedded database (instead of refusing to start a second one).
    const cli = spawnSync(process.execPath, [path.join(root, 'cli/banyan.mjs'), 'user', 'reset-password', 'cm02', '--password', 'Reset@2026x'], { env, encoding: 'utf8' });
    expect(cli.status, cli.stdout + cli.stderr).toBe(0);
    expect(cli.stdout).toContain('using the embedded PostgreSQL the running Banyan started');
    await signIn('cm02', 'Reset@2026x');
    // Customer files stay with the user Banyan runs as.
    expect(fs.statSync(path.join(home, 'imports')).mode & 0o777).toBe(0o700);
    expect(fs.statSync(path.join(home, 'landing')).mode & 0o777).toBe(0o700);
    // A second Banyan on the taken HTTP port says so in one line and stops the database it had started.
    const home2 = fs.mkdtempSync(path.join(os.tmpdir(), 'banyan-start-'));
    fs.chmodSync(home2, 0o711);
    const taken = spawnSync(process.execPath, [path.join(root, 'cli/banyan.mjs'), 'start'], { env: { ...env, BANYAN_HOME: home2, BANYAN_DB_PORT: String(port + 8), BANYAN_DEMO_CUSTOMERS: '0' }, encoding: 'utf8' });
    expect(taken.status).toBe(1);
    expect(taken.stderr).toMatch(new RegExp(`^banyan: Port ${port} is already in use on 127.0.0.1 .*（`));
    expect(taken.stderr).not.toMatch(/\n\s+at /);
    expect(fs.existsSync(path.join(home2, 'pgdata', 'postmaster.pid'))).toBe(false);
    fs.rmSync(home2, { recursive: true, force: true });
    expect(await stop(first.proc)).toBe(0);
    expect(first.output()).toContain('stopped');

    const second = await start();
    expect(second.output()).not.toContain('demo bank');
    expect(second.output()).not.toContain('migrations applied');
    const again = await (await fetch(`${base}/api/customers?pageSize=5`, { headers: { cookie: await signIn('cm01', 'Banyan@2026') } })).json();
    expect(again.total).toBe(list.total);
    expect(await stop(second.proc)).toBe(0);
  }, 400_000);
});
