import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql, type Kysely, type RawBuilder } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../db/database.ts';
import { JOBS } from '../../jobs.ts';
import { createTestContext, createTestDatabase, type TestContext, type TestDatabase } from '../../test/context.ts';
import { auditAnchorJob, auditKey, writeAuditAnchor } from '../audit-anchor.ts';
import { audit, AUDIT_CHAINS, diff, SYSTEM_ACTOR, verifyAudit } from '../audit.ts';

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext();
  // Many concurrent transactions, each appending a few rows, spread over the chains.
  await Promise.all(
    Array.from({ length: 40 }, (_, i) =>
      ctx.db.transaction().execute(async (trx) => {
        for (let j = 0; j < 3; j++) await audit(trx, SYSTEM_ACTOR, { action: 'update', entity: 'test', entityId: `${i}-${j}`, changes: { n: { from: j, to: j + 1 } } });
      }),
    ),
  );
});
afterAll(() => ctx?.close());

describe('audit log', () => {
  it('verifies intact under concurrent writers', async () => {
    const r = await verifyAudit(ctx.db);
    expect(r.problems).toEqual([]);
    expect(r.checked).toBe(120);
  });

  it('has a head for every chain a writer can pick (a missing one would drop its rows silently)', async () => {
    const heads = await ctx.db.selectFrom('audit_chain_head').select('chain').orderBy('chain').execute();
    expect(heads.map((h) => h.chain)).toEqual(Array.from({ length: AUDIT_CHAINS }, (_, i) => i));
  });

  it('is append-only', async () => {
    await expect(sql`UPDATE audit_log SET actor_name = 'mallory'`.execute(ctx.db)).rejects.toThrow(/append-only/);
    await expect(sql`DELETE FROM audit_log`.execute(ctx.db)).rejects.toThrow(/append-only/);
  });

  it('rolls back with the transaction it belongs to', async () => {
    const before = (await verifyAudit(ctx.db)).checked;
    await expect(ctx.db.transaction().execute(async (trx) => {
      await audit(trx, SYSTEM_ACTOR, { action: 'update', entity: 'test' });
      throw new Error('business rule failed');
    })).rejects.toThrow();
    const after = await verifyAudit(ctx.db);
    expect(after.checked).toBe(before);
    expect(after.ok).toBe(true);
  });

  it('shows an edited row and a removed row', async () => {
    // Someone with superuser rights switches the guard off and edits history.
    await sql`ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update`.execute(ctx.db);
    const victim = await ctx.db.selectFrom('audit_log').select(['id', 'chain', 'seq']).orderBy('id').limit(1).executeTakeFirstOrThrow();
    await sql`UPDATE audit_log SET actor_name = 'mallory' WHERE id = ${victim.id}`.execute(ctx.db);
    const other = await ctx.db.selectFrom('audit_log').select(['id', 'chain']).where('chain', '<>', victim.chain).orderBy('id', 'desc').limit(1).executeTakeFirstOrThrow();
    await sql`DELETE FROM audit_log WHERE id = ${other.id}`.execute(ctx.db);
    await sql`ALTER TABLE audit_log ENABLE TRIGGER audit_log_no_update`.execute(ctx.db);
    const r = await verifyAudit(ctx.db);
    expect(r.ok).toBe(false);
    expect(r.problems.join('\n')).toContain(`id ${victim.id}`);
    expect(r.problems.some((p) => p.startsWith(`chain ${other.chain}:`))).toBe(true);
  });

  it('diffs only what changed', () => {
    expect(diff({ a: 1, b: 'x', c: null }, { a: 1, b: 'y', c: undefined })).toEqual({ fields: ['b'], changes: { b: { from: 'x', to: 'y' } } });
    expect(diff({ a: [1, 2] }, { a: [1, 2] })).toBeUndefined();
  });
});

/**
 * Tampering by someone who owns the database (triggers off), each on a database of its own: what the hash chains alone
 * show (rows outside the chains, a missing head, a head off its chain), and what only the keyed anchors show (a chain
 * emptied and its head reset, a chain's newest rows deleted with its head rolled back, anchors forged or deleted).
 */
