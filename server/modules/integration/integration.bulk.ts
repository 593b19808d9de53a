import type { Db } from '../../db/database.ts';
import { candidatePairs, clusterScored, fastScore, oddsScore } from '../../../engines/matching/index.ts';
import { nameGrams, namePinyin } from '../../../engines/identity/index.ts';
import { auditMany, type Actor } from '../../platform/audit.ts';
import { getHeadOffice } from '../admin/admin.repository.ts';
import * as customersRepo from '../customers/customers.repository.ts';
import * as repo from './integration.repository.ts';
import { AUTO_ESTIMATE_BACKLOG, modelForBacklog, type AutoEstimate } from './integration.estimate.ts';
import { idTypeOf, toSurvivor } from './integration.golden.ts';
import { fromCustomer, fromRecord, keysOf, prepared, type MatchModel, type PairScore, type Prepared } from './integration.matching.ts';
import {
  accountsOf, activateIfOpen, activeModel, addIdName, addSummary, defaults, idNameAgreement, logAccountProblems, otherNameOnly, outranks, reference, resolveSourceRecords, settledCount, sharedIdReview,
  sharedValidId, sourceOrder, withIdRule, type IdNames, type ResolveSummary,
} from './integration.service.ts';
import { goldenRecord, pickField, type Chosen, type GoldenField } from './integration.survivorship.ts';

/**
 * Bulk resolution of a large pending backlog (a first load of a million records): the same outcomes as
 * resolveSourceRecords, decided a chunk at a time. Records are clustered inside the chunk by the matching
 * engine (sure matches, anti-chaining guard), each cluster is scored against the existing customers its records
 * share a key, an ID or a contact with, then attached, created or sent to review; everything is written with a
 * few set-based statements. One chunk = one transaction, so a crash leaves whole chunks and `pending` is the cursor.
 */

export const BULK_THRESHOLD = 2_000;
export const BULK_CHUNK = 50_000;
/** How long one scheduled run resolves in bulk before it leaves the rest to the next run. */
export const BULK_RUN_MS = 10 * 60_000;

export type BulkProgress = { source: string; records: number; done: number; ms: number; summary: ResolveSummary };
export type BulkOptions = {
  chunk?: number;
  onProgress?: (p: BulkProgress) => void;
  /** A chunk failed in bulk (its records are then resolved one by one), or the automatic first estimate failed (the built-in model is used). */
  onError?: (err: unknown) => void;
  /** With only the built-in model, a backlog of at least this many new records first has a model estimated from it (default AUTO_ESTIMATE_BACKLOG; Infinity: never). */
  estimateFrom?: number;
  /** The automatic first estimate was saved as this version. */
  onEstimate?: (e: AutoEstimate) => void;
  /** No chunk is started after this time (epoch ms): a scheduled run stays short, the next one goes on. */
  deadline?: number;
  /** No chunk is started once aborted (the server is stopping): the pending records are the cursor of the next run. */
  signal?: AbortSignal;
};

type Cfg = Awaited<ReturnType<typeof defaults>>;
type Rec = repo.RecordRow;
type Status = 'matched' | 'created' | 'review';
/** The customer a cluster resolves to: existing (id known) or created by this chunk (id set once inserted). */
type Target = { id: number; customerNo: string; orgId: number; managerId: number | null };
/** A scored pair of a cluster's record (pa) and a customer's record or golden record (pb): the evidence, or a pair to queue for review. */
type QueueItem = { other: Target; score: PairScore; recordA: number; recordB: number | null; against: string; sharedId?: string | null; idNames?: IdNames; pa: Prepared; pb: Prepared };
/**
 * A pair queued for review, held until the chunk's customers have ids: its score without the field explanation
 * (some 1 KB a pair, recomputed from pa/pb when the row is written), so a skewed chunk's many pairs stay small.
 */
type Queued = Omit<QueueItem, 'score'> & { score: Omit<PairScore, 'fields'> };
const slim = ({ score: { fields: _, ...score }, ...q }: QueueItem): Queued => ({ ...q, score });
/** Review rows written per statement (one JSON document each). */
const REVIEW_BATCH = 5_000;

const pairKey = (a: number, b: number) => `${Math.min(a, b)}-${Math.max(a, b)}`;
const emptySummary = (): ResolveSummary => ({ matched: 0, created: 0, review: 0, skipped: 0, accountProblems: [], failed: 0, failures: [] });
const add = (total: ResolveSummary, s: ResolveSummary) => addSummary(total, s);

