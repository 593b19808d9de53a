import { sql, type Kysely } from 'kysely';

/**
 * Lineage (I2): a value several sources gave alike is chosen by their agreement ('agreed'), not as the only
 * source's; the rule's check allows it. Rows already written keep 'only' until their customer is recomputed.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`ALTER TABLE customer_field_source DROP CONSTRAINT IF EXISTS customer_field_source_rule_check`.execute(db);
  await sql`ALTER TABLE customer_field_source ADD CONSTRAINT customer_field_source_rule_check CHECK (rule IN ('trust','recency','completeness','only','agreed','manual'))`.execute(db);
}
