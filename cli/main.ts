import { parseArgs } from 'node:util';
import { randomBytes } from 'node:crypto';
import { loadConfig } from '../server/config.ts';
import { operatorMessage, say, UsageError, withDb } from './runtime.ts';

const HELP = `banyan — the bank CRM

Usage:
  banyan start                        start the server (embedded PostgreSQL unless DATABASE_URL is set)
  banyan migrate                      bring the database schema up to date
  banyan demo [--customers N] [--seed S]
                                      load the demo bank (default 20000 customers) into an empty database
  banyan user add <username> --org <code> --role <code> [--name <display name>] [--password <pw>]
  banyan user reset-password <username> [--password <pw>]
  banyan audit verify                 recompute the audit log's hash chains and report tampering
  banyan import --source <code> <file>
                                      load a source extract (CSV, XLSX, JSON lines) through its interface's mapping
  banyan match --in FILE [--in FILE …] --out CLUSTERS.csv [--preset cn-bank|febrl] [--review-out PAIRS.csv]
                                      cluster source records offline, without a database

Settings come from the environment: PORT, HOST, BANYAN_HOME, DATABASE_URL, BANYAN_ADMIN_PASSWORD … (see README).`;

async function main(argv: string[]): Promise<number> {
  // Commands with options of their own parse their own arguments.
  if (argv[0] === 'match') return (await import('./match.ts')).matchCommand(argv.slice(1));
  if (argv[0] === 'import') return (await import('./import.ts')).importCommand(argv.slice(1), loadConfig());
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      customers: { type: 'string' }, seed: { type: 'string' }, org: { type: 'string' }, role: { type: 'string' },
      name: { type: 'string' }, password: { type: 'string' }, help: { type: 'boolean', short: 'h' },
    },
  });
  const [cmd, sub, arg] = positionals;
  if (!cmd || values.help || cmd === 'help') {
    say(HELP);
    return 0;
  }
  const config = loadConfig();
  switch (cmd) {
    case 'start': {
      const { startServer } = await import('../server/main.ts');
      const { stop } = await startServer(config);
      const shutdown = () => void stop().then(() => process.exit(0), () => process.exit(1));
      process.once('SIGINT', shutdown);
      process.once('SIGTERM', shutdown);
      return -1;
    }
    case 'migrate':
      await withDb(config, async () => say('the schema is up to date'));
      return 0;
    case 'demo': {
      const customers = values.customers ? Number(values.customers) : 20000;
      const seed = values.seed ? Number(values.seed) : 42;
      if (!Number.isInteger(customers) || customers < 1 || customers > 10_000_000) throw new UsageError('--customers must be an integer from 1 to 10000000');
      if (!Number.isInteger(seed)) throw new UsageError('--seed must be an integer');
      await withDb(config, async ({ db, pool }) => {
        const { loadDemoBank } = await import('../server/modules/demo/demo.service.ts');
        const t0 = Date.now();
        let last = -1;
        await loadDemoBank(db, pool, {
          customers, seed,
          onProgress: (done: number, total: number) => {
            const pct = Math.floor((done / total) * 100);
            if (pct !== last && (pct % 5 === 0 || done === total)) {
              last = pct;
              process.stdout.write(`\r  ${done}/${total} customers (${pct}%)`);
            }
          },
        });
        say(`\ndemo bank loaded in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
      });
      return 0;
    }
    case 'user': {
      if (!arg || (sub !== 'add' && sub !== 'reset-password')) throw new UsageError('usage: banyan user add|reset-password <username> …');
      const password = values.password ?? `${randomBytes(9).toString('base64url')}9a`;
      const { SYSTEM_ACTOR } = await import('../server/platform/audit.ts');
      const { createUser, resetPassword } = await import('../server/modules/admin/admin.service.ts');
      await withDb(config, async ({ db }) => {
        if (sub === 'add') {
          if (!values.org || !values.role) throw new UsageError('banyan user add needs --org <org code> and --role <role code>');
          const org = await db.selectFrom('org_unit').select('id').where('code', '=', values.org).executeTakeFirst();
          if (!org) throw new UsageError(`no org unit with code ${values.org}`);
          await createUser(db, SYSTEM_ACTOR, { username: arg, displayName: values.name ?? arg, password, orgId: org.id, roleCode: values.role });
          say(`user ${arg} created`);
        } else {
          const user = await db.selectFrom('app_user').select('id').where('username', '=', arg).executeTakeFirst();
          if (!user) throw new UsageError(`no user named ${arg}`);
          await resetPassword(db, SYSTEM_ACTOR, user.id, password);
          say(`password of ${arg} reset; their sessions were ended and their API tokens revoked`);
        }
        if (!values.password) say(`password: ${password}`);
      });
      return 0;
    }
    case 'audit': {
      if (sub !== 'verify') throw new UsageError('usage: banyan audit verify');
      const { verifyAudit } = await import('../server/platform/audit.ts');
      return withDb(config, async ({ db }) => {
        const r = await verifyAudit(db, (n) => process.stdout.write(`\r  ${n} rows checked`));
        say('');
        if (r.ok) {
          say(`audit log intact: ${r.checked} rows, every hash chain verified`);
          return 0;
        }
        say(`AUDIT LOG TAMPERED: ${r.problems.length} problem(s)`);
        for (const p of r.problems.slice(0, 50)) say(`  - ${p}`);
        return 2;
      });
    }
    default:
      throw new UsageError(`unknown command "${cmd}"\n\n${HELP}`);
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exit(code);
  },
  (err) => {
    const told = operatorMessage(err);
    if (told) console.error(`banyan: ${told}`);
    else console.error('banyan:', err);
    process.exit(1);
  },
);

