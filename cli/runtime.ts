import { ConfigError, StartupError, type Config } from '../server/config.ts';
import { AppError } from '../server/platform/errors.ts';
import type { openDatabase } from '../server/main.ts';

type Runtime = Awaited<ReturnType<typeof openDatabase>>;

/** A mistake in how the command was called: printed without a stack, exit code 1. */
export class UsageError extends Error {}

export const say = (m: string) => console.log(m);

/**
 * The commands that may create a new embedded database (`start` does so in its own path): the others (user, import,
 * audit …) have nothing to do in an empty one, so run in the wrong folder they say so instead of leaving a new cluster.
 */
const CREATING = new Set(['migrate', 'demo']);

/** Opens the database (embedded or DATABASE_URL) for one command, and always closes it. */
export async function withDb<T>(config: Config, fn: (rt: Runtime) => Promise<T>, { create = CREATING.has(process.argv[2]) } = {}): Promise<T> {
  // Loaded on demand: commands without a database (`banyan match`) start without the server's modules.
  const { openDatabase } = await import('../server/main.ts');
  // Beside a running `banyan start` on the same embedded database, the command uses it.
  const rt = await openDatabase(config, say, { poolSize: 4, attach: true, create });
  // Interrupted (Ctrl-C during `banyan demo`, the SSH session gone): the transaction rolls back; stop the embedded database before leaving.
  const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
  const interrupt = () => void rt.abort().finally(() => process.exit(130));
  for (const s of signals) process.once(s, interrupt);
  try {
    return await fn(rt);
  } finally {
    for (const s of signals) process.off(s, interrupt);
    await rt.close();
  }
}

/**
 * What went wrong, for the person at the terminal, when it was how the command was called or the input it was given
 * (no stack trace); undefined for a fault of the program itself. A rule broken is told in English and Chinese, field by field.
 */
export function operatorMessage(err: unknown): string | undefined {
  if (err instanceof ConfigError || err instanceof StartupError || err instanceof UsageError) return err.message;
  if (err instanceof AppError) {
    const head = `${err.msg.en}（${err.msg.zh}）`;
    // A single field's error is its own headline: not told twice.
    const lines = err.fields.filter((f) => err.fields.length > 1 || `${f.field}: ${f.message.en}` !== err.msg.en);
    return head + lines.map((f) => `\n  ${f.field}: ${f.message.en}（${f.message.zh}）`).join('');
  }
  const e = err as NodeJS.ErrnoException;
  // node:util parseArgs: an unknown option, or an option without its value.
  if (typeof e?.code === 'string' && e.code.startsWith('ERR_PARSE_ARGS_')) return `${e.message}\n(banyan --help lists the commands and their options)`;
  // A file named on the command line that cannot be read or written: the system's own words, path included.
  if (typeof e?.code === 'string' && e.syscall && e.path) return e.message;
  return undefined;
}
