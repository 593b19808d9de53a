import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { residentIdCheckChar } from '../../../../engines/identity/index.ts';
import { SYSTEM_ACTOR } from '../../../platform/audit.ts';
import { createTestContext, login, type TestContext } from '../../../test/context.ts';
import { PASSWORD, seedSmallBank } from '../../../test/fixtures.ts';
import { multipartBody, personRow, tmpDir, writeCsv } from '../../interfaces/__tests__/helpers.ts';
import { resolveSourceRecords } from '../integration.service.ts';

/** A record whose resolution fails is `failed`, with its error, for an administrator to see and retry. */

let ctx: TestContext;
const cookies: Record<string, string> = {};
const as = (user: string) => ({ cookie: cookies[user] });
const rid = (first17: string) => first17 + residentIdCheckChar(first17);
const dir = tmpDir();

async function record(key: string, name: string, idNo: string): Promise<number> {
  const row = {
    source_code: 'CORE', record_key: key, kind: 'person' as const, name, id_type: 'resident_id', id_no: idNo, mobile: null, email: null, birth_date: null, gender: null,
    address: null, employer: null, legal_rep: null, attributes: '{}', accounts: '[]', content_hash: createHash('sha256').update(key).digest(),
  };
  return (await ctx.db.insertInto('source_record').values(row).returning('id').executeTakeFirstOrThrow()).id;
}

const stateOf = (id: number) => ctx.db.selectFrom('source_record').select(['match_status', 'customer_id', 'match_error', 'match_attempts']).where('id', '=', id).executeTakeFirstOrThrow();

beforeAll(async () => {
  ctx = await createTestContext({ home: dir });
  await seedSmallBank(ctx.db);
  for (const u of ['admin', 'cm_a']) cookies[u] = await login(ctx.app, u, PASSWORD);
  // Customers named 坏… cannot be written (a data error); 抖… lose a race twice, then go in; 卡… lose it every time.
  await sql.raw(`CREATE SEQUENCE flaky;
    CREATE FUNCTION refuse_bad() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN
      IF NEW.name LIKE '坏%' THEN RAISE EXCEPTION '坏数据 / bad data: %', NEW.name; END IF;
      IF NEW.name LIKE '卡%' OR (NEW.name LIKE '抖%' AND nextval('flaky') <= 2) THEN
        RAISE EXCEPTION 'could not serialize access' USING ERRCODE = 'serialization_failure'; END IF;
      RETURN NEW; END $$;
    CREATE TRIGGER refuse_bad BEFORE INSERT ON customer FOR EACH ROW EXECUTE FUNCTION refuse_bad();`).execute(ctx.db);
});
afterAll(async () => {
  await ctx?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

let bad = 0;
let stuck = 0;

describe('a record whose resolution fails', () => {
  it('is failed with its error and audited, not left pending; the others are resolved', async () => {
    bad = await record('BAD-1', '坏记录', rid('11010819600101123'));
    const ok = await record('OK-1', '好记录', rid('11010819600201123'));
    const s = await resolveSourceRecords(ctx.db, SYSTEM_ACTOR, [bad, ok]);
    expect(s).toMatchObject({ created: 1, failed: 1 });
    // A data error is not tried again in the run: failed after one attempt, with no customer.
    expect(await stateOf(bad)).toEqual({ match_status: 'failed', customer_id: null, match_error: expect.stringContaining('坏数据'), match_attempts: 1 });
    const audit = await ctx.db.selectFrom('audit_log').select(['action', 'changes']).where('entity', '=', 'source_record').where('entity_id', '=', String(bad)).execute();
    expect(audit).toEqual([{ action: 'resolve', changes: expect.objectContaining({ status: 'failed', error: expect.stringContaining('坏数据'), attempts: 1 }) }]);
  });

  it('is tried again at once when it lost a race, and failed only after three attempts', async () => {
    const flaky = await record('FLAKY-1', '抖记录', rid('11010819600301123'));
    stuck = await record('STUCK-1', '卡记录', rid('11010819600401123'));
    const s = await resolveSourceRecords(ctx.db, SYSTEM_ACTOR, [flaky, stuck]);
    expect(s).toMatchObject({ created: 1, failed: 1 });
    expect(await stateOf(flaky)).toMatchObject({ match_status: 'created', match_error: null });
    expect(await stateOf(stuck)).toMatchObject({ match_status: 'failed', match_error: expect.stringContaining('could not serialize'), match_attempts: 3 });
  });
});

describe('failed records for an administrator', () => {
  it('lists them with their error, only to those who manage integration', async () => {
    const res = await ctx.app.inject({ url: '/api/integration/failed-records', headers: as('admin') });
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json();
    expect(body.total).toBe(2);
    expect(body.items.map((i: { recordKey: string }) => i.recordKey)).toEqual(['BAD-1', 'STUCK-1']);
    expect(body.items[0]).toMatchObject({ id: bad, source: 'CORE', name: '坏记录', kind: 'person', attempts: 1, error: expect.stringContaining('坏数据') });
    expect((await ctx.app.inject({ url: '/api/integration/failed-records', headers: as('cm_a') })).statusCode).toBe(403);
    expect((await ctx.app.inject({ method: 'POST', url: '/api/integration/failed-records/retry', headers: as('cm_a'), payload: { recordIds: [bad] } })).statusCode).toBe(403);
  });

  it('retries them: failed again while the cause is there, resolved once it is fixed; each retry audited', async () => {
    const retry = (recordIds: number[]) => ctx.app.inject({ method: 'POST', url: '/api/integration/failed-records/retry', headers: as('admin'), payload: { recordIds } });
    let res = await retry([bad]);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ retried: 1, created: 0, failed: 1, failures: [{ recordId: bad, reason: expect.stringContaining('坏数据') }] });
    expect(await stateOf(bad)).toMatchObject({ match_status: 'failed', match_attempts: 2 });

    // The cause fixed (here: the trigger no longer refuses 坏…): retried with one still failing and one resolved long ago.
    await sql.raw(`CREATE OR REPLACE FUNCTION refuse_bad() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN
      IF NEW.name LIKE '卡%' THEN RAISE EXCEPTION 'could not serialize access' USING ERRCODE = 'serialization_failure'; END IF;
      RETURN NEW; END $$;`).execute(ctx.db);
    const ok = (await ctx.db.selectFrom('source_record').select('id').where('record_key', '=', 'OK-1').executeTakeFirstOrThrow()).id;
    res = await retry([bad, stuck, ok]);
    expect(res.json()).toMatchObject({ retried: 2, created: 1, failed: 1 });
    expect(await stateOf(bad)).toMatchObject({ match_status: 'created', match_error: null, customer_id: expect.any(Number) });
    expect(await stateOf(ok)).toMatchObject({ match_status: 'created' });
    const list = (await ctx.app.inject({ url: '/api/integration/failed-records', headers: as('admin') })).json();
    expect(list.items.map((i: { recordKey: string }) => i.recordKey)).toEqual(['STUCK-1']);
    const retries = await ctx.db.selectFrom('audit_log').select(['entity_id', 'actor_name', 'changes']).where('action', '=', 'retry').execute();
    expect(retries.map((r) => `${r.entity_id} ${r.actor_name}`).sort()).toEqual([`${bad} admin`, `${bad} admin`, `${stuck} admin`].sort());
    expect(retries[0]!.changes).toMatchObject({ match_status: { from: 'failed', to: 'pending' } });
  });

  it('refuses an empty retry, naming the field', async () => {
    const res = await ctx.app.inject({ method: 'POST', url: '/api/integration/failed-records/retry', headers: as('admin'), payload: { recordIds: [] } });
    expect(res.statusCode).toBe(400);
    expect(res.body).toContain('recordIds');
  });
});

