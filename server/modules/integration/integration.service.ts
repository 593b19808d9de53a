import type { Db } from '../../db/database.ts';
import { nameGrams, namePinyin } from '../../../engines/identity/index.ts';
import { audit, auditMany, SYSTEM_ACTOR, type Actor } from '../../platform/audit.ts';
import { can, type CurrentUser } from '../../platform/auth.ts';
import { AppError, fieldError, invalid, notFound } from '../../platform/errors.ts';
import { getParameter } from '../../platform/parameters.ts';
import { getHeadOffice } from '../admin/admin.repository.ts';
import { log as logLoad } from '../interfaces/interfaces.repository.ts';
import * as customersRepo from '../customers/customers.repository.ts';
import { maskGoldenField, maskingRules, seesClear, type MaskRules } from '../customers/customers.service.ts';
import { refreshManagerBooks } from '../managers/managers.books.ts';
import * as repo from './integration.repository.ts';
import { applyGolden } from './integration.golden.ts';
import { BULK_RUN_MS, BULK_THRESHOLD, resolveBulk } from './integration.bulk.ts';
import { noteMessage, trainingMessage } from './integration.estimate.ts';
import { builtinModel, fromCustomer, fromRecord, keysOf, orderSources, prepared, score, type MatchModel, type PairScore, type Prepared } from './integration.matching.ts';
import { mergeEffects, movedCounts, runMerge, runUnmerge, type MergeSnapshot } from './integration.merge.ts';
import type { ReviewStatus } from './integration.table.ts';

export type ResolveSummary = {
  matched: number; created: number; review: number;
  /** Records skipped because they were no longer pending (resolved by a concurrent call). */
  skipped?: number;
  /** Accounts of the records that could not be mapped (unknown product), by record; told in each record's load log (logAccountProblems). */
  accountProblems?: { recordId: number; accountNo: string; rule: string }[];
  /** How many accountProblems there are (the resolution summary's count). */
  accountProblemCount?: number;
  /** Records that could not be resolved (rolled back, then marked `failed` with the reason): they never hold back the others. */
  failed?: number;
  failures?: ResolveFailure[];
};

export type ResolveFailure = { recordId: number; source: string; recordKey: string; reason: string };

/** How many of a summary's records are settled: resolved, failed (for an administrator to retry), or resolved by someone else meanwhile. */
export const settledCount = (s: ResolveSummary) => s.matched + s.created + s.review + (s.skipped ?? 0) + (s.failed ?? 0);

/** Adds one summary's counts to another's. */
export function addSummary(total: ResolveSummary, s: ResolveSummary) {
  total.matched += s.matched; total.created += s.created; total.review += s.review; total.skipped = (total.skipped ?? 0) + (s.skipped ?? 0);
  (total.accountProblems ??= []).push(...(s.accountProblems ?? []));
  total.accountProblemCount = total.accountProblems.length;
  total.failed = (total.failed ?? 0) + (s.failed ?? 0);
  (total.failures ??= []).push(...(s.failures ?? []));
}

/** An account problem as one log line: which record, which account, why. */
export const accountProblemLine = (p: { recordId: number; accountNo: string; rule: string }) =>
  `record ${p.recordId} account ${p.accountNo}: ${p.rule === 'unknownProduct' ? 'unknown product code' : p.rule}`;

/**
 * Accounts a resolution could not create (an unknown product code) are told in the log of the load that last wrote
 * each record (the load's report shows its log), one line per load naming the first few; the count is in the summary.
 */
export async function logAccountProblems(db: Db, problems: NonNullable<ResolveSummary['accountProblems']>) {
  if (!problems.length) return;
  const loads = await repo.lastLoadsOf(db, [...new Set(problems.map((p) => p.recordId))]);
  const byLoad = new Map<number, typeof problems>();
  for (const p of problems) {
    const l = loads.get(p.recordId);
    if (l === undefined) continue;
    if (!byLoad.has(l)) byLoad.set(l, []);
    byLoad.get(l)!.push(p);
  }
  for (const [loadId, ps] of byLoad) {
    const shown = ps.slice(0, 5).map(accountProblemLine).join('; ') + (ps.length > 5 ? ` …(+${ps.length - 5})` : '');
    await logLoad(db, loadId, 'warn', {
      zh: `整合：${ps.length} 个账户未能从来源记录建立（产品代码未知，请先在产品目录中添加，再重试这些记录）：${shown}`,
      en: `integration: ${ps.length} account(s) could not be created from their source records (unknown product code: add it to the product catalogue, then reload or retry the records): ${shown}`,
    });
  }
}

/** Potential customers that now hold an open account become active (potential → active), audited like any status change. */
export async function activateIfOpen(trx: Db, actor: Actor, customerIds: number[]) {
  const rows = await repo.activateWithOpenAccounts(trx, [...new Set(customerIds)]);
  await auditMany(trx, actor, rows.map((c) => ({
    action: 'update', entity: 'customer', entityId: c.customerNo, customerId: c.id, fields: ['status'],
    changes: { status: { from: 'potential', to: 'active' }, via: 'integration', reason: 'open account attached' },
  })));
  return rows.length;
}

/** A failure as one log line: which record, why. */
export const failureLine = (f: ResolveFailure) => `record ${f.recordId} (${f.source} ${f.recordKey}): ${f.reason}`;

const CUSTOMER_NOT_FOUND = { zh: '客户不存在', en: 'Customer not found' };
const pairKey = (a: number, b: number) => `${Math.min(a, b)}-${Math.max(a, b)}`;

// ---------------------------------------------------------------- model

export type ActiveModel = { version: number; model: MatchModel; sourceOrder: string[] | null };

/** The match model in force: the version an administrator activated (drafts decide nothing), else the engine's default for Chinese banks. */
export async function activeModel(db: Db): Promise<ActiveModel> {
  // Resolution runs per record: the model (a few KB of JSON) is re-read at most every 10 s per process.
  if (modelCache && Date.now() - modelCache.at < MODEL_TTL_MS) return modelCache.value;
  const row = await repo.getActiveModel(db);
  const value = row ? { version: row.version, model: row.model as MatchModel, sourceOrder: row.source_order } : { version: 0, model: builtinModel(), sourceOrder: null };
  modelCache = { at: Date.now(), value };
  return value;
}
const MODEL_TTL_MS = 10_000;
let modelCache: { at: number; value: ActiveModel } | null = null;
export function forgetModel() {
  modelCache = null;
}

/**
 * Cross-source order (I4) by the discreteness method: most valuable source first (value rank), then always the
 * source overlapping least with what is merged so far; the admin's override wins. `batch` = the records being
 * resolved now; without it a sample of each source's indexed keys.
 */
export async function sourceOrder(db: Db, override: string[] | null, batch?: { source: string; keys: string[] }[]) {
  const sources = await repo.listSourceSystems(db);
  const valueRank = [...sources].sort((a, b) => b.value_rank - a.value_rank || a.code.localeCompare(b.code)).map((s) => s.code);
  const sample = batch ?? (await repo.sampleKeysBySource(db, ORDER_SAMPLE)).map((r) => ({ source: r.source_code, keys: r.keys }));
  const r = orderSources(sample, valueRank, override?.length ? override : undefined);
  const order = [...r.order, ...valueRank.filter((c) => !r.order.includes(c))];
  return { order, steps: r.steps, overridden: r.overridden, valueRank, sources };
}

/** Resolved records per source whose keys the source-order screen compares (its steps' `records`). */
export const ORDER_SAMPLE = 300;

const LIMITS = { probability: [0, 1] as const };

/** A version's state: the one in force, a draft never activated, or an earlier one (active once, may be activated again). */
export type VersionStatus = 'active' | 'draft' | 'earlier';
const versionStatus = (h: { active: boolean; activated_at: Date | null }): VersionStatus => (h.active ? 'active' : h.activated_at ? 'earlier' : 'draft');

export async function getModel(db: Db) {
  forgetModel();
  const m = await activeModel(db);
  const order = await sourceOrder(db, m.sourceOrder);
  const history = await repo.listModels(db);
  const counted = await repo.countRecordsBySource(db);
  return {
    version: m.version, model: m.model, builtin: m.version === 0, training: trainingMessage(m.model.trainedOn),
    // orderSteps' `records` are those of the sample (up to orderSample per source); sources' `records` all the source holds.
    sourceOrder: order.order, valueRank: order.valueRank, orderSteps: order.steps, orderOverridden: order.overridden, orderSample: ORDER_SAMPLE,
    sources: order.sources.map((s) => ({ code: s.code, name: s.name, nameEn: s.name_en, valueRank: s.value_rank, fieldTrust: s.field_trust, records: counted.counts.get(s.code) ?? 0 })),
    recordsExact: counted.exact,
    history: history.map((h) => ({
      version: h.version, note: noteMessage(h.note), active: h.active, status: versionStatus(h), activatedAt: h.activated_at, createdAt: h.created_at, createdBy: h.created_by_name,
    })),
  };
}

const VERSION_NOT_FOUND = { zh: '模型版本不存在', en: 'Model version not found' };

