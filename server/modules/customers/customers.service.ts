import { onConnection, type Db, type IdType } from '../../db/database.ts';
import { bankDate } from '../../platform/bank-time.ts';
import {
  maskValue, nameGrams, namePinyin, normalizeMobile, queryGrams, validateEmail, validateResidentId, validateUscc, type MaskRule,
} from '../../../engines/identity/index.ts';
import { audit, auditReadCtes, diff, type Actor } from '../../platform/audit.ts';
import { can, type CurrentUser } from '../../platform/auth.ts';
import { AppError, fieldError, forbidden, invalid, notFound, type FieldError } from '../../platform/errors.ts';
import { containing } from '../../platform/like.ts';
import { getParameter } from '../../platform/parameters.ts';
import { noteManagerEdits } from '../integration/integration.golden.ts';
import { refreshManagerBooks } from '../managers/managers.books.ts';
import * as repo from './customers.repository.ts';
import type { CustomerInput, CustomerPatch, KeyPersonBody, SearchQuery } from './customers.schemas.ts';

const CUSTOMER_NOT_FOUND = { zh: '客户不存在', en: 'Customer not found' };
export const customerNotFound = () => notFound(CUSTOMER_NOT_FOUND);

export type MaskRules = Record<'id_no' | 'mobile' | 'phone' | 'email' | 'address' | 'account_no', MaskRule>;
const DEFAULT_MASKING: MaskRules = {
  id_no: { keepFirst: 4, keepLast: 4 }, mobile: { keepFirst: 3, keepLast: 4 }, phone: { keepFirst: 3, keepLast: 2 },
  email: { keepFirst: 2, keepLast: 0 }, address: { keepFirst: 6, keepLast: 0 }, account_no: { keepFirst: 6, keepLast: 4 },
};
export const maskingRules = (db: Db) => getParameter<MaskRules>(db, 'masking', DEFAULT_MASKING);

/** Whether this user sees personal data in clear (B2); everyone else gets it masked. */
export const seesClear = (user: CurrentUser) => can(user, 'pii:view');

function maskContact(kind: string, value: string, rules: MaskRules): string {
  if (kind === 'email') {
    const [local, domain] = value.split('@');
    return `${maskValue(local, rules.email)}@${domain ?? ''}`;
  }
  return maskValue(value, kind === 'mobile' ? rules.mobile : rules.phone);
}

/** Works out what the search box was given: a customer number, a mobile, an ID, letters, or a name. */
export function classifyQuery(q: string | undefined): Pick<repo.SearchFilter, 'text' | 'letters' | 'customerNo' | 'customerNoPrefix' | 'mobile' | 'idNo'> {
  // Full-width letters and digits (ｚｗ, １３８…) as their ASCII selves; spaces between Chinese characters (王 玲) are none.
  const s = (q ?? '').normalize('NFKC').trim().replace(/(?<=\p{Script=Han})\s+(?=\p{Script=Han})/gu, '');
  if (!s) return {};
  const out: ReturnType<typeof classifyQuery> = {};
  const compact = s.replace(/[\s-]/g, '');
  if (/^\d{9}$/.test(compact)) out.customerNo = compact;
  const mobile = normalizeMobile(compact);
  if (mobile.ok) out.mobile = mobile.value;
  if (/^[0-9A-Za-z]{15,18}$/.test(compact)) {
    const rid = validateResidentId(compact);
    const uscc = validateUscc(compact);
    out.idNo = rid.ok ? rid.value : uscc.ok ? uscc.value : compact.toUpperCase();
  }
  if (/^\d{1,8}$/.test(compact)) out.customerNoPrefix = compact;
  // Pinyin is stored without spaces: "zhang wei" is zhangwei.
  if (/^[a-zA-Z]+(\s+[a-zA-Z]+)*$/.test(s)) out.letters = s.replace(/\s+/g, '').toLowerCase();
  // Anything else is looked for in names, digits too when they are no number we know (so they find nothing rather than
  // leaving the list unfiltered).
  else if (!/^[\d\s+-]+$/.test(s) || !Object.keys(out).length) out.text = { grams: queryGrams(s), like: containing(s.toLowerCase()), exact: s.toLowerCase() };
  return out;
}

/**
 * One page of the customer list. A user who sees personal data in clear sees the mobiles in clear here too:
 * each customer whose mobile the page shows gets a read in the audit log, as the 360° view does.
 */
export async function search(db: Db, user: CurrentUser, actor: Actor, query: SearchQuery) {
  if (query.deleted && !can(user, 'customer:write')) throw forbidden();
  const pageSize = query.pageSize ?? 20;
  const page = query.page ?? 1;
  const filter: repo.SearchFilter = {
    ...classifyQuery(query.q),
    status: query.status, levelCode: query.levelCode, typeCode: query.typeCode, party: query.party,
    managerId: query.managerId, orgId: query.orgId, deleted: query.deleted,
    sort: query.sort ?? 'customerNo', order: query.order ?? 'asc', limit: pageSize, offset: (page - 1) * pageSize,
  };
  // A name searched for in the list's own order: the customer of exactly that name first (王玲 before 王玲思).
  if (!query.sort && filter.text) filter.exactFirst = true;
  const { rows, total, capped } = await onConnection(db, (conn) => repo.searchCustomers(conn, user, filter));
  const rules = await maskingRules(db);
  const clear = seesClear(user);
  // The deleted list tells the merged-away (restored only by an unmerge) from those deleted by hand.
  const merged = query.deleted ? await repo.mergedInto(db, rows.map((r) => r.id)) : new Map<number, string>();
  const shown = clear ? rows.filter((r) => r.mobile) : [];
  if (shown.length) {
    await db.transaction().execute(async (trx) => {
      for (const r of shown) await audit(trx, actor, { action: 'read', entity: 'customer', entityId: r.customer_no, customerId: r.id, fields: ['mobile'], changes: { via: 'search' } });
    });
  }
  return {
    items: rows.map((r) => ({
      customerNo: r.customer_no, name: r.name, party: r.party, typeCode: r.type.code, typeName: r.type.name, typeNameEn: r.type.nameEn,
      status: r.status, levelCode: r.level_code, levelName: r.level?.name ?? null, levelNameEn: r.level?.nameEn ?? null, orgId: r.org_id, orgName: r.org_name, orgNameEn: r.org_name_en,
      managerId: r.manager_id, managerName: r.manager_name, mobile: r.mobile && !clear ? maskContact('mobile', r.mobile, rules) : r.mobile,
      aumFen: Number(r.aum_fen), createdAt: r.created_at,
      ...(query.deleted ? { mergedInto: merged.get(r.id) ?? null, restorable: !merged.has(r.id) } : {}),
    })),
    total, totalCapped: capped, page, pageSize,
  };
}

