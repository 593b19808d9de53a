import type { Db, IdType } from '../../db/database.ts';
import type { Actor } from '../../platform/audit.ts';
import * as repo from './integration.repository.ts';
import { applyGolden, revertGolden, type GoldenChange } from './integration.golden.ts';
import { MANUAL_SOURCE } from './integration.survivorship.ts';

/**
 * Merge as a workflow of steps, each an (invoke, compensate) pair (Medusa-style). A merge runs the steps in
 * order inside one transaction and keeps each step's output in `customer_merge.snapshot`; unmerge runs the
 * compensations in reverse from that snapshot, so exactly the rows that moved move back, then settles what
 * happened to the pair while merged (settle). Merges into one survivor are undone newest first (laterMerges).
 */

export type MergeContext = {
  trx: Db; actor: Actor; survivorId: number; mergedId: number; survivorNo: string; mergedNo: string; mergeId: number;
  /** Unmerge: when the merge was made (what happened to the pair since). */
  mergedAt?: Date;
};

type Step<T> = { name: string; invoke: (c: MergeContext) => Promise<T>; compensate: (c: MergeContext, data: T) => Promise<void> };

/** Tables whose customer columns a merge leaves alone: history and integration's own bookkeeping. */
const NOT_MOVED = new Set(['audit_log', 'customer_merge', 'customer_alias', 'match_review', 'customer_field_source', 'record_detach']);

type Moved = { table: string; column: string; pk: repo.CustomerColumn['pk']; keys: unknown[][]; left: number };

const moveRows: Step<Moved[]> = {
  name: 'moveRows',
  async invoke(c) {
    const out: Moved[] = [];
    const cols = (await repo.customerColumns(c.trx)).filter((x) => !NOT_MOVED.has(x.table) && x.pk.length);
    for (const col of cols) {
      const keys = await repo.rowsPointingAt(c.trx, col, c.mergedId, repo.mergeGuard(col, c.survivorId));
      if (!keys.length) continue;
      let moved: unknown[][];
      await repo.savepoint(c.trx, 'merge_move');
      try {
        moved = await repo.moveRows(c.trx, col, keys, c.mergedId, c.survivorId);
        await repo.release(c.trx, 'merge_move');
      } catch {
        // A unique or check rule of that table refuses some rows on the survivor: move the others one by one.
        await repo.rollbackTo(c.trx, 'merge_move');
        moved = [];
        for (const k of keys) {
          await repo.savepoint(c.trx, 'merge_row');
          try {
            moved.push(...(await repo.moveRows(c.trx, col, [k], c.mergedId, c.survivorId)));
            await repo.release(c.trx, 'merge_row');
          } catch {
            await repo.rollbackTo(c.trx, 'merge_row');
          }
        }
      }
      out.push({ table: col.table, column: col.column, pk: col.pk, keys: moved, left: keys.length - moved.length });
    }
    return out;
  },
  async compensate(c, data) {
    for (const m of [...data].reverse()) await repo.moveRows(c.trx, { table: m.table, column: m.column, pk: m.pk }, m.keys, c.survivorId, c.mergedId);
  },
};

/** One primary per kind on the survivor: the merged customer's primaries of a kind the survivor has yield (survivorship may move it after). */
const primaries: Step<{ table: repo.ProfileTable; id: number }[]> = {
  name: 'primaries',
  invoke: (c) => repo.demotePrimaries(c.trx, c.mergedId, c.survivorId),
  async compensate(c, data) {
    for (const p of data) await repo.setPrimary(c.trx, p.table, p.id, true);
  },
};

const aliases: Step<{ repointed: string[] }> = {
  name: 'aliases',
  async invoke(c) {
    const repointed = await repo.repointAliases(c.trx, c.mergedId, c.survivorId);
    await repo.insertAlias(c.trx, { customer_no: c.mergedNo, customer_id: c.mergedId, survivor_id: c.survivorId, merge_id: c.mergeId });
    return { repointed };
  },
  async compensate(c, data) {
    await repo.deleteAlias(c.trx, c.mergedNo);
    await repo.setAliasSurvivor(c.trx, data.repointed, c.mergedId);
  },
};

