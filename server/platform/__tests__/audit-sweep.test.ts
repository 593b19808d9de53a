/**
 * Every write is audited (Q1): each documented route that changes something is called with a plausible body, by
 * users of several roles, and every call that changed a row (counted by a trigger on every table but the audit
 * log's and the sessions') must have appended to the audit log too.
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext } from '../../test/context.ts';
import { seedSmallBank } from '../../test/fixtures.ts';
import { bodySchema, documentedOperations, fill, sample, sessionCookie, type Operation } from '../../test/sweep.ts';

describe('audit, route by route', () => {
  let ctx: TestContext;
  let bank: Awaited<ReturnType<typeof seedSmallBank>>;
  let spec: any;
  let writes: Operation[];

  beforeAll(async () => {
    ctx = await createTestContext();
    bank = await seedSmallBank(ctx.db);
    let ops: Operation[];
    ({ spec, ops } = documentedOperations(ctx.app));
    await sql`CREATE TABLE test_writes (n bigint NOT NULL); INSERT INTO test_writes VALUES (0);
CREATE FUNCTION test_count_write() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN
  -- A row rewritten with the values it had (an upsert of the same settings) changed nothing.
  IF TG_OP = 'UPDATE' AND (to_jsonb(NEW) - 'updated_at') = (to_jsonb(OLD) - 'updated_at') THEN RETURN NULL; END IF;
  UPDATE test_writes SET n = n + 1;
  RETURN NULL;
END $$;
DO $$ DECLARE t text; BEGIN
  FOR t IN SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename NOT IN ('audit_log', 'audit_chain_head', 'session', 'test_writes') LOOP
    EXECUTE format('CREATE TRIGGER test_count_write AFTER INSERT OR UPDATE OR DELETE ON %I FOR EACH ROW EXECUTE FUNCTION test_count_write()', t);
  END LOOP;
END $$`.execute(ctx.db);
    // Signing in and out is audited by the auth module's own tests; logging out here would end the session.
    writes = ops.filter((o) => o.method !== 'GET' && !o.path.startsWith('/api/auth/'));
  });
  afterAll(async () => {
    await ctx?.close();
  });

  const counts = async () => (await sql<{ audit: number; writes: number }>`
    SELECT (SELECT count(*) FROM audit_log)::int AS audit, (SELECT n FROM test_writes)::int AS writes`.execute(ctx.db)).rows[0]!;

  it.each(['admin', 'hq', 'cm_a', 'agent'])('appends to the audit log on every call that changes a row (as %s)', async (username) => {
    const cookie = await sessionCookie(ctx, bank.users[username]!);
    const customerNo = username === 'cm_a' ? bank.customers.zhangWei : bank.customers.wangFang;
    const unaudited: string[] = [];
    let succeeded = 0;
    for (const op of writes) {
      const schema = bodySchema(spec, op);
      const payload = op.hasBody ? { ...(sample(schema) as object), ...(schema?.properties?.customerNo ? { customerNo } : {}) } : undefined;
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
