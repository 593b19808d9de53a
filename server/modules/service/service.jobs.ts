import type { JobSpec } from '../../platform/jobs.ts';
import { escalateBreached } from './service.service.ts';

/** Scheduled jobs of the service module. */
export const serviceJobs: JobSpec[] = [
  // Every minute: escalate each breached request not yet escalated (idempotent; see escalateBreached).
  { name: 'service.escalate-breached', cron: '* * * * *', run: (db, now) => escalateBreached(db, now) },
];
