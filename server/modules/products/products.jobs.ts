import type { JobSpec } from '../../platform/jobs.ts';
import { retireDue } from './products.service.ts';

/** Scheduled jobs of the products module. */
export const productsJobs: JobSpec[] = [
  // Just after midnight, bank time: products past their retirement date leave the shelf.
  { name: 'products.retire-due', cron: '5 0 * * *', runAtStart: true, run: (db, now) => retireDue(db, now) },
];
