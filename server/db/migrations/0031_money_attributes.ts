import { sql, type Kysely } from 'kysely';

/**
 * Customer-type attributes holding money (registered_capital_fen …) were `integer` attributes labelled in fen
 * (注册资本(分)): the form asked for fen while the 360° view showed yuan, and 5,000,000 typed for ¥5M was stored as
 * ¥50,000. They become `money`: still stored as integer fen (the values held stay as they are), entered and shown in
 * yuan, labelled so.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
UPDATE customer_type t SET attribute_schema = (
  SELECT jsonb_agg(CASE WHEN e->>'key' LIKE '%\\_fen' AND e->>'type' = 'integer'
    THEN e || jsonb_build_object(
      'type', 'money',
      'label', regexp_replace(coalesce(e->>'label', e->>'key'), '\\s*[(（]\\s*分\\s*[)）]\\s*$', '') || '(元)',
      'labelEn', regexp_replace(coalesce(e->>'labelEn', e->>'key'), '\\s*\\(\\s*fen\\s*\\)\\s*$', '', 'i') || ' (CNY)')
    ELSE e END ORDER BY x.ord)
  FROM jsonb_array_elements(t.attribute_schema) WITH ORDINALITY x(e, ord))
WHERE EXISTS (SELECT 1 FROM jsonb_array_elements(t.attribute_schema) e WHERE e->>'key' LIKE '%\\_fen' AND e->>'type' = 'integer')`.execute(db);
}
