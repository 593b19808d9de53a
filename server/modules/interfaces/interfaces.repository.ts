import { sql } from 'kysely';
import type { Db } from '../../db/database.ts';
import { CONTENT_COLUMNS, type CanonicalRecord } from '../../../engines/transform/index.ts';
import type { InterfaceLoadTable, InterfaceTable, LoadStatus, QuarantineStatus } from './interfaces.table.ts';
import type { Insertable, Updateable } from 'kysely';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { LOAD_COLUMNS } from './interfaces.batches.ts';

// ---------------------------------------------------------------------------------------------
// Sources

export function listSources(db: Db) {
  return db.selectFrom('source_system as s')
    .select(['s.code', 's.name', 's.name_en', 's.kind', 's.owner', 's.value_rank', 's.field_trust', 's.description', 's.created_at', 's.updated_at'])
    .select((eb) => [
      eb.selectFrom('source_record as r').whereRef('r.source_code', '=', 's.code').select(sql<number>`count(*)::int`.as('n')).as('records'),
      eb.selectFrom('interface as i').whereRef('i.source_code', '=', 's.code').select(sql<number>`count(*)::int`.as('n')).as('interfaces'),
    ])
    .orderBy('s.value_rank', 'desc').orderBy('s.code').execute();
}

export function getSource(db: Db, code: string) {
  return db.selectFrom('source_system').selectAll().where('code', '=', code).executeTakeFirst();
}

export type SourceRow = { code: string; name: string; name_en: string; kind: string; owner: string | null; value_rank: number; field_trust: string; description: string | null };

export async function insertSource(db: Db, r: SourceRow) {
  await db.insertInto('source_system').values(r as never).execute();
}

export async function updateSource(db: Db, code: string, set: Partial<SourceRow>) {
  await db.updateTable('source_system').set({ ...set, updated_at: new Date() } as never).where('code', '=', code).execute();
}

// ---------------------------------------------------------------------------------------------
// Interfaces and mappings

const IFACE = [
  'i.id', 'i.code', 'i.name', 'i.source_code', 'i.connector', 'i.encoding', 'i.delimiter', 'i.pg_url', 'i.pg_query', 'i.watermark_column', 'i.watermark',
  'i.cron', 'i.next_run_at', 'i.landing_dir', 'i.landing_pattern', 'i.landing_flag', 'i.enabled', 'i.owner_user_id', 'i.mapping_version', 'i.description', 'i.created_at', 'i.updated_at',
] as const;

export function listInterfaces(db: Db, sourceCode?: string) {
  let q = db.selectFrom('interface as i').leftJoin('app_user as u', 'u.id', 'i.owner_user_id').select(IFACE).select('u.display_name as owner_name')
    .select((eb) => [
      eb.selectFrom('interface_load as l').whereRef('l.interface_id', '=', 'i.id').where('l.trigger', '!=', 'resubmit').orderBy('l.id', 'desc').limit(1).select('l.id').as('last_load_id'),
      eb.selectFrom('interface_quarantine as q').whereRef('q.interface_id', '=', 'i.id').where('q.status', '=', 'open').select(sql<number>`count(*)::int`.as('n')).as('open_quarantine'),
    ]);
  if (sourceCode) q = q.where('i.source_code', '=', sourceCode);
  return q.orderBy('i.code').execute();
}

export function getInterface(db: Db, id: number) {
  return db.selectFrom('interface as i').leftJoin('app_user as u', 'u.id', 'i.owner_user_id').select(IFACE).select('u.display_name as owner_name')
    .where('i.id', '=', id).executeTakeFirst();
}

export function findInterfacesOfSource(db: Db, sourceCode: string) {
  return db.selectFrom('interface as i').select(IFACE).select(sql<null>`null`.as('owner_name')).where('i.source_code', '=', sourceCode).orderBy('i.id').execute();
}

export async function insertInterface(db: Db, r: Insertable<InterfaceTable>) {
  return db.insertInto('interface').values(r).returning('id').executeTakeFirstOrThrow();
}

export async function updateInterface(db: Db, id: number, set: Updateable<InterfaceTable>) {
  await db.updateTable('interface').set({ ...set, updated_at: new Date() }).where('id', '=', id).execute();
}