/** Resolves every new pending record (no customer yet), source by source in the discreteness order (I4). */
export async function resolveBulk(db: Db, actor: Actor, opts: BulkOptions = {}): Promise<ResolveSummary> {
  const total = emptySummary();
  const m = await modelForBacklog(db, await activeModel(db), opts.estimateFrom ?? AUTO_ESTIMATE_BACKLOG, opts);
  const cfg = await defaults(db);
  const sample = await repo.samplePendingNew(db, 2_000);
  if (!sample.length) return total;
  const { order } = await sourceOrder(db, m.sourceOrder, sample.map((r) => ({ source: r.source_code, keys: keysOf(prepared(fromRecord(r))) })));
  const sources = [...new Set([...order, ...sample.map((r) => r.source_code)])].filter((s) => sample.some((r) => r.source_code === s));
  let done = 0;
  for (const source of sources) {
    while ((!opts.deadline || Date.now() < opts.deadline) && !opts.signal?.aborted) {
      const t0 = performance.now();
      const once = () => db.transaction().execute(async (trx) => {
        await repo.lockBulkResolution(trx);
        const recs = await repo.lockPendingChunk(trx, source, opts.chunk ?? BULK_CHUNK);
        return { n: recs.length, s: recs.length ? await resolveChunk(trx, actor, recs, m.model, order, cfg) : emptySummary() };
      });
      let r: Awaited<ReturnType<typeof once>>;
      try {
        // A record resolved one by one meanwhile (a concurrent load) can collide with the chunk: once more, it is seen.
        r = await once().catch((err: { code?: string }) => {
          if (err?.code === '23505' || err?.code === '40001' || err?.code === '40P01') return once();
          throw err;
        });
      } catch (err) {
        // A chunk that cannot be written in bulk must not hold back the backlog: its records go one by one.
        opts.onError?.(err);
        const ids = await repo.lockPendingChunk(db, source, opts.chunk ?? BULK_CHUNK).then((x) => x.map((y) => y.id));
        if (!ids.length) throw err;
        r = { n: ids.length, s: await resolveSourceRecords(db, actor, ids) };
      }
      if (!r.n) break;
      add(total, r.s);
      done += r.n;
      opts.onProgress?.({ source, records: r.n, done, ms: performance.now() - t0, summary: total });
      // Nothing of this chunk settled (resolved meanwhile by another run): on to the next source.
      if (!settledCount(r.s)) break;
    }
  }
  return total;
}

/** Records a load resolves through resolveInBulk per transaction (the resolution count moves after each). */
const LOAD_BULK_CHUNK = 5_000;

/**
 * A load's records resolved with the bulk resolver instead of one by one (a batch of at least BULK_THRESHOLD new
 * records): those still pending without a customer a chunk per transaction, decided as resolveBulk decides a
 * backlog; changed records, and a chunk that cannot be written in bulk, one record at a time. `onDone` hears how
 * many records each step settled.
 */
export async function resolveInBulk(db: Db, actor: Actor, recordIds: number[], onDone: (n: number) => Promise<void>): Promise<ResolveSummary> {
  const total = emptySummary();
  const m = await activeModel(db);
  const cfg = await defaults(db);
  const unique = [...new Set(recordIds)];
  const pending = (await repo.getRecords(db, unique)).filter((r) => r.match_status === 'pending');
  // Records resolved meanwhile (another resolver) are settled already.
  if (unique.length > pending.length) await onDone(unique.length - pending.length);
  const fresh = pending.filter((r) => r.customer_id === null);
  const changed = pending.filter((r) => r.customer_id !== null).map((r) => r.id);
  const sources = new Set(fresh.map((r) => r.source_code));
  const { order } = sources.size > 1
    ? await sourceOrder(db, m.sourceOrder, fresh.map((r) => ({ source: r.source_code, keys: keysOf(prepared(fromRecord(r))) })))
    : { order: [...sources] };
  for (let i = 0; i < fresh.length; i += LOAD_BULK_CHUNK) {
    const ids = fresh.slice(i, i + LOAD_BULK_CHUNK).map((r) => r.id);
    try {
      const s = await db.transaction().execute(async (trx) => {
        await repo.lockBulkResolution(trx);
        const recs = await repo.lockPendingRecords(trx, ids);
        return recs.length ? resolveChunk(trx, actor, recs, m.model, order, cfg) : emptySummary();
      });
      add(total, s);
      // Told in the load's log (records resolved one by one below tell theirs themselves).
      await logAccountProblems(db, s.accountProblems ?? []);
    } catch {
      // Rolled back whole: its records go one by one (a concurrent resolver's customer is then found and attached;
      // one that fails alone is `failed`, settled for the load: an administrator retries it).
      add(total, await resolveSourceRecords(db, actor, ids));
    }
    await onDone(ids.length);
  }
  if (changed.length) {
    add(total, await resolveSourceRecords(db, actor, changed));
    await onDone(changed.length);
  }
  total.skipped! += unique.length - pending.length;
  total.accountProblemCount = total.accountProblems?.length ?? 0;
  return total;
}

/**
 * The engine's clustering (clusterRecords) plus the bank's rules on one valid ID: with an agreeing name it is one
 * customer (withIdRule), under another name a pair for review (sharedIdReview) whose two records no chain of sure
 * matches through third records may join either (a cannot-link).
 */
