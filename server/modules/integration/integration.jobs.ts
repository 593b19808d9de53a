import type { JobSpec } from '../../platform/jobs.ts';

/** Scheduled jobs of the integration module. */
export const integrationJobs: JobSpec[] = [];
