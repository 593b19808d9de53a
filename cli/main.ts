import { randomBytes } from 'node:crypto';
import { loadConfig } from '../server/config.ts';
import { operatorMessage, say, survivePipeErrors, withDb } from './runtime.ts';
import { parseCommandArgs, usageError } from './usage.ts';

const HELP = `banyan — the bank CRM（银行客户关系管理系统）

Usage: banyan <command> [options]      banyan <command> --help tells one command and all its options

  banyan start                        start the server (embedded PostgreSQL unless DATABASE_URL is set)
  banyan migrate                      bring the database schema up to date
  banyan demo [--customers N] [--seed S]
                                      load the demo bank (default 20000 customers) into an empty database
  banyan user add <username> --org <code> --role <code> [--name <display name>] [--password <pw>]
                                      add a user
  banyan user reset-password <username> [--password <pw>]
                                      reset a password and end the user's sessions
  banyan audit verify                 recompute the audit log's hash chains and report tampering
  banyan import --source <code> [--interface <code>] [--encoding auto|utf8|gbk|gb18030] [--batch-size N]
                [--create-source] [--no-resolve] [--invalid-ids quarantine|keep] <file>
                                      load a source extract (CSV, XLSX, JSON lines) through its interface's mapping
  banyan match --in FILE [--in FILE …] --out CLUSTERS.csv [--review-out PAIRS.csv] [options: banyan match --help]
                                      cluster source records offline, without a database

Settings come from the environment: PORT, HOST, BANYAN_HOME, DATABASE_URL, BANYAN_ADMIN_PASSWORD … (see README).`;

/** Each command's own help (`banyan <command> --help`); import and match keep theirs beside their code. */
const COMMAND_HELP = {
  start: `usage: banyan start

Starts the server: migrations first, then HTTP on HOST:PORT. Without DATABASE_URL it runs on its embedded
PostgreSQL under BANYAN_HOME and loads the demo bank into a new one (BANYAN_DEMO_CUSTOMERS). Stop it with
Ctrl-C or SIGTERM. Settings come from the environment (see README).`,
  migrate: `usage: banyan migrate

Brings the database schema up to date (DATABASE_URL, or the embedded PostgreSQL under BANYAN_HOME).`,
  demo: `usage: banyan demo [--customers N] [--seed S]

Loads the demo bank (org tree, a user for every role, customers with their accounts) into an empty database,
all in one transaction: Ctrl-C before it commits rolls everything back.
  --customers N   customers to generate, 1 to 10000000 (default 20000; 1000000 takes a few minutes)
  --seed S        an integer; one seed always gives the same bank (default 42)`,
  user: `usage: banyan user add <username> --org <code> --role <code> [--name <display name>] [--password <pw>]
       banyan user reset-password <username> [--password <pw>]

add             adds a user in the org unit and with the role given by their codes
  --org <code>      the org unit's code (required)
  --role <code>     the role's code (required)
  --name <name>     the display name (default: the username)
reset-password  sets a new password, ends the user's sessions and revokes their API tokens
  --password <pw>   the password (both); without it one is generated and printed`,
  audit: `usage: banyan audit verify

Recomputes the audit log's hash chains; exits 0 when intact, 2 listing the rows if anything was altered.`,
} as const;
type Command = keyof typeof COMMAND_HELP;

/** The longest password sign-in takes (the login schema's maxLength). */
const MAX_PASSWORD = 256;

const OPTIONS = {
  customers: { type: 'string' }, seed: { type: 'string' }, org: { type: 'string' }, role: { type: 'string' },
  name: { type: 'string' }, password: { type: 'string' }, help: { type: 'boolean', short: 'h' },
} as const;
/** The options each command takes: any other is refused, pointing to that command's help. */
const ACCEPTS: Record<Command, (keyof typeof OPTIONS)[]> = {
  start: [], migrate: [], demo: ['customers', 'seed'], user: ['org', 'role', 'name', 'password'], audit: [],
};

