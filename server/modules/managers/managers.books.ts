import type { Db } from '../../db/database.ts';
import { localDate, monthStart, quarterStart, yearStart } from './managers.dates.ts';
import * as repo from './managers.repository.ts';

/**
 * Recomputes, in the caller's transaction, the book snapshot (manager_book_snapshot: customers, AUM and new customers
 * by status and level) of the managers whose book a write changed, so the workbench's 我的业绩 and the performance
 * drawer agree with the team view (counted live) at once rather than after the next nightly run. Call it after
 * any write that adds a customer to a book or takes one out, or changes one's status, level or AUM: create, delete,
 * restore, transfer, handover — and merge and unmerge (integration). Nothing happens before the first nightly run
 * (the book is then counted live). Null ids (customers without a manager) are skipped.
 * @example await refreshManagerBooks(trx, [survivor.manager_id, merged.manager_id])
 */
export async function refreshManagerBooks(trx: Db, managerIds: (number | null | undefined)[], now: Date = new Date()): Promise<void> {
  const today = localDate(now);
  await repo.refreshBooks(trx, managerIds.map((x) => x ?? null), today, { month: monthStart(today), quarter: quarterStart(today), year: yearStart(today) });
}
