import type { JobSpec } from '../../platform/jobs.ts';
import { applyLateCommission } from './engagement.service.ts';

/** Scheduled jobs of the engagement module. */
export const engagementJobs: JobSpec[] = [
  // Nightly: commission for sales booked before their product's rule was entered (idempotent; see applyLateCommission).
  { name: 'engagement.apply-late-commission', cron: '30 1 * * *', runAtStart: true, run: (db, now) => applyLateCommission(db, now) },
];
