import { sql, type Expression, type SqlBool, type Updateable } from 'kysely';
import { prepared, type Db, type IdType } from '../../db/database.ts';
import { customerScope, type ScopeSubject } from '../../platform/scope.ts';
import type { EstimateStatus, LineageRule, MatchEstimateTable, ReviewStatus } from './integration.table.ts';

// ---------------------------------------------------------------- match model

export function getActiveModel(db: Db) {
  return db.selectFrom('match_model').selectAll().where('active', '=', true).executeTakeFirst();
}

export function listModels(db: Db, limit = 20) {
  return db.selectFrom('match_model as m').leftJoin('app_user as u', 'u.id', 'm.created_by')
    .select(['m.id', 'm.version', 'm.note', 'm.active', 'm.activated_at', 'm.created_at', 'u.display_name as created_by_name', 'm.source_order'])
    .orderBy('m.version', 'desc').limit(limit).execute();
}

/** One version of the model, with who saved it. */
export function getModelVersion(db: Db, version: number) {
  return db.selectFrom('match_model as m').leftJoin('app_user as u', 'u.id', 'm.created_by')
    .select(['m.id', 'm.version', 'm.model', 'm.note', 'm.active', 'm.activated_at', 'm.created_at', 'u.display_name as created_by_name', 'm.source_order'])
    .where('m.version', '=', version).executeTakeFirst();
}

/** Whether any version was ever saved (a draft included). */
export async function hasModelVersions(db: Db) {
  return !!(await db.selectFrom('match_model').select('id').limit(1).executeTakeFirst());
}

/** Saves a new version: the active one (`active`, the default), or a draft that decides nothing until activated. */
export async function insertModel(db: Db, row: { model: unknown; source_order: string[] | null; note: string | null; created_by: number | null }, active = true) {
  if (active) await db.updateTable('match_model').set({ active: false }).where('active', '=', true).execute();
  const next = await db.selectFrom('match_model').select(sql<number>`coalesce(max(version), 0) + 1`.as('v')).executeTakeFirstOrThrow();
  return db.insertInto('match_model').values({ ...row, model: JSON.stringify(row.model), version: next.v, active, activated_at: active ? new Date() : null })
    .returning(['id', 'version']).executeTakeFirstOrThrow();
}

/** Makes this version the active one (the one active before is kept as an earlier version). */
export async function setActiveModel(db: Db, version: number) {
  await db.updateTable('match_model').set({ active: false }).where('active', '=', true).execute();
  await db.updateTable('match_model').set({ active: true, activated_at: new Date() }).where('version', '=', version).execute();
}

/** Above this many source records (the planner's estimate), counts per source come from the table's statistics. */
export const EXACT_COUNT_MAX = 2_000_000;

/**
 * How many source records each source holds: counted (an index-only scan of the (source_code, record_key) key) up to
 * EXACT_COUNT_MAX records, beyond that estimated from the column's statistics (`exact` false), which cost nothing.
 */
export async function countRecordsBySource(db: Db): Promise<{ exact: boolean; counts: Map<string, number> }> {
  const est = (await sql<{ n: number }>`SELECT greatest(reltuples, 0)::float8 AS n FROM pg_class WHERE oid = 'source_record'::regclass`.execute(db)).rows[0]?.n ?? 0;
  if (est > EXACT_COUNT_MAX) {
    const st = (await sql<{ vals: string[]; freqs: number[] }>`
      SELECT most_common_vals::text::text[] AS vals, most_common_freqs AS freqs FROM pg_stats
      WHERE schemaname = current_schema() AND tablename = 'source_record' AND attname = 'source_code'`.execute(db)).rows[0];
    if (st?.vals) return { exact: false, counts: new Map(st.vals.map((v, i) => [v, Math.round(est * st.freqs[i]!)])) };
  }
  const r = await sql<{ source_code: string; n: number }>`SELECT source_code, count(*)::int AS n FROM source_record GROUP BY source_code`.execute(db);
  return { exact: true, counts: new Map(r.rows.map((x) => [x.source_code, x.n])) };
}

/** Serialises writes of model versions (an automatic first estimate checks, under it, that none exists yet). */
export async function lockModelWrites(db: Db) {
  await sql`SELECT pg_advisory_xact_lock(hashtext('integration.match-model'))`.execute(db);
}

// ---------------------------------------------------------------- model estimates

export type EstimateSample = 'all' | 'pending-new';

/**
 * The ids of up to `max` source records (every record, or only new pending ones), with how many there are: all of
 * them when within `max`, else a uniform sample (by a hash of the id, so the same table gives the same sample).
 */
export async function sampleEstimateRecords(db: Db, which: EstimateSample, max: number) {
  const where = which === 'pending-new' ? sql`WHERE match_status = 'pending' AND customer_id IS NULL` : sql``;
  const total = (await sql<{ n: number }>`SELECT count(*)::int AS n FROM source_record ${where}`.execute(db)).rows[0]!.n;
  const order = total > max ? sql`ORDER BY md5(id::text)` : sql`ORDER BY id`;
  const ids = (await sql<{ id: number }>`SELECT id FROM source_record ${where} ${order} LIMIT ${max}`.execute(db)).rows.map((r) => Number(r.id));
  return { total, ids };
}

export async function countSourceRecords(db: Db) {
  return (await sql<{ n: number }>`SELECT count(*)::int AS n FROM source_record`.execute(db)).rows[0]!.n;
}

/** The columns the matching engine compares, of these records (no accounts: a sample may be 200,000 records). */
export function recordsForEstimate(db: Db, ids: number[]) {
  return db.selectFrom('source_record as r')
    .select(['r.id', 'r.source_code', 'r.kind', 'r.name', 'r.id_type', 'r.id_no', 'r.mobile', 'r.email', 'r.birth_date', 'r.gender', 'r.address', 'r.employer', 'r.legal_rep', 'r.attributes'])
    .where('r.id', 'in', ids.length ? ids : [0]).orderBy('r.id').execute();
}

export function insertEstimate(db: Db, requestedBy: number | null) {
  return db.insertInto('match_estimate').values({ requested_by: requestedBy }).returning('id').executeTakeFirstOrThrow();
}

const ESTIMATE_COLUMNS = [
  'e.id', 'e.status', 'e.records', 'e.pairs', 'e.version', 'e.error', 'e.created_at', 'e.started_at', 'e.finished_at', 'e.requested_by', 'u.username as requested_by_username',
  'u.display_name as requested_by_name',
] as const;

export function getEstimate(db: Db, id: number) {
  return db.selectFrom('match_estimate as e').leftJoin('app_user as u', 'u.id', 'e.requested_by').select(ESTIMATE_COLUMNS).where('e.id', '=', id).executeTakeFirst();
}

export function listEstimates(db: Db, limit: number) {
  return db.selectFrom('match_estimate as e').leftJoin('app_user as u', 'u.id', 'e.requested_by').select(ESTIMATE_COLUMNS).orderBy('e.id', 'desc').limit(limit).execute();
}

export function findOpenEstimates(db: Db) {
  return db.selectFrom('match_estimate').select('id').where('status', 'in', ['queued', 'running'] satisfies EstimateStatus[]).orderBy('id').execute();
}

export async function setEstimate(db: Db, id: number, set: Updateable<MatchEstimateTable>) {
  await db.updateTable('match_estimate').set(set).where('id', '=', id).execute();
}

/** Session-level lock of a running estimate (released by unlockEstimate, or when its connection ends with its server). */
export async function tryLockEstimate(conn: Db, id: number): Promise<boolean> {
  return (await sql<{ ok: boolean }>`SELECT pg_try_advisory_lock(hashtext('integration.estimate'), ${id}::int) AS ok`.execute(conn)).rows[0]!.ok;
}

export async function unlockEstimate(conn: Db, id: number) {
  await sql`SELECT pg_advisory_unlock(hashtext('integration.estimate'), ${id}::int)`.execute(conn);
}

// ---------------------------------------------------------------- sources and source records

export function listSourceSystems(db: Db) {
  return db.selectFrom('source_system').select(['code', 'name', 'name_en', 'kind', 'value_rank', 'field_trust']).orderBy('code').execute();
}

const RECORD_COLUMNS = [
  'r.id', 'r.source_code', 'r.record_key', 'r.kind', 'r.name', 'r.id_type', 'r.id_no', 'r.mobile', 'r.email', 'r.birth_date', 'r.gender',
  'r.address', 'r.employer', 'r.legal_rep', 'r.attributes', 'r.accounts', 'r.source_updated_at', 'r.updated_at', 'r.customer_id', 'r.match_status', 'r.id_issue',
  's.field_trust', 's.value_rank', 's.name as source_name', 's.name_en as source_name_en',
] as const;

export type RecordRow = Awaited<ReturnType<typeof getRecords>>[number];

/**
 * Up to `per` resolved records of every source with their blocking keys (for the source-order screen): the records
 * whose customer's hash (hashint8(customer_id)) is smallest, a sample of the whole source, not of its newest loads, and
 * coordinated across sources (one customer's records are sampled in every source together, so an overlap shows). Each
 * source is read through the (source_code, hash) index of migration 0029: `per` rows, however large the source (the
 * newest `per` by id walked the whole table backwards for a source whose records are old: 5 s at 270k records).
 */
