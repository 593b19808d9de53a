import { sql, type Expression, type SqlBool } from 'kysely';
import { prepared, type Db, type CustomerKeyPersonTable, type CustomerTable, type IdType } from '../../db/database.ts';
import { customerScope, type ScopeSubject } from '../../platform/scope.ts';

export type SearchFilter = {
  /** A name or part of one: its grams, a LIKE pattern, and the whole query in lower case (for exactFirst). */
  text?: { grams: string[]; like: string; exact?: string } | null;
  letters?: string | null;
  customerNo?: string | null;
  /** The first digits of a customer number (fewer than its nine). */
  customerNoPrefix?: string | null;
  mobile?: string | null;
  idNo?: string | null;
  status?: string;
  levelCode?: string;
  typeCode?: string;
  party?: string;
  managerId?: number;
  orgId?: number;
  /** Deleted customers instead of the living. */
  deleted?: boolean;
  sort: 'customerNo' | 'name' | 'createdAt' | 'aum';
  /** Customers named exactly `text.exact` before the others (the list's default order for a name searched). */
  exactFirst?: boolean;
  order: 'asc' | 'desc';
  limit: number;
  offset: number;
};

const SORT_COLUMN = { customerNo: 'c.customer_no', name: 'c.name_pinyin', createdAt: 'c.created_at', aum: 'c.aum_fen' } as const;

/**
 * Counting stops here: past it the list says "1,000+" (as CRM list views do) rather than reading every
 * match of a common name or initials (ly: 26,000 customers of a million) to count them.
 */
export const COUNT_CAP = 1000;

/** `col` starts with `letters`, as a range of its text_pattern_ops index (a bound parameter, where LIKE's pattern is planned per value). */
function startsWith(col: string, letters: string): Expression<SqlBool> {
  const next = letters.slice(0, -1) + String.fromCharCode(letters.charCodeAt(letters.length - 1) + 1);
  return sql<boolean>`(${sql.ref(col)} ~>=~ ${letters} AND ${sql.ref(col)} ~<~ ${next})`;
}

function searchQuery(db: Db, scope: ScopeSubject, f: SearchFilter) {
  let q = db
    .selectFrom('customer as c')
    // A literal, not a parameter: the partial indexes (WHERE NOT deleted) then serve the statement's generic plan too.
    .where(f.deleted ? sql<boolean>`c.deleted` : sql<boolean>`NOT c.deleted`)
    .where(customerScope(scope, 'c'));
  const any: Expression<SqlBool>[] = [];
  if (f.customerNo) {
    any.push(sql<boolean>`c.customer_no = ${f.customerNo}`);
    // A merged-away number finds its survivor (integration's aliases).
    any.push(sql<boolean>`c.id = ANY(ARRAY(SELECT survivor_id FROM customer_alias WHERE customer_no = ${f.customerNo}))`);
  }
  // Customer numbers are nine digits: those starting with the prefix are one range of their unique index.
  if (f.customerNoPrefix) any.push(sql<boolean>`c.customer_no BETWEEN ${f.customerNoPrefix.padEnd(9, '0')} AND ${f.customerNoPrefix.padEnd(9, '9')}`);
  // Lookups by contact or identity are `= ANY(ARRAY(…))`: an array computed once (an InitPlan) joins the other arms in
  // a BitmapOr of index scans, where `IN (SELECT …)` inside an OR became a filter over every customer (~750 ms at 1M).
  if (f.mobile) any.push(sql<boolean>`c.id = ANY(ARRAY(SELECT customer_id FROM customer_contact WHERE value = ${f.mobile}))`);
  if (f.idNo) any.push(sql<boolean>`c.id = ANY(ARRAY(SELECT customer_id FROM customer_identity WHERE id_no = ${f.idNo}))`);
  if (f.letters) any.push(startsWith('c.name_initials', f.letters), startsWith('c.name_pinyin', f.letters));
  if (f.text) any.push(sql<boolean>`(c.name_grams @> ${f.text.grams}::text[] AND lower(c.name) LIKE ${f.text.like})`);
  if (any.length) q = q.where(({ or }) => or(any));
  if (f.status) q = q.where('c.status', '=', f.status as CustomerTable['status']);
  if (f.levelCode) q = q.where('c.level_code', '=', f.levelCode);
  if (f.party) q = q.where('c.party', '=', f.party as CustomerTable['party']);
  if (f.typeCode) q = q.where(sql<boolean>`c.type_id IN (WITH RECURSIVE t AS (SELECT id FROM customer_type WHERE code = ${f.typeCode} UNION ALL SELECT ct.id FROM customer_type ct JOIN t ON ct.parent_id = t.id) SELECT id FROM t)`);
  if (f.managerId) q = q.where('c.manager_id', '=', f.managerId);
  if (f.orgId) q = q.where(sql<boolean>`c.org_id IN (SELECT o.id FROM org_unit o WHERE o.path LIKE (SELECT path FROM org_unit WHERE id = ${f.orgId}) || '%')`);
  return q;
}

