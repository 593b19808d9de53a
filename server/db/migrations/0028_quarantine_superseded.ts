import { sql, type Kysely } from 'kysely';

/**
 * A quarantined row is a row of one record key: once a later load accepts that key, the row is stale (re-submitting it
 * would put older data over newer), so it is closed as `superseded`, with the load that superseded it. Rows kept
 * before this migration get their key from the interface's current mapping (its key columns, trimmed, joined by |),
 * and those whose key a later load wrote are closed now.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
ALTER TABLE interface_quarantine DROP CONSTRAINT IF EXISTS interface_quarantine_status_check;
ALTER TABLE interface_quarantine ADD CONSTRAINT interface_quarantine_status_check CHECK (status IN ('open','resolved','discarded','superseded'));
ALTER TABLE interface_quarantine ADD COLUMN record_key text, ADD COLUMN superseded_by bigint REFERENCES interface_load(id);
CREATE INDEX interface_quarantine_open_key_idx ON interface_quarantine (interface_id, record_key) WHERE status = 'open' AND record_key IS NOT NULL;
`.execute(db);
  await supersedeStale(db);
}

/** Gives open quarantine rows without a key theirs (by the current mapping), and closes those whose key a later load wrote. */
export async function supersedeStale(db: Kysely<any>): Promise<void> {
  await sql`
UPDATE interface_quarantine q SET record_key = k.key
FROM (
  SELECT q2.id, string_agg(btrim(q2.raw ->> c.col), '|' ORDER BY c.n) AS key, bool_and(coalesce(btrim(q2.raw ->> c.col), '') <> '') AS whole
  FROM interface_quarantine q2
  JOIN interface i ON i.id = q2.interface_id
  JOIN interface_mapping m ON m.interface_id = i.id AND m.version = i.mapping_version
  CROSS JOIN LATERAL jsonb_array_elements_text(m.mapping -> 'recordKey') WITH ORDINALITY AS c(col, n)
  WHERE q2.status = 'open' AND q2.record_key IS NULL
  GROUP BY q2.id
) k
WHERE q.id = k.id AND k.whole;

UPDATE interface_quarantine q SET status = 'superseded', superseded_by = r.last_load_id, resolved_at = now(), updated_at = now()
FROM interface i, source_record r
WHERE q.status = 'open' AND q.record_key IS NOT NULL AND i.id = q.interface_id
  AND r.source_code = i.source_code AND r.record_key = q.record_key AND r.last_load_id > q.last_load_id;
`.execute(db);
}
