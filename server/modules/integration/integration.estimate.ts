import { Worker } from 'node:worker_threads';
import { poolOf, type Db } from '../../db/database.ts';
import { candidatePairs, capTermFrequencies, EM_NOTE, seededRandom, trainModel } from '../../../engines/matching/index.ts';
import { audit, SYSTEM_ACTOR, type Actor } from '../../platform/audit.ts';
import type { CurrentUser } from '../../platform/auth.ts';
import { AppError, fieldError, fromThreadError, invalid, notFound, type Message } from '../../platform/errors.ts';
import type { EstimateWorkerInput, EstimateWorkerMessage } from './integration.estimate-worker.ts';
import * as repo from './integration.repository.ts';
import { builtinModel, fromRecord, prepared, type MatchModel, type Prepared } from './integration.matching.ts';
import { activeModel, forgetModel, type ActiveModel } from './integration.service.ts';

/**
 * The match model estimated from the bank's own source records (EM, no labels; the engine's trainModel), saved
 * as a new draft version (active only once an administrator activates it) that keeps the admin's thresholds,
 * level-weight overrides and source order. Run by hand as a
 * background job (match_estimate rows, picked up by the minute job after a restart), and once automatically
 * by the bulk resolver before a large first backlog while only the built-in model exists.
 */

/** Fewest records an estimate takes: below it EM sees too few duplicate pairs to learn m from. */
export const ESTIMATE_MIN_RECORDS = 1_000;
/** Most records an estimate reads (a uniform sample beyond): enough for stable m/u, bounded memory and time. */
export const ESTIMATE_MAX_RECORDS = 200_000;
/** Values kept per term-frequency table: every process re-reads the model's JSON every 10 s. */
export const TF_MAX_VALUES = 5_000;
/** A fixed seed: the same records give the same model. */
export const ESTIMATE_SEED = 1;
/** A bulk run over at least this many new records, with only the built-in model, first estimates one from them. */
export const AUTO_ESTIMATE_BACKLOG = 10_000;

export type Estimated = { model: MatchModel; records: number; total: number; pairs: number; ms: number };
export type EstimateOptions = { sample?: repo.EstimateSample; maxRecords?: number; tfMaxValues?: number };

const ESTIMATE_NOT_FOUND: Message = { zh: '模型估计任务不存在', en: 'Model estimate not found' };

function tooFew(n: number) {
  return invalid([fieldError(
    'records', 'tooFew',
    `从数据估计模型至少需要 ${ESTIMATE_MIN_RECORDS} 条来源记录（现有 ${n} 条）`, `estimating the model from data needs at least ${ESTIMATE_MIN_RECORDS} source records (there are ${n})`,
  )]);
}

/**
 * Estimates a model from the source records (no writes): `base` gives the comparisons and starting m/u. An aborted
 * `signal` ends it with its reason between reads (EM itself, once started, runs to its end: estimateModelOffThread
 * stops a thread at once).
 */
export async function estimateModel(db: Db, base: MatchModel, opts: EstimateOptions = {}, signal?: AbortSignal): Promise<Estimated> {
  const t0 = performance.now();
  signal?.throwIfAborted();
  const { total, ids } = await repo.sampleEstimateRecords(db, opts.sample ?? 'all', opts.maxRecords ?? ESTIMATE_MAX_RECORDS);
  if (ids.length < ESTIMATE_MIN_RECORDS) throw tooFew(total);
  const preps: Prepared[] = [];
  for (let i = 0; i < ids.length; i += 10_000) {
    signal?.throwIfAborted();
    for (const r of await repo.recordsForEstimate(db, ids.slice(i, i + 10_000))) preps.push(prepared(fromRecord(r)));
  }
  signal?.throwIfAborted();
  const candidates = candidatePairs(preps, base.preset);
  const model = trainModel(preps, { preset: base.preset, random: seededRandom(ESTIMATE_SEED), candidates, base });
  model.termFrequencies = capTermFrequencies(model.termFrequencies ?? {}, opts.tfMaxValues ?? TF_MAX_VALUES);
  model.trainedOn = { ...model.trainedOn!, records: preps.length };
  return { model, records: preps.length, total, pairs: candidates.a.length, ms: performance.now() - t0 };
}