export function exportFilter(query: SearchQuery): repo.SearchFilter {
  // In the list's order: the file is what the list showed, every page of it.
  const filter = classifyQuery(query.q);
  return {
    ...filter, status: query.status, levelCode: query.levelCode, typeCode: query.typeCode, party: query.party, managerId: query.managerId, orgId: query.orgId,
    sort: query.sort ?? 'customerNo', order: query.order ?? 'asc', limit: 0, offset: 0, exactFirst: !query.sort && !!filter.text,
  };
}

/** The 360° view, masked per role; the statement that reads it writes the read's audit row (nothing read, nothing written). */
export async function view360(db: Db, user: CurrentUser, actor: Actor, customerNo: string) {
  const rules = await maskingRules(db);
  const row = await onConnection(db, (conn) => repo.getView360(conn, customerNo, user, auditReadCtes(actor, {
    action: 'read', entity: 'customer', entityId: customerNo,
    fields: ['profile', 'identities', 'contacts', 'addresses', 'accounts', 'keyPersons'],
    changes: { masked: !seesClear(user) },
  }, 'cu')));
  if (!row) throw customerNotFound();
  // A merged-away number resolves to its survivor, and says so.
  return { ...present360(row, seesClear(user), rules), requestedNo: customerNo, mergedInto: row.customer_no !== customerNo ? row.customer_no : null };
}

/**
 * A customer the viewer may not see, named on the page of one they may (a spouse with another manager, the company a
 * person is a key person of): the relation shows, who it is does not — no number to open, the name masked.
 */
export const outsideScope = (name: string) => ({ customerNo: null, name: maskValue(name, { keepFirst: 1, keepLast: 0 }), outsideScope: true as const });

/**
 * A reason the system wrote in both languages ("新建客户 / new customer", as the audit and the merges write theirs) as
 * { zh, en }; one a user typed is the same text in both.
 * @example bilingual('新建客户 / new customer') // { zh: '新建客户', en: 'new customer' }
 */
export function bilingual(text: string): { zh: string; en: string } {
  const m = /^([^/]*[\u3400-\u9fff][^/]*) \/ ([^/\u3400-\u9fff]*[A-Za-z][^/\u3400-\u9fff]*)$/.exec(text ?? '');
  return m ? { zh: m[1]!.trim(), en: m[2]!.trim() } : { zh: text, en: text };
}

/**
 * A masked birth date keeps its year: the month and day are the very digits a masked resident ID hides
 * (1101**********5907), and shown beside it they would give it back.
 */
export const maskBirthDate = (d: string | null) => (d ? `${d.slice(0, 4)}-**-**` : d);

/** Golden-record fields holding personal data, and the masking rule each follows. */
const GOLDEN_MASK: Record<string, keyof MaskRules> = { id_no: 'id_no', mobile: 'mobile', email: 'email', address: 'address' };

/**
 * A golden-record field's value as a masked role sees it, exactly as the 360° view shows it: the birth date keeps its
 * year, an e-mail its domain, a mobile, ID number or address its rule's ends; other fields are no personal data.
 * @example maskGoldenField('email', 'zhangwei@example.com', rules) // 'zh******@example.com'
 */
export function maskGoldenField(field: string, v: string | null, rules: MaskRules): string | null {
  if (v == null) return v;
  if (field === 'birth_date') return maskBirthDate(v);
  if (field === 'email' || field === 'mobile') return maskContact(field, v, rules);
  return GOLDEN_MASK[field] ? maskValue(v, rules[GOLDEN_MASK[field]]) : v;
}

export function present360(r: repo.View360Row, clear: boolean, rules: MaskRules) {
  const m = (v: string | null, rule: MaskRule) => (v == null || clear ? v : maskValue(v, rule));
  const assets = r.accounts.filter((a) => a.isAsset && a.status !== 'closed');
  const loans = r.accounts.filter((a) => a.category === 'loan' && a.status !== 'closed');
  const products = new Map<string, { code: string; name: string; nameEn: string; category: string; count: number; balanceFen: number }>();
  for (const a of r.accounts) {
    if (a.status === 'closed') continue;
    const p = products.get(a.productCode) ?? { code: a.productCode, name: a.productName, nameEn: a.productNameEn, category: a.category, count: 0, balanceFen: 0 };
    p.count++;
    p.balanceFen += Number(a.balanceFen);
    products.set(a.productCode, p);
  }
  return {
    customerNo: r.customer_no, name: r.name, nameEn: r.name_en, party: r.party, type: r.type, status: r.status, level: r.level,
    gender: r.gender, birthDate: clear ? r.birth_date : maskBirthDate(r.birth_date), nationality: r.nationality, occupation: r.occupation, employer: r.employer,
    industry: r.industry, riskTolerance: r.risk_tolerance, attributes: r.attributes, remarks: r.remarks, org: r.org, manager: r.manager,
    createdAt: r.created_at, updatedAt: r.updated_at, version: r.version, masked: !clear,
    identities: r.identities.map((i) => ({ ...i, idNo: m(i.idNo, rules.id_no) })),
    contacts: r.contacts.map((c) => ({ ...c, value: clear ? c.value : maskContact(c.kind, c.value, rules) })),
    addresses: r.addresses.map((a) => ({ ...a, line: m(a.line, rules.address) })),
    channelPrefs: r.channel_prefs,
    relations: r.relations.map(({ inScope, ...x }) => (inScope ? x : { ...x, ...outsideScope(x.name) })),
    keyPersons: r.key_persons.map((k) => ({ ...k, idNo: m(k.idNo, rules.id_no), mobile: k.mobile && !clear ? maskContact('mobile', k.mobile, rules) : k.mobile })),
    keyPersonOf: r.key_person_of.map(({ inScope, ...x }) => (inScope ? x : { ...x, ...outsideScope(x.name) })),
    accounts: r.accounts.map((a) => ({ ...a, accountNo: m(a.accountNo, rules.account_no)!, balanceFen: Number(a.balanceFen) })),
    summary: {
      aumFen: assets.reduce((s, a) => s + Number(a.balanceFen), 0),
      loanFen: loans.reduce((s, a) => s + Number(a.balanceFen), 0),
      accountCount: r.accounts.length,
      products: [...products.values()],
    },
    managerHistory: r.manager_history.map((h) => ({ ...h, reasonI18n: bilingual(h.reason) })),
    lineage: Object.fromEntries(Object.entries(r.lineage ?? {}).map(([field, l]) => [field, { ...l, value: clear ? l.value : maskGoldenField(field, l.value, rules) }])),
    sourceRecords: r.source_records ?? [],
    aliases: r.aliases ?? [],
  };
}

/**
 * Keys under which audit entries keep values the 360° view masks for roles without pii:view: the profile lists, the
 * golden record's personal fields (survivorship writes id_no, mobile, e-mail and address; see maskGoldenField), a key
 * person's ID and mobile, account numbers. Employer, legal representative and names the 360° view shows in clear.
 */