function clusterChunk(preps: Prepared[], model: MatchModel, order: string[]) {
  const cands = candidatePairs(preps, model.preset);
  const sure = oddsScore(model.matchThreshold);
  const review = oddsScore(model.reviewThreshold);
  const score = new Float64Array(cands.a.length);
  const apart: { a: number[]; b: number[] } = { a: [], b: [] };
  for (let k = 0; k < score.length; k++) {
    const a = preps[cands.a[k]!]!;
    const b = preps[cands.b[k]!]!;
    let s = fastScore(a, b, model);
    if (sharedValidId(a, b)) {
      // One valid ID: one customer with an agreeing name, a pair for review under another (withIdRule).
      const ruled = withIdRule(a, b, model);
      if (ruled.zone === 'match') s = Math.max(s, sure);
      else s = Math.min(Math.max(s, review), sure - 1e-9);
      if (idNameAgreement(a, b, ruled) === 'other') {
        apart.a.push(cands.a[k]!);
        apart.b.push(cands.b[k]!);
      }
    }
    score[k] = s;
  }
  const rank = new Map(order.map((c, i) => [c, i]));
  return clusterScored(preps.length, { a: cands.a, b: cands.b, score }, sure, review, {
    personId: preps.map((p) => (p.idValid && p.idKind === 'resident_id' ? p.idNo : '')),
    orgId: preps.map((p) => (p.idValid && p.idKind === 'uscc' ? p.idNo : '')),
  }, { sourceRank: preps.map((p) => rank.get(p.source) ?? rank.size), cannotLink: apart });
}

/**
 * The pairs for review of a cluster with earlier clusters of its chunk (record i of the cluster, j of the earlier
 * one), scored as a customer's records are (sharedIdReview): a shared ID, and the names it is held under, stick to
 * the earlier cluster, so a pair a cannot-link kept apart (a sure match through a third record) is asked about as
 * the ID's conflict, as one by one asks.
 */
function chunkPairs(pairs: { i: number; j: number }[], targetOf: (j: number) => Target, recs: Rec[], preps: Prepared[], model: MatchModel): QueueItem[] {
  const items = pairs.map(({ i, j }) => {
    const score = withIdRule(preps[i]!, preps[j]!, model);
    return { other: targetOf(j), score, recordA: recs[i]!.id, recordB: recs[j]!.id, against: `r${recs[j]!.id}`, sharedId: sharedValidId(preps[i]!, preps[j]!), pa: preps[i]!, pb: preps[j]! };
  });
  const per = new Map<Target, { sharedId: string | null; idNames: IdNames }>();
  for (const q of items) {
    const cur = per.get(q.other) ?? { sharedId: null, idNames: {} };
    per.set(q.other, { sharedId: cur.sharedId ?? q.sharedId, idNames: addIdName(cur.idNames, q.pa, q.pb, q.score) });
  }
  return items.map((q) => {
    const { sharedId, idNames } = per.get(q.other)!;
    return { ...q, score: sharedIdReview(q.score, sharedId, otherNameOnly(idNames)), sharedId, idNames };
  });
}

/** Candidate customers per record, as findCandidates ranks them (most shared evidence first, capped). */
async function candidatesOf(trx: Db, recs: Rec[], preps: Prepared[], keys: string[][], cap: number) {
  const py = recs.map((r) => (r.name ? namePinyin(r.name.replace(/\s+/g, '')).full || '' : ''));
  const names = new Set(preps.flatMap((p, i) => (py[i] ? [`${py[i]}|${p.birthDate}`] : [])));
  const rows = await repo.findCandidatesBulk(trx, {
    keys: [...new Set(keys.flat())], idNos: [...new Set(preps.map((p) => p.idNo).filter(Boolean))],
    contacts: [...new Set(preps.flatMap((p) => [p.mobile, p.email]).filter(Boolean))], names: [...names.values()], cap,
  });
  const hits = new Map<string, number[]>();
  for (const r of rows) {
    const k = `${r.arm}:${r.probe}`;
    if (!hits.has(k)) hits.set(k, []);
    hits.get(k)!.push(r.customer_id);
  }
  return preps.map((p, i) => {
    const found = [
      ...firstOf(keys[i]!.map((k) => hits.get(`k:${k}`)), cap * 4),
      ...firstOf([p.idNo ? hits.get(`i:${p.idNo}`) : undefined], cap),
      ...firstOf([p.mobile, p.email].filter(Boolean).map((c) => hits.get(`c:${c}`)), cap),
      ...firstOf([py[i] ? hits.get(`n:${py[i]}|${p.birthDate}`) : undefined], cap),
    ];
    const count = new Map<number, number>();
    for (const c of found) count.set(c, (count.get(c) ?? 0) + 1);
    return [...count].sort((a, b) => b[1] - a[1] || a[0] - b[0]).slice(0, cap).map(([c]) => c);
  });
}

/** The first n items of the lists one after the other (a key many customers share is not copied whole for every record). */
function firstOf<T>(lists: (readonly T[] | undefined)[], n: number): T[] {
  const out: T[] = [];
  for (const l of lists) {
    for (const x of l ?? []) {
      if (out.length >= n) return out;
      out.push(x);
    }
  }
  return out;
}

/**
 * At most `cap` pairs for review per cluster, strongest first, one per customer (the later one would be dropped as
 * a duplicate anyway): as one by one, where a record meets at most candidateCap customers. On skewed data (hundreds
 * of namesakes with one birth date) a record would otherwise queue a pair with every one of them, and the chunk's
 * pairs outgrow memory. Only pairs for review are dropped: the cluster's decision (match, create, review) is unchanged.
 */
function capQueue<Q extends { other: object }>(queue: Q[], target: object, cap: number): Q[] {
  const seen = new Set<object>([target]);
  const out: Q[] = [];
  for (const q of queue) {
    if (out.length >= cap) break;
    if (seen.has(q.other)) continue;
    seen.add(q.other);
    out.push(q);
  }
  return out;
}