export type SearchRow = {
  id: number; customer_no: string; name: string; party: CustomerTable['party']; status: string; level_code: string | null; org_id: number;
  manager_id: number | null; aum_fen: number; created_at: Date;
  type: { code: string; name: string; nameEn: string }; level: { name: string; nameEn: string } | null;
  org_name: string; org_name_en: string; manager_name: string | null; mobile: string | null;
};

/**
 * A page row's columns. The type, level, org and manager are scalar subqueries over the page's rows, not joins:
 * planned as joins they cost PostgreSQL ~2 ms a search (more than running it), as subqueries ~0.5 ms.
 */
const PAGE_COLUMNS = sql`c.id, c.customer_no, c.name, c.party, c.status, c.level_code, c.org_id, c.manager_id, c.aum_fen, c.created_at,
  (SELECT json_build_object('code', t.code, 'name', t.name, 'nameEn', t.name_en) FROM customer_type t WHERE t.id = c.type_id) AS type,
  (SELECT json_build_object('name', l.name, 'nameEn', l.name_en) FROM customer_level l WHERE l.code = c.level_code) AS level,
  (SELECT o.name FROM org_unit o WHERE o.id = c.org_id) AS org_name,
  (SELECT o.name_en FROM org_unit o WHERE o.id = c.org_id) AS org_name_en,
  (SELECT m.display_name FROM app_user m WHERE m.id = c.manager_id) AS manager_name,
  (SELECT value FROM customer_contact cc WHERE cc.customer_id = c.id AND cc.kind = 'mobile' ORDER BY cc.is_primary DESC, cc.id LIMIT 1) AS mobile`;

/**
 * One page of customers within the user's data scope, with a total capped at COUNT_CAP, in at most two prepared
 * statements (each shape of search is planned once per connection).
 *
 * The first gathers up to COUNT_CAP + 1 matches with their sort key (from index entries alone, for pinyin letters:
 * migration 0017) and counts them; when that is all of them (a name, a mobile, rare initials: most searches), it
 * sorts them and returns the page in the same statement. A search with more matches ("wy": 15,000 of a million)
 * then walks the customers in sort order, where its first page comes soon. Choosing by the count, not by the
 * planner's guess of it: guessing, the planner walked 78,000 customers for the 257 matches of "zdj" (52 ms).
 */
export async function searchCustomers(db: Db, scope: ScopeSubject, f: SearchFilter): Promise<{ rows: SearchRow[]; total: number; capped: boolean }> {
  const key = sql.ref(SORT_COLUMN[f.sort]);
  const dir = sql.raw(f.order === 'desc' ? 'DESC' : 'ASC');
  const base = searchQuery(db, scope, f);
  // x: the exact name, sorted first among the matches gathered (at most COUNT_CAP + 1 rows, so no other plan).
  const exact = f.exactFirst && f.text?.exact != null ? f.text.exact : null;
  const gather = (q: typeof base) => q.select(['c.id', sql`${key}`.as('k'), ...(exact === null ? [] : [sql<boolean>`lower(c.name) = ${exact}`.as('x')])]).limit(COUNT_CAP + 1);
  const x = (t: string) => sql.raw(exact === null ? '' : `${t}x DESC, `);
  // By letters alone: those matching by initials, then those matching by full pinyin only, each from its own index.
  let matches = sql`${gather(base)}`;
  if (lettersOnly(f)) {
    const bare = searchQuery(db, scope, { ...f, letters: null });
    const initials = startsWith('c.name_initials', f.letters!);
    matches = sql`(${gather(bare.where(initials))})
      UNION ALL (${gather(bare.where(startsWith('c.name_pinyin', f.letters!)).where(sql<boolean>`NOT ${initials}`))})`;
  }
  const first = await sql<SearchRow & { n: number }>`${sql.raw(prepared())}
WITH m AS MATERIALIZED (${matches}), n AS (SELECT count(*)::int AS n FROM m)
SELECT n.n, p.* FROM n LEFT JOIN LATERAL (
  SELECT ${PAGE_COLUMNS}, pg.k${sql.raw(exact === null ? '' : ', pg.x')}
  -- A scalar subquery, so the page is skipped (a one-time filter) when there are more matches than gathered.
  FROM (SELECT id, k${sql.raw(exact === null ? '' : ', x')} FROM m WHERE (SELECT n FROM n) <= ${COUNT_CAP} ORDER BY ${x('')}k ${dir}, id ${dir} LIMIT ${f.limit} OFFSET ${f.offset}) pg
  JOIN customer c ON c.id = pg.id) p ON true
ORDER BY ${x('p.')}p.k ${dir}, p.id ${dir}`.execute(db);
  const n = first.rows[0]?.n ?? 0;
  if (n <= COUNT_CAP) return { rows: first.rows.filter((r) => r.id != null).map(withoutKey), total: n, capped: false };
  const walk = base.select(['c.id', sql`${key}`.as('k')]).orderBy(sql`${key} ${dir}, c.id ${dir}`).limit(f.limit).offset(f.offset);
  const page = await sql<SearchRow & { k: unknown }>`${sql.raw(prepared())}
SELECT ${PAGE_COLUMNS}, pg.k FROM (${walk}) pg JOIN customer c ON c.id = pg.id ORDER BY pg.k ${dir}, pg.id ${dir}`.execute(db);
  return { rows: page.rows.map(withoutKey), total: COUNT_CAP, capped: true };
}