export async function insertMapping(db: Db, interfaceId: number, version: number, mapping: unknown, note: string | null, by: number | null) {
  await db.insertInto('interface_mapping').values({ interface_id: interfaceId, version, mapping: JSON.stringify(mapping), note, created_by: by }).execute();
}

export function getMapping(db: Db, interfaceId: number, version: number) {
  return db.selectFrom('interface_mapping').selectAll().where('interface_id', '=', interfaceId).where('version', '=', version).executeTakeFirst();
}

export function listMappingVersions(db: Db, interfaceId: number) {
  return db.selectFrom('interface_mapping as m').leftJoin('app_user as u', 'u.id', 'm.created_by')
    .select(['m.version', 'm.note', 'm.created_at', 'u.display_name as created_by_name', 'm.mapping'])
    .where('m.interface_id', '=', interfaceId).orderBy('m.version', 'desc').execute();
}

/** Interfaces whose schedule is due; each is claimed (next_run_at moved on) by exactly one caller. */
export async function claimDue(db: Db, now: Date, nextOf: (cron: string, after: Date) => Date | null) {
  const due = await db.selectFrom('interface').select(['id', 'connector', 'cron', 'next_run_at']).where('enabled', '=', true).where('cron', 'is not', null)
    .where('next_run_at', '<=', now).execute();
  const claimed: { id: number; connector: string }[] = [];
  for (const d of due) {
    const next = nextOf(d.cron!, now);
    const r = await db.updateTable('interface').set({ next_run_at: next }).where('id', '=', d.id).where('next_run_at', '=', d.next_run_at).executeTakeFirst();
    if (Number(r.numUpdatedRows) === 1) claimed.push({ id: d.id, connector: d.connector });
  }
  return claimed;
}

/** Who can own an interface (alerted when a run fails): active users allowed to manage interfaces (or just `userId`, if one). */
export function listOwners(db: Db, userId?: number) {
  let q = db.selectFrom('app_user as u').innerJoin('role as r', 'r.id', 'u.role_id').innerJoin('org_unit as o', 'o.id', 'u.org_id')
    .select(['u.id', 'u.username', 'u.display_name', 'o.name as org_name'])
    .where('u.status', '=', 'active').where(sql<boolean>`'interface:manage' = ANY(r.permissions)`);
  if (userId !== undefined) q = q.where('u.id', '=', userId);
  return q.orderBy('u.username').execute();
}

/** Enough of a user to act for them (the owner an alert goes to). */
export function userSubject(db: Db, userId: number) {
  return db.selectFrom('app_user as u').innerJoin('org_unit as o', 'o.id', 'u.org_id').innerJoin('role as r', 'r.id', 'u.role_id')
    .select(['u.id', 'u.org_id as orgId', 'o.path as orgPath', 'r.data_scope as dataScope', 'u.status']).where('u.id', '=', userId).executeTakeFirst();
}

// ---------------------------------------------------------------------------------------------
// Loads

export async function insertLoad(db: Db, r: Insertable<InterfaceLoadTable>) {
  return db.insertInto('interface_load').values(r).returning('id').executeTakeFirstOrThrow();
}

export function getLoad(db: Db, id: number) {
  return db.selectFrom('interface_load as l').leftJoin('app_user as u', 'u.id', 'l.created_by').selectAll('l')
    .select(['u.display_name as created_by_name', 'u.username as created_by_username']).where('l.id', '=', id).executeTakeFirst();
}

export function listLoads(db: Db, interfaceId: number, limit: number, offset: number) {
  return db.selectFrom('interface_load as l').leftJoin('app_user as u', 'u.id', 'l.created_by').selectAll('l').select('u.display_name as created_by_name')
    .where('l.interface_id', '=', interfaceId).orderBy('l.id', 'desc').limit(limit).offset(offset).execute();
}

export async function countLoads(db: Db, interfaceId: number) {
  return (await db.selectFrom('interface_load').select(sql<number>`count(*)::int`.as('n')).where('interface_id', '=', interfaceId).executeTakeFirstOrThrow()).n;
}

/** An unfinished load of the same file (same content hash): a re-run resumes it instead of starting over. */
export function findOpenLoadOfFile(db: Db, interfaceId: number, sha256: string) {
  return db.selectFrom('interface_load').select('id').where('interface_id', '=', interfaceId).where('file_sha256', '=', sha256)
    .where('status', 'in', ['queued', 'running']).orderBy('id', 'desc').executeTakeFirst();
}

