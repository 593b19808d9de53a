import { sql, type Kysely } from 'kysely';

/**
 * Detaching a source record from the customer the engine attached it to (a twin's card record on his brother): each
 * detach kept with the record, both customers, the accounts that moved and why, for the customers' integration history.
 * The source-order screen samples each source by its customers' hash (sampleKeysBySource): an index makes that `per`
 * rows a source instead of a walk over the whole table.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
CREATE TABLE record_detach (
  id bigserial PRIMARY KEY,
  source_record_id bigint NOT NULL REFERENCES source_record(id),
  from_customer_id bigint NOT NULL REFERENCES customer(id),
  to_customer_id bigint NOT NULL REFERENCES customer(id),
  created_customer boolean NOT NULL,
  review_id bigint REFERENCES match_review(id),
  accounts integer NOT NULL DEFAULT 0,
  reason text NOT NULL,
  detached_by integer REFERENCES app_user(id),
  detached_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX record_detach_from_idx ON record_detach (from_customer_id);
CREATE INDEX record_detach_to_idx ON record_detach (to_customer_id);
CREATE INDEX source_record_sample_idx ON source_record (source_code, hashint8(customer_id), id) WHERE customer_id IS NOT NULL;
`.execute(db);
}
