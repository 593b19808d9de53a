import type { JobSpec } from '../../platform/jobs.ts';

/** Scheduled jobs of the engagement module. */
export const engagementJobs: JobSpec[] = [];