const withoutKey = ({ n: _n, k: _k, x: _x, ...row }: SearchRow & { n?: number; k?: unknown; x?: boolean }): SearchRow => row;

/** Letters and no other condition (a condition added to SearchFilter later is one more, so it takes the general path). */
const PAGING: ReadonlySet<string> = new Set(['letters', 'sort', 'order', 'limit', 'offset', 'exactFirst']);
const lettersOnly = (f: SearchFilter) => !!f.letters && Object.entries(f).every(([k, v]) => PAGING.has(k) || v == null || v === '');

/** Streams every customer in scope that matches, for export. */
export function exportCustomers(db: Db, scope: ScopeSubject, f: SearchFilter) {
  return searchQuery(db, scope, f)
    .innerJoin('customer_type as t', 't.id', 'c.type_id')
    .innerJoin('org_unit as o', 'o.id', 'c.org_id')
    .leftJoin('customer_level as l', 'l.code', 'c.level_code')
    .leftJoin('app_user as m', 'm.id', 'c.manager_id')
    .select([
      'c.id', 'c.customer_no', 'c.name', 'c.party', 'c.status', 'c.aum_fen', 'c.created_at', 't.name as type_name', 't.name_en as type_name_en',
      'l.name as level_name', 'l.name_en as level_name_en', 'o.name as org_name', 'o.name_en as org_name_en', 'm.display_name as manager_name',
      sql<string | null>`(SELECT value FROM customer_contact cc WHERE cc.customer_id = c.id AND cc.kind = 'mobile' ORDER BY cc.is_primary DESC, cc.id LIMIT 1)`.as('mobile'),
    ])
    // The list's order (searchCustomers): the exact name first when it goes first there, ties broken by id.
    .orderBy(sql`${f.exactFirst && f.text?.exact != null ? sql`lower(c.name) = ${f.text.exact} DESC, ` : sql``}${sql.ref(SORT_COLUMN[f.sort])} ${sql.raw(f.order === 'desc' ? 'DESC' : 'ASC')}, c.id ${sql.raw(f.order === 'desc' ? 'DESC' : 'ASC')}`)
    .stream(1000);
}

/**
 * The whole 360° view in one statement: the customer (only if inside the scope) with every part
 * of its profile aggregated as JSON. `bench/api` runs this same SQL through pgbench.
 */