async function inBatches<T>(ids: number[], load: (ids: number[]) => Promise<T[]>, size = 10_000): Promise<T[]> {
  const out: T[] = [];
  for (let i = 0; i < ids.length; i += size) out.push(...(await load(ids.slice(i, i + size))));
  return out;
}

async function resolveChunk(trx: Db, actor: Actor, recs: Rec[], model: MatchModel, order: string[], cfg: Cfg): Promise<ResolveSummary> {
  const summary = emptySummary();
  const preps = recs.map((r) => prepared(fromRecord(r)));
  const keys = preps.map(keysOf);
  const { root, reviewPairs } = clusterChunk(preps, model, order);

  // Existing customers: candidates of every record, their records and golden records, all in a few queries.
  const cands = await candidatesOf(trx, recs, preps, keys, cfg.candidateCap);
  const candIds = [...new Set(cands.flat())];
  const [candRecords, candCustomers] = await Promise.all([
    inBatches(candIds, (ids) => repo.recordsOfCustomers(trx, ids)), inBatches(candIds, (ids) => repo.getCustomersBasic(trx, ids)),
  ]);
  const recordsOf = new Map<number, { rec: Rec; p: Prepared }[]>();
  for (const r of candRecords) {
    if (!recordsOf.has(r.customer_id!)) recordsOf.set(r.customer_id!, []);
    recordsOf.get(r.customer_id!)!.push({ rec: r, p: prepared(fromRecord(r)) });
  }
  const customerOf = new Map(candCustomers.map((c) => [c.id, { c, p: prepared(fromCustomer(c)) }]));
  const existing = new Map<number, Target>();
  const targetOfCustomer = (id: number) => {
    if (!existing.has(id)) {
      const c = customerOf.get(id)!.c;
      existing.set(id, { id, customerNo: c.customer_no, orgId: c.org_id, managerId: c.manager_id });
    }
    return existing.get(id)!;
  };

  // Clusters in processing order (a cluster is named by its first record).
  const members = new Map<number, number[]>();
  for (let i = 0; i < recs.length; i++) {
    if (!members.has(root[i]!)) members.set(root[i]!, []);
    members.get(root[i]!)!.push(i);
  }
  // Fuzzy (or guard-refused) pairs inside the chunk: the later cluster meets the earlier one's customer, as one by one.
  // Strongest first (reviewPairs' order); pairs with at most candidateCap earlier clusters per cluster are scored, the
  // queue keeps no more (capQueue): the rest would only be dropped after scoring.
  const laterPairs = new Map<number, { i: number; j: number }[]>();
  const earlierOf = new Map<number, Set<number>>();
  for (const rp of reviewPairs) {
    const [ra, rb] = [root[rp.a]!, root[rp.b]!];
    if (ra === rb) continue;
    const [early, late] = ra < rb ? [rp.a, rp.b] : [rp.b, rp.a];
    const [re, rl] = [root[early]!, root[late]!];
    if (!earlierOf.has(rl)) earlierOf.set(rl, new Set());
    const seen = earlierOf.get(rl)!;
    if (!seen.has(re) && seen.size >= cfg.candidateCap) continue;
    seen.add(re);
    if (!laterPairs.has(rl)) laterPairs.set(rl, []);
    laterPairs.get(rl)!.push({ i: late, j: early });
  }
  earlierOf.clear();

  const headOffice = (await reference('head-office', () => getHeadOffice(trx)))!;
  const branchCodes = [...new Set([...recs.flatMap((r) => accountsOf(r).map((a) => a.branchCode ?? '')), cfg.orgCode ?? ''].filter(Boolean))];
  const branches = new Map((branchCodes.length ? await repo.orgIdsByCode(trx, branchCodes) : []).map((b) => [b.code, b.id]));

  const held = await repo.heldIdentities(trx, [...new Set(recs.map((r) => r.id_no?.trim() ?? '').filter(Boolean))]);
  type Decided = { idx: number[]; target: Target; statuses: Status[]; queue: Queued[]; evidence: QueueItem | null; created?: NewCustomer };
  const decided: Decided[] = [];
  const clusterTarget = new Map<number, Target>();
  for (const [r0, idx] of members) {
    // Evidence per existing customer: best score of any record of the cluster against its records and golden record.
    const best = new Map<number, QueueItem>();
    const consider = (cid: number, s: PairScore, recordA: number, against: string, recordB: number | null, pa: Prepared, pb: Prepared) => {
      const cur = best.get(cid);
      // A conflict (two valid, different ID numbers) sticks to the customer whatever else agrees; so does a shared ID,
      // and the names it is held under (one record of the cluster sharing it under another name: a person decides).
      const conflict = cur?.score.conflict ?? s.conflict;
      const shared = cur?.sharedId ?? sharedValidId(pa, pb);
      const idNames = addIdName(cur?.idNames ?? {}, pa, pb, s);
      if (!cur || outranks(s, cur.score)) best.set(cid, { other: targetOfCustomer(cid), score: { ...s, conflict }, recordA, recordB, against, sharedId: shared, idNames, pa, pb });
      else {
        if (conflict && !cur.score.conflict) cur.score = { ...cur.score, conflict };
        cur.sharedId = shared;
        cur.idNames = idNames;
      }
    };
    for (const cid of new Set(idx.flatMap((i) => cands[i]!))) {
      for (const i of idx) {
        const rec = recs[i]!;
        for (const x of recordsOf.get(cid) ?? []) if (x.rec.kind === rec.kind) consider(cid, withIdRule(preps[i]!, x.p, model), rec.id, `r${x.rec.id}`, x.rec.id, preps[i]!, x.p);
        const c = customerOf.get(cid);
        if (c && (c.c.party === 'organization') === (rec.kind === 'org')) consider(cid, withIdRule(preps[i]!, c.p, model), rec.id, `c${cid}`, null, preps[i]!, c.p);
      }
    }
    for (const e of best.values()) e.score = sharedIdReview(e.score, e.sharedId, otherNameOnly(e.idNames));
    const evidence = [...best.values()].sort((a, b) => b.score.probability - a.score.probability);
    const sure = evidence.filter((e) => e.score.zone === 'match' && !e.score.conflict);
    const fuzzy = evidence.filter((e) => e.score.zone === 'review' || (e.score.zone === 'match' && e.score.conflict));
    const inChunk = chunkPairs(laterPairs.get(r0) ?? [], (j) => clusterTarget.get(root[j]!)!, recs, preps, model);
    const statuses: Status[] = idx.map(() => 'matched');
    let d: Decided;
    if (sure.length) {
      // Two customers that both surely match one cluster are probably one customer: ask.
      d = { idx, target: sure[0]!.other, statuses, queue: capQueue([...sure.slice(1), ...fuzzy, ...inChunk], sure[0]!.other, cfg.candidateCap).map(slim), evidence: sure[0]! };
    } else {
      const queue = [...fuzzy, ...inChunk].sort((a, b) => b.score.probability - a.score.probability);
      // A provisional customer of a fuzzy pair is placed with the candidate's manager, who is to review the pair.
      const lead = queue[0]?.other;
      const created = await newCustomer(trx, idx.map((i) => recs[i]!), cfg, lead, branches, headOffice.id, held);
      statuses[0] = queue.length ? 'review' : 'created';
      d = { idx, target: created.target, statuses, queue: capQueue(queue, created.target, cfg.candidateCap).map(slim), evidence: evidence[0] ?? null, created };
    }
    clusterTarget.set(r0, d.target);
    decided.push(d);
  }

  // Writes, a few statements each.
  const fresh = decided.filter((d) => d.created);
  const nos = await repo.allocateCustomerNos(trx, fresh.length);
  fresh.forEach((d, n) => { d.target.customerNo = nos[n]!; });
  const ids = new Map((await repo.insertCustomersBulk(trx, fresh.map((d) => ({ ...d.created!.row, customer_no: d.target.customerNo })))).map((r) => [r.customer_no, r.id]));
  for (const d of fresh) d.target.id = ids.get(d.target.customerNo)!;
  await repo.insertManagerHistoryBulk(trx, fresh.filter((d) => d.target.managerId).map((d) => ({
    customer_id: d.target.id, to_manager_id: d.target.managerId!, reason: '整合新建客户 / created by integration', by_user_id: actor.userId,
  })));
  await writeRows(trx, fresh.map((d) => ({ id: d.target.id, golden: d.created!.golden })));
  await repo.setRecordResolutions(trx, decided.flatMap((d) => d.idx.map((i, n) => ({ id: recs[i]!.id, customer_id: d.target.id, status: d.statuses[n]! }))));
  await repo.replaceMatchKeysBulk(trx, recs.map((r) => r.id), decided.flatMap((d) => d.idx.flatMap((i) => [...new Set(keys[i]!)].map((key) => ({ key, source_record_id: recs[i]!.id, customer_id: d.target.id })))));
  await repo.upsertAccountsBulk(trx, await accountRows(trx, decided.flatMap((d) => d.idx.map((i) => ({ rec: recs[i]!, target: d.target }))), branches, summary));
  // Existing customers take the chunk's records into their golden record one after the other, as one by one.
  const attachedTo = [...new Set(decided.filter((d) => !d.created).map((d) => d.target.id))];
  const states = await goldenOfExisting(trx, attachedTo);
  const linked = await inBatches(attachedTo, (x) => repo.recordsOfCustomers(trx, x, 200));
  const inChunk = new Set(recs.map((r) => r.id));
  const byCustomer = new Map<number, { old: Rec[]; now: Rec[] }>();
  for (const r of linked) {
    if (!byCustomer.has(r.customer_id!)) byCustomer.set(r.customer_id!, { old: [], now: [] });
    byCustomer.get(r.customer_id!)![inChunk.has(r.id) ? 'now' : 'old'].push(r);
  }
  // An earlier record's identity may be the golden one now: held by another customer, it stays a conflict for review.
  for (const k of await repo.heldIdentities(trx, [...new Set(linked.filter((r) => !inChunk.has(r.id)).map((r) => r.id_no?.trim() ?? '').filter(Boolean))])) held.add(k);
  const diffs = new Map<number, Record<string, { from: unknown; to: unknown }>>();
  for (const id of attachedTo) {
    const { old, now } = byCustomer.get(id)!;
    const st = states.get(id)!;
    now.sort((a, b) => a.id - b.id);
    for (let n = 1; n <= now.length; n++) takeIn(st.golden, [...old, ...now.slice(0, n)], held);
    diffs.set(id, goldenDiff(st.before, st.golden));
  }
  const changed = attachedTo.filter((id) => SCALARS.some((f) => diffs.get(id)![f]));
  await repo.updateCustomerScalarsBulk(trx, changed.map((id) => ({ id, ...scalarColumns(states.get(id)!.golden) })));
  await repo.deleteLineageOf(trx, attachedTo);
  await writeRows(trx, attachedTo.map((id) => ({ id, golden: states.get(id)!.golden })));
  await repo.refreshAumBulk(trx, [...new Set(decided.map((d) => d.target.id))]);
  // A potential customer an open account of the chunk attached to is active now (new ones were created so already).
  await activateIfOpen(trx, actor, attachedTo);

  // Review rows a batch at a time (the field explanation recomputed per row), so no chunk builds one huge document.
  const reviewed = new Set<string>();
  const queuedBy = new Map<Decided, number>();
  let batch: (Parameters<typeof repo.insertReviewsBulk>[1][number] & { by: Decided })[] = [];
  const flush = async () => {
    const queued = new Set(await repo.insertReviewsBulk(trx, batch.map(({ by, ...r }) => r)));
    for (const r of batch) if (queued.has(r.pair_key)) queuedBy.set(r.by, (queuedBy.get(r.by) ?? 0) + 1);
    batch = [];
  };
  for (const d of decided) {
    for (const q of d.queue) {
      const key = pairKey(d.target.id, q.other.id);
      if (q.other.id === d.target.id || reviewed.has(key)) continue;
      reviewed.add(key);
      batch.push({
        pair_key: key, customer_a: d.target.id, customer_b: q.other.id, record_a: q.recordA, record_b: q.recordB, origin: 'engine',
        score: q.score.score.toFixed(4), probability: q.score.probability.toFixed(6), zone: q.score.zone, conflict: q.score.conflict ?? null,
        explanation: { fields: withIdRule(q.pa, q.pb, model).fields }, created_by: actor.userId, by: d,
      });
      if (batch.length >= REVIEW_BATCH) await flush();
    }
    d.queue = [];
  }
  if (batch.length) await flush();
  reviewed.clear();

  // One audit row per customer created or attached to, naming its records and the evidence.
  const perTarget = new Map<Target, Decided[]>();
  for (const d of decided) {
    if (!perTarget.has(d.target)) perTarget.set(d.target, []);
    perTarget.get(d.target)!.push(d);
  }
  await auditMany(trx, actor, [...perTarget].map(([t, ds]) => {
    const records = ds.flatMap((d) => d.idx.map((i, n) => ({ id: recs[i]!.id, source: recs[i]!.source_code, recordKey: recs[i]!.record_key, status: d.statuses[n] })));
    const e = ds[0]!.evidence;
    const common = {
      via: 'integration', bulk: true, records, queued: ds.reduce((n, d) => n + (queuedBy.get(d) ?? 0), 0),
      evidence: e ? { against: e.against, probability: e.score.probability, zone: e.score.zone, conflict: e.score.conflict ?? null, fields: e.score.fields } : null,
    };
    const c = ds[0]!.created;
    return c
      ? {
        action: 'create', entity: 'customer', entityId: t.customerNo, customerId: t.id, fields: ['customer_no', 'name', 'org_id', ...c.golden.lineage.map((g) => g.field).filter((f) => f !== 'name')],
        changes: {
          customer_no: { from: null, to: t.customerNo }, name: { from: null, to: c.row.name }, org_id: { from: null, to: t.orgId }, manager_id: { from: null, to: t.managerId },
          sources: Object.fromEntries(c.golden.lineage.map((g) => [g.field, g.sourceCode])), ...common,
        },
      }
      : {
        action: 'resolve', entity: 'customer', entityId: t.customerNo, customerId: t.id, fields: ['source_record', ...Object.keys(diffs.get(t.id) ?? {})],
        changes: { ...common, golden: diffs.get(t.id) ?? {} },
      };
  }));

  for (const d of decided) for (const s of d.statuses) summary[s]++;
  return summary;
}

