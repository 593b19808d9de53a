import { Migrator, type MigrationResultSet } from 'kysely';
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
    if (newer) throw new Error(`The database was migrated by a newer Banyan (migration ${newer} is not in this version): run that version or restore a backup / 数据库已由更新版本的 Banyan 迁移（本版本没有迁移 ${newer}）：请运行该版本或恢复备份`);
    throw new Error(`The migrations could not run: ${message} / 数据库迁移无法执行`);
  }
  return (result.results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
