import type { JobSpec } from '../../platform/jobs.ts';
import { runOpenEstimates } from './integration.estimate.ts';
import { resolvePending } from './integration.service.ts';

/** Scheduled jobs of the integration module. */
export const integrationJobs: JobSpec[] = [
  // Loads resolve their records right after each batch commits; records left pending (a crash between commit
  // and resolution, or a load run without the server) are picked up here, oldest first; a large backlog in bulk.
  { name: 'integration.resolve-pending', cron: '*/10 * * * *', runAtStart: true, run: (db) => resolvePending(db, { log: (m) => console.log(`[banyan] ${m}`) }) },
  // Model estimates requested by an admin run in the background on the server that took the request; one that
  // server did not finish (it stopped) is run here, on whichever server gets the job.
  { name: 'integration.estimate', cron: '* * * * *', runAtStart: true, run: (db) => runOpenEstimates(db) },
];