export function view360Sql(customerNo: string, scope: ScopeSubject, readAudit: Expression<unknown>) {
  // The scope predicate's SQL differs by kind of scope, so each kind is its own prepared statement.
  // A merged-away number resolves to its survivor; `cu` is the customer (none outside the scope), and
  // the read's audit row (auditReadCtes over `cu`) is written by this same statement.
  return sql<View360Row>`${sql.raw(prepared(`view360_${scope.dataScope}`))}
WITH cu AS (
  SELECT c.id FROM customer c
  WHERE c.id = coalesce((SELECT al.survivor_id FROM customer_alias al WHERE al.customer_no = ${customerNo}), (SELECT x.id FROM customer x WHERE x.customer_no = ${customerNo}))
    AND NOT c.deleted AND ${customerScope(scope, 'c')}),
${readAudit}
SELECT c.id, c.customer_no, c.name, c.name_en, c.party, c.status, c.gender, c.birth_date, c.nationality, c.occupation, c.employer,
  c.industry, c.risk_tolerance, c.attributes, c.remarks, c.version, c.created_at, c.updated_at, c.aum_fen,
  json_build_object('code', t.code, 'name', t.name, 'nameEn', t.name_en) AS type,
  CASE WHEN l.code IS NULL THEN NULL ELSE json_build_object('code', l.code, 'name', l.name, 'nameEn', l.name_en) END AS level,
  json_build_object('id', o.id, 'name', o.name, 'nameEn', o.name_en) AS org,
  CASE WHEN m.id IS NULL THEN NULL ELSE json_build_object('id', m.id, 'displayName', m.display_name) END AS manager,
  (SELECT coalesce(json_agg(json_build_object('id', i.id, 'idType', i.id_type, 'idNo', i.id_no, 'country', i.country, 'expiresOn', i.expires_on, 'isPrimary', i.is_primary) ORDER BY i.is_primary DESC, i.id), '[]')
     FROM customer_identity i WHERE i.customer_id = c.id) AS identities,
  (SELECT coalesce(json_agg(json_build_object('id', x.id, 'kind', x.kind, 'value', x.value, 'isPrimary', x.is_primary) ORDER BY x.kind, x.is_primary DESC, x.id), '[]')
     FROM customer_contact x WHERE x.customer_id = c.id) AS contacts,
  (SELECT coalesce(json_agg(json_build_object('id', a.id, 'kind', a.kind, 'province', a.province, 'city', a.city, 'district', a.district, 'line', a.line, 'postcode', a.postcode, 'isPrimary', a.is_primary) ORDER BY a.is_primary DESC, a.id), '[]')
     FROM customer_address a WHERE a.customer_id = c.id) AS addresses,
  (SELECT coalesce(json_agg(json_build_object('channel', p.channel, 'allowed', p.allowed, 'marketingConsent', p.marketing_consent) ORDER BY p.channel), '[]')
     FROM customer_channel_pref p WHERE p.customer_id = c.id) AS channel_prefs,
  -- Other customers named here (relations, key persons) may lie outside the scope: inScope says whether the viewer
  -- may know them (present360 hides the number and masks the name of the others).
  (SELECT coalesce(json_agg(r ORDER BY r.direction DESC, r.id), '[]') FROM (
     SELECT cr.id, 'out' AS direction, cr.type_code AS "typeCode", rt.name AS label, rt.name_en AS "labelEn", oc.customer_no AS "customerNo", oc.name, cr.note,
            NOT oc.deleted AND ${customerScope(scope, 'oc')} AS "inScope"
       FROM customer_relation cr JOIN relation_type rt ON rt.code = cr.type_code JOIN customer oc ON oc.id = cr.related_id
      WHERE cr.customer_id = c.id AND cr.ended_at IS NULL
     UNION ALL
     SELECT cr.id, 'in', cr.type_code, rt.inverse_name, rt.inverse_name_en, oc.customer_no, oc.name, cr.note, NOT oc.deleted AND ${customerScope(scope, 'oc')}
       FROM customer_relation cr JOIN relation_type rt ON rt.code = cr.type_code JOIN customer oc ON oc.id = cr.customer_id
      WHERE cr.related_id = c.id AND cr.ended_at IS NULL) r) AS relations,
  (SELECT coalesce(json_agg(json_build_object('id', k.id, 'role', k.role, 'name', k.name, 'idNo', k.id_no, 'mobile', k.mobile, 'sharePct', k.share_pct,
       'personCustomerNo', CASE WHEN NOT pc.deleted AND ${customerScope(scope, 'pc')} THEN pc.customer_no END) ORDER BY k.id), '[]')
     FROM customer_key_person k LEFT JOIN customer pc ON pc.id = k.person_customer_id WHERE k.customer_id = c.id) AS key_persons,
  (SELECT coalesce(json_agg(json_build_object('role', k.role, 'customerNo', kc.customer_no, 'name', kc.name, 'inScope', ${customerScope(scope, 'kc')}) ORDER BY k.id), '[]')
     FROM customer_key_person k JOIN customer kc ON kc.id = k.customer_id WHERE k.person_customer_id = c.id AND NOT kc.deleted) AS key_person_of,
  (SELECT coalesce(json_agg(json_build_object('id', ac.id, 'sourceSystem', ac.source_system, 'accountNo', ac.account_no, 'orgName', ao.name, 'orgNameEn', ao.name_en,
       'productCode', ac.product_code, 'productName', pr.name, 'productNameEn', pr.name_en, 'category', pr.category, 'currency', ac.currency,
       'status', ac.status, 'openedOn', ac.opened_on, 'closedOn', ac.closed_on, 'balanceFen', ac.balance_fen, 'isAsset', pr.is_asset)
       ORDER BY ac.status = 'closed', ac.opened_on DESC NULLS LAST, ac.id), '[]')
     FROM account ac JOIN product pr ON pr.code = ac.product_code JOIN org_unit ao ON ao.id = ac.org_id WHERE ac.customer_id = c.id) AS accounts,
  (SELECT coalesce(json_agg(json_build_object('fromManager', fm.display_name, 'toManager', tm.display_name, 'reason', h.reason, 'by', bu.display_name, 'at', h.at) ORDER BY h.at DESC), '[]')
     FROM customer_manager_history h LEFT JOIN app_user fm ON fm.id = h.from_manager_id LEFT JOIN app_user tm ON tm.id = h.to_manager_id
     LEFT JOIN app_user bu ON bu.id = h.by_user_id WHERE h.customer_id = c.id) AS manager_history,
  -- Integration (I2): per golden-record field the source it came from; the source records linked (lineage);
  -- customer numbers merged into this one (aliases).
  (SELECT coalesce(json_object_agg(f.field, json_build_object('value', f.value, 'source', f.source_code, 'sourceName', fs.name, 'sourceNameEn', fs.name_en,
       'recordId', f.source_record_id, 'recordKey', fr.record_key, 'rule', f.rule, 'trust', f.trust, 'candidates', f.candidates, 'chosenAt', f.chosen_at)), '{}')
     FROM customer_field_source f LEFT JOIN source_system fs ON fs.code = f.source_code LEFT JOIN source_record fr ON fr.id = f.source_record_id
    WHERE f.customer_id = c.id) AS lineage,
  (SELECT coalesce(json_agg(json_build_object('id', sr.id, 'source', sr.source_code, 'sourceName', ss.name, 'sourceNameEn', ss.name_en, 'recordKey', sr.record_key,
       'name', sr.name, 'status', sr.match_status, 'updatedAt', coalesce(sr.source_updated_at, sr.updated_at), 'idUnverified', sr.id_issue IS NOT NULL) ORDER BY sr.id), '[]')
     FROM source_record sr JOIN source_system ss ON ss.code = sr.source_code WHERE sr.customer_id = c.id) AS source_records,
  (SELECT coalesce(json_agg(json_build_object('customerNo', ca.customer_no, 'mergeId', ca.merge_id, 'at', ca.created_at) ORDER BY ca.created_at), '[]')
     FROM customer_alias ca WHERE ca.survivor_id = c.id) AS aliases
FROM cu
  JOIN customer c ON c.id = cu.id
  JOIN customer_type t ON t.id = c.type_id
  JOIN org_unit o ON o.id = c.org_id
  LEFT JOIN customer_level l ON l.code = c.level_code
  LEFT JOIN app_user m ON m.id = c.manager_id`;
}

