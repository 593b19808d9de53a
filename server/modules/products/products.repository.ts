import { sql, type Expression, type RawBuilder, type SqlBool } from 'kysely';
import type { Db, ProductCategory } from '../../db/database.ts';
import { containing } from '../../platform/like.ts';
import { customerScope, type ScopeSubject } from '../../platform/scope.ts';
import { AGE_BANDS, AUM_BANDS, splitItem, type Item } from '../../../engines/association/index.ts';
import type { DocumentKind, ProductStatus, RiskRating, ScriptScenario } from './products.table.ts';

// ---------------------------------------------------------------------------------------------
// Catalogue

export type ProductFilter = { q?: string; category?: ProductCategory; riskRating?: RiskRating; status?: ProductStatus };

const PRODUCT_COLUMNS = [
  'p.code', 'p.name', 'p.name_en', 'p.category', 'p.risk_rating', 'p.is_asset', 'p.status', 'p.description', 'p.attributes', 'p.term_days',
  'p.min_amount_fen', 'p.rate_pct', 'p.launch_on', 'p.retire_on', 'p.target_segment', 'p.issuer', 'p.version', 'p.created_at', 'p.updated_at',
] as const;

function filtered(db: Db, f: ProductFilter) {
  let q = db.selectFrom('product as p');
  if (f.category) q = q.where('p.category', '=', f.category);
  if (f.riskRating) q = q.where('p.risk_rating', '=', f.riskRating);
  if (f.status) q = q.where('p.status', '=', f.status);
  if (f.q) {
    const like = containing(f.q.toLowerCase());
    q = q.where(sql<boolean>`(lower(p.code) LIKE ${like} OR lower(p.name) LIKE ${like} OR lower(p.name_en) LIKE ${like})`);
  }
  return q;
}

export async function listProducts(db: Db, f: ProductFilter, limit: number, offset: number) {
  const [rows, count] = await Promise.all([
    filtered(db, f).select(PRODUCT_COLUMNS).orderBy('p.category').orderBy('p.code').limit(limit).offset(offset).execute(),
    filtered(db, f).select(sql<number>`count(*)::int`.as('n')).executeTakeFirstOrThrow(),
  ]);
  return { rows, total: count.n };
}

export function streamProducts(db: Db, f: ProductFilter) {
  return filtered(db, f).select(PRODUCT_COLUMNS).orderBy('p.category').orderBy('p.code').stream(500);
}

export type ProductRow = Awaited<ReturnType<typeof listProducts>>['rows'][number];

export function getProduct(db: Db, code: string) {
  return db.selectFrom('product as p').select(PRODUCT_COLUMNS).where('p.code', '=', code).executeTakeFirst();
}

export function getProductForUpdate(db: Db, code: string) {
  return db.selectFrom('product as p').select(PRODUCT_COLUMNS).where('p.code', '=', code).forUpdate().executeTakeFirst();
}

export type ProductValues = {
  name: string; name_en: string; category: ProductCategory; risk_rating: RiskRating | null; is_asset: boolean; status: ProductStatus;
  description: string | null; attributes: Record<string, unknown>; term_days: number | null; min_amount_fen: number | null; rate_pct: string | null;
  launch_on: string | null; retire_on: string | null; target_segment: string | null; issuer: string | null;
};

/** Inserts a product; undefined when the code is taken. */
export async function insertProduct(db: Db, code: string, v: ProductValues) {
  return db
    .insertInto('product')
    .values({ code, ...v, attributes: JSON.stringify(v.attributes), updated_at: new Date() })
    .onConflict((oc) => oc.column('code').doNothing())
    .returning('code')
    .executeTakeFirst();
}

export async function updateProduct(db: Db, code: string, v: Partial<ProductValues>) {
  const { attributes, ...rest } = v;
  await db
    .updateTable('product')
    .set({ ...rest, ...(attributes ? { attributes: JSON.stringify(attributes) } : {}), updated_at: new Date(), version: sql`version + 1` })
    .where('code', '=', code)
    .execute();
}