describe("a load's report", () => {
  it('counts a record that failed as settled: the load is not left resolving for ever, and its log says where to retry', async () => {
    const created = await ctx.app.inject({ method: 'POST', url: '/api/interfaces', headers: as('admin'), payload: { code: 'CORE_FAIL', name: 'CORE_FAIL', sourceCode: 'CORE', connector: 'file' } });
    expect(created.statusCode, created.body).toBe(201);
    const badRow = personRow(2, 'F');
    badRow[3] = '卡数据';
    const file = writeCsv(path.join(dir, 'core-fail.csv'), [personRow(1, 'F'), badRow]);
    const { payload, headers } = multipartBody('core-fail.csv', fs.readFileSync(file));
    const res = await ctx.app.inject({ method: 'POST', url: `/api/interfaces/${created.json().id}/loads`, payload, headers: { ...headers, ...as('admin') } });
    expect(res.statusCode, res.body).toBe(202);
    let load: { status: string; resolution: { done: number; total: number } } = { status: 'queued', resolution: { done: 0, total: 0 } };
    await expect.poll(async () => {
      load = (await ctx.app.inject({ url: `/api/interfaces/loads/${res.json().id}`, headers: as('admin') })).json();
      return load.status;
    }).toMatch(/succeeded|failed/);
    expect(load.status).toBe('succeeded');
    expect(load.resolution).toMatchObject({ done: 2, total: 2 });
    const rec = await ctx.db.selectFrom('source_record').select('match_status').where('record_key', '=', 'F0000002').executeTakeFirstOrThrow();
    expect(rec.match_status).toBe('failed');
    const log = (await ctx.app.inject({ url: `/api/interfaces/loads/${res.json().id}/log`, headers: as('admin') })).json();
    expect(JSON.stringify(log)).toContain('整合失败的来源记录');

    // The record changed at its source: new content, tried afresh — its attempts count from zero, not on from the old ones.
    badRow[3] = '卡数据改';
    const again = multipartBody('core-fail-2.csv', fs.readFileSync(writeCsv(path.join(dir, 'core-fail-2.csv'), [personRow(1, 'F'), badRow])));
    const res2 = await ctx.app.inject({ method: 'POST', url: `/api/interfaces/${created.json().id}/loads`, payload: again.payload, headers: { ...again.headers, ...as('admin') } });
    expect(res2.statusCode, res2.body).toBe(202);
    await expect.poll(async () => (await ctx.app.inject({ url: `/api/interfaces/loads/${res2.json().id}`, headers: as('admin') })).json().status).toBe('succeeded');
    expect(await ctx.db.selectFrom('source_record').select(['name', 'match_status', 'match_attempts']).where('record_key', '=', 'F0000002').executeTakeFirstOrThrow())
      .toEqual({ name: '卡数据改', match_status: 'failed', match_attempts: 3 });
  });
});
