import fs from 'node:fs';
import path from 'node:path';
import cronParser from 'cron-parser';
import type { Db } from '../../db/database.ts';
import { audit, diff, SYSTEM_ACTOR, type Actor } from '../../platform/audit.ts';
import type { CurrentUser } from '../../platform/auth.ts';
import { AppError, fieldError, invalid, notFound, type FieldError, type Message } from '../../platform/errors.ts';
import { JOB_TIME_ZONE } from '../../platform/jobs.ts';
import {
  compileMapping, CORE_FIELDS, DEFAULT_CODE_TABLES, defaultMapping, FIELD_NAMES, ID_TYPES, INVALID_ID_POLICIES, INVALID_ID_POLICY_NAMES, JOB_LEVELS, mappedColumns,
  TRANSFORM_NAMES, TRANSFORMS, validateMapping, contentHash, type IdIssue, type InvalidIdPolicy, type Mapping, type Reason,
} from '../../../engines/transform/index.ts';
import { failureLine, resolveSourceRecords } from '../integration/integration.service.ts';
import { sourceTrustChanged } from '../integration/integration.golden.ts';
import { GOLDEN_FIELDS } from '../integration/integration.survivorship.ts';
import * as workplace from '../workplace/workplace.service.ts';
import { bankToday, duplicatesOf, messageOf, rawHash, runLoad, type RunOptions, type RunOutcome } from './interfaces.loader.ts';
import { duplicateColumns } from './interfaces.batches.ts';
import { checkLanding, claim, readyFiles, settle, taken, type Landing } from './interfaces.landing.ts';
import { inspectFile } from './interfaces.readers.ts';
import { DEFAULT_TRUST, defaultTrust } from './interfaces.trust.ts';
import * as repo from './interfaces.repository.ts';
import type { InterfaceInput, InterfacePatch, MappingInput, QuarantineQuery, SourceInput, SourcePatch, UnverifiedQuery } from './interfaces.schemas.ts';
import { ENCODINGS, SOURCE_KINDS } from './interfaces.schemas.ts';
import type { Encoding, LoadTrigger } from './interfaces.table.ts';

