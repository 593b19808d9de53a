import { createHash } from 'node:crypto';
import { Kysely, PostgresDialect, type ColumnType, type Generated } from 'kysely';
import pg from 'pg';
import Cursor from 'pg-cursor';
import type { IntegrationTables } from '../modules/integration/integration.table.ts';
import type { InterfacesTables } from '../modules/interfaces/interfaces.table.ts';
import type { EngagementTables } from '../modules/engagement/engagement.table.ts';
import type { ManagersTables } from '../modules/managers/managers.table.ts';
import type { ProductsTables } from '../modules/products/products.table.ts';
import type { ServiceTables } from '../modules/service/service.table.ts';
import type { WorkplaceTables } from '../modules/workplace/workplace.table.ts';

// bigint ids come back as strings by default; our ids stay well inside 2^53, so read them as numbers.
pg.types.setTypeParser(20, (v) => Number(v));
// Dates stay plain YYYY-MM-DD strings, never shifted by the server's time zone.
pg.types.setTypeParser(1082, (v) => v);

/** A timestamptz column: read as Date, written as Date or ISO text. Module tables use it too. */
export type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;

export type OrgUnitTable = {
  id: Generated<number>;
  parent_id: number | null;
  code: string;
  name: string;
  name_en: Generated<string>;
  kind: 'head' | 'branch' | 'subbranch' | 'department';
  path: string;
  created_at: Timestamp;
};

export type RoleTable = {
  id: Generated<number>;
  code: string;
  name: string;
  name_en: string;
  data_scope: 'own' | 'org' | 'subtree' | 'all';
  permissions: string[];
  builtin: Generated<boolean>;
};

export type AppUserTable = {
  id: Generated<number>;
  username: string;
  display_name: string;
  password_hash: string;
  org_id: number;
  role_id: number;
  status: Generated<'active' | 'disabled'>;
  manager_level: 'junior' | 'intermediate' | 'senior' | null;
  email: string | null;
  mobile: string | null;
  failed_logins: Generated<number>;
  locked_until: Date | null;
  password_changed_at: Timestamp;
  /** Set by an administrator's reset or a new account's admin-set password: the user must choose their own (0030). */
  must_change_password: Generated<boolean>;
  created_at: Timestamp;
  updated_at: Timestamp;
};

export type SessionTable = {
  id_hash: string;
  user_id: number;
  created_at: Timestamp;
  expires_at: Timestamp;
  ip: string | null;
  user_agent: string | null;
};

export type ApiTokenTable = {
  id: Generated<number>;
  user_id: number;
  name: string;
  token_hash: string;
  prefix: string;
  created_at: Timestamp;
  expires_at: Date | null;
  last_used_at: Date | null;
  revoked_at: Date | null;
};

export type ParameterTable = { key: string; value: unknown; description: Generated<string>; updated_at: Timestamp };

export type AuditLogTable = {
  id: Generated<number>;
  chain: number;
  seq: number;
  at: Timestamp;
  actor_id: number | null;
  actor_name: string;
  action: string;
  entity: string;
  entity_id: string | null;
  customer_id: number | null;
  fields: string[];
  changes: unknown;
  ip: string | null;
  prev_hash: Buffer;
  hash: Buffer;
};

export type CustomerTypeTable = {
  id: Generated<number>;
  code: string;
  parent_id: number | null;
  party: 'person' | 'organization';
  name: string;
  name_en: string;
  attribute_schema: unknown;
};

export type CustomerLevelTable = { code: string; name: string; name_en: string; rank: number; min_aum_fen: number };

export type CustomerStatus = 'potential' | 'active' | 'dormant' | 'churned';

export type CustomerTable = {
  id: Generated<number>;
  customer_no: string;
  type_id: number;
  party: 'person' | 'organization';
  name: string;
  name_en: string | null;
  name_pinyin: string;
  name_initials: string;
  name_grams: string[];
  gender: 'M' | 'F' | null;
  birth_date: string | null;
  nationality: string | null;
  occupation: string | null;
  employer: string | null;
  industry: string | null;
  status: CustomerStatus;
  level_code: string | null;
  org_id: number;
  manager_id: number | null;
  risk_tolerance: 'C1' | 'C2' | 'C3' | 'C4' | 'C5' | null;
  attributes: unknown;
  aum_fen: Generated<number>;
  remarks: string | null;
  deleted: Generated<boolean>;
  deleted_at: Date | null;
  version: Generated<number>;
  created_at: Timestamp;
  updated_at: Timestamp;
};

