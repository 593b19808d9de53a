import type { Db, ProductCategory } from '../../db/database.ts';
import { audit, diff, SYSTEM_ACTOR, type Actor } from '../../platform/audit.ts';
import type { CurrentUser } from '../../platform/auth.ts';
import { AppError, fieldError, invalid, notFound, type FieldError } from '../../platform/errors.ts';
import {
  AGE_BANDS, AUM_BANDS, featuresOf, mineRules, penetration, rankCandidates, splitItem, type AntecedentCount, type Item, type Rule,
} from '../../../engines/association/index.ts';
import * as repo from './products.repository.ts';
import type {
  DocumentInput, DocumentPatch, ListQuery, MatrixQuery, ProductInput, ProductPatch, ProspectsQuery, ScriptInput, ScriptPatch,
} from './products.schemas.ts';

const PRODUCT_NOT_FOUND = { zh: '产品不存在', en: 'Product not found' };
const productNotFound = () => notFound(PRODUCT_NOT_FOUND);

/** The bank's calendar day: China keeps UTC+8 all year. */
export const bankDate = (now = new Date()) => new Date(now.getTime() + 8 * 3_600_000).toISOString().slice(0, 10);
const addDays = (day: string, n: number) => new Date(Date.parse(`${day}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);

/** Investment products carry a risk rating (B3): wealth products and funds must, agency insurance may. */
export const RATING_REQUIRED: ReadonlySet<ProductCategory> = new Set(['wealth', 'fund']);
export const RATING_ALLOWED: ReadonlySet<ProductCategory> = new Set(['wealth', 'fund', 'insurance']);

export function presentProduct(p: repo.ProductRow) {
  return {
    code: p.code, name: p.name, nameEn: p.name_en, category: p.category, riskRating: p.risk_rating, isAsset: p.is_asset, status: p.status,
    description: p.description, attributes: p.attributes as Record<string, unknown>, termDays: p.term_days,
    minAmountFen: p.min_amount_fen === null ? null : Number(p.min_amount_fen), ratePct: p.rate_pct, launchOn: p.launch_on, retireOn: p.retire_on,
    targetSegment: p.target_segment, issuer: p.issuer, version: p.version, createdAt: p.created_at, updatedAt: p.updated_at,
  };
}

export async function list(db: Db, query: ListQuery) {
  const page = query.page ?? 1;
  const pageSize = query.pageSize ?? 50;
  const { rows, total } = await repo.listProducts(db, filterOf(query), pageSize, (page - 1) * pageSize);
  return { items: rows.map(presentProduct), total, page, pageSize };
}

export const filterOf = (q: ListQuery): repo.ProductFilter => ({ q: q.q?.trim() || undefined, category: q.category, riskRating: q.riskRating, status: q.status });

/** A product with its documents, scripts and what the user's customers hold of it. */
export async function detail(db: Db, user: CurrentUser, code: string, now = new Date()) {
  const p = await repo.getProduct(db, code);
  if (!p) throw productNotFound();
  const today = bankDate(now);
  const [documents, scripts, stats] = await Promise.all([
    repo.listDocuments(db, code),
    repo.listScripts(db, code),
    repo.holdingStats(db, user, code, today, addDays(today, 30)),
  ]);
  return {
    ...presentProduct(p),
    documents: documents.map(presentDocument),
    scripts: scripts.map(presentScript),
    holdings: { holders: stats.holders, accounts: stats.accounts, balanceFen: Number(stats.balance_fen), maturingIn30Days: stats.maturing },
  };
}

type Merged = { category: ProductCategory; risk_rating: string | null; launch_on: string | null; retire_on: string | null; attributes?: Record<string, unknown> };

/** Rules across fields, checked on the product as it would be after the write. */
function checkProduct(p: Merged, errors: FieldError[]) {
  for (const [k, v] of Object.entries(p.attributes ?? {})) {
    const ok = v === null || typeof v === 'boolean' || (typeof v === 'number' && Number.isSafeInteger(v)) || (typeof v === 'string' && v.length <= 500);
    if (!ok) errors.push(fieldError(`attributes.${k}`, 'type', '属性值应为文本（不超过 500 字）、整数或是/否', 'must be text (up to 500 characters), an integer or true/false'));
  }
  if (RATING_REQUIRED.has(p.category) && !p.risk_rating) {
    errors.push(fieldError('riskRating', 'requiredForInvestment', '理财和基金产品必须有风险等级（R1–R5）', 'is required for wealth products and funds (R1–R5)'));
  }
  if (p.risk_rating && !RATING_ALLOWED.has(p.category)) {
    errors.push(fieldError('riskRating', 'investmentOnly', '只有投资类产品（理财、基金、保险）有风险等级', 'applies to investment products only (wealth, funds, insurance)'));
  }
  if (p.launch_on && p.retire_on && p.retire_on < p.launch_on) {
    errors.push(fieldError('retireOn', 'afterLaunch', '停售日期不能早于上市日期', 'must not be before the launch date'));
  }
}

export async function create(db: Db, actor: Actor, input: ProductInput) {
  const values: repo.ProductValues = {
    name: input.name.trim(), name_en: input.nameEn?.trim() || input.name.trim(), category: input.category, risk_rating: input.riskRating ?? null,
    // Loans and credit cards are the customer's liabilities; everything else counts towards AUM.
    is_asset: input.isAsset ?? !(input.category === 'loan' || input.code.startsWith('CARD_CREDIT')),
    status: input.status ?? 'active', description: input.description ?? null, attributes: input.attributes ?? {}, term_days: input.termDays ?? null,
    min_amount_fen: input.minAmountFen ?? null, rate_pct: input.ratePct ?? null, launch_on: input.launchOn ?? null, retire_on: input.retireOn ?? null,
    target_segment: input.targetSegment ?? null, issuer: input.issuer ?? null,
  };
  const errors: FieldError[] = [];
  checkProduct(values, errors);
  if (errors.length) throw invalid(errors);
  await db.transaction().execute(async (trx) => {
    const inserted = await repo.insertProduct(trx, input.code, values);
    if (!inserted) throw invalid([fieldError('code', 'unique', '产品代码已存在', 'is already used by another product')]);
    const d = diff({}, { code: input.code, ...values });
    await audit(trx, actor, { action: 'create', entity: 'product', entityId: input.code, fields: d?.fields, changes: d?.changes });
  });
  return presentProduct((await repo.getProduct(db, input.code))!);
}

const PATCH_COLUMNS = {
  name: 'name', nameEn: 'name_en', category: 'category', riskRating: 'risk_rating', isAsset: 'is_asset', status: 'status', description: 'description',
  attributes: 'attributes', termDays: 'term_days', minAmountFen: 'min_amount_fen', ratePct: 'rate_pct', launchOn: 'launch_on', retireOn: 'retire_on',
  targetSegment: 'target_segment', issuer: 'issuer',
} as const satisfies Record<Exclude<keyof ProductPatch, 'version'>, keyof repo.ProductValues>;

export async function update(db: Db, actor: Actor, code: string, patch: ProductPatch) {
  await db.transaction().execute(async (trx) => {
    const before = await repo.getProductForUpdate(trx, code);
    if (!before) throw productNotFound();
    if (patch.version !== undefined && patch.version !== before.version) {
      throw new AppError('CONFLICT', { zh: '产品已被他人修改，请刷新后重试', en: 'The product was changed by someone else; reload and try again' }, [
        fieldError('version', 'stale', '版本已过期', 'is out of date'),
      ]);
    }
    const set: Partial<repo.ProductValues> = {};
    for (const [k, col] of Object.entries(PATCH_COLUMNS) as [keyof typeof PATCH_COLUMNS, keyof repo.ProductValues][]) {
      const v = patch[k];
      if (v === undefined) continue;
      (set as Record<string, unknown>)[col] = typeof v === 'string' && (k === 'name' || k === 'nameEn') ? v.trim() : v;
    }
    const errors: FieldError[] = [];
    checkProduct({
      category: set.category ?? before.category, risk_rating: set.risk_rating !== undefined ? set.risk_rating : before.risk_rating,
      launch_on: set.launch_on !== undefined ? set.launch_on : before.launch_on, retire_on: set.retire_on !== undefined ? set.retire_on : before.retire_on,
      attributes: set.attributes,
    }, errors);
    if (errors.length) throw invalid(errors);
    const d = diff(before as unknown as Record<string, unknown>, set as Record<string, unknown>);
    if (!d) return;
    await repo.updateProduct(trx, code, set);
    await audit(trx, actor, { action: 'update', entity: 'product', entityId: code, fields: d.fields, changes: d.changes });
  });
  return presentProduct((await repo.getProduct(db, code))!);
}

// ---------------------------------------------------------------------------------------------
// Documents and scripts

type DocumentRow = Awaited<ReturnType<typeof repo.listDocuments>>[number];
type ScriptRow = Awaited<ReturnType<typeof repo.listScripts>>[number];

const presentDocument = (d: DocumentRow) => ({
  id: d.id, title: d.title, kind: d.kind, url: d.url, body: d.body, version: d.version, createdAt: d.created_at, updatedAt: d.updated_at,
});
const presentScript = (s: ScriptRow) => ({
  id: s.id, title: s.title, content: s.content, scenario: s.scenario, audience: s.audience, createdAt: s.created_at, updatedAt: s.updated_at,
});

const DOCUMENT_NOT_FOUND = { zh: '文档不存在', en: 'Document not found' };
const SCRIPT_NOT_FOUND = { zh: '话术不存在', en: 'Sales script not found' };

function checkDocument(d: { url: string | null; body: string | null }) {
  if (!d.url && !d.body?.trim()) {
    throw invalid([fieldError('body', 'urlOrBody', '请填写文档链接或正文', 'give either a link or the text of the document')]);
  }
}

async function lockProduct(trx: Db, code: string) {
  if (!(await repo.getProductForUpdate(trx, code))) throw productNotFound();
}

export async function addDocument(db: Db, actor: Actor, code: string, input: DocumentInput) {
  const values: repo.DocumentValues = { title: input.title.trim(), kind: input.kind, url: input.url ?? null, body: input.body ?? null, version: input.version ?? '1.0' };
  checkDocument(values);
  return db.transaction().execute(async (trx) => {
    await lockProduct(trx, code);
    const row = await repo.insertDocument(trx, code, values, actor.userId);
    await audit(trx, actor, { action: 'create', entity: 'product_document', entityId: row.id, fields: Object.keys(values), changes: { product: code, title: values.title, kind: values.kind, version: values.version } });
    return presentDocument(row);
  });
}

export async function updateDocument(db: Db, actor: Actor, code: string, id: number, patch: DocumentPatch) {
  return db.transaction().execute(async (trx) => {
    const before = await repo.getDocument(trx, code, id);
    if (!before) throw notFound(DOCUMENT_NOT_FOUND);
    const set: Partial<repo.DocumentValues> = {};
    if (patch.title !== undefined) set.title = patch.title.trim();
    if (patch.kind !== undefined) set.kind = patch.kind;
    if (patch.url !== undefined) set.url = patch.url;
    if (patch.body !== undefined) set.body = patch.body;
    if (patch.version !== undefined) set.version = patch.version;
    checkDocument({ url: set.url !== undefined ? set.url : before.url, body: set.body !== undefined ? set.body : before.body });
    const d = diff(before as unknown as Record<string, unknown>, set as Record<string, unknown>);
    if (!d) return presentDocument(before);
    const row = await repo.updateDocument(trx, id, set);
    await audit(trx, actor, { action: 'update', entity: 'product_document', entityId: id, fields: d.fields, changes: { product: code, ...d.changes } });
    return presentDocument(row);
  });
}

export async function removeDocument(db: Db, actor: Actor, code: string, id: number) {
  await db.transaction().execute(async (trx) => {
    const before = await repo.getDocument(trx, code, id);
    if (!before) throw notFound(DOCUMENT_NOT_FOUND);
    await repo.deleteDocument(trx, id);
    await audit(trx, actor, { action: 'delete', entity: 'product_document', entityId: id, changes: { product: code, title: before.title, kind: before.kind, version: before.version } });
  });
}

export async function addScript(db: Db, actor: Actor, code: string, input: ScriptInput) {
  const values: repo.ScriptValues = { title: input.title.trim(), content: input.content.trim(), scenario: input.scenario ?? 'general', audience: input.audience?.trim() || null };
  return db.transaction().execute(async (trx) => {
    await lockProduct(trx, code);
    const row = await repo.insertScript(trx, code, values, actor.userId);
    await audit(trx, actor, { action: 'create', entity: 'product_script', entityId: row.id, fields: Object.keys(values), changes: { product: code, ...values } });
    return presentScript(row);
  });
}

export async function updateScript(db: Db, actor: Actor, code: string, id: number, patch: ScriptPatch) {
  return db.transaction().execute(async (trx) => {
    const before = await repo.getScript(trx, code, id);
    if (!before) throw notFound(SCRIPT_NOT_FOUND);
    const set: Partial<repo.ScriptValues> = {};
    if (patch.title !== undefined) set.title = patch.title.trim();
    if (patch.content !== undefined) set.content = patch.content.trim();
    if (patch.scenario !== undefined) set.scenario = patch.scenario;
    if (patch.audience !== undefined) set.audience = patch.audience?.trim() || null;
    const d = diff(before as unknown as Record<string, unknown>, set as Record<string, unknown>);
    if (!d) return presentScript(before);
    const row = await repo.updateScript(trx, id, set);
    await audit(trx, actor, { action: 'update', entity: 'product_script', entityId: id, fields: d.fields, changes: { product: code, ...d.changes } });
    return presentScript(row);
  });
}

export async function removeScript(db: Db, actor: Actor, code: string, id: number) {
  await db.transaction().execute(async (trx) => {
    const before = await repo.getScript(trx, code, id);
    if (!before) throw notFound(SCRIPT_NOT_FOUND);
    await repo.deleteScript(trx, id);
    await audit(trx, actor, { action: 'delete', entity: 'product_script', entityId: id, changes: { product: code, title: before.title, scenario: before.scenario } });
  });
}

// ---------------------------------------------------------------------------------------------
// A customer's holdings

const CUSTOMER_NOT_FOUND = { zh: '客户不存在', en: 'Customer not found' };

/** Products a customer holds, grouped by category; balances are financial data, so the read is audited. */
export async function holdings(db: Db, user: CurrentUser, actor: Actor, customerNo: string, now = new Date()) {
  const today = bankDate(now);
  const found = await db.transaction().execute(async (trx) => {
    const c = await repo.findCustomer(trx, user, customerNo);
    if (!c) return undefined;
    const rows = await repo.customerHoldings(trx, c.id, today);
    await audit(trx, actor, { action: 'read', entity: 'customer', entityId: c.customer_no, customerId: c.id, fields: ['holdings'] });
    return { c, rows };
  });
  if (!found) throw notFound(CUSTOMER_NOT_FOUND);
  const { c, rows } = found;
  const categories = new Map<string, { category: string; balanceFen: number; products: unknown[] }>();
  let assetFen = 0;
  let liabilityFen = 0;
  for (const r of rows) {
    const balance = Number(r.balance_fen);
    if (r.is_asset) assetFen += balance;
    else liabilityFen += balance;
    const g = categories.get(r.category) ?? { category: r.category, balanceFen: 0, products: [] };
    g.balanceFen += balance;
    g.products.push({
      code: r.code, name: r.name, nameEn: r.name_en, riskRating: r.risk_rating, isAsset: r.is_asset, accounts: r.accounts, balanceFen: balance,
      nextMaturityOn: r.next_maturity_on, firstOpenedOn: r.first_opened_on,
      // Suitability (B3): a product rated above the customer's tolerance is flagged, never hidden.
      aboveTolerance: !!(r.risk_rating && c.risk_tolerance && Number(r.risk_rating.slice(1)) > Number(c.risk_tolerance.slice(1))),
    });
    categories.set(r.category, g);
  }
  return {
    customerNo: c.customer_no, name: c.name, riskTolerance: c.risk_tolerance, asOf: today,
    assetFen, liabilityFen, productCount: rows.length, categories: [...categories.values()],
  };
}

// ---------------------------------------------------------------------------------------------
// Product–customer association (S5)

/** Items named in both languages, for explanations. */
async function itemLabels(db: Db, items: Iterable<Item>) {
  const [levels, products] = await Promise.all([repo.levels(db), repo.productNames(db)]);
  const levelName = new Map(levels.map((l) => [l.code, l]));
  const productName = new Map(products.map((p) => [p.code, p]));
  const out: Record<string, { zh: string; en: string }> = {};
  for (const item of items) {
    const [dim, v] = splitItem(item);
    switch (dim) {
      case 'holds': {
        const p = productName.get(v);
        out[item] = { zh: `持有${p?.name ?? v}`, en: `holds ${p?.name_en ?? v}` };
        break;
      }
      case 'level': {
        const l = levelName.get(v);
        out[item] = v === 'none' ? { zh: '未定级', en: 'no level' } : { zh: `${l?.name ?? v}客户`, en: `${l?.name_en ?? v} level` };
        break;
      }
      case 'party':
        out[item] = v === 'person' ? { zh: '个人客户', en: 'personal customer' } : { zh: '机构客户', en: 'organisation' };
        break;
      case 'age':
        if (v.startsWith('<')) out[item] = { zh: `${v.slice(1)} 岁以下`, en: `under ${v.slice(1)}` };
        else if (v.endsWith('+')) out[item] = { zh: `${v.slice(0, -1)} 岁及以上`, en: `aged ${v.slice(0, -1)} and over` };
        else out[item] = { zh: `${v.replace('-', '–')} 岁`, en: `aged ${v.replace('-', '–')}` };
        break;
      case 'aum':
        out[item] = { zh: `资产 ${aumZh(v)}`, en: `AUM ${v.replace('k', ' k').replace('m', ' m')} CNY` };
        break;
      case 'risk':
        out[item] = v === 'none' ? { zh: '未做风险测评', en: 'no risk assessment' } : { zh: `风险承受能力 ${v}`, en: `risk tolerance ${v}` };
        break;
      default:
        out[item] = { zh: item, en: item };
    }
  }
  return out;
}

const aumZh = (band: string) =>
  ({ '<50k': '5 万元以下', '50k-500k': '5–50 万元', '500k-3m': '50–300 万元', '3m+': '300 万元以上' } as Record<string, string>)[band] ?? band;

/** How many product rules get refined with a segment (the pairs pass), and how many rule queries at most. */
const REFINE_PRODUCTS = 6;
const MAX_RULE_QUERIES = 12;

/**
 * Above this many customers, counts come from a fixed hashed sample of about this size: confidence
 * and lift are ratios, and 50,000 customers estimate them well, in bounded time at a million.
 */
export const SAMPLE_TARGET = 50_000;
const moduloFor = (population: number) => Math.max(1, Math.ceil(population / SAMPLE_TARGET));

/**
 * "Likely customers" for a product: association rules mined over the user's scope (SQL counts +
 * engine), then customers who do not hold it, ranked by the best rule they match, each with the
 * rules that explain it. Fetching candidates rule by rule (best first) gives the exact top N of
 * the best-rule score without scoring every customer, which keeps a million-customer bank fast.
 */
export async function prospects(db: Db, user: CurrentUser, code: string, query: ProspectsQuery, now = new Date(), sampleTarget = SAMPLE_TARGET) {
  const p = await repo.getProduct(db, code);
  if (!p) throw productNotFound();
  const on = bankDate(now);
  const limit = query.limit ?? 20;
  const modulo = Math.max(1, Math.ceil((await repo.countPopulation(db, user)) / sampleTarget));
  const singles = await repo.singleCounts(db, user, code, on, modulo);
  const head = singles.find((r) => r.item1 === '*') ?? { n: 0, nt: 0 };
  const population = head.n;
  const holders = head.nt;
  const minCount = query.minCount ?? Math.max(5, Math.round(population * 0.002));
  const counts: AntecedentCount[] = singles.filter((r) => r.item1 !== '*').map((r) => ({ items: [r.item1], count: r.n, withTarget: r.nt }));
  // Refine the strongest product rules by segment: "holds X and is gold" can say more than either.
  const firstPass = mineRules({ population, targetHolders: holders, antecedents: counts }, { minCount, maxRules: 200 });
  const refine = firstPass.filter((r) => r.antecedent[0]!.startsWith('holds:')).slice(0, REFINE_PRODUCTS).map((r) => splitItem(r.antecedent[0]!)[1]);
  const pairs = await repo.pairCounts(db, user, code, on, refine, modulo);
  counts.push(...pairs.map((r) => ({ items: [r.item1, r.item2!], count: r.n, withTarget: r.nt })));
  const rules = mineRules({ population, targetHolders: holders, antecedents: counts }, { minCount, maxRules: 40 });
  const baseRate = population ? holders / population : 0;

  // Suitability (B3): never recommend a product above a customer's known risk tolerance.
  const minTolerance = p.risk_rating ? `C${p.risk_rating.slice(1)}` : null;
  // A product off the shelf is not offered; its rules still tell who bought it.
  const onSale = p.status === 'active';
  const picked: number[] = [];
  for (const rule of onSale ? rules.slice(0, MAX_RULE_QUERIES) : []) {
    if (picked.length >= limit) break;
    picked.push(...(await repo.findMatching(db, user, code, rule.antecedent, on, picked, limit - picked.length, minTolerance)));
  }
  const facts = await repo.candidateFacts(db, picked);
  const byId = new Map(facts.map((f) => [f.id, f]));
  const ranked = rankCandidates(
    facts.map((f) => ({
      key: f.id,
      items: featuresOf({ party: f.party, levelCode: f.level_code, birthDate: f.birth_date, aumFen: Number(f.aum_fen), riskTolerance: f.risk_tolerance, products: f.products }, on),
    })),
    rules, baseRate, limit,
  );
  const shown = new Set<Item>(rules.flatMap((r) => r.antecedent));
  const labels = await itemLabels(db, shown);
  const presentRule = (r: Rule) => ({ ...r, labels: r.antecedent.map((i) => labels[i] ?? { zh: i, en: i }) });
  return {
    product: { code: p.code, name: p.name, nameEn: p.name_en, riskRating: p.risk_rating, status: p.status },
    onSale,
    asOf: on,
    // Counts are of the sample when sampleRate < 1; shares, confidence and lift read the same.
    sampleRate: 1 / modulo,
    population,
    holders,
    baseRate: Math.round(baseRate * 10_000) / 10_000,
    minCount,
    rules: rules.slice(0, 15).map(presentRule),
    candidates: ranked.map((r) => {
      const f = byId.get(r.key)!;
      return {
        customerNo: f.customer_no, name: f.name, party: f.party, levelCode: f.level_code, levelName: f.level_name, levelNameEn: f.level_name_en,
        managerName: f.manager_name, aumFen: Number(f.aum_fen), riskTolerance: f.risk_tolerance,
        needsRiskAssessment: !!minTolerance && !f.risk_tolerance,
        score: r.score, lift: r.lift, matchedRules: r.matched, reasons: r.reasons.map(presentRule),
      };
    }),
  };
}

// ---------------------------------------------------------------------------------------------
// Segments × products

export async function matrix(db: Db, user: CurrentUser, query: MatrixQuery, now = new Date()) {
  const dimension = query.dimension ?? 'level';
  const on = bankDate(now);
  const modulo = moduloFor(await repo.countPopulation(db, user));
  const [rows, products] = await Promise.all([repo.segmentMatrix(db, user, dimension, on, modulo), repo.productNames(db)]);
  const customers = new Map<string, number>();
  for (const r of rows) if (r.product === null) customers.set(r.segment, r.n);
  const held = new Set(rows.filter((r) => r.product !== null).map((r) => r.product!));
  const cols = products.filter((p) => (!query.category || p.category === query.category) && (p.status === 'active' || held.has(p.code)));
  const colSet = new Set(cols.map((c) => c.code));
  const segments = await segmentLabels(db, dimension, [...customers.keys()]);
  return {
    // Below 1, counts are of a fixed hashed sample: penetration is estimated from it.
    dimension, asOf: on, sampleRate: 1 / modulo,
    segments: segments.map((s) => ({ ...s, customers: customers.get(s.key) ?? 0 })),
    products: cols.map((p) => ({ code: p.code, name: p.name, nameEn: p.name_en, category: p.category })),
    cells: rows
      .filter((r) => r.product !== null && colSet.has(r.product))
      .map((r) => ({ segment: r.segment, product: r.product!, holders: r.n, penetrationPct: penetration(r.n, customers.get(r.segment) ?? 0) })),
  };
}

/** Segment keys in their natural order, named in both languages. */
async function segmentLabels(db: Db, dimension: repo.MatrixDimension, keys: string[]) {
  const present = new Set(keys);
  const named = (key: string, zh: string, en: string) => ({ key, name: zh, nameEn: en });
  let all: { key: string; name: string; nameEn: string }[];
  switch (dimension) {
    case 'level':
      all = [...(await repo.levels(db)).map((l) => named(l.code, l.name, l.name_en)), named('none', '未定级', 'No level')];
      break;
    case 'type':
      all = (await repo.customerTypes(db)).map((t) => named(t.code, t.name, t.name_en));
      break;
    case 'age': {
      const labels = await itemLabels(db, AGE_BANDS.map((b) => `age:${b.label}`));
      all = AGE_BANDS.map((b) => named(b.label, labels[`age:${b.label}`]!.zh, labels[`age:${b.label}`]!.en));
      break;
    }
    case 'aum':
      all = AUM_BANDS.map((b) => named(b.label, aumZh(b.label), `${b.label} CNY`));
      break;
    case 'party':
      all = [named('person', '个人客户', 'Personal'), named('organization', '机构客户', 'Organisation')];
      break;
    case 'risk':
      all = [...['C1', 'C2', 'C3', 'C4', 'C5'].map((c) => named(c, c, c)), named('none', '未测评', 'Not assessed')];
      break;
  }
  return all.filter((s) => present.has(s.key));
}

// ---------------------------------------------------------------------------------------------
// Jobs

/** Retires every product whose retirement date has passed; idempotent (retired ones are left alone). */
export async function retireDue(db: Db, now: Date) {
  return db.transaction().execute(async (trx) => {
    const rows = await repo.retireDueProducts(trx, bankDate(now));
    for (const r of rows) {
      await audit(trx, SYSTEM_ACTOR, { action: 'update', entity: 'product', entityId: r.code, fields: ['status'], changes: { status: { to: 'retired' }, reason: 'retire_on passed' } });
    }
    return { retired: rows.map((r) => r.code) };
  });
}