// ---------------------------------------------------------------- the golden record in memory (applyGolden, record by record)

const SCALARS = ['name', 'gender', 'birth_date', 'employer', 'occupation', 'nationality'] as const;
type Scalar = (typeof SCALARS)[number];
const ROW_FIELDS = ['id_no', 'mobile', 'email', 'address'] as const;
type RowField = (typeof ROW_FIELDS)[number];
const PERSON_ONLY = new Set<GoldenField>(['gender', 'birth_date']);
type Row = { id: number | null; value: string; primary: boolean; was: boolean; idType?: string };
type Lineage = Omit<Chosen, 'value' | 'field'> & { field: string; value: string | null };
/** A customer's golden record as applyGolden sees it: scalars on the row, identity/contact/address rows, lineage. */
type Golden = { party: string; scalars: Record<Scalar, string | null>; rows: Record<RowField, Row[]>; lineage: Lineage[] };

const primaryOf = (rs: Row[]) => (rs.find((r) => r.primary) ?? rs[0])?.value ?? null;

/**
 * applyGolden over the customer's linked records, in memory: survivorship's choice per field (a manager's own
 * value kept), scalars, the chosen value as (primary) row, lineage. `held` = an identity some customer holds.
 */
function takeIn(g: Golden, linked: Rec[], held: Set<string>) {
  const survivors = linked.map(toSurvivor);
  const prev = new Map(g.lineage.map((l) => [l.field, l]));
  const current: Partial<Record<GoldenField, string | null>> = {
    ...g.scalars, id_no: primaryOf(g.rows.id_no), mobile: primaryOf(g.rows.mobile), email: primaryOf(g.rows.email), address: primaryOf(g.rows.address),
    income_fen: prev.get('income_fen')?.value ?? null, legal_rep: prev.get('legal_rep')?.value ?? null,
  };
  const golden = goldenRecord(survivors, current, g.lineage.map((l) => ({ field: l.field, value: l.value, sourceCode: l.sourceCode })))
    .filter((x) => g.party === 'person' || !PERSON_ONLY.has(x.field));
  for (const x of golden) {
    if (!(SCALARS as readonly string[]).includes(x.field) || x.rule === 'manual') continue;
    if (x.field === 'gender' && x.value !== 'M' && x.value !== 'F') continue;
    if (x.field === 'birth_date' && !/^\d{4}-\d{2}-\d{2}$/.test(x.value)) continue;
    g.scalars[x.field as Scalar] = x.field === 'name' ? x.value.trim() : x.value;
  }
  const byField = new Map(golden.map((x) => [x.field, x]));
  const idRecord = byField.get('id_no')?.recordId;
  const idType = idTypeOf(linked.find((r) => r.id === idRecord)?.id_type ?? linked.find((r) => r.id_no)?.id_type);
  for (const field of ROW_FIELDS) {
    const x = byField.get(field);
    const fromSource = x && x.rule !== 'manual' ? x : pickField(field, survivors);
    if (!fromSource) continue;
    const rs = g.rows[field];
    let row = rs.find((r) => r.value === fromSource.value);
    if (!row) {
      // An identity belongs to one customer bank-wide: held by another, it is a conflict for review, not a row here.
      if (field === 'id_no' && held.has(`${idType}:${fromSource.value}`)) continue;
      if (field === 'id_no') held.add(`${idType}:${fromSource.value}`);
      row = { id: null, value: fromSource.value, primary: !rs.some((r) => r.primary) && x?.rule !== 'manual', was: false, idType };
      rs.push(row);
    }
    if (x && x.rule !== 'manual' && !row.primary) {
      for (const r of rs) r.primary = false;
      row.primary = true;
    }
  }
  // No lineage for a number the customer does not hold (another customer does): lineage and golden record agree.
  g.lineage = golden.filter((x) => x.field !== 'id_no' || g.rows.id_no.some((r) => r.value === x.value));
}

