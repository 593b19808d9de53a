import type { JobSpec } from '../../platform/jobs.ts';
import { runOpenEstimates } from './integration.estimate.ts';
import type { Db } from '../../db/database.ts';
import { resolvePending } from './integration.service.ts';
import { recomputeStaleGolden } from './integration.golden.ts';
import { BULK_RUN_MS } from './integration.bulk.ts';

/** Scheduled jobs of the integration module. */
export const integrationJobs: JobSpec[] = [
  // Loads resolve their records right after each batch commits; records left pending (a crash between commit
  // and resolution, or a load run without the server) are picked up here, oldest first; a large backlog in bulk.
  { name: 'integration.resolve-pending', cron: '*/10 * * * *', runAtStart: true, run: (db, _now, signal) => resolvePendingJob(db, (m) => console.log(`[banyan] ${m}`), signal) },
  // Model estimates requested by an admin run in the background on the server that took the request; one that
  // server did not finish (it stopped) is run here, on whichever server gets the job. A stopping server's `signal`
  // ends a running estimate at once (its thread terminated, nothing saved, queued again for the next run).
  { name: 'integration.estimate', cron: '* * * * *', runAtStart: true, run: (db, _now, signal) => runOpenEstimates(db, signal) },
  // A source's trust changed (the source registry marks it): the golden records of its customers are recomputed,
  // within pg-boss's job expiry; the next run goes on from the database's state.
  { name: 'integration.survivorship', cron: '* * * * *', runAtStart: true, run: (db, _now, signal) => survivorshipJob(db, (m) => console.log(`[banyan] ${m}`), signal) },
];

/** The recompute after a change of source trust, its progress and failures in the server log; a stopping server's `signal` ends it between batches. */
export async function survivorshipJob(db: Db, log: (m: string) => void, signal?: AbortSignal) {
  try {
    return await recomputeStaleGolden(db, { deadline: Date.now() + BULK_RUN_MS, log, signal });
  } catch (err) {
    log(`integration: integration.survivorship failed: ${err instanceof Error ? err.message : String(err)}`);
    throw err;
  }
}

/** The scheduled resolution: its failures reach the server log (pg-boss alone would only mark the job failed); a stopping server's `signal` ends it between chunks. */
export async function resolvePendingJob(db: Db, log: (m: string) => void, signal?: AbortSignal) {
  try {
    return await resolvePending(db, { log, signal });
  } catch (err) {
    log(`integration: integration.resolve-pending failed: ${err instanceof Error ? err.message : String(err)}`);
    throw err;
  }
}
