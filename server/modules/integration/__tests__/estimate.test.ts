import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Db } from '../../../db/database.ts';
import { SYSTEM_ACTOR } from '../../../platform/audit.ts';
import { createTestContext, createTestDatabase, login, type TestContext, type TestDatabase } from '../../../test/context.ts';
import { loadSyntheticRecords as loadSynthetic, PASSWORD, seedSmallBank } from '../../../test/fixtures.ts';
import { resolveBulk } from '../integration.bulk.ts';
import { ESTIMATE_MIN_RECORDS, estimateModel, estimateModelOffThread, modelForBacklog, runOpenEstimates, TF_MAX_VALUES, type AutoEstimate } from '../integration.estimate.ts';
import { integrationJobs } from '../integration.jobs.ts';
import { builtinModel, type MatchModel } from '../integration.matching.ts';
import { activeModel, forgetModel } from '../integration.service.ts';

const onError = (err: unknown) => {
  throw err;
};

/** Pairwise precision and recall of the customers against the generator's entities. */
async function accuracy(db: Db, truth: Map<string, string>) {
  const rows = (await db.selectFrom('source_record').select(['record_key', 'customer_id']).execute());
  const pairs = (key: (r: (typeof rows)[number]) => string) => {
    const n = new Map<string, number>();
    for (const r of rows) n.set(key(r), (n.get(key(r)) ?? 0) + 1);
    return [...n.values()].reduce((s, k) => s + (k * (k - 1)) / 2, 0);
  };
  const tp = pairs((r) => `${r.customer_id}|${truth.get(r.record_key)}`);
  return { precision: tp / pairs((r) => String(r.customer_id)), recall: tp / pairs((r) => truth.get(r.record_key)!) };
}

const level = (m: MatchModel, comparison: string, label: string, kind = 'person') =>
  m.comparisons.find((c) => c.name === comparison && (!c.kind || c.kind === kind))!.levels.find((l) => l.label === label)!;

let ctx: TestContext;
const cookies: Record<string, string> = {};
const as = (user: string) => ({ cookie: cookies[user] });

beforeAll(async () => {
  ctx = await createTestContext();
  await seedSmallBank(ctx.db);
  for (const u of ['admin', 'cm_a']) cookies[u] = await login(ctx.app, u, PASSWORD);
});
afterAll(() => ctx?.close());

