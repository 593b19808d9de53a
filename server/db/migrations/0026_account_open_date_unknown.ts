import { sql, type Kysely } from 'kysely';

/**
 * An account's open date may be unknown: a source record that carries none gave the account the day it was loaded
 * (or the record's update time), a date the bank never recorded. Those dates are cleared where the account's source
 * record still says nothing of one and the date is the one made up.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
ALTER TABLE account ALTER COLUMN opened_on DROP NOT NULL;
UPDATE account a SET opened_on = NULL
  FROM source_record r, jsonb_array_elements(CASE WHEN jsonb_typeof(r.accounts) = 'array' THEN r.accounts ELSE '[]' END) e
 WHERE r.source_code = a.source_system AND e->>'accountNo' = a.account_no AND coalesce(e->>'openedOn', '') = ''
   AND a.customer_id = r.customer_id
   -- only the date the load made up: the record's update time (or load time) as a day
   AND a.opened_on IN ((coalesce(r.source_updated_at, r.updated_at) AT TIME ZONE 'UTC')::date, r.updated_at::date, r.created_at::date);
`.execute(db);
}