const PERSONAL_FIELDS: ReadonlySet<string> = new Set([
  'identities', 'contacts', 'addresses', 'id_no', 'idNo', 'mobile', 'phone', 'email', 'address', 'birth_date', 'birthDate', 'account_no', 'accountNo',
]);
/** Keys whose objects name fields, not hold their values (survivorship's `sources`: field → source code). */
const FIELD_NAMES_ONLY: ReadonlySet<string> = new Set(['sources']);

/**
 * Timeline and audit-log entries carry before/after values: personal ones are hidden from masked roles, at any depth
 * (a merge's `filled` holds the birth date it carried over).
 * @example redactPersonal({ email: { from: null, to: 'bf@example.com' }, via: 'survivorship' }) // { email: '***', via: 'survivorship' }
 */
export function redactPersonal(changes: unknown, depth = 0): unknown {
  if (!changes || typeof changes !== 'object') return changes;
  if (depth > 8) return '***';
  if (Array.isArray(changes)) return changes.map((x) => redactPersonal(x, depth + 1));
  return Object.fromEntries(Object.entries(changes as Record<string, unknown>).map(([k, v]) =>
    [k, PERSONAL_FIELDS.has(k) ? '***' : FIELD_NAMES_ONLY.has(k) ? v : redactPersonal(v, depth + 1)]));
}

type Normalised = {
  identities?: repo.IdentityInput[];
  contacts?: repo.ContactInput[];
  addresses?: repo.AddressInput[];
  channelPrefs?: repo.ChannelPrefInput[];
  derived: { birth_date?: string; gender?: 'M' | 'F' };
};

/** Validates and normalises the lists of a create or update; collects every bad field at once. */
function normaliseLists(input: Pick<CustomerInput, 'identities' | 'contacts' | 'addresses' | 'channelPrefs'>, errors: FieldError[], today: string, party: 'person' | 'organization'): Normalised {
  const out: Normalised = { derived: {} };
  if (input.identities) {
    out.identities = input.identities.map((i, n) => {
      const field = `identities.${n}.idNo`;
      if (party === 'person' ? ORGANISATION_IDS.has(i.idType) : PERSON_IDS.has(i.idType)) {
        errors.push(party === 'person'
          ? fieldError(`identities.${n}.idType`, 'party', '个人客户不能登记机构证件', 'is a document of organisations, not of persons')
          : fieldError(`identities.${n}.idType`, 'party', '机构客户不能登记个人证件', 'is a document of persons, not of organisations'));
      }
      const { idNo, derived } = normaliseIdNo(i.idType, i.idNo, field, errors, today);
      if (i.idType === 'resident_id' && derived) {
        out.derived.birth_date ??= derived.birth_date;
        out.derived.gender ??= derived.gender;
      }
      return { id_type: i.idType as IdType, id_no: idNo, country: i.country ?? null, expires_on: i.expiresOn ?? null, is_primary: i.isPrimary ?? n === 0 };
    });
    const seen = new Set<string>();
    out.identities.forEach((i, n) => {
      const key = `${i.id_type}:${i.id_no}`;
      if (seen.has(key)) errors.push(fieldError(`identities.${n}.idNo`, 'duplicate', '证件重复', 'is listed twice'));
      seen.add(key);
    });
    onePrimary(out.identities, () => 'identities', 'identities', errors, { zh: '只能有一个主证件', en: 'only one identity can be the primary one' });
  }
  if (input.contacts) {
    out.contacts = input.contacts.map((c, n) => {
      let value = c.value.trim();
      const field = `contacts.${n}.value`;
      if (c.kind === 'mobile') {
        const v = normalizeMobile(value);
        if (!v.ok) errors.push(fieldError(field, 'mobileFormat', '手机号格式不正确（应为 11 位、以 1 开头的中国大陆手机号）', 'is not a valid mainland mobile number (11 digits starting with 1)'));
        else value = v.value;
      } else if (c.kind === 'email') {
        const v = validateEmail(value);
        if (!v.ok) errors.push(fieldError(field, 'emailFormat', '电子邮箱格式不正确', 'is not a valid e-mail address'));
        else value = v.value;
      } else if (!value) {
        errors.push(fieldError(field, 'required', '必填', 'is required'));
      } else if ((c.kind === 'phone' || c.kind === 'fax') && !isPhoneNumber(value)) {
        errors.push(fieldError(field, 'phoneFormat', '电话号码格式不正确（数字，可含区号、+、-、括号和分机号）', 'is not a phone number (digits, with area code, +, -, brackets or an extension)'));
      }
      return { kind: c.kind, value, is_primary: c.isPrimary ?? false };
    });
    const seen = new Set<string>();
    out.contacts.forEach((c, n) => {
      const key = `${c.kind}:${c.value}`;
      if (seen.has(key)) errors.push(fieldError(`contacts.${n}.value`, 'duplicate', '联系方式重复', 'is listed twice'));
      seen.add(key);
    });
    onePrimary(out.contacts, (c) => c.kind, 'contacts', errors, { zh: '同一种联系方式只能有一个主要的', en: 'only one contact of each kind can be the primary one' });
  }
  if (input.addresses) {
    out.addresses = input.addresses.map((a, n) => {
      if (!a.line.trim()) errors.push(fieldError(`addresses.${n}.line`, 'required', '必填', 'is required'));
      if (a.postcode && !/^\d{6}$/.test(a.postcode)) errors.push(fieldError(`addresses.${n}.postcode`, 'postcodeFormat', '邮政编码应为 6 位数字', 'postcode must be 6 digits'));
      return { kind: a.kind, province: a.province ?? null, city: a.city ?? null, district: a.district ?? null, line: a.line.trim(), postcode: a.postcode ?? null, is_primary: a.isPrimary ?? n === 0 };
    });
    onePrimary(out.addresses, () => 'addresses', 'addresses', errors, { zh: '只能有一个主地址', en: 'only one address can be the primary one' });
  }
  if (input.channelPrefs) {
    out.channelPrefs = input.channelPrefs.map((p) => ({ channel: p.channel, allowed: p.allowed, marketing_consent: p.marketingConsent }));
    const seen = new Set<string>();
    out.channelPrefs.forEach((p, n) => {
      if (seen.has(p.channel)) errors.push(fieldError(`channelPrefs.${n}.channel`, 'duplicate', '同一渠道只能设置一次偏好', 'is listed twice (one preference per channel)'));
      seen.add(p.channel);
    });
  }
  return out;
}

const PERSON_IDS: ReadonlySet<string> = new Set(['resident_id', 'passport', 'hk_macao_permit', 'taiwan_permit', 'foreign_permanent']);
const ORGANISATION_IDS: ReadonlySet<string> = new Set(['uscc', 'business_license']);

/** Digits with an optional +, area code in brackets, dashes or spaces, and an extension: 5–20 digits in all. */
function isPhoneNumber(v: string): boolean {
  if (!/^\+?[\d\s()-]+((ext\.?|x|转)\s*\d{1,6})?$/i.test(v)) return false;
  const digits = v.replace(/\D/g, '').length;
  return digits >= 5 && digits <= 20;
}

