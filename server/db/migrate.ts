import { Migrator, sql, type MigrationResultSet } from 'kysely';
import { StartupError } from '../config.ts';
import type { Db } from './database.ts';
import { migrations } from './migrations/index.ts';

/** Brings the schema up to date. Safe to run at every start and from several processes at once. */
export async function migrateToLatest(db: Db): Promise<string[]> {
  const migrator = new Migrator({
    db,
    provider: { getMigrations: async () => migrations },
  });
  const result: MigrationResultSet = await migrator.migrateToLatest();
  if (result.error) {
    const message = (result.error as Error).message ?? String(result.error);
    const failed = result.results?.find((r) => r.status === 'Error')?.migrationName;
    if (failed) throw new Error(`Migration ${failed} failed: ${message} / 数据库迁移 ${failed} 失败`);
    // Before any migration ran: most often a database a newer Banyan migrated (a migration this code lacks).
    const newer = /previously executed migration (\S+) is missing/.exec(message)?.[1];
    if (newer) throw newerError(newer);
    throw new StartupError(`The migrations could not run: ${message}（数据库迁移无法执行）`);
  }
  return (result.results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

/** A database a newer Banyan migrated: an operator's mistake (the wrong version, or a restore needed), told in one line. */
const newerError = (name: string) =>
  new StartupError(`The database was migrated by a newer Banyan (migration ${name} is not in this version): run that version or restore a backup（数据库已由更新版本的 Banyan 迁移（本版本没有迁移 ${name}）：请运行该版本或恢复备份）`);

/**
 * For the commands that must not change the schema (user, import, audit …): refuses a database that is not Banyan's yet,
 * or behind this version, or ahead of it, with what to run. Changing a schema is the operator's deliberate step
 * (`banyan migrate`, `banyan start`), not a side effect of a command pointed at the wrong DATABASE_URL.
 */
export async function checkSchema(db: Db, where: string): Promise<void> {
  const table = (await sql<{ t: string | null }>`SELECT to_regclass('kysely_migration')::text AS t`.execute(db)).rows[0]!.t;
  const done = table ? (await sql<{ name: string }>`SELECT name FROM kysely_migration`.execute(db)).rows.map((r) => r.name) : [];
  const known = Object.keys(migrations);
  const newer = done.filter((n) => !(n in migrations)).sort();
  if (newer.length) throw newerError(newer[newer.length - 1]!);
  const pending = known.filter((n) => !done.includes(n));
  if (!done.length) {
    throw new StartupError(`${where} holds no Banyan database yet: run "banyan migrate" first (or point DATABASE_URL / BANYAN_HOME at the right one)（${where} 还没有 Banyan 数据库：请先运行 banyan migrate，或检查 DATABASE_URL / BANYAN_HOME）`);
  }
  if (pending.length) {
    throw new StartupError(`The database at ${where} is behind this version of Banyan (${pending.length} migration(s) not applied, from ${pending[0]}): run "banyan migrate" first（数据库版本落后于本版 Banyan，有 ${pending.length} 个迁移未执行：请先运行 banyan migrate）`);
  }
}
