import { UsageError } from './runtime.ts';

/** `banyan match`: clusters source records offline with engines/matching (no database). */
export async function matchCommand(_argv: string[]): Promise<number> {
  throw new UsageError('banyan match is not built yet');
}