export type Json<T> = T;
export type View360Row = {
  id: number; customer_no: string; name: string; name_en: string | null; party: 'person' | 'organization'; status: string;
  gender: string | null; birth_date: string | null; nationality: string | null; occupation: string | null; employer: string | null;
  industry: string | null; risk_tolerance: string | null; attributes: Record<string, unknown>; remarks: string | null; version: number;
  created_at: Date; updated_at: Date; aum_fen: number;
  type: { code: string; name: string; nameEn: string };
  level: { code: string; name: string; nameEn: string } | null;
  org: { id: number; name: string; nameEn: string };
  manager: { id: number; displayName: string } | null;
  identities: { id: number; idType: IdType; idNo: string; country: string | null; expiresOn: string | null; isPrimary: boolean }[];
  contacts: { id: number; kind: string; value: string; isPrimary: boolean }[];
  addresses: { id: number; kind: string; province: string | null; city: string | null; district: string | null; line: string; postcode: string | null; isPrimary: boolean }[];
  channel_prefs: { channel: string; allowed: boolean; marketingConsent: boolean }[];
  relations: { id: number; direction: 'out' | 'in'; typeCode: string; label: string; labelEn: string; customerNo: string; name: string; note: string | null; inScope: boolean }[];
  key_persons: { id: number; role: string; name: string; idNo: string | null; mobile: string | null; sharePct: string | null; personCustomerNo: string | null }[];
  key_person_of: { role: string; customerNo: string; name: string; inScope: boolean }[];
  accounts: { id: number; sourceSystem: string; accountNo: string; orgName: string; orgNameEn: string; productCode: string; productName: string; productNameEn: string; category: string; currency: string; status: string; openedOn: string | null; closedOn: string | null; balanceFen: number; isAsset: boolean }[];
  manager_history: { fromManager: string | null; toManager: string | null; reason: string; by: string | null; at: string }[];
  lineage: Record<string, { value: string | null; source: string; sourceName: string | null; sourceNameEn: string | null; recordId: number | null; recordKey: string | null; rule: string; trust: number; candidates: number; chosenAt: string }>;
  /** idUnverified: the record carries an ID number that fails its check, kept unverified (never the customer's ID). */
  source_records: { id: number; source: string; sourceName: string; sourceNameEn: string; recordKey: string; name: string | null; status: string; updatedAt: string; idUnverified: boolean }[];
  aliases: { customerNo: string; mergeId: number; at: string }[];
};

export async function getView360(db: Db, customerNo: string, scope: ScopeSubject, readAudit: Expression<unknown>): Promise<View360Row | undefined> {
  const r = await view360Sql(customerNo, scope, readAudit).execute(db);
  return r.rows[0];
}