const retire: Step<{ at: string }> = {
  name: 'retire',
  async invoke(c) {
    const at = new Date();
    await repo.setDeleted(c.trx, c.mergedId, true, at);
    return { at: at.toISOString() };
  },
  async compensate(c) {
    await repo.setDeleted(c.trx, c.mergedId, false, null);
  },
};

const pairKey = (a: number, b: number) => `${Math.min(a, b)}-${Math.max(a, b)}`;

const reviews: Step<{ id: number; a: number; b: number; pairKey: string }[]> = {
  name: 'reviews',
  async invoke(c) {
    const out: { id: number; a: number; b: number; pairKey: string }[] = [];
    for (const r of await repo.pendingReviewsOf(c.trx, c.mergedId)) {
      const a = r.customer_a === c.mergedId ? c.survivorId : r.customer_a;
      const b = r.customer_b === c.mergedId ? c.survivorId : r.customer_b;
      const key = pairKey(a, b);
      if (a === b || (await repo.pairKeyTaken(c.trx, key))) continue;
      await repo.repointReview(c.trx, r.id, a, b, key);
      out.push({ id: r.id, a: r.customer_a, b: r.customer_b, pairKey: r.pair_key });
    }
    return out;
  },
  async compensate(c, data) {
    for (const r of data) await repo.repointReview(c.trx, r.id, r.a, r.b, r.pairKey);
  },
};

/**
 * Both customers' identities, contacts and addresses (by value) and source records (by content) as they were: a
 * manager may re-create the survivor's rows while merged (new ids), and records may be reloaded; unmerge (settle)
 * puts the merged customer's rows back by value and sees what changed. Nothing to undo of its own.
 */
type Profile = { rows: repo.ProfileRow[]; records: { id: number; customer_id: number; hash: string }[] };
const profile: Step<Profile> = {
  name: 'profile',
  invoke: async (c) => ({ rows: await repo.profileOf(c.trx, [c.survivorId, c.mergedId]), records: await repo.recordPrints(c.trx, [c.survivorId, c.mergedId]) }),
  compensate: async () => {},
};

/**
 * A channel both customers chose for: the restrictive choice wins on the survivor (an opt-out or a refused marketing
 * consent is never lost by a merge); the survivor's own choice comes back on unmerge unless changed since. A channel
 * only one of them chose for moves with that customer's row (moveRows).
 */
type Pref = { channel: string; allowed: boolean; marketingConsent: boolean; set: { allowed: boolean; marketingConsent: boolean } };
const consent: Step<Pref[]> = {
  name: 'consent',
  async invoke(c) {
    const [mine, theirs] = [await repo.channelPrefsOf(c.trx, c.survivorId), await repo.channelPrefsOf(c.trx, c.mergedId)];
    const out: Pref[] = [];
    for (const p of mine) {
      const q = theirs.find((x) => x.channel === p.channel);
      if (!q) continue;
      const set = { allowed: p.allowed && q.allowed, marketingConsent: p.marketing_consent && q.marketing_consent };
      if (set.allowed === p.allowed && set.marketingConsent === p.marketing_consent) continue;
      await repo.setChannelPref(c.trx, c.survivorId, p.channel, set.allowed, set.marketingConsent);
      out.push({ channel: p.channel, allowed: p.allowed, marketingConsent: p.marketing_consent, set });
    }
    return out;
  },
  async compensate(c, data) {
    const now = await repo.channelPrefsOf(c.trx, c.survivorId);
    for (const p of data) {
      const cur = now.find((x) => x.channel === p.channel);
      if (cur && cur.allowed === p.set.allowed && cur.marketing_consent === p.set.marketingConsent) await repo.setChannelPref(c.trx, c.survivorId, p.channel, p.allowed, p.marketingConsent);
    }
  },
};