async function main(argv: string[]): Promise<number> {
  const cmd = argv[0];
  if (!cmd || cmd === 'help' || cmd === '--help' || cmd === '-h') {
    const topic = argv[1];
    if (topic === 'match' || topic === 'import') return main([topic, '--help']);
    say(topic && topic in COMMAND_HELP ? COMMAND_HELP[topic as Command] : HELP);
    return 0;
  }
  // Commands with options of their own parse their own arguments.
  if (cmd === 'match') return (await import('./match.ts')).matchCommand(argv.slice(1));
  if (cmd === 'import') return (await import('./import.ts')).importCommand(argv.slice(1), loadConfig());
  if (!(cmd in COMMAND_HELP)) throw usageError(`unknown command "${cmd}"`, `未知命令“${cmd}”`, `\n${HELP}`);
  const accepted = Object.fromEntries([...ACCEPTS[cmd as Command], 'help' as const].map((k) => [k, OPTIONS[k]])) as typeof OPTIONS;
  const { values, positionals } = parseCommandArgs(cmd, argv.slice(1), accepted, true);
  if (values.help) {
    say(COMMAND_HELP[cmd as Command]);
    return 0;
  }
  const [sub, arg] = positionals;
  if ((cmd === 'start' || cmd === 'migrate' || cmd === 'demo') && positionals.length) {
    throw usageError(`banyan ${cmd} takes no argument "${sub}"`, `banyan ${cmd} 不接受参数“${sub}”`, COMMAND_HELP[cmd]);
  }
  const config = loadConfig();
  switch (cmd) {
    case 'start': {
      const { startServer } = await import('../server/main.ts');
      const { stop, abort } = await startServer(config);
      // The first signal stops gracefully (bounded: see startServer); a second one stops PostgreSQL at once and exits,
      // rather than killing node and leaving the embedded PostgreSQL running without its Banyan.
      let signals = 0;
      const shutdown = (signal: NodeJS.Signals) => {
        if (++signals === 1) return void stop().then(() => process.exit(0), () => process.exit(1));
        console.error(`[banyan] ${signal} again: stopping the database now（再次收到 ${signal}：立即停止数据库）`);
        void abort().finally(() => process.exit(130));
      };
      process.on('SIGINT', shutdown);
      process.on('SIGTERM', shutdown);
      return -1;
    }
    case 'migrate':
      await withDb(config, async () => say('the schema is up to date'));
      return 0;
    case 'demo': {
      // Plain decimal integers, as the environment's settings: Number() would take '', '1e3', '0x10' or ' 5 '.
      const integer = (v: string | undefined, otherwise: number) => (v === undefined ? otherwise : /^-?\d{1,16}$/.test(v) ? Number(v) : NaN);
      const customers = integer(values.customers, 20000);
      const seed = integer(values.seed, 42);
      if (!Number.isInteger(customers) || customers < 1 || customers > 10_000_000) {
        throw usageError('--customers must be an integer from 1 to 10000000', '--customers 须为 1 到 10000000 之间的整数');
      }
      if (!Number.isInteger(seed)) throw usageError('--seed must be an integer', '--seed 须为整数');
      return withDb(config, async ({ db, pool }) => {
        const { loadDemoBank } = await import('../server/modules/demo/demo.service.ts');
        const t0 = Date.now();
        let last = -1;
        // Ctrl-C or SIGTERM: before the commit the running statement is cancelled and the load rolls back; after it the bank stays.
        const stop = new AbortController();
        let committing = false;
        const interrupt = () => {
          say(committing
            ? '\ninterrupted after the demo bank was committed: it stays loaded（已中断：演示银行已提交，数据保留）'
            : '\ninterrupted: rolling back the demo load, nothing is kept（已中断：正在回滚演示银行的载入，不保留任何数据）');
          stop.abort();
        };
        process.once('SIGINT', interrupt);
        process.once('SIGTERM', interrupt);
        try {
          await loadDemoBank(db, pool, {
            customers, seed, signal: stop.signal, onCommit: () => (committing = true),
            onProgress: (done: number, total: number) => {
              const pct = Math.floor((done / total) * 100);
              if (pct !== last && (pct % 5 === 0 || done === total)) {
                last = pct;
                process.stdout.write(`\r  ${done}/${total} customers (${pct}%)`);
              }
            },
          });
        } catch (err) {
          if (stop.signal.aborted && !committing) return 130;
          throw err;
        } finally {
          process.off('SIGINT', interrupt);
          process.off('SIGTERM', interrupt);
        }
        if (stop.signal.aborted) return 130;
        say(`\ndemo bank loaded in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
        return 0;
      });
    }
    case 'user': {
      if (!arg || (sub !== 'add' && sub !== 'reset-password') || positionals.length > 2) {
        throw usageError('banyan user needs add or reset-password and one username', 'banyan user 需要 add 或 reset-password 以及一个用户名', COMMAND_HELP.user);
      }
      if (sub === 'add' && (!values.org || !values.role)) {
        throw usageError('banyan user add needs --org <org code> and --role <role code>', 'banyan user add 需要 --org <机构代码> 和 --role <角色代码>');
      }
      // Sign-in takes passwords of at most 256 characters (its schema): a longer one could be set but never used.
      if (values.password !== undefined && [...values.password].length > MAX_PASSWORD) {
        throw usageError(`--password must be at most ${MAX_PASSWORD} characters (sign-in accepts no longer one)`, `--password 最多 ${MAX_PASSWORD} 个字符（登录不接受更长的密码）`);
      }
      const password = values.password ?? `${randomBytes(9).toString('base64url')}9a`;
      const { SYSTEM_ACTOR } = await import('../server/platform/audit.ts');
      const { createUser, resetPassword } = await import('../server/modules/admin/admin.service.ts');
      await withDb(config, async ({ db }) => {
        if (sub === 'add') {
          const org = await db.selectFrom('org_unit').select('id').where('code', '=', values.org!).executeTakeFirst();
          if (!org) throw usageError(`no org unit with code ${values.org}`, `没有代码为 ${values.org} 的机构`);
          // Set by the operator for someone else: changed at the first sign-in, as an administrator's reset is.
          await createUser(db, SYSTEM_ACTOR, { username: arg, displayName: values.name ?? arg, password, orgId: org.id, roleCode: values.role! }, { mustChangePassword: true });
          say(`user ${arg} created`);
        } else {
          const user = await db.selectFrom('app_user').select('id').where('username', '=', arg).executeTakeFirst();
          if (!user) throw usageError(`no user named ${arg}`, `没有名为 ${arg} 的用户`);
          await resetPassword(db, SYSTEM_ACTOR, user.id, password);
          say(`password of ${arg} reset; their sessions were ended and their API tokens revoked`);
        }
        if (!values.password) say(`password: ${password}`);
      });
      return 0;
    }
    case 'audit': {
      if (sub !== 'verify' || positionals.length > 1) throw usageError('banyan audit has one subcommand: verify', 'banyan audit 只有一个子命令：verify', COMMAND_HELP.audit);
      const { verifyAudit } = await import('../server/platform/audit.ts');
      const { auditKey, hasAnchors } = await import('../server/platform/audit-anchor.ts');
      return withDb(config, async ({ db }) => {
        // The anchors' key is a file under BANYAN_HOME (created on first use), also for a DATABASE_URL deployment. With
        // anchors already written and no key here, this is the wrong BANYAN_HOME: a new key would call every anchor forged.
        const anchorKey = auditKey(config.home, { create: !(await hasAnchors(db)) });
        // \r progress only on a terminal: in a log file every batch would lengthen one line.
        const tty = process.stdout.isTTY;
        // Only an intact log is anchored, from the snapshot just verified: the rows verified now are then covered from
        // here on. Altered meanwhile: told as any other tampering.
        const r = await verifyAudit(db, tty ? (n) => void process.stdout.write(`\r  ${n} rows checked`) : undefined, { anchorKey, home: config.home, anchorAt: new Date() });
        if (tty) say('');
        const w = r.anchorWrite;
        if (w?.problems.length) r.problems.push(...w.problems);
        if (w && !w.problems.length) {
          const a = r.anchors!;
          say(`audit log intact: ${r.checked} rows, every hash chain verified`);
          say(a.newest ? `anchors: ${a.anchors} verified, the newest (${a.newest.id}) of ${a.newest.at.toISOString()} still held` : 'anchors: none yet');
          if (w.written) say(`anchored now (anchor ${w.id}); rows appended after the last anchor are covered by the hash chains only`);
          return 0;
        }
        say(`AUDIT LOG TAMPERED: ${r.problems.length} problem(s)`);
        for (const p of r.problems.slice(0, 50)) say(`  - ${p}`);
        if (r.problems.length > 50) say(`  … ${r.problems.length - 50} more`);
        return 2;
      });
    }
    default:
      throw usageError(`unknown command "${cmd}"`, `未知命令“${cmd}”`, `\n${HELP}`);
  }
}

survivePipeErrors();
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