/** The customer row itself, locked for update, if inside the scope. */
export function getCustomerForUpdate(db: Db, customerNo: string, scope: ScopeSubject) {
  return db
    .selectFrom('customer as c')
    .selectAll('c')
    .where('c.customer_no', '=', customerNo)
    .where('c.deleted', '=', false)
    .where(customerScope(scope, 'c'))
    .forUpdate()
    .executeTakeFirst();
}

/** A deleted customer inside the scope (locked for update with `lock`). */
export function getDeleted(db: Db, customerNo: string, scope: ScopeSubject, lock = false) {
  const q = db.selectFrom('customer as c').select(['c.id', 'c.name', 'c.manager_id']).where('c.customer_no', '=', customerNo).where('c.deleted', '=', true)
    .where(customerScope(scope, 'c'));
  return (lock ? q.forUpdate() : q).executeTakeFirst();
}

/** What keeps a customer from being deleted: accounts not closed, and accounts holding a balance (owed or held). */
export async function deletionBlockers(db: Db, customerId: number) {
  const r = await sql<{ open_accounts: number; balance_accounts: number; assets_fen: string; loans_fen: string }>`
    SELECT count(*) FILTER (WHERE a.status <> 'closed')::int AS open_accounts,
           count(*) FILTER (WHERE a.balance_fen <> 0)::int AS balance_accounts,
           coalesce(sum(a.balance_fen) FILTER (WHERE p.is_asset AND p.category <> 'loan'), 0)::text AS assets_fen,
           coalesce(sum(a.balance_fen) FILTER (WHERE p.category = 'loan'), 0)::text AS loans_fen
    FROM account a JOIN product p ON p.code = a.product_code
    WHERE a.customer_id = ${customerId} AND (a.status <> 'closed' OR a.balance_fen <> 0)`.execute(db);
  return r.rows[0]!;
}

/** The survivor a merged-away customer's number resolves to (none for a customer deleted by hand, or unmerged). */
export async function mergedInto(db: Db, customerIds: number[]): Promise<Map<number, string>> {
  if (!customerIds.length) return new Map();
  const r = await sql<{ id: number; survivor_no: string }>`
    SELECT c.id::int AS id, s.customer_no AS survivor_no
    FROM customer c
      JOIN customer_alias al ON al.customer_no = c.customer_no AND al.customer_id = c.id -- by its primary key
      JOIN customer s ON s.id = al.survivor_id
    WHERE c.id = ANY(${customerIds}::bigint[])`.execute(db);
  return new Map(r.rows.map((x) => [Number(x.id), x.survivor_no]));
}

export async function restoreCustomer(db: Db, id: number) {
  await db.updateTable('customer').set({ deleted: false, deleted_at: null, updated_at: new Date(), version: sql`version + 1` }).where('id', '=', id).execute();
}

/** Just the id of a customer inside the scope (for sub-resources). */
export async function findCustomerId(db: Db, customerNo: string, scope: ScopeSubject): Promise<number | undefined> {
  const r = await db
    .selectFrom('customer as c')
    .select('c.id')
    .where('c.customer_no', '=', customerNo)
    .where('c.deleted', '=', false)
    .where(customerScope(scope, 'c'))
    .executeTakeFirst();
  return r?.id;
}

export async function nextCustomerNo(db: Db): Promise<string> {
  const r = await sql<{ n: string }>`SELECT nextval('customer_no_seq')::text AS n`.execute(db);
  return r.rows[0].n;
}

export type CustomerRow = Omit<CustomerTable, 'id' | 'deleted' | 'deleted_at' | 'version' | 'created_at' | 'updated_at' | 'aum_fen'>;

export function insertCustomer(db: Db, row: CustomerRow) {
  return db.insertInto('customer').values({ ...row, attributes: JSON.stringify(row.attributes ?? {}) }).returning(['id', 'customer_no']).executeTakeFirstOrThrow();
}

export async function updateCustomer(db: Db, id: number, patch: Partial<CustomerRow>) {
  const values: Record<string, unknown> = { ...patch, updated_at: new Date(), version: sql`version + 1` };
  if (patch.attributes !== undefined) values.attributes = JSON.stringify(patch.attributes);
  await db.updateTable('customer').set(values).where('id', '=', id).execute();
}

export async function softDeleteCustomer(db: Db, id: number) {
  await db.updateTable('customer').set({ deleted: true, deleted_at: new Date(), updated_at: new Date(), version: sql`version + 1` }).where('id', '=', id).execute();
}

export type IdentityInput = { id_type: IdType; id_no: string; country: string | null; expires_on: string | null; is_primary: boolean };
export type ContactInput = { kind: 'mobile' | 'phone' | 'email' | 'fax' | 'wechat'; value: string; is_primary: boolean };
export type AddressInput = { kind: 'home' | 'work' | 'registered' | 'mailing' | 'business'; province: string | null; city: string | null; district: string | null; line: string; postcode: string | null; is_primary: boolean };
export type ChannelPrefInput = { channel: 'phone' | 'sms' | 'email' | 'mail' | 'wechat' | 'visit'; allowed: boolean; marketing_consent: boolean };