const NO_SOURCE: Message = { zh: '源系统不存在', en: 'No such source system' };
const NO_INTERFACE: Message = { zh: '接口不存在', en: 'No such interface' };
const NO_LOAD: Message = { zh: '加载记录不存在', en: 'No such load' };
const NO_ROW: Message = { zh: '隔离记录不存在', en: 'No such quarantined row' };
const DEALT_WITH: Message = { zh: '该记录已处理', en: 'This row has been dealt with already' };
/** A quarantined row whose record key a later load wrote: re-submitting it would put older data over newer. */
const STALE = (key: string | null, loadId: number | null): Message => ({
  zh: `该隔离行已过时：其记录主键${key ? ` ${key} ` : ''}已由之后的加载${loadId ? ` #${loadId} ` : ''}写入，重新提交会用旧数据覆盖新数据，不能重新提交或修正`,
  en: `this quarantined row is stale: a later load${loadId ? ` (#${loadId})` : ''} loaded its record key${key ? ` ${key}` : ''}; re-submitting it would put older data over newer, so it cannot be re-submitted or fixed`,
});

export function meta() {
  return {
    sourceKinds: SOURCE_KINDS, encodings: ENCODINGS, idTypes: ID_TYPES, jobLevels: JOB_LEVELS, trustFields: GOLDEN_FIELDS, defaultTrust: DEFAULT_TRUST,
    coreFields: CORE_FIELDS.map((f) => ({ field: f, name: FIELD_NAMES[f] })),
    accountFields: ['accountNo', 'productCode', 'currency', 'status', 'openedOn', 'closedOn', 'balanceFen', 'branchCode'],
    transforms: TRANSFORMS.map((t) => ({ name: t, label: TRANSFORM_NAMES[t] })),
    defaultCodeTables: DEFAULT_CODE_TABLES,
    defaultMapping: defaultMapping(),
    invalidIds: INVALID_ID_POLICIES.map((p) => ({ value: p, ...INVALID_ID_POLICY_NAMES[p] })),
  };
}

/** The users an interface can be given to as its owner (a picker in the settings). */
export async function listOwners(db: Db) {
  return { items: (await repo.listOwners(db)).map((u) => ({ id: u.id, username: u.username, displayName: u.display_name, orgName: u.org_name })) };
}

async function checkOwner(db: Db, ownerUserId: number | null | undefined) {
  if (ownerUserId == null) return;
  if (!(await repo.listOwners(db, ownerUserId)).length) {
    throw invalid([fieldError('ownerUserId', 'exists', '负责人须为可管理数据接口的在职用户', 'the owner must be an active user who manages interfaces')]);
  }
}

// ====================================================================== sources

/** A source is trusted per field of the golden record: the fields survivorship weighs (I2). */
const TRUST_KEYS: ReadonlySet<string> = new Set(GOLDEN_FIELDS);

function checkTrust(trust: Record<string, number> | undefined): void {
  if (!trust) return;
  const bad = Object.keys(trust).filter((k) => !TRUST_KEYS.has(k));
  const known = GOLDEN_FIELDS.join(', ');
  if (bad.length) throw invalid(bad.map((k) => fieldError(`fieldTrust.${k}`, 'enum', `${k} 不是客户信息的字段（可设：${known}）`, `${k} is not a field of the golden record (one of: ${known})`)));
}

function presentSource(s: Awaited<ReturnType<typeof repo.listSources>>[number] | NonNullable<Awaited<ReturnType<typeof repo.getSource>>>) {
  return {
    code: s.code, name: s.name, nameEn: s.name_en, kind: s.kind, owner: s.owner, valueRank: s.value_rank, fieldTrust: (s.field_trust ?? {}) as Record<string, number>,
    description: s.description, records: 'records' in s ? s.records ?? 0 : undefined, interfaces: 'interfaces' in s ? s.interfaces ?? 0 : undefined,
    createdAt: s.created_at, updatedAt: s.updated_at,
  };
}

export async function listSources(db: Db) {
  return { items: (await repo.listSources(db)).map(presentSource) };
}

export async function getSource(db: Db, code: string) {
  const s = await repo.getSource(db, code);
  if (!s) throw notFound(NO_SOURCE);
  return presentSource(s);
}

/** Registers a source; one given no field trust (or an empty one) gets its kind's (DEFAULT_TRUST), wherever it is registered from. */
export async function createSource(db: Db, actor: Actor, input: SourceInput) {
  checkTrust(input.fieldTrust);
  const trust = input.fieldTrust && Object.keys(input.fieldTrust).length ? input.fieldTrust : defaultTrust(input.kind);
  return db.transaction().execute(async (trx) => {
    if (await repo.getSource(trx, input.code)) throw invalid([fieldError('code', 'unique', '源系统代码已存在', 'a source with this code exists')]);
    const row = {
      code: input.code, name: input.name.trim(), name_en: input.nameEn?.trim() || input.name.trim(), kind: input.kind, owner: input.owner ?? null,
      value_rank: input.valueRank ?? 50, field_trust: JSON.stringify(trust), description: input.description ?? null,
    };
    await repo.insertSource(trx, row);
    await audit(trx, actor, { action: 'create', entity: 'source_system', entityId: input.code, changes: { ...row, field_trust: trust } });
    return presentSource((await repo.getSource(trx, input.code))!);
  });
}

export async function updateSource(db: Db, actor: Actor, code: string, patch: SourcePatch) {
  checkTrust(patch.fieldTrust);
  return db.transaction().execute(async (trx) => {
    const before = await repo.getSource(trx, code);
    if (!before) throw notFound(NO_SOURCE);
    const set = {
      ...(patch.name !== undefined ? { name: patch.name.trim() } : {}), ...(patch.nameEn !== undefined ? { name_en: patch.nameEn.trim() } : {}),
      ...(patch.kind !== undefined ? { kind: patch.kind } : {}), ...(patch.owner !== undefined ? { owner: patch.owner } : {}),
      ...(patch.valueRank !== undefined ? { value_rank: patch.valueRank } : {}), ...(patch.description !== undefined ? { description: patch.description } : {}),
    };
    const changed = diff(before as unknown as Record<string, unknown>, { ...set, ...(patch.fieldTrust ? { field_trust: patch.fieldTrust } : {}) });
    if (changed) {
      await repo.updateSource(trx, code, { ...set, ...(patch.fieldTrust ? { field_trust: JSON.stringify(patch.fieldTrust) } : {}) });
      await audit(trx, actor, { action: 'update', entity: 'source_system', entityId: code, fields: changed.fields, changes: changed.changes });
      // Survivorship picks golden-record values by these: its customers' golden records are recomputed in the background.
      if (changed.fields.includes('field_trust') || changed.fields.includes('value_rank')) await sourceTrustChanged(trx, code);
    }
    return presentSource((await repo.getSource(trx, code))!);
  });
}

// ====================================================================== interfaces and mappings

const MASK = '****';
/** Query parameters of a connection URL that carry a secret (node-postgres takes any libpq parameter from the query). */
const SECRET_PARAMS: ReadonlySet<string> = new Set(['password', 'sslpassword']);

/**
 * Rewrites the values of a URL's secret query parameters (`value` gets the parameter's name, which of that name it
 * is, 0 first, and its value; null leaves it). The rest of the query is kept as written.
 */
function rewriteSecrets(u: URL, value: (name: string, nth: number, current: string) => string | null): void {
  if (u.search.length < 2) return;
  const seen = new Map<string, number>();
  u.search = u.search.slice(1).split('&').map((part) => {
    const [entry] = [...new URLSearchParams(part)];
    const name = entry?.[0].toLowerCase();
    if (!entry || !name || !SECRET_PARAMS.has(name)) return part;
    const nth = seen.get(name) ?? 0;
    seen.set(name, nth + 1);
    const v = value(name, nth, entry[1]);
    const eq = part.indexOf('=');
    return v === null ? part : `${eq === -1 ? part : part.slice(0, eq)}=${encodeURIComponent(v)}`;
  }).join('&');
}

const secretsOf = (u: URL, name: string) => [...u.searchParams].filter(([k]) => k.toLowerCase() === name).map(([, v]) => v);

/**
 * A connection URL as sent back by a form that showed it masked: a password of `****` (after `user:`, or as a
 * `password`/`sslpassword` query parameter) means "the stored one", whatever else of the URL was edited.
 */
function unmaskUrl(url: string | null | undefined, stored: string | null): string | null | undefined {
  if (!url || !stored) return url;
  try {
    const u = new URL(url);
    const s = new URL(stored);
    if (decodeURIComponent(u.password) === MASK) u.password = s.password;
    rewriteSecrets(u, (name, nth, v) => (v === MASK ? secretsOf(s, name)[nth] ?? null : null));
    return u.toString() === new URL(url).toString() ? url : u.toString();
  } catch {
    return url;
  }
}

/** A connection URL as shown back or audited: no password leaves the server, neither `user:password@` nor `?password=`. */
function maskUrl(url: string | null): string | null {
  if (!url) return url;
  try {
    const u = new URL(url);
    if (u.password) u.password = MASK;
    rewriteSecrets(u, (_name, _nth, v) => (v ? MASK : null));
    return u.toString();
  } catch {
    return '****';
  }
}

type IfaceRow = NonNullable<Awaited<ReturnType<typeof repo.getInterface>>>;

function presentInterface(i: IfaceRow & { last_load_id?: number | null; open_quarantine?: number | null }) {
  return {
    id: i.id, code: i.code, name: i.name, sourceCode: i.source_code, connector: i.connector, encoding: i.encoding, delimiter: i.delimiter,
    pgUrl: maskUrl(i.pg_url), pgQuery: i.pg_query, watermarkColumn: i.watermark_column, watermark: i.watermark, cron: i.cron, nextRunAt: i.next_run_at,
    landingDir: i.landing_dir, landingPattern: i.landing_pattern, landingFlag: i.landing_flag,
    enabled: i.enabled, ownerUserId: i.owner_user_id, ownerName: i.owner_name ?? null, mappingVersion: i.mapping_version, description: i.description,
    openQuarantine: i.open_quarantine ?? undefined, createdAt: i.created_at, updatedAt: i.updated_at,
  };
}

export async function listInterfaces(db: Db, sourceCode?: string) {
  const rows = await repo.listInterfaces(db, sourceCode);
  const items = [];
  for (const r of rows) {
    const last = r.last_load_id ? await repo.getLoad(db, r.last_load_id) : undefined;
    items.push({ ...presentInterface(r), lastLoad: last ? presentLoad(last) : null });
  }
  return { items };
}

async function ifaceOr404(db: Db, id: number) {
  const i = await repo.getInterface(db, id);
  if (!i) throw notFound(NO_INTERFACE);
  return i;
}

export async function getInterface(db: Db, id: number) {
  const i = await ifaceOr404(db, id);
  const m = await repo.getMapping(db, id, i.mapping_version);
  return { ...presentInterface(i), mapping: m?.mapping as Mapping };
}

function nextRun(cron: string, after: Date): Date | null {
  try {
    return cronParser.parseExpression(cron, { currentDate: after, tz: JOB_TIME_ZONE }).next().toDate();
  } catch {
    return null;
  }
}

/** A cron as stored: blank means no schedule (null), else trimmed. */
function cronOf(cron: string | null | undefined): string | null | undefined {
  if (cron === undefined || cron === null) return cron;
  return cron.trim() || null;
}

/**
 * Five fields (minute hour day month weekday) or a macro such as @daily: schedules run on the minute tick, so a sixth
 * field of seconds would be ignored. A valid expression that never fires (31 February) is refused as such.
 */
function checkCron(cron: string | null | undefined) {
  if (!cron) return;
  try {
    cronParser.parseExpression(cron, { currentDate: new Date(), tz: JOB_TIME_ZONE }).next();
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    if (/day of month|loop limit/i.test(why)) {
      throw invalid([fieldError('cron', 'never', '该 cron 表达式永远不会触发（所选月份没有这一天）', 'this cron expression never runs (no such day in the months it names)')]);
    }
    throw invalid([fieldError('cron', 'cron', 'cron 表达式不正确（如 0 2 * * * 表示每天 2 点）', 'is not a cron expression (e.g. 0 2 * * * for 02:00 daily)')]);
  }
  const fields = cron.split(/\s+/).length;
  if (!cron.startsWith('@') && fields !== 5) {
    throw invalid([fieldError('cron', 'fields', `cron 表达式须为 5 个字段（分 时 日 月 周，按分钟调度，不支持秒），此处为 ${fields} 个`,
      `a cron expression has 5 fields (minute hour day month weekday; schedules run by the minute, without seconds), this has ${fields}`)]);
  }
}

/** Where a file interface with a schedule takes its files from; a database pull has no landing folder. */
type LandingInput = { landingDir?: string | null; landingPattern?: string | null; landingFlag?: string | null };

/**
 * The landing columns to store, checked: a file interface runs on a schedule only from a landing folder (files
 * otherwise arrive by upload or `banyan import`), and only a file interface has one.
 */
function landingColumns(connector: string, cron: string | null, v: LandingInput, root: string | undefined) {
  if (!v.landingDir) {
    if (cron && connector === 'file') throw invalid([fieldError('cron', 'landing', '文件接口需先设置落地目录才能定时运行', 'a file interface runs on a schedule only from a landing folder: set one')]);
    return { landing_dir: null, landing_pattern: null, landing_flag: null };
  }
  if (connector !== 'file') throw invalid([fieldError('landingDir', 'connector', '只有文件接口有落地目录', 'only a file interface has a landing folder')]);
  if (!root) throw invalid([fieldError('landingDir', 'root', '未配置落地根目录（BANYAN_LANDING_ROOT）', 'no landing root is configured (BANYAN_LANDING_ROOT)')]);
  const l = checkLanding(root, { dir: v.landingDir, pattern: v.landingPattern, flag: v.landingFlag });
  return { landing_dir: l.dir, landing_pattern: l.pattern, landing_flag: l.flag };
}

const landingOf = (i: IfaceRow): Landing | null => (i.landing_dir ? { dir: i.landing_dir, pattern: i.landing_pattern ?? '*', flag: i.landing_flag } : null);

function checkMapping(m: Mapping) {
  const problems = validateMapping(m);
  if (problems.length) throw invalid(problems.map((p) => fieldError(`mapping.${p.field}`, p.rule, p.message.zh, p.message.en)));
}

/**
 * The SQL of a query with string literals, quoted names, dollar-quoted bodies and comments blanked out, so that what
 * is left is its keywords and punctuation: a semicolon or a keyword found there is really one.
 */
export function sqlCode(q: string): string {
  let out = '';
  for (let i = 0; i < q.length;) {
    const c = q[i]!, n = q[i + 1];
    let end = -1;
    if (c === "'" || c === '"') {
      end = i + 1;
      for (;;) {
        const j = q.indexOf(c, end);
        if (j === -1) { end = q.length; break; }
        if (q[j + 1] === c) { end = j + 2; continue; }
        end = j + 1;
        break;
      }
    } else if (c === '-' && n === '-') {
      const j = q.indexOf('\n', i);
      end = j === -1 ? q.length : j;
    } else if (c === '/' && n === '*') {
      const j = q.indexOf('*/', i + 2);
      end = j === -1 ? q.length : j + 2;
    } else if (c === '$') {
      const tag = /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/.exec(q.slice(i))?.[0];
      if (tag) {
        const j = q.indexOf(tag, i + tag.length);
        end = j === -1 ? q.length : j + tag.length;
      }
    }
    if (end === -1) { out += c; i++; } else { out += ' '; i = end; }
  }
  return out;
}

/** Statements that write or change a database: a pull only reads (it runs in a read-only transaction). */
const WRITES = /\b(insert|update|delete|merge|truncate|drop|alter|create|grant|revoke|copy|call|vacuum|lock)\b/i;

function checkPull(connector: string, v: { pgUrl?: string | null; pgQuery?: string | null }) {
  if (connector !== 'postgres') return;
  const errs: FieldError[] = [];
  if (!v.pgUrl) errs.push(fieldError('pgUrl', 'required', '数据库拉取需要连接地址', 'a database pull needs a connection URL'));
  else if (!/^postgres(ql)?:\/\/[^/]/i.test(v.pgUrl)) errs.push(fieldError('pgUrl', 'format', '连接地址须形如 postgres://用户:密码@主机:端口/数据库', 'the connection URL must look like postgres://user:password@host:port/database'));
  if (!v.pgQuery) errs.push(fieldError('pgQuery', 'required', '数据库拉取需要 SQL 查询', 'a database pull needs an SQL query'));
  else {
    const code = sqlCode(v.pgQuery);
    const semi = code.indexOf(';');
    if (!/^\s*(select|with)\b/i.test(code)) errs.push(fieldError('pgQuery', 'select', '查询必须以 SELECT 或 WITH 开头', 'the query must start with SELECT or WITH'));
    else if (semi !== -1 && code.slice(semi + 1).replace(/;/g, '').trim()) {
      errs.push(fieldError('pgQuery', 'singleStatement', '查询只能是一条语句（分号后不能再有语句）', 'the query must be a single statement (nothing may follow a semicolon)'));
    } else if (WRITES.test(code)) {
      const word = WRITES.exec(code)![1]!.toUpperCase();
      errs.push(fieldError('pgQuery', 'readOnly', `查询只能读取数据，不能包含 ${word}`, `the query may only read data: it must not contain ${word}`));
    }
  }
  if (errs.length) throw invalid(errs);
}

/** `landingRoot`: the folder landing folders must lie in (the server's BANYAN_LANDING_ROOT). */
export async function createInterface(db: Db, actor: Actor, input: InterfaceInput, landingRoot?: string) {
  if (input.cron !== undefined) input = { ...input, cron: cronOf(input.cron) };
  checkCron(input.cron);
  checkPull(input.connector, input);
  const landing = landingColumns(input.connector, input.cron ?? null, input, landingRoot);
  const mapping = (input.mapping as Mapping | undefined) ?? defaultMapping();
  checkMapping(mapping);
  return db.transaction().execute(async (trx) => {
    if (!(await repo.getSource(trx, input.sourceCode))) throw invalid([fieldError('sourceCode', 'exists', '源系统不存在', 'no such source system')]);
    await checkOwner(trx, input.ownerUserId);
    if ((await repo.listInterfaces(trx)).some((i) => i.code === input.code)) throw invalid([fieldError('code', 'unique', '接口代码已存在', 'an interface with this code exists')]);
    const { id } = await repo.insertInterface(trx, {
      code: input.code, name: input.name.trim(), source_code: input.sourceCode, connector: input.connector, encoding: input.encoding ?? 'auto',
      delimiter: input.delimiter ?? ',', pg_url: input.pgUrl ?? null, pg_query: input.pgQuery ?? null, watermark_column: input.watermarkColumn ?? null,
      watermark: input.watermark ?? null, cron: input.cron ?? null, next_run_at: input.cron ? nextRun(input.cron, new Date()) : null, ...landing, enabled: input.enabled ?? true,
      owner_user_id: input.ownerUserId ?? actor.userId, mapping_version: 1, description: input.description ?? null,
    });
    await repo.insertMapping(trx, id, 1, mapping, 'initial', actor.userId);
    await audit(trx, actor, { action: 'create', entity: 'interface', entityId: id, changes: { ...input, pgUrl: maskUrl(input.pgUrl ?? null), mapping: undefined } });
    return id;
  }).then((id) => getInterface(db, id));
}

export async function updateInterface(db: Db, actor: Actor, id: number, patch: InterfacePatch, landingRoot?: string) {
  if (patch.cron !== undefined) patch = { ...patch, cron: cronOf(patch.cron) };
  checkCron(patch.cron);
  await db.transaction().execute(async (trx) => {
    const before = await ifaceOr404(trx, id);
    if (patch.pgUrl !== undefined) patch = { ...patch, pgUrl: unmaskUrl(patch.pgUrl, before.pg_url) };
    const touchesLanding = patch.landingDir !== undefined || patch.landingPattern !== undefined || patch.landingFlag !== undefined;
    const landing = touchesLanding || patch.cron
      ? landingColumns(before.connector, patch.cron === undefined ? before.cron : patch.cron, {
        landingDir: patch.landingDir === undefined ? before.landing_dir : patch.landingDir,
        landingPattern: patch.landingPattern === undefined ? before.landing_pattern : patch.landingPattern,
        landingFlag: patch.landingFlag === undefined ? before.landing_flag : patch.landingFlag,
      }, landingRoot)
      : {};
    await checkOwner(trx, patch.ownerUserId);
    checkPull(before.connector, { pgUrl: patch.pgUrl === undefined ? before.pg_url : patch.pgUrl, pgQuery: patch.pgQuery === undefined ? before.pg_query : patch.pgQuery });
    const set = {
      ...(patch.name !== undefined ? { name: patch.name.trim() } : {}), ...(patch.encoding !== undefined ? { encoding: patch.encoding } : {}),
      ...(patch.delimiter !== undefined ? { delimiter: patch.delimiter } : {}), ...(patch.pgUrl !== undefined ? { pg_url: patch.pgUrl } : {}),
      ...(patch.pgQuery !== undefined ? { pg_query: patch.pgQuery } : {}), ...(patch.watermarkColumn !== undefined ? { watermark_column: patch.watermarkColumn } : {}),
      ...(patch.watermark !== undefined ? { watermark: patch.watermark } : {}), ...(patch.enabled !== undefined ? { enabled: patch.enabled } : {}),
      ...(patch.ownerUserId !== undefined ? { owner_user_id: patch.ownerUserId } : {}), ...(patch.description !== undefined ? { description: patch.description } : {}),
      ...(patch.cron !== undefined ? { cron: patch.cron || null, next_run_at: patch.cron ? nextRun(patch.cron, new Date()) : null } : {}),
      ...landing,
    };
    const changed = diff(before as unknown as Record<string, unknown>, set);
    if (!changed) return;
    await repo.updateInterface(trx, id, set);
    if (changed.changes.pg_url) changed.changes.pg_url = { from: maskUrl(before.pg_url), to: maskUrl(set.pg_url ?? null) };
    await audit(trx, actor, { action: 'update', entity: 'interface', entityId: id, fields: changed.fields, changes: changed.changes });
  });
  return getInterface(db, id);
}

export async function mappingVersions(db: Db, id: number) {
  const i = await ifaceOr404(db, id);
  const rows = await repo.listMappingVersions(db, id);
  return { current: i.mapping_version, items: rows.map((r) => ({ version: r.version, note: r.note, createdAt: r.created_at, createdBy: r.created_by_name, mapping: r.mapping as Mapping })) };
}

export async function getMappingVersion(db: Db, id: number, version: number) {
  const i = await ifaceOr404(db, id);
  const m = await repo.getMapping(db, id, version);
  if (!m) throw notFound({ zh: '映射版本不存在', en: 'No such mapping version' });
  return { interface: i, version: m.version, note: m.note, createdAt: m.created_at, mapping: m.mapping as Mapping };
}

/** Saves a new version of the mapping (old versions stay, loads name the version they ran with). */
export async function saveMapping(db: Db, actor: Actor, id: number, input: MappingInput) {
  const mapping = input.mapping as Mapping;
  checkMapping(mapping);
  await db.transaction().execute(async (trx) => {
    const i = await ifaceOr404(trx, id);
    const version = i.mapping_version + 1;
    await repo.insertMapping(trx, id, version, mapping, input.note ?? null, actor.userId);
    await repo.updateInterface(trx, id, { mapping_version: version });
    await audit(trx, actor, { action: 'update', entity: 'interface_mapping', entityId: `${id}:${version}`, fields: ['mapping'], changes: { version, note: input.note ?? null } });
  });
  return getInterface(db, id);
}

// ====================================================================== loads

type LoadRow = NonNullable<Awaited<ReturnType<typeof repo.getLoad>>>;

export function presentLoad(l: LoadRow | Awaited<ReturnType<typeof repo.listLoads>>[number]) {
  const size = l.format === 'postgres' ? null : l.file_size;
  const finished = l.status === 'succeeded' || l.status === 'failed';
  // Rows are read, mapped and written batch by batch (bytes_done: up to the last committed batch); the records each batch
  // hands to integration are resolved after it. Their total grows batch by batch: projected from the share written so far,
  // so that neither bar runs ahead of the work nor goes back.
  const written = l.status === 'succeeded' ? 1 : size ? Math.min(1, Number(l.bytes_done) / size) : 0;
  const toResolve = Number(l.to_resolve), resolved = Number(l.resolved);
  const expected = toResolve && written > 0 && written < 1 && !finished ? Math.max(toResolve, Math.round(toResolve / written)) : toResolve;
  const done = l.status === 'succeeded' ? 1 : toResolve ? Math.min(0.99, (written + resolved / expected) / 2) : Math.min(written, finished ? 1 : 0.99);
  const stage = l.status === 'queued' ? 'queued' : finished ? 'done' : written < 1 || !toResolve ? 'writing' : resolved < toResolve ? 'resolving' : 'finishing';
  return {
    id: l.id, interfaceId: l.interface_id, sourceCode: l.source_code, mappingVersion: l.mapping_version, trigger: l.trigger, status: l.status,
    fileName: l.file_name, fileSize: l.file_size, format: l.format, encoding: l.encoding, bytesDone: l.bytes_done, progress: Math.round(done * 1000) / 1000,
    // duplicates: rows repeating a key another row of the same file has (the last one counts), neither new nor changed.
    // unverifiedIds: accepted rows kept with an ID number that fails its check (the mapping's invalidIds: 'keep').
    report: { read: l.rows_read, accepted: l.accepted, rejected: l.rejected, unverifiedIds: l.unverified_ids, new: l.inserted, changed: l.changed, unchanged: l.unchanged, duplicates: duplicatesOf(l) },
    // Records handed to integration and resolved so far (total 0: the load leaves them pending, e.g. --no-resolve).
    // expected: the total projected for the whole load while it is still being written (for the progress bar).
    resolution: { done: l.resolved, total: l.to_resolve, expected }, stage: stage as 'queued' | 'writing' | 'resolving' | 'finishing' | 'done',
    checkpointRow: l.checkpoint_row, batches: l.batches, watermarkFrom: l.watermark_from, watermarkTo: l.watermark_to,
    error: l.error as { message: Message; fields?: unknown } | null, integrationError: l.integration_error,
    createdBy: l.created_by_name ?? null, createdAt: l.created_at, startedAt: l.started_at, finishedAt: l.finished_at,
  };
}

/** How many of a load's records failed to resolve into customers (banyan import says so, and exits 1). */
export const failedOfLoad = (db: Db, loadId: number) => repo.failedOfLoad(db, loadId);

export async function getLoad(db: Db, loadId: number) {
  const l = await repo.getLoad(db, loadId);
  if (!l) throw notFound(NO_LOAD);
  return presentLoad(l);
}

export async function listLoads(db: Db, id: number, page = 1, pageSize = 50) {
  await ifaceOr404(db, id);
  const [rows, total] = await Promise.all([repo.listLoads(db, id, pageSize, (page - 1) * pageSize), repo.countLoads(db, id)]);
  return { items: rows.map(presentLoad), total, page, pageSize };
}

export async function loadLog(db: Db, loadId: number) {
  await getLoad(db, loadId);
  return {
    items: (await repo.listLog(db, loadId)).map((e) => {
      const messages = logMessage(e.message);
      return { id: e.id, at: e.at, level: e.level, message: messages.en, messages };
    }),
  };
}

function logMessage(text: string): Message {
  if (text.startsWith('{')) {
    try {
      const m = JSON.parse(text) as Message;
      if (typeof m.zh === 'string' && typeof m.en === 'string') return m;
    } catch {
      // plain text after all
    }
  }
  return { zh: text, en: text };
}

export type FileLoadInput = { path: string; fileName: string; trigger: LoadTrigger; encoding?: Encoding; maxBytes: number };

/**
 * Checks a file whole (size, kind, encoding, header against the mapping) and queues its load; nothing is
 * written when the file is refused. The same file while its earlier load is unfinished resumes that load.
 */
export async function queueFileLoad(db: Db, actor: Actor, interfaceId: number, f: FileLoadInput): Promise<{ loadId: number; resumed: boolean }> {
  const iface = await ifaceOr404(db, interfaceId);
  if (iface.connector !== 'file') throw invalid([fieldError('interface', 'connector', '该接口不是文件接口', 'this interface does not take files')]);
  const m = await repo.getMapping(db, interfaceId, iface.mapping_version);
  const mapping = m!.mapping as Mapping;
  const info = await inspectFile(f.path, { maxBytes: f.maxBytes, encoding: f.encoding ?? iface.encoding, delimiter: iface.delimiter, requiredColumns: mappedColumns(mapping) });
  checkHeader(info.header);
  const open = await repo.findOpenLoadOfFile(db, interfaceId, info.sha256);
  if (open) {
    const l = (await repo.getLoad(db, open.id))!;
    if (l.file_path !== f.path && !(l.file_path && fs.existsSync(l.file_path))) await repo.setLoad(db, open.id, { file_path: f.path });
    return { loadId: open.id, resumed: true };
  }
  const loadId = await db.transaction().execute(async (trx) => {
    const { id } = await repo.insertLoad(trx, {
      interface_id: interfaceId, source_code: iface.source_code, mapping_version: iface.mapping_version, trigger: f.trigger, status: 'queued',
      file_name: f.fileName, file_path: f.path, file_size: info.size, file_sha256: info.sha256, format: info.format, encoding: info.encoding, header: info.header,
      created_by: actor.userId,
    });
    await audit(trx, actor, { action: 'create', entity: 'interface_load', entityId: id, changes: { interface: iface.code, file: f.fileName, size: info.size, format: info.format, encoding: info.encoding } });
    // A workbook: which worksheet is read, and which are not (a user looking for a sheet's rows finds why here).
    if (info.sheet?.others.length) await repo.log(trx, id, 'info', info.sheet.message);
    return id;
  });
  return { loadId, resumed: false };
}

/** Queues a pull from the interface's PostgreSQL source, from its last high-watermark. */
export async function queuePull(db: Db, actor: Actor, interfaceId: number, trigger: LoadTrigger): Promise<{ loadId: number; resumed: boolean }> {
  const iface = await ifaceOr404(db, interfaceId);
  if (iface.connector !== 'postgres') throw invalid([fieldError('interface', 'connector', '该接口不是数据库拉取接口', 'this interface does not pull from a database')]);
  const open = await repo.findOpenPull(db, interfaceId);
  if (open) return { loadId: open.id, resumed: true };
  const loadId = await db.transaction().execute(async (trx) => {
    const { id } = await repo.insertLoad(trx, {
      interface_id: interfaceId, source_code: iface.source_code, mapping_version: iface.mapping_version, trigger, status: 'queued', format: 'postgres',
      watermark_from: iface.watermark, created_by: actor.userId,
    });
    await audit(trx, actor, { action: 'create', entity: 'interface_load', entityId: id, changes: { interface: iface.code, pull: true, watermark: iface.watermark } });
    return id;
  });
  return { loadId, resumed: false };
}

/**
 * Tells the interface's owner (else whoever started the load) that a run failed: a reminder that rings in their header
 * bell now. One open alert per interface until it succeeds again: a schedule failing every few minutes updates the
 * alert it raised (the latest run and how many failed in a row) instead of filing a new one each run.
 */
export async function alertFailure(db: Db, loadId: number, message: Message): Promise<void> {
  const l = await repo.getLoad(db, loadId);
  if (!l) return;
  const iface = await repo.getInterface(db, l.interface_id);
  const userId = iface?.owner_user_id ?? l.created_by;
  if (!userId) return;
  const subject = await repo.userSubject(db, userId);
  if (!subject || subject.status !== 'active') return;
  const user = subject as unknown as CurrentUser;
  const prefix = `接口 ${iface?.code} 运行失败 / Interface ${iface?.code} run failed`;
  const title = `${prefix} (#${loadId})`.slice(0, 200);
  const open = await repo.openFailureAlert(db, userId, l.interface_id, prefix);
  if (open) {
    const failed = await repo.failedSinceSuccess(db, l.interface_id);
    await workplace.updateReminder(db, user, SYSTEM_ACTOR, open.id, {
      title, note: `${message.zh}\n${message.en}\n（自上次成功以来已连续失败 ${failed} 次 / failed ${failed} times in a row since the last success）`.slice(0, 2000),
    } as never);
    return;
  }
  await workplace.createReminder(db, user, SYSTEM_ACTOR, {
    title,
    note: `${message.zh}\n${message.en}`.slice(0, 2000),
    remindAt: new Date().toISOString(),
  } as never);
}

export const runOptions = (o: RunOptions = {}): RunOptions => ({ onFailure: alertFailure, ...o });

/** Runs a load to its end (or until another runner holds it). */
export function run(db: Db, loadId: number, o: RunOptions = {}) {
  return runLoad(db, loadId, runOptions(o));
}

/** A scheduled run that could not even start (its landing folder unreadable, a file refused whole): a failed load in the history, and its owner told. */
async function refusedLoad(db: Db, actor: Actor, i: IfaceRow, file: string | null, err: unknown): Promise<number> {
  const { message, fields } = messageOf(err);
  const loadId = await db.transaction().execute(async (trx) => {
    const { id } = await repo.insertLoad(trx, {
      interface_id: i.id, source_code: i.source_code, mapping_version: i.mapping_version, trigger: 'schedule', status: 'failed',
      file_name: file && path.basename(file), file_path: file, finished_at: new Date(), error: JSON.stringify({ message, fields }), created_by: actor.userId,
    });
    await audit(trx, actor, { action: 'import_failed', entity: 'interface_load', entityId: id, changes: { interface: i.code, file: file && path.basename(file), error: message.en } });
    await repo.log(trx, id, 'error', message);
    return id;
  });
  await alertFailure(db, loadId, message).catch(() => {});
  return loadId;
}

/**
 * Takes the complete files waiting in a file interface's landing folder and queues a load for each, in name order
 * (plus any file a stopped run had taken but not queued). A file refused whole moves to `failed/` with a failed
 * load saying why. Returns the loads.
 */
export async function scanLanding(db: Db, actor: Actor, interfaceId: number, maxBytes: number): Promise<number[]> {
  const i = await ifaceOr404(db, interfaceId);
  const l = landingOf(i);
  if (!l) throw invalid([fieldError('landingDir', 'required', '该接口没有落地目录', 'this interface has no landing folder')]);
  const files: string[] = [];
  try {
    for (const f of taken(l)) {
      const last = await repo.latestLoadOfPath(db, f);
      if (!last) files.push(f);
      else if (last.status === 'succeeded' || last.status === 'failed') await settleLanding(db, last.id, last.status);
    }
    for (const name of readyFiles(l, Date.now())) {
      const f = claim(l, name);
      if (f) files.push(f);
    }
  } catch (err) {
    const why = (err as { code?: string }).code ?? String(err);
    return [await refusedLoad(db, actor, i, null, invalid([fieldError('landingDir', 'readable', `落地目录 ${l.dir} 无法读取（${why}）`, `the landing folder ${l.dir} cannot be read (${why})`)]))];
  }
  const loads: number[] = [];
  for (const f of files) {
    try {
      loads.push((await queueFileLoad(db, actor, i.id, { path: f, fileName: path.basename(f), trigger: 'schedule', maxBytes })).loadId);
    } catch (err) {
      loads.push(await refusedLoad(db, actor, i, settle(f, false) ?? f, err));
    }
  }
  return loads;
}

/** After a scheduled file's load ends, its file moves from `loading/` to `done/` or `failed/` (said in the load's log). */
async function settleLanding(db: Db, loadId: number, outcome: RunOutcome | 'succeeded' | 'failed') {
  if (outcome !== 'succeeded' && outcome !== 'failed') return;
  const load = await repo.getLoad(db, loadId);
  if (load?.trigger !== 'schedule' || !load.file_path) return;
  const to = settle(load.file_path, outcome === 'succeeded');
  if (!to) return;
  await repo.setLoad(db, loadId, { file_path: to });
  await repo.log(db, loadId, 'info', { zh: `文件已移至 ${to}`, en: `file moved to ${to}` });
}

/** Runs scheduled loads one after the other, moving each file on when its load ends. */
export async function runScheduled(db: Db, loadIds: number[], o: RunOptions = {}) {
  const outcomes: Record<string, number> = {};
  for (const id of loadIds) {
    const outcome = await run(db, id, o);
    await settleLanding(db, id, outcome);
    outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
  }
  return outcomes;
}

/**
 * The interfaces' minute tick (a pg-boss job): queues the pulls whose cron is due and the files waiting in the
 * landing folders of file interfaces that are due, then runs every unfinished load nobody is running (queued, or
 * left half-way by a stopped server).
 */
export async function tick(db: Db, now: Date, o: { maxBytes: number }) {
  const due = await repo.claimDue(db, now, nextRun);
  for (const { id, connector } of due) {
    // Each tells its own failures (a failed load, the owner alerted); one interface's trouble does not stop the others.
    if (connector === 'file') await scanLanding(db, SYSTEM_ACTOR, id, o.maxBytes).catch(() => null);
    else await queuePull(db, SYSTEM_ACTOR, id, 'schedule').catch(() => null);
  }
  const open = await repo.findOpenLoads(db);
  return { scheduled: due.length, ...(await runScheduled(db, open.map((l) => l.id))) };
}

// ====================================================================== quarantine

function presentReasons(reasons: unknown) {
  return (reasons as Reason[]).map((r) => ({ field: r.field, rule: r.rule, message: r.message, value: r.value }));
}

/** Rejected rows hold personal data: reading them is audited. */
export async function listQuarantine(db: Db, actor: Actor, id: number, q: QuarantineQuery) {
  const i = await ifaceOr404(db, id);
  const page = q.page ?? 1, pageSize = q.pageSize ?? 50;
  const { rows, total } = await repo.listQuarantine(db, { interfaceId: id, status: q.status, loadId: q.loadId, rule: q.rule }, pageSize, (page - 1) * pageSize);
  await db.transaction().execute((trx) => audit(trx, actor, { action: 'read', entity: 'interface_quarantine', entityId: id, fields: ['raw'], changes: { interface: i.code, filter: q, rows: rows.map((r) => r.id) } }));
  return {
    total, page, pageSize,
    items: rows.map((r) => ({
      id: r.id, loadId: r.load_id, lastLoadId: r.last_load_id, rowNo: r.row_no, raw: r.raw as Record<string, unknown>, reasons: presentReasons(r.reasons),
      status: r.status, recordId: r.record_id, resolvedAt: r.resolved_at, note: r.note, recordKey: r.record_key, supersededBy: r.superseded_by,
      createdAt: r.created_at, updatedAt: r.updated_at,
    })),
  };
}

/**
 * Records of the interface's source that a load kept with an ID number failing its check (the mapping's
 * `invalidIds: 'keep'`), with why and the customer each resolved into: a data steward's work list. The numbers are
 * personal data: reading them is audited.
 */
export async function listUnverifiedIds(db: Db, actor: Actor, id: number, q: UnverifiedQuery) {
  const i = await ifaceOr404(db, id);
  const page = q.page ?? 1, pageSize = q.pageSize ?? 50;
  const { rows, total } = await repo.listUnverified(db, { sourceCode: i.source_code, loadId: q.loadId, rule: q.rule }, pageSize, (page - 1) * pageSize);
  await db.transaction().execute((trx) => audit(trx, actor, {
    action: 'read', entity: 'source_record', entityId: i.source_code, fields: ['id_no'], changes: { interface: i.code, unverifiedIds: true, filter: q, rows: rows.map((r) => r.id) },
  }));
  return {
    total, page, pageSize,
    items: rows.map((r) => ({
      id: r.id, recordKey: r.record_key, kind: r.kind, name: r.name, idType: r.id_type, idNo: r.id_no, issue: r.id_issue as IdIssue, matchStatus: r.match_status,
      customerNo: r.customer_no ?? null, firstLoadId: r.first_load_id, lastLoadId: r.last_load_id, updatedAt: r.updated_at,
    })),
  };
}

async function headerOf(db: Db, q: { load_id: number; raw: unknown }): Promise<string[]> {
  const l = await repo.getLoad(db, q.load_id);
  return l?.header ?? Object.keys(q.raw as object).filter((k) => k !== '__values');
}

/** The field of a reason as the user knows it: the source column that feeds it, when there is one. */
function columnOf(mapping: Mapping, field: string): string {
  return mapping.fields.find((f) => f.field === field)?.column ?? field;
}

async function currentMapping(db: Db, interfaceId: number) {
  const i = await ifaceOr404(db, interfaceId);
  const m = await repo.getMapping(db, interfaceId, i.mapping_version);
  return { iface: i, mapping: m!.mapping as Mapping };
}

async function resolve(db: Db, actor: Actor, ids: number[], onError: (e: string) => void) {
  if (!ids.length) return;
  try {
    const s = await resolveSourceRecords(db, actor, ids);
    // A record that could not be resolved is marked failed (integration lists it for a retry): said, not swallowed.
    if (s.failures?.length) onError(s.failures.map(failureLine).join('; '));
  } catch (err) {
    onError(err instanceof Error ? err.message : String(err));
  }
}

/**
 * Re-submits rejected rows through the interface's current mapping, as one load of kind `resubmit`
 * with its own report: accepted rows are written and their quarantine entries resolved, the rest keep
 * (updated) reasons. With `fix`, one row's values are corrected first.
 */
export async function resubmit(db: Db, actor: Actor, interfaceId: number, opts: { ids?: number[]; fix?: { id: number; raw: Record<string, string> } }) {
  // An empty list names no row (it is not "every row", nor "none open").
  if (opts.ids && !opts.ids.length) throw invalid([fieldError('ids', 'minItems', '请至少选择一条隔离记录', 'choose at least one quarantined row')]);
  const { iface, mapping } = await currentMapping(db, interfaceId);
  // Nothing open to take: refused before a load is made (an empty "succeeded" load in the history said nothing).
  // Checked again under the rows' locks below: a parallel request may take them in between.
  const noneOpen = () => (opts.fix ? new AppError('CONFLICT', DEALT_WITH) : new AppError('CONFLICT',
    opts.ids ? { zh: 'ids：所选隔离记录都已处理，没有可重新提交的', en: 'ids: none of these quarantined rows is open: nothing to resubmit' }
      : { zh: '没有待处理的隔离记录可重新提交', en: 'No quarantined row is open: nothing to resubmit' },
    opts.ids ? [fieldError('ids', 'open', '所选隔离记录都已处理（已解决、已舍弃或已被之后的加载取代）', 'none of these rows is open (each is resolved, discarded or superseded by a later load)')] : []));
  if (opts.fix) {
    const q = await repo.getQuarantine(db, opts.fix.id);
    if (!q || q.interface_id !== interfaceId) throw notFound(NO_ROW);
    if (q.status === 'superseded') throw new AppError('CONFLICT', STALE(q.record_key, q.superseded_by));
    if (q.status !== 'open') throw noneOpen();
    checkKeyUnchanged(mapping, await headerOf(db, q), q.raw, opts.fix.raw);
  } else if (!(await repo.openQuarantine(db, interfaceId, opts.ids, 0, 1)).length) {
    throw noneOpen();
  }
  const today = bankToday();
  const written: number[] = [];
  let fixChanges: ReturnType<typeof diff>;
  const outcome = await db.transaction().execute(async (trx) => {
    const { id: loadId } = await repo.insertLoad(trx, {
      interface_id: interfaceId, source_code: iface.source_code, mapping_version: iface.mapping_version, trigger: 'resubmit', status: 'running',
      format: null, created_by: actor.userId, started_at: new Date(),
    });
    const counts = { read: 0, accepted: 0, rejected: 0, unverifiedIds: 0, new: 0, changed: 0, unchanged: 0, superseded: 0 };
    const still: { id: number; reasons: Reason[] }[] = [];
    let after = 0;
    const compiledByHeader = new Map<string, ReturnType<typeof compileMapping>>();
    for (;;) {
      // Locked while this transaction lasts: a parallel re-submit, fix or discard of the same rows waits, then finds them dealt with.
      const batch = opts.fix ? (after ? [] : [await repo.getQuarantine(trx, opts.fix.id, true)].filter((q) => q && q.interface_id === interfaceId && q.status === 'open'))
        : await repo.openQuarantine(trx, interfaceId, opts.ids, after, 1000, true);
      if (!batch.length) break;
      for (const q of batch) {
        if (!q) continue;
        after = q.id;
        const header = await headerOf(trx, q);
        const raw = opts.fix ? fixedRaw(header, q.raw, opts.fix.raw) : (q.raw as Record<string, string>);
        let values: string[];
        const ragged = !opts.fix && Array.isArray((q.raw as { __values?: string[] }).__values);
        values = ragged ? (q.raw as { __values: string[] }).__values : header.map((h) => String(raw[h] ?? ''));
        const key = header.join('\u001f');
        let c = compiledByHeader.get(key);
        if (!c) compiledByHeader.set(key, (c = compileMapping(mapping, header, today)));
        const r = c.map(values);
        // A row whose key a later load wrote is stale: refused (a fix), or closed as superseded and skipped (a re-submit).
        const recordKey = r.ok ? r.record.recordKey : r.recordKey;
        const stored = recordKey !== undefined ? await repo.getRecordByKey(trx, iface.source_code, recordKey) : undefined;
        if (stored && Number(stored.last_load_id) > Number(q.last_load_id) && Number(stored.last_load_id) !== loadId) {
          if (opts.fix) throw new AppError('CONFLICT', STALE(recordKey!, Number(stored.last_load_id)));
          counts.superseded++;
          await repo.updateQuarantine(trx, q.id, { status: 'superseded', superseded_by: stored.last_load_id, resolved_at: new Date() });
          continue;
        }
        if (opts.fix) fixChanges = diff(rawText(header, q.raw), raw);
        counts.read++;
        if (!r.ok) {
          counts.rejected++;
          still.push({ id: q.id, reasons: r.reasons });
          continue;
        }
        counts.accepted++;
        if (r.record.id_issue) counts.unverifiedIds++;
        const res = await repo.upsertRecords(trx, iface.source_code, loadId, [{ ...r.record, hash: contentHash(r.record) }]);
        if (res[0]?.inserted) counts.new++;
        else if (res[0]) counts.changed++;
        else counts.unchanged++;
        let recordId: number | undefined = res[0]?.id;
        if (!recordId) recordId = await repo.findRecordId(trx, iface.source_code, r.record.recordKey);
        if (res[0]) written.push(res[0].id);
        await repo.updateQuarantine(trx, q.id, {
          status: 'resolved', record_id: recordId ?? null, resolved_by: actor.userId, resolved_at: new Date(), last_load_id: loadId,
          ...(opts.fix ? { raw: JSON.stringify(raw), raw_hash: rawHash(values) } : {}),
        });
      }
    }
    if (counts.read === 0 && !counts.superseded) throw noneOpen();
    if (opts.fix && still.length) {
      // A fix that still fails is refused whole: the user sees which column breaks which rule.
      throw invalid(still[0]!.reasons.map((r) => fieldError(`raw.${columnOf(mapping, r.field)}`, r.rule, r.message.zh, r.message.en)));
    }
    for (const s of still) await repo.updateQuarantine(trx, s.id, { reasons: JSON.stringify(s.reasons), last_load_id: loadId });
    await repo.setStatus(trx, loadId, 'succeeded', {
      finished_at: new Date(), rows_read: counts.read, accepted: counts.accepted, rejected: counts.rejected, unverified_ids: counts.unverifiedIds, inserted: counts.new, changed: counts.changed, unchanged: counts.unchanged,
    });
    await audit(trx, actor, {
      action: opts.fix ? 'update' : 'resubmit', entity: 'interface_quarantine', entityId: opts.fix?.id ?? interfaceId,
      // A fix's audit holds each changed column's value before and after, as every other write's does.
      fields: opts.fix ? fixChanges?.fields ?? [] : [], changes: { interface: iface.code, load: loadId, ...counts, ...(opts.fix ? { raw: fixChanges?.changes ?? {} } : {}) },
    });
    return { loadId, ...counts };
  });
  let integrationError: string | null = null;
  await resolve(db, actor, written, (e) => { integrationError = e; });
  if (integrationError) await repo.setLoad(db, outcome.loadId, { integration_error: integrationError });
  return outcome;
}

/** A stored raw row as text, column by column of the header. */
function rawText(header: string[], stored: unknown): Record<string, string> {
  const before = (stored ?? {}) as Record<string, unknown>;
  return Object.fromEntries(header.map((h) => [h, before[h] == null ? '' : String(before[h])]));
}

/**
 * A fix may not change a record key column (it would load the row as another record beside the original): filling a
 * key that was empty is a fix, changing one is refused, naming the column.
 */
function checkKeyUnchanged(mapping: Mapping, header: string[], stored: unknown, sent: Record<string, string>) {
  const norm = (h: string) => h.trim().toLowerCase();
  const keys = new Set(mapping.recordKey.map(norm));
  const before = rawText(header, stored);
  const bad = header.filter((h) => keys.has(norm(h)) && Object.hasOwn(sent, h) && before[h]!.trim() !== '' && String(sent[h] ?? '').trim() !== before[h]!.trim());
  if (bad.length) {
    throw invalid(bad.map((h) => fieldError(`raw.${h}`, 'recordKey', `${h} 是记录主键列，修正时不能更改（原值 ${before[h]}）；如主键本身有误，请舍弃该行并在源系统更正`,
      `${h} is a record key column and cannot be changed by a fix (it was ${before[h]}); if the key itself is wrong, discard the row and correct it at the source`)));
  }
}

/**
 * A fixed row: the columns sent over the stored values (a column sent as '' is cleared, one not sent keeps its value),
 * column by column of the file's header.
 */
function fixedRaw(header: string[], stored: unknown, sent: Record<string, string>) {
  const before = (stored ?? {}) as Record<string, unknown>;
  const out: Record<string, string> = {};
  for (const h of header) {
    const v = Object.hasOwn(sent, h) ? sent[h] : before[h];
    out[h] = v == null ? '' : String(v);
  }
  return out;
}

export async function discardQuarantine(db: Db, actor: Actor, interfaceId: number, qid: number, note: string) {
  if (!note.trim()) throw invalid([fieldError('note', 'required', '请填写舍弃原因', 'say why the row is discarded')]);
  await db.transaction().execute(async (trx) => {
    // Locked: a parallel discard (or fix, re-submit) of the row waits for this one, then finds it dealt with.
    const q = await repo.getQuarantine(trx, qid, true);
    if (!q || q.interface_id !== interfaceId) throw notFound(NO_ROW);
    if (q.status !== 'open') throw new AppError('CONFLICT', DEALT_WITH);
    await repo.updateQuarantine(trx, qid, { status: 'discarded', note: note.trim(), resolved_by: actor.userId, resolved_at: new Date() });
    await audit(trx, actor, { action: 'discard', entity: 'interface_quarantine', entityId: qid, changes: { note: note.trim() } });
  });
  return { id: qid, status: 'discarded' as const };
}

// ====================================================================== CLI helpers

type FileInterfacePlan = { id: number } | { create: InterfaceInput };

/** The source's file interface to load through, or the one to create for it (with the default mapping). */
async function planFileInterface(db: Db, sourceCode: string, interfaceCode?: string): Promise<FileInterfacePlan> {
  const source = await repo.getSource(db, sourceCode);
  if (!source) {
    const known = (await repo.listSources(db)).map((s) => s.code).join(', ');
    throw invalid([fieldError('source', 'exists', `源系统 ${sourceCode} 未登记（已有：${known}）`, `source ${sourceCode} is not registered (known: ${known})`)]);
  }
  const all = (await repo.findInterfacesOfSource(db, sourceCode)).filter((i) => i.connector === 'file');
  if (interfaceCode) {
    const i = all.find((x) => x.code === interfaceCode);
    if (!i) throw invalid([fieldError('interface', 'exists', `源系统 ${sourceCode} 没有文件接口 ${interfaceCode}`, `source ${sourceCode} has no file interface ${interfaceCode}`)]);
    return { id: i.id };
  }
  if (all.length === 1) return { id: all[0]!.id };
  if (all.length > 1) throw invalid([fieldError('interface', 'ambiguous', `源系统有多个文件接口，请用 --interface 指定：${all.map((i) => i.code).join(', ')}`, `the source has several file interfaces, pick one with --interface: ${all.map((i) => i.code).join(', ')}`)]);
  // Named as the bank names the source, in both languages as sources are (核心储蓄系统 文件导入 / Core savings file import).
  const en = source.name_en && source.name_en !== source.name ? source.name_en : sourceCode;
  return { create: { code: `${sourceCode}_file`.slice(0, 40), name: `${source.name} 文件导入 / ${en} file import`.slice(0, 100), sourceCode, connector: 'file' } };
}

/**
 * `banyan import`: the file's load queued on the source's file interface — the named one, or the source's only file
 * interface (created with the default mapping when it has none). A file that is refused leaves nothing behind, not
 * even the interface that would have been created for it.
 */
export async function queueImport(
  db: Db, actor: Actor, sourceCode: string, interfaceCode: string | undefined, f: FileLoadInput, o: { invalidIds?: InvalidIdPolicy } = {},
): Promise<{ interfaceId: number; loadId: number; resumed: boolean; mappingVersion?: number }> {
  checkInvalidIds(o.invalidIds);
  const plan = await planFileInterface(db, sourceCode, interfaceCode);
  if ('create' in plan) await checkDefaultInterfaceFile(f);
  const interfaceId = 'id' in plan
    ? plan.id
    : (await createInterface(db, actor, o.invalidIds ? { ...plan.create, mapping: { ...defaultMapping(), invalidIds: o.invalidIds } } : plan.create)).id;
  const mappingVersion = o.invalidIds && 'id' in plan ? await setInvalidIds(db, actor, interfaceId, o.invalidIds) : undefined;
  return { interfaceId, ...(await queueFileLoad(db, actor, interfaceId, f)), mappingVersion };
}

function checkInvalidIds(p: string | undefined) {
  if (p !== undefined && !(INVALID_ID_POLICIES as readonly string[]).includes(p)) {
    throw invalid([fieldError('invalidIds', 'enum', `只能是 ${INVALID_ID_POLICIES.join('、')} 之一`, `must be one of ${INVALID_ID_POLICIES.join(', ')}`)]);
  }
}

/**
 * Sets the interface's handling of ID numbers that fail their check, as a new mapping version (noted, audited) when it
 * differs from the current one (absent is 'quarantine'). Returns the new version, or undefined when nothing changed.
 */
export async function setInvalidIds(db: Db, actor: Actor, interfaceId: number, policy: InvalidIdPolicy): Promise<number | undefined> {
  checkInvalidIds(policy);
  const { mapping } = await currentMapping(db, interfaceId);
  if ((mapping.invalidIds ?? 'quarantine') === policy) return undefined;
  const saved = await saveMapping(db, actor, interfaceId, { mapping: { ...mapping, invalidIds: policy } as MappingInput['mapping'], note: `invalidIds: ${policy}` });
  return saved.mappingVersion;
}

/** Checks a file whole as the interface `banyan import` makes for a source without one (the default mapping) would take it. */
export async function checkDefaultInterfaceFile(f: { path: string; maxBytes: number; encoding?: Encoding }) {
  const info = await inspectFile(f.path, { maxBytes: f.maxBytes, encoding: f.encoding ?? 'auto', delimiter: ',', requiredColumns: mappedColumns(defaultMapping()) });
  checkHeader(info.header);
}

/** A file whose header repeats a column name is refused whole (which of the two would the mapping mean?). */
function checkHeader(header: string[]) {
  const dups = duplicateColumns(header);
  if (dups.length) throw invalid(dups);
}

export function ensureHome(dir: string) {
  fs.mkdirSync(dir, { recursive: true });
}

export const isEncoding = (e: string): e is Encoding => (ENCODINGS as readonly string[]).includes(e);

export { AppError };
