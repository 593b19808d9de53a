import type { JobSpec } from '../../platform/jobs.ts';

/** Scheduled jobs of the service module. */
export const serviceJobs: JobSpec[] = [];