/** The latest load of a file at this path (a landing folder's taken file), whatever its interface. */
export function latestLoadOfPath(db: Db, filePath: string) {
  return db.selectFrom('interface_load').select(['id', 'status']).where('file_path', '=', filePath).orderBy('id', 'desc').limit(1).executeTakeFirst();
}

export function findOpenLoads(db: Db) {
  return db.selectFrom('interface_load').select('id').where('status', 'in', ['queued', 'running']).where('trigger', '!=', 'resubmit').orderBy('id').execute();
}

export function findOpenPull(db: Db, interfaceId: number) {
  return db.selectFrom('interface_load').select('id').where('interface_id', '=', interfaceId).where('status', 'in', ['queued', 'running']).executeTakeFirst();
}

export async function setLoad(db: Db, id: number, set: Updateable<InterfaceLoadTable>) {
  await db.updateTable('interface_load').set(set).where('id', '=', id).execute();
}

export type BatchCounts = { rows: number; accepted: number; rejected: number; unverified: number; inserted: number; changed: number; unchanged: number; checkpoint: number; bytes: number; toResolve: number };

/** Adds a committed batch's counts and moves the checkpoint, in the batch's transaction. */
export async function advanceLoad(db: Db, id: number, c: BatchCounts) {
  await sql`UPDATE interface_load SET rows_read = rows_read + ${c.rows}, accepted = accepted + ${c.accepted}, rejected = rejected + ${c.rejected}, unverified_ids = unverified_ids + ${c.unverified},
    inserted = inserted + ${c.inserted}, changed = changed + ${c.changed}, unchanged = unchanged + ${c.unchanged},
    checkpoint_row = GREATEST(checkpoint_row, ${c.checkpoint}), bytes_done = GREATEST(bytes_done, ${c.bytes}), batches = batches + 1, to_resolve = to_resolve + ${c.toResolve} WHERE id = ${id}`.execute(db);
}

/** Counts records of the load that integration has resolved (after their batch committed). */
export async function addResolved(db: Db, id: number, n: number) {
  await sql`UPDATE interface_load SET resolved = resolved + ${n} WHERE id = ${id}`.execute(db);
}

export async function setStatus(db: Db, id: number, status: LoadStatus, extra: Updateable<InterfaceLoadTable> = {}) {
  await db.updateTable('interface_load').set({ status, ...extra }).where('id', '=', id).execute();
}

/** A log entry in both languages (kept as JSON text in `message`; entries of older versions are plain English). */
export async function log(db: Db, loadId: number, level: 'info' | 'warn' | 'error', message: { zh: string; en: string }) {
  await db.insertInto('interface_load_log').values({ load_id: loadId, level, message: JSON.stringify(message) }).execute();
}

export function listLog(db: Db, loadId: number) {
  return db.selectFrom('interface_load_log').select(['id', 'at', 'level', 'message']).where('load_id', '=', loadId).orderBy('id').limit(1000).execute();
}

/** A session-level lock on one load, held by the connection that runs it: a killed runner's lock goes with its connection. */
export async function tryLockLoad(conn: Db, id: number): Promise<boolean> {
  const r = await sql<{ ok: boolean }>`SELECT pg_try_advisory_lock(74110008, ${id}::int) AS ok`.execute(conn);
  return r.rows[0]!.ok;
}

export async function unlockLoad(conn: Db, id: number) {
  await sql`SELECT pg_advisory_unlock(74110008, ${id}::int)`.execute(conn);
}

// ---------------------------------------------------------------------------------------------
// Source records

export type StagedRecord = CanonicalRecord & { hash: Buffer };

/** Stored (`t`) and new content (`u`, or EXCLUDED of an upsert) differ, column by column (jsonb and timestamps by value). */
const COMPARED = [...CONTENT_COLUMNS, 'id_issue'] as const;
const contentDiffers = (u: 'u' | 'EXCLUDED') =>
  sql.raw(`(${COMPARED.map((c) => `t.${c}`).join(', ')}) IS DISTINCT FROM (${COMPARED.map((c) => `${u}.${c}`).join(', ')})`);

/**
 * Upserts a batch of records in one statement (arrays unnested): new keys are inserted, changed content
 * updated and sent back to matching, unchanged content (compared column by column) not written at all, not even
 * updated_at. Returns the written rows.
 */
