import type { JobSpec } from '../../platform/jobs.ts';

/** Scheduled jobs of the products module. */
export const productsJobs: JobSpec[] = [];
