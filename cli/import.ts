import type { Config } from '../server/config.ts';
import { UsageError } from './runtime.ts';

/** `banyan import --source <code> <file>`: loads a source extract through its interface's mapping. */
export async function importCommand(_argv: string[], _config: Config): Promise<number> {
  throw new UsageError('banyan import is not built yet');
}