/** One saved version as it was saved (to compare a draft or an earlier version with the active one before activating it). */
export async function getModelVersion(db: Db, version: number) {
  const h = await repo.getModelVersion(db, version);
  if (!h) throw notFound(VERSION_NOT_FOUND);
  const model = h.model as MatchModel;
  return {
    version: h.version, status: versionStatus(h), active: h.active, note: noteMessage(h.note), model, sourceOrder: h.source_order,
    training: trainingMessage(model.trainedOn), createdAt: h.created_at, createdBy: h.created_by_name, activatedAt: h.activated_at,
  };
}

/**
 * Makes a saved version the one matching uses: a draft (an estimate nobody had decided on yet) or an earlier version
 * (a rollback). Audited from → to; 409 when it is active already. Other processes pick it up within MODEL_TTL_MS.
 */
export async function activateModel(db: Db, actor: Actor, version: number) {
  await db.transaction().execute(async (trx) => {
    await repo.lockModelWrites(trx);
    const target = await repo.getModelVersion(trx, version);
    if (!target) throw notFound(VERSION_NOT_FOUND);
    if (target.active) throw new AppError('CONFLICT', { zh: `v${version} 已是当前启用的版本`, en: `v${version} is the active version already` });
    const cur = await repo.getActiveModel(trx);
    await repo.setActiveModel(trx, version);
    const model = target.model as MatchModel;
    await audit(trx, actor, {
      action: 'activate', entity: 'match_model', entityId: version, fields: ['active'],
      changes: {
        from: { version: cur?.version ?? 0 }, to: { version, matchThreshold: model.matchThreshold, reviewThreshold: model.reviewThreshold },
        was: versionStatus(target), rollback: !!cur && version < cur.version,
      },
    });
  });
  forgetModel();
  return getModel(db);
}

export type ModelPatch = {
  matchThreshold?: number; reviewThreshold?: number;
  weights?: { comparison: string; level: string; weight: number | null; kind?: 'person' | 'org' }[];
  sourceOrder?: string[] | null; note?: string;
};

/** Saves a new model version (thresholds, level weight overrides, source order); the old ones stay for the record. */
export async function saveModel(db: Db, user: CurrentUser, actor: Actor, patch: ModelPatch) {
  const cur = await activeModel(db);
  const model: MatchModel = structuredClone(cur.model);
  const errors = [];
  const match = patch.matchThreshold ?? model.matchThreshold;
  const review = patch.reviewThreshold ?? model.reviewThreshold;
  if (!(review < match)) errors.push(fieldError('reviewThreshold', 'belowMatch', '复核阈值必须低于自动合并阈值', 'must be below the match threshold'));
  if (match <= LIMITS.probability[0] || match >= LIMITS.probability[1] + 1e-12) errors.push(fieldError('matchThreshold', 'range', '应在 0 到 1 之间', 'must be between 0 and 1'));
  model.matchThreshold = match;
  model.reviewThreshold = review;
  for (const [n, w] of (patch.weights ?? []).entries()) {
    // Persons and companies each have their own comparison of some fields (cn.id, cn.mobile …): `kind` picks one, none means both.
    const levels = model.comparisons.filter((c) => c.name === w.comparison && (!w.kind || !c.kind || c.kind === w.kind)).flatMap((c) => c.levels.filter((l) => l.label === w.level));
    if (!levels.length) { errors.push(fieldError(`weights.${n}`, 'unknownLevel', '模型中没有这个比较级别', 'is not a comparison level of the model')); continue; }
    for (const level of levels) {
      if (w.weight === null) delete level.weight;
      else level.weight = w.weight;
    }
  }
  let order = patch.sourceOrder === undefined ? cur.sourceOrder : patch.sourceOrder;
  if (order?.length) {
    const known = new Set((await repo.listSourceSystems(db)).map((s) => s.code));
    order.forEach((c, n) => { if (!known.has(c)) errors.push(fieldError(`sourceOrder.${n}`, 'unknownSource', '来源系统不存在', 'is not a known source system')); });
    if (new Set(order).size !== order.length) errors.push(fieldError('sourceOrder', 'duplicate', '来源系统重复', 'lists a source twice'));
  } else order = null;
  if (errors.length) throw invalid(errors);
  const saved = await db.transaction().execute(async (trx) => {
    await repo.lockModelWrites(trx);
    const r = await repo.insertModel(trx, { model, source_order: order, note: patch.note ?? null, created_by: user.id });
    forgetModel();
    await audit(trx, actor, {
      action: 'update', entity: 'match_model', entityId: r.version, fields: Object.keys(patch),
      changes: { from: { version: cur.version, matchThreshold: cur.model.matchThreshold, reviewThreshold: cur.model.reviewThreshold, sourceOrder: cur.sourceOrder }, to: { version: r.version, ...patch } },
    });
    return r;
  });
  void saved;
  forgetModel();
  return getModel(db);
}

// ---------------------------------------------------------------- real-time resolution

type Evidence = { customerId: number; best: PairScore; against: string; recordId: number | null; sharedId?: string | null; idNames?: IdNames };

/** The kind of the valid identity number (resident ID or USCC) two records both carry, else null. */
export const sharedValidId = (a: Prepared, b: Prepared) => (a.idValid && b.idValid && a.idKind === b.idKind && !!a.idNo && a.idNo === b.idNo ? a.idKind : null);

/** The conflict of a record whose valid ID number a customer of another name holds (see sharedIdReview). */
export const sharedIdConflict = (kind: string) => `same valid ${kind} number, different name`;

/**
 * The same valid ID number under another name (刘一 carrying 张三's number) is never a stranger: one ID is one
 * person, so either the name or the number is wrong. Not merged (the names disagree), not left apart in silence
 * either (the number would then point at one customer and show on the other): a person decides. `best` is the
 * record's best evidence against a customer, `sharedId` the kind of ID it shares with any of that customer's
 * records or golden record (sharedValidId). `otherNameOnly`: the customer holds that number only under another name
 * (idNameAgreement 'other', never 'same'); then even a sure match through other evidence (a third record agreeing
 * with both names) is for a person to decide, or the number would end up under two names on one customer. Both
 * resolvers, one by one and in bulk, decide by it.
 * @example sharedIdReview({ ...s, zone: 'nonmatch' }, 'resident_id').zone // 'review', with the conflict named
 */
export function sharedIdReview(best: PairScore, sharedId: string | null | undefined, otherNameOnly = false): PairScore {
  if (!sharedId) return best;
  if (best.zone !== 'match') return { ...best, zone: 'review', conflict: best.conflict ?? sharedIdConflict(sharedId) };
  if (!otherNameOnly) return best;
  return { ...best, zone: 'review', conflict: best.conflict ?? sharedIdConflict(sharedId), fields: [...best.fields, { field: 'rule', level: 'same-id-other-name', weight: 0 }] };
}

/** What a customer's records tell about a record's valid ID number: held under an agreeing name, under another name (idNameAgreement). */
export type IdNames = { same?: boolean; other?: boolean };

/** `names` with one more pair's idNameAgreement counted. */
export function addIdName(names: IdNames, a: Prepared, b: Prepared, s: PairScore): IdNames {
  const n = idNameAgreement(a, b, s);
  return n === 'same' ? { ...names, same: true } : n === 'other' ? { ...names, other: true } : names;
}

/** The customer holds the record's valid ID number only under another name (sharedIdReview's `otherNameOnly`). */
export const otherNameOnly = (names: IdNames | undefined) => !!names?.other && !names.same;

/** Where integration puts new customers and how many candidates it scores (the `integration.defaults` parameter). */
export async function defaults(db: Db) {
  return getParameter<{ personType: string; orgType: string; orgCode: string | null; managerId: number | null; candidateCap: number }>(db, 'integration.defaults', {
    personType: 'personal_resident', orgType: 'corporate', orgCode: null, managerId: null, candidateCap: 20,
  });
}

const ZONE_RANK = { match: 2, review: 1, nonmatch: 0 } as const;

/**
 * Whether score `s` is better evidence against a customer than `t`: by its decision first (the bank's ID rules move a
 * pair's zone without its probability: a record under another name with the customer's ID must not outweigh one with
 * the same ID and name), then by probability.
 */
export const outranks = (s: PairScore, t: PairScore) => (ZONE_RANK[s.zone] - ZONE_RANK[t.zone] || s.probability - t.probability) > 0;

