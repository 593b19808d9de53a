import { sql, type Kysely } from 'kysely';

/**
 * Bulk loads into source_record: per-row work the table did on every insert and that nothing needs.
 * Measured on 1,000,000 mapped rows COPYed into the table (bench/import.ts has the whole-path figures):
 * 15.0 s with the old indexes and foreign keys, 6.3 s after this migration; a raw COPY of the same rows
 * into a table of text columns took 2.4 s.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
-- Candidate lookups go through match_key and the customer's identities and contacts, never these two.
DROP INDEX IF EXISTS source_record_id_no_idx;
DROP INDEX IF EXISTS source_record_mobile_idx;
-- Lineage is looked up by a customer; records not yet resolved (NULL) need no entry.
DROP INDEX IF EXISTS source_record_customer_idx;
CREATE INDEX source_record_customer_idx ON source_record (customer_id) WHERE customer_id IS NOT NULL;
-- Identity values handed out 1,000 at a time per connection instead of one (ids stay unique, may skip).
ALTER TABLE source_record ALTER COLUMN id SET CACHE 1000;

-- source_code → source_system: a row-level foreign key ran a lookup per inserted row (a third of a bulk
-- COPY's time). The same rule, checked once per statement over the statement's new rows; codes of
-- source systems holding records can be neither deleted nor renamed, and a record's source never changes.
ALTER TABLE source_record DROP CONSTRAINT IF EXISTS source_record_source_code_fkey;
CREATE FUNCTION source_record_source_check() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM (SELECT DISTINCT source_code FROM new_rows) n WHERE NOT EXISTS (SELECT 1 FROM source_system s WHERE s.code = n.source_code)) THEN
    RAISE foreign_key_violation USING MESSAGE = 'source_record.source_code is not a registered source system';
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER source_record_source_check AFTER INSERT ON source_record REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION source_record_source_check();
CREATE FUNCTION source_record_source_fixed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.source_code IS DISTINCT FROM OLD.source_code THEN
    RAISE integrity_constraint_violation USING MESSAGE = 'a source record''s source system never changes';
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER source_record_source_fixed BEFORE UPDATE OF source_code ON source_record
  FOR EACH ROW EXECUTE FUNCTION source_record_source_fixed();
CREATE FUNCTION source_system_in_use() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF (TG_OP = 'DELETE' OR NEW.code IS DISTINCT FROM OLD.code) AND EXISTS (SELECT 1 FROM source_record WHERE source_code = OLD.code) THEN
    RAISE foreign_key_violation USING MESSAGE = format('source system %s holds source records', OLD.code);
  END IF;
  RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END $$;
CREATE TRIGGER source_system_in_use BEFORE DELETE OR UPDATE OF code ON source_system
  FOR EACH ROW EXECUTE FUNCTION source_system_in_use();
`.execute(db);
}