/** At most one primary item per group (the identities; contacts of one kind; the addresses): the second is named. */
function onePrimary<T extends { is_primary: boolean }>(items: T[], group: (t: T) => string, list: string, errors: FieldError[], msg: { zh: string; en: string }) {
  const seen = new Set<string>();
  items.forEach((t, n) => {
    if (!t.is_primary) return;
    if (seen.has(group(t))) errors.push(fieldError(`${list}.${n}.isPrimary`, 'onePrimary', msg.zh, msg.en));
    seen.add(group(t));
  });
}

/**
 * Gender, birth date and nationality belong to persons, and must agree with the person's resident ID (which encodes
 * both); a birth date cannot lie in the future. `ids` are the identities the customer will have.
 */
function checkPersonFields(party: 'person' | 'organization', f: { gender?: string | null; birthDate?: string | null; nationality?: string | null }, ids: repo.IdentityInput[] | undefined, errors: FieldError[], today: string) {
  if (party === 'organization') {
    if (f.gender) errors.push(fieldError('gender', 'party', '机构客户没有性别', 'organisations have no gender'));
    if (f.birthDate) errors.push(fieldError('birthDate', 'party', '机构客户没有出生日期', 'organisations have no birth date'));
    return;
  }
  if (f.birthDate && f.birthDate > today) errors.push(fieldError('birthDate', 'future', '出生日期不能晚于今天', 'cannot be in the future'));
  if (f.nationality && !/^[A-Z]{2,3}$/.test(f.nationality)) errors.push(fieldError('nationality', 'format', '国籍应为 2 或 3 位大写字母的国家代码（ISO 3166，如 CN）', 'must be a country code of 2 or 3 capital letters (ISO 3166, e.g. CN)'));
  const rid = ids?.find((i) => i.id_type === 'resident_id');
  const v = rid ? validateResidentId(rid.id_no, today) : undefined;
  if (!v?.ok) return;
  if (f.birthDate && f.birthDate !== v.birthDate) errors.push(fieldError('birthDate', 'idMismatch', `与身份证号中的出生日期（${v.birthDate}）不一致`, `does not match the birth date in the resident ID (${v.birthDate})`));
  if (f.gender && f.gender !== v.gender) errors.push(fieldError('gender', 'idMismatch', '与身份证号中的性别不一致', 'does not match the gender in the resident ID'));
}

/** Checks an identity number by its type (GB 11643, GB 32100, permit and passport formats); the normalised number. */
function normaliseIdNo(idType: string, raw: string, field: string, errors: FieldError[], today: string): { idNo: string; derived?: { birth_date: string; gender: 'M' | 'F' } } {
  let idNo = raw.trim();
  if (idType === 'resident_id' || idType === 'foreign_permanent') {
    const v = validateResidentId(idNo, today);
    if (!v.ok) errors.push(idRuleError(field, v.rule));
    else return { idNo: v.value, derived: { birth_date: v.birthDate, gender: v.gender } };
  } else if (idType === 'uscc') {
    const v = validateUscc(idNo);
    if (!v.ok) errors.push(v.rule === 'checksum'
      ? fieldError(field, 'usccChecksum', '统一社会信用代码校验位不正确（GB 32100）', 'unified social credit code check character is wrong (GB 32100)')
      : fieldError(field, 'usccFormat', '统一社会信用代码应为 18 位数字或大写字母（不含 I、O、Z、S、V）', 'unified social credit code must be 18 digits or capital letters (no I, O, Z, S, V)'));
    else idNo = v.value;
  } else if (idType === 'hk_macao_permit' || idType === 'taiwan_permit') {
    // Mainland travel permits: 港澳 H/M + 8–10 digits, 台湾 8 or 10 digits. (The 18-digit residence
    // permits starting 81/82/83 carry the GB 11643 check and are entered as resident IDs.)
    idNo = idNo.toUpperCase();
    const ok = idType === 'hk_macao_permit' ? /^[HM]\d{8,10}$/.test(idNo) : /^\d{8}(\d{2})?$/.test(idNo);
    if (!ok) errors.push(fieldError(field, 'permitFormat', idType === 'hk_macao_permit' ? '港澳通行证号应为 H 或 M 加 8–10 位数字' : '台湾通行证号应为 8 或 10 位数字', idType === 'hk_macao_permit' ? 'must be H or M followed by 8–10 digits' : 'must be 8 or 10 digits'));
  } else if (idType === 'passport') {
    idNo = idNo.toUpperCase();
    if (!/^[A-Z0-9]{5,20}$/.test(idNo)) errors.push(fieldError(field, 'passportFormat', '护照号应为 5–20 位字母或数字', 'passport number must be 5–20 letters or digits'));
  }
  return { idNo };
}

function idRuleError(field: string, rule: string): FieldError {
  switch (rule) {
    case 'checksum':
      return fieldError(field, 'idChecksum', '身份证号校验位不正确（GB 11643）', 'ID number check digit is wrong (GB 11643)');
    case 'birthdate':
      return fieldError(field, 'idBirthDate', '身份证号中的出生日期无效', 'ID number contains an invalid birth date');
    case 'region':
      return fieldError(field, 'idRegion', '身份证号的地区码无效', 'ID number has an invalid region code');
    default:
      return fieldError(field, 'idFormat', '身份证号应为 18 位（或旧版 15 位）', 'ID number must have 18 characters (or the old 15 digits)');
  }
}

/** `money`: an amount kept as integer fen (registered_capital_fen), entered and shown in yuan by the form (migration 0031). */
type AttrDef = { key: string; type: 'text' | 'integer' | 'money' | 'enum'; options?: string[] };

function checkAttributes(schema: AttrDef[], attrs: Record<string, unknown> | undefined, errors: FieldError[]) {
  if (!attrs) return;
  for (const [k, v] of Object.entries(attrs)) {
    const def = schema.find((d) => d.key === k);
    const field = `attributes.${k}`;
    if (!def) errors.push(fieldError(field, 'unknown', '此客户类型没有这个属性', 'is not an attribute of this customer type'));
    else if (v === null) continue;
    else if (def.type === 'integer' && !Number.isInteger(v)) errors.push(fieldError(field, 'type', '应为整数', 'must be an integer'));
    else if (def.type === 'money' && !Number.isSafeInteger(v)) errors.push(fieldError(field, 'money', '金额以分为单位，应为整数（1 元 = 100 分）', 'is an amount in whole fen (¥1 = 100 fen)'));
    else if (def.type === 'money' && (v as number) < 0) errors.push(fieldError(field, 'min', '金额不能为负数', 'must not be negative'));
    else if (def.type === 'text' && typeof v !== 'string') errors.push(fieldError(field, 'type', '应为文本', 'must be text'));
    else if (def.type === 'enum' && !def.options?.includes(String(v))) errors.push(fieldError(field, 'enum', '取值不在允许范围内', 'must be one of the allowed values'));
  }
}