export async function sampleKeysBySource(db: Db, per: number) {
  const r = await sql<{ source_code: string; keys: string[] }>`
    SELECT s.code AS source_code, x.keys FROM source_system s
    CROSS JOIN LATERAL (SELECT r.id, (SELECT array_agg(k.key) FROM match_key k WHERE k.source_record_id = r.id) AS keys
      FROM source_record r WHERE r.source_code = s.code AND r.customer_id IS NOT NULL ORDER BY hashint8(r.customer_id), r.id LIMIT ${per}) x
    WHERE x.keys IS NOT NULL`.execute(db);
  return r.rows;
}

/** The load each record was last written by (a resolution's account problems are told in that load's log). */
export async function lastLoadsOf(db: Db, recordIds: number[]) {
  if (!recordIds.length) return new Map<number, number>();
  const r = await sql<{ id: number; last_load_id: number | null }>`SELECT id, last_load_id FROM source_record WHERE id = ANY(${recordIds}::bigint[])`.execute(db);
  return new Map(r.rows.filter((x) => x.last_load_id !== null).map((x) => [Number(x.id), Number(x.last_load_id)]));
}

/** Potential customers (not merged away) that hold an open account become active; returns them (potential → active, C-status). */
export async function activateWithOpenAccounts(db: Db, customerIds: number[]) {
  if (!customerIds.length) return [];
  const r = await sql<{ id: number; customer_no: string }>`UPDATE customer c SET status = 'active', updated_at = now(), version = c.version + 1
    WHERE c.id = ANY(${customerIds}::bigint[]) AND c.status = 'potential' AND NOT c.deleted
      AND EXISTS (SELECT 1 FROM account a WHERE a.customer_id = c.id AND a.status <> 'closed')
    RETURNING c.id, c.customer_no`.execute(db);
  return r.rows.map((x) => ({ id: Number(x.id), customerNo: x.customer_no }));
}

export function getRecords(db: Db, ids: number[]) {
  return db.selectFrom('source_record as r').innerJoin('source_system as s', 's.code', 'r.source_code')
    .select(RECORD_COLUMNS).where('r.id', 'in', ids.length ? ids : [0]).orderBy('r.id').execute();
}

/** Pending records, oldest first, after record `afterId` (a cursor past those a run could not resolve). */
export async function pendingRecordIds(db: Db, limit: number, afterId = 0) {
  const r = await db.selectFrom('source_record').select('id').where('match_status', '=', 'pending').where('id', '>', afterId).orderBy('id').limit(limit).execute();
  return r.map((x) => x.id);
}

/** A transaction-scoped advisory lock on a matching key (released at commit). */
export async function lockKey(db: Db, key: string) {
  await sql`SELECT pg_advisory_xact_lock(hashtext(${key}))`.execute(db);
}

/** Locks the records being resolved, so two loads never resolve the same record at once. */
export async function lockRecord(db: Db, id: number) {
  const r = await sql<{ id: number; match_status: string; customer_id: number | null }>`
    SELECT id, match_status, customer_id FROM source_record WHERE id = ${id} FOR UPDATE`.execute(db);
  return r.rows[0];
}

/** Every record linked to these customers (the evidence a new record is compared with). */
export function recordsOfCustomers(db: Db, customerIds: number[], perCustomer = 20) {
  if (!customerIds.length) return Promise.resolve([] as RecordRow[]);
  return db.selectFrom('source_record as r').innerJoin('source_system as s', 's.code', 'r.source_code')
    .select(RECORD_COLUMNS).where('r.customer_id', 'in', customerIds)
    .orderBy('r.customer_id').orderBy('r.id', 'desc').limit(customerIds.length * perCustomer).execute();
}

export async function setRecordResolution(db: Db, id: number, customerId: number, status: 'matched' | 'created' | 'review') {
  await db.updateTable('source_record').set({ customer_id: customerId, match_status: status, match_error: null }).where('id', '=', id).execute();
}

/** A pending record whose resolution failed: `failed`, with why and the attempts it took (null if it is no longer pending). */
export function markRecordFailed(db: Db, id: number, error: string, attempts: number) {
  return db.updateTable('source_record').set({ match_status: 'failed', match_error: error, match_attempts: sql`match_attempts + ${attempts}` })
    .where('id', '=', id).where('match_status', '=', 'pending').returning(['id', 'customer_id', 'match_attempts']).executeTakeFirst();
}

/** Records whose resolution failed, oldest first, with their source's names. */
export async function listFailedRecords(db: Db, limit: number, offset: number) {
  const q = db.selectFrom('source_record as r').where('r.match_status', '=', 'failed');
  const [rows, count] = await Promise.all([
    q.innerJoin('source_system as s', 's.code', 'r.source_code')
      .select(['r.id', 'r.source_code', 's.name as source_name', 's.name_en as source_name_en', 'r.record_key', 'r.kind', 'r.name', 'r.match_error', 'r.match_attempts', 'r.updated_at'])
      .orderBy('r.id').limit(limit).offset(offset).execute(),
    q.select(sql<number>`count(*)::int`.as('n')).executeTakeFirstOrThrow(),
  ]);
  return { rows, total: count.n };
}

/** Puts these records back to pending if they failed; returns those it did (a concurrent retry takes the others). */
export function retryFailedRecords(db: Db, ids: number[]) {
  return db.updateTable('source_record').set({ match_status: 'pending' })
    .where('id', '=', sql<number>`ANY(${ids}::bigint[])`).where('match_status', '=', 'failed')
    .returning(['id', 'source_code', 'record_key', 'customer_id', 'match_error', 'match_attempts']).execute();
}

// ---------------------------------------------------------------- candidate index

export async function replaceMatchKeys(db: Db, recordId: number, customerId: number, keys: string[]) {
  await db.deleteFrom('match_key').where('source_record_id', '=', recordId).execute();
  const uniq = [...new Set(keys)];
  if (uniq.length) await db.insertInto('match_key').values(uniq.map((key) => ({ key, source_record_id: recordId, customer_id: customerId }))).execute();
}

/**
 * Customers that share a blocking key, an identity number or a contact with the record: indexed lookups only,
 * each capped, so a common key (张伟 + 1980) cannot flood the candidate list.
 */
export async function findCandidates(db: Db, p: { keys: string[]; idNo: string | null; contacts: string[]; pinyin: string | null; birthDate: string | null; exceptRecordId: number; cap: number }) {
  const r = await sql<{ customer_id: number; hits: number }>`${sql.raw(prepared('integration_candidates'))}
    SELECT x.customer_id, count(*)::int AS hits FROM (
      (SELECT k.customer_id FROM match_key k WHERE k.key = ANY(${p.keys}::text[]) AND k.source_record_id <> ${p.exceptRecordId} AND k.customer_id IS NOT NULL LIMIT ${p.cap * 4})
      UNION ALL
      (SELECT i.customer_id FROM customer_identity i WHERE i.id_no = ${p.idNo} LIMIT ${p.cap})
      UNION ALL
      (SELECT cc.customer_id FROM customer_contact cc WHERE cc.value = ANY(${p.contacts}::text[]) LIMIT ${p.cap})
      UNION ALL
      -- Customers entered by hand have no source records (no keys): same name (pinyin index), same birth date when known.
      (SELECT n.id FROM customer n WHERE n.name_pinyin = ${p.pinyin} AND NOT n.deleted AND (${p.birthDate}::date IS NULL OR n.birth_date = ${p.birthDate}::date) LIMIT ${p.cap})
    ) x JOIN customer c ON c.id = x.customer_id AND NOT c.deleted
    GROUP BY x.customer_id ORDER BY hits DESC, x.customer_id LIMIT ${p.cap}`.execute(db);
  return r.rows;
}

// ---------------------------------------------------------------- customers (golden record side)

export type CustomerBasic = Awaited<ReturnType<typeof getCustomersBasic>>[number];

export function getCustomersBasic(db: Db, ids: number[]) {
  return db.selectFrom('customer as c')
    .leftJoin('app_user as m', 'm.id', 'c.manager_id')
    .innerJoin('org_unit as o', 'o.id', 'c.org_id')
    .select([
      'c.id', 'c.customer_no', 'c.name', 'c.party', 'c.gender', 'c.birth_date', 'c.employer', 'c.occupation', 'c.nationality', 'c.aum_fen',
      'c.manager_id', 'c.org_id', 'c.deleted', 'c.status', 'c.version', 'm.display_name as manager_name', 'o.name as org_name', 'o.name_en as org_name_en',
      sql<string | null>`(SELECT i.id_type || ':' || i.id_no FROM customer_identity i WHERE i.customer_id = c.id ORDER BY i.is_primary DESC, i.id LIMIT 1)`.as('identity'),
      sql<string | null>`(SELECT x.value FROM customer_contact x WHERE x.customer_id = c.id AND x.kind = 'mobile' ORDER BY x.is_primary DESC, x.id LIMIT 1)`.as('mobile'),
      sql<string | null>`(SELECT x.value FROM customer_contact x WHERE x.customer_id = c.id AND x.kind = 'email' ORDER BY x.is_primary DESC, x.id LIMIT 1)`.as('email'),
      sql<string | null>`(SELECT concat_ws('', a.province, CASE WHEN a.city IS DISTINCT FROM a.province THEN a.city END, a.district, a.line) FROM customer_address a WHERE a.customer_id = c.id ORDER BY a.is_primary DESC, a.id LIMIT 1)`.as('address'),
    ])
    .where('c.id', 'in', ids.length ? ids : [0]).execute();
}