export async function upsertRecords(db: Db, sourceCode: string, loadId: number, recs: StagedRecord[]) {
  if (!recs.length) return [];
  const col = <T>(f: (r: StagedRecord) => T) => recs.map(f);
  const res = await sql<{ id: number; inserted: boolean }>`
    INSERT INTO source_record AS t (source_code, record_key, kind, name, id_type, id_no, mobile, email, birth_date, gender, address, employer, legal_rep,
      attributes, accounts, content_hash, source_updated_at, first_load_id, last_load_id, id_issue)
    SELECT ${sourceCode}, u.record_key, u.kind, u.name, u.id_type, u.id_no, u.mobile, u.email, u.birth_date::date, u.gender, u.address, u.employer, u.legal_rep,
      u.attributes::jsonb, u.accounts::jsonb, decode(u.hash, 'hex'), u.updated::timestamptz, ${loadId}, ${loadId}, u.id_issue::jsonb
    FROM unnest(${col((r) => r.recordKey)}::text[], ${col((r) => r.kind)}::text[], ${col((r) => r.name)}::text[], ${col((r) => r.id_type)}::text[],
      ${col((r) => r.id_no)}::text[], ${col((r) => r.mobile)}::text[], ${col((r) => r.email)}::text[], ${col((r) => r.birth_date)}::text[],
      ${col((r) => r.gender)}::text[], ${col((r) => r.address)}::text[], ${col((r) => r.employer)}::text[], ${col((r) => r.legal_rep)}::text[],
      ${col((r) => JSON.stringify(r.attributes))}::text[], ${col((r) => JSON.stringify(r.accounts))}::text[], ${col((r) => r.hash.toString('hex'))}::text[],
      ${col((r) => r.source_updated_at)}::text[], ${col((r) => (r.id_issue ? JSON.stringify(r.id_issue) : null))}::text[])
      AS u(record_key, kind, name, id_type, id_no, mobile, email, birth_date, gender, address, employer, legal_rep, attributes, accounts, hash, updated, id_issue)
    ON CONFLICT (source_code, record_key) DO UPDATE SET
      kind = EXCLUDED.kind, name = EXCLUDED.name, id_type = EXCLUDED.id_type, id_no = EXCLUDED.id_no, mobile = EXCLUDED.mobile, email = EXCLUDED.email,
      birth_date = EXCLUDED.birth_date, gender = EXCLUDED.gender, address = EXCLUDED.address, employer = EXCLUDED.employer, legal_rep = EXCLUDED.legal_rep,
      attributes = EXCLUDED.attributes, accounts = EXCLUDED.accounts, content_hash = EXCLUDED.content_hash, source_updated_at = EXCLUDED.source_updated_at,
      id_issue = EXCLUDED.id_issue, last_load_id = EXCLUDED.last_load_id, match_status = 'pending', match_error = NULL, match_attempts = 0, updated_at = now()
    WHERE ${contentDiffers('EXCLUDED')}
    RETURNING t.id, (t.xmax = 0) AS inserted`.execute(db);
  return res.rows;
}

/** The batch's staging table on this connection (changed records on their way to an UPDATE): emptied by every commit. */
export async function createStage(client: pg.PoolClient) {
  await client.query(`CREATE TEMP TABLE IF NOT EXISTS interface_stage (${LOAD_COLUMNS.map((c) => `${c} ${STAGE_TYPES[c] ?? 'text'}`).join(', ')}) ON COMMIT DELETE ROWS`);
}

const STAGE_TYPES: Partial<Record<(typeof LOAD_COLUMNS)[number], string>> = {
  birth_date: 'date', attributes: 'jsonb', accounts: 'jsonb', id_issue: 'jsonb', content_hash: 'bytea', source_updated_at: 'timestamptz', first_load_id: 'bigint', last_load_id: 'bigint',
};

/** COPYs text in LOAD_COLUMNS order, one record per line, into a table (inside the caller's transaction). */
export async function copyLines(client: pg.PoolClient, table: 'source_record' | 'interface_stage', data: Uint8Array) {
  if (!data.length) return;
  const stream = client.query(copyFrom(`COPY ${table} (${LOAD_COLUMNS.join(', ')}) FROM STDIN`));
  await new Promise<void>((resolve, reject) => {
    stream.on('error', reject);
    stream.on('finish', resolve);
    stream.end(data);
  });
}