describe('estimating the match model from the source records (EM, no labels)', () => {
  it('refuses with too few records, naming the rule', async () => {
    const r = await ctx.app.inject({ method: 'POST', url: '/api/integration/model/estimates', headers: { ...as('admin'), 'accept-language': 'en' } });
    expect(r.statusCode).toBe(400);
    expect(r.json().error.fields[0]).toMatchObject({ field: 'records', rule: 'tooFew' });
    expect(r.json().error.message).toContain(String(ESTIMATE_MIN_RECORDS));
    expect((await ctx.app.inject({ method: 'POST', url: '/api/integration/model/estimates', headers: as('cm_a') })).statusCode).toBe(403);
  });

  it('runs in the background and saves a new draft version that keeps the admin\'s thresholds and overrides, and decides nothing', async () => {
    await loadSynthetic(ctx.db, 3_000, 5);
    forgetModel();
    const saved = await ctx.app.inject({
      method: 'PUT', url: '/api/integration/model', headers: as('admin'),
      payload: { matchThreshold: 0.9995, reviewThreshold: 0.6, weights: [{ comparison: 'cn.email', kind: 'person', level: 'exact', weight: 7.5 }], sourceOrder: ['wealth', 'core_savings'], note: 'tuned' },
    });
    expect(saved.statusCode).toBe(200);
    const start = await ctx.app.inject({ method: 'POST', url: '/api/integration/model/estimates', headers: as('admin') });
    expect(start.statusCode).toBe(202);
    expect(start.json().estimate.status).toMatch(/queued|running/);
    const id = start.json().estimate.id as number;
    let e = start.json().estimate;
    for (let t = 0; t < 600 && (e.status === 'queued' || e.status === 'running'); t++) {
      await new Promise((r) => setTimeout(r, 100));
      e = (await ctx.app.inject({ url: `/api/integration/model/estimates/${id}`, headers: as('admin') })).json();
    }
    expect(e).toMatchObject({ status: 'done', version: 2, records: 3_000, error: null });
    expect((await ctx.app.inject({ url: '/api/integration/model/estimates', headers: as('admin') })).json().items[0]).toMatchObject({ id, status: 'done', version: 2 });

    // A draft: the model in force is still the admin's version 1, and the page says which is which.
    const active = (await ctx.app.inject({ url: '/api/integration/model', headers: as('admin') })).json();
    expect(active.version).toBe(1);
    forgetModel();
    expect((await activeModel(ctx.db)).version).toBe(1);
    expect(active.history.map((h: { version: number; status: string; active: boolean }) => [h.version, h.status, h.active])).toEqual([[2, 'draft', false], [1, 'active', true]]);
    const m = (await ctx.app.inject({ url: '/api/integration/model/versions/2', headers: as('admin') })).json();
    expect(m).toMatchObject({ version: 2, status: 'draft', active: false, activatedAt: null });
    // The version's note and the training notes in both languages (the page shows the reader's).
    expect(active.history[0].note).toEqual({ zh: 'EM 估计（3000 条来源记录中取 3000 条）', en: 'EM estimate from 3000 of 3000 source records' });
    expect(m.training.zh).toMatch(/^3000 条记录，\d+ 个候选对，EM 迭代 \d+ 次。u 取自随机记录对/);
    expect(m.training.en).toMatch(/^3000 records, \d+ candidate pairs, \d+ EM iterations\. u from random pairs/);
    const model = m.model as MatchModel;
    const builtin = builtinModel();
    // Estimated from the data: m/u and the prior are not the built-in starting values.
    expect(level(model, 'cn.mobile', 'exact').u).not.toBe(level(builtin, 'cn.mobile', 'exact').u);
    expect(level(model, 'cn.person-name', 'exact').m).not.toBe(level(builtin, 'cn.person-name', 'exact').m);
    expect(model.priorMatchProbability.person).not.toBe(builtin.priorMatchProbability.person);
    expect(model.trainedOn?.records).toBe(3_000);
    // The admin's settings survive.
    expect(model.matchThreshold).toBe(0.9995);
    expect(model.reviewThreshold).toBe(0.6);
    expect(level(model, 'cn.email', 'exact').weight).toBe(7.5);
    expect(model.comparisons.flatMap((c) => c.levels).filter((l) => l.weight !== undefined)).toHaveLength(1);
    const stored = await ctx.db.selectFrom('match_model').select('source_order').where('version', '=', 2).executeTakeFirstOrThrow();
    expect(stored.source_order).toEqual(['wealth', 'core_savings']);
    for (const t of Object.values(model.termFrequencies ?? {})) expect(Object.keys(t.counts).length).toBeLessThanOrEqual(TF_MAX_VALUES);
    expect(Object.keys(model.termFrequencies ?? {})).toContain('cn.person-name');

    const audits = await ctx.db.selectFrom('audit_log').select(['action', 'actor_name', 'changes']).where('entity', '=', 'match_model').where('entity_id', '=', '2').execute();
    expect(audits).toHaveLength(1);
    expect(audits[0]).toMatchObject({ action: 'create', actor_name: 'admin', changes: { status: 'draft', active: { version: 1 }, draft: { version: 2 }, estimate: { records: 3_000, of: 3_000, automatic: false } } });
    expect(await ctx.db.selectFrom('audit_log').select('id').where('entity', '=', 'match_estimate').where('entity_id', '=', String(id)).execute()).toHaveLength(1);
  });

  it('caps every term-frequency table; a value cut off keeps a default count', async () => {
    const est = await estimateModel(ctx.db, builtinModel(), { tfMaxValues: 100 });
    const names = est.model.termFrequencies!['cn.person-name']!;
    expect(Object.keys(names.counts)).toHaveLength(100);
    expect(names.rest).toBeGreaterThanOrEqual(1);
    for (const t of Object.values(est.model.termFrequencies!)) expect(Object.keys(t.counts).length).toBeLessThanOrEqual(100);
  });

  it('runs on a worker thread with its own connection: the same model as on this thread, and its errors as they are', async () => {
    const here = await estimateModel(ctx.db, builtinModel(), { tfMaxValues: 100 });
    const off = await estimateModelOffThread(ctx.db, builtinModel(), { tfMaxValues: 100 });
    expect(off.records).toBe(here.records);
    expect(off.pairs).toBe(here.pairs);
    expect(off.model).toEqual(here.model);
    // Too few records in the sample: the thread's AppError reaches the caller with its code and field.
    await expect(estimateModelOffThread(ctx.db, builtinModel(), { maxRecords: 10 })).rejects.toMatchObject({ code: 'VALIDATION', fields: [{ field: 'records', rule: 'tooFew' }] });
  });

  it('an estimate left by a stopped server is finished by the minute job', async () => {
    expect(integrationJobs.map((j) => j.name)).toContain('integration.estimate');
    const { id } = await ctx.db.insertInto('match_estimate').values({ status: 'running', started_at: new Date() }).returning('id').executeTakeFirstOrThrow();
    forgetModel();
    expect(await runOpenEstimates(ctx.db)).toEqual({ done: 1 });
    const row = await ctx.db.selectFrom('match_estimate').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ status: 'done', version: 3 });
    // A draft too, from the active version 1: the admin's settings are still there.
    forgetModel();
    expect((await activeModel(ctx.db)).version).toBe(1);
    const m = (await ctx.app.inject({ url: '/api/integration/model/versions/3', headers: as('admin') })).json();
    expect(m.status).toBe('draft');
    expect(m.model.matchThreshold).toBe(0.9995);
    expect(level(m.model, 'cn.email', 'exact').weight).toBe(7.5);
  });

  it('an administrator activates a draft, and any earlier version again (rollback): audited from → to, the only version matching uses', async () => {
    const activate = (v: number | string, user = 'admin') => ctx.app.inject({ method: 'POST', url: `/api/integration/model/versions/${v}/activate`, headers: { ...as(user), 'accept-language': 'en' } });
    expect((await activate(2, 'cm_a')).statusCode).toBe(403);
    expect((await activate(99)).statusCode).toBe(404);
    expect((await ctx.app.inject({ url: '/api/integration/model/versions/99', headers: as('admin') })).statusCode).toBe(404);
    expect((await activate(0)).statusCode).toBe(400);
    const already = await activate(1);
    expect(already.statusCode).toBe(409);
    expect(already.json().error.message).toBe('v1 is the active version already');

    const on = await activate(2);
    expect(on.statusCode).toBe(200);
    expect(on.json().version).toBe(2);
    expect(on.json().history.map((h: { version: number; status: string }) => [h.version, h.status])).toEqual([[3, 'draft'], [2, 'active'], [1, 'earlier']]);
    // Resolution uses the activated version at once in this process (the cache is forgotten).
    expect((await activeModel(ctx.db)).version).toBe(2);
    expect((await activeModel(ctx.db)).model.trainedOn?.records).toBe(3_000);

    const back = await activate(1);
    expect(back.statusCode).toBe(200);
    expect((await activeModel(ctx.db)).version).toBe(1);
    expect(back.json().history.map((h: { version: number; status: string }) => [h.version, h.status])).toEqual([[3, 'draft'], [2, 'earlier'], [1, 'active']]);
    expect(await ctx.db.selectFrom('match_model').select('version').where('active', '=', true).execute()).toEqual([{ version: 1 }]);

    const audits = await ctx.db.selectFrom('audit_log').select(['entity_id', 'actor_name', 'changes']).where('entity', '=', 'match_model').where('action', '=', 'activate').orderBy('id').execute();
    expect(audits).toMatchObject([
      { entity_id: '2', actor_name: 'admin', changes: { from: { version: 1 }, to: { version: 2 }, was: 'draft', rollback: false } },
      { entity_id: '1', actor_name: 'admin', changes: { from: { version: 2 }, to: { version: 1 }, was: 'earlier', rollback: true } },
    ]);
  });

  it('the source-order panel counts every record of a source, apart from the sample it compares', async () => {
    const m = (await ctx.app.inject({ url: '/api/integration/model', headers: as('admin') })).json();
    const counts = await ctx.db.selectFrom('source_record').select(['source_code', ctx.db.fn.countAll<string>().as('n')]).groupBy('source_code').execute();
    expect(counts.length).toBeGreaterThan(0);
    for (const c of counts) expect(m.sources.find((s: { code: string }) => s.code === c.source_code).records).toBe(Number(c.n));
    expect(m.recordsExact).toBe(true);
    expect(m.orderSample).toBe(300);
    expect(Math.max(...counts.map((c) => Number(c.n)))).toBeGreaterThan(300);
  });
});