export function lockCustomers(db: Db, ids: number[]) {
  return db.selectFrom('customer').selectAll().where('id', 'in', ids).orderBy('id').forUpdate().execute();
}

export async function findCustomerByNo(db: Db, customerNo: string, scope: ScopeSubject) {
  return db.selectFrom('customer as c').select(['c.id', 'c.customer_no', 'c.deleted']).where('c.customer_no', '=', customerNo)
    .where('c.deleted', '=', false).where(customerScope(scope, 'c')).executeTakeFirst();
}

export async function customerInScope(db: Db, id: number, scope: ScopeSubject) {
  return !!(await db.selectFrom('customer as c').select('c.id').where('c.id', '=', id).where(customerScope(scope, 'c')).executeTakeFirst());
}

/** Identities, contacts and addresses of a customer in one round trip (survivorship runs per record). */
export async function profileRowsOf(db: Db, customerId: number) {
  const r = await sql<{ t: 'i' | 'c' | 'a'; id: number; kind: string; value: string; is_primary: boolean }>`
    SELECT 'i' AS t, id, id_type AS kind, id_no AS value, is_primary FROM customer_identity WHERE customer_id = ${customerId}
    UNION ALL SELECT 'c', id, kind, value, is_primary FROM customer_contact WHERE customer_id = ${customerId}
    UNION ALL SELECT 'a', id, kind, line, is_primary FROM customer_address WHERE customer_id = ${customerId}
    ORDER BY 1, 2`.execute(db);
  return r.rows;
}

export function identitiesOf(db: Db, customerId: number) {
  return db.selectFrom('customer_identity').select(['id', 'id_type', 'id_no', 'is_primary']).where('customer_id', '=', customerId).orderBy('id').execute();
}
export function contactsOf(db: Db, customerId: number) {
  return db.selectFrom('customer_contact').select(['id', 'kind', 'value', 'is_primary']).where('customer_id', '=', customerId).orderBy('id').execute();
}
export function addressesOf(db: Db, customerId: number) {
  return db.selectFrom('customer_address').select(['id', 'kind', 'line', 'is_primary']).where('customer_id', '=', customerId).orderBy('id').execute();
}

export async function identityOwner(db: Db, idType: IdType, idNo: string) {
  return (await db.selectFrom('customer_identity').select('customer_id').where('id_type', '=', idType).where('id_no', '=', idNo).executeTakeFirst())?.customer_id;
}

export async function insertIdentity(db: Db, row: { customer_id: number; id_type: IdType; id_no: string; is_primary: boolean }) {
  return (await db.insertInto('customer_identity').values(row).returning('id').executeTakeFirstOrThrow()).id;
}
export async function insertContact(db: Db, row: { customer_id: number; kind: 'mobile' | 'email'; value: string; is_primary: boolean }) {
  return (await db.insertInto('customer_contact').values(row).returning('id').executeTakeFirstOrThrow()).id;
}
export async function insertAddress(db: Db, row: { customer_id: number; kind: 'mailing' | 'business'; line: string; is_primary: boolean }) {
  return (await db.insertInto('customer_address').values({ ...row, province: null, city: null, district: null, postcode: null }).returning('id').executeTakeFirstOrThrow()).id;
}
export async function setPrimary(db: Db, table: 'customer_identity' | 'customer_contact' | 'customer_address', id: number, primary: boolean) {
  await db.updateTable(table).set({ is_primary: primary }).where('id', '=', id).execute();
}
export async function deleteRows(db: Db, table: 'customer_identity' | 'customer_contact' | 'customer_address', ids: number[]) {
  if (ids.length) await db.deleteFrom(table).where('id', 'in', ids).execute();
}

export async function updateCustomerColumns(db: Db, id: number, patch: Record<string, unknown>) {
  await db.updateTable('customer').set({ ...patch, updated_at: new Date(), version: sql`version + 1` }).where('id', '=', id).execute();
}

/** AUM = balances of the customer's open asset accounts (C5). */
export async function refreshAum(db: Db, customerId: number) {
  await sql`UPDATE customer SET aum_fen = coalesce((SELECT sum(a.balance_fen) FROM account a JOIN product p ON p.code = a.product_code
    WHERE a.customer_id = ${customerId} AND a.status <> 'closed' AND p.is_asset), 0) WHERE id = ${customerId}`.execute(db);
}

export async function aumOf(db: Db, ids: number[]) {
  const rows = await db.selectFrom('customer').select(['id', 'aum_fen']).where('id', 'in', ids).execute();
  return new Map(rows.map((r) => [r.id, Number(r.aum_fen)]));
}
export async function setAum(db: Db, id: number, aumFen: number) {
  await db.updateTable('customer').set({ aum_fen: aumFen }).where('id', '=', id).execute();
}

// ---------------------------------------------------------------- accounts (归户)

export function orgIdsByCode(db: Db, codes: string[]) {
  return db.selectFrom('org_unit').select(['id', 'code']).where('code', 'in', codes.length ? codes : ['']).execute();
}
export function productCodes(db: Db) {
  return db.selectFrom('product').select('code').execute();
}
export async function orgOfCustomer(db: Db, customerId: number) {
  return (await db.selectFrom('customer').select('org_id').where('id', '=', customerId).executeTakeFirstOrThrow()).org_id;
}

export type AccountUpsert = {
  customer_id: number; source_system: string; account_no: string; org_id: number; product_code: string; currency: string;
  status: 'active' | 'dormant' | 'frozen' | 'closed'; opened_on: string | null; closed_on: string | null; balance_fen: number;
};

/** Accounts keyed by (source system, account no.): a reload updates them, and they follow the record's customer. */
export async function upsertAccounts(db: Db, rows: AccountUpsert[]) {
  if (!rows.length) return [];
  return db.insertInto('account').values(rows)
    .onConflict((oc) => oc.columns(['source_system', 'account_no']).doUpdateSet((eb) => ({
      customer_id: eb.ref('excluded.customer_id'), org_id: eb.ref('excluded.org_id'), product_code: eb.ref('excluded.product_code'),
      currency: eb.ref('excluded.currency'), status: eb.ref('excluded.status'), opened_on: sql`coalesce(excluded.opened_on, account.opened_on)`,
      closed_on: eb.ref('excluded.closed_on'), balance_fen: eb.ref('excluded.balance_fen'), updated_at: new Date(),
    })))
    .returning(['id', 'customer_id']).execute();
}

// ---------------------------------------------------------------- lineage

export function lineageOf(db: Db, customerId: number) {
  return db.selectFrom('customer_field_source').selectAll().where('customer_id', '=', customerId).execute();
}

export async function replaceLineage(db: Db, customerId: number, rows: { field: string; value: string | null; source_code: string; source_record_id: number | null; rule: LineageRule; trust: number; candidates: number }[]) {
  await db.deleteFrom('customer_field_source').where('customer_id', '=', customerId).execute();
  if (rows.length) await db.insertInto('customer_field_source').values(rows.map((r) => ({ ...r, customer_id: customerId }))).execute();
}

/** A manager's edit of one field (I6): its lineage row replaced by `row`, or removed (null) when the customer holds no value. */
export async function setLineageField(db: Db, customerId: number, field: string, row: { value: string | null; source_code: string; source_record_id: number | null; rule: LineageRule; trust: number; candidates: number } | null) {
  await db.deleteFrom('customer_field_source').where('customer_id', '=', customerId).where('field', '=', field).execute();
  if (row) await db.insertInto('customer_field_source').values({ ...row, customer_id: customerId, field }).execute();
}

// ---------------------------------------------------------------- survivorship re-run (a source's trust changed)

/** Marks a source's trust as changed now: the golden records of its customers chosen before are recomputed. */
export async function markSurvivorshipStale(db: Db, sourceCode: string) {
  await db.updateTable('source_system').set({ survivorship_stale_since: sql<Date>`now()` }).where('code', '=', sourceCode).execute();
}

/** Sources marked so, with the mark as text (exact to the microsecond, to clear it only if unchanged). */
export function staleSources(db: Db) {
  return db.selectFrom('source_system').select(['code', sql<string>`survivorship_stale_since::text`.as('since')])
    .where('survivorship_stale_since', 'is not', null).orderBy('code').execute();
}

/**
 * The source's next `limit` records after record `afterId` (`last`: the last one, null past the end), and those of
 * their customers (not merged away) whose golden record was chosen before `since`.
 */