/** A relation between the two (家人, say) would be the survivor's relation to itself: it ends while they are one and is open again on unmerge. */
const pairRelations: Step<number[]> = {
  name: 'pairRelations',
  invoke: (c) => repo.endRelationsBetween(c.trx, c.survivorId, c.mergedId),
  compensate: (c, ids) => repo.reopenRelations(c.trx, ids),
};

/** Columns a manager keeps in Banyan. Survivorship brings the sources' values of the merged customer along with its records. */
const MANAGER_COLUMNS = ['occupation', 'employer', 'nationality', 'gender', 'birth_date', 'industry', 'remarks'] as const;

/**
 * The merged customer's own entries (I6) would vanish with it: where the survivor has no value, its entry fills the
 * column (survivorship then keeps it as a manager entry). A conflict of two managers' values is not settled here: the
 * survivor's stays. Cleared again on unmerge unless changed since.
 */
const manual: Step<Record<string, unknown>> = {
  name: 'manual',
  async invoke(c) {
    const locked = await repo.lockCustomers(c.trx, [c.survivorId, c.mergedId]);
    const [s, m] = [locked.find((x) => x.id === c.survivorId)! as Record<string, unknown>, locked.find((x) => x.id === c.mergedId)! as Record<string, unknown>];
    const lineage = new Map((await repo.lineageOf(c.trx, c.mergedId)).map((l) => [l.field, l]));
    const filled: Record<string, unknown> = {};
    for (const col of MANAGER_COLUMNS) {
      const v = m[col];
      if (v == null || v === '' || (s[col] != null && s[col] !== '')) continue;
      const l = lineage.get(col);
      if (l && l.source_code !== MANUAL_SOURCE && l.value === v) continue;
      filled[col] = v;
    }
    if (Object.keys(filled).length) await repo.updateCustomerColumns(c.trx, c.survivorId, filled);
    return filled;
  },
  async compensate(c, filled) {
    const [s] = (await repo.lockCustomers(c.trx, [c.survivorId])) as Record<string, unknown>[];
    const back = Object.fromEntries(Object.entries(filled).filter(([col, v]) => s[col] === v).map(([col]) => [col, null]));
    if (Object.keys(back).length) await repo.updateCustomerColumns(c.trx, c.survivorId, back);
  },
};

const golden: Step<GoldenChange> = {
  name: 'golden',
  invoke: (c) => applyGolden(c.trx, c.actor, c.survivorId),
  compensate: (c, data) => revertGolden(c.trx, c.survivorId, data),
};

const aum: Step<{ survivor: number; merged: number }> = {
  name: 'aum',
  async invoke(c) {
    const before = await repo.aumOf(c.trx, [c.survivorId, c.mergedId]);
    await repo.refreshAum(c.trx, c.survivorId);
    await repo.refreshAum(c.trx, c.mergedId);
    return { survivor: before.get(c.survivorId) ?? 0, merged: before.get(c.mergedId) ?? 0 };
  },
  async compensate(c, data) {
    await repo.setAum(c.trx, c.survivorId, data.survivor);
    await repo.setAum(c.trx, c.mergedId, data.merged);
  },
};

// Snapshots of merges made before a step existed lack it, and unmerge skips it: steps are only ever added.
const STEPS: Step<any>[] = [profile, consent, pairRelations, primaries, moveRows, aliases, retire, reviews, manual, golden, aum];

export type MergeSnapshot = { version: 1; steps: { name: string; data: unknown }[] };

/** Runs the merge steps; the caller owns the transaction (a failing step rolls everything back). */
export async function runMerge(c: MergeContext): Promise<MergeSnapshot> {
  const snapshot: MergeSnapshot = { version: 1, steps: [] };
  for (const s of STEPS) snapshot.steps.push({ name: s.name, data: await s.invoke(c) });
  return snapshot;
}

/**
 * Runs the compensations of a merge's steps in reverse order, then settles what happened while merged (settle).
 * Returns what followed the merged customer back, per table.
 */