/** Scores the record against every candidate customer: its linked records and its golden record; best per customer. */
async function evidenceFor(db: Db, rec: repo.RecordRow, p: Prepared, candidates: number[], model: MatchModel): Promise<Evidence[]> {
  if (!candidates.length) return [];
  const [records, customers] = await Promise.all([repo.recordsOfCustomers(db, candidates), repo.getCustomersBasic(db, candidates)]);
  const best = new Map<number, Evidence>();
  const consider = (customerId: number, s: PairScore, against: string, recordId: number | null, q: Prepared) => {
    const cur = best.get(customerId);
    // A conflict (two valid, different ID numbers) sticks to the customer whatever else agrees; so does a shared ID,
    // and the names it is held under.
    const conflict = cur?.best.conflict ?? s.conflict;
    const shared = cur?.sharedId ?? sharedValidId(p, q);
    const idNames = addIdName(cur?.idNames ?? {}, p, q, s);
    if (!cur || outranks(s, cur.best)) best.set(customerId, { customerId, best: { ...s, conflict }, against, recordId, sharedId: shared, idNames });
    else {
      if (conflict && !cur.best.conflict) cur.best = { ...cur.best, conflict };
      cur.sharedId = shared;
      cur.idNames = idNames;
    }
  };
  for (const r of records) {
    if (r.id === rec.id || r.kind !== rec.kind || !r.customer_id) continue;
    const q = prepared(fromRecord(r));
    consider(r.customer_id, withIdRule(p, q, model), `r${r.id}`, r.id, q);
  }
  for (const c of customers) {
    if ((c.party === 'organization') !== (rec.kind === 'org')) continue;
    const q = prepared(fromCustomer(c));
    consider(c.id, withIdRule(p, q, model), `c${c.id}`, null, q);
  }
  for (const e of best.values()) e.best = sharedIdReview(e.best, e.sharedId, otherNameOnly(e.idNames));
  return [...best.values()].sort((a, b) => b.best.probability - a.best.probability);
}

/**
 * The engine's score, plus the bank's deterministic rules on one valid identity number (resident ID or USCC): with an
 * agreeing name it is the same customer, whatever else differs (addresses and phones change; the ID does not); under
 * a name that does not agree it is never merged automatically, however much else agrees (the birth date and gender a
 * resident ID carries, a shared phone): a person decides (sharedIdReview). Each rule shows in the explanation as its
 * own line, so the decision stays explainable.
 */
export function withIdRule(a: Prepared, b: Prepared, model: MatchModel): PairScore {
  const s = score(a, b, model);
  const names = idNameAgreement(a, b, s);
  if (names === 'same') return s.zone === 'match' ? s : { ...s, zone: 'match', fields: [...s.fields, { field: 'rule', level: 'same-id-and-name', weight: 0 }] };
  if (names === 'other') return s.zone === 'match' ? { ...s, zone: 'review', fields: [...s.fields, { field: 'rule', level: 'same-id-other-name', weight: 0 }] } : s;
  return s;
}

/**
 * How two records sharing a valid ID number (sharedValidId) stand on the name, read from their score (score or
 * withIdRule): 'same' (agreeing, a typo or a variant at most: one customer), 'other' (sharing no more than the
 * surname: never one customer without a person deciding), null (no shared valid number, or a name missing on
 * either side, which says nothing either way).
 * @example idNameAgreement(张三 with X, 李四 with X, s) // 'other'
 */
export function idNameAgreement(a: Prepared, b: Prepared, s: PairScore): 'same' | 'other' | null {
  if (s.conflict || !sharedValidId(a, b)) return null;
  const name = s.fields.find((f) => f.field === 'name');
  if (!name || name.level === 'missing') return null;
  return OTHER_NAME.has(name.level) ? 'other' : 'same';
}

/** Name levels that are another name (cn.person-name, cn.org-name): the rest agree, a typo or a variant at most. */
const OTHER_NAME = new Set(['surname', 'else']);

/**
 * Resolves source records (new or changed, `match_status = 'pending'`) to customers: attaches each to an
 * existing customer, creates one, or sends the pair to review. Called by the interfaces module after a load
 * commits a batch; runs its own transactions (one per record, so a bad record never holds back the others).
 */
export async function resolveSourceRecords(db: Db, actor: Actor, recordIds: number[]): Promise<ResolveSummary> {
  const summary: ResolveSummary = { matched: 0, created: 0, review: 0, skipped: 0, accountProblems: [], failed: 0, failures: [] };
  if (!recordIds.length) return summary;
  const m = await activeModel(db);
  const cfg = await defaults(db);
  const pending = (await repo.getRecords(db, [...new Set(recordIds)])).filter((r) => r.match_status === 'pending');
  const sources = new Set(pending.map((r) => r.source_code));
  // Several sources at once: resolve them in the discreteness order, computed on this batch.
  const { order } = sources.size > 1
    ? await sourceOrder(db, m.sourceOrder, pending.map((r) => ({ source: r.source_code, keys: keysOf(prepared(fromRecord(r))) })))
    : { order: [...sources] };
  const rank = new Map(order.map((c, i) => [c, i]));
  const records = pending.sort((a, b) => (rank.get(a.source_code) ?? 999) - (rank.get(b.source_code) ?? 999) || a.id - b.id);
  summary.skipped = recordIds.length - records.length;
  for (const rec of records) {
    let attempts = 0;
    const once = () => {
      attempts++;
      return db.transaction().execute((trx) => resolveOne(trx, actor, rec, m.model, cfg, summary));
    };
    // Two loads resolving the same new person at once: the second trips over the first's identity or account
    // (unique violation) and is rolled back whole; resolved again, it finds the first's customer and attaches.
    const retried = (err: unknown): Promise<Awaited<ReturnType<typeof once>>> => {
      if (transient(err) && attempts < MAX_ATTEMPTS) return once().catch(retried);
      throw err;
    };
    try {
      const outcome = await once().catch(retried);
      if (outcome) summary[outcome]++;
      else summary.skipped!++;
    } catch (err) {
      // The database itself failing (disk full, connection lost) fails every record alike: that stops the run.
      if (systemic(err)) throw err;
      // Its transaction rolled back whole, nothing half-written: the record is `failed` with its reason, for an
      // administrator to see and retry (the scheduled resolution leaves it alone), and the others go on.
      const reason = errorText(err);
      if (!(await markFailed(db, actor, rec, reason, attempts))) { summary.skipped!++; continue; }
      summary.failed!++;
      summary.failures!.push({ recordId: rec.id, source: rec.source_code, recordKey: rec.record_key, reason });
    }
  }
  summary.accountProblemCount = summary.accountProblems!.length;
  await logAccountProblems(db, summary.accountProblems!);
  return summary;
}

/** Attempts a record's resolution gets in one run when it fails for a reason that passes (a race with another resolver). */
const MAX_ATTEMPTS = 3;

/** A unique violation (another resolver created the same person meanwhile), serialisation failure, deadlock or lock timeout: worth another try. */
const transient = (err: unknown) => ['23505', '40001', '40P01', '55P03'].includes((err as { code?: string })?.code ?? '');

/** An error as stored with the record: its text, without NUL bytes (PostgreSQL text refuses them), within 2,000 characters. */
const errorText = (err: unknown) => (err instanceof Error ? err.message : String(err)).replace(/\u0000/g, '').slice(0, 2_000);

/** The record as `failed`, with why, audited; false if it was no longer pending (resolved by a concurrent resolver). */
async function markFailed(db: Db, actor: Actor, rec: repo.RecordRow, reason: string, attempts: number) {
  return db.transaction().execute(async (trx) => {
    const r = await repo.markRecordFailed(trx, rec.id, reason, attempts);
    if (!r) return false;
    await audit(trx, actor, {
      action: 'resolve', entity: 'source_record', entityId: rec.id, customerId: r.customer_id, fields: ['match_status', 'match_error'],
      changes: { source: rec.source_code, recordKey: rec.record_key, status: 'failed', match_status: { from: 'pending', to: 'failed' }, error: reason, attempts: r.match_attempts },
    });
    return true;
  });
}

/**
 * Failures of the database rather than of one record's data (SQLSTATE classes 08 connection, 53 insufficient
 * resources, 57 operator intervention, 58 system error, XX internal; or a client without connection).
 */
function systemic(err: unknown): boolean {
  const code = (err as { code?: unknown })?.code;
  if (typeof code === 'string' && /^(08|53|57|58|XX)/.test(code)) return true;
  return /Connection terminated|ECONNREFUSED|ECONNRESET|pool .*(ended|destroyed)/i.test(err instanceof Error ? err.message : '');
}

/**
 * Resolves records still pending after their load (oldest first, in batches), as the system. A backlog of more
 * than `bulkThreshold` new records (a first load run with `resolve: false`) goes through the bulk resolver, a
 * chunk per transaction; what is left (changed records, a small backlog) one record at a time.
 */
