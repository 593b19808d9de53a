import type { Db } from '../../db/database.ts';
import type { Actor } from '../../platform/audit.ts';
import * as repo from './integration.repository.ts';
import { applyGolden, revertGolden, type GoldenChange } from './integration.golden.ts';

/**
 * Merge as a workflow of steps, each an (invoke, compensate) pair (Medusa-style). A merge runs the steps in
 * order inside one transaction and keeps each step's output in `customer_merge.snapshot`; unmerge runs the
 * compensations in reverse from that snapshot, so exactly the rows that moved move back.
 */

export type MergeContext = { trx: Db; actor: Actor; survivorId: number; mergedId: number; survivorNo: string; mergedNo: string; mergeId: number };

type Step<T> = { name: string; invoke: (c: MergeContext) => Promise<T>; compensate: (c: MergeContext, data: T) => Promise<void> };

/** Tables whose customer columns a merge leaves alone: history and integration's own bookkeeping. */
const NOT_MOVED = new Set(['audit_log', 'customer_merge', 'customer_alias', 'match_review', 'customer_field_source']);

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
const primaries: Step<{ table: 'customer_contact' | 'customer_address'; id: number }[]> = {
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
const STEPS: Step<any>[] = [primaries, moveRows, aliases, retire, reviews, golden, aum];

export type MergeSnapshot = { version: 1; steps: { name: string; data: unknown }[] };

/** Runs the merge steps; the caller owns the transaction (a failing step rolls everything back). */
export async function runMerge(c: MergeContext): Promise<MergeSnapshot> {
  const snapshot: MergeSnapshot = { version: 1, steps: [] };
  for (const s of STEPS) snapshot.steps.push({ name: s.name, data: await s.invoke(c) });
  return snapshot;
}

/** Runs the compensations of a merge's steps in reverse order. */
export async function runUnmerge(c: MergeContext, snapshot: MergeSnapshot): Promise<void> {
  for (const done of [...snapshot.steps].reverse()) {
    const step = STEPS.find((s) => s.name === done.name);
    if (step) await step.compensate(c, done.data);
  }
}

/** What moved, per table, for the audit row and the UI. */
export function movedCounts(snapshot: MergeSnapshot): Record<string, number> {
  const moved = (snapshot.steps.find((s) => s.name === 'moveRows')?.data ?? []) as Moved[];
  const out: Record<string, number> = {};
  for (const m of moved) if (m.keys.length) out[m.table === 'customer_relation' || m.table === 'customer_key_person' ? `${m.table}.${m.column}` : m.table] = (out[m.table] ?? 0) + m.keys.length;
  return out;
}