export async function runUnmerge(c: MergeContext, snapshot: MergeSnapshot): Promise<Record<string, number>> {
  const lineageNow = await repo.lineageOf(c.trx, c.survivorId);
  for (const done of [...snapshot.steps].reverse()) {
    const step = STEPS.find((s) => s.name === done.name);
    if (step) await step.compensate(c, done.data);
  }
  return settle(c, snapshot, lineageNow);
}

type Lineage = Awaited<ReturnType<typeof repo.lineageOf>>;

/**
 * The compensations move back the rows the merge moved, by id. What came to the pair while merged has other ids:
 * the merged customer's rows re-created on the survivor by an edit (put back by value), and what resolution attached
 * through the merged customer's records (their accounts, match keys, and the contacts, addresses and identities made
 * from their values) — it follows the records back. When anything of the kind happened, or the records or the
 * golden record changed meanwhile, a snapshot is no longer the truth: both golden records and AUMs are recomputed,
 * with one primary per kind. Otherwise the restore is exact, as the compensations left it.
 */
async function settle(c: MergeContext, snapshot: MergeSnapshot, lineageNow: Lineage) {
  const followed: Record<string, number> = {};
  const count = (what: string, n: number) => { if (n) followed[what] = (followed[what] ?? 0) + n; };
  const prof = snapshot.steps.find((s) => s.name === 'profile')?.data as Profile | undefined;
  if (prof) await restoreByValue(c, prof, count);
  count('match_key', await repo.syncMatchKeys(c.trx, [c.survivorId, c.mergedId]));
  count('account', await repo.followAccounts(c.trx, c.survivorId, c.mergedId));
  if (prof) await followRecordValues(c, prof, count);
  const print = (rs: Profile['records']) => rs.map((r) => `${r.id}:${r.customer_id}:${r.hash}`).sort().join();
  const recordsChanged = !!prof && print(await repo.recordPrints(c.trx, [c.survivorId, c.mergedId])) !== print(prof.records);
  const since = c.mergedAt?.getTime() ?? Infinity;
  const touched = Object.keys(followed).length > 0 || recordsChanged || lineageNow.some((l) => new Date(l.chosen_at).getTime() > since);
  if (!touched) return followed;
  for (const id of [c.mergedId, c.survivorId]) {
    const before = prof?.rows.filter((r) => r.customer_id === id) ?? [];
    await onePrimaryPerKind(c.trx, id, before);
    await applyGolden(c.trx, c.actor, id);
    await onePrimaryPerKind(c.trx, id, before);
    await repo.refreshAum(c.trx, id);
  }
  return followed;
}

const rowKey = (r: { t: string; key: string }) => `${r.t}|${r.key}`;

/**
 * The merged customer's identities, contacts and addresses as they were, matched by value where the ids are gone (a
 * manager re-saved the survivor's contacts while merged): found on the survivor, they move back (the survivor had
 * no such value of its own); deleted there, they are written again — the merged customer gets back what it had.
 */
async function restoreByValue(c: MergeContext, prof: Profile, count: (what: string, n: number) => void) {
  const now = await repo.profileOf(c.trx, [c.survivorId, c.mergedId]);
  const survivorHad = new Set(prof.rows.filter((r) => r.customer_id === c.survivorId).map(rowKey));
  for (const r of prof.rows.filter((x) => x.customer_id === c.mergedId)) {
    if (now.some((x) => x.customer_id === c.mergedId && rowKey(x) === rowKey(r))) continue;
    const there = now.find((x) => x.customer_id === c.survivorId && rowKey(x) === rowKey(r));
    if (there && !survivorHad.has(rowKey(r))) {
      await repo.moveProfileRow(c.trx, r.t, there.id, c.mergedId, r.is_primary);
      there.customer_id = c.mergedId;
    } else {
      // An identity number belongs to one customer bank-wide: one held by someone else meanwhile is theirs.
      if (r.t === 'customer_identity' && (await repo.identityOwner(c.trx, r.kind as IdType, r.value)) !== undefined) continue;
      await repo.insertProfileRow(c.trx, r.t, c.mergedId, r.row, r.is_primary);
    }
    count(r.t, 1);
  }
}

