/**
 * Every write is audited (Q1): each documented route that changes something is called with a plausible body, by
 * users of several roles, and every call that changed a row (counted by a trigger on every table but the audit
 * log's and the sessions') must have appended to the audit log too. Likewise every read: each documented GET
 * route, asked about a customer by the manager who sees that customer's personal data in clear, must have
 * appended to the audit log whenever its answer holds the customer's ID number, mobile or address.
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext } from '../../test/context.ts';
import { seedSmallBank } from '../../test/fixtures.ts';
import { bankHints, bodySchema, CLEAR_PERSONAL_DATA, customerGetUrl, documentedOperations, fill, installWriteCounter, rowsWritten, sample, sessionCookie, type Operation } from '../../test/sweep.ts';

describe('audit, route by route', () => {
  let ctx: TestContext;
  let bank: Awaited<ReturnType<typeof seedSmallBank>>;
  let spec: any;
  let writes: Operation[];
  let reads: Operation[];

  beforeAll(async () => {
    ctx = await createTestContext();
    bank = await seedSmallBank(ctx.db);
    let ops: Operation[];
    ({ spec, ops } = documentedOperations(ctx.app));
    await installWriteCounter(ctx);
    // Signing in and out is audited by the auth module's own tests; logging out here would end the session.
    writes = ops.filter((o) => o.method !== 'GET' && !o.path.startsWith('/api/auth/'));
    reads = ops.filter((o) => o.method === 'GET');
  });
  afterAll(async () => {
    await ctx?.close();
  });

  const counts = async () => ({ audit: Number((await sql<{ n: string }>`SELECT count(*) AS n FROM audit_log`.execute(ctx.db)).rows[0]!.n), writes: await rowsWritten(ctx) });

  // Before the writes below, which delete the customer among other things.
  it('appends to the audit log on every answer that shows personal data in clear', async () => {
    const cookie = await sessionCookie(ctx, bank.users.cm_a!);
    const no = bank.customers.zhangWei;
    const unaudited: string[] = [];
    let shown = 0;
    for (const op of reads) {
      const url = customerGetUrl(op, no, '张伟');
      const before = await counts();
      const res = await ctx.app.inject({ url, headers: { cookie } });
      if (res.statusCode !== 200 || !CLEAR_PERSONAL_DATA.some((p) => res.rawPayload.includes(p))) continue;
      shown++;
      if ((await counts()).audit === before.audit) unaudited.push(`GET ${url}`);
    }
    expect(shown).toBeGreaterThan(1);
    expect(unaudited).toEqual([]);
  });

  it.each(['admin', 'hq', 'cm_a', 'agent'])('appends to the audit log on every call that changes a row (as %s)', async (username) => {
    const cookie = await sessionCookie(ctx, bank.users[username]!);
    const customerNo = username === 'cm_a' ? bank.customers.zhangWei : bank.customers.wangFang;
    const unaudited: string[] = [];
    let succeeded = 0;
    for (const op of writes) {
      const schema = bodySchema(spec, op);
      const payload = op.hasBody ? { ...(sample(schema, bankHints(bank)) as object), ...(schema?.properties?.customerNo ? { customerNo } : {}) } : undefined;
      const url = fill(op.path.replace('{customerNo}', customerNo), '1');
      const before = await counts();
      const res = await ctx.app.inject({ method: op.method as 'POST', url, headers: { cookie }, payload });
      const after = await counts();
      if (after.writes === before.writes) continue;
      succeeded++;
      if (after.audit === before.audit) unaudited.push(`${op.method} ${url} → ${res.statusCode}, ${after.writes - before.writes} rows written`);
    }
    expect(succeeded).toBeGreaterThan(0);
    expect(unaudited).toEqual([]);
  });
});