/**
 * The stored content hash (hex) of each of these keys of a source that exists, and the keys this load itself wrote
 * already (in an earlier batch, or before a resumption): a repeat of one of those is a duplicate within the file.
 * `since` (a resumed pull, which reads its query again from the start): keys this load wrote before that moment are
 * `earlier` instead — the same rows read again, counted once — and `mine` holds only what this run wrote.
 */
export async function existingHashes(db: Db, sourceCode: string, keys: string[], loadId: number, since: Date | null = null)
  : Promise<{ hashes: Map<string, string>; mine: Set<string>; earlier: Set<string> }> {
  if (!keys.length) return { hashes: new Map(), mine: new Set(), earlier: new Set() };
  const r = await sql<{ record_key: string; h: string; mine: boolean; earlier: boolean }>`
    SELECT record_key, encode(content_hash, 'hex') AS h,
      coalesce(last_load_id = ${loadId} AND (${since}::timestamptz IS NULL OR greatest(created_at, updated_at) >= ${since}::timestamptz), false) AS mine,
      coalesce(last_load_id = ${loadId} AND greatest(created_at, updated_at) < ${since}::timestamptz, false) AS earlier
    FROM source_record WHERE source_code = ${sourceCode} AND record_key = ANY(${keys}::text[])`.execute(db);
  return {
    hashes: new Map(r.rows.map((x) => [x.record_key, x.h])),
    mine: new Set(r.rows.filter((x) => x.mine).map((x) => x.record_key)),
    earlier: new Set(r.rows.filter((x) => x.earlier).map((x) => x.record_key)),
  };
}

/** The database's clock (a resumed pull tells what it writes from what its killed run wrote by it). */
export async function dbNow(db: Db): Promise<Date> {
  return (await sql<{ now: Date }>`SELECT clock_timestamp() AS now`.execute(db)).rows[0]!.now;
}

/**
 * Settles a load's resolution count with the records themselves: records it handed to integration count as resolved
 * unless still pending, whoever resolved them (the pending-records job after a kill, a concurrent resolver).
 */
export async function syncResolved(db: Db, id: number) {
  await sql`UPDATE interface_load l SET resolved = GREATEST(0, l.to_resolve - (SELECT count(*) FROM source_record r WHERE r.match_status = 'pending' AND r.last_load_id = l.id))
    WHERE l.id = ${id} AND l.to_resolve > 0`.execute(db);
}

/** Records a load wrote that are still pending (its resolution cut short by a kill): the loader resolves them at its end. */
/** How many of the load's records failed to resolve into a customer (listed on the match-model page for a retry). */
export async function failedOfLoad(db: Db, loadId: number): Promise<number> {
  const r = await sql<{ n: number }>`SELECT count(*)::int AS n FROM source_record WHERE match_status = 'failed' AND last_load_id = ${loadId}`.execute(db);
  return r.rows[0]!.n;
}

export async function pendingOfLoad(db: Db, loadId: number) {
  const r = await sql<{ id: string }>`SELECT id FROM source_record WHERE match_status = 'pending' AND last_load_id = ${loadId} ORDER BY id`.execute(db);
  return r.rows.map((x) => Number(x.id));
}

/**
 * Applies the staged records (their hash differs from the stored one) to theirs. Content that really changed goes
 * back to pending for integration; its ids are returned. Content equal column by column (a hash from an earlier
 * version of its definition) only takes the new hash: otherwise unchanged, not resolved again.
 */
export async function updateFromStage(db: Db, sourceCode: string) {
  await sql`UPDATE source_record t SET content_hash = u.content_hash
    FROM interface_stage u WHERE t.source_code = ${sourceCode} AND t.record_key = u.record_key AND NOT ${contentDiffers('u')}`.execute(db);
  const r = await sql<{ id: number; record_key: string }>`
    UPDATE source_record t SET kind = u.kind, name = u.name, id_type = u.id_type, id_no = u.id_no, mobile = u.mobile, email = u.email,
      birth_date = u.birth_date, gender = u.gender, address = u.address, employer = u.employer, legal_rep = u.legal_rep, attributes = u.attributes,
      accounts = u.accounts, content_hash = u.content_hash, source_updated_at = u.source_updated_at, id_issue = u.id_issue, last_load_id = u.last_load_id,
      match_status = 'pending', match_error = NULL, match_attempts = 0, updated_at = now()
    FROM interface_stage u WHERE t.source_code = ${sourceCode} AND t.record_key = u.record_key AND ${contentDiffers('u')}
    RETURNING t.id, t.record_key`.execute(db);
  return r.rows.map((x) => ({ id: Number(x.id), key: x.record_key }));
}

