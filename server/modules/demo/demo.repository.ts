/** SQL of the demo-bank loader: one connection, one transaction, bulk rows through COPY. */
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Kysely, PostgresDialect, sql, type PostgresPool } from 'kysely';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { Database, Db } from '../../db/database.ts';
import type { DemoBatch, ProductRule } from '../../../engines/demo/index.ts';

/** A Kysely bound to one client; with `signal`, it sends no statement once the signal is aborted. */
function boundTo(client: pg.PoolClient, signal?: AbortSignal): Db {
  const query = (...args: unknown[]) => {
    signal?.throwIfAborted();
    return (client.query as (...a: unknown[]) => unknown).apply(client, args);
  };
  const single: PostgresPool = { connect: async () => ({ query: query as never, release: () => {} }), end: async () => {} };
  return new Kysely<Database>({ dialect: new PostgresDialect({ pool: single }) });
}

/**
 * Cancels the statement `client` is running once `signal` aborts (pg_cancel_backend, over a connection of its own:
 * the pool may be closing by then), and again every second until the returned stop is called, in case the first
 * cancel reached the server between two statements. Returns the stop.
 */
async function cancelOnAbort(pool: pg.Pool, client: pg.PoolClient, signal?: AbortSignal): Promise<() => void> {
  if (!signal) return () => {};
  const pid = (await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
  let timer: NodeJS.Timeout | undefined;
  const cancel = () => {
    const c = new pg.Client(pool.options);
    c.on('error', () => {});
    void c.connect().then(() => c.query('SELECT pg_cancel_backend($1)', [pid])).catch(() => {}).finally(() => c.end().catch(() => {}));
  };
  const onAbort = () => {
    cancel();
    timer = setInterval(cancel, 1000);
  };
  signal.addEventListener('abort', onAbort, { once: true });
  return () => {
    signal.removeEventListener('abort', onAbort);
    clearInterval(timer);
  };
}

/**
 * Runs `fn` in one transaction on one pooled connection, handing it both the raw client (for COPY,
 * which Kysely cannot do) and a Kysely bound to that same connection, so everything commits or
 * rolls back together. Once `signal` aborts, the running statement is cancelled, no further one is
 * sent and the transaction rolls back; `onCommit` is called just before COMMIT is sent, after which
 * the signal no longer stops it.
 */
export async function inLoadTransaction<T>(
  pool: pg.Pool, fn: (client: pg.PoolClient, trx: Db) => Promise<T>, opts: { signal?: AbortSignal; onCommit?: () => void } = {},
): Promise<T> {
  const { signal } = opts;
  signal?.throwIfAborted();
  const client = await pool.connect();
  const trx = boundTo(client, signal);
  let stop = () => {};
  try {
    stop = await cancelOnAbort(pool, client, signal);
    await client.query('BEGIN');
    const result = await fn(client, trx);
    signal?.throwIfAborted();
    stop();
    opts.onCommit?.();
    await client.query('COMMIT');
    return result;
  } catch (err) {
    stop();
    await client.query('ROLLBACK').catch(() => {});
    throw signal?.aborted ? signal.reason : err;
  } finally {
    stop();
    await trx.destroy();
    client.release();
  }
}

/** Holds off other writers of customers until the load commits; readers carry on. */
export async function lockCustomers(trx: Db): Promise<void> {
  await sql`LOCK TABLE customer IN EXCLUSIVE MODE`.execute(trx);
}

export async function countCustomers(trx: Db): Promise<number> {
  const r = await sql<{ n: number }>`SELECT count(*)::int AS n FROM customer`.execute(trx);
  return r.rows[0]!.n;
}

export async function listUsernames(trx: Db): Promise<string[]> {
  return (await trx.selectFrom('app_user').select('username').orderBy('username').execute()).map((r) => r.username);
}

export async function findOrgsByCode(trx: Db, codes: string[]) {
  return trx.selectFrom('org_unit').select(['id', 'code', 'path', 'parent_id']).where('code', 'in', codes).execute();
}

export async function getHeadOffice(trx: Db) {
  return trx.selectFrom('org_unit').select(['id', 'code', 'path']).where('parent_id', 'is', null).orderBy('id').executeTakeFirst();
}

/** Inserts an org unit whose materialised path ends in its own id, in one statement. */
export async function insertOrg(trx: Db, o: { parentId: number | null; parentPath: string; code: string; name: string; nameEn: string; kind: string }) {
  const r = await sql<{ id: number; path: string }>`
    WITH n AS (SELECT nextval(pg_get_serial_sequence('org_unit', 'id'))::int AS id)
    INSERT INTO org_unit (id, parent_id, code, name, name_en, kind, path)
    SELECT n.id, ${o.parentId}, ${o.code}, ${o.name}, ${o.nameEn}, ${o.kind}, ${o.parentPath} || n.id || '/' FROM n
    RETURNING id, path`.execute(trx);
  return r.rows[0]!;
}

export async function roleIds(trx: Db): Promise<Map<string, number>> {
  return new Map((await trx.selectFrom('role').select(['id', 'code']).execute()).map((r) => [r.code, r.id]));
}

export async function insertUsers(
  trx: Db,
  rows: { username: string; display_name: string; password_hash: string; org_id: number; role_id: number; manager_level: 'junior' | 'intermediate' | 'senior' | null; email: string; mobile: string }[],
) {
  return trx.insertInto('app_user').values(rows).returning(['id', 'username']).execute();
}

export async function customerTypeIds(trx: Db): Promise<Record<string, number>> {
  return Object.fromEntries((await trx.selectFrom('customer_type').select(['id', 'code']).execute()).map((r) => [r.code, r.id]));
}

export async function levelThresholds(trx: Db) {
  return (await trx.selectFrom('customer_level').select(['code', 'min_aum_fen']).orderBy('rank').execute()).map((l) => ({ code: l.code, minAumFen: Number(l.min_aum_fen) }));
}

export async function assetProducts(trx: Db): Promise<Set<string>> {
  return new Set((await trx.selectFrom('product').select('code').where('is_asset', '=', true).execute()).map((r) => r.code));
}

/** The product catalogue's rules the demo's accounts keep to: minimum amounts and launch dates. */
export async function productRules(trx: Db): Promise<ProductRule[]> {
  const r = await sql<{ code: string; category: string; is_asset: boolean; min_amount_fen: number | null; term_days: number | null; launch_on: string | null; retire_on: string | null }>`
    SELECT code, category, is_asset, min_amount_fen, term_days, launch_on::text AS launch_on, retire_on::text AS retire_on FROM product ORDER BY code`.execute(trx);
  return r.rows.map((p) => ({
    code: p.code, category: p.category, isAsset: p.is_asset, minAmountFen: p.min_amount_fen === null ? null : Number(p.min_amount_fen),
    termDays: p.term_days, launchOn: p.launch_on, retireOn: p.retire_on,
  }));
}

/** The next value each key would take: tables are empty on a first load, but never assume it. */
export async function nextIds(trx: Db) {
  const r = await sql<Record<string, number>>`
    SELECT (SELECT coalesce(max(id), 0) + 1 FROM customer)::bigint AS customer,
           (SELECT coalesce(max(id), 0) + 1 FROM customer_identity)::bigint AS identity,
           (SELECT coalesce(max(id), 0) + 1 FROM customer_contact)::bigint AS contact,
           (SELECT coalesce(max(id), 0) + 1 FROM customer_address)::bigint AS address,
           (SELECT coalesce(max(id), 0) + 1 FROM customer_relation)::bigint AS relation,
           (SELECT coalesce(max(id), 0) + 1 FROM customer_key_person)::bigint AS "keyPerson",
           (SELECT coalesce(max(id), 0) + 1 FROM account)::bigint AS account,
           (SELECT CASE WHEN is_called THEN last_value + 1 ELSE last_value END FROM customer_no_seq) AS "customerNo"`.execute(trx);
  return r.rows[0] as { customer: number; identity: number; contact: number; address: number; relation: number; keyPerson: number; account: number; customerNo: number };
}

/** Moves every bigserial sequence (and customer_no_seq) past the explicit keys the load used. */
export async function advanceSequences(trx: Db): Promise<void> {
  for (const table of ['customer', 'customer_identity', 'customer_contact', 'customer_address', 'customer_relation', 'customer_key_person', 'account']) {
    await sql`SELECT setval(pg_get_serial_sequence(${table}, 'id'), max(id)) FROM ${sql.table(table)} HAVING max(id) IS NOT NULL`.execute(trx);
  }
  await sql`SELECT setval('customer_no_seq', max(customer_no::bigint)) FROM customer HAVING max(customer_no::bigint) IS NOT NULL`.execute(trx);
}

export const BULK_TABLES = [
  'customer', 'customer_identity', 'customer_contact', 'customer_address', 'customer_channel_pref', 'customer_relation',
  'customer_key_person', 'account', 'account_balance_daily',
] as const;

export type IndexDef = { name: string; definition: string };

/**
 * Secondary indexes of the bulk tables, i.e. those that back no constraint (primary keys and
 * unique constraints stay: they guard the load itself).
 */
export async function listSecondaryIndexes(trx: Db): Promise<IndexDef[]> {
  const r = await sql<IndexDef>`
    SELECT i.indexname AS name, i.indexdef AS definition
    FROM pg_indexes i
    JOIN pg_class c ON c.relname = i.indexname
    JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = i.schemaname
    WHERE i.schemaname = current_schema() AND i.tablename = ANY(${[...BULK_TABLES]})
      AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = c.oid)
    ORDER BY i.tablename, i.indexname`.execute(trx);
  return r.rows;
}

export async function dropIndexes(trx: Db, defs: IndexDef[]): Promise<void> {
  for (const d of defs) await sql`DROP INDEX ${sql.id(d.name)}`.execute(trx);
}

export async function createIndexes(trx: Db, defs: IndexDef[]): Promise<void> {
  // More sort memory makes the rebuild of a million-row GIN index several times faster.
  await sql`SET LOCAL maintenance_work_mem = '256MB'`.execute(trx);
  for (const d of defs) await sql.raw(d.definition).execute(trx);
}

export type ForeignKeyDef = { table: string; name: string; definition: string };

/** Foreign keys of the bulk tables: each checks (and row-locks) its parent for every row copied. */
export async function listForeignKeys(trx: Db): Promise<ForeignKeyDef[]> {
  const r = await sql<ForeignKeyDef>`
    SELECT t.relname AS table, k.conname AS name, pg_get_constraintdef(k.oid) AS definition
    FROM pg_constraint k
    JOIN pg_class t ON t.oid = k.conrelid
    JOIN pg_namespace n ON n.oid = t.relnamespace
    WHERE k.contype = 'f' AND n.nspname = current_schema() AND t.relname = ANY(${[...BULK_TABLES]})
    ORDER BY t.relname, k.conname`.execute(trx);
  return r.rows;
}

export async function dropForeignKeys(trx: Db, defs: ForeignKeyDef[]): Promise<void> {
  for (const d of defs) await sql`ALTER TABLE ${sql.table(d.table)} DROP CONSTRAINT ${sql.id(d.name)}`.execute(trx);
}

/** Re-adds them; PostgreSQL validates each over the whole table in one join, far cheaper than row by row. */
export async function addForeignKeys(trx: Db, defs: ForeignKeyDef[]): Promise<void> {
  for (const d of defs) await sql`ALTER TABLE ${sql.table(d.table)} ADD CONSTRAINT ${sql.id(d.name)} ${sql.raw(d.definition)}`.execute(trx);
}

/**
 * Vacuums and analyzes the loaded tables: fresh statistics for the planner, and a visibility map that marks every
 * page all-visible, without which an index-only scan reads the table's rows after all (a search by pinyin initials
 * counted its matches in 5 ms instead of 0.3 ms on a million customers). Autovacuum would get there in time, where it
 * is on at all; a bulk load should not leave the first users to pay for it.
 */
export async function vacuumAnalyze(pool: pg.Pool, signal?: AbortSignal): Promise<void> {
  signal?.throwIfAborted();
  const client = await pool.connect();
  const conn = boundTo(client, signal);
  let stop = () => {};
  try {
    stop = await cancelOnAbort(pool, client, signal);
    for (const t of BULK_TABLES) await sql`VACUUM (ANALYZE) ${sql.table(t)}`.execute(conn);
  } catch (err) {
    throw signal?.aborted ? signal.reason : err;
  } finally {
    stop();
    await conn.destroy();
    client.release();
  }
}

// ---------------------------------------------------------------------------------------------
// COPY text format (https://www.postgresql.org/docs/current/sql-copy.html#id-1.9.3.55.9.2)

type Columns<R> = readonly (keyof R & string)[];
type Rows<K extends keyof DemoBatch> = DemoBatch[K] extends (infer R)[] ? R : never;

/** Which table each part of a batch goes to, and its columns in COPY order. */
export const COPY_TARGETS: { [K in Exclude<keyof DemoBatch, 'done'>]: { table: (typeof BULK_TABLES)[number]; columns: Columns<Rows<K>> } } = {
  customers: {
    table: 'customer',
    columns: ['id', 'customer_no', 'type_id', 'party', 'name', 'name_en', 'name_pinyin', 'name_initials', 'name_grams', 'gender', 'birth_date',
      'nationality', 'occupation', 'employer', 'industry', 'status', 'level_code', 'org_id', 'manager_id', 'risk_tolerance', 'attributes',
      'aum_fen', 'created_at', 'updated_at'],
  },
  identities: { table: 'customer_identity', columns: ['id', 'customer_id', 'id_type', 'id_no', 'country', 'issued_on', 'expires_on', 'is_primary'] },
  contacts: { table: 'customer_contact', columns: ['id', 'customer_id', 'kind', 'value', 'is_primary', 'verified'] },
  addresses: { table: 'customer_address', columns: ['id', 'customer_id', 'kind', 'province', 'city', 'district', 'line', 'postcode', 'is_primary'] },
  channelPrefs: { table: 'customer_channel_pref', columns: ['customer_id', 'channel', 'allowed', 'marketing_consent'] },
  relations: { table: 'customer_relation', columns: ['id', 'customer_id', 'related_id', 'type_code', 'note'] },
  keyPersons: { table: 'customer_key_person', columns: ['id', 'customer_id', 'role', 'name', 'id_type', 'id_no', 'mobile', 'share_pct', 'person_customer_id'] },
  accounts: {
    table: 'account',
    columns: ['id', 'customer_id', 'source_system', 'account_no', 'org_id', 'product_code', 'currency', 'status', 'opened_on', 'closed_on', 'balance_fen', 'maturity_on'],
  },
  balances: { table: 'account_balance_daily', columns: ['account_id', 'customer_id', 'as_of', 'balance_fen'] },
};

/** Parents before children, so foreign keys hold at every step. */
export const COPY_ORDER = ['customers', 'identities', 'contacts', 'addresses', 'channelPrefs', 'relations', 'keyPersons', 'accounts', 'balances'] as const;

const SPECIAL = /[\\\t\n\r]/;

function escapeText(s: string): string {
  if (!SPECIAL.test(s)) return s;
  return s.replace(/[\\\t\n\r]/g, (c) => (c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : '\\r'));
}

const ARRAY_SPECIAL = /[\\"]/;

/** An array literal ({"a","b"}) with every element quoted, so commas, braces and NULL-lookalikes are safe. */
function arrayLiteral(xs: readonly unknown[]): string {
  let out = '{';
  for (let i = 0; i < xs.length; i++) {
    const x = xs[i];
    if (i) out += ',';
    if (x === null || x === undefined) out += 'NULL';
    else {
      const v = String(x);
      out += `"${ARRAY_SPECIAL.test(v) ? v.replace(/[\\"]/g, '\\$&') : v}"`;
    }
  }
  return `${out}}`;
}

/** One value in COPY text format: \N for NULL, t/f, arrays and JSON as their text forms, escaped. */
export function copyField(v: unknown): string {
  if (v === null || v === undefined) return '\\N';
  switch (typeof v) {
    case 'number':
      return String(v);
    case 'boolean':
      return v ? 't' : 'f';
    case 'string':
      return escapeText(v);
    default:
      return escapeText(Array.isArray(v) ? arrayLiteral(v) : JSON.stringify(v));
  }
}

/** Rows as COPY text: fields separated by tabs, one row per line. */
export function toCopyText<R>(rows: readonly R[], columns: Columns<R>): string {
  const lines = new Array<string>(rows.length);
  for (let j = 0; j < rows.length; j++) {
    const r = rows[j]!;
    let line = copyField(r[columns[0]!]);
    for (let i = 1; i < columns.length; i++) line += `\t${copyField(r[columns[i]!])}`;
    lines[j] = line;
  }
  return rows.length ? `${lines.join('\n')}\n` : '';
}

/** Streams COPY text (UTF-8) into a table. */
export async function copyText(client: pg.PoolClient, table: string, columns: readonly string[], text: Uint8Array): Promise<void> {
  if (!text.length) return;
  const stream = client.query(copyFrom(`COPY ${table} (${columns.join(', ')}) FROM STDIN`));
  await pipeline(Readable.from([Buffer.from(text.buffer, text.byteOffset, text.length)]), stream);
}
