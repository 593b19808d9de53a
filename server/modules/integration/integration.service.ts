import type { Db } from '../../db/database.ts';
import type { Actor } from '../../platform/audit.ts';

export type ResolveSummary = { matched: number; created: number; review: number };

/**
 * Resolves source records (new or changed, `match_status = 'pending'`) to customers: attaches each to an
 * existing customer, creates one, or sends the pair to review. Called by the interfaces module after a load
 * commits a batch; runs its own transactions.
 */
export async function resolveSourceRecords(_db: Db, _actor: Actor, recordIds: number[]): Promise<ResolveSummary> {
  void recordIds;
  return { matched: 0, created: 0, review: 0 };
}