describe('the bulk resolver\'s automatic first estimate', () => {
  let builtin: TestDatabase;
  let estimated: TestDatabase;
  beforeAll(async () => {
    [builtin, estimated] = await Promise.all([createTestDatabase(4), createTestDatabase(4)]);
  });
  afterAll(async () => {
    await builtin?.close();
    await estimated?.close();
  });

  it('estimates a model from a large backlog first and finds more of the duplicates than the built-in model, as precisely', async () => {
    const N = 10_000;
    const [truth] = await Promise.all([loadSynthetic(builtin.db, N, 11), loadSynthetic(estimated.db, N, 11)]);
    for (const db of [builtin.db, estimated.db]) await seedSmallBank(db);

    forgetModel();
    await resolveBulk(builtin.db, SYSTEM_ACTOR, { estimateFrom: Infinity, onError });
    forgetModel();
    expect((await activeModel(builtin.db)).version).toBe(0);

    forgetModel();
    let first: AutoEstimate | undefined;
    const s = await resolveBulk(estimated.db, SYSTEM_ACTOR, { estimateFrom: 5_000, onError, onEstimate: (e) => (first = e) });
    expect(first).toMatchObject({ version: 1, records: N, total: N });
    expect(s.matched + s.created + s.review).toBe(N);
    const row = await estimated.db.selectFrom('match_model').select(['version', 'note', 'created_by']).where('active', '=', true).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ version: 1, created_by: null });
    expect(row.note).toMatch(/^Automatic EM estimate from 10000 of 10000 pending/);
    expect(await estimated.db.selectFrom('audit_log').select('id').where('entity', '=', 'match_model').where('entity_id', '=', '1').execute()).toHaveLength(1);
    // The automatic first estimate is the active version at once (nothing was decided with another model yet).
    expect((await estimated.db.selectFrom('match_model').select(['active', 'activated_at']).where('version', '=', 1).executeTakeFirstOrThrow()).activated_at).not.toBeNull();

    const [a, b] = [await accuracy(builtin.db, truth), await accuracy(estimated.db, truth)];
    expect(b.recall).toBeGreaterThan(a.recall);
    expect(b.precision).toBeGreaterThanOrEqual(0.999);
    expect(a.precision).toBeGreaterThanOrEqual(0.999);

    // Once a version exists, a later backlog is resolved with it: no second automatic estimate.
    forgetModel();
    let again: AutoEstimate | undefined;
    await resolveBulk(estimated.db, SYSTEM_ACTOR, { estimateFrom: 0, onError, onEstimate: (e) => (again = e) });
    expect(again).toBeUndefined();
    forgetModel();
    expect((await activeModel(estimated.db)).version).toBe(1);
  }, 240_000);

  it('makes no automatic first model while a draft waits for an administrator\'s decision', async () => {
    await builtin.db.insertInto('match_model').values({ version: 1, model: JSON.stringify(builtinModel()), note: 'a draft', active: false, activated_at: null }).execute();
    const report = { onEstimate: vi.fn(), onError: vi.fn() };
    const m = await modelForBacklog(builtin.db, { version: 0, model: builtinModel(), sourceOrder: null }, 0, report);
    expect(m.version).toBe(0);
    expect(report.onEstimate).not.toHaveBeenCalled();
    expect(report.onError).not.toHaveBeenCalled();
    expect(await builtin.db.selectFrom('match_model').select('version').execute()).toEqual([{ version: 1 }]);
  });
});
