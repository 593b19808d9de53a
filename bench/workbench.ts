/**
 * `npm run bench -- workbench`: a customer manager's workbench (`GET /api/workbench`) and the first page of
 * a customer's 360° timeline (`GET /api/customers/{no}/timeline`) on the 1,000,000-customer demo bank with
 * 10,000,000 contacts and activities. Targets: workbench p95 ≤ 100 ms, timeline first page p95 ≤ 50 ms.
 * The contacts and activities are generated in SQL once (BENCH_ENGAGEMENT, default 10,000,000: half each)
 * and kept in `banyan_bench` with the bank. Options as for `api` (BENCH_SECONDS, BENCH_CONNECTIONS).
 *
 * The targets are judged at 16 connections (BENCH_CONNECTIONS): the issue names no load, and the demo bank has
 * 60 managers, so 16 requests always in flight is a quarter of them reloading their workbench at every instant.
 * A stress pass at 64 connections follows (BENCH_STRESS_CONNECTIONS; 0 skips it), more requests in flight than
 * the bank has managers; its latency is the connection count over the rate (Little's law).
 */
import os from 'node:os';
import pg from 'pg';
import { benchDatabase, CUSTOMERS, ensureDemoBank, prewarm, runLoad, SECONDS, serverSettings, sessionsFor, signIn, startBanyan } from './lib.ts';

const ENGAGEMENT = Number(process.env.BENCH_ENGAGEMENT ?? 10_000_000);
const TARGET_CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 16);
const STRESS_CONNECTIONS = Number(process.env.BENCH_STRESS_CONNECTIONS ?? 64);
const PORT = 3171;

/** Spreads `n` rows over the customers (each row's owner is the customer's manager), over the last two years. */
async function ensureEngagement(url: string) {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const count = async (t: string) => Number((await c.query(`SELECT count(*) AS n FROM ${t}`)).rows[0].n);
    const half = Math.floor(ENGAGEMENT / 2);
    const fallback = (await c.query(`SELECT u.id FROM app_user u JOIN role r ON r.id = u.role_id WHERE r.code = 'customer_manager' ORDER BY u.id LIMIT 1`)).rows[0].id;
    const jobs: [string, string][] = [
      ['engagement_contact', `
        INSERT INTO engagement_contact (customer_id, owner_id, channel, started_at, ended_at, summary, content, connected)
        SELECT c.id, coalesce(c.manager_id, ${fallback}),
          (ARRAY['visit','phone','phone','phone','email','sms','wechat','counter','web'])[1 + g % 9],
          now() - ((g * 7919) % 730) * interval '1 day' - (g % 600) * interval '1 minute',
          now() - ((g * 7919) % 730) * interval '1 day' - (g % 600) * interval '1 minute' + interval '12 minutes',
          '回访客户，了解资金安排 #' || g, NULL, g % 7 <> 0
        FROM generate_series($1::bigint, $2::bigint) g JOIN customer c ON c.id = 1 + (g * 104729) % ${CUSTOMERS}`],
      ['engagement_activity', `
        INSERT INTO engagement_activity (customer_id, owner_id, type, status, priority, starts_at, ends_at, completed, completed_at, description)
        SELECT c.id, coalesce(c.manager_id, ${fallback}),
          (ARRAY['visit','call','meeting','email','event','task','other'])[1 + g % 7],
          CASE WHEN g % 10 = 0 THEN 'planned' ELSE 'done' END,
          (ARRAY['low','normal','normal','high','urgent'])[1 + g % 5],
          t, t + interval '1 hour', g % 10 <> 0, CASE WHEN g % 10 <> 0 THEN t + interval '1 hour' END,
          '跟进理财到期续作 #' || g
        FROM generate_series($1::bigint, $2::bigint) g JOIN customer c ON c.id = 1 + (g * 15485863) % ${CUSTOMERS},
          LATERAL (SELECT CASE WHEN g % 10 = 0 THEN now() + ((g % 61) - 30) * interval '1 day'
                               ELSE now() - ((g * 7919) % 730) * interval '1 day' END AS t) x`],
    ];
    for (const [table, insert] of jobs) {
      const have = await count(table);
      if (have >= half) continue;
      console.log(`generating ${(half - have).toLocaleString('en')} rows of ${table} …`);
      const t0 = Date.now();
      // Batches of 500,000 keep each transaction and its WAL modest.
      for (let from = have + 1; from <= half; from += 500_000) {
        await c.query(insert, [from, Math.min(half, from + 499_999)]);
        process.stdout.write(`\r  ${Math.min(half, from + 499_999).toLocaleString('en')}/${half.toLocaleString('en')}`);
      }
      // What autovacuum would have done by the time a bank of this size is in use: statistics, and the
      // visibility map that lets index-only scans skip the rows.
      await c.query(`VACUUM (ANALYZE) ${table}`);
      console.log(`\n  ${table}: ${((Date.now() - t0) / 1000).toFixed(0)} s`);
    }
    const sample = await c.query(`SELECT DISTINCT cu.customer_no FROM engagement_contact e TABLESAMPLE SYSTEM (0.05) JOIN customer cu ON cu.id = e.customer_id LIMIT 2000`);
    const managers = await c.query(`SELECT u.username FROM app_user u JOIN role r ON r.id = u.role_id WHERE r.code = 'customer_manager' ORDER BY u.username`);
    return { contacts: await count('engagement_contact'), activities: await count('engagement_activity'), sample: sample.rows.map((r) => r.customer_no as string), managers: managers.rows.map((r) => r.username as string) };
  } finally {
    await c.end();
  }
}