export async function recordIds(db: Db, sourceCode: string, keys: string[]) {
  if (!keys.length) return [];
  const r = await sql<{ id: number }>`SELECT id FROM source_record WHERE source_code = ${sourceCode} AND record_key = ANY(${keys}::text[])`.execute(db);
  return r.rows.map((x) => Number(x.id));
}

/** Whether a source holds no record yet (a first load writes without looking each key up). */
export async function sourceIsEmpty(db: Db, sourceCode: string) {
  return !(await db.selectFrom('source_record').select('id').where('source_code', '=', sourceCode).limit(1).executeTakeFirst());
}

/** A session-level lock on a source while a load writes its records: two loads of one source take turns. */
export async function tryLockSource(conn: Db, sourceCode: string): Promise<boolean> {
  const r = await sql<{ ok: boolean }>`SELECT pg_try_advisory_lock(74110011, hashtext(${sourceCode})) AS ok`.execute(conn);
  return r.rows[0]!.ok;
}

export async function unlockSource(conn: Db, sourceCode: string) {
  await sql`SELECT pg_advisory_unlock(74110011, hashtext(${sourceCode}))`.execute(conn);
}

/** The id of a source's record by its own key (an unchanged upsert returns no row). */
export async function findRecordId(db: Db, sourceCode: string, recordKey: string): Promise<number | undefined> {
  return (await db.selectFrom('source_record').select('id').where('source_code', '=', sourceCode).where('record_key', '=', recordKey).executeTakeFirst())?.id;
}

export function countRecords(db: Db, sourceCode: string) {
  return db.selectFrom('source_record').select(sql<number>`count(*)::int`.as('n')).where('source_code', '=', sourceCode).executeTakeFirstOrThrow();
}

// ---------------------------------------------------------------------------------------------
// Quarantine

export type QuarantineIn = { rowNo: number; raw: unknown; rawHash: Buffer; reasons: unknown; recordKey?: string };

/**
 * Keeps rejected rows; a row rejected again (same content) is the same entry, now seen by this load. Returns how many
 * of the rows this load had kept before `since` (a resumed pull reading them again): they were counted then.
 */
export async function quarantineRows(db: Db, interfaceId: number, loadId: number, rows: QuarantineIn[], since: Date | null = null): Promise<number> {
  if (!rows.length) return 0;
  const seen = new Map<string, QuarantineIn>();
  for (const r of rows) seen.set(r.rawHash.toString('hex'), r);
  const list = [...seen.values()];
  let earlier = 0;
  if (since) {
    const hashes = new Set((await sql<{ h: string }>`SELECT encode(raw_hash, 'hex') AS h FROM interface_quarantine WHERE interface_id = ${interfaceId}
      AND last_load_id = ${loadId} AND updated_at < ${since}::timestamptz AND raw_hash = ANY(${list.map((r) => r.rawHash)}::bytea[])`.execute(db)).rows.map((x) => x.h));
    earlier = rows.filter((r) => hashes.has(r.rawHash.toString('hex'))).length;
  }
  await sql`
    INSERT INTO interface_quarantine AS q (interface_id, load_id, last_load_id, row_no, raw, raw_hash, reasons, record_key)
    SELECT ${interfaceId}, ${loadId}, ${loadId}, u.row_no, u.raw::jsonb, decode(u.h, 'hex'), u.reasons::jsonb, u.record_key
    FROM unnest(${list.map((r) => r.rowNo)}::bigint[], ${list.map((r) => JSON.stringify(r.raw))}::text[], ${list.map((r) => r.rawHash.toString('hex'))}::text[],
      ${list.map((r) => JSON.stringify(r.reasons))}::text[], ${list.map((r) => r.recordKey ?? null)}::text[]) AS u(row_no, raw, h, reasons, record_key)
    ON CONFLICT (interface_id, raw_hash) DO UPDATE SET last_load_id = EXCLUDED.last_load_id, row_no = EXCLUDED.row_no, reasons = EXCLUDED.reasons,
      record_key = EXCLUDED.record_key, updated_at = now()
    WHERE q.status = 'open'`.execute(db);
  return earlier;
}

