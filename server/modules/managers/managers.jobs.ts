import type { JobSpec } from '../../platform/jobs.ts';
import { cancelStaleTransfers, generateReminders, snapshotPerformance } from './managers.service.ts';

/** Scheduled jobs of the managers module. Both work from the database's state, so a rerun (at start, by hand) does no harm. */
export const managersJobs: JobSpec[] = [
  // After the nightly balance loads: today's book per manager, and month ends from account_balance_daily.
  { name: 'managers.performance', cron: '0 6 * * *', runAtStart: true, run: (db, now) => snapshotPerformance(db, now) },
  // Before the working day; idempotent through reminder.source_key.
  { name: 'managers.reminders', cron: '30 6 * * *', runAtStart: true, run: (db, now) => generateReminders(db, now) },
  // Transfer requests whose customer was merged away or changed manager since: cancelled with a note, not left pending.
  { name: 'managers.stale-transfers', cron: '15 * * * *', runAtStart: true, run: (db) => cancelStaleTransfers(db) },
];