/** A type's own attributes plus those of its ancestors. */
async function attributeSchemaOf(db: Db, typeCode: string): Promise<AttrDef[]> {
  const meta = await repo.getMeta(db);
  const defs: AttrDef[] = [];
  let code: string | null = typeCode;
  while (code) {
    const t = meta.types.find((x) => x.code === code);
    if (!t) break;
    defs.push(...(t.attribute_schema as AttrDef[]));
    code = t.parent_code;
  }
  return defs;
}

/**
 * A customer is of a leaf type (C3): 个人客户 and 公司客户 are the tree's branches, a person is a resident or a
 * non-resident, a company large or small, and the sub-type's attributes and the statistics by type depend on it.
 */
async function checkLeafType(db: Db, type: { id: number; name: string; name_en: string }, errors: FieldError[]) {
  const subs = await repo.subTypesOf(db, type.id);
  if (!subs.length) return;
  errors.push(fieldError('typeCode', 'leafType',
    `“${type.name}”下还有子类型，请选择其中之一（${subs.map((t) => t.name).join('、')}）`,
    `"${type.name_en}" has sub-types: choose one of them (${subs.map((t) => t.name_en).join(', ')})`));
}

/** Org and manager must exist and sit inside what the user may manage. */
async function checkPlacement(db: Db, user: CurrentUser, orgId: number | undefined, managerId: number | null | undefined, errors: FieldError[]) {
  const inScope = (path: string) => user.dataScope === 'all' || (user.dataScope === 'subtree' ? path.startsWith(user.orgPath) : path === user.orgPath);
  if (orgId !== undefined) {
    const org = await repo.getOrg(db, orgId);
    if (!org) errors.push(fieldError('orgId', 'exists', '机构不存在', 'no such organisation unit'));
    else if (!inScope(org.path)) errors.push(fieldError('orgId', 'scope', '不能把客户放到您管辖范围以外的机构', 'is outside the organisation units you manage'));
  }
  // Whoever sees only their own customers could not see one they left without a manager.
  if (managerId == null && user.dataScope === 'own') errors.push(fieldError('managerId', 'scope', '您新建的客户须由您本人管户', 'must be you: you see only the customers you manage'));
  if (managerId != null) {
    const m = await repo.getActiveUser(db, managerId);
    if (!m) errors.push(fieldError('managerId', 'exists', '客户经理不存在或已停用', 'no such active user'));
    // Customers are managed by customer managers (the ones the manager picker offers), not by an auditor or an agent.
    else if (m.role_code !== 'customer_manager') errors.push(fieldError('managerId', 'role', '只能指派客户经理管户', 'must be a customer manager'));
    else if (user.dataScope === 'own' ? m.id !== user.id : !inScope(m.org_path)) errors.push(fieldError('managerId', 'scope', '只能指派您管辖范围内的客户经理', 'must be a manager inside your scope'));
    return m;
  }
  return undefined;
}

/** The bank's date (a birth date or ID issued "today" is today in Beijing). */
const today = () => bankDate();

export async function create(db: Db, user: CurrentUser, actor: Actor, input: CustomerInput) {
  const errors: FieldError[] = [];
  const type = await repo.getType(db, input.typeCode);
  if (!type) throw invalid([fieldError('typeCode', 'unknownType', '客户类型不存在', 'is not a known customer type')]);
  await checkLeafType(db, type, errors);
  if (input.levelCode && !(await repo.levelExists(db, input.levelCode))) errors.push(fieldError('levelCode', 'unknownLevel', '客户等级不存在', 'is not a known customer level'));
  checkAttributes(await attributeSchemaOf(db, type.code), input.attributes, errors);
  const lists = normaliseLists(input, errors, today(), type.party);
  checkPersonFields(type.party, input, lists.identities, errors, today());
  // A customer manager's new customers are their own unless they name someone they may assign.
  const managerId = input.managerId !== undefined ? input.managerId : user.roleCode === 'customer_manager' ? user.id : null;
  const manager = await checkPlacement(db, user, input.orgId, managerId, errors);
  if (errors.length) throw invalid(errors);
  const name = input.name.trim();
  const py = namePinyin(name);
  const { customerNo } = await db.transaction().execute(async (trx) => {
    await assertIdentitiesFree(trx, user, lists.identities ?? []);
    const customerNo = await repo.nextCustomerNo(trx);
    const row: repo.CustomerRow = {
      customer_no: customerNo, type_id: type.id, party: type.party, name, name_en: input.nameEn ?? null,
      name_pinyin: py.full, name_initials: py.initials, name_grams: nameGrams(name),
      gender: input.gender ?? (type.party === 'person' ? lists.derived.gender ?? null : null),
      birth_date: input.birthDate ?? (type.party === 'person' ? lists.derived.birth_date ?? null : null),
      nationality: input.nationality ?? null, occupation: input.occupation ?? null, employer: input.employer ?? null,
      industry: input.industry ?? null, status: input.status ?? 'potential', level_code: input.levelCode || null,
      org_id: input.orgId ?? manager?.org_id ?? user.orgId, manager_id: managerId ?? null, risk_tolerance: input.riskTolerance ?? null,
      attributes: input.attributes ?? {}, remarks: input.remarks ?? null,
    };
    const { id } = await repo.insertCustomer(trx, row);
    if (lists.identities) await repo.replaceIdentities(trx, id, lists.identities);
    if (lists.contacts) await repo.replaceContacts(trx, id, lists.contacts);
    if (lists.addresses) await repo.replaceAddresses(trx, id, lists.addresses);
    if (lists.channelPrefs) await repo.replaceChannelPrefs(trx, id, lists.channelPrefs);
    if (row.manager_id) await repo.insertManagerHistory(trx, { customer_id: id, from_manager_id: null, to_manager_id: row.manager_id, reason: '新建客户 / new customer', by_user_id: user.id });
    // The name's search keys (pinyin, initials, grams) follow from the name: not changes of their own.
    const { name_grams: _g, name_pinyin: _p, name_initials: _i, ...audited } = row;
    const d = diff({}, { ...audited, identities: lists.identities, contacts: lists.contacts, addresses: lists.addresses, channelPrefs: lists.channelPrefs });
    await audit(trx, actor, { action: 'create', entity: 'customer', entityId: customerNo, customerId: id, fields: d?.fields, changes: d?.changes });
    // The manager's book (workbench, performance) counts the new customer at once, as the team view does.
    await refreshManagerBooks(trx, [row.manager_id]);
    return { customerNo };
  });
  return view360(db, user, actor, customerNo);
}