type NewCustomer = { target: Target; row: Omit<repo.BulkCustomer, 'customer_no'>; golden: Golden };

/** A customer created from a cluster's first record (type, branch, manager as createFromRecord places it), its records taken in one by one. */
async function newCustomer(trx: Db, records: Rec[], cfg: Cfg, place: Target | undefined, branches: Map<string, number>, headOfficeId: number, held: Set<string>): Promise<NewCustomer> {
  const first = records[0]!;
  const typeCode = first.kind === 'org' ? cfg.orgType : first.id_type === 'passport' ? 'personal_nonresident' : cfg.personType;
  const type = await reference(`type:${typeCode}`, () => customersRepo.getType(trx, typeCode))
    ?? (await reference(`type:${first.kind}`, () => customersRepo.getType(trx, first.kind === 'org' ? 'corporate' : 'personal')))!;
  const accounts = accountsOf(first);
  const branch = accounts.find((a) => a.branchCode)?.branchCode;
  const orgId = place?.orgId ?? (branch ? branches.get(branch) : undefined) ?? (cfg.orgCode ? branches.get(cfg.orgCode) : undefined) ?? headOfficeId;
  const managerId = place?.managerId ?? cfg.managerId ?? null;
  const golden: Golden = {
    party: type.party, lineage: [], rows: { id_no: [], mobile: [], email: [], address: [] },
    scalars: { name: (first.name ?? '').trim() || first.record_key, gender: null, birth_date: null, employer: null, occupation: null, nationality: null },
  };
  for (let n = 1; n <= records.length; n++) takeIn(golden, records.slice(0, n), held);
  return {
    target: { id: 0, customerNo: '', orgId, managerId },
    row: {
      type_id: type.id, party: type.party, ...scalarColumns(golden),
      status: accounts.some((a) => a.status !== 'closed') ? 'active' : 'potential', org_id: orgId, manager_id: managerId,
    },
    golden,
  };
}

