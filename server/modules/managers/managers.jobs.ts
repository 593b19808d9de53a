import type { JobSpec } from '../../platform/jobs.ts';

/** Scheduled jobs of the managers module. */
export const managersJobs: JobSpec[] = [];
