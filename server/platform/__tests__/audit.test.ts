import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext } from '../../test/context.ts';
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