export async function resolvePending(db: Db, opts: { batch?: number; max?: number; bulkThreshold?: number; log?: (m: string) => void; signal?: AbortSignal } = {}): Promise<ResolveSummary> {
  const { batch = 500, max = 20_000, bulkThreshold = BULK_THRESHOLD, log, signal } = opts;
  const total: ResolveSummary = { matched: 0, created: 0, review: 0, skipped: 0, accountProblems: [], failed: 0, failures: [] };
  const add = (s: ResolveSummary) => {
    addSummary(total, s);
    for (const f of s.failures ?? []) log?.(`integration: could not resolve ${failureLine(f)} (marked failed for an administrator to retry; the others go on)`);
  };
  if ((await repo.countPendingNew(db, bulkThreshold + 1)) > bulkThreshold) {
    add(await resolveBulk(db, SYSTEM_ACTOR, {
      // A scheduled run stays within pg-boss's job expiry (15 min): the next run (every 10 min) goes on from the pending records.
      deadline: Date.now() + BULK_RUN_MS,
      signal,
      onError: (err) => log?.(`integration: bulk resolution: ${(err as Error)?.message ?? err} (a failed chunk is resolved one by one, a failed first estimate leaves the built-in model)`),
      onEstimate: (e) => log?.(`integration: first model estimated from ${e.records} of ${e.total} pending records in ${(e.ms / 1000).toFixed(1)} s: version ${e.version}`),
      onProgress: (p) => log?.(`integration: bulk resolution ${p.source} +${p.records} (${p.done} done, ${(p.records / (p.ms / 1000)).toFixed(0)} records/s): ${p.summary.matched} matched, ${p.summary.created} created, ${p.summary.review} to review`),
    }));
    if ((await repo.countPendingNew(db, bulkThreshold + 1)) > bulkThreshold) return total;
  }
  // Oldest first, walking past records left pending by a run that stopped: one bad record never keeps those after it pending.
  let after = 0;
  for (let done = 0; done < max && !signal?.aborted; done += batch) {
    const ids = await repo.pendingRecordIds(db, batch, after);
    if (!ids.length) break;
    add(await resolveSourceRecords(db, SYSTEM_ACTOR, ids));
    after = ids[ids.length - 1]!;
  }
  if (total.accountProblems?.length) log?.(`integration: ${total.accountProblems.length} account(s) could not be created from their records: ${total.accountProblems.slice(0, 5).map(accountProblemLine).join('; ')}`);
  if (total.failed) log?.(`integration: ${total.failed} pending record(s) could not be resolved this run (now failed, listed for a retry); ${settledCount(total) - total.failed} were`);
  return total;
}

// ---------------------------------------------------------------- records whose resolution failed

/** Source records whose resolution failed, with the error, for an administrator (oldest first). */
export async function listFailed(db: Db, q: { page?: number; pageSize?: number }) {
  const pageSize = q.pageSize ?? 50;
  const page = q.page ?? 1;
  const { rows, total } = await repo.listFailedRecords(db, pageSize, (page - 1) * pageSize);
  return {
    items: rows.map((r) => ({
      id: r.id, source: r.source_code, sourceName: r.source_name, sourceNameEn: r.source_name_en, recordKey: r.record_key, kind: r.kind, name: r.name,
      error: r.match_error, attempts: r.match_attempts, updatedAt: r.updated_at,
    })),
    total, page, pageSize,
  };
}

/**
 * An administrator tries failed records again (the cause fixed: a product added, a bug mended): back to pending,
 * audited, then resolved at once; one that fails again is `failed` again with its new error. Records no longer
 * failed (retried by someone else meanwhile) are left alone.
 */
export async function retryFailed(db: Db, actor: Actor, recordIds: number[]) {
  const ids = await db.transaction().execute(async (trx) => {
    const rows = await repo.retryFailedRecords(trx, [...new Set(recordIds)]);
    await auditMany(trx, actor, rows.map((r) => ({
      action: 'retry', entity: 'source_record', entityId: r.id, customerId: r.customer_id, fields: ['match_status'],
      changes: { source: r.source_code, recordKey: r.record_key, match_status: { from: 'failed', to: 'pending' }, error: r.match_error, attempts: r.match_attempts },
    })));
    return rows.map((r) => r.id);
  });
  const s = await resolveSourceRecords(db, actor, ids);
  return {
    retried: ids.length, matched: s.matched, created: s.created, review: s.review, failed: s.failed ?? 0, accountProblems: s.accountProblemCount ?? 0,
    failures: (s.failures ?? []).map((f) => ({ recordId: f.recordId, reason: f.reason })),
  };
}

async function resolveOne(trx: Db, actor: Actor, rec: repo.RecordRow, model: MatchModel, cfg: Awaited<ReturnType<typeof defaults>>, summary: ResolveSummary) {
  const locked = await repo.lockRecord(trx, rec.id);
  if (!locked || locked.match_status !== 'pending') return null;
  const p = prepared(fromRecord(rec));
  const keys = keysOf(p);
  // Records of one person arriving in two loads at once: the second waits for the first to commit, then finds it.
  if (p.idNo) await repo.lockKey(trx, `id:${p.idNo}`);
  let target: number | null = null;
  let status: 'matched' | 'created' | 'review' = 'matched';
  let queue: Evidence[] = [];
  let decisive: Evidence | undefined;

  if (locked.customer_id) {
    // A changed record stays with its customer (lineage); merged away since → its survivor.
    const [c] = await repo.getCustomersBasic(trx, [locked.customer_id]);
    target = c && !c.deleted ? c.id : (await repo.resolveAlias(trx, c?.customer_no ?? ''))?.id ?? null;
  }
  if (!target) {
    const found = await repo.findCandidates(trx, {
      keys, idNo: p.idNo || null, contacts: [p.mobile, p.email].filter(Boolean), exceptRecordId: rec.id, cap: cfg.candidateCap,
      pinyin: rec.name ? namePinyin(rec.name.replace(/\s+/g, '')).full || null : null, birthDate: p.birthDate || null,
    });
    const evidence = await evidenceFor(trx, rec, p, found.map((f) => f.customer_id), model);
    const sure = evidence.filter((e) => e.best.zone === 'match' && !e.best.conflict);
    const fuzzy = evidence.filter((e) => e.best.zone === 'review' || (e.best.zone === 'match' && e.best.conflict));
    decisive = evidence[0];
    if (sure.length) {
      target = sure[0].customerId;
      decisive = sure[0];
      // Two customers that both surely match one record are probably one customer: ask.
      queue = [...sure.slice(1), ...fuzzy];
    } else {
      queue = fuzzy;
    }
  }
  if (!target) {
    // A provisional customer of a fuzzy pair is placed with the candidate's manager, who is to review the pair.
    const lead = queue.length ? (await repo.getCustomersBasic(trx, [queue[0].customerId]))[0] : undefined;
    target = await createFromRecord(trx, actor, rec, cfg, lead ? { orgId: lead.org_id, managerId: lead.manager_id } : undefined);
    status = queue.length ? 'review' : 'created';
  }
  await repo.setRecordResolution(trx, rec.id, target, status);
  await repo.replaceMatchKeys(trx, rec.id, target, keys);
  await attachAccounts(trx, rec, target, summary);
  await applyGolden(trx, actor, target);
  await repo.refreshAum(trx, target);
  await activateIfOpen(trx, actor, [target]);
  let queued = 0;
  for (const e of queue) {
    if (e.customerId === target) continue;
    if (await enqueuePair(trx, target, e.customerId, { origin: 'engine', recordA: rec.id, recordB: e.recordId, score: e.best, createdBy: actor.userId })) queued++;
  }
  await audit(trx, actor, {
    action: 'resolve', entity: 'source_record', entityId: rec.id, customerId: target, fields: ['customer_id', 'match_status'],
    // Every decision explainable: the best evidence the engine had, against which record or golden record.
    changes: {
      source: rec.source_code, recordKey: rec.record_key, status, customerId: target, queued,
      evidence: decisive ? { against: decisive.against, probability: decisive.best.probability, zone: decisive.best.zone, conflict: decisive.best.conflict ?? null, fields: decisive.best.fields } : null,
    },
  });
  return status;
}

async function createFromRecord(trx: Db, actor: Actor, rec: repo.RecordRow, cfg: Awaited<ReturnType<typeof defaults>>, place?: { orgId: number; managerId: number | null }): Promise<number> {
  const typeCode = rec.kind === 'org' ? cfg.orgType : rec.id_type === 'passport' ? 'personal_nonresident' : cfg.personType;
  const type = await reference(`type:${typeCode}`, () => customersRepo.getType(trx, typeCode))
    ?? (await reference(`type:${rec.kind}`, () => customersRepo.getType(trx, rec.kind === 'org' ? 'corporate' : 'personal')))!;
  const accounts = accountsOf(rec);
  let orgId = place?.orgId;
  if (orgId === undefined) {
    const codes = [...accounts.map((a) => a.branchCode).filter((x): x is string => !!x), ...(cfg.orgCode ? [cfg.orgCode] : [])];
    const branches = codes.length ? await repo.orgIdsByCode(trx, codes) : [];
    orgId = branches.find((b) => b.code === accounts.find((a) => a.branchCode)?.branchCode)?.id
      ?? branches.find((b) => b.code === cfg.orgCode)?.id ?? (await reference('head-office', () => getHeadOffice(trx)))!.id;
  }
  const name = (rec.name ?? '').trim() || rec.record_key;
  const py = namePinyin(name);
  const customerNo = await customersRepo.nextCustomerNo(trx);
  const { id } = await customersRepo.insertCustomer(trx, {
    customer_no: customerNo, type_id: type.id, party: type.party, name, name_en: null, name_pinyin: py.full, name_initials: py.initials, name_grams: nameGrams(name),
    gender: null, birth_date: null, nationality: null, occupation: null, employer: null, industry: null,
    status: accounts.some((a) => a.status !== 'closed') ? 'active' : 'potential', level_code: null, org_id: orgId, manager_id: place?.managerId ?? cfg.managerId ?? null,
    risk_tolerance: null, attributes: {}, remarks: null,
  });
  const managerId = place?.managerId ?? cfg.managerId ?? null;
  if (managerId) await customersRepo.insertManagerHistory(trx, { customer_id: id, from_manager_id: null, to_manager_id: managerId, reason: '整合新建客户 / created by integration', by_user_id: actor.userId });
  await audit(trx, actor, {
    action: 'create', entity: 'customer', entityId: customerNo, customerId: id, fields: ['customer_no', 'name', 'org_id'],
    changes: { customer_no: { from: null, to: customerNo }, name: { from: null, to: name }, org_id: { from: null, to: orgId }, manager_id: { from: null, to: place?.managerId ?? cfg.managerId ?? null }, via: 'integration', source: rec.source_code, recordKey: rec.record_key },
  });
  return id;
}

