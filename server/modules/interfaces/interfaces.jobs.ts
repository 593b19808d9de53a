import { loadConfig } from '../../config.ts';
import type { JobSpec } from '../../platform/jobs.ts';
import { tick } from './interfaces.service.ts';

/** Scheduled jobs of the interfaces module. */
export const interfacesJobs: JobSpec[] = [
  // Every minute: pulls and landing folders whose own cron (per interface, in the table) is due are queued, and
  // loads left unfinished (queued, or cut off by a stopped server) are run to the end. At start-up too, so a
  // restart resumes them.
  { name: 'interfaces.tick', cron: '* * * * *', runAtStart: true, run: (db, now) => tick(db, now, { maxBytes: loadConfig().importMaxBytes }) },
];