/**
 * Closes as superseded the open quarantine rows (of any interface of the source) whose record key this load accepted,
 * kept by earlier loads: re-submitting one would put older data over what this load wrote. Returns how many.
 */
export async function supersedeQuarantine(db: Db, sourceCode: string, loadId: number, keys: string[]): Promise<number> {
  if (!keys.length) return 0;
  // A row a re-submit or fix holds is skipped, not waited for (that one waits for this load's records: the locks would
  // meet in opposite orders); the re-submit then finds the key written by this later load and closes the row itself.
  // Key by key through the open rows' index: `record_key = ANY(keys)` had every open row compared with every key of the
  // batch (a reload of 200,000 rows with 6,500 quarantined spent 1–2 s a batch on it).
  const r = await sql`UPDATE interface_quarantine q SET status = 'superseded', superseded_by = ${loadId}, resolved_at = now(), updated_at = now()
    WHERE q.id IN (SELECT x.id FROM unnest(${keys}::text[]) AS k(key)
      CROSS JOIN LATERAL (SELECT y.id FROM interface_quarantine y
        WHERE y.interface_id = ANY(${sql`ARRAY(SELECT i.id FROM interface i WHERE i.source_code = ${sourceCode})`}) AND y.record_key = k.key
          AND y.status = 'open' AND y.last_load_id < ${loadId}
        FOR UPDATE SKIP LOCKED) x)`.execute(db);
  return Number(r.numAffectedRows ?? 0);
}

/** The user's open (not done) alert of this interface's failures raised since its last successful load, if any. */
export async function openFailureAlert(db: Db, userId: number, interfaceId: number, titlePrefix: string) {
  const r = await sql<{ id: number }>`SELECT r.id FROM reminder_event r WHERE r.user_id = ${userId} AND r.done_at IS NULL AND starts_with(r.title, ${titlePrefix})
    AND r.created_at > coalesce((SELECT max(l.finished_at) FROM interface_load l WHERE l.interface_id = ${interfaceId} AND l.status = 'succeeded'), '-infinity'::timestamptz)
    ORDER BY r.id DESC LIMIT 1`.execute(db);
  return r.rows[0] ? { id: Number(r.rows[0].id) } : undefined;
}

/** How many of the interface's loads failed since its last successful one. */
export async function failedSinceSuccess(db: Db, interfaceId: number): Promise<number> {
  const r = await sql<{ n: number }>`SELECT count(*)::int AS n FROM interface_load l WHERE l.interface_id = ${interfaceId} AND l.status = 'failed'
    AND l.id > coalesce((SELECT max(s.id) FROM interface_load s WHERE s.interface_id = ${interfaceId} AND s.status = 'succeeded'), 0)`.execute(db);
  return r.rows[0]!.n;
}

/** Whether the load quarantined its row `rowNo` for this rule. */
export async function rowQuarantinedFor(db: Db, loadId: number, rowNo: number, rule: string): Promise<boolean> {
  const r = await sql<{ id: number }>`SELECT id FROM interface_quarantine WHERE last_load_id = ${loadId} AND row_no = ${rowNo}
    AND reasons @> ${JSON.stringify([{ rule }])}::jsonb LIMIT 1`.execute(db);
  return r.rows.length > 0;
}

/** The live rows of a table as the statistics count them (0 when never counted). */
export async function liveRows(db: Db, table: 'source_record'): Promise<number> {
  const r = await sql<{ n: string }>`SELECT coalesce(max(n_live_tup), 0) AS n FROM pg_stat_user_tables WHERE relname = ${table}`.execute(db);
  return Number(r.rows[0]?.n ?? 0);
}

/** Refreshes the planner's statistics of these tables (their names are ours, never a user's). */
export async function analyze(db: Db, tables: ('source_record' | 'match_key')[]) {
  for (const t of tables) await sql`ANALYZE ${sql.table(t)}`.execute(db);
}

/** A source's record by its key, with the load that last wrote it (a quarantined row older than that is stale). */
/**
 * The stored record of a key, locked: a load writing it meanwhile is waited for, so its last load is the committed one
 * (a re-submit then sees that a later load wrote the key).
 */
