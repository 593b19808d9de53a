import fs from 'node:fs';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../../test/context.ts';
import { GOLDEN_FIELDS } from '../../integration/integration.survivorship.ts';
import { defaultTrust } from '../interfaces.trust.ts';
import { personRow, tmpDir, writeCsv } from './helpers.ts';

/** `banyan import` on a database that was only migrated: no start, so no head office yet (a tester's first step). */

const root = path.resolve(import.meta.dirname, '../../../..');
const dir = tmpDir();
let t: TestDatabase;

const cli = (args: string[]) =>
  spawnSync(process.execPath, [path.join(root, 'cli/banyan.mjs'), ...args], { cwd: root, env: { ...process.env, DATABASE_URL: t.url, BANYAN_HOME: dir }, encoding: 'utf8' });

beforeAll(async () => {
  t = await createTestDatabase(2);
});
afterAll(async () => {
  await t?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('banyan import before the first start', () => {
  it('places new customers at the head office it creates, instead of failing every record while saying it succeeded', async () => {
    expect((await sql<{ n: number }>`SELECT count(*)::int AS n FROM org_unit`.execute(t.db)).rows[0]!.n).toBe(0);
    const f = writeCsv(path.join(dir, 'first.csv'), [personRow(1, 'A'), personRow(2, 'A')]);
    const r = cli(['import', '--source', 'FIRST', '--create-source', f]);
    expect(r.status, r.stdout + r.stderr).toBe(0);
    const recs = await sql<{ match_status: string; org_path: string }>`
      SELECT r.match_status, o.path AS org_path FROM source_record r JOIN customer c ON c.id = r.customer_id JOIN org_unit o ON o.id = c.org_id`.execute(t.db);
    expect(recs.rows.map((x) => x.match_status)).toEqual(['created', 'created']);
    expect(new Set(recs.rows.map((x) => x.org_path)).size).toBe(1);
    // The source it registered is trusted per field as one registered on the Sources page without trust (kind other).
    const src = await sql<{ kind: string; field_trust: Record<string, number> }>`SELECT kind, field_trust FROM source_system WHERE code = 'FIRST'`.execute(t.db);
    expect(src.rows[0]!.kind).toBe('other');
    expect(src.rows[0]!.field_trust).toEqual(defaultTrust('other'));
    expect(Object.keys(src.rows[0]!.field_trust).sort()).toEqual([...GOLDEN_FIELDS].sort());
  });

  it('says so and exits 1 when records could not be resolved into customers', async () => {
    await sql.raw(`CREATE FUNCTION refuse_all() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'refused'; END $$;
      CREATE TRIGGER refuse_all BEFORE INSERT ON customer FOR EACH ROW EXECUTE FUNCTION refuse_all();`).execute(t.db);
    const f = writeCsv(path.join(dir, 'second.csv'), [personRow(3, 'B')]);
    const r = cli(['import', '--source', 'FIRST', f]);
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/1 records failed to resolve into customers/);
    expect(r.stdout).toMatch(/1 条记录未能整合入客户/);
  });
});
