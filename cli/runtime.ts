import { ConfigError, StartupError, type Config } from '../server/config.ts';
import { AppError } from '../server/platform/errors.ts';
import type { openDatabase } from '../server/main.ts';

type Runtime = Awaited<ReturnType<typeof openDatabase>>;

/** A mistake in how the command was called: printed without a stack, exit code 1. */
export class UsageError extends Error {}

export const say = (m: string) => console.log(m);

/**
 * The commands that may create a new embedded database and change the schema (`start` does both in its own path): the
 * others (user, import, audit …) have nothing to do in an empty one, so run in the wrong folder (or on the wrong
 * DATABASE_URL) they say so instead of leaving a new cluster or a freshly migrated database behind; on a schema behind
 * this version they ask for `banyan migrate` rather than migrate a production database as a side effect.
 */
const CREATING = new Set(['migrate', 'demo']);

export type DbOptions = {
  create?: boolean;
  migrate?: boolean;
  /**
   * Called on the first SIGINT/SIGTERM/SIGHUP instead of stopping the database at once: the command winds down itself
   * (a load ends at its next batch boundary) and returns. A second signal stops the database and exits 130.
   */
  interrupt?: (rt: Runtime) => void;
};

/** Opens the database (embedded or DATABASE_URL) for one command, and always closes it. */
export async function withDb<T>(config: Config, fn: (rt: Runtime) => Promise<T>, opts: DbOptions = {}): Promise<T> {
  const { create = CREATING.has(process.argv[2]!), migrate = CREATING.has(process.argv[2]!), interrupt } = opts;
  // Loaded on demand: commands without a database (`banyan match`) start without the server's modules.
  const { openDatabase } = await import('../server/main.ts');
  // Beside a running `banyan start` on the same embedded database, the command uses it.
  const rt = await openDatabase(config, say, { poolSize: 4, attach: true, create, migrate });
  // Interrupted (Ctrl-C during `banyan demo`, the SSH session gone): the transaction rolls back; stop the embedded database before leaving.
  const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
  let signalled = false;
  const abort = () => void rt.abort().finally(() => process.exit(130));
  const onSignal = () => {
    if (interrupt && !signalled) {
      signalled = true;
      interrupt(rt);
    } else abort();
  };
  for (const s of signals) process.on(s, onSignal);
  try {
    return await fn(rt);
  } finally {
    for (const s of signals) process.off(s, onSignal);
    await rt.close();
  }
}

/**
 * A closed terminal or pipe (`banyan start | head -1`, the SSH session gone) makes writes to stdout/stderr fail with
 * EPIPE or EIO, emitted as an 'error' nobody handled: the process died, leaving its embedded PostgreSQL behind. Output
 * to a stream that is gone is dropped instead; the command (or the server) carries on and stops as it would.
 */
export function survivePipeErrors(): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EPIPE' || err.code === 'EIO' || err.code === 'ERR_STREAM_DESTROYED' || err.code === 'ENOTCONN') return;
      throw err;
    });
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