async function main() {
  const dbh = await benchDatabase('banyan_bench_wb');
  let server: { stop: () => Promise<void> } | undefined;
  try {
    await ensureDemoBank(dbh.url, dbh.name);
    const { contacts, activities, sample, managers } = await ensureEngagement(dbh.url);
    console.log(`bank: ${CUSTOMERS} customers, ${contacts} contacts, ${activities} activities; ${TARGET_CONNECTIONS} connections (stress: ${STRESS_CONNECTIONS}), ${SECONDS} s per run, ${os.cpus().length} cores`);
    console.log(`${await serverSettings(dbh.url)}\n`);
    server = await startBanyan(dbh.url, PORT);
    // Every manager's own workbench, as on a Monday morning: each request another manager's book.
    const cookies = await sessionsFor(dbh.url, managers);
    const workbench = [...cookies.values()].map((cookie) => ({ path: '/api/workbench', cookie }));
    console.log(`workbench: ${workbench.length} managers; timeline: ${sample.length} customers`);
    const hq = await signIn(PORT, 'hq_manager');
    const timeline = sample.map((no) => ({ path: `/api/customers/${no}/timeline?limit=20`, cookie: hq }));

    await prewarm(dbh.url);
    await runLoad('warm-up', PORT, [...workbench, ...timeline.slice(0, 200)], TARGET_CONNECTIONS);
    console.log('');
    const wb = await runLoad('workbench', PORT, workbench, TARGET_CONNECTIONS);
    const tl = await runLoad('timeline page 1', PORT, timeline, TARGET_CONNECTIONS);
    if (STRESS_CONNECTIONS > 0) {
      console.log(`\nstress, ${STRESS_CONNECTIONS} connections:`);
      await runLoad('workbench', PORT, workbench, STRESS_CONNECTIONS);
      await runLoad('timeline page 1', PORT, timeline, STRESS_CONNECTIONS);
    }
    console.log(`\nat ${TARGET_CONNECTIONS} connections:`);
    console.log(`workbench:       p95 ${wb.p95.toFixed(1)} ms (target ≤ 100 ms: ${(wb.p95 / 100 * 100).toFixed(0)} % of the limit), ${wb.rps.toFixed(0)} req/s`);
    console.log(`timeline page 1: p95 ${tl.p95.toFixed(1)} ms (target ≤ 50 ms: ${(tl.p95 / 50 * 100).toFixed(0)} % of the limit), ${tl.rps.toFixed(0)} req/s`);
  } finally {
    await server?.stop();
    await dbh.stop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