/**
 * Rows the survivor gained while merged from the merged customer's records only (resolution of a reloaded record
 * made them): they go with the records. One the merged customer holds already is a copy, and goes.
 */
async function followRecordValues(c: MergeContext, prof: Profile, count: (what: string, n: number) => void) {
  const known = new Set(prof.rows.map((r) => r.id));
  const survivorHad = new Set(prof.rows.filter((r) => r.customer_id === c.survivorId).map(rowKey));
  const records = await repo.recordsOfCustomers(c.trx, [c.survivorId, c.mergedId], 200);
  const valuesOf = (id: number) => new Set(records.filter((r) => r.customer_id === id).flatMap((r) => [r.id_no, r.mobile, r.email, r.address])
    .filter((v): v is string => !!v).map((v) => v.trim()));
  const [mine, theirs] = [valuesOf(c.survivorId), valuesOf(c.mergedId)];
  const rows = await repo.profileOf(c.trx, [c.survivorId, c.mergedId]);
  const held = new Set(rows.filter((r) => r.customer_id === c.mergedId).map(rowKey));
  for (const r of rows.filter((x) => x.customer_id === c.survivorId)) {
    if (known.has(r.id) || survivorHad.has(rowKey(r)) || !theirs.has(r.value) || mine.has(r.value)) continue;
    if (held.has(rowKey(r))) await repo.deleteRows(c.trx, r.t, [r.id]);
    else await repo.moveProfileRow(c.trx, r.t, r.id, c.mergedId, false);
    count(r.t, 1);
  }
}

/**
 * One primary per kind (resident ID, mobile, home address …): of several, the golden record's value, else the one
 * primary before the merge, else the oldest; of none, the one primary before the merge if it is still there.
 */
async function onePrimaryPerKind(trx: Db, customerId: number, before: repo.ProfileRow[]) {
  const rows = await repo.profileOf(trx, [customerId]);
  const golden = new Map((await repo.lineageOf(trx, customerId)).map((l) => [l.field, l.value]));
  const fieldOf = (r: repo.ProfileRow) => (r.t === 'customer_identity' ? 'id_no' : r.t === 'customer_address' ? 'address' : r.kind);
  const wasPrimary = (r: repo.ProfileRow) => before.some((b) => b.is_primary && rowKey(b) === rowKey(r));
  for (const kind of new Set(rows.map((r) => `${r.t}|${r.kind}`))) {
    const group = rows.filter((r) => `${r.t}|${r.kind}` === kind);
    const primary = group.filter((r) => r.is_primary);
    if (primary.length > 1) {
      const keep = primary.find((r) => golden.get(fieldOf(r)) === r.value) ?? primary.find(wasPrimary) ?? primary[0];
      for (const r of primary) if (r !== keep) await repo.setPrimary(trx, r.t, r.id, false);
    } else if (!primary.length) {
      const was = group.find(wasPrimary);
      if (was) await repo.setPrimary(trx, was.t, was.id, true);
    }
  }
}

/** What a merge did besides moving rows, for its audit row. */
export function mergeEffects(snapshot: MergeSnapshot) {
  const data = (name: string) => snapshot.steps.find((s) => s.name === name)?.data;
  return {
    consent: ((data('consent') ?? []) as Pref[]).map((p) => ({ channel: p.channel, from: { allowed: p.allowed, marketingConsent: p.marketingConsent }, to: p.set })),
    endedRelations: ((data('pairRelations') ?? []) as number[]).length,
    filled: (data('manual') ?? {}) as Record<string, unknown>,
  };
}

/** What moved, per table, for the audit row and the UI. */
export function movedCounts(snapshot: MergeSnapshot): Record<string, number> {
  const moved = (snapshot.steps.find((s) => s.name === 'moveRows')?.data ?? []) as Moved[];
  const out: Record<string, number> = {};
  for (const m of moved) if (m.keys.length) out[m.table === 'customer_relation' || m.table === 'customer_key_person' ? `${m.table}.${m.column}` : m.table] = (out[m.table] ?? 0) + m.keys.length;
  return out;
}