// Reference data (customer types, the head office, the product catalogue's codes) read per record would cost
// round trips on every resolution: kept per process for a minute.
const REFERENCE_TTL_MS = 60_000;
const referenceCache = new Map<string, { at: number; value: unknown }>();
export async function reference<T>(key: string, load: () => Promise<T>): Promise<T> {
  const hit = referenceCache.get(key);
  if (hit && Date.now() - hit.at < REFERENCE_TTL_MS) return hit.value as T;
  const value = await load();
  if (value !== undefined) referenceCache.set(key, { at: Date.now(), value });
  return value;
}

export type SourceAccount = { accountNo?: string; productCode?: string; currency?: string; status?: string; openedOn?: string; closedOn?: string | null; balanceFen?: number | string; branchCode?: string };

export function accountsOf(rec: repo.RecordRow): SourceAccount[] {
  return Array.isArray(rec.accounts) ? (rec.accounts as SourceAccount[]) : [];
}

/** 归户 (C8): the record's accounts hang on its customer, keyed by (source system, account no.). */
async function attachAccounts(trx: Db, rec: repo.RecordRow, customerId: number, summary: ResolveSummary) {
  const accounts = accountsOf(rec).filter((a) => a.accountNo);
  if (!accounts.length) return;
  const branchCodes = [...new Set(accounts.map((a) => a.branchCode ?? '').filter(Boolean))];
  const branches = branchCodes.length ? await repo.orgIdsByCode(trx, branchCodes) : [];
  const loadProducts = async () => new Set((await repo.productCodes(trx)).map((p) => p.code));
  let known = await reference('products', loadProducts);
  // A product added since the catalogue was cached: read it again before calling the code unknown.
  if (accounts.some((a) => a.productCode && !known.has(a.productCode))) {
    known = await loadProducts();
    referenceCache.set('products', { at: Date.now(), value: known });
  }
  // Accounts without a known branch sit on the customer's own org unit.
  const fallbackOrg = accounts.some((a) => !branches.some((b) => b.code === a.branchCode)) ? await repo.orgOfCustomer(trx, customerId) : 0;
  const rows: repo.AccountUpsert[] = [];
  for (const a of accounts) {
    if (!a.productCode || !known.has(a.productCode)) {
      summary.accountProblems?.push({ recordId: rec.id, accountNo: a.accountNo!, rule: 'unknownProduct' });
      continue;
    }
    const status = (['active', 'dormant', 'frozen', 'closed'] as const).find((s) => s === a.status) ?? 'active';
    rows.push({
      customer_id: customerId, source_system: rec.source_code, account_no: a.accountNo!, org_id: branches.find((b) => b.code === a.branchCode)?.id ?? fallbackOrg,
      product_code: a.productCode, currency: a.currency || 'CNY', status, opened_on: a.openedOn || null,
      closed_on: a.closedOn || null, balance_fen: Number(a.balanceFen ?? 0) || 0,
    });
  }
  await repo.upsertAccounts(trx, rows);
}

/** Queues a pair for review unless the pair was ever queued or decided (a decision is never asked again). */
async function enqueuePair(trx: Db, a: number, b: number, o: { origin: 'engine' | 'manager'; recordA: number | null; recordB: number | null; score: PairScore | null; createdBy: number | null; note?: string | null }) {
  const [ca, cb] = await repo.getCustomersBasic(trx, [a, b]).then((rows) => [rows.find((r) => r.id === a)!, rows.find((r) => r.id === b)!]);
  // The responsible manager is the one of the more valuable customer (key customers first, I5).
  const lead = Number(ca.aum_fen) >= Number(cb.aum_fen) ? ca : cb;
  const other = lead === ca ? cb : ca;
  return repo.insertReview(trx, {
    pair_key: pairKey(a, b), customer_a: a, customer_b: b, record_a: o.recordA, record_b: o.recordB, origin: o.origin,
    score: o.score ? o.score.score.toFixed(4) : null, probability: o.score ? o.score.probability.toFixed(6) : null, zone: o.score?.zone ?? null,
    conflict: o.score?.conflict ?? null, explanation: o.score ? { fields: o.score.fields } : {},
    priority_fen: Math.max(Number(ca.aum_fen), Number(cb.aum_fen)), manager_id: lead.manager_id ?? other.manager_id, created_by: o.createdBy, note: o.note ?? null,
  });
}

// ---------------------------------------------------------------- review queue

const REVIEW_NOT_FOUND = { zh: '待审核的客户对不存在', en: 'Review pair not found' };

export async function listReviews(db: Db, user: CurrentUser, q: { status?: ReviewStatus; mine?: boolean; page?: number; pageSize?: number }) {
  const pageSize = q.pageSize ?? 20;
  const page = q.page ?? 1;
  const { rows, total } = await repo.listReviews(db, user, { status: q.status ?? 'pending', mine: q.mine, limit: pageSize, offset: (page - 1) * pageSize });
  return {
    items: rows.map((r) => ({
      id: r.id, status: r.status, origin: r.origin, score: r.score === null ? null : Number(r.score), probability: r.probability === null ? null : Number(r.probability),
      zone: r.zone, conflict: r.conflict, priorityFen: Number(r.priority_fen), managerId: r.manager_id, managerName: r.manager_name, mine: r.manager_id === user.id,
      a: { customerNo: r.a_no, name: r.a_name, aumFen: Number(r.a_aum) }, b: { customerNo: r.b_no, name: r.b_name, aumFen: Number(r.b_aum) },
      createdAt: r.created_at, decidedAt: r.decided_at, decidedBy: r.decided_by_name, mergeId: r.merge_id,
    })),
    total, page, pageSize,
  };
}

/** A value of the comparison as the 360° view shows it to this user (masked per role, by the customers module's rules). */
const mask = (field: string, v: string | null, clear: boolean, rules: MaskRules) => (clear ? v : maskGoldenField(field, v, rules));

/** Both sides of a pair, field by field, with the engine's evidence (level and weight per field), score and zone. */
export async function getReview(db: Db, user: CurrentUser, actor: Actor, id: number) {
  const r = await repo.getReview(db, user, id);
  if (!r) throw notFound(REVIEW_NOT_FOUND);
  const rules = await maskingRules(db);
  const clear = seesClear(user);
  const side = async (customerId: number, recordId: number | null) => {
    const [c] = await repo.getCustomersBasic(db, [customerId]);
    const records = await repo.recordsOfCustomers(db, [customerId]);
    const golden = fromCustomer(c);
    const fields = {
      name: golden.name ?? null, id_no: golden.idNo ?? null, mobile: golden.mobile ?? null, email: golden.email ?? null, birth_date: golden.birthDate ?? null,
      gender: golden.gender ?? null, address: golden.address ?? null, employer: golden.employer ?? null,
    };
    return {
      customerNo: c.customer_no, name: c.name, party: c.party, status: c.status, deleted: c.deleted, aumFen: Number(c.aum_fen), managerName: c.manager_name, orgName: c.org_name,
      fields: Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, mask(k, v, clear, rules)])),
      records: records.map((x) => ({
        id: x.id, source: x.source_code, sourceName: x.source_name, sourceNameEn: x.source_name_en, recordKey: x.record_key, highlighted: x.id === recordId,
        name: x.name, idNo: mask('id_no', x.id_no, clear, rules), mobile: mask('mobile', x.mobile, clear, rules), birthDate: mask('birth_date', x.birth_date, clear, rules), address: mask('address', x.address, clear, rules),
        // A number the load kept although it fails its check: shown as the record has it, marked, never as the customer's ID.
        idUnverified: x.id_issue != null,
      })),
    };
  };
  const [a, b] = await Promise.all([side(r.customer_a, r.record_a), side(r.customer_b, r.record_b)]);
  // Manager-proposed pairs carry no engine evidence yet: score the two golden records now, so every decision is explained.
  let explanation = r.explanation as { fields?: PairScore['fields'] };
  let scoreNow: PairScore | null = null;
  if (!explanation?.fields?.length) {
    const m = await activeModel(db);
    const [ca, cb] = await repo.getCustomersBasic(db, [r.customer_a, r.customer_b]);
    if (ca && cb) scoreNow = score(prepared(fromCustomer(ca)), prepared(fromCustomer(cb)), m.model);
    explanation = { fields: scoreNow?.fields ?? [] };
  }
  await db.transaction().execute((trx) => audit(trx, actor, { action: 'read', entity: 'match_review', entityId: id, customerId: r.customer_a, fields: ['comparison'], changes: { masked: !clear, customerB: r.customer_b } }));
  return {
    id: r.id, status: r.status, origin: r.origin, note: r.note, mergeId: r.merge_id,
    // A merge the user proposed is confirmed by another reviewer (four eyes): the page offers them withdrawal only.
    proposedByMe: r.origin === 'manager' && r.created_by === user.id,
    score: r.score !== null ? Number(r.score) : scoreNow?.score ?? null,
    probability: r.probability !== null ? Number(r.probability) : scoreNow?.probability ?? null,
    zone: r.zone ?? scoreNow?.zone ?? null, conflict: r.conflict ?? scoreNow?.conflict ?? null,
    fields: explanation.fields ?? [], a, b, decidedAt: r.decided_at,
    // What the reviewer sees, sent back with the decision: a pair re-pointed, merged or unmerged since is looked at again.
    version: await repo.mergeStamp(db, [r.customer_a, r.customer_b]),
  };
}