/** Life cycle: products whose retirement date has passed. */
export async function retireDueProducts(db: Db, today: string) {
  return db
    .updateTable('product')
    .set({ status: 'retired', updated_at: new Date(), version: sql`version + 1` })
    .where('retire_on', '<', today)
    .where('status', '<>', 'retired')
    .returning(['code', 'status'])
    .execute();
}

// ---------------------------------------------------------------------------------------------
// Documents and sales scripts

export function listDocuments(db: Db, code: string) {
  return db.selectFrom('product_document').selectAll().where('product_code', '=', code).orderBy('kind').orderBy('id').execute();
}

export function getDocument(db: Db, code: string, id: number) {
  return db.selectFrom('product_document').selectAll().where('product_code', '=', code).where('id', '=', id).forUpdate().executeTakeFirst();
}

export type DocumentValues = { title: string; kind: DocumentKind; url: string | null; body: string | null; version: string };

export function insertDocument(db: Db, code: string, v: DocumentValues, by: number | null) {
  return db.insertInto('product_document').values({ product_code: code, ...v, created_by: by, updated_at: new Date() }).returningAll().executeTakeFirstOrThrow();
}

export function updateDocument(db: Db, id: number, v: Partial<DocumentValues>) {
  return db.updateTable('product_document').set({ ...v, updated_at: new Date() }).where('id', '=', id).returningAll().executeTakeFirstOrThrow();
}

export async function deleteDocument(db: Db, id: number) {
  await db.deleteFrom('product_document').where('id', '=', id).execute();
}

export function listScripts(db: Db, code: string) {
  return db.selectFrom('product_script').selectAll().where('product_code', '=', code).orderBy('scenario').orderBy('id').execute();
}

export function getScript(db: Db, code: string, id: number) {
  return db.selectFrom('product_script').selectAll().where('product_code', '=', code).where('id', '=', id).forUpdate().executeTakeFirst();
}

export type ScriptValues = { title: string; content: string; scenario: ScriptScenario; audience: string | null };

export function insertScript(db: Db, code: string, v: ScriptValues, by: number | null) {
  return db.insertInto('product_script').values({ product_code: code, ...v, created_by: by, updated_at: new Date() }).returningAll().executeTakeFirstOrThrow();
}

export function updateScript(db: Db, id: number, v: Partial<ScriptValues>) {
  return db.updateTable('product_script').set({ ...v, updated_at: new Date() }).where('id', '=', id).returningAll().executeTakeFirstOrThrow();
}

export async function deleteScript(db: Db, id: number) {
  await db.deleteFrom('product_script').where('id', '=', id).execute();
}

// ---------------------------------------------------------------------------------------------
// Holdings (always through the data scope)

/** Holders, accounts, balance and near maturities of one product among the customers the user may see. */
export async function holdingStats(db: Db, scope: ScopeSubject, code: string, today: string, until: string) {
  const r = await sql<{ holders: number; accounts: number; balance_fen: string; maturing: number }>`
    SELECT count(DISTINCT a.customer_id)::int AS holders, count(*)::int AS accounts, coalesce(sum(a.balance_fen), 0)::text AS balance_fen,
           (count(*) FILTER (WHERE a.maturity_on BETWEEN ${today}::date AND ${until}::date))::int AS maturing
    FROM account a JOIN customer c ON c.id = a.customer_id
    WHERE a.product_code = ${code} AND a.status <> 'closed' AND NOT c.deleted AND ${customerScope(scope, 'c')}`.execute(db);
  return r.rows[0]!;
}

/** A customer inside the scope, by number. */
export function findCustomer(db: Db, scope: ScopeSubject, customerNo: string) {
  return db
    .selectFrom('customer as c')
    .select(['c.id', 'c.customer_no', 'c.name', 'c.risk_tolerance', 'c.aum_fen'])
    .where('c.customer_no', '=', customerNo)
    .where('c.deleted', '=', false)
    .where(customerScope(scope, 'c'))
    .executeTakeFirst();
}