export async function staleCustomersOfSource(db: Db, sourceCode: string, since: string, afterId: number, limit: number) {
  const r = await sql<{ last: number | null; ids: (number | string)[] | null }>`
    WITH b AS (SELECT id, customer_id FROM source_record WHERE source_code = ${sourceCode} AND id > ${afterId} ORDER BY id LIMIT ${limit})
    SELECT (SELECT max(id) FROM b) AS last,
      (SELECT array_agg(DISTINCT b.customer_id ORDER BY b.customer_id) FROM b JOIN customer c ON c.id = b.customer_id AND NOT c.deleted
        WHERE EXISTS (SELECT 1 FROM customer_field_source f WHERE f.customer_id = b.customer_id AND f.chosen_at < ${since}::timestamptz)) AS ids`.execute(db);
  const row = r.rows[0]!;
  return { last: row.last === null ? null : Number(row.last), customerIds: (row.ids ?? []).map(Number) };
}

/** Whether the customer's golden record was (partly) chosen before `since`. */
export async function lineageChosenBefore(db: Db, customerId: number, since: string) {
  return !!(await db.selectFrom('customer_field_source').select('field').where('customer_id', '=', customerId)
    .where('chosen_at', '<', sql<Date>`${since}::timestamptz`).limit(1).executeTakeFirst());
}

/** Clears the mark once every customer is recomputed, unless the trust changed again meanwhile. */
export async function clearSurvivorshipStale(db: Db, sourceCode: string, since: string) {
  await db.updateTable('source_system').set({ survivorship_stale_since: null }).where('code', '=', sourceCode)
    .where('survivorship_stale_since', '=', sql<Date>`${since}::timestamptz`).execute();
}

// ---------------------------------------------------------------- review queue

export type ReviewInsert = {
  pair_key: string; customer_a: number; customer_b: number; record_a: number | null; record_b: number | null; origin: 'engine' | 'manager';
  score: string | null; probability: string | null; zone: 'match' | 'review' | 'nonmatch' | null; conflict: string | null; explanation: unknown;
  priority_fen: number; manager_id: number | null; created_by: number | null; note: string | null;
};

/** Queues a pair unless it was ever queued (a decision is remembered); returns the new id or undefined. */
export async function insertReview(db: Db, row: ReviewInsert) {
  const r = await db.insertInto('match_review').values({ ...row, explanation: JSON.stringify(row.explanation) })
    .onConflict((oc) => oc.column('pair_key').doNothing()).returning('id').executeTakeFirst();
  return r?.id;
}

export function getReviewByPair(db: Db, pairKey: string) {
  return db.selectFrom('match_review').selectAll().where('pair_key', '=', pairKey).executeTakeFirst();
}

/** Pairs in the queue whose customers both lie inside the scope. */
function reviewBase(db: Db, scope: ScopeSubject) {
  return db.selectFrom('match_review as r')
    .innerJoin('customer as ca', 'ca.id', 'r.customer_a')
    .innerJoin('customer as cb', 'cb.id', 'r.customer_b')
    .where(customerScope(scope, 'ca'))
    .where(customerScope(scope, 'cb'));
}

export type ReviewFilter = { status?: ReviewStatus; mine?: boolean; limit: number; offset: number };

// A pair's responsible manager and priority as of now (customers change hands and balances after the pair was
// queued): the more valuable customer's manager, else the other's; the larger AUM of the two.
const pairManager = sql<number | null>`(CASE WHEN ca.aum_fen >= cb.aum_fen THEN coalesce(ca.manager_id, cb.manager_id) ELSE coalesce(cb.manager_id, ca.manager_id) END)`;
const pairPriority = sql<number>`greatest(ca.aum_fen, cb.aum_fen)`;

export async function listReviews(db: Db, scope: ScopeSubject, f: ReviewFilter) {
  let q = reviewBase(db, scope);
  if (f.status) q = q.where('r.status', '=', f.status);
  // Pending pairs of a customer merged away since are stale: hidden until re-pointed.
  if (f.status === 'pending') q = q.where('ca.deleted', '=', false).where('cb.deleted', '=', false);
  if (f.mine) q = q.where(sql<boolean>`${pairManager} = ${scope.id}`);
  const [rows, count] = await Promise.all([
    q.leftJoin('app_user as d', 'd.id', 'r.decided_by')
      .select([
        'r.id', 'r.status', 'r.origin', 'r.score', 'r.probability', 'r.zone', 'r.conflict', pairPriority.as('priority_fen'), pairManager.as('manager_id'), 'r.created_at', 'r.decided_at', 'r.merge_id',
        'ca.customer_no as a_no', 'ca.name as a_name', 'ca.aum_fen as a_aum', 'cb.customer_no as b_no', 'cb.name as b_name', 'cb.aum_fen as b_aum',
        sql<string | null>`(SELECT m.display_name FROM app_user m WHERE m.id = ${pairManager})`.as('manager_name'), 'd.display_name as decided_by_name',
      ])
      // Mine first (when I have any), then key customers (by AUM), then oldest.
      .orderBy(sql`coalesce(${pairManager} = ${scope.id}, false) DESC, ${pairPriority} DESC, r.id`)
      .limit(f.limit).offset(f.offset).execute(),
    q.select(sql<number>`count(*)::int`.as('n')).executeTakeFirstOrThrow(),
  ]);
  return { rows, total: count.n };
}

export function getReview(db: Db, scope: ScopeSubject, id: number, lock = false) {
  let q = reviewBase(db, scope).selectAll('r').where('r.id', '=', id);
  if (lock) q = q.forUpdate('r' as never);
  return q.executeTakeFirst();
}

export async function decideReview(db: Db, id: number, patch: { status: ReviewStatus; decided_by: number | null; note: string | null; merge_id?: number | null }) {
  await db.updateTable('match_review').set({ ...patch, decided_at: new Date(), updated_at: new Date() }).where('id', '=', id).execute();
}

export function pendingReviewsOf(db: Db, customerId: number) {
  return db.selectFrom('match_review').select(['id', 'customer_a', 'customer_b', 'pair_key'])
    .where('status', '=', 'pending').where(({ or, eb }) => or([eb('customer_a', '=', customerId), eb('customer_b', '=', customerId)])).execute();
}

export async function repointReview(db: Db, id: number, a: number, b: number, pairKey: string) {
  await db.updateTable('match_review').set({ customer_a: a, customer_b: b, pair_key: pairKey, updated_at: new Date() }).where('id', '=', id).execute();
}

export async function pairKeyTaken(db: Db, pairKey: string) {
  return !!(await db.selectFrom('match_review').select('id').where('pair_key', '=', pairKey).executeTakeFirst());
}

// ---------------------------------------------------------------- merges and aliases

/** A column that holds a customer id, found in the catalogue (so tables added by any module are covered). */
export type CustomerColumn = { table: string; column: string; pk: { name: string; type: string }[] };

/**
 * Every column of a public table that refers to a customer: foreign keys to customer(id), plus columns named
 * customer_id without one (distribution-key copies such as account_balance_daily.customer_id).
 */
export async function customerColumns(db: Db): Promise<CustomerColumn[]> {
  const r = await sql<{ table: string; column: string; pk: { name: string; type: string }[] | null }>`
    WITH cols AS (
      SELECT cl.relname AS tbl, a.attname AS col, cl.oid
        FROM pg_constraint k JOIN pg_class cl ON cl.oid = k.conrelid JOIN pg_namespace n ON n.oid = cl.relnamespace
        JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = ANY(k.conkey)
       WHERE k.contype = 'f' AND k.confrelid = 'customer'::regclass AND n.nspname = current_schema() AND array_length(k.conkey, 1) = 1
      UNION
      SELECT cl.relname, a.attname, cl.oid
        FROM pg_attribute a JOIN pg_class cl ON cl.oid = a.attrelid JOIN pg_namespace n ON n.oid = cl.relnamespace
       WHERE a.attname = 'customer_id' AND cl.relkind IN ('r','p') AND n.nspname = current_schema() AND NOT a.attisdropped
    )
    SELECT c.tbl AS table, c.col AS column,
      (SELECT json_agg(json_build_object('name', pa.attname, 'type', format_type(pa.atttypid, pa.atttypmod)) ORDER BY array_position(pk.conkey, pa.attnum))
         FROM pg_constraint pk JOIN pg_attribute pa ON pa.attrelid = pk.conrelid AND pa.attnum = ANY(pk.conkey)
        WHERE pk.conrelid = c.oid AND pk.contype = 'p') AS pk
    FROM cols c ORDER BY c.tbl, c.col`.execute(db);
  return r.rows.map((x) => ({ table: x.table, column: x.column, pk: x.pk ?? [] }));
}

const ident = (s: string) => sql.id(s);