/** `aNo`, `bNo`, `version`: the pair as the reviewer saw it (from getReview); a pair changed since is not decided. */
export type Decision = { decision: 'confirm' | 'reject'; note?: string; survivorNo?: string; overrideConflict?: boolean; aNo?: string; bNo?: string; version?: string };

const PAIR_CHANGED = { zh: '这一对客户在您查看后已有变化（被合并、撤销合并或改指向其他客户），请重新查看后再审核', en: 'This pair has changed since you opened it (merged, unmerged or re-pointed to another customer); look at it again before deciding' };

const OWN_PROPOSAL = {
  zh: '您提出的合并须由另一位审核人确认（双人复核）；您可以撤回（驳回）这一提议',
  en: 'A merge you proposed is confirmed by another reviewer (four eyes); you may withdraw it (reject)',
};

/** Confirm (merge the pair) or reject (keep apart, never ask again). The proposer of a pair does not confirm it. */
export async function decide(db: Db, user: CurrentUser, actor: Actor, id: number, d: Decision) {
  return db.transaction().execute(async (trx) => {
    const r = await repo.getReview(trx, user, id, true);
    if (!r) throw notFound(REVIEW_NOT_FOUND);
    if (r.status !== 'pending') throw new AppError('CONFLICT', { zh: '该客户对已有审核结论，不会再次审核', en: 'This pair has been decided already and is not asked again' });
    if (d.aNo !== undefined || d.bNo !== undefined || d.version !== undefined) {
      const [ca, cb] = await repo.getCustomersBasic(trx, [r.customer_a, r.customer_b]).then((rows) => [rows.find((x) => x.id === r.customer_a), rows.find((x) => x.id === r.customer_b)]);
      const changed = !ca || !cb || ca.deleted || cb.deleted
        || (d.aNo !== undefined && d.aNo !== ca.customer_no) || (d.bNo !== undefined && d.bNo !== cb.customer_no)
        || (d.version !== undefined && d.version !== (await repo.mergeStamp(trx, [r.customer_a, r.customer_b])));
      if (changed) throw new AppError('CONFLICT', PAIR_CHANGED, [fieldError('version', 'changed', '客户对已变化', 'the pair changed')]);
    }
    if (d.decision === 'confirm' && r.origin === 'manager' && r.created_by === user.id) {
      throw new AppError('FORBIDDEN', OWN_PROPOSAL, [fieldError('decision', 'fourEyes', OWN_PROPOSAL.zh, OWN_PROPOSAL.en)]);
    }
    if (d.decision === 'reject') {
      await repo.decideReview(trx, id, { status: 'rejected', decided_by: user.id, note: d.note ?? null });
      await audit(trx, actor, { action: 'reject', entity: 'match_review', entityId: id, customerId: r.customer_a, fields: ['status'], changes: { status: { from: 'pending', to: 'rejected' }, customerB: r.customer_b, note: d.note ?? null } });
      return { id, status: 'rejected' as const, mergeId: null };
    }
    const [ca, cb] = await repo.getCustomersBasic(trx, [r.customer_a, r.customer_b]).then((rows) => [rows.find((x) => x.id === r.customer_a)!, rows.find((x) => x.id === r.customer_b)!]);
    // The survivor: as chosen, else the more valuable customer, else the older number.
    let survivor = Number(ca.aum_fen) > Number(cb.aum_fen) ? ca : Number(cb.aum_fen) > Number(ca.aum_fen) ? cb : ca.customer_no < cb.customer_no ? ca : cb;
    if (d.survivorNo) {
      const pick = [ca, cb].find((c) => c.customer_no === d.survivorNo);
      if (!pick) throw invalid([fieldError('survivorNo', 'notInPair', '保留客户必须是这一对中的一个', 'must be one of the two customers of the pair')]);
      survivor = pick;
    }
    const merged = survivor === ca ? cb : ca;
    const mergeId = await mergeInTrx(trx, user, actor, survivor.id, merged.id, d.note?.trim() || '审核确认 / confirmed in review', id, d.overrideConflict ?? false);
    await repo.decideReview(trx, id, { status: 'confirmed', decided_by: user.id, note: d.note ?? null, merge_id: mergeId });
    await audit(trx, actor, { action: 'confirm', entity: 'match_review', entityId: id, customerId: survivor.id, fields: ['status'], changes: { status: { from: 'pending', to: 'confirmed' }, mergeId } });
    return { id, status: 'confirmed' as const, mergeId, survivorNo: survivor.customer_no };
  });
}

/** A manager proposes two customers as one (I5/I6): the pair joins the queue with the engine's evidence. */
export async function propose(db: Db, user: CurrentUser, actor: Actor, body: { customerNo: string; otherCustomerNo: string; note?: string }) {
  return db.transaction().execute(async (trx) => {
    const a = await repo.findCustomerByNo(trx, body.customerNo, user);
    const b = await repo.findCustomerByNo(trx, body.otherCustomerNo, user);
    const errors = [];
    if (!a) errors.push(fieldError('customerNo', 'exists', '客户不存在', 'no such customer'));
    if (!b) errors.push(fieldError('otherCustomerNo', 'exists', '客户不存在', 'no such customer'));
    if (a && b && a.id === b.id) errors.push(fieldError('otherCustomerNo', 'self', '不能与自己合并', 'cannot merge a customer with itself'));
    if (errors.length) throw invalid(errors);
    const existing = await repo.getReviewByPair(trx, pairKey(a!.id, b!.id));
    if (existing) {
      if (existing.status !== 'pending') throw new AppError('CONFLICT', { zh: '这两位客户已审核过，不会再次审核', en: 'These two customers were decided already and are not asked again' }, [fieldError('otherCustomerNo', 'decided', '已有审核结论', 'pair already decided')]);
      return { id: existing.id, created: false };
    }
    const m = await activeModel(trx);
    const [ca, cb] = await repo.getCustomersBasic(trx, [a!.id, b!.id]).then((rows) => [rows.find((x) => x.id === a!.id)!, rows.find((x) => x.id === b!.id)!]);
    if (ca.party !== cb.party) throw invalid([fieldError('otherCustomerNo', 'party', '个人客户与机构客户不能合并', 'a person and an organisation cannot be merged')]);
    const s = score(prepared(fromCustomer(ca)), prepared(fromCustomer(cb)), m.model);
    const rid = await enqueuePair(trx, a!.id, b!.id, { origin: 'manager', recordA: null, recordB: null, score: s, createdBy: user.id, note: body.note ?? null });
    // Proposed at the same moment by someone else: theirs is the pair (the insert waited for their commit).
    if (rid === undefined) {
      const theirs = (await repo.getReviewByPair(trx, pairKey(a!.id, b!.id)))!;
      return { id: theirs.id, created: false };
    }
    await audit(trx, actor, { action: 'propose', entity: 'match_review', entityId: rid, customerId: a!.id, fields: ['pair'], changes: { customerNo: body.customerNo, otherCustomerNo: body.otherCustomerNo, note: body.note ?? null } });
    return { id: rid, created: true };
  });
}

// ---------------------------------------------------------------- merge and unmerge

/**
 * The identity numbers a customer stands for, as `kind:key` (resident IDs by the 15 digits old and new numbers
 * share): its resident ID and USCC rows, and the valid ones its source records carry — a record whose number
 * another customer holds leaves its own customer without the identity row, not without the number.
 */
async function idNumbersOf(trx: Db, customerId: number) {
  const out = new Set<string>();
  const strong = (kind: string) => kind === 'resident_id' || kind === 'uscc';
  for (const i of await repo.identitiesOf(trx, customerId)) {
    const p = prepared({ id: `i${i.id}`, source: 'CRM', kind: i.id_type === 'uscc' ? 'org' : 'person', idType: i.id_type, idNo: i.id_no });
    if (strong(i.id_type)) out.add(`${i.id_type}:${p.idValid && p.idKind === i.id_type ? p.idKey : i.id_no}`);
  }
  for (const r of await repo.recordsOfCustomers(trx, [customerId], 200)) {
    const p = prepared(fromRecord(r));
    if (p.idValid && strong(p.idKind)) out.add(`${p.idKind}:${p.idKey}`);
  }
  return out;
}

