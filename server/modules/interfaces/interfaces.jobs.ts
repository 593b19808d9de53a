import type { JobSpec } from '../../platform/jobs.ts';

/** Scheduled jobs of the interfaces module. */
export const interfacesJobs: JobSpec[] = [];