/** Rows that would break a rule on the survivor stay with the merged customer (and come back on unmerge). */
export function mergeGuard(col: CustomerColumn, survivorId: number): Expression<SqlBool> | undefined {
  if (col.table === 'customer_relation' && col.column === 'customer_id') return sql<boolean>`t.related_id <> ${survivorId}`;
  if (col.table === 'customer_relation' && col.column === 'related_id') return sql<boolean>`t.customer_id <> ${survivorId}`;
  if (col.table === 'customer_channel_pref') return sql<boolean>`NOT EXISTS (SELECT 1 FROM customer_channel_pref s WHERE s.customer_id = ${survivorId} AND s.channel = t.channel)`;
  // A contact or address the survivor has already (the same mobile from two systems) stays with the retired customer:
  // the survivor keeps one row per value, and unmerge finds the row where it was.
  if (col.table === 'customer_contact' && col.column === 'customer_id') {
    return sql<boolean>`NOT EXISTS (SELECT 1 FROM customer_contact s WHERE s.customer_id = ${survivorId} AND s.kind = t.kind AND s.value = t.value)`;
  }
  if (col.table === 'customer_address' && col.column === 'customer_id') {
    return sql<boolean>`NOT EXISTS (SELECT 1 FROM customer_address s WHERE s.customer_id = ${survivorId} AND s.kind = t.kind AND s.line = t.line
      AND s.province IS NOT DISTINCT FROM t.province AND s.city IS NOT DISTINCT FROM t.city AND s.district IS NOT DISTINCT FROM t.district
      AND s.postcode IS NOT DISTINCT FROM t.postcode)`;
  }
  return undefined;
}

export type ProfileTable = 'customer_identity' | 'customer_contact' | 'customer_address';
/** The column that tells a profile row's kind (one primary per kind). */
const KIND_COLUMN: Record<ProfileTable, string> = { customer_identity: 'id_type', customer_contact: 'kind', customer_address: 'kind' };

/**
 * Before a merge moves them: the merged customer's primary identities, contacts and addresses of a kind the survivor
 * has a primary of stop being primary (one primary per kind). Returns the rows changed, to be made primary again on unmerge.
 */
export async function demotePrimaries(db: Db, mergedId: number, survivorId: number) {
  const out: { table: ProfileTable; id: number }[] = [];
  for (const table of ['customer_contact', 'customer_address', 'customer_identity'] as const) {
    const kind = sql.id(KIND_COLUMN[table]);
    const r = await sql<{ id: number }>`UPDATE ${sql.table(table)} t SET is_primary = false
      WHERE t.customer_id = ${mergedId} AND t.is_primary
        AND EXISTS (SELECT 1 FROM ${sql.table(table)} s WHERE s.customer_id = ${survivorId} AND s.${kind} = t.${kind} AND s.is_primary)
      RETURNING t.id`.execute(db);
    out.push(...r.rows.map((x) => ({ table, id: Number(x.id) })));
  }
  return out;
}

function pkTuple(col: CustomerColumn) {
  return sql.join(col.pk.map((p) => sql.ref(`t.${p.name}`)));
}

/** The PK values of a table's rows pointing at a customer (as JSON arrays, one per row). */
export async function rowsPointingAt(db: Db, col: CustomerColumn, customerId: number, extra?: Expression<SqlBool>) {
  const r = await sql<{ k: unknown[] }>`SELECT json_build_array(${pkTuple(col)}) AS k FROM ${ident(col.table)} t
    WHERE ${sql.ref(`t.${col.column}`)} = ${customerId} ${extra ? sql`AND ${extra}` : sql``}`.execute(db);
  return r.rows.map((x) => x.k);
}

/** Points the given rows (by PK) from one customer to another; returns the PKs actually moved. */
export async function moveRows(db: Db, col: CustomerColumn, keys: unknown[][], from: number, to: number) {
  if (!keys.length) return [];
  const typed = sql.join(col.pk.map((p, i) => sql`(x.k->>${sql.lit(i)})::${sql.raw(p.type)}`));
  const r = await sql<{ k: unknown[] }>`UPDATE ${ident(col.table)} t SET ${ident(col.column)} = ${to}
    WHERE ${sql.ref(`t.${col.column}`)} = ${from}
      AND (${pkTuple(col)}) IN (SELECT ${typed} FROM jsonb_array_elements(${JSON.stringify(keys)}::jsonb) AS x(k))
    RETURNING json_build_array(${pkTuple(col)}) AS k`.execute(db);
  return r.rows.map((x) => x.k);
}

export async function savepoint(db: Db, name: string) {
  await sql`SAVEPOINT ${sql.raw(name)}`.execute(db);
}
export async function rollbackTo(db: Db, name: string) {
  await sql`ROLLBACK TO SAVEPOINT ${sql.raw(name)}`.execute(db);
}
export async function release(db: Db, name: string) {
  await sql`RELEASE SAVEPOINT ${sql.raw(name)}`.execute(db);
}

export async function insertMerge(db: Db, row: { survivor_id: number; merged_id: number; review_id: number | null; reason: string; merged_by: number | null }) {
  return (await db.insertInto('customer_merge').values({ ...row, snapshot: '{}' }).returning('id').executeTakeFirstOrThrow()).id;
}
export async function saveMergeSnapshot(db: Db, id: number, snapshot: unknown) {
  await db.updateTable('customer_merge').set({ snapshot: JSON.stringify(snapshot) }).where('id', '=', id).execute();
}
export function getMergeForUpdate(db: Db, id: number) {
  return db.selectFrom('customer_merge').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
}
export async function markUndone(db: Db, id: number, by: number | null, reason: string) {
  await db.updateTable('customer_merge').set({ undone_at: new Date(), undone_by: by, undo_reason: reason }).where('id', '=', id).execute();
}
/**
 * Merges that are not undone and were made later than this one on the same customers (they must be undone first):
 * the survivor merged away since, or another customer merged into the same survivor (its rows, primaries and golden
 * record were built on this merge's).
 */
export function laterMerges(db: Db, merge: { id: number; survivor_id: number; merged_id: number }) {
  return db.selectFrom('customer_merge as g').innerJoin('customer as s', 's.id', 'g.survivor_id').innerJoin('customer as m', 'm.id', 'g.merged_id')
    .select(['g.id', 's.customer_no as survivor_no', 'm.customer_no as merged_no']).where('g.undone_at', 'is', null).where('g.id', '>', merge.id)
    .where(({ or, eb }) => or([eb('g.merged_id', '=', merge.survivor_id), eb('g.survivor_id', '=', merge.merged_id), eb('g.survivor_id', '=', merge.survivor_id)]))
    .orderBy('g.id').execute();
}

/**
 * A stamp of the merges touching these customers (the newest merge and how many are undone): it changes whenever
 * one of them is merged, merged into or unmerged, so a decision taken on what a reviewer saw can tell it is stale.
 */
export async function mergeStamp(db: Db, customerIds: number[]) {
  const r = await db.selectFrom('customer_merge')
    .where(({ or, eb }) => or([eb('survivor_id', 'in', customerIds), eb('merged_id', 'in', customerIds)]))
    .select([sql<number>`coalesce(max(id), 0)::int`.as('last'), sql<number>`count(undone_at)::int`.as('undone')]).executeTakeFirstOrThrow();
  return `${r.last}.${r.undone}`;
}

/** A direct merge's pair, queued (and decided) after the merge row was written: the merge points at it, so unmerge can record the pair as different. */
export async function setMergeReview(db: Db, mergeId: number, reviewId: number) {
  await db.updateTable('customer_merge').set({ review_id: reviewId }).where('id', '=', mergeId).execute();
}

export function listMerges(db: Db, scope: ScopeSubject, customerId: number | null, limit: number) {
  let q = db.selectFrom('customer_merge as g')
    .innerJoin('customer as s', 's.id', 'g.survivor_id').innerJoin('customer as m', 'm.id', 'g.merged_id')
    .leftJoin('app_user as u', 'u.id', 'g.merged_by').leftJoin('app_user as d', 'd.id', 'g.undone_by')
    // Seen by whoever sees either customer: after an unmerge the merged customer's own branch keeps its history.
    .where(({ or }) => or([customerScope(scope, 's'), customerScope(scope, 'm')]))
    .select(['g.id', 'g.reason', 'g.merged_at', 'g.undone_at', 'g.undo_reason', 'g.review_id', 'u.display_name as merged_by_name', 'd.display_name as undone_by_name'])
    // The survivor is named only to those whose scope holds it.
    .select(() => {
      const seen = sql<boolean>`${customerScope(scope, 's')}`;
      return [sql<string | null>`CASE WHEN ${seen} THEN s.customer_no END`.as('survivor_no'), sql<string | null>`CASE WHEN ${seen} THEN s.name END`.as('survivor_name')];
    })
    // A merge undone gave the merged customer back its own manager and org: named only to those whose scope holds it.
    .select(() => {
      const seen = sql<boolean>`(g.undone_at IS NULL OR ${customerScope(scope, 'm')})`;
      return [sql<string | null>`CASE WHEN ${seen} THEN m.customer_no END`.as('merged_no'), sql<string | null>`CASE WHEN ${seen} THEN m.name END`.as('merged_name')];
    });
  if (customerId) {
    // The customer's history: its own merges and those of every number merged into it (an old number's chain).
    const merged = db.selectFrom('customer_alias').select('customer_id').where('survivor_id', '=', customerId);
    q = q.where(({ or, eb }) => or([eb('g.survivor_id', '=', customerId), eb('g.merged_id', '=', customerId), eb('g.survivor_id', 'in', merged), eb('g.merged_id', 'in', merged)]));
  }
  return q.orderBy('g.id', 'desc').limit(limit).execute();
}