describe('audit verify against a database owner', () => {
  const key = Buffer.alloc(32, 7);
  let home: string;
  const opened: TestDatabase[] = [];
  beforeAll(() => {
    home = fs.mkdtempSync(path.join(os.tmpdir(), 'banyan-audit-'));
  });
  afterAll(async () => {
    await Promise.all(opened.map((t) => t.close()));
    fs.rmSync(home, { recursive: true, force: true });
  });

  /** A fresh database with rows in several chains, and the chain with the most rows. */
  async function fresh() {
    const t = await createTestDatabase(4);
    opened.push(t);
    await Promise.all(Array.from({ length: 24 }, (_, i) => t.db.transaction().execute(async (trx) => {
      for (let j = 0; j < 3; j++) await audit(trx, SYSTEM_ACTOR, { action: i % 2 ? 'login_failed' : 'update', entity: 'test', entityId: `${i}-${j}` });
    })));
    const busiest = (await sql<{ chain: number; n: number }>`SELECT chain, count(*)::int AS n FROM audit_log GROUP BY chain ORDER BY n DESC, chain LIMIT 1`.execute(t.db)).rows[0]!;
    return { t, db: t.db, chain: busiest.chain };
  }

  async function asOwner(db: Kysely<Database>, statements: RawBuilder<unknown>[]) {
    await sql`ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update`.execute(db);
    await sql`ALTER TABLE audit_anchor DISABLE TRIGGER audit_anchor_no_update`.execute(db);
    for (const s of statements) await s.execute(db);
    await sql`ALTER TABLE audit_log ENABLE TRIGGER audit_log_no_update`.execute(db);
    await sql`ALTER TABLE audit_anchor ENABLE TRIGGER audit_anchor_no_update`.execute(db);
  }

  /** Deletes a chain's newest row and rolls its head back onto the row before, as the tester did. */
  const rollBack = (chain: number) => [
    sql`UPDATE audit_chain_head h SET last_seq = h.last_seq - 1, last_hash = l.prev_hash,
          prev_hash = (SELECT prev_hash FROM audit_log WHERE chain = h.chain AND seq = h.last_seq - 1)
        FROM audit_log l WHERE l.chain = h.chain AND l.seq = h.last_seq AND h.chain = ${chain}`,
    sql`DELETE FROM audit_log l USING audit_chain_head h WHERE l.chain = h.chain AND l.seq > h.last_seq AND h.chain = ${chain}`,
  ];

  it('reports a forged row of a chain that does not exist, where it is', async () => {
    const { db } = await fresh();
    await asOwner(db, [sql`INSERT INTO audit_log (chain, seq, at, actor_name, action, entity, prev_hash, hash)
      VALUES (99999, 1, now(), 'mallory', 'login', 'session', '\\x00', '\\x00')`]);
    const forged = await db.selectFrom('audit_log').select('id').where('chain', '=', 99999).executeTakeFirstOrThrow();
    const r = await verifyAudit(db);
    expect(r.ok).toBe(false);
    expect(r.problems.join('\n')).toContain(`chain 99999 seq 1 (id ${forged.id})`);
    expect(r.checked).toBe(73);
  });

  it('reports a chain deleted with its head, and rows whose head is gone', async () => {
    const { db, chain } = await fresh();
    await asOwner(db, [sql`DELETE FROM audit_log WHERE chain = ${chain}`, sql`DELETE FROM audit_chain_head WHERE chain = ${chain}`]);
    expect((await verifyAudit(db)).problems).toEqual([`chain ${chain}: its head is missing (deleted)`]);

    const other = await fresh();
    await asOwner(other.db, [sql`DELETE FROM audit_chain_head WHERE chain = ${other.chain}`]);
    const r = await verifyAudit(other.db);
    expect(r.problems).toContain(`chain ${other.chain}: its head is missing (deleted)`);
    expect(r.problems.join('\n')).toMatch(new RegExp(`chain ${other.chain} seq 1 \\(id \\d+\\): a row of a chain without a head`));
  });

  it('reports a head that does not match its chain, and a gap', async () => {
    const { db, chain } = await fresh();
    await asOwner(db, [sql`UPDATE audit_chain_head SET prev_hash = '\\x01' WHERE chain = ${chain}`]);
    expect((await verifyAudit(db)).problems.join('\n')).toMatch(new RegExp(`chain ${chain}: head's prev_hash does not match the chain's last row \\(seq \\d+, id \\d+\\)`));
    await asOwner(db, [sql`DELETE FROM audit_log WHERE chain = ${chain} AND seq = 2`]);
    expect((await verifyAudit(db)).problems.join('\n')).toContain(`chain ${chain} seq 2..2: rows missing`);
  });

  it('shows, by its anchor, a chain emptied and its head reset to the start', async () => {
    const { db, chain } = await fresh();
    expect(await writeAuditAnchor(db, key)).toMatchObject({ written: true, id: 1, problems: [] });
    expect(await verifyAudit(db, undefined, { anchorKey: key })).toMatchObject({ ok: true, problems: [] });
    // Everything the database alone can tell is consistent afterwards.
    await asOwner(db, [sql`DELETE FROM audit_log WHERE chain = ${chain}`,
      sql`UPDATE audit_chain_head SET last_seq = 0, last_hash = sha256(convert_to('banyan-audit-genesis-' || chain, 'UTF8')), prev_hash = NULL WHERE chain = ${chain}`]);
    expect((await verifyAudit(db)).ok).toBe(true);
    const r = await verifyAudit(db, undefined, { anchorKey: key });
    expect(r.ok).toBe(false);
    expect(r.problems.join('\n')).toMatch(new RegExp(`chain ${chain} seq \\d+: anchor 1 \\(.*\\) holds this row .* the log has no such row`));
    // A new anchor would bless the cut: none is written.
    const w = await writeAuditAnchor(db, key);
    expect(w.written).toBe(false);
    expect(w.problems.length).toBeGreaterThan(0);
  });

  it("shows, by its anchor, a chain's newest row deleted with its head rolled back, even after new rows took its place", async () => {
    const { db, chain } = await fresh();
    await writeAuditAnchor(db, key);
    await asOwner(db, rollBack(chain));
    expect((await verifyAudit(db)).ok).toBe(true);
    expect((await verifyAudit(db, undefined, { anchorKey: key })).problems.join('\n')).toMatch(new RegExp(`chain ${chain} seq \\d+: anchor 1 .* no such row`));
    // New rows on every chain: the deleted seq is taken again, by a row with another hash.
    await Promise.all(Array.from({ length: 300 }, () => db.transaction().execute((trx) => audit(trx, SYSTEM_ACTOR, { action: 'update', entity: 'test' }))));
    expect((await verifyAudit(db)).ok).toBe(true);
    expect((await verifyAudit(db, undefined, { anchorKey: key })).problems.join('\n')).toMatch(new RegExp(`chain ${chain} seq \\d+ \\(id \\d+\\): anchor 1 .* rows replaced`));
  });

  it('verifies intact while rows are audited between its pages, and anchors exactly the rows it verified', async () => {
    const { db } = await fresh();
    const anchorHome = fs.mkdtempSync(path.join(home, 'busy-'));
    const before = (await sql<{ n: number }>`SELECT count(*)::int AS n FROM audit_log`.execute(db)).rows[0]!.n;
    let appended = 0;
    // A busy server: after every page the walk reads, more rows are audited on other connections, on many chains.
    const r = await verifyAudit(db, async () => {
      await Promise.all(Array.from({ length: 8 }, () => db.transaction().execute((trx) => audit(trx, SYSTEM_ACTOR, { action: 'read', entity: 'customer' }))));
      appended += 8;
    }, { pageSize: 5, anchorKey: key, home: anchorHome, anchorAt: new Date() });
    expect(r.problems).toEqual([]);
    expect(r.ok).toBe(true);
    expect(r.checked).toBe(before);
    expect(appended).toBeGreaterThan(0);
    expect(r.anchorWrite).toMatchObject({ written: true, problems: [] });
    const anchored = (await sql<{ n: string }>`SELECT sum(s)::text AS n FROM audit_anchor, unnest(seqs) s WHERE id = ${r.anchorWrite!.id}`.execute(db)).rows[0]!.n;
    expect(Number(anchored)).toBe(before);
    // Everything since verifies too, the new anchor with it.
    expect(await verifyAudit(db, undefined, { anchorKey: key, home: anchorHome })).toMatchObject({ ok: true, checked: before + appended, problems: [] });
  });

  it('reports a forged anchor, an altered one and anchors deleted after the one this host wrote', async () => {
    const { db } = await fresh();
    const anchorHome = fs.mkdtempSync(path.join(home, 'h-'));
    await writeAuditAnchor(db, key, new Date(), anchorHome);
    await db.transaction().execute((trx) => audit(trx, SYSTEM_ACTOR, { action: 'update', entity: 'test' }));
    await writeAuditAnchor(db, key, new Date(), anchorHome);
    expect(await verifyAudit(db, undefined, { anchorKey: key, home: anchorHome })).toMatchObject({ ok: true, anchors: { anchors: 2, newest: { id: 2 } } });

    await asOwner(db, [sql`INSERT INTO audit_anchor (id, at, seqs, hashes, prev_mac, mac) SELECT 3, now(), seqs, hashes, mac, '\\x00' FROM audit_anchor WHERE id = 2`]);
    expect((await verifyAudit(db, undefined, { anchorKey: key })).problems.join('\n')).toMatch(/anchor 3 \(.*\): its MAC does not verify/);
    // A different key (another installation's, or a guess) does not verify the genuine ones either.
    expect((await verifyAudit(db, undefined, { anchorKey: Buffer.alloc(32, 1) })).problems.join('\n')).toMatch(/anchor 1 .* MAC does not verify/);

    await asOwner(db, [sql`DELETE FROM audit_anchor WHERE id >= 2`]);
    expect((await verifyAudit(db, undefined, { anchorKey: key })).ok).toBe(true);
    expect((await verifyAudit(db, undefined, { anchorKey: key, home: anchorHome })).problems).toEqual([
      `anchor 2, written from this host (${path.join(anchorHome, 'audit-anchor')}), is missing — the newest anchors were deleted`,
    ]);
  });

  it('anchors every 5 minutes as a scheduled job, with a key file of its own created on first use', async () => {
    const { db } = await fresh();
    const job = JOBS.find((j) => j.name === 'audit.anchor');
    expect(job?.cron).toBe('*/5 * * * *');
    const jobHome = path.join(home, 'job-home');
    const r = await auditAnchorJob(() => jobHome).run(db, new Date());
    expect(r).toMatchObject({ written: true, id: 1 });
    expect(fs.statSync(path.join(jobHome, 'audit-key')).mode & 0o777).toBe(0o600);
    expect(await auditAnchorJob(() => jobHome).run(db, new Date())).toMatchObject({ written: false, id: 1 });
    expect(await verifyAudit(db, undefined, { anchorKey: auditKey(jobHome), home: jobHome })).toMatchObject({ ok: true, anchors: { anchors: 1 } });
  });
});
