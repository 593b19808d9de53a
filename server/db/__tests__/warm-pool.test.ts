import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../test/context.ts';
import { hotStatements } from '../../main.ts';
import { warmPool } from '../database.ts';

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase(3);
});
afterAll(() => t?.close());

describe('warmPool', () => {
  it('opens the whole pool with the hot statements prepared on every connection, reading and auditing nothing', async () => {
    await warmPool(t.pool, 3, hotStatements(t.db));
    // Three clients at once: the pool's three, none opened anew.
    const clients = await Promise.all([0, 1, 2].map(() => t.pool.connect()));
    try {
      expect(t.pool.totalCount).toBe(3);
      for (const c of clients) {
        const names = (await c.query('SELECT name FROM pg_prepared_statements ORDER BY name')).rows.map((r) => r.name);
        expect(names).toEqual(['session_user', 'view360_all', 'view360_org', 'view360_own', 'view360_subtree']);
      }
    } finally {
      for (const c of clients) c.release();
    }
    const audit = await t.db.selectFrom('audit_log').select(({ fn }) => fn.countAll<string>().as('n')).executeTakeFirstOrThrow();
    expect(Number(audit.n)).toBe(0);
  });
});