export async function insertAlias(db: Db, row: { customer_no: string; customer_id: number; survivor_id: number; merge_id: number }) {
  await db.insertInto('customer_alias').values(row).execute();
}
export async function deleteAlias(db: Db, customerNo: string) {
  await db.deleteFrom('customer_alias').where('customer_no', '=', customerNo).execute();
}
/** Aliases that pointed at the customer now merged away follow it to the new survivor (chained merges). */
export async function repointAliases(db: Db, from: number, to: number) {
  const r = await db.updateTable('customer_alias').set({ survivor_id: to }).where('survivor_id', '=', from).returning('customer_no').execute();
  return r.map((x) => x.customer_no);
}
export async function setAliasSurvivor(db: Db, customerNos: string[], to: number) {
  if (customerNos.length) await db.updateTable('customer_alias').set({ survivor_id: to }).where('customer_no', 'in', customerNos).execute();
}

export async function setDeleted(db: Db, id: number, deleted: boolean, at: Date | null) {
  await db.updateTable('customer').set({ deleted, deleted_at: at, updated_at: new Date(), version: sql`version + 1` }).where('id', '=', id).execute();
}

/** The customer a (possibly merged-away) customer number stands for now. */
export async function resolveAlias(db: Db, customerNo: string) {
  return db.selectFrom('customer_alias as a').innerJoin('customer as c', 'c.id', 'a.survivor_id')
    .select(['c.customer_no', 'c.id']).where('a.customer_no', '=', customerNo).executeTakeFirst();
}

// ---------------------------------------------------------------- merges: what unmerge needs beyond the rows that moved

export type ProfileRow = { customer_id: number; t: ProfileTable; id: number; kind: string; key: string; value: string; is_primary: boolean; row: Record<string, unknown> };

/**
 * The identities, contacts and addresses of customers, each with the key a merge matches it by (kind and value, as
 * mergeGuard does) and its columns, so unmerge can find or write a row again by value when its id is gone.
 */
export async function profileOf(db: Db, customerIds: number[]) {
  const r = await sql<ProfileRow>`
    SELECT customer_id, 'customer_identity' AS t, id, id_type AS kind, id_type || ':' || id_no AS key, id_no AS value, is_primary,
        jsonb_build_object('id_type', id_type, 'id_no', id_no, 'country', country, 'issued_on', issued_on, 'expires_on', expires_on) AS row
      FROM customer_identity WHERE customer_id = ANY(${customerIds}::bigint[])
    UNION ALL SELECT customer_id, 'customer_contact', id, kind, kind || ':' || value, value, is_primary, jsonb_build_object('kind', kind, 'value', value, 'verified', verified)
      FROM customer_contact WHERE customer_id = ANY(${customerIds}::bigint[])
    UNION ALL SELECT customer_id, 'customer_address', id, kind,
        concat_ws('|', kind, line, coalesce(province, ''), coalesce(city, ''), coalesce(district, ''), coalesce(postcode, '')), line, is_primary,
        jsonb_build_object('kind', kind, 'province', province, 'city', city, 'district', district, 'line', line, 'postcode', postcode)
      FROM customer_address WHERE customer_id = ANY(${customerIds}::bigint[])
    ORDER BY 1, 2, 3`.execute(db);
  return r.rows;
}

/** The customers' source records with a fingerprint of their content: a merge notes them, unmerge sees what changed meanwhile. */
export async function recordPrints(db: Db, customerIds: number[]) {
  const r = await sql<{ id: number; customer_id: number; hash: string }>`SELECT id, customer_id, encode(content_hash, 'hex') AS hash
    FROM source_record WHERE customer_id = ANY(${customerIds}::bigint[]) ORDER BY id`.execute(db);
  return r.rows;
}

/** One identity, contact or address to another customer, primary or not. */
export async function moveProfileRow(db: Db, table: ProfileTable, id: number, to: number, primary: boolean) {
  await sql`UPDATE ${sql.table(table)} SET customer_id = ${to}, is_primary = ${primary} WHERE id = ${id}`.execute(db);
}

/** Writes a profile row again from its columns as profileOf gave them. */
export async function insertProfileRow(db: Db, table: ProfileTable, customerId: number, row: Record<string, unknown>, primary: boolean) {
  const cols = Object.keys(row).map((c) => sql.id(c));
  await sql`INSERT INTO ${sql.table(table)} (customer_id, is_primary, ${sql.join(cols)})
    SELECT ${customerId}, ${primary}, ${sql.join(Object.keys(row).map((c) => sql.ref(`x.${c}`)))}
      FROM jsonb_populate_record(NULL::${sql.table(table)}, ${JSON.stringify(row)}::jsonb) x`.execute(db);
}

/** Every match key of these customers' records points at the record's customer (an unmerge moved records back); how many changed. */
export async function syncMatchKeys(db: Db, customerIds: number[]) {
  const r = await sql`UPDATE match_key k SET customer_id = r.customer_id FROM source_record r
    WHERE k.source_record_id = r.id AND r.customer_id = ANY(${customerIds}::bigint[]) AND k.customer_id IS DISTINCT FROM r.customer_id`.execute(db);
  return Number(r.numAffectedRows ?? 0);
}

/**
 * Accounts on `from` that only records of `to` carry (attached while they were merged) go to `to`, with their daily
 * balances (which copy the customer as their distribution key); how many.
 */
export async function followAccounts(db: Db, from: number, to: number) {
  const r = await sql<{ id: number }>`WITH listed AS (
      SELECT r.customer_id, r.source_code, a->>'accountNo' AS account_no FROM source_record r
        CROSS JOIN LATERAL jsonb_array_elements(CASE WHEN jsonb_typeof(r.accounts) = 'array' THEN r.accounts ELSE '[]'::jsonb END) a
       WHERE r.customer_id IN (${from}, ${to}))
    UPDATE account t SET customer_id = ${to} WHERE t.customer_id = ${from}
      AND EXISTS (SELECT 1 FROM listed l WHERE l.customer_id = ${to} AND l.source_code = t.source_system AND l.account_no = t.account_no)
      AND NOT EXISTS (SELECT 1 FROM listed l WHERE l.customer_id = ${from} AND l.source_code = t.source_system AND l.account_no = t.account_no)
    RETURNING t.id`.execute(db);
  const ids = r.rows.map((x) => x.id);
  if (ids.length) await sql`UPDATE account_balance_daily SET customer_id = ${to} WHERE account_id = ANY(${ids}::bigint[]) AND customer_id = ${from}`.execute(db);
  return ids.length;
}

export function channelPrefsOf(db: Db, customerId: number) {
  return db.selectFrom('customer_channel_pref').select(['channel', 'allowed', 'marketing_consent']).where('customer_id', '=', customerId).orderBy('channel').execute();
}
export async function setChannelPref(db: Db, customerId: number, channel: string, allowed: boolean, marketingConsent: boolean) {
  await sql`UPDATE customer_channel_pref SET allowed = ${allowed}, marketing_consent = ${marketingConsent}, updated_at = now()
    WHERE customer_id = ${customerId} AND channel = ${channel}`.execute(db);
}

/** The open relations between two customers, either way, end now; returns their ids. */
export async function endRelationsBetween(db: Db, a: number, b: number) {
  const r = await sql<{ id: number }>`UPDATE customer_relation SET ended_at = now() WHERE ended_at IS NULL
    AND ((customer_id = ${a} AND related_id = ${b}) OR (customer_id = ${b} AND related_id = ${a})) RETURNING id`.execute(db);
  return r.rows.map((x) => x.id);
}
export async function reopenRelations(db: Db, ids: number[]) {
  if (ids.length) await sql`UPDATE customer_relation SET ended_at = NULL WHERE id = ANY(${ids}::bigint[])`.execute(db);
}

// ---------------------------------------------------------------- bulk resolution (a large pending backlog)

/** Rows as one JSON parameter, expanded by json_to_recordset: a chunk of 100k rows in one statement (no 65,535-parameter limit). */
const rowsJson = (rows: unknown[]) => JSON.stringify(rows);

/** New pending records (no customer yet), counted up to `upTo`. */
export async function countPendingNew(db: Db, upTo: number) {
  const r = await sql<{ n: number }>`SELECT count(*)::int AS n FROM (SELECT 1 FROM source_record
    WHERE match_status = 'pending' AND customer_id IS NULL LIMIT ${upTo}) x`.execute(db);
  return r.rows[0]!.n;
}

/** Up to `per` new pending records of every source holding some (for the cross-source order). */
export async function samplePendingNew(db: Db, per: number) {
  const ids = await sql<{ id: number }>`SELECT x.id FROM (SELECT DISTINCT source_code FROM source_record WHERE match_status = 'pending' AND customer_id IS NULL) s
    CROSS JOIN LATERAL (SELECT r.id FROM source_record r WHERE r.source_code = s.source_code AND r.match_status = 'pending' AND r.customer_id IS NULL
      ORDER BY r.id LIMIT ${per}) x`.execute(db);
  return getRecords(db, ids.rows.map((r) => r.id));
}