/** What one customer holds: open accounts per product, with balances and the next maturity. */
export function customerHoldings(db: Db, customerId: number, today: string) {
  return db
    .selectFrom('account as a')
    .innerJoin('product as p', 'p.code', 'a.product_code')
    .select([
      'p.code', 'p.name', 'p.name_en', 'p.category', 'p.risk_rating', 'p.is_asset',
      sql<number>`count(*)::int`.as('accounts'),
      sql<string>`sum(a.balance_fen)::text`.as('balance_fen'),
      sql<string | null>`min(a.maturity_on) FILTER (WHERE a.maturity_on >= ${today}::date)`.as('next_maturity_on'),
      sql<string>`min(a.opened_on)`.as('first_opened_on'),
    ])
    .where('a.customer_id', '=', customerId)
    .where('a.status', '<>', 'closed')
    .groupBy(['p.code', 'p.name', 'p.name_en', 'p.category', 'p.risk_rating', 'p.is_asset'])
    .orderBy('p.category')
    .orderBy('p.code')
    .execute();
}

// ---------------------------------------------------------------------------------------------
// Association analysis: customers as items, bucketed in SQL exactly as engines/association does.

/** Age band of `c` on `on`, or NULL for organisations and unknown birth dates. */
function ageBandSql(alias: string, on: string): RawBuilder<string | null> {
  const age = sql`date_part('year', age(${on}::date, ${sql.ref(`${alias}.birth_date`)}))`;
  const cases = [...AGE_BANDS].reverse().map((b) => sql`WHEN ${age} >= ${b.from} THEN ${b.label}`);
  return sql<string | null>`CASE WHEN ${sql.ref(`${alias}.party`)} = 'person' AND ${sql.ref(`${alias}.birth_date`)} IS NOT NULL THEN CASE ${sql.join(cases, sql` `)} END END`;
}

function aumBandSql(alias: string): RawBuilder<string> {
  const cases = [...AUM_BANDS].reverse().map((b) => sql`WHEN ${sql.ref(`${alias}.aum_fen`)} >= ${b.fromFen} THEN ${b.label}`);
  return sql<string>`CASE ${sql.join(cases, sql` `)} ELSE ${AUM_BANDS[0]!.label} END`;
}

/**
 * A fixed pseudo-random 1-in-`modulo` share of customers (all of them when modulo is 1): hashing
 * the id keeps the sample the same from one request to the next and unrelated to when customers came.
 */
function sampleSql(alias: string, modulo: number): RawBuilder<boolean> {
  return modulo > 1 ? sql<boolean>`abs(hashint8(${sql.ref(`${alias}.id`)})) % ${modulo} = 0` : sql<boolean>`true`;
}

/** Customers the analyses look at: in scope, not deleted, not churned (they hold nothing any more). */
export async function countPopulation(db: Db, scope: ScopeSubject): Promise<number> {
  const r = await sql<{ n: number }>`
    SELECT count(*)::int AS n FROM customer c WHERE NOT c.deleted AND c.status <> 'churned' AND ${customerScope(scope, 'c')}`.execute(db);
  return r.rows[0]!.n;
}

/** The customers of the analysis (see countPopulation), with their segment items and whether they hold the target. */
function populationSql(scope: ScopeSubject, target: string, on: string, modulo: number) {
  return sql`
    SELECT c.id, c.party, coalesce(c.level_code, 'none') AS level, ${ageBandSql('c', on)} AS age, ${aumBandSql('c')} AS aum,
           CASE WHEN c.party = 'person' THEN coalesce(c.risk_tolerance, 'none') END AS risk,
           c.id IN (SELECT t.customer_id FROM account t WHERE t.product_code = ${target} AND t.status <> 'closed') AS has_t
    FROM customer c
    WHERE NOT c.deleted AND c.status <> 'churned' AND ${customerScope(scope, 'c')} AND ${sampleSql('c', modulo)}`;
}

export type CountRow = { item1: string; item2: string | null; n: number; nt: number };

