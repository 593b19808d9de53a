import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../test/context.ts';
import { StartupError } from '../../config.ts';
import { checkSchema, migrateToLatest } from '../migrate.ts';

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase(2);
});
afterAll(() => t?.close());

describe('migrateToLatest', () => {
  it('on an up-to-date database applies nothing', async () => {
    expect(await migrateToLatest(t.db)).toEqual([]);
  });

  it('on a database a newer version migrated says so, in both languages, naming the migration this code lacks', async () => {
    await sql`INSERT INTO kysely_migration (name, timestamp) VALUES ('9999_from_the_future', now()::text)`.execute(t.db);
    try {
      await expect(migrateToLatest(t.db)).rejects.toThrow(
        /migrated by a newer Banyan \(migration 9999_from_the_future is not in this version\).*数据库已由更新版本的 Banyan 迁移/,
      );
      // An operator's error (the CLI tells it in one line, without a stack), not a fault of the program.
      await expect(migrateToLatest(t.db)).rejects.toBeInstanceOf(StartupError);
      await expect(checkSchema(t.db, 'here')).rejects.toBeInstanceOf(StartupError);
    } finally {
      await sql`DELETE FROM kysely_migration WHERE name = '9999_from_the_future'`.execute(t.db);
    }
  });
});
