import PgBoss from 'pg-boss';
import type { Db } from '../db/database.ts';

/**
 * A scheduled job a module contributes (`<domain>.jobs.ts`). `run` must be idempotent and work from
 * the database's state alone (e.g. "escalate every breached request not yet escalated"), so a run
 * missed while the server was down, or repeated, does no harm: that is how jobs survive a restart.
 */
export type JobSpec = {
  name: string;
  /** Cron expression, evaluated in the bank's time zone. */
  cron: string;
  /**
   * `signal` is aborted when the server stops: a long run (the bulk resolver, a recompute) should end at its next safe
   * point (between chunks), as if its deadline had come; jobs.stop waits for it STOP_WAIT_MS at most.
   */
  run: (db: Db, now: Date, signal?: AbortSignal) => Promise<unknown>;
  /** Also queue a run when the server starts: a daily job then catches up on a day the server was down at its hour. */
  runAtStart?: boolean;
};

export type Jobs = {
  /** Queues a run now (besides the schedule); resolves to the pg-boss job id. */
  runNow: (name: string) => Promise<string | null>;
  stop: () => Promise<void>;
};

export const JOB_TIME_ZONE = 'Asia/Shanghai';

/** How long a stop waits for running jobs (pg-boss's graceful stop) before it leaves them. */
export const STOP_WAIT_MS = 10_000;

/**
 * Starts pg-boss on the app's database (its own `pgboss` schema): schedules every job and works
 * its queue. Schedules and queued runs live in PostgreSQL, so they survive restarts and are shared
 * by every app server (pg-boss hands each run to one of them).
 */
export async function startJobs(url: string, db: Db, specs: JobSpec[], log: (m: string) => void, { stopWaitMs = STOP_WAIT_MS } = {}): Promise<Jobs> {
  const stopping = new AbortController();
  const boss = new PgBoss({ connectionString: url, max: 4, application_name: 'banyan-jobs' });
  boss.on('error', (err: Error) => log(`jobs: ${err.message}`));
  await boss.start();
  const byName = new Map(specs.map((s) => [s.name, s]));
  for (const spec of specs) {
    if (!(await boss.getQueue(spec.name))) await boss.createQueue(spec.name);
    await boss.schedule(spec.name, spec.cron, {}, { tz: JOB_TIME_ZONE });
    await boss.work(spec.name, async () => {
      await spec.run(db, new Date(), stopping.signal);
    });
    // singletonKey: several app servers starting together queue one catch-up run, not one each.
    if (spec.runAtStart) await boss.send(spec.name, {}, { singletonKey: 'start', singletonSeconds: 300 });
  }
  return {
    runNow: (name) => {
      if (!byName.has(name)) throw new Error(`no job named ${name}`);
      return boss.send(name, {});
    },
    stop: () => {
      stopping.abort();
      return boss.stop({ graceful: true, wait: true, timeout: stopWaitMs });
    },
  };
}