async function assertIdentitiesFree(db: Db, user: CurrentUser, ids: repo.IdentityInput[], exceptCustomerId?: number) {
  const taken = await repo.findIdentityOwners(db, ids, exceptCustomerId);
  if (taken.length) {
    const errors = await Promise.all(taken.map(async (t) => {
      const field = `identities.${ids.findIndex((i) => i.id_type === t.id_type && i.id_no === t.id_no)}.idNo`;
      // A deleted customer the user could restore is named (search no longer finds them); any other stays anonymous.
      if (t.deleted && (await repo.getDeleted(db, t.customer_no, user))) {
        return fieldError(field, 'takenByDeleted', `该证件登记在已删除的客户 ${t.customer_no} 名下（请在客户列表的“已删除客户”中恢复该客户，而不是重新建档）`,
          `is registered to deleted customer ${t.customer_no} (restore them from the customer list's deleted customers instead of creating them again)`);
      }
      return fieldError(field, 'taken', '该证件已登记在另一位客户名下（一个客户只建一次档，请查找后再操作）', 'is already registered to another customer (a customer is stored once; search for them instead)');
    }));
    const first = errors[0]!;
    throw new AppError('CONFLICT', { zh: `${first.field}：${first.message.zh}`, en: `${first.field}: ${first.message.en}` }, errors);
  }
}

const SCALARS = ['name', 'nameEn', 'gender', 'birthDate', 'nationality', 'occupation', 'employer', 'industry', 'status', 'levelCode', 'riskTolerance', 'remarks', 'attributes'] as const;
const COLUMN: Record<(typeof SCALARS)[number], keyof repo.CustomerRow> = {
  name: 'name', nameEn: 'name_en', gender: 'gender', birthDate: 'birth_date', nationality: 'nationality', occupation: 'occupation',
  employer: 'employer', industry: 'industry', status: 'status', levelCode: 'level_code', riskTolerance: 'risk_tolerance', remarks: 'remarks', attributes: 'attributes',
};

export async function update(db: Db, user: CurrentUser, actor: Actor, customerNo: string, patch: CustomerPatch) {
  const errors: FieldError[] = [];
  if (patch.levelCode && !(await repo.levelExists(db, patch.levelCode))) errors.push(fieldError('levelCode', 'unknownLevel', '客户等级不存在', 'is not a known customer level'));
  await db.transaction().execute(async (trx) => {
    const cur = await repo.getCustomerForUpdate(trx, customerNo, user);
    if (!cur) throw customerNotFound();
    const lists = normaliseLists(patch, errors, today(), cur.party);
    // What the customer will hold must agree: the new gender or birth date with the ID kept, or the new ID with them.
    if (patch.gender || patch.birthDate || patch.nationality || lists.identities) {
      const f = { gender: patch.gender ?? cur.gender, birthDate: patch.birthDate ?? cur.birth_date, nationality: patch.nationality };
      checkPersonFields(cur.party, f, lists.identities ?? await repo.listIdentities(trx, cur.id), errors, today());
    }
    if (patch.version !== undefined && patch.version !== cur.version) {
      throw new AppError('CONFLICT', { zh: '客户信息已被他人修改，请刷新后重试', en: 'Someone else changed this customer; reload and try again' });
    }
    let typeId = cur.type_id;
    if (patch.typeCode !== undefined) {
      const type = await repo.getType(trx, patch.typeCode);
      if (!type) errors.push(fieldError('typeCode', 'unknownType', '客户类型不存在', 'is not a known customer type'));
      else if (type.id !== cur.type_id) {
        await checkLeafType(trx, type, errors);
        // A person's documents, gender and birth date are no company's: a customer keeps its party.
        if (type.party !== cur.party) {
          errors.push(cur.party === 'person'
            ? fieldError('typeCode', 'party', '个人客户只能改为另一种个人客户类型', 'must be a personal customer type (a person stays a person)')
            : fieldError('typeCode', 'party', '机构客户只能改为另一种机构客户类型', 'must be an organisation customer type (an organisation stays one)'));
        }
        typeId = type.id;
      }
    }
    const attributeSchema = patch.attributes || typeId !== cur.type_id
      ? await attributeSchemaOf(trx, await repo.typeCodeOf(trx, typeId)) : [];
    if (patch.attributes) checkAttributes(attributeSchema, patch.attributes, errors);
    if (errors.length) throw invalid(errors);
    const next: Partial<repo.CustomerRow> = {};
    if (typeId !== cur.type_id) {
      next.type_id = typeId;
      // The old type's own attributes (an SME's size) go with it; those the new type shares stay.
      const keys = new Set(attributeSchema.map((a) => a.key));
      const held = (cur.attributes ?? {}) as Record<string, unknown>;
      const kept = Object.fromEntries(Object.entries(patch.attributes ?? held).filter(([k]) => keys.has(k)));
      if (Object.keys(kept).length !== Object.keys(held).length) next.attributes = kept;
    }
    for (const k of SCALARS) if (patch[k] !== undefined) (next as Record<string, unknown>)[COLUMN[k]] = patch[k];
    // An empty level is no level (as in create), not a level named "".
    if (next.level_code === '') next.level_code = null;
    if (next.name) {
      next.name = next.name.trim();
      const py = namePinyin(next.name);
      Object.assign(next, { name_pinyin: py.full, name_initials: py.initials, name_grams: nameGrams(next.name) });
    }
    const before: Record<string, unknown> = { ...cur };
    const { name_grams: _g, name_pinyin: _p, name_initials: _i, ...after }: Record<string, unknown> = { ...next };
    if (lists.identities) {
      await assertIdentitiesFree(trx, user, lists.identities, cur.id);
      before.identities = await repo.listIdentities(trx, cur.id);
      after.identities = lists.identities;
    }
    if (lists.contacts) { before.contacts = await repo.listContacts(trx, cur.id); after.contacts = lists.contacts; }
    if (lists.addresses) { before.addresses = await repo.listAddresses(trx, cur.id); after.addresses = lists.addresses; }
    if (lists.channelPrefs) { before.channelPrefs = await repo.listChannelPrefs(trx, cur.id); after.channelPrefs = lists.channelPrefs; }
    const d = diff(before, after);
    if (!d) return;
    await repo.updateCustomer(trx, cur.id, next);
    if (lists.identities) await repo.replaceIdentities(trx, cur.id, lists.identities);
    if (lists.contacts) await repo.replaceContacts(trx, cur.id, lists.contacts);
    if (lists.addresses) await repo.replaceAddresses(trx, cur.id, lists.addresses);
    if (lists.channelPrefs) await repo.replaceChannelPrefs(trx, cur.id, lists.channelPrefs);
    await audit(trx, actor, { action: 'update', entity: 'customer', entityId: customerNo, customerId: cur.id, fields: d.fields, changes: d.changes });
    // The book counts customers by status and level.
    if (next.status !== undefined || next.level_code !== undefined) await refreshManagerBooks(trx, [cur.manager_id]);
    // Where each value comes from (I6): what the manager changed is a manager entry from now on.
    await noteManagerEdits(trx, cur.id);
  });
  return view360(db, user, actor, customerNo);
}