/** The next chunk of new pending records of one source, oldest first, locked (a concurrent resolver skips them). */
export function lockPendingChunk(db: Db, source: string, limit: number) {
  return db.selectFrom('source_record as r').innerJoin('source_system as s', 's.code', 'r.source_code')
    .select(RECORD_COLUMNS).where('r.match_status', '=', 'pending').where('r.customer_id', 'is', null).where('r.source_code', '=', source)
    .orderBy('r.id').limit(limit).modifyEnd(sql`FOR UPDATE OF r SKIP LOCKED`).execute();
}

/** These records, if still pending without a customer, locked for a bulk chunk (ones another resolver holds are skipped). */
export function lockPendingRecords(db: Db, ids: number[]) {
  return db.selectFrom('source_record as r').innerJoin('source_system as s', 's.code', 'r.source_code')
    .select(RECORD_COLUMNS).where('r.id', '=', sql<number>`ANY(${ids}::bigint[])`).where('r.match_status', '=', 'pending').where('r.customer_id', 'is', null)
    .orderBy('r.id').modifyEnd(sql`FOR UPDATE OF r SKIP LOCKED`).execute();
}

/** Serialises bulk runs (several app servers): one chunk at a time bank-wide. */
export async function lockBulkResolution(db: Db) {
  await sql`SELECT pg_advisory_xact_lock(hashtext('integration.bulk-resolve'))`.execute(db);
}

/**
 * findCandidates for a whole chunk at once: which existing customers share a key, an identity number, a contact,
 * or (customers entered by hand) a name's pinyin and birth date with any record. `probe` is the value that hit;
 * names are `pinyin|birth date` (`pinyin|` without one).
 */
export async function findCandidatesBulk(db: Db, p: { keys: string[]; idNos: string[]; contacts: string[]; names: string[]; cap: number }) {
  const withBirth = p.names.filter((n) => !n.endsWith('|'));
  const nameOnly = p.names.filter((n) => n.endsWith('|')).map((n) => n.slice(0, -1));
  const r = await sql<{ arm: 'k' | 'i' | 'c' | 'n'; probe: string; customer_id: number }>`
    SELECT x.arm, x.probe, x.customer_id FROM (
      SELECT 'k' AS arm, k.key AS probe, k.customer_id FROM match_key k WHERE k.key = ANY(${p.keys}::text[]) AND k.customer_id IS NOT NULL
      UNION ALL
      SELECT 'i', i.id_no, i.customer_id FROM customer_identity i WHERE i.id_no = ANY(${p.idNos}::text[])
      UNION ALL
      SELECT 'c', cc.value, cc.customer_id FROM customer_contact cc WHERE cc.value = ANY(${p.contacts}::text[])
      UNION ALL
      -- Name and birth date: one hash join over the customers (per name, the pinyin index would read every namesake).
      SELECT 'n', n.name_pinyin || '|' || to_char(n.birth_date, 'YYYY-MM-DD'), n.id FROM customer n WHERE n.birth_date IS NOT NULL
        AND n.name_pinyin || '|' || to_char(n.birth_date, 'YYYY-MM-DD') IN (SELECT value FROM json_array_elements_text(${JSON.stringify(withBirth)}::json))
      UNION ALL
      SELECT 'n', u.py || '|', n.id FROM unnest(${nameOnly}::text[]) AS u(py)
        CROSS JOIN LATERAL (SELECT n.id FROM customer n WHERE n.name_pinyin = u.py AND NOT n.deleted LIMIT ${p.cap}) n
    ) x JOIN customer c ON c.id = x.customer_id AND NOT c.deleted`.execute(db);
  return r.rows;
}

/** `n` customer numbers from the allocator nextCustomerNo uses (customer_no_seq), in one round trip. */
export async function allocateCustomerNos(db: Db, n: number) {
  if (!n) return [];
  const r = await sql<{ n: string }>`SELECT nextval('customer_no_seq')::text AS n FROM generate_series(1, ${n})`.execute(db);
  return r.rows.map((x) => x.n);
}

export type BulkCustomer = {
  customer_no: string; type_id: number; party: string; name: string; name_pinyin: string; name_initials: string; name_grams: string[];
  gender: string | null; birth_date: string | null; employer: string | null; occupation: string | null; nationality: string | null;
  status: string; org_id: number; manager_id: number | null;
};

export async function insertCustomersBulk(db: Db, rows: BulkCustomer[]) {
  if (!rows.length) return [];
  const r = await sql<{ id: number; customer_no: string }>`
    INSERT INTO customer (customer_no, type_id, party, name, name_pinyin, name_initials, name_grams, gender, birth_date, employer, occupation, nationality, status, org_id, manager_id)
    SELECT customer_no, type_id, party, name, name_pinyin, name_initials, name_grams, gender, birth_date, employer, occupation, nationality, status, org_id, manager_id
    FROM json_to_recordset(${rowsJson(rows)}::json) AS x(customer_no text, type_id int, party text, name text, name_pinyin text, name_initials text, name_grams text[],
      gender text, birth_date date, employer text, occupation text, nationality text, status text, org_id int, manager_id int)
    RETURNING id, customer_no`.execute(db);
  return r.rows;
}

export async function insertManagerHistoryBulk(db: Db, rows: { customer_id: number; to_manager_id: number; reason: string; by_user_id: number | null }[]) {
  if (!rows.length) return;
  await sql`INSERT INTO customer_manager_history (customer_id, from_manager_id, to_manager_id, reason, by_user_id)
    SELECT customer_id, NULL, to_manager_id, reason, by_user_id FROM json_to_recordset(${rowsJson(rows)}::json) AS x(customer_id bigint, to_manager_id int, reason text, by_user_id int)`.execute(db);
}

/** Identities for many customers (the caller skips those held already: one committed meanwhile is a unique violation, and the chunk is retried). */
export async function insertIdentitiesBulk(db: Db, rows: { customer_id: number; id_type: string; id_no: string; is_primary: boolean }[]) {
  if (!rows.length) return;
  await sql`INSERT INTO customer_identity (customer_id, id_type, id_no, is_primary)
    SELECT customer_id, id_type, id_no, is_primary FROM json_to_recordset(${rowsJson(rows)}::json) AS x(customer_id bigint, id_type text, id_no text, is_primary boolean)`.execute(db);
}
export async function insertContactsBulk(db: Db, rows: { customer_id: number; kind: string; value: string; is_primary: boolean }[]) {
  if (!rows.length) return;
  await sql`INSERT INTO customer_contact (customer_id, kind, value, is_primary)
    SELECT customer_id, kind, value, is_primary FROM json_to_recordset(${rowsJson(rows)}::json) AS x(customer_id bigint, kind text, value text, is_primary boolean)`.execute(db);
}
export async function insertAddressesBulk(db: Db, rows: { customer_id: number; kind: string; line: string; is_primary: boolean }[]) {
  if (!rows.length) return;
  await sql`INSERT INTO customer_address (customer_id, kind, line, is_primary)
    SELECT customer_id, kind, line, is_primary FROM json_to_recordset(${rowsJson(rows)}::json) AS x(customer_id bigint, kind text, line text, is_primary boolean)`.execute(db);
}

export async function insertLineageBulk(db: Db, rows: { customer_id: number; field: string; value: string | null; source_code: string; source_record_id: number | null; rule: LineageRule; trust: number; candidates: number }[]) {
  if (!rows.length) return;
  await sql`INSERT INTO customer_field_source (customer_id, field, value, source_code, source_record_id, rule, trust, candidates)
    SELECT * FROM json_to_recordset(${rowsJson(rows)}::json)
      AS x(customer_id bigint, field text, value text, source_code text, source_record_id bigint, rule text, trust int, candidates int)`.execute(db);
}

export async function setRecordResolutions(db: Db, rows: { id: number; customer_id: number; status: 'matched' | 'created' | 'review' }[]) {
  if (!rows.length) return;
  await sql`UPDATE source_record r SET customer_id = x.customer_id, match_status = x.status, match_error = NULL
    FROM json_to_recordset(${rowsJson(rows)}::json) AS x(id bigint, customer_id bigint, status text) WHERE r.id = x.id`.execute(db);
}

export async function replaceMatchKeysBulk(db: Db, recordIds: number[], rows: { key: string; source_record_id: number; customer_id: number }[]) {
  await sql`DELETE FROM match_key WHERE source_record_id = ANY(${recordIds}::bigint[])`.execute(db);
  if (!rows.length) return;
  await sql`INSERT INTO match_key (key, source_record_id, customer_id)
    SELECT key, source_record_id, customer_id FROM json_to_recordset(${rowsJson(rows)}::json) AS x(key text, source_record_id bigint, customer_id bigint)
    ON CONFLICT DO NOTHING`.execute(db);
}

/** upsertAccounts for a chunk (one row per (source system, account no.)). */
export async function upsertAccountsBulk(db: Db, rows: AccountUpsert[]) {
  if (!rows.length) return;
  await sql`INSERT INTO account (customer_id, source_system, account_no, org_id, product_code, currency, status, opened_on, closed_on, balance_fen)
    SELECT * FROM json_to_recordset(${rowsJson(rows)}::json) AS x(customer_id bigint, source_system text, account_no text, org_id int, product_code text,
      currency text, status text, opened_on date, closed_on date, balance_fen bigint)
    ON CONFLICT (source_system, account_no) DO UPDATE SET customer_id = excluded.customer_id, org_id = excluded.org_id, product_code = excluded.product_code,
      currency = excluded.currency, status = excluded.status, opened_on = coalesce(excluded.opened_on, account.opened_on), closed_on = excluded.closed_on, balance_fen = excluded.balance_fen, updated_at = now()`.execute(db);
}