export type IdType = 'resident_id' | 'uscc' | 'passport' | 'hk_macao_permit' | 'taiwan_permit' | 'foreign_permanent' | 'business_license' | 'other';

export type CustomerIdentityTable = {
  id: Generated<number>;
  customer_id: number;
  id_type: IdType;
  id_no: string;
  country: string | null;
  issued_on: string | null;
  expires_on: string | null;
  is_primary: boolean;
  created_at: Timestamp;
};

export type ContactKind = 'mobile' | 'phone' | 'email' | 'fax' | 'wechat';
export type CustomerContactTable = {
  id: Generated<number>;
  customer_id: number;
  kind: ContactKind;
  value: string;
  is_primary: boolean;
  verified: Generated<boolean>;
  created_at: Timestamp;
};

export type AddressKind = 'home' | 'work' | 'registered' | 'mailing' | 'business';
export type CustomerAddressTable = {
  id: Generated<number>;
  customer_id: number;
  kind: AddressKind;
  province: string | null;
  city: string | null;
  district: string | null;
  line: string;
  postcode: string | null;
  is_primary: boolean;
  created_at: Timestamp;
};

export type Channel = 'phone' | 'sms' | 'email' | 'mail' | 'wechat' | 'visit';
export type CustomerChannelPrefTable = {
  customer_id: number;
  channel: Channel;
  allowed: boolean;
  marketing_consent: boolean;
  updated_at: Timestamp;
};

export type RelationTypeTable = { code: string; name: string; name_en: string; inverse_name: string; inverse_name_en: string };

export type CustomerRelationTable = {
  id: Generated<number>;
  customer_id: number;
  related_id: number;
  type_code: string;
  note: string | null;
  created_at: Timestamp;
  ended_at: Date | null;
};

export type KeyPersonRole = 'legal_rep' | 'actual_controller' | 'executive' | 'finance_head' | 'shareholder' | 'contact';
export type CustomerKeyPersonTable = {
  id: Generated<number>;
  customer_id: number;
  role: KeyPersonRole;
  name: string;
  id_type: string | null;
  id_no: string | null;
  mobile: string | null;
  share_pct: string | null;
  person_customer_id: number | null;
  created_at: Timestamp;
};

export type CustomerManagerHistoryTable = {
  id: Generated<number>;
  customer_id: number;
  from_manager_id: number | null;
  to_manager_id: number | null;
  reason: string;
  by_user_id: number | null;
  at: Timestamp;
};

export type SourceSystemTable = { code: string; name: string; name_en: string };
export type ProductCategory = 'deposit' | 'loan' | 'card' | 'wealth' | 'fund' | 'insurance' | 'other';
export type ProductTable = {
  code: string;
  name: string;
  name_en: string;
  category: ProductCategory;
  risk_rating: 'R1' | 'R2' | 'R3' | 'R4' | 'R5' | null;
  is_asset: boolean;
};

export type AccountTable = {
  id: Generated<number>;
  customer_id: number;
  source_system: string;
  account_no: string;
  org_id: number;
  product_code: string;
  currency: Generated<string>;
  status: Generated<'active' | 'dormant' | 'frozen' | 'closed'>;
  opened_on: string | null;
  closed_on: string | null;
  balance_fen: number;
  updated_at: Timestamp;
};

export type AccountBalanceDailyTable = { account_id: number; customer_id: number; as_of: string; balance_fen: number };

/** The foundation's tables (migrations 0001–0002); each later module declares its own in `<domain>.table.ts`. */
export type FoundationTables = {
  org_unit: OrgUnitTable;
  role: RoleTable;
  app_user: AppUserTable;
  session: SessionTable;
  api_token: ApiTokenTable;
  parameter: ParameterTable;
  audit_log: AuditLogTable;
  audit_chain_head: { chain: number; last_seq: number; last_hash: Buffer; prev_hash: Buffer | null };
  customer_type: CustomerTypeTable;
  customer_level: CustomerLevelTable;
  customer: CustomerTable;
  customer_identity: CustomerIdentityTable;
  customer_contact: CustomerContactTable;
  customer_address: CustomerAddressTable;
  customer_channel_pref: CustomerChannelPrefTable;
  relation_type: RelationTypeTable;
  customer_relation: CustomerRelationTable;
  customer_key_person: CustomerKeyPersonTable;
  customer_manager_history: CustomerManagerHistoryTable;
  source_system: SourceSystemTable;
  product: ProductTable;
  account: AccountTable;
  account_balance_daily: AccountBalanceDailyTable;
};