const yuan = (fen: number) => (fen / 100).toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });

/**
 * Why a customer may not be deleted now, in both languages: a customer still holding open accounts or balances is a
 * live relationship (a deletion would drop them from every list, book and figure), so the accounts are closed and
 * settled in the source systems first.
 */
function blockersOf(b: Awaited<ReturnType<typeof repo.deletionBlockers>>) {
  const assetsFen = Number(b.assets_fen);
  const loansFen = Number(b.loans_fen);
  const blockers: { code: 'openAccounts' | 'balances'; count: number; message: { zh: string; en: string } }[] = [];
  if (b.open_accounts) {
    blockers.push({ code: 'openAccounts', count: b.open_accounts, message: { zh: `客户仍有 ${b.open_accounts} 个未销户账户`, en: `the customer still holds ${b.open_accounts} open account(s)` } });
  }
  if (b.balance_accounts) {
    const parts = { zh: [] as string[], en: [] as string[] };
    if (assetsFen) { parts.zh.push(`资产 ¥${yuan(assetsFen)}`); parts.en.push(`assets ¥${yuan(assetsFen)}`); }
    if (loansFen) { parts.zh.push(`贷款 ¥${yuan(loansFen)}`); parts.en.push(`loans ¥${yuan(loansFen)}`); }
    blockers.push({
      code: 'balances', count: b.balance_accounts,
      message: {
        zh: `${b.balance_accounts} 个账户余额不为零${parts.zh.length ? `（${parts.zh.join('，')}）` : ''}`,
        en: `${b.balance_accounts} account(s) hold a non-zero balance${parts.en.length ? ` (${parts.en.join(', ')})` : ''}`,
      },
    });
  }
  const message = blockers.length ? {
    zh: `不能删除：${blockers.map((x) => x.message.zh).join('；')}。请先在源系统销户并结清余额。`,
    en: `Cannot delete: ${blockers.map((x) => x.message.en).join('; ')}. Close the accounts and settle the balances in the source systems first.`,
  } : null;
  return { deletable: !blockers.length, openAccounts: b.open_accounts, balanceAccounts: b.balance_accounts, assetsFen, loansFen, blockers, message };
}

/** What keeps the customer from being deleted (the delete dialog asks before the user types a reason). */
export async function deletionCheck(db: Db, user: CurrentUser, customerNo: string) {
  const id = await repo.findCustomerId(db, customerNo, user);
  if (!id) throw customerNotFound();
  return { customerNo, ...blockersOf(await repo.deletionBlockers(db, id)) };
}

export async function remove(db: Db, user: CurrentUser, actor: Actor, customerNo: string, reason: string) {
  if (!reason.trim()) throw invalid([fieldError('reason', 'required', '必须填写删除原因', 'is required')]);
  reason = reason.trim();
  await db.transaction().execute(async (trx) => {
    const cur = await repo.getCustomerForUpdate(trx, customerNo, user);
    if (!cur) throw customerNotFound();
    // Checked under the customer's lock; an account loaded meanwhile is caught by the next try.
    const check = blockersOf(await repo.deletionBlockers(trx, cur.id));
    if (!check.deletable) {
      throw new AppError('CONFLICT', check.message!, check.blockers.map((b) => fieldError('customerNo', b.code, b.message.zh, b.message.en)));
    }
    await repo.softDeleteCustomer(trx, cur.id);
    await refreshManagerBooks(trx, [cur.manager_id]);
    await audit(trx, actor, { action: 'delete', entity: 'customer', entityId: customerNo, customerId: cur.id, fields: ['deleted'], changes: { deleted: { from: false, to: true }, reason } });
  });
}

/** Brings a deleted customer back (C2: soft delete keeps the record, so a mistaken deletion can be undone). */
export async function restore(db: Db, user: CurrentUser, actor: Actor, customerNo: string, reason: string) {
  if (!reason.trim()) throw invalid([fieldError('reason', 'required', '必须填写恢复原因', 'is required')]);
  await db.transaction().execute(async (trx) => {
    const cur = await repo.getDeleted(trx, customerNo, user, true);
    if (!cur) throw customerNotFound();
    // A merged-away customer is deleted by its merge: brought back by hand it would be a second, empty customer beside
    // the survivor that holds its accounts and number. Only an unmerge separates them again.
    const survivor = (await repo.mergedInto(trx, [cur.id])).get(cur.id);
    if (survivor) {
      throw new AppError('CONFLICT', { zh: `该客户已合并至 ${survivor}，不能恢复；如需分开，请撤销合并`, en: `This customer was merged into ${survivor} and cannot be restored; to separate them, undo the merge (unmerge)` },
        [fieldError('customerNo', 'merged', `已合并至 ${survivor}，请使用撤销合并`, `merged into ${survivor}; use unmerge`)]);
    }
    await repo.restoreCustomer(trx, cur.id);
    await refreshManagerBooks(trx, [cur.manager_id]);
    await audit(trx, actor, { action: 'restore', entity: 'customer', entityId: customerNo, customerId: cur.id, fields: ['deleted'], changes: { deleted: { from: true, to: false }, reason: reason.trim() } });
  });
  return view360(db, user, actor, customerNo);
}

/** Hands a customer to another manager (C12 移交), keeping the history; the customer follows the manager's org. */
export async function transfer(db: Db, user: CurrentUser, actor: Actor, customerNo: string, managerId: number, reason: string) {
  const errors: FieldError[] = [];
  if (!reason.trim()) errors.push(fieldError('reason', 'required', '必须填写移交原因', 'is required'));
  const manager = await checkPlacement(db, user, undefined, managerId, errors);
  if (errors.length) throw invalid(errors);
  await db.transaction().execute(async (trx) => {
    const cur = await repo.getCustomerForUpdate(trx, customerNo, user);
    if (!cur) throw customerNotFound();
    if (cur.manager_id === managerId) throw invalid([fieldError('managerId', 'same', '已经是该客户的客户经理', 'already manages this customer')]);
    await repo.updateCustomer(trx, cur.id, { manager_id: managerId, org_id: manager!.org_id });
    await repo.insertManagerHistory(trx, { customer_id: cur.id, from_manager_id: cur.manager_id, to_manager_id: managerId, reason: reason.trim(), by_user_id: user.id });
    await refreshManagerBooks(trx, [cur.manager_id, managerId]);
    await audit(trx, actor, {
      action: 'transfer', entity: 'customer', entityId: customerNo, customerId: cur.id, fields: ['manager_id', 'org_id'],
      changes: { manager_id: { from: cur.manager_id, to: managerId }, org_id: { from: cur.org_id, to: manager!.org_id }, reason: reason.trim() },
    });
  });
  return view360(db, user, actor, customerNo);
}

