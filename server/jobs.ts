import type { JobSpec } from './platform/jobs.ts';
import { engagementJobs } from './modules/engagement/engagement.jobs.ts';
import { managersJobs } from './modules/managers/managers.jobs.ts';
import { productsJobs } from './modules/products/products.jobs.ts';
import { serviceJobs } from './modules/service/service.jobs.ts';
import { workplaceJobs } from './modules/workplace/workplace.jobs.ts';
import { interfacesJobs } from './modules/interfaces/interfaces.jobs.ts';
import { integrationJobs } from './modules/integration/integration.jobs.ts';
import { loadConfig } from './config.ts';
import { auditAnchorJob } from './platform/audit-anchor.ts';

/** Every module's scheduled jobs (pg-boss), started by `banyan start`. */
export const JOBS: JobSpec[] = [...engagementJobs, ...productsJobs, ...managersJobs, ...serviceJobs, ...workplaceJobs, ...interfacesJobs, ...integrationJobs,
  // The key lives under BANYAN_HOME; the server's settings come from the same environment.
  auditAnchorJob(() => loadConfig().home)];