/**
 * One pass of counts: the population and target holders (item1 = '*'), every segment item, and
 * every product held. Pairs come in a second, narrower pass (pairCounts).
 */
export async function singleCounts(db: Db, scope: ScopeSubject, target: string, on: string, modulo: number): Promise<CountRow[]> {
  const r = await sql<CountRow>`
    WITH c AS MATERIALIZED (${populationSql(scope, target, on, modulo)}),
    seg AS (
      SELECT c.id, c.has_t, v.item FROM c
      CROSS JOIN LATERAL (VALUES ('party:' || c.party), ('level:' || c.level), ('age:' || c.age), ('aum:' || c.aum), ('risk:' || c.risk)) v(item)
      WHERE v.item IS NOT NULL
    ),
    h AS (
      SELECT DISTINCT a.customer_id AS id, 'holds:' || a.product_code AS item
      FROM account a JOIN c ON c.id = a.customer_id
      WHERE a.status <> 'closed' AND a.product_code <> ${target}
    )
    SELECT '*' AS item1, NULL AS item2, count(*)::int AS n, (count(*) FILTER (WHERE has_t))::int AS nt FROM c
    UNION ALL
    SELECT item, NULL, count(*)::int, (count(*) FILTER (WHERE has_t))::int FROM seg GROUP BY item
    UNION ALL
    SELECT h.item, NULL, count(*)::int, (count(*) FILTER (WHERE c.has_t))::int FROM h JOIN c ON c.id = h.id GROUP BY h.item`.execute(db);
  return r.rows;
}

/** Counts of "holds product P and segment item S", for the few products worth refining. */
export async function pairCounts(db: Db, scope: ScopeSubject, target: string, on: string, products: string[], modulo: number): Promise<CountRow[]> {
  if (!products.length) return [];
  const r = await sql<CountRow>`
    WITH c AS MATERIALIZED (${populationSql(scope, target, on, modulo)}),
    h AS (
      SELECT DISTINCT a.customer_id AS id, a.product_code FROM account a JOIN c ON c.id = a.customer_id
      WHERE a.status <> 'closed' AND a.product_code = ANY(${products}::text[])
    )
    SELECT 'holds:' || h.product_code AS item1, v.item AS item2, count(*)::int AS n, (count(*) FILTER (WHERE c.has_t))::int AS nt
    FROM h JOIN c ON c.id = h.id
    CROSS JOIN LATERAL (VALUES ('party:' || c.party), ('level:' || c.level), ('age:' || c.age), ('aum:' || c.aum), ('risk:' || c.risk)) v(item)
    WHERE v.item IS NOT NULL
    GROUP BY 1, 2`.execute(db);
  return r.rows;
}

/** The SQL condition for one item of a rule's antecedent, on customer alias `c`. */
function itemPredicate(item: Item, on: string): Expression<SqlBool> {
  const [dim, value] = splitItem(item);
  switch (dim) {
    case 'party':
      return sql<boolean>`c.party = ${value}`;
    case 'level':
      return sql<boolean>`coalesce(c.level_code, 'none') = ${value}`;
    case 'age':
      return sql<boolean>`${ageBandSql('c', on)} = ${value}`;
    case 'aum':
      return sql<boolean>`${aumBandSql('c')} = ${value}`;
    case 'risk':
      return sql<boolean>`c.party = 'person' AND coalesce(c.risk_tolerance, 'none') = ${value}`;
    case 'holds':
      return sql<boolean>`EXISTS (SELECT 1 FROM account x WHERE x.customer_id = c.id AND x.product_code = ${value} AND x.status <> 'closed')`;
    default:
      return sql<boolean>`false`;
  }
}

/**
 * Customers in scope who match every item of `antecedent` and do not hold the target, richest
 * first. `minTolerance` (suitability, B3): a known risk tolerance below it rules a customer out.
 */
