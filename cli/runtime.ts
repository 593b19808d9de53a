import type { Config } from '../server/config.ts';
import type { openDatabase } from '../server/main.ts';

type Runtime = Awaited<ReturnType<typeof openDatabase>>;

/** A mistake in how the command was called: printed without a stack, exit code 1. */
export class UsageError extends Error {}

export const say = (m: string) => console.log(m);

/** Opens the database (embedded or DATABASE_URL) for one command, and always closes it. */
export async function withDb<T>(config: Config, fn: (rt: Runtime) => Promise<T>): Promise<T> {
  // Loaded on demand: commands without a database (`banyan match`) start without the server's modules.
  const { openDatabase } = await import('../server/main.ts');
  // Beside a running `banyan start` on the same embedded database, the command uses it.
  const rt = await openDatabase(config, say, { poolSize: 4, attach: true });
  // Interrupted (e.g. Ctrl-C during `banyan demo`): the transaction rolls back; stop the embedded database before leaving.
  const interrupt = () => void rt.close().finally(() => process.exit(130));
  process.once('SIGINT', interrupt);
  process.once('SIGTERM', interrupt);
  try {
    return await fn(rt);
  } finally {
    process.off('SIGINT', interrupt);
    process.off('SIGTERM', interrupt);
    await rt.close();
  }
}