/**
 * estimateModel on a worker thread with a connection of its own: EM over 200,000 records takes the CPU for
 * ~10 s, which on the server's thread would stall every request. Where the database has no pool to connect
 * to again (a Db not made by createDb), it runs here. An aborted `signal` (the server stopping) ends the thread
 * at once and rejects with the signal's reason: the estimate only reads, so nothing is left half-written.
 */
export async function estimateModelOffThread(db: Db, base: MatchModel, opts: EstimateOptions = {}, signal?: AbortSignal): Promise<Estimated> {
  signal?.throwIfAborted();
  const url = (poolOf(db)?.options as { connectionString?: string } | undefined)?.connectionString;
  if (!url) return estimateModel(db, base, opts, signal);
  const w = new Worker(new URL('./integration.estimate-worker.mjs', import.meta.url), { workerData: { url, base, opts } satisfies EstimateWorkerInput });
  let onAbort: (() => void) | undefined;
  try {
    const m = await new Promise<EstimateWorkerMessage>((resolve, reject) => {
      w.once('message', resolve);
      w.once('error', reject);
      w.once('exit', (code) => reject(new Error(`the estimate thread stopped (exit ${code})`)));
      if (signal) {
        onAbort = () => reject(signal.reason);
        signal.addEventListener('abort', onAbort, { once: true });
      }
    });
    if (m.type === 'done') return m.estimated;
    throw fromThreadError(m);
  } finally {
    if (onAbort) signal!.removeEventListener('abort', onAbort);
    // Also the thread of an aborted estimate, mid-EM: its connection ends with it.
    await w.terminate();
  }
}

/** The admin's settings of `from` on the estimated model: thresholds and exactly its level-weight overrides. */
function keepSettings(model: MatchModel, from: MatchModel): number {
  model.matchThreshold = from.matchThreshold;
  model.reviewThreshold = from.reviewThreshold;
  let overrides = 0;
  for (const c of model.comparisons) {
    const fc = from.comparisons.find((x) => x.name === c.name && x.kind === c.kind);
    for (const lv of c.levels) {
      const w = fc?.levels.find((l) => l.label === lv.label)?.weight;
      if (w === undefined) delete lv.weight;
      else {
        lv.weight = w;
        overrides++;
      }
    }
  }
  return overrides;
}

/**
 * Saves the estimate as a new version, audited: a draft that decides nothing until an administrator activates it
 * (integration.service activateModel), after comparing it with the active one. The settings kept are those in force
 * when it is saved (an admin may have saved a version while it ran). `firstOnly` (the bulk resolver's automatic first
 * estimate): save only while no version at all exists (else null), and make it the active one at once — nothing was
 * decided with another model yet, and the built-in default is no better reviewed; a draft waiting for an
 * administrator's decision is left to them (the built-in model goes on).
 */
async function saveEstimated(db: Db, actor: Actor, est: Estimated, note: string, firstOnly: boolean): Promise<number | null> {
  const version = await db.transaction().execute(async (trx) => {
    await repo.lockModelWrites(trx);
    if (firstOnly && (await repo.hasModelVersions(trx))) return null;
    const now = await repo.getActiveModel(trx);
    const model = structuredClone(est.model);
    const overrides = keepSettings(model, now ? (now.model as MatchModel) : builtinModel());
    const r = await repo.insertModel(trx, { model, source_order: now?.source_order ?? null, note, created_by: actor.userId }, firstOnly);
    const to = { version: r.version, matchThreshold: model.matchThreshold, reviewThreshold: model.reviewThreshold, overridesKept: overrides, prior: model.priorMatchProbability };
    const estimate = { records: est.records, of: est.total, candidatePairs: est.pairs, seed: ESTIMATE_SEED, automatic: firstOnly };
    await audit(trx, actor, firstOnly
      ? { action: 'update', entity: 'match_model', entityId: r.version, fields: ['model', 'active'], changes: { from: { version: now?.version ?? 0 }, to, estimate } }
      : { action: 'create', entity: 'match_model', entityId: r.version, fields: ['model'], changes: { status: 'draft', active: { version: now?.version ?? 0 }, draft: to, estimate } });
    return r.version;
  });
  forgetModel();
  return version;
}