/** A number of a kind the survivor holds another number of: two different valid numbers would make one customer. */
async function idClash(trx: Db, survivorId: number, mergedId: number) {
  const [mine, theirs] = [await idNumbersOf(trx, survivorId), await idNumbersOf(trx, mergedId)];
  const kinds = new Set([...mine].map((k) => k.slice(0, k.indexOf(':'))));
  return [...theirs].find((k) => kinds.has(k.slice(0, k.indexOf(':'))) && !mine.has(k)) ?? null;
}

async function mergeInTrx(trx: Db, user: CurrentUser, actor: Actor, survivorId: number, mergedId: number, reason: string, reviewId: number | null, overrideConflict: boolean) {
  if (!(await repo.customerInScope(trx, survivorId, user)) || !(await repo.customerInScope(trx, mergedId, user))) throw notFound(CUSTOMER_NOT_FOUND);
  const locked = await repo.lockCustomers(trx, [survivorId, mergedId]);
  const survivor = locked.find((c) => c.id === survivorId)!;
  const merged = locked.find((c) => c.id === mergedId)!;
  const errors = [];
  if (survivor.deleted) errors.push(fieldError('survivorNo', 'deleted', '保留客户已被删除或合并', 'has been deleted or merged away'));
  if (merged.deleted) errors.push(fieldError('mergedNo', 'deleted', '被合并客户已被删除或合并', 'has been deleted or merged away'));
  if (survivor.party !== merged.party) errors.push(fieldError('mergedNo', 'party', '个人客户与机构客户不能合并', 'a person and an organisation cannot be merged'));
  if (errors.length) throw invalid(errors);
  // Anti-chaining (I4): one customer never holds two different identity numbers of one kind, unless a person
  // who looked at the evidence says so.
  const clash = await idClash(trx, survivorId, mergedId);
  // Overriding it is a supervisor's or data steward's call (integration:manage), never a customer manager's alone.
  if (clash && overrideConflict && !can(user, 'integration:manage')) {
    throw new AppError('FORBIDDEN', { zh: '两位客户的证件号码不同，证件冲突仍合并需要整合管理权限（主管或数据管理员）', en: 'The two customers hold different ID numbers; merging despite the ID conflict needs the integration manage permission (a supervisor or data steward)' },
      [fieldError('overrideConflict', 'permission', '需要整合管理权限', 'needs the integration:manage permission')]);
  }
  if (clash && !overrideConflict) {
    throw new AppError('CONFLICT', { zh: '两位客户的证件号码不同，确认是同一客户请勾选"证件冲突仍合并"', en: 'The two customers hold different ID numbers; tick "merge despite the ID conflict" if they are one customer' },
      [fieldError('overrideConflict', 'idConflict', '证件号码冲突', 'different ID numbers of one kind')]);
  }
  const mergeId = await repo.insertMerge(trx, { survivor_id: survivorId, merged_id: mergedId, review_id: reviewId, reason, merged_by: user.id });
  const ctx = { trx, actor, survivorId, mergedId, survivorNo: survivor.customer_no, mergedNo: merged.customer_no, mergeId };
  const snapshot = await runMerge(ctx);
  await repo.saveMergeSnapshot(trx, mergeId, snapshot);
  // The managers' books (workbench and team figures) see the merged customer gone and its AUM on the survivor.
  await refreshManagerBooks(trx, [survivor.manager_id, merged.manager_id]);
  const moved = movedCounts(snapshot);
  await audit(trx, actor, {
    action: 'merge', entity: 'customer', entityId: survivor.customer_no, customerId: survivorId, fields: Object.keys(moved),
    changes: { mergeId, merged: merged.customer_no, moved, ...mergeEffects(snapshot), reason, overrideConflict: !!clash },
  });
  await audit(trx, actor, { action: 'merge', entity: 'customer', entityId: merged.customer_no, customerId: mergedId, fields: ['deleted'], changes: { mergeId, mergedInto: survivor.customer_no, deleted: { from: false, to: true } } });
  return mergeId;
}

/** Merges two customers directly (a reviewer who knows them), recording the pair as decided. */
export async function merge(db: Db, user: CurrentUser, actor: Actor, body: { survivorNo: string; mergedNo: string; reason: string; overrideConflict?: boolean }) {
  if (!body.reason.trim()) throw invalid([fieldError('reason', 'required', '必须填写合并原因', 'is required')]);
  return db.transaction().execute(async (trx) => {
    const s = await repo.findCustomerByNo(trx, body.survivorNo, user);
    const m = await repo.findCustomerByNo(trx, body.mergedNo, user);
    if (!s || !m) throw notFound(CUSTOMER_NOT_FOUND);
    if (s.id === m.id) throw invalid([fieldError('mergedNo', 'self', '不能与自己合并', 'cannot merge a customer with itself')]);
    const key = pairKey(s.id, m.id);
    const existing = await repo.getReviewByPair(trx, key);
    if (existing?.status === 'rejected') throw new AppError('CONFLICT', { zh: '这两位客户已被判定为不同客户', en: 'These two customers were decided to be different' }, [fieldError('mergedNo', 'rejected', '已判定为不同客户', 'pair was rejected')]);
    // The pair the user proposed is confirmed by another reviewer, whichever way it is merged (four eyes).
    if (existing?.status === 'pending' && existing.origin === 'manager' && existing.created_by === user.id) {
      throw new AppError('FORBIDDEN', OWN_PROPOSAL, [fieldError('mergedNo', 'fourEyes', OWN_PROPOSAL.zh, OWN_PROPOSAL.en)]);
    }
    const mergeId = await mergeInTrx(trx, user, actor, s.id, m.id, body.reason.trim(), existing?.id ?? null, body.overrideConflict ?? false);
    if (existing) await repo.decideReview(trx, existing.id, { status: 'confirmed', decided_by: user.id, note: body.reason.trim(), merge_id: mergeId });
    else {
      const rid = await enqueuePair(trx, s.id, m.id, { origin: 'manager', recordA: null, recordB: null, score: null, createdBy: user.id, note: body.reason.trim() });
      if (rid) {
        await repo.decideReview(trx, rid, { status: 'confirmed', decided_by: user.id, note: body.reason.trim(), merge_id: mergeId });
        await repo.setMergeReview(trx, mergeId, rid);
      }
    }
    return { mergeId, survivorNo: body.survivorNo, mergedNo: body.mergedNo };
  });
}

/** Undoes a merge exactly: every moved row back, the merged customer restored, its number its own again. */
export async function unmerge(db: Db, user: CurrentUser, actor: Actor, mergeId: number, reason: string) {
  if (!reason.trim()) throw invalid([fieldError('reason', 'required', '必须填写撤销原因', 'is required')]);
  return db.transaction().execute(async (trx) => {
    const g = await repo.getMergeForUpdate(trx, mergeId);
    if (!g || !(await repo.customerInScope(trx, g.survivor_id, user))) throw notFound({ zh: '合并记录不存在', en: 'Merge not found' });
    if (g.undone_at) throw new AppError('CONFLICT', { zh: '该合并已撤销', en: 'This merge has been undone already' });
    const later = await repo.laterMerges(trx, g);
    // Each later merge by its number and its customers (survivor ← merged), so it is found in the merge list.
    if (later.length) throw new AppError('CONFLICT', { zh: `请先撤销之后的合并（${later.map((l) => `编号 ${l.id}：${l.survivor_no} ← ${l.merged_no}`).join('；')}）`, en: `Undo the later merges first (${later.map((l) => `no. ${l.id}: ${l.survivor_no} ← ${l.merged_no}`).join('; ')})` });
    const locked = await repo.lockCustomers(trx, [g.survivor_id, g.merged_id]);
    const survivor = locked.find((c) => c.id === g.survivor_id)!;
    const merged = locked.find((c) => c.id === g.merged_id)!;
    const ctx = { trx, actor, survivorId: survivor.id, mergedId: merged.id, survivorNo: survivor.customer_no, mergedNo: merged.customer_no, mergeId, mergedAt: new Date(g.merged_at) };
    const snapshot = g.snapshot as MergeSnapshot;
    const followed = await runUnmerge(ctx, snapshot);
    await repo.markUndone(trx, mergeId, user.id, reason.trim());
    await refreshManagerBooks(trx, [survivor.manager_id, merged.manager_id]);
    // An undone merge was a wrong "same customer": remembered as different, never proposed again (merges made
    // before direct merges pointed at their pair are found by it).
    const reviewId = g.review_id ?? (await repo.getReviewByPair(trx, pairKey(g.survivor_id, g.merged_id)))?.id;
    if (reviewId) await repo.decideReview(trx, reviewId, { status: 'rejected', decided_by: user.id, note: `撤销合并 / unmerged: ${reason.trim()}`, merge_id: mergeId });
    const moved = movedCounts(snapshot);
    await audit(trx, actor, {
      action: 'unmerge', entity: 'customer', entityId: survivor.customer_no, customerId: survivor.id, fields: Object.keys({ ...moved, ...followed }),
      changes: { mergeId, merged: merged.customer_no, moved, followed, reason: reason.trim() },
    });
    await audit(trx, actor, { action: 'unmerge', entity: 'customer', entityId: merged.customer_no, customerId: merged.id, fields: ['deleted'], changes: { mergeId, deleted: { from: true, to: false } } });
    return { mergeId, survivorNo: survivor.customer_no, mergedNo: merged.customer_no };
  });
}

