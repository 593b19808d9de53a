import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { audit, SYSTEM_ACTOR } from '../../server/platform/audit.ts';
import { createTestDatabase, type TestDatabase } from '../../server/test/context.ts';

// Each run starts the CLI afresh (a few seconds, many more on a loaded machine).
// `banyan audit verify` on a DATABASE_URL deployment: the anchor key and the last-anchor note under BANYAN_HOME.
const root = path.resolve(import.meta.dirname, '../..');
let t: TestDatabase;
let home: string;
beforeAll(async () => {
  t = await createTestDatabase(2);
  home = fs.mkdtempSync(path.join(os.tmpdir(), 'banyan-verify-'));
  for (let i = 0; i < 12; i++) await t.db.transaction().execute((trx) => audit(trx, SYSTEM_ACTOR, { action: 'login_failed', entity: 'session', entityId: i }));
});
afterAll(async () => {
  await t?.close();
  if (home) fs.rmSync(home, { recursive: true, force: true });
});

function verify(at = home): Promise<{ code: number | null; out: string }> {
  const proc = spawn(process.execPath, [path.join(root, 'cli/banyan.mjs'), 'audit', 'verify'], {
    env: { ...process.env, DATABASE_URL: t.url, BANYAN_HOME: at, LOG_LEVEL: 'warn' }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  proc.stdout.on('data', (d) => (out += d));
  proc.stderr.on('data', (d) => (out += d));
  return new Promise((resolve) => proc.on('exit', (code) => resolve({ code, out })));
}

describe('banyan audit verify', () => {
  it('anchors an intact log, then exits 2 naming the chain whose newest row was deleted and head rolled back', async () => {
    const first = await verify();
    expect(first.out).toContain('audit log intact: 12 rows');
    expect(first.out).toContain('anchored now (anchor 1)');
    expect(first.code).toBe(0);
    expect(fs.statSync(path.join(home, 'audit-key')).mode & 0o777).toBe(0o600);

    // From another folder (DATABASE_URL set, BANYAN_HOME not): the key is not there, and none is made to call the anchors forged.
    const elsewhere = fs.mkdtempSync(path.join(os.tmpdir(), 'banyan-elsewhere-'));
    try {
      const lost = await verify(elsewhere);
      expect(lost.code).toBe(1);
      expect(lost.out.trim().split('\n')).toHaveLength(1);
      expect(lost.out).toContain(`key was not found at ${path.join(elsewhere, 'audit-key')}`);
      expect(lost.out).toMatch(/BANYAN_HOME.*（.*BANYAN_HOME/);
      expect(lost.out).not.toMatch(/forged|\n\s+at /);
      expect(fs.existsSync(path.join(elsewhere, 'audit-key'))).toBe(false);
    } finally {
      fs.rmSync(elsewhere, { recursive: true, force: true });
    }

    const { chain } = (await sql<{ chain: number }>`SELECT chain FROM audit_log ORDER BY id DESC LIMIT 1`.execute(t.db)).rows[0]!;
    await sql`ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update`.execute(t.db);
    await sql`UPDATE audit_chain_head h SET last_seq = h.last_seq - 1, last_hash = l.prev_hash,
        prev_hash = (SELECT prev_hash FROM audit_log WHERE chain = h.chain AND seq = h.last_seq - 1)
      FROM audit_log l WHERE l.chain = h.chain AND l.seq = h.last_seq AND h.chain = ${chain}`.execute(t.db);
    await sql`DELETE FROM audit_log l USING audit_chain_head h WHERE l.chain = h.chain AND l.seq > h.last_seq AND h.chain = ${chain}`.execute(t.db);
    // And a forged row of a chain that cannot exist.
    await sql`INSERT INTO audit_log (chain, seq, at, actor_name, action, entity, prev_hash, hash)
      VALUES (99999, 1, now(), 'mallory', 'login', 'session', '\\x00', '\\x00')`.execute(t.db);
    await sql`ALTER TABLE audit_log ENABLE TRIGGER audit_log_no_update`.execute(t.db);

    const second = await verify();
    expect(second.out).toContain('AUDIT LOG TAMPERED');
    expect(second.out).toMatch(/chain 99999 seq 1 \(id \d+\)/);
    expect(second.out).toMatch(new RegExp(`chain ${chain} seq \\d+: anchor 1 .* no such row`));
    expect(second.code).toBe(2);
  }, 180_000);
});
