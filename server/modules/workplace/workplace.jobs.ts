import type { JobSpec } from '../../platform/jobs.ts';

/** Scheduled jobs of the workplace module. */
export const workplaceJobs: JobSpec[] = [];