export async function listMerges(db: Db, user: CurrentUser, customerNo: string | undefined, limit = 50) {
  let customerId: number | null = null;
  if (customerNo) {
    const c = await repo.findCustomerByNo(db, customerNo, user);
    // A merged-away number stands for its survivor, and exists for the user only when the survivor is in their
    // scope: outside it, it is as unknown as a number nobody holds (no telling which numbers the bank has).
    const alias = c ? null : await repo.resolveAlias(db, customerNo);
    customerId = c?.id ?? (alias && (await repo.customerInScope(db, alias.id, user)) ? alias.id : null);
    if (!customerId) throw notFound(CUSTOMER_NOT_FOUND);
  }
  const rows = await repo.listMerges(db, user, customerId, limit);
  const detaches = await repo.listDetaches(db, user, customerId, limit);
  return {
    // Source records detached from (or into) the customer: the other half of its integration history.
    detaches: detaches.map((d) => ({
      id: d.id, reason: d.reason, detachedAt: d.detached_at, detachedBy: d.detached_by_name, createdCustomer: d.created_customer, accounts: d.accounts,
      record: { id: Number(d.source_record_id), source: d.source_code, recordKey: d.record_key },
      from: { customerNo: d.from_no, name: d.from_name }, to: { customerNo: d.to_no, name: d.to_name },
    })),
    items: rows.map((r) => ({
      id: r.id, reason: r.reason, mergedAt: r.merged_at, mergedBy: r.merged_by_name, undoneAt: r.undone_at, undoneBy: r.undone_by_name, undoReason: r.undo_reason,
      reviewId: r.review_id, survivor: { customerNo: r.survivor_no, name: r.survivor_name }, merged: { customerNo: r.merged_no, name: r.merged_name },
    })),
  };
}

// ---------------------------------------------------------------- detaching a source record (split)

const RECORD_NOT_FOUND = { zh: '来源记录不存在', en: 'Source record not found' };

/**
 * Undoes a wrong automatic attachment (a twin's card record on his brother): the record leaves its customer for a new
 * customer made from it alone (placed with the old customer's org unit and manager), or joins `targetCustomerNo`. Its
 * accounts go with it, the values the old customer held only from it too, both golden records and AUMs are recomputed,
 * and the pair (record's new customer, old customer) is decided "not the same", so neither the engine nor a merge
 * joins them again. One transaction, audited on both customers and the record.
 */
export async function detachRecord(db: Db, user: CurrentUser, actor: Actor, recordId: number, body: { reason: string; targetCustomerNo?: string }) {
  const reason = body.reason.trim();
  if (!reason) throw invalid([fieldError('reason', 'required', '必须填写拆分原因', 'is required')]);
  const cfg = await defaults(db);
  return db.transaction().execute(async (trx) => {
    // Customers first, then the record (the order merges lock in: no deadlock), and the record's customer checked again.
    const [seen] = await repo.getRecords(trx, [recordId]);
    if (!seen?.customer_id || !(await repo.customerInScope(trx, seen.customer_id, user))) throw notFound(RECORD_NOT_FOUND);
    const fromId = seen.customer_id;
    let target: { id: number; customer_no: string } | undefined;
    if (body.targetCustomerNo) {
      target = await repo.findCustomerByNo(trx, body.targetCustomerNo, user);
      if (!target) throw invalid([fieldError('targetCustomerNo', 'exists', '客户不存在', 'no such customer')]);
      if (target.id === fromId) throw invalid([fieldError('targetCustomerNo', 'self', '不能拆分到原客户', 'is the customer the record is on')]);
    }
    const lockedRows = await repo.lockCustomers(trx, target ? [fromId, target.id] : [fromId]);
    const from = lockedRows.find((c) => c.id === fromId)!;
    const to = lockedRows.find((c) => c.id === target?.id);
    const locked = await repo.lockRecord(trx, recordId);
    if (locked?.customer_id !== fromId) throw new AppError('CONFLICT', { zh: '该来源记录刚被移到其他客户，请刷新后再试', en: 'The record has just moved to another customer; reload and try again' });
    const [rec] = await repo.getRecords(trx, [recordId]);
    if (from.deleted) throw new AppError('CONFLICT', { zh: '该客户已被合并，请在保留客户上拆分', en: 'This customer has been merged away; detach the record from its survivor' });
    if (to?.deleted) throw invalid([fieldError('targetCustomerNo', 'deleted', '目标客户已被删除或合并', 'has been deleted or merged away')]);
    if (to && to.party !== from.party) throw invalid([fieldError('targetCustomerNo', 'party', '个人客户与机构客户不能合并', 'a person and an organisation cannot be merged')]);
    const records = await repo.recordsOfCustomers(trx, [fromId], 1000);
    if (records.length <= 1) {
      throw new AppError('CONFLICT', { zh: '这是该客户唯一的来源记录，拆分后原客户将没有来源记录；如客户本身有误，请合并或修改客户', en: "This is the customer's only source record: detaching it would leave the customer without one; merge or edit the customer instead" });
    }
    // Values the old customer holds only from this record leave with it (an identity number is one customer's).
    const own = (r: repo.RecordRow) => [r.id_no, r.mobile, r.email, r.address].filter((v): v is string => !!v).map((v) => v.trim());
    const mine = new Set(own(rec));
    const others = new Set(records.filter((r) => r.id !== recordId).flatMap(own));
    const leaving = (await repo.profileOf(trx, [fromId])).filter((r) => mine.has(r.value) && !others.has(r.value));
    const created = !to;
    const toId = to?.id ?? (await createFromRecord(trx, actor, rec, cfg, { orgId: from.org_id, managerId: from.manager_id }));
    const toNo = to?.customer_no ?? (await repo.getCustomersBasic(trx, [toId]))[0]!.customer_no;
    const pk = pairKey(fromId, toId);
    const prior = await repo.getReviewByPair(trx, pk);
    if (prior?.status === 'confirmed') throw new AppError('CONFLICT', { zh: '这两位客户已合并，请先撤销合并', en: 'These two customers are merged; undo the merge first' });
    const held = new Set((await repo.profileOf(trx, [toId])).map((r) => `${r.t}|${r.key}`));
    for (const r of leaving) {
      if (held.has(`${r.t}|${r.key}`)) await repo.deleteRows(trx, r.t, [r.id]);
      else await repo.moveProfileRow(trx, r.t, r.id, toId, false);
    }
    await repo.setRecordResolution(trx, recordId, toId, created ? 'created' : 'matched');
    await repo.replaceMatchKeys(trx, recordId, toId, keysOf(prepared(fromRecord(rec))));
    const accounts = await repo.moveRecordAccounts(trx, recordId, fromId, toId);
    await repo.deleteLineageOfRecord(trx, fromId, recordId);
    for (const id of [fromId, toId]) {
      await applyGolden(trx, actor, id);
      await repo.refreshAum(trx, id);
    }
    await activateIfOpen(trx, actor, [toId]);
    await refreshManagerBooks(trx, [from.manager_id, to?.manager_id ?? from.manager_id]);
    // "Not the same": remembered as a decided pair, as a rejected review is (never proposed, never merged without undoing this).
    const note = `拆分来源记录 / record detached: ${reason}`;
    let reviewId = prior?.id ?? null;
    if (prior) await repo.decideReview(trx, prior.id, { status: 'rejected', decided_by: user.id, note });
    else {
      reviewId = (await enqueuePair(trx, toId, fromId, { origin: 'manager', recordA: recordId, recordB: null, score: null, createdBy: user.id, note })) ?? null;
      if (reviewId) await repo.decideReview(trx, reviewId, { status: 'rejected', decided_by: user.id, note });
    }
    const detachId = await repo.insertDetach(trx, { source_record_id: recordId, from_customer_id: fromId, to_customer_id: toId, created_customer: created, review_id: reviewId, accounts, reason, detached_by: user.id });
    const moved = leaving.map((r) => r.t);
    await audit(trx, actor, {
      action: 'detach', entity: 'customer', entityId: from.customer_no, customerId: fromId, fields: ['source_record', ...new Set(moved)],
      changes: { detachId, record: { id: recordId, source: rec.source_code, recordKey: rec.record_key }, to: toNo, createdCustomer: created, accounts, movedRows: moved.length, reason },
    });
    await audit(trx, actor, {
      action: 'detach', entity: 'customer', entityId: toNo, customerId: toId, fields: ['source_record'],
      changes: { detachId, record: { id: recordId, source: rec.source_code, recordKey: rec.record_key }, from: from.customer_no, createdCustomer: created, accounts, reason },
    });
    await audit(trx, actor, {
      action: 'detach', entity: 'source_record', entityId: recordId, customerId: toId, fields: ['customer_id'],
      changes: { customer_id: { from: fromId, to: toId }, reviewId, reason },
    });
    return { detachId, recordId, fromCustomerNo: from.customer_no, toCustomerNo: toNo, createdCustomer: created, accounts };
  });
}