/** Shows one masked value in clear, and records that it was shown. */
export async function unmask(db: Db, user: CurrentUser, actor: Actor, customerNo: string, kind: 'identity' | 'contact' | 'address' | 'account' | 'keyPerson', id: number) {
  if (!can(user, 'pii:unmask') && !can(user, 'pii:view')) throw forbidden();
  return db.transaction().execute(async (trx) => {
    const customerId = await repo.findCustomerId(trx, customerNo, user);
    if (!customerId) throw customerNotFound();
    const value = await repo.getPersonalValue(trx, customerId, kind, id);
    if (value === undefined) throw notFound();
    await audit(trx, actor, { action: 'unmask', entity: kind, entityId: id, customerId, fields: [kind] });
    return { value };
  });
}

export async function addRelation(db: Db, user: CurrentUser, actor: Actor, customerNo: string, relatedNo: string, typeCode: string, note: string | null) {
  return db.transaction().execute(async (trx) => {
    const id = await repo.findCustomerId(trx, customerNo, user);
    if (!id) throw customerNotFound();
    const errors: FieldError[] = [];
    // Only a customer inside the user's scope: one outside it is not there for them (as everywhere), so the number
    // cannot be used to find out who else banks here. Someone whose scope holds both links them.
    const related = await repo.findCustomerId(trx, relatedNo, user);
    if (!related) errors.push(fieldError('relatedCustomerNo', 'exists', '关联客户不存在', 'no such customer'));
    else if (related === id) errors.push(fieldError('relatedCustomerNo', 'self', '不能与自己建立关系', 'cannot relate a customer to itself'));
    // Checked under the pair's lock: requests sent at once (a double click, a retry) would each find none and add one.
    if (related && related !== id) await repo.lockPair(trx, id, related);
    if (!(await repo.relationTypeExists(trx, typeCode))) errors.push(fieldError('typeCode', 'unknownType', '关系类型不存在', 'is not a known relation type'));
    else if (related && related !== id && (await repo.relationExists(trx, id, related, typeCode))) {
      errors.push(fieldError('relatedCustomerNo', 'duplicate', '两位客户之间已有这种关系', 'already has this relation with the customer'));
    }
    if (errors.length) throw invalid(errors);
    const r = await repo.insertRelation(trx, { customer_id: id, related_id: related!, type_code: typeCode, note });
    await audit(trx, actor, { action: 'create', entity: 'customer_relation', entityId: r.id, customerId: id, fields: ['relation'], changes: { relatedCustomerNo: relatedNo, typeCode, note } });
    return { id: r.id };
  });
}

export async function endRelation(db: Db, user: CurrentUser, actor: Actor, customerNo: string, relationId: number) {
  await db.transaction().execute(async (trx) => {
    const id = await repo.findCustomerId(trx, customerNo, user);
    if (!id) throw customerNotFound();
    const r = await repo.endRelation(trx, id, relationId);
    if (!r) throw notFound();
    await audit(trx, actor, { action: 'delete', entity: 'customer_relation', entityId: relationId, customerId: id, changes: r });
  });
}

/** Registers a corporate key person (C7), linked to a personal customer when one is named. */
export async function addKeyPerson(db: Db, user: CurrentUser, actor: Actor, customerNo: string, body: KeyPersonBody) {
  return db.transaction().execute(async (trx) => {
    const cur = await repo.getCustomerForUpdate(trx, customerNo, user);
    if (!cur) throw customerNotFound();
    const errors: FieldError[] = [];
    if (cur.party !== 'organization') errors.push(fieldError('customerNo', 'party', '只有机构客户才有关键人', 'only organisations have key persons'));
    if (!body.name.trim()) errors.push(fieldError('name', 'required', '必填', 'is required'));
    const idNo = body.idNo?.trim() ? normaliseIdNo(body.idType ?? 'resident_id', body.idNo, 'idNo', errors, today()).idNo : null;
    if (body.sharePct) {
      // Shareholders' stakes add up to at most all of the company.
      const held = await repo.sharesHeld(trx, cur.id);
      if (held + body.sharePct > 100) errors.push(fieldError('sharePct', 'total', `关键人持股合计不能超过 100%（已登记 ${held}%）`, `key persons' stakes cannot add up to more than 100 % (${held} % registered)`));
    }
    let mobile = body.mobile?.trim() || null;
    if (mobile) {
      const v = normalizeMobile(mobile);
      if (!v.ok) errors.push(fieldError('mobile', 'mobileFormat', '手机号格式不正确', 'is not a valid mainland mobile number'));
      else mobile = v.value;
    }
    let personId: number | null = null;
    if (body.personCustomerNo) {
      // Inside the user's scope only, as for relations.
      personId = (await repo.findCustomerId(trx, body.personCustomerNo, user)) ?? null;
      if (!personId) errors.push(fieldError('personCustomerNo', 'exists', '个人客户不存在', 'no such customer'));
    }
    if (errors.length) throw invalid(errors);
    const row = {
      customer_id: cur.id, role: body.role, name: body.name.trim(), id_type: idNo ? body.idType ?? 'resident_id' : null, id_no: idNo,
      mobile, share_pct: body.sharePct == null ? null : String(body.sharePct), person_customer_id: personId,
    };
    const { id } = await repo.insertKeyPerson(trx, row);
    await audit(trx, actor, { action: 'create', entity: 'customer_key_person', entityId: id, customerId: cur.id, fields: Object.keys(row), changes: row });
    return { id };
  });
}

export async function removeKeyPerson(db: Db, user: CurrentUser, actor: Actor, customerNo: string, id: number) {
  await db.transaction().execute(async (trx) => {
    const customerId = await repo.findCustomerId(trx, customerNo, user);
    if (!customerId) throw customerNotFound();
    const gone = await repo.deleteKeyPerson(trx, customerId, id);
    if (!gone) throw notFound();
    await audit(trx, actor, { action: 'delete', entity: 'customer_key_person', entityId: id, customerId, changes: gone });
  });
}

export async function meta(db: Db) {
  const m = await repo.getMeta(db);
  return {
    types: m.types.map((t) => ({ code: t.code, parentCode: t.parent_code, party: t.party, name: t.name, nameEn: t.name_en, attributeSchema: t.attribute_schema })),
    levels: m.levels.map((l) => ({ code: l.code, name: l.name, nameEn: l.name_en, rank: l.rank, minAumFen: Number(l.min_aum_fen) })),
    relationTypes: m.relationTypes.map((r) => ({ code: r.code, name: r.name, nameEn: r.name_en, inverseName: r.inverse_name, inverseNameEn: r.inverse_name_en })),
    statuses: ['potential', 'active', 'dormant', 'churned'],
    idTypes: ['resident_id', 'uscc', 'passport', 'hk_macao_permit', 'taiwan_permit', 'foreign_permanent', 'business_license', 'other'],
    products: m.products.map((p) => ({ code: p.code, name: p.name, nameEn: p.name_en, category: p.category })),
  };
}