export type Database = FoundationTables & EngagementTables & ProductsTables & ManagersTables & ServiceTables & WorkplaceTables & InterfacesTables & IntegrationTables;

export type Db = Kysely<Database>;

/**
 * Marks a hot statement for a server-side prepared statement: SQL that starts with `prepared('name')` is sent as a
 * named statement, so PostgreSQL plans it once per connection instead of on every call (the 360° view's planning
 * costs several times its execution). One name, one SQL text. Without a name, the statement is named after its text:
 * for a statement built in several shapes (a search by some filters), each shape is its own prepared statement.
 * @example sql`${sql.raw(prepared('view360_all'))} SELECT …`
 */
export const prepared = (name: string = BY_TEXT) => `/*prepare:${name}*/`;
const BY_TEXT = '*';
const PREPARED = /^\/\*prepare:([\w.*-]+)\*\//;
const statementName = (name: string, text: string) => (name === BY_TEXT ? `t.${createHash('sha1').update(text).digest('base64url')}` : name);

/**
 * Session settings of every pooled connection. The app's statements are short index reads and writes:
 * JIT compilation (on above a plan cost the bigger read models reach) took 210 ms of the workbench's
 * 275 ms, and parallel workers, started per statement, cost more than the short scans they split.
 * A prepared statement (`prepared`) keeps its generic plan: left to choose, PostgreSQL planned a search afresh at
 * every call (1–1.4 ms, more than running it) because its generic plan's estimate came out dearer. Statements sent
 * without a name are planned for their values as before.
 */
const SESSION_OPTIONS = '-c jit=off -c max_parallel_workers_per_gather=0 -c plan_cache_mode=force_generic_plan';

/**
 * A pool of at most `max` connections. `keep`: a connection once opened stays open (a server's pool); otherwise one
 * idle for 10 s is closed (a command's, which then exits). A server's pool that shrank while the load was light paid for
 * each new connection at the next burst (a backend started, its caches filled, its statements planned again) while
 * requests queued behind it: the 360° view at half the machine's capacity had p50 6 ms but p99 360 ms.
 */
export function createDb(url: string, max = 20, keep = false): { db: Db; pool: pg.Pool } {
  const pool = new pg.Pool({ connectionString: url, max, options: SESSION_OPTIONS, ...(keep ? { idleTimeoutMillis: 0 } : {}) });
  pool.on('error', () => {
    /* an idle client lost its connection; the pool replaces it */
  });
  pool.on('connect', (client) => {
    const query = client.query.bind(client) as (...args: unknown[]) => unknown;
    (client as { query: unknown }).query = (text: unknown, ...rest: unknown[]) => {
      const name = typeof text === 'string' ? PREPARED.exec(text)?.[1] : undefined;
      return name ? query({ name: statementName(name, text as string), text, values: rest[0] }, ...rest.slice(1)) : query(text, ...rest);
    };
  });
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool, cursor: Cursor }) });
  pools.set(db, pool);
  return { db, pool };
}

const pools = new WeakMap<Db, pg.Pool>();

/**
 * Runs `fn` on one connection, taken from the pool before `fn` builds its statements (inside a transaction, on it).
 * A hot read builds its statement this way: under load a request waits for a free connection longer than V8's young
 * generation keeps objects, and a statement compiled before the wait (the 360° view's is some 6 kB of text and its
 * tree) was promoted to the old generation, whose collections pause the whole server.
 */
export const onConnection = <T>(db: Db, fn: (conn: Db) => Promise<T>): Promise<T> => (db.isTransaction ? fn(db) : db.connection().execute(fn));

/**
 * Opens `size` connections of a server's pool and runs `statements` on each (prepared ones are planned there). A new
 * connection plans on cold catalog caches (the 360° view's first plan took 28 ms, its later runs 0.5 ms): a server
 * started under load, its pool opening and planning as requests came, answered with a p99 of 1–2 s for its first
 * 5–8 seconds. A statement that fails here only costs its warm-up.
 */
export async function warmPool(pool: pg.Pool, size: number, statements: { sql: string; parameters: readonly unknown[] }[]): Promise<void> {
  const clients = await Promise.all(Array.from({ length: size }, () => pool.connect()));
  await Promise.all(clients.map(async (c) => {
    try {
      for (const s of statements) await c.query(s.sql, [...s.parameters]).catch(() => {});
    } finally {
      c.release();
    }
  }));
}

/** The pool a Db was created on (work that needs one raw connection of its own, e.g. COPY). */
export const poolOf = (db: Db): pg.Pool | undefined => pools.get(db);
