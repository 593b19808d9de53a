import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Db } from '../../../db/database.ts';
import { buildApp } from '../../../app.ts';
import { loadConfig } from '../../../config.ts';
import { createTestDatabase, login, type TestDatabase } from '../../../test/context.ts';
import { loadSyntheticRecords, PASSWORD, seedSmallBank } from '../../../test/fixtures.ts';
import { modelForBacklog, runEstimate, runOpenEstimates } from '../integration.estimate.ts';
import { integrationJobs } from '../integration.jobs.ts';
import { builtinModel } from '../integration.matching.ts';
import { forgetModel } from '../integration.service.ts';

/**
 * A server that stops aborts its jobs' signal: a model estimate then ends at once (its worker thread terminated),
 * saves nothing, and stays to be run again; it does not hold the stop for the ~10 s of its EM.
 */

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase(4);
  await seedSmallBank(t.db);
  await loadSyntheticRecords(t.db, 6_000, 3);
});
afterAll(() => t?.close());

const versions = async (db: Db) => (await db.selectFrom('match_model').select('version').execute()).length;

/** Aborts `c` once the estimate's worker thread has started reading (the row is running), plus `ms`. */
async function abortWhenRunning(db: Db, id: number, c: { abort: () => unknown }, ms: number) {
  for (let i = 0; i < 200; i++) {
    const r = await db.selectFrom('match_estimate').select('status').where('id', '=', id).executeTakeFirstOrThrow();
    if (r.status === 'running') break;
    await new Promise((res) => setTimeout(res, 10));
  }
  await new Promise((res) => setTimeout(res, ms));
  c.abort();
  return performance.now();
}

describe('a model estimate on a stopping server', () => {
  it('the estimate job ends at once when its signal is aborted: nothing saved, queued again, then run to its end', async () => {
    const { id } = await t.db.insertInto('match_estimate').values({ status: 'queued' }).returning('id').executeTakeFirstOrThrow();
    forgetModel();
    // The job as the scheduler runs it, with the stop signal as third argument.
    const job = integrationJobs.find((j) => j.name === 'integration.estimate')!;
    const c = new AbortController();
    const [outcome] = await Promise.all([job.run(t.db, new Date(), c.signal), abortWhenRunning(t.db, id, c, 300)]);
    expect(outcome).toEqual({ stopped: 1 });
    expect(await versions(t.db)).toBe(0);
    expect(await t.db.selectFrom('match_estimate').select(['status', 'version', 'started_at', 'finished_at']).where('id', '=', id).executeTakeFirstOrThrow())
      .toEqual({ status: 'queued', version: null, started_at: null, finished_at: null });

    // The next run (after the restart) takes it up and finishes it.
    expect(await runOpenEstimates(t.db)).toEqual({ done: 1 });
    expect(await t.db.selectFrom('match_estimate').select(['status', 'version']).where('id', '=', id).executeTakeFirstOrThrow()).toEqual({ status: 'done', version: 1 });
  }, 120_000);

  it('an estimate asked to run on a server already stopping does not start', async () => {
    const { id } = await t.db.insertInto('match_estimate').values({ status: 'queued' }).returning('id').executeTakeFirstOrThrow();
    const c = new AbortController();
    c.abort();
    expect(await runEstimate(t.db, id, c.signal)).toBe('stopped');
    expect(await runOpenEstimates(t.db, c.signal)).toEqual({});
    expect(await t.db.selectFrom('match_estimate').select('status').where('id', '=', id).executeTakeFirstOrThrow()).toEqual({ status: 'queued' });
    await t.db.deleteFrom('match_estimate').where('id', '=', id).execute();
  });

  it('the bulk resolver\'s automatic first estimate stops too: the built-in model, no version, no error reported', async () => {
    await t.db.deleteFrom('match_model').execute();
    forgetModel();
    const report = { onEstimate: vi.fn(), onError: vi.fn(), signal: AbortSignal.timeout(400) };
    const m = await modelForBacklog(t.db, { version: 0, model: builtinModel(), sourceOrder: null }, 1_000, report);
    expect(m.version).toBe(0);
    expect(report.onEstimate).not.toHaveBeenCalled();
    expect(report.onError).not.toHaveBeenCalled();
    expect(await versions(t.db)).toBe(0);
  }, 60_000);

  it('an estimate an admin asked for through the API is stopped by the server\'s close, and queued again', async () => {
    await t.db.deleteFrom('match_estimate').execute();
    forgetModel();
    const config = loadConfig({});
    const app = await buildApp({ config, db: t.db, pool: t.pool });
    await app.ready();
    const cookie = await login(app, 'admin', PASSWORD);
    const start = await app.inject({ method: 'POST', url: '/api/integration/model/estimates', headers: { cookie } });
    expect(start.statusCode).toBe(202);
    const id = start.json().estimate.id as number;
    // The server's close (a stop) once the estimate runs: it ends with the estimate back in the queue, no version.
    await abortWhenRunning(t.db, id, { abort: () => undefined }, 300);
    await app.close();
    expect(await versions(t.db)).toBe(0);
    expect(await t.db.selectFrom('match_estimate').select(['status', 'version']).where('id', '=', id).executeTakeFirstOrThrow()).toEqual({ status: 'queued', version: null });
  }, 60_000);
});