function scalarColumns(g: Golden) {
  const name = g.scalars.name!;
  const py = namePinyin(name);
  return {
    name, name_pinyin: py.full, name_initials: py.initials, name_grams: nameGrams(name),
    gender: g.scalars.gender, birth_date: g.scalars.birth_date, employer: g.scalars.employer, occupation: g.scalars.occupation, nationality: g.scalars.nationality,
  };
}

/** Existing customers as Golden, from their locked rows (the state applyGolden starts from). */
async function goldenOfExisting(trx: Db, ids: number[]) {
  const [custs, profile, lineage] = await Promise.all([
    inBatches(ids, (x) => repo.lockCustomers(trx, x)), repo.profileRowsOfMany(trx, ids), repo.lineageOfMany(trx, ids),
  ]);
  const out = new Map<number, { golden: Golden; before: Golden }>();
  for (const c of custs) {
    const g: Golden = {
      party: c.party, lineage: [], rows: { id_no: [], mobile: [], email: [], address: [] },
      scalars: { name: c.name, gender: c.gender, birth_date: c.birth_date, employer: c.employer, occupation: c.occupation, nationality: c.nationality },
    };
    out.set(c.id, { golden: g, before: structuredClone(g) });
  }
  for (const p of profile) {
    const field: RowField | null = p.t === 'i' ? 'id_no' : p.t === 'a' ? 'address' : p.kind === 'mobile' ? 'mobile' : p.kind === 'email' ? 'email' : null;
    if (!field) continue;
    for (const g of [out.get(p.customer_id)!.golden, out.get(p.customer_id)!.before]) {
      g.rows[field].push({ id: p.id, value: p.value, primary: p.is_primary, was: p.is_primary, ...(p.t === 'i' ? { idType: p.kind } : {}) });
    }
  }
  for (const l of lineage) {
    const x = { field: l.field, value: l.value, sourceCode: l.source_code, recordId: l.source_record_id, rule: l.rule, trust: l.trust, candidates: l.candidates };
    out.get(l.customer_id)!.golden.lineage.push(x);
    out.get(l.customer_id)!.before.lineage.push(x);
  }
  return out;
}