/** Identity numbers already registered to another customer (a deleted one keeps its documents), and who holds them. */
export async function findIdentityOwners(db: Db, ids: { id_type: IdType; id_no: string }[], exceptCustomerId?: number) {
  if (!ids.length) return [];
  let q = db.selectFrom('customer_identity as i').innerJoin('customer as c', 'c.id', 'i.customer_id')
    .select(['i.id_type', 'i.id_no', 'i.customer_id', 'c.customer_no', 'c.deleted'])
    .where(({ or, and, eb }) => or(ids.map((i) => and([eb('i.id_type', '=', i.id_type), eb('i.id_no', '=', i.id_no)]))));
  if (exceptCustomerId) q = q.where('i.customer_id', '<>', exceptCustomerId);
  return q.execute();
}

export function listIdentities(db: Db, customerId: number) {
  return db.selectFrom('customer_identity').select(['id_type', 'id_no', 'country', 'expires_on', 'is_primary']).where('customer_id', '=', customerId).orderBy('id').execute();
}
export function listContacts(db: Db, customerId: number) {
  return db.selectFrom('customer_contact').select(['kind', 'value', 'is_primary']).where('customer_id', '=', customerId).orderBy('id').execute();
}
export function listAddresses(db: Db, customerId: number) {
  return db.selectFrom('customer_address').select(['kind', 'province', 'city', 'district', 'line', 'postcode', 'is_primary']).where('customer_id', '=', customerId).orderBy('id').execute();
}
export function listChannelPrefs(db: Db, customerId: number) {
  return db.selectFrom('customer_channel_pref').select(['channel', 'allowed', 'marketing_consent']).where('customer_id', '=', customerId).orderBy('channel').execute();
}

export async function replaceIdentities(db: Db, customerId: number, rows: IdentityInput[]) {
  await db.deleteFrom('customer_identity').where('customer_id', '=', customerId).execute();
  if (rows.length) await db.insertInto('customer_identity').values(rows.map((r) => ({ ...r, customer_id: customerId }))).execute();
}
export async function replaceContacts(db: Db, customerId: number, rows: ContactInput[]) {
  await db.deleteFrom('customer_contact').where('customer_id', '=', customerId).execute();
  if (rows.length) await db.insertInto('customer_contact').values(rows.map((r) => ({ ...r, customer_id: customerId }))).execute();
}
export async function replaceAddresses(db: Db, customerId: number, rows: AddressInput[]) {
  await db.deleteFrom('customer_address').where('customer_id', '=', customerId).execute();
  if (rows.length) await db.insertInto('customer_address').values(rows.map((r) => ({ ...r, customer_id: customerId }))).execute();
}
export async function replaceChannelPrefs(db: Db, customerId: number, rows: ChannelPrefInput[]) {
  await db.deleteFrom('customer_channel_pref').where('customer_id', '=', customerId).execute();
  if (rows.length) await db.insertInto('customer_channel_pref').values(rows.map((r) => ({ ...r, customer_id: customerId }))).execute();
}

export function getType(db: Db, code: string) {
  return db.selectFrom('customer_type').selectAll().where('code', '=', code).executeTakeFirst();
}

export async function typeCodeOf(db: Db, typeId: number) {
  return (await db.selectFrom('customer_type').select('code').where('id', '=', typeId).executeTakeFirstOrThrow()).code;
}

/** The sub-types of a customer type (none: a leaf, the kind a customer is of). */
export function subTypesOf(db: Db, typeId: number) {
  return db.selectFrom('customer_type').select(['code', 'name', 'name_en']).where('parent_id', '=', typeId).orderBy('id').execute();
}

export async function levelExists(db: Db, code: string) {
  return !!(await db.selectFrom('customer_level').select('code').where('code', '=', code).executeTakeFirst());
}

export function getOrg(db: Db, id: number) {
  return db.selectFrom('org_unit').select(['id', 'path', 'name']).where('id', '=', id).executeTakeFirst();
}

export function getActiveUser(db: Db, id: number) {
  return db.selectFrom('app_user as u').innerJoin('org_unit as o', 'o.id', 'u.org_id').innerJoin('role as r', 'r.id', 'u.role_id')
    .select(['u.id', 'u.display_name', 'u.org_id', 'o.path as org_path', 'r.code as role_code'])
    .where('u.id', '=', id).where('u.status', '=', 'active').executeTakeFirst();
}

