import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureHeadOffice } from '../../server/modules/admin/admin.bootstrap.ts';
import { generateCnRecords } from '../../engines/matching/synthetic.ts';
import { audit, SYSTEM_ACTOR } from '../../server/platform/audit.ts';
import { createTestDatabase, type TestDatabase } from '../../server/test/context.ts';
import { personRow, writeCsv } from '../../server/modules/interfaces/__tests__/helpers.ts';

// The commands as an operator types them: a fresh process each, against a database of this file's own.
const root = path.resolve(import.meta.dirname, '../..');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'banyan-cli-'));
let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase(2);
});
afterAll(async () => {
  await t?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

function banyan(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const proc = spawn(process.execPath, [path.join(root, 'cli/banyan.mjs'), ...args], {
    env: { ...process.env, DATABASE_URL: t.url, BANYAN_HOME: dir, LOG_LEVEL: 'warn', ...env }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  proc.stdout.on('data', (d) => (stdout += d));
  proc.stderr.on('data', (d) => (stderr += d));
  return new Promise((resolve) => proc.on('exit', (code) => resolve({ code, stdout, stderr })));
}

const GENERAL = 'banyan — the bank CRM';

describe('banyan <command> --help', { timeout: 60_000 }, () => {
  it('each command tells its own options, not the general help', async () => {
    const cases: [string[], RegExp[]][] = [
      [['user', 'add', '--help'], [/^usage: banyan user add <username> --org <code> --role <code>/, /--name <name>/, /--password <pw>/]],
      [['demo', '--help'], [/^usage: banyan demo/, /--customers N/, /--seed S/]],
      [['audit', 'verify', '--help'], [/^usage: banyan audit verify/]],
      [['import', '--help'], [/^usage: banyan import/, /--create-source/, /--batch-size N/]],
      [['match', '-h'], [/^usage: banyan match/, /--review-out PAIRS.csv/]],
      [['help', 'demo'], [/^usage: banyan demo/]],
    ];
    for (const [args, expected] of cases) {
      const r = await banyan(args);
      expect(r.code, args.join(' ')).toBe(0);
      expect(r.stdout, args.join(' ')).not.toContain(GENERAL);
      for (const e of expected) expect(r.stdout, args.join(' ')).toMatch(e);
    }
  });

  it('the general help gives every command its options or points to its own help', async () => {
    const r = await banyan(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(GENERAL);
    expect(r.stdout).toMatch(/banyan <command> --help/);
    expect(r.stdout).toMatch(/banyan import --source <code> \[--interface <code>\] \[--encoding [^\]]+\] \[--batch-size N\]\s+\[--create-source\] \[--no-resolve\] \[--invalid-ids quarantine\|keep\] <file>/);
    expect(r.stdout).toMatch(/banyan match .*banyan match --help/);
  });

  it("an option the command does not take points to that command's help, in English and Chinese", async () => {
    const r = await banyan(['demo', '--org', 'X']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^banyan: Unknown option '--org'（未知选项 --org）\nbanyan demo --help lists its options/);
  });
});

describe('usage errors are told in English and Chinese', { timeout: 60_000 }, () => {
  it('a bad option value, an unknown org unit or user, an unknown command', async () => {
    const cases: [string[], string][] = [
      [['demo', '--customers', 'lots'], 'banyan: --customers must be an integer from 1 to 10000000（--customers 须为 1 到 10000000 之间的整数）'],
      [['user', 'add', 'nosuch', '--org', 'NOPE', '--role', 'customer_manager'], 'banyan: no org unit with code NOPE（没有代码为 NOPE 的机构）'],
      [['user', 'reset-password', 'nosuch'], 'banyan: no user named nosuch（没有名为 nosuch 的用户）'],
      [['user', 'add', 'nosuch'], 'banyan: banyan user add needs --org <org code> and --role <role code>（banyan user add 需要 --org <机构代码> 和 --role <角色代码>）'],
      [['import', '--source', 'CORE', '--batch-size', '0', 'x.csv'], 'banyan: --batch-size must be an integer from 1 to 100000（--batch-size 须为 1 到 100000 之间的整数）'],
      [['import', '--source', 'CORE', '--invalid-ids', 'drop', 'x.csv'], 'banyan: --invalid-ids must be one of quarantine, keep（--invalid-ids 须为 quarantine 或 keep 之一）'],
      [['frobnicate'], 'banyan: unknown command "frobnicate"（未知命令“frobnicate”）'],
      // Number() took these as 1000, 16 and 5: only a plain decimal integer is one.
      [['demo', '--customers', '1e3'], 'banyan: --customers must be an integer from 1 to 10000000（--customers 须为 1 到 10000000 之间的整数）'],
      [['demo', '--customers', '0x10'], 'banyan: --customers must be an integer from 1 to 10000000（--customers 须为 1 到 10000000 之间的整数）'],
      [['demo', '--seed', ' 5'], 'banyan: --seed must be an integer（--seed 须为整数）'],
      // Sign-in takes at most 256 characters: a longer password could never be used.
      [['user', 'add', 'longpw', '--org', 'HQ', '--role', 'admin', '--password', `Aa1${'x'.repeat(254)}`],
        'banyan: --password must be at most 256 characters (sign-in accepts no longer one)（--password 最多 256 个字符（登录不接受更长的密码））'],
      [['user', 'reset-password', 'admin', '--password', 'é'.repeat(257)],
        'banyan: --password must be at most 256 characters (sign-in accepts no longer one)（--password 最多 256 个字符（登录不接受更长的密码））'],
    ];
    for (const [args, message] of cases) {
      const r = await banyan(args);
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.stderr.split('\n')[0], args.join(' ')).toBe(message);
    }
  });
});

describe('banyan user add', { timeout: 60_000 }, () => {
  it('makes a user who changes the password at the first sign-in (the operator set it)', async () => {
    await ensureHeadOffice(t.db);
    const r = await banyan(['user', 'add', 'newcomer', '--org', 'HQ', '--role', 'customer_manager', '--password', 'Newcomer@2026']);
    expect(r.code, r.stderr).toBe(0);
    const u = await t.db.selectFrom('app_user').select('must_change_password').where('username', '=', 'newcomer').executeTakeFirstOrThrow();
    expect(u.must_change_password).toBe(true);
  });
});

describe('commands other than start, migrate and demo leave the schema alone', { timeout: 120_000 }, () => {
  it('on an empty database they ask for banyan migrate and create nothing; on one behind, likewise', async () => {
    const name = `banyan_empty_${process.pid}_${Date.now()}`;
    await sql.raw(`CREATE DATABASE ${name}`).execute(t.db);
    const url = new URL(t.url);
    url.pathname = `/${name}`;
    try {
      for (const args of [['user', 'add', 'someone', '--org', 'HQ', '--role', 'admin'], ['audit', 'verify']]) {
        const r = await banyan(args, { DATABASE_URL: url.toString() });
        expect(r.code, args.join(' ')).toBe(1);
        expect(r.stderr, args.join(' ')).toMatch(/^banyan: DATABASE_URL \(.*\) holds no Banyan database yet: run "banyan migrate" first .*（.*请先运行 banyan migrate.*）\n$/);
      }
      const empty = new pg.Client({ connectionString: url.toString() });
      await empty.connect();
      const tables = await empty.query<{ n: number }>(`SELECT count(*)::int AS n FROM pg_tables WHERE schemaname = 'public'`);
      await empty.end();
      expect(tables.rows[0]!.n).toBe(0);
    } finally {
      await sql.raw(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).execute(t.db);
    }
    // A schema behind this version (an upgrade not yet migrated).
    const last = (await sql<{ name: string; timestamp: string }>`SELECT name, timestamp FROM kysely_migration ORDER BY name DESC LIMIT 1`.execute(t.db)).rows[0]!;
    await sql`DELETE FROM kysely_migration WHERE name = ${last.name}`.execute(t.db);
    try {
      const r = await banyan(['audit', 'verify']);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(new RegExp(`is behind this version of Banyan \\(1 migration\\(s\\) not applied, from ${last.name}\\): run "banyan migrate" first`));
      expect((await sql`SELECT 1 FROM kysely_migration WHERE name = ${last.name}`.execute(t.db)).rows).toHaveLength(0);
    } finally {
      await sql`INSERT INTO kysely_migration (name, timestamp) VALUES (${last.name}, ${last.timestamp})`.execute(t.db);
    }
  });
});

describe('banyan match: output paths', { timeout: 60_000 }, () => {
  it('refuses an --out or --review-out it cannot write before matching anything', async () => {
    const { header, lines } = generateCnRecords(200, 3);
    const input = path.join(dir, 'records.csv');
    fs.writeFileSync(input, [header, ...lines].join('\n'));
    for (const args of [['--out', '/nonexistent-dir/x.csv'], ['--out', path.join(dir, 'c.csv'), '--review-out', '/nonexistent-dir/r.csv']]) {
      const r = await banyan(['match', '--in', input, ...args]);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/^banyan: --(review-)?out \/nonexistent-dir\/.\.csv: the folder \/nonexistent-dir does not exist（/);
      // Nothing was read or matched: no timings, no clusters written.
      expect(r.stderr).not.toMatch(/records|clustered/);
      expect(fs.existsSync(path.join(dir, 'c.csv'))).toBe(false);
    }
  });
});

describe('banyan import --create-source', { timeout: 120_000 }, () => {
  const sources = async () => (await t.db.selectFrom('source_system').select('code').execute()).map((s) => s.code);

  it('a refused file leaves no source behind: missing, or without the columns the mapping takes', async () => {
    const wrong = path.join(dir, 'wrong.csv');
    fs.writeFileSync(wrong, 'a,b\n1,2\n');
    for (const [file, message] of [['/tmp/nonexistent-banyan.csv', /the file does not exist/], [wrong, /lacks the mapped column "record_id"/]] as const) {
      const r = await banyan(['import', '--source', 'tsrc', '--create-source', file]);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(message);
      expect(r.stdout).not.toMatch(/registered/);
      expect(await sources()).not.toContain('tsrc');
    }
  });

  it('a file it takes registers the source and loads', async () => {
    const f = writeCsv(path.join(dir, 'good.csv'), [personRow(1), personRow(2)]);
    const r = await banyan(['import', '--source', 'tsrc2', '--create-source', '--no-resolve', f]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/source tsrc2 registered/);
    expect(r.stdout).toMatch(/read 2, accepted 2/);
  });
});

describe('banyan audit verify, written to a file', { timeout: 60_000 }, () => {
  it('shows no \\r progress when its output is not a terminal', async () => {
    for (let i = 0; i < 5; i++) await t.db.transaction().execute((trx) => audit(trx, SYSTEM_ACTOR, { action: 'login_failed', entity: 'session', entityId: i }));
    const r = await banyan(['audit', 'verify']);
    expect(r.stdout).toMatch(/audit log intact/);
    expect(r.stdout).not.toContain('\r');
    expect(r.stdout).not.toMatch(/rows checked/);
  });
});