/** refreshAum for many customers in one statement. */
export async function refreshAumBulk(db: Db, customerIds: number[]) {
  if (!customerIds.length) return;
  await sql`UPDATE customer c SET aum_fen = coalesce(s.aum, 0) FROM unnest(${customerIds}::bigint[]) AS x(id)
    LEFT JOIN (SELECT a.customer_id, sum(a.balance_fen) AS aum FROM account a JOIN product p ON p.code = a.product_code
      WHERE a.customer_id = ANY(${customerIds}::bigint[]) AND a.status <> 'closed' AND p.is_asset GROUP BY a.customer_id) s ON s.customer_id = x.id
    WHERE c.id = x.id AND c.aum_fen IS DISTINCT FROM coalesce(s.aum, 0)`.execute(db);
}

/**
 * enqueuePair for many pairs: the responsible manager is the more valuable customer's, priority its AUM; a pair
 * ever queued (or decided) is skipped. Returns the pair keys queued now.
 */
export async function insertReviewsBulk(db: Db, rows: Omit<ReviewInsert, 'priority_fen' | 'manager_id' | 'note'>[]) {
  if (!rows.length) return [];
  const r = await sql<{ pair_key: string }>`
    INSERT INTO match_review (pair_key, customer_a, customer_b, record_a, record_b, origin, score, probability, zone, conflict, explanation, priority_fen, manager_id, created_by)
    SELECT x.pair_key, x.customer_a, x.customer_b, x.record_a, x.record_b, x.origin, x.score, x.probability, x.zone, x.conflict, x.explanation,
      greatest(ca.aum_fen, cb.aum_fen), CASE WHEN ca.aum_fen >= cb.aum_fen THEN coalesce(ca.manager_id, cb.manager_id) ELSE coalesce(cb.manager_id, ca.manager_id) END, x.created_by
    FROM json_to_recordset(${rowsJson(rows)}::json) AS x(pair_key text, customer_a bigint, customer_b bigint, record_a bigint, record_b bigint, origin text,
      score numeric, probability numeric, zone text, conflict text, explanation jsonb, created_by int)
    JOIN customer ca ON ca.id = x.customer_a JOIN customer cb ON cb.id = x.customer_b
    ON CONFLICT (pair_key) DO NOTHING RETURNING pair_key`.execute(db);
  return r.rows.map((x) => x.pair_key);
}

/** lineageOf and profileRowsOf for many customers (the bulk golden record). */
export function lineageOfMany(db: Db, customerIds: number[]) {
  return db.selectFrom('customer_field_source').selectAll().where('customer_id', '=', sql<number>`ANY(${customerIds}::bigint[])`).execute();
}
export async function profileRowsOfMany(db: Db, customerIds: number[]) {
  const r = await sql<{ customer_id: number; t: 'i' | 'c' | 'a'; id: number; kind: string; value: string; is_primary: boolean }>`
    SELECT customer_id, 'i' AS t, id, id_type AS kind, id_no AS value, is_primary FROM customer_identity WHERE customer_id = ANY(${customerIds}::bigint[])
    UNION ALL SELECT customer_id, 'c', id, kind, value, is_primary FROM customer_contact WHERE customer_id = ANY(${customerIds}::bigint[])
    UNION ALL SELECT customer_id, 'a', id, kind, line, is_primary FROM customer_address WHERE customer_id = ANY(${customerIds}::bigint[])
    ORDER BY 1, 2, 3`.execute(db);
  return r.rows;
}

/** Which of these identity numbers some customer holds already, as `type:number`. */
export async function heldIdentities(db: Db, idNos: string[]) {
  if (!idNos.length) return new Set<string>();
  const r = await sql<{ k: string }>`SELECT id_type || ':' || id_no AS k FROM customer_identity WHERE id_no = ANY(${idNos}::text[])`.execute(db);
  return new Set(r.rows.map((x) => x.k));
}

export async function setPrimaryBulk(db: Db, table: 'customer_identity' | 'customer_contact' | 'customer_address', rows: { id: number; is_primary: boolean }[]) {
  if (!rows.length) return;
  await sql`UPDATE ${sql.table(table)} t SET is_primary = x.is_primary FROM json_to_recordset(${rowsJson(rows)}::json) AS x(id bigint, is_primary boolean)
    WHERE t.id = x.id`.execute(db);
}

/** The golden scalars of many customers (updateCustomerColumns for each, in one statement). */
export async function updateCustomerScalarsBulk(db: Db, rows: { id: number; name: string; name_pinyin: string; name_initials: string; name_grams: string[];
  gender: string | null; birth_date: string | null; employer: string | null; occupation: string | null; nationality: string | null }[]) {
  if (!rows.length) return;
  await sql`UPDATE customer c SET name = x.name, name_pinyin = x.name_pinyin, name_initials = x.name_initials, name_grams = x.name_grams, gender = x.gender,
      birth_date = x.birth_date, employer = x.employer, occupation = x.occupation, nationality = x.nationality, updated_at = now(), version = c.version + 1
    FROM json_to_recordset(${rowsJson(rows)}::json) AS x(id bigint, name text, name_pinyin text, name_initials text, name_grams text[], gender text,
      birth_date date, employer text, occupation text, nationality text)
    WHERE c.id = x.id`.execute(db);
}

export async function deleteLineageOf(db: Db, customerIds: number[]) {
  if (customerIds.length) await sql`DELETE FROM customer_field_source WHERE customer_id = ANY(${customerIds}::bigint[])`.execute(db);
}

// ---------------------------------------------------------------- detaching a source record from its customer

/** The record's accounts (by its source and the account numbers it lists) that sit on `from` go to `to`, daily balances too; how many. */
export async function moveRecordAccounts(db: Db, recordId: number, from: number, to: number) {
  const r = await sql<{ id: number }>`WITH listed AS (
      SELECT r.source_code, a->>'accountNo' AS account_no FROM source_record r
        CROSS JOIN LATERAL jsonb_array_elements(CASE WHEN jsonb_typeof(r.accounts) = 'array' THEN r.accounts ELSE '[]'::jsonb END) a
       WHERE r.id = ${recordId})
    UPDATE account t SET customer_id = ${to}, updated_at = now() FROM listed l
     WHERE t.customer_id = ${from} AND t.source_system = l.source_code AND t.account_no = l.account_no
    RETURNING t.id`.execute(db);
  const ids = r.rows.map((x) => x.id);
  if (ids.length) await sql`UPDATE account_balance_daily SET customer_id = ${to} WHERE account_id = ANY(${ids}::bigint[]) AND customer_id = ${from}`.execute(db);
  return ids.length;
}

/** The record's lineage rows (fields the golden record took from it) on a customer go: survivorship chooses them again. */
export async function deleteLineageOfRecord(db: Db, customerId: number, recordId: number) {
  await db.deleteFrom('customer_field_source').where('customer_id', '=', customerId).where('source_record_id', '=', recordId).execute();
}

export async function insertDetach(db: Db, row: { source_record_id: number; from_customer_id: number; to_customer_id: number; created_customer: boolean; review_id: number | null; accounts: number; reason: string; detached_by: number | null }) {
  return (await db.insertInto('record_detach').values(row).returning('id').executeTakeFirstOrThrow()).id;
}

/** A customer's detaches (records detached from it, or into it), for users who see either customer: the other one named only within their scope. */
export function listDetaches(db: Db, scope: ScopeSubject, customerId: number | null, limit: number) {
  let q = db.selectFrom('record_detach as d')
    .innerJoin('customer as f', 'f.id', 'd.from_customer_id').innerJoin('customer as t', 't.id', 'd.to_customer_id')
    .innerJoin('source_record as r', 'r.id', 'd.source_record_id').leftJoin('app_user as u', 'u.id', 'd.detached_by')
    .where(({ or }) => or([customerScope(scope, 'f'), customerScope(scope, 't')]))
    .select(['d.id', 'd.reason', 'd.detached_at', 'd.created_customer', 'd.accounts', 'd.source_record_id', 'r.source_code', 'r.record_key', 'u.display_name as detached_by_name'])
    .select(() => {
      const seenF = sql<boolean>`${customerScope(scope, 'f')}`;
      const seenT = sql<boolean>`${customerScope(scope, 't')}`;
      return [
        sql<string | null>`CASE WHEN ${seenF} THEN f.customer_no END`.as('from_no'), sql<string | null>`CASE WHEN ${seenF} THEN f.name END`.as('from_name'),
        sql<string | null>`CASE WHEN ${seenT} THEN t.customer_no END`.as('to_no'), sql<string | null>`CASE WHEN ${seenT} THEN t.name END`.as('to_name'),
      ];
    });
  if (customerId) q = q.where(({ or, eb }) => or([eb('d.from_customer_id', '=', customerId), eb('d.to_customer_id', '=', customerId)]));
  return q.orderBy('d.id', 'desc').limit(limit).execute();
}