export async function findMatching(
  db: Db, scope: ScopeSubject, target: string, antecedent: Item[], on: string, exclude: number[], limit: number, minTolerance: string | null,
): Promise<number[]> {
  let q = db
    .selectFrom('customer as c')
    .select('c.id')
    .where('c.deleted', '=', false)
    .where('c.status', '<>', 'churned')
    .where(customerScope(scope, 'c'))
    .where(sql<boolean>`NOT EXISTS (SELECT 1 FROM account t WHERE t.customer_id = c.id AND t.product_code = ${target} AND t.status <> 'closed')`);
  for (const item of antecedent) q = q.where(itemPredicate(item, on));
  if (exclude.length) q = q.where(sql<boolean>`c.id <> ALL(${exclude}::bigint[])`);
  if (minTolerance) q = q.where(sql<boolean>`(c.risk_tolerance IS NULL OR c.risk_tolerance >= ${minTolerance})`);
  const rows = await q.orderBy('c.aum_fen', 'desc').orderBy('c.id').limit(limit).execute();
  return rows.map((r) => r.id);
}

/** What the engine needs to know about each candidate, and what the list shows. */
export function candidateFacts(db: Db, ids: number[]) {
  if (!ids.length) return Promise.resolve([]);
  return db
    .selectFrom('customer as c')
    .leftJoin('app_user as m', 'm.id', 'c.manager_id')
    .leftJoin('customer_level as l', 'l.code', 'c.level_code')
    .select([
      'c.id', 'c.customer_no', 'c.name', 'c.party', 'c.level_code', 'c.birth_date', 'c.aum_fen', 'c.risk_tolerance',
      'l.name as level_name', 'l.name_en as level_name_en', 'm.display_name as manager_name',
      sql<string[]>`coalesce((SELECT array_agg(DISTINCT a.product_code) FROM account a WHERE a.customer_id = c.id AND a.status <> 'closed'), '{}')`.as('products'),
    ])
    .where('c.id', 'in', ids)
    .execute();
}

// ---------------------------------------------------------------------------------------------
// Segments × products

export type MatrixDimension = 'level' | 'type' | 'age' | 'aum' | 'party' | 'risk';

function segmentSql(dimension: MatrixDimension, on: string): RawBuilder<string | null> {
  switch (dimension) {
    case 'level':
      return sql`coalesce(c.level_code, 'none')`;
    case 'type':
      return sql`(SELECT t.code FROM customer_type t WHERE t.id = c.type_id)`;
    case 'age':
      return ageBandSql('c', on);
    case 'aum':
      return aumBandSql('c');
    case 'party':
      return sql`c.party`;
    case 'risk':
      return sql`CASE WHEN c.party = 'person' THEN coalesce(c.risk_tolerance, 'none') END`;
  }
}

/** Customers per segment (product NULL) and holders per segment and product, within the scope. */
export async function segmentMatrix(db: Db, scope: ScopeSubject, dimension: MatrixDimension, on: string, modulo: number) {
  const r = await sql<{ segment: string; product: string | null; n: number }>`
    WITH c AS MATERIALIZED (
      SELECT c.id, ${segmentSql(dimension, on)} AS segment FROM customer c
      WHERE NOT c.deleted AND c.status <> 'churned' AND ${customerScope(scope, 'c')} AND ${sampleSql('c', modulo)}
    )
    SELECT segment, NULL AS product, count(*)::int AS n FROM c WHERE segment IS NOT NULL GROUP BY segment
    UNION ALL
    SELECT c.segment, a.product_code, count(DISTINCT a.customer_id)::int FROM account a JOIN c ON c.id = a.customer_id
    WHERE a.status <> 'closed' AND c.segment IS NOT NULL GROUP BY c.segment, a.product_code`.execute(db);
  return r.rows;
}

export function levels(db: Db) {
  return db.selectFrom('customer_level').select(['code', 'name', 'name_en', 'rank']).orderBy('rank').execute();
}

export function customerTypes(db: Db) {
  return db.selectFrom('customer_type').select(['code', 'name', 'name_en']).orderBy('id').execute();
}

export function productNames(db: Db) {
  return db.selectFrom('product').select(['code', 'name', 'name_en', 'category', 'status']).orderBy('category').orderBy('code').execute();
}