/** What changed between two states of a golden record, as audit() lists a write ({ field: { from, to } }). */
function goldenDiff(before: Golden, after: Golden) {
  const changes: Record<string, { from: unknown; to: unknown }> = {};
  for (const f of SCALARS) if (before.scalars[f] !== after.scalars[f]) changes[f] = { from: before.scalars[f], to: after.scalars[f] };
  for (const f of ROW_FIELDS) if (primaryOf(before.rows[f]) !== primaryOf(after.rows[f])) changes[f] = { from: primaryOf(before.rows[f]), to: primaryOf(after.rows[f]) };
  return changes;
}

/** A golden record's new rows, moved primaries and lineage, for many customers at once. */
async function writeRows(trx: Db, items: { id: number; golden: Golden }[]) {
  const added = (f: RowField) => items.flatMap(({ id, golden }) => golden.rows[f].filter((r) => r.id === null).map((r) => ({ customer_id: id, r, party: golden.party })));
  const moved = (fs: RowField[]) => items.flatMap(({ golden }) => fs.flatMap((f) => golden.rows[f].filter((r) => r.id !== null && r.primary !== r.was).map((r) => ({ id: r.id!, is_primary: r.primary }))));
  await repo.insertIdentitiesBulk(trx, added('id_no').map(({ customer_id, r }) => ({ customer_id, id_type: r.idType!, id_no: r.value, is_primary: r.primary })));
  await repo.insertContactsBulk(trx, (['mobile', 'email'] as const).flatMap((kind) => added(kind).map(({ customer_id, r }) => ({ customer_id, kind, value: r.value, is_primary: r.primary }))));
  await repo.insertAddressesBulk(trx, added('address').map(({ customer_id, r, party }) => ({ customer_id, kind: party === 'person' ? 'mailing' : 'business', line: r.value, is_primary: r.primary })));
  await repo.setPrimaryBulk(trx, 'customer_identity', moved(['id_no']));
  await repo.setPrimaryBulk(trx, 'customer_contact', moved(['mobile', 'email']));
  await repo.setPrimaryBulk(trx, 'customer_address', moved(['address']));
  await repo.insertLineageBulk(trx, items.flatMap(({ id, golden }) => golden.lineage.map((g) => ({
    customer_id: id, field: g.field, value: g.value, source_code: g.sourceCode, source_record_id: g.recordId, rule: g.rule, trust: g.trust, candidates: g.candidates,
  }))));
}

/** attachAccounts' rules for a chunk: known products only, the account's branch else the customer's org unit; a reload updates. */
async function accountRows(trx: Db, items: { rec: Rec; target: Target }[], branches: Map<string, number>, summary: ResolveSummary) {
  const loadProducts = async () => new Set((await repo.productCodes(trx)).map((p) => p.code));
  let known = await reference('products', loadProducts);
  if (items.some(({ rec }) => accountsOf(rec).some((a) => a.accountNo && a.productCode && !known.has(a.productCode)))) known = await loadProducts();
  const out = new Map<string, repo.AccountUpsert>();
  for (const { rec, target } of items) {
    for (const a of accountsOf(rec).filter((x) => x.accountNo)) {
      if (!a.productCode || !known.has(a.productCode)) {
        summary.accountProblems!.push({ recordId: rec.id, accountNo: a.accountNo!, rule: 'unknownProduct' });
        continue;
      }
      const status = (['active', 'dormant', 'frozen', 'closed'] as const).find((s) => s === a.status) ?? 'active';
      out.set(`${rec.source_code}\u0000${a.accountNo}`, {
        customer_id: target.id, source_system: rec.source_code, account_no: a.accountNo!, org_id: (a.branchCode && branches.get(a.branchCode)) || target.orgId,
        product_code: a.productCode, currency: a.currency || 'CNY', status, opened_on: a.openedOn || null,
        closed_on: a.closedOn || null, balance_fen: Number(a.balanceFen ?? 0) || 0,
      });
    }
  }
  return [...out.values()];
}