export function getRecordByKey(db: Db, sourceCode: string, recordKey: string) {
  return db.selectFrom('source_record').select(['id', 'last_load_id']).where('source_code', '=', sourceCode).where('record_key', '=', recordKey)
    .forUpdate().executeTakeFirst();
}

export type QuarantineFilter = { interfaceId: number; status?: QuarantineStatus; loadId?: number; rule?: string };

function quarantineQuery(db: Db, f: QuarantineFilter) {
  let q = db.selectFrom('interface_quarantine as q').where('q.interface_id', '=', f.interfaceId);
  if (f.status) q = q.where('q.status', '=', f.status);
  if (f.loadId) q = q.where('q.last_load_id', '=', f.loadId);
  if (f.rule) q = q.where(sql<boolean>`q.reasons @> ${JSON.stringify([{ rule: f.rule }])}::jsonb`);
  return q;
}

export async function listQuarantine(db: Db, f: QuarantineFilter, limit: number, offset: number) {
  const [rows, count] = await Promise.all([
    quarantineQuery(db, f).select(['q.id', 'q.load_id', 'q.last_load_id', 'q.row_no', 'q.raw', 'q.reasons', 'q.status', 'q.record_id', 'q.resolved_at', 'q.note', 'q.record_key', 'q.superseded_by', 'q.created_at', 'q.updated_at'])
      .orderBy('q.id').limit(limit).offset(offset).execute(),
    quarantineQuery(db, f).select(sql<number>`count(*)::int`.as('n')).executeTakeFirstOrThrow(),
  ]);
  return { rows, total: count.n };
}

/** `lock`: the row is locked until the transaction ends (FOR UPDATE), so two requests cannot both deal with it. */
export function getQuarantine(db: Db, id: number, lock = false) {
  const q = db.selectFrom('interface_quarantine').selectAll().where('id', '=', id);
  return (lock ? q.forUpdate() : q).executeTakeFirst();
}

/**
 * `lock`: the rows are locked until the transaction ends (FOR UPDATE); a row another transaction resolved or
 * discarded meanwhile is skipped once its lock is released (its status is checked again).
 */
export function openQuarantine(db: Db, interfaceId: number, ids: number[] | undefined, afterId: number, limit: number, lock = false) {
  let q = db.selectFrom('interface_quarantine').selectAll().where('interface_id', '=', interfaceId).where('status', '=', 'open').where('id', '>', afterId);
  if (ids) q = q.where('id', 'in', ids.length ? ids : [0]);
  q = q.orderBy('id').limit(limit);
  return (lock ? q.forUpdate() : q).execute();
}

export async function updateQuarantine(db: Db, id: number, set: Updateable<import('./interfaces.table.ts').InterfaceQuarantineTable>) {
  await db.updateTable('interface_quarantine').set({ ...set, updated_at: new Date() }).where('id', '=', id).execute();
}

// ---------------------------------------------------------------------------------------------
// Records kept with an unverified ID number (a mapping's invalidIds: 'keep')

export type UnverifiedFilter = { sourceCode: string; loadId?: number; rule?: string };

function unverifiedQuery(db: Db, f: UnverifiedFilter) {
  let q = db.selectFrom('source_record as r').where('r.source_code', '=', f.sourceCode).where('r.id_issue', 'is not', null);
  if (f.loadId) q = q.where('r.last_load_id', '=', f.loadId);
  if (f.rule) q = q.where(sql<boolean>`r.id_issue @> ${JSON.stringify({ rule: f.rule })}::jsonb`);
  return q;
}

/** A source's records whose ID number was kept unverified, with the customer each resolved into. */
export async function listUnverified(db: Db, f: UnverifiedFilter, limit: number, offset: number) {
  const [rows, count] = await Promise.all([
    unverifiedQuery(db, f).leftJoin('customer as c', 'c.id', 'r.customer_id')
      .select(['r.id', 'r.record_key', 'r.kind', 'r.name', 'r.id_type', 'r.id_no', 'r.id_issue', 'r.match_status', 'r.customer_id', 'c.customer_no', 'r.first_load_id', 'r.last_load_id', 'r.updated_at'])
      .orderBy('r.id').limit(limit).offset(offset).execute(),
    unverifiedQuery(db, f).select(sql<number>`count(*)::int`.as('n')).executeTakeFirstOrThrow(),
  ]);
  return { rows, total: count.n };
}