export async function insertManagerHistory(db: Db, row: { customer_id: number; from_manager_id: number | null; to_manager_id: number | null; reason: string; by_user_id: number | null }) {
  await db.insertInto('customer_manager_history').values(row).execute();
}

export async function insertRelation(db: Db, row: { customer_id: number; related_id: number; type_code: string; note: string | null }) {
  return db.insertInto('customer_relation').values(row).returning('id').executeTakeFirstOrThrow();
}

/**
 * Locks two customers' rows, in id order (two requests linking the same pair, whichever way round, queue here rather
 * than deadlock), so that a relation's duplicate check and its insert are one step for that pair. NO KEY UPDATE:
 * rows of other tables may still be written for them meanwhile.
 */
export async function lockPair(db: Db, a: number, b: number) {
  await db.selectFrom('customer').select('id').where('id', 'in', [a, b]).orderBy('id').forNoKeyUpdate().execute();
}

/** Whether the two customers already have this relation, either way round. */
export async function relationExists(db: Db, a: number, b: number, typeCode: string): Promise<boolean> {
  const r = await db.selectFrom('customer_relation').select('id').where('type_code', '=', typeCode).where('ended_at', 'is', null)
    .where(({ or, and, eb }) => or([and([eb('customer_id', '=', a), eb('related_id', '=', b)]), and([eb('customer_id', '=', b), eb('related_id', '=', a)])]))
    .executeTakeFirst();
  return !!r;
}

/** The stakes (%) the company's key persons hold together. */
export async function sharesHeld(db: Db, customerId: number): Promise<number> {
  const r = await db.selectFrom('customer_key_person').select(sql<string>`coalesce(sum(share_pct), 0)`.as('n')).where('customer_id', '=', customerId).executeTakeFirstOrThrow();
  return Number(r.n);
}

export async function endRelation(db: Db, customerId: number, relationId: number) {
  return db.updateTable('customer_relation').set({ ended_at: new Date() })
    .where('id', '=', relationId).where('ended_at', 'is', null)
    .where(({ or, eb }) => or([eb('customer_id', '=', customerId), eb('related_id', '=', customerId)]))
    .returning(['id', 'customer_id', 'related_id', 'type_code']).executeTakeFirst();
}

export function insertKeyPerson(db: Db, row: Omit<CustomerKeyPersonTable, 'id' | 'created_at'>) {
  return db.insertInto('customer_key_person').values(row).returning('id').executeTakeFirstOrThrow();
}

export function deleteKeyPerson(db: Db, customerId: number, id: number) {
  return db.deleteFrom('customer_key_person').where('id', '=', id).where('customer_id', '=', customerId).returningAll().executeTakeFirst();
}

export async function relationTypeExists(db: Db, code: string) {
  return !!(await db.selectFrom('relation_type').select('code').where('code', '=', code).executeTakeFirst());
}

/** The raw value of one personal-data item of a customer, for an audited unmask. */
export async function getPersonalValue(db: Db, customerId: number, kind: 'identity' | 'contact' | 'address' | 'account' | 'keyPerson', id: number): Promise<string | undefined> {
  switch (kind) {
    case 'identity':
      return (await db.selectFrom('customer_identity').select('id_no as v').where('id', '=', id).where('customer_id', '=', customerId).executeTakeFirst())?.v;
    case 'contact':
      return (await db.selectFrom('customer_contact').select('value as v').where('id', '=', id).where('customer_id', '=', customerId).executeTakeFirst())?.v;
    case 'address':
      return (await db.selectFrom('customer_address').select(sql<string>`concat_ws('', province, CASE WHEN city IS DISTINCT FROM province THEN city END, district, line)`.as('v')).where('id', '=', id).where('customer_id', '=', customerId).executeTakeFirst())?.v;
    case 'account':
      return (await db.selectFrom('account').select('account_no as v').where('id', '=', id).where('customer_id', '=', customerId).executeTakeFirst())?.v;
    case 'keyPerson':
      return (await db.selectFrom('customer_key_person').select(sql<string>`concat_ws(' / ', id_no, mobile)`.as('v')).where('id', '=', id).where('customer_id', '=', customerId).executeTakeFirst())?.v;
  }
}

export async function getMeta(db: Db) {
  const [types, levels, relationTypes, products] = await Promise.all([
    db.selectFrom('customer_type as t').leftJoin('customer_type as p', 'p.id', 't.parent_id')
      .select(['t.code', 'p.code as parent_code', 't.party', 't.name', 't.name_en', 't.attribute_schema']).orderBy('t.id').execute(),
    db.selectFrom('customer_level').selectAll().orderBy('rank').execute(),
    db.selectFrom('relation_type').selectAll().orderBy('code').execute(),
    db.selectFrom('product').select(['code', 'name', 'name_en', 'category']).orderBy('code').execute(),
  ]);
  return { types, levels, relationTypes, products };
}
