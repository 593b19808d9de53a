import type { Db } from '../../db/database.ts';
import { audit, SYSTEM_ACTOR } from '../../platform/audit.ts';
import type { JobSpec } from '../../platform/jobs.ts';
import { fireDueReminders } from './workplace.repository.ts';

/**
 * Fires every reminder whose time has come: it then counts on the user's bell until seen. Only
 * reminders not yet fired are touched, so a repeated or late run (after downtime) fires each once.
 */
export const fireRemindersJob: JobSpec = {
  name: 'workplace.fire-reminders',
  cron: '* * * * *',
  run: (db: Db, now: Date) =>
    db.transaction().execute(async (trx) => {
      const fired = await fireDueReminders(trx, now);
      if (fired.length) {
        await audit(trx, SYSTEM_ACTOR, { action: 'fire', entity: 'reminder_event', changes: { ids: fired.map((r) => r.id), at: now } });
      }
      return { fired: fired.length };
    }),
};

/** Scheduled jobs of the workplace module. */
export const workplaceJobs: JobSpec[] = [fireRemindersJob];
