import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../test/context.ts';
import { startJobs, type JobSpec } from '../jobs.ts';

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase(4);
});
afterAll(async () => {
  await t?.close();
});

async function until(check: () => boolean | Promise<boolean>, what: string) {
  for (let i = 0; i < 300; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('scheduled jobs (pg-boss)', () => {
  it('schedules every job in the database, runs start-up catch-ups and on-demand runs, and keeps the schedule across restarts', async () => {
    const runs: string[] = [];
    const specs: JobSpec[] = [
      { name: 'test.daily', cron: '0 6 * * *', runAtStart: true, run: async () => void runs.push('daily') },
      { name: 'test.minutely', cron: '* * * * *', run: async () => void runs.push('minutely') },
    ];
    const logs: string[] = [];
    const jobs = await startJobs(t.url, t.db, specs, (m) => logs.push(m));
    try {
      await until(() => runs.includes('daily'), 'the start-up run');
      expect(runs).not.toContain('minutely');
      await jobs.runNow('test.minutely');
      await until(() => runs.includes('minutely'), 'the on-demand run');
      expect(() => jobs.runNow('no.such.job')).toThrow(/no job named/);
    } finally {
      await jobs.stop();
    }
    const schedules = await sql<{ name: string; cron: string; timezone: string }>`SELECT name, cron, timezone FROM pgboss.schedule ORDER BY name`.execute(t.db);
    expect(schedules.rows).toEqual([
      { name: 'test.daily', cron: '0 6 * * *', timezone: 'Asia/Shanghai' },
      { name: 'test.minutely', cron: '* * * * *', timezone: 'Asia/Shanghai' },
    ]);
    // A second start (a restart) finds its queues and schedules and works them again.
    const again = await startJobs(t.url, t.db, specs, (m) => logs.push(m));
    try {
      await again.runNow('test.minutely');
      await until(() => runs.filter((r) => r === 'minutely').length === 2, 'a run after the restart');
    } finally {
      await again.stop();
    }
    expect(logs).toEqual([]);
  });

  it('a stop asks a long run to end (its signal) and waits for a stubborn one only a bounded time', { timeout: 60_000 }, async () => {
    let started = 0;
    let sawStop = false;
    const specs: JobSpec[] = [
      // The bulk resolver's shape: chunk after chunk until told to stop.
      { name: 'test.long', cron: '0 6 * * *', run: async (_db, _now, signal) => {
        started++;
        while (!signal?.aborted) await new Promise((r) => setTimeout(r, 50));
        sawStop = true;
      } },
    ];
    const jobs = await startJobs(t.url, t.db, specs, () => {});
    await jobs.runNow('test.long');
    await until(() => started === 1, 'the long run');
    let t0 = Date.now();
    await jobs.stop();
    expect(sawStop).toBe(true);
    expect(Date.now() - t0).toBeLessThan(8_000);

    // One that never looks at its signal: the stop leaves it after the bound instead of waiting for it.
    let stubborn = 0;
    const never = await startJobs(t.url, t.db, [{ name: 'test.stubborn', cron: '0 6 * * *', run: () => { stubborn++; return new Promise(() => {}); } }], () => {}, { stopWaitMs: 1_500 });
    await never.runNow('test.stubborn');
    await until(() => stubborn === 1, 'the stubborn run');
    t0 = Date.now();
    await never.stop();
    expect(Date.now() - t0).toBeLessThan(8_000);
  });
});
