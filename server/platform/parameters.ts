import type { Db } from '../db/database.ts';

// Parameters change rarely; each process re-reads them at most every 30 s.
const TTL_MS = 30_000;
const cache = new Map<string, { at: number; value: unknown }>();

/** A bank parameter (table `parameter`), or `fallback` when it is not set. */
export async function getParameter<T>(db: Db, key: string, fallback: T): Promise<T> {
  const hit = cache.get(key);
  if (hit && Date.now() - hit.at < TTL_MS) return hit.value as T;
  const row = await db.selectFrom('parameter').select('value').where('key', '=', key).executeTakeFirst();
  const value = (row?.value as T) ?? fallback;
  cache.set(key, { at: Date.now(), value });
  return value;
}

export function forgetParameters(): void {
  cache.clear();
}