// ---------------------------------------------------------------- notes in the reader's language

/** The note of a version an estimate saves, stored as it always was (English); noteMessage says it in both languages. */
function estimateNote(est: Estimated, automatic: boolean) {
  return automatic
    ? `Automatic EM estimate from ${est.records} of ${est.total} pending source records (first bulk resolution)`
    : `EM estimate from ${est.records} of ${est.total} source records`;
}

/** A model version's note in both languages: those estimates write translated, an administrator's own as written. */
export function noteMessage(note: string | null): Message | null {
  if (note === null) return null;
  let m = /^EM estimate from (\d+) of (\d+) source records$/.exec(note);
  if (m) return { zh: `EM 估计（${m[2]} 条来源记录中取 ${m[1]} 条）`, en: note };
  m = /^Automatic EM estimate from (\d+) of (\d+) pending source records \(first bulk resolution\)$/.exec(note);
  if (m) return { zh: `首次批量整合前自动 EM 估计（${m[2]} 条待整合来源记录中取 ${m[1]} 条）`, en: note };
  return { zh: note, en: note };
}

/** How the model's m and u were obtained (its `trainedOn`), in both languages; null for the built-in defaults. */
export function trainingMessage(t: MatchModel['trainedOn']): Message | null {
  if (!t) return null;
  const known = t.note === EM_NOTE;
  return {
    zh: `${t.records} 条记录，${t.pairs} 个候选对，EM 迭代 ${t.iterations} 次。${known ? 'u 取自随机记录对；m 按每条分块规则用 EM 估计（不计该规则所用的字段）；先验概率由 EM 在全部分块记录对上估计；阈值为固定的后验概率。' : t.note}`,
    en: `${t.records} records, ${t.pairs} candidate pairs, ${t.iterations} EM iterations. ${known ? 'u from random pairs; m by EM per blocking rule (the rule\'s own fields left out); prior by EM over all blocked pairs; thresholds are fixed posterior probabilities.' : t.note}`,
  };
}

// ---------------------------------------------------------------- the background job

type EstimateRow = NonNullable<Awaited<ReturnType<typeof repo.getEstimate>>>;

function present(e: EstimateRow) {
  return {
    id: e.id, status: e.status, records: e.records, candidatePairs: e.pairs, version: e.version, error: (e.error as Message | null) ?? null,
    requestedBy: e.requested_by_name, createdAt: e.created_at, startedAt: e.started_at, finishedAt: e.finished_at,
  };
}

export async function getEstimate(db: Db, id: number) {
  const e = await repo.getEstimate(db, id);
  if (!e) throw notFound(ESTIMATE_NOT_FOUND);
  return present(e);
}

export async function listEstimates(db: Db, limit = 10) {
  return { items: (await repo.listEstimates(db, limit)).map(present) };
}

/** Queues an estimate from every source record (one at a time: one already queued or running is returned). */
export async function requestEstimate(db: Db, user: CurrentUser, actor: Actor) {
  const open = await repo.findOpenEstimates(db);
  if (open.length) return { created: false, estimate: await getEstimate(db, open[0]!.id) };
  const records = await repo.countSourceRecords(db);
  if (records < ESTIMATE_MIN_RECORDS) throw tooFew(records);
  const id = await db.transaction().execute(async (trx) => {
    const r = await repo.insertEstimate(trx, user.id);
    await audit(trx, actor, { action: 'create', entity: 'match_estimate', entityId: r.id, fields: ['status'], changes: { status: { from: null, to: 'queued' }, records } });
    return r.id;
  });
  return { created: true, estimate: await getEstimate(db, id) };
}

function messageOf(err: unknown): Message {
  if (err instanceof AppError) return err.msg;
  const text = err instanceof Error ? err.message : String(err);
  return { zh: `估计失败：${text}`, en: `estimate failed: ${text}` };
}

