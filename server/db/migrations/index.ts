import type { Migration } from 'kysely';
import * as m0001 from './0001_foundation.ts';
import * as m0002 from './0002_reference_data.ts';

/** Every migration, by name; they run in name order and are never edited once landed. */
export const migrations: Record<string, Migration> = {
  '0001_foundation': m0001,
  '0002_reference_data': m0002,
};
