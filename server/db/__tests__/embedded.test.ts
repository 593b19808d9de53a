import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { StartupError } from '../../config.ts';
import { startEmbedded } from '../embedded.ts';

// A real embedded PostgreSQL in a home and on a port of its own (never the user's .banyan or 54329).
const homes: string[] = [];
const newHome = () => {
  const h = fs.mkdtempSync(path.join(os.tmpdir(), 'banyan-emb-'));
  // mkdtemp makes it 0700: as root, the postgres user must pass through it to the home.
  fs.chmodSync(h, 0o711);
  homes.push(h);
  return path.join(h, 'home');
};
const port = 40000 + (process.pid % 2000) * 2;
afterAll(() => homes.forEach((h) => fs.rmSync(h, { recursive: true, force: true })));

/** Running: a process that ended but that its parent (here init) has not collected yet is a zombie, not running. */
const alive = (pid: number) => {
  try {
    return fs.readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /s, '')[0] !== 'Z';
  } catch {
    return false;
  }
};
const postmasterPid = (home: string) => Number(fs.readFileSync(path.join(home, 'pgdata', 'postmaster.pid'), 'utf8').split('\n')[0]);

/** A Banyan that starts the embedded database and then dies without stopping it (kill -9, out of memory). */
async function orphan(home: string): Promise<number> {
  const script = `import { startEmbedded } from ${JSON.stringify(path.resolve(import.meta.dirname, '../embedded.ts'))};
await startEmbedded(${JSON.stringify(home)}, ${port}); console.log('up'); setInterval(() => {}, 1000);`;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (d) => String(d).includes('up') && resolve());
    child.on('exit', (code) => reject(new Error(`exited with ${code}`)));
  });
  child.removeAllListeners('exit');
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGKILL');
  await exited;
  return postmasterPid(home);
}

describe('startEmbedded', () => {
  it('stops the PostgreSQL an earlier Banyan left running on its data, saying so, and starts', async () => {
    const home = newHome();
    const left = await orphan(home);
    expect(alive(left)).toBe(true);
    const said: string[] = [];
    const db = await startEmbedded(home, port, { log: (m) => said.push(m) });
    try {
      expect(alive(left)).toBe(false);
      expect(said.join('\n')).toContain(`stopped the embedded PostgreSQL (PID ${left}) that an earlier Banyan left running`);
      expect(db.attached).toBe(false);
    } finally {
      await db.stop();
    }
  }, 120_000);

  it('refuses a second start on data a live Banyan holds, attaches only when asked, and fails its stop once PostgreSQL was killed', async () => {
    const home = newHome();
    const db = await startEmbedded(home, port);
    try {
      await expect(startEmbedded(home, port)).rejects.toThrow(/A Banyan \(PID \d+\) is already running on/);
      expect((await startEmbedded(home, port, { attach: true })).attached).toBe(true);
      process.kill(postmasterPid(home), 'SIGKILL');
    } finally {
      await expect(db.stop()).rejects.toThrow(/had ended abnormally \(SIGKILL\)/);
    }
  }, 120_000);

  it('tells why PostgreSQL did not start when another program holds its port', async () => {
    const blocker = net.createServer();
    await new Promise<void>((r) => blocker.listen(port + 1, '127.0.0.1', r));
    try {
      const err = await startEmbedded(newHome(), port + 1).catch((e) => e);
      expect(err).toBeInstanceOf(StartupError);
      expect(err.message).toMatch(/did not start .*Address already in use.*set BANYAN_DB_PORT to a free port/);
    } finally {
      blocker.close();
    }
  }, 120_000);

  it('creates no cluster for a command that needs an existing one, and keeps the home closed to other users', async () => {
    const home = newHome();
    await expect(startEmbedded(home, port, { create: false })).rejects.toThrow(/There is no Banyan database in/);
    expect(fs.existsSync(home)).toBe(false);
    // As root only the postgres user's traverse right is added (0711): never listing.
    const db = await startEmbedded(home, port);
    await db.stop();
    expect(fs.statSync(home).mode & 0o777).toBe(process.getuid?.() === 0 ? 0o711 : 0o700);
    expect(fs.readdirSync(os.tmpdir()).filter((f) => f.startsWith('pg-password-') || f.startsWith('banyan-initdb-'))).toEqual([]);
  }, 120_000);
});