/**
 * Runs one queued (or interrupted) estimate to its end; 'busy' when another process runs it now. An aborted `signal`
 * (the server stopping) ends it at once, 'stopped': no version saved, the estimate queued again for the next run.
 */
export async function runEstimate(db: Db, id: number, signal?: AbortSignal): Promise<'done' | 'failed' | 'busy' | 'finished-already' | 'stopped'> {
  if (signal?.aborted) return 'stopped';
  // The lock lives on one pinned connection for the whole run: a server that stops releases it with its connection.
  return db.connection().execute(async (conn) => {
    if (!(await repo.tryLockEstimate(conn, id))) return 'busy';
    try {
      const e = await repo.getEstimate(db, id);
      if (!e || e.status === 'done' || e.status === 'failed') return 'finished-already';
      await repo.setEstimate(db, id, { status: 'running', started_at: new Date(), error: null });
      const actor: Actor = e.requested_by ? { userId: e.requested_by, username: e.requested_by_username ?? 'unknown', ip: null } : SYSTEM_ACTOR;
      try {
        forgetModel();
        // From the active model (a draft's m/u are not a starting point anyone chose); saved as a draft.
        const est = await estimateModelOffThread(db, (await activeModel(db)).model, {}, signal);
        const version = await saveEstimated(db, actor, est, estimateNote(est, false), false);
        await repo.setEstimate(db, id, { status: 'done', records: est.records, pairs: est.pairs, version, finished_at: new Date() });
        return 'done';
      } catch (err) {
        if (signal?.aborted && err === signal.reason) {
          // Stopped before anything was saved: queued again, for the minute job after the restart (left 'running' if
          // even this write fails, which that job runs too).
          await repo.setEstimate(db, id, { status: 'queued', started_at: null }).catch(() => {});
          return 'stopped';
        }
        await repo.setEstimate(db, id, { status: 'failed', error: JSON.stringify(messageOf(err)), finished_at: new Date() });
        return 'failed';
      }
    } finally {
      await repo.unlockEstimate(conn, id);
    }
  });
}

/** The minute job: every estimate nobody is running (queued, or left running by a stopped server); none more once `signal` is aborted. */
export async function runOpenEstimates(db: Db, signal?: AbortSignal) {
  const outcomes: Record<string, number> = {};
  for (const e of await repo.findOpenEstimates(db)) {
    if (signal?.aborted) break;
    const o = await runEstimate(db, e.id, signal);
    outcomes[o] = (outcomes[o] ?? 0) + 1;
  }
  return outcomes;
}

// ---------------------------------------------------------------- the bulk resolver's first model

export type AutoEstimate = { version: number; records: number; total: number; ms: number };

/**
 * The model a bulk run resolves with: the active one; but while only the built-in default exists and the backlog
 * holds at least `minBacklog` new records, first a model estimated from that backlog, saved as the active version
 * (while no version at all exists, drafts included). A failed
 * estimate is reported and the built-in model used: resolution never waits on it. An aborted `signal` (the server
 * stopping) ends the estimate at once, saving nothing: the next run estimates again.
 */
export async function modelForBacklog(
  db: Db, cur: ActiveModel, minBacklog: number, report: { onEstimate?: (e: AutoEstimate) => void; onError?: (err: unknown) => void; signal?: AbortSignal } = {},
): Promise<ActiveModel> {
  if (cur.version !== 0 || !Number.isFinite(minBacklog) || (await repo.countPendingNew(db, minBacklog)) < minBacklog) return cur;
  // A draft waits for an administrator's decision: no automatic model over it (saveEstimated checks again under its lock).
  if (await repo.hasModelVersions(db)) return cur;
  try {
    const est = await estimateModelOffThread(db, cur.model, { sample: 'pending-new' }, report.signal);
    const version = await saveEstimated(db, SYSTEM_ACTOR, est, estimateNote(est, true), true);
    if (version) report.onEstimate?.({ version, records: est.records, total: est.total, ms: est.ms });
  } catch (err) {
    // Stopped, not failed: the caller starts no chunk either.
    if (report.signal?.aborted && err === report.signal.reason) return cur;
    report.onError?.(err);
    return cur;
  }
  return activeModel(db);
}
