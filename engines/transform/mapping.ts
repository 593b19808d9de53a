/**
 * A source's mapping: which column feeds which canonical field, through which transformations and code
 * tables, and the rules every canonical field must meet. Pure: a header and a row's values in, a canonical
 * record or the reasons it was rejected out.
 */
import { createHash, hash } from 'node:crypto';
import { validateResidentId } from '../identity/cn-id.ts';
import { validateEmail } from '../identity/phone.ts';
import { validateUscc } from '../identity/uscc.ts';
import { codeTableFn, DEFAULT_CODE_TABLES, ID_TYPES, type CodeTable } from './code-tables.ts';
import { BANK_TIME_ZONE, halfWidth, parseDate, parseTimestamp, toE164Mobile, transformFn, TRANSFORMS, type Failure, type Message, type TransformName } from './values.ts';

export const CORE_FIELDS = ['kind', 'name', 'id_type', 'id_no', 'mobile', 'email', 'birth_date', 'gender', 'address', 'employer', 'legal_rep', 'source_updated_at'] as const;
export type CoreField = (typeof CORE_FIELDS)[number];
export const ACCOUNT_FIELDS = ['accountNo', 'productCode', 'currency', 'status', 'openedOn', 'closedOn', 'balanceFen', 'branchCode'] as const;
export type AccountField = (typeof ACCOUNT_FIELDS)[number];

/** `name`, `account.balanceFen`, `attributes.job_level` … */
export type TargetField = CoreField | `account.${AccountField}` | `attributes.${string}`;

export type FieldMapping = {
  field: TargetField;
  /** The source column (header name); or `value` for a constant. */
  column?: string;
  value?: string;
  transforms?: TransformName[];
  codeTable?: string;
  required?: boolean;
};

/**
 * What a load does with a resident ID or USCC that fails its check (check digit, embedded birth date, format): reject
 * the row into quarantine (the default), or keep the record with the number as given, marked unverified (`id_issue`).
 */
export const INVALID_ID_POLICIES = ['quarantine', 'keep'] as const;
export type InvalidIdPolicy = (typeof INVALID_ID_POLICIES)[number];

export const INVALID_ID_POLICY_NAMES: Record<InvalidIdPolicy, { label: Message; help: Message }> = {
  quarantine: {
    label: { zh: '隔离该行', en: 'Quarantine the row' },
    help: { zh: '证件号未通过校验的行进入隔离区，修正后才加载（默认）', en: 'Rows whose ID number fails its check go to quarantine and load once fixed (default)' },
  },
  keep: {
    label: { zh: '加载并标记为未核验', en: 'Load, marked unverified' },
    help: {
      zh: '照原样（半角、去空格、大写）加载证件号并标记为未核验：记录与账户照常整合，该号码不作为客户的有效证件，供数据管理员核查',
      en: 'Loads the number as given (half-width, no spaces, upper case), marked unverified: the record and its accounts resolve as usual, the number never becomes a verified ID of the customer, and data stewards can list it',
    },
  },
};

export type Mapping = {
  /** Columns that make the source's own key of a record; empty: a hash of the whole row. */
  recordKey: string[];
  fields: FieldMapping[];
  codeTables: Record<string, CodeTable>;
  /** Resident IDs and USCCs that fail their check: quarantined (default, also when absent) or kept unverified. */
  invalidIds?: InvalidIdPolicy;
};

export type Reason = { field: string; rule: string; message: Message; value?: string };

export type Account = Partial<Record<AccountField, string | number | null>>;

/** One record in canonical fields, as it goes into `source_record`. */
export type CanonicalRecord = {
  recordKey: string;
  kind: 'person' | 'org';
  name: string | null;
  id_type: string | null;
  id_no: string | null;
  mobile: string | null;
  email: string | null;
  birth_date: string | null;
  gender: 'M' | 'F' | null;
  address: string | null;
  employer: string | null;
  legal_rep: string | null;
  source_updated_at: string | null;
  attributes: Record<string, string>;
  accounts: Account[];
  /**
   * Set when the mapping keeps an ID number that fails its check (`invalidIds: 'keep'`): why (field id_no, the rule, the
   * message). The number is unverified: matching compares it as the engine does any invalid number, and it never
   * becomes the customer's identity document.
   */
  id_issue?: IdIssue | null;
};

/** Why a kept ID number is unverified, as stored with the record (source_record.id_issue). */
export type IdIssue = { field: 'id_no'; rule: string; message: Message };

/** A rejected row carries its record key when the key columns hold one (its quarantine entry is that key's). */
export type RowResult = { ok: true; record: CanonicalRecord } | { ok: false; reasons: Reason[]; recordKey?: string };

export const FIELD_NAMES: Record<CoreField, Message> = {
  kind: { zh: '客户类别', en: 'Party kind' }, name: { zh: '名称', en: 'Name' }, id_type: { zh: '证件类型', en: 'ID type' }, id_no: { zh: '证件号码', en: 'ID number' },
  mobile: { zh: '手机', en: 'Mobile' }, email: { zh: '邮箱', en: 'E-mail' }, birth_date: { zh: '出生日期', en: 'Birth date' }, gender: { zh: '性别', en: 'Gender' },
  address: { zh: '地址', en: 'Address' }, employer: { zh: '工作单位', en: 'Employer' }, legal_rep: { zh: '法定代表人', en: 'Legal representative' },
  source_updated_at: { zh: '源系统更新时间', en: 'Updated in source' },
};

const TARGET_RE = /^(?:attributes\.[a-z][a-z0-9_]{0,39}|account\.(?:accountNo|productCode|currency|status|openedOn|closedOn|balanceFen|branchCode))$/;
const isTarget = (f: string): f is TargetField => (CORE_FIELDS as readonly string[]).includes(f) || TARGET_RE.test(f);

export type MappingProblem = { field: string; rule: string; message: Message };

/** Fields canonicalise accepts only a few values for: a code table or constant feeding one must give one of them. */
const CLOSED: Partial<Record<CoreField, readonly string[]>> = { gender: ['M', 'F'], id_type: ID_TYPES, kind: ['person', 'org'] };

/** The value a constant field takes (its transformations and code table applied), or the failure. */
function constantValue(f: FieldMapping, table: CodeTable | undefined): string | null | Failure {
  let v: string | null | Failure = f.value ?? '';
  const fns = (f.transforms ?? []).filter((t) => (TRANSFORMS as readonly string[]).includes(t)).map(transformFn);
  if (table) fns.push(codeTableFn(table, f.codeTable!));
  for (const fn of fns) {
    if (v === null || typeof v === 'object') break;
    v = fn(v);
  }
  return typeof v === 'string' && v.trim() === '' ? null : v;
}

/** Checks a mapping's own consistency (not against a file), e.g. an unknown field or transformation. */
export function validateMapping(m: Mapping): MappingProblem[] {
  const out: MappingProblem[] = [];
  const seen = new Set<string>();
  m.fields.forEach((f, i) => {
    const at = `fields.${i}`;
    if (!isTarget(f.field)) out.push({ field: `${at}.field`, rule: 'enum', message: { zh: `不认识的目标字段 ${f.field}`, en: `unknown target field ${f.field}` } });
    if (seen.has(f.field)) out.push({ field: `${at}.field`, rule: 'unique', message: { zh: `目标字段 ${f.field} 重复映射`, en: `target field ${f.field} is mapped twice` } });
    seen.add(f.field);
    if (!f.column && f.value === undefined) out.push({ field: `${at}.column`, rule: 'required', message: { zh: '需要源字段或常量', en: 'needs a source column or a constant' } });
    for (const t of f.transforms ?? []) {
      if (!(TRANSFORMS as readonly string[]).includes(t)) out.push({ field: `${at}.transforms`, rule: 'enum', message: { zh: `不认识的转换 ${t}`, en: `unknown transformation ${t}` } });
    }
    if (f.codeTable && !m.codeTables[f.codeTable]) out.push({ field: `${at}.codeTable`, rule: 'exists', message: { zh: `代码表 ${f.codeTable} 不存在`, en: `code table ${f.codeTable} does not exist` } });
    const allowed = CLOSED[f.field as CoreField];
    const table = f.codeTable ? m.codeTables[f.codeTable] : undefined;
    const label = FIELD_NAMES[f.field as CoreField];
    const outside = (v: string) => ({ zh: `${label?.zh}只能是 ${allowed!.join('、')}，“${v}”不在其中`, en: `${label?.en} must be one of ${allowed!.join(', ')}; "${v}" is not` });
    if (!f.column && f.value !== undefined) {
      // A constant: every row gets this value, so a bad one would reject every row.
      const v = constantValue(f, table);
      if (v !== null && typeof v === 'object') out.push({ field: `${at}.value`, rule: v.rule, message: v.message });
      else if (v !== null && allowed && !allowed.includes(v)) out.push({ field: `${at}.value`, rule: 'enum', message: outside(v) });
    } else if (allowed && table) {
      // A code table feeding a closed field: each translation (and the default) must be one of its values ('' is blank).
      for (const [k, v] of Object.entries(table.entries)) {
        if (v !== '' && !allowed.includes(v)) {
          const o = outside(v);
          out.push({ field: `codeTables.${f.codeTable}.entries.${k}`, rule: 'enum', message: { zh: `代码表 ${f.codeTable} 把“${k}”译为“${v}”：${o.zh}`, en: `code table ${f.codeTable} translates "${k}" to "${v}": ${o.en}` } });
        }
      }
      if (table.otherwise === 'default' && table.defaultValue && !allowed.includes(table.defaultValue)) {
        out.push({ field: `codeTables.${f.codeTable}.defaultValue`, rule: 'enum', message: outside(table.defaultValue) });
      }
    }
  });
  if (m.invalidIds !== undefined && !(INVALID_ID_POLICIES as readonly string[]).includes(m.invalidIds)) {
    out.push({ field: 'invalidIds', rule: 'enum', message: { zh: `证件号校验失败时的处理只能是 ${INVALID_ID_POLICIES.join('、')}`, en: `must be one of ${INVALID_ID_POLICIES.join(', ')}` } });
  }
  if (!seen.has('name')) out.push({ field: 'fields', rule: 'required', message: { zh: '必须映射“名称”字段', en: 'the name field must be mapped' } });
  // 归户 creates an account only under a product of the catalogue: account fields without a product code would fill
  // the records' accounts and never create one.
  if ([...seen].some((f) => f.startsWith('account.')) && !m.fields.some((f) => f.field === 'account.productCode' && (f.column || (f.value ?? '').trim()))) {
    out.push({ field: 'account.productCode', rule: 'required', message: {
      zh: '映射了账户字段时必须映射“产品代码”（源列或常量）：没有产品代码的账户不会被归户创建',
      en: 'is required (a column or a constant) when account fields are mapped: no account is created without a product code',
    } });
  }
  for (const [name, t] of Object.entries(m.codeTables)) {
    if (t.otherwise === 'default' && t.defaultValue === undefined) out.push({ field: `codeTables.${name}.defaultValue`, rule: 'required', message: { zh: '需要默认值', en: 'needs a default value' } });
  }
  return out;
}

/** The columns a mapping reads: a file whose header lacks one of them is refused before loading. */
export function mappedColumns(m: Mapping): string[] {
  return [...new Set([...m.recordKey, ...m.fields.flatMap((f) => (f.column ? [f.column] : []))])];
}

const REQUIRED: Message = { zh: '不能为空', en: 'is required' };
const fail = (field: string, rule: string, message: Message, value?: string): Reason => ({ field, rule, message, value });

type Step = { field: TargetField; index: number; value?: string; steps: Array<(v: string) => string | null | Failure>; required: boolean; translated: boolean };

export type CompileOptions = {
  /** The zone of timestamps that carry none: the bank's (BANK_TIME_ZONE, the server's JOB_TIME_ZONE) unless given. */
  timeZone?: string;
};

/**
 * A row's cells as a reader gives them. `lostDigits`: the indexes of cells a spreadsheet stored as numbers too long
 * for it (over 15 significant digits), so their text is not what was keyed: a mapped one rejects the row.
 * `unreadable`: the reader could not make a row of it (a JSON line that is no object), and says why.
 */
export type RowValues = string[] & { lostDigits?: number[]; unreadable?: { rule: string; message: Message } };

export const LOST_DIGITS: Message = {
  zh: '该单元格在 Excel 中存为数字，超过 15 位的数字已丢失；请把该列设为文本格式后重新导出',
  en: 'the cell is stored as a number in Excel and lost the digits past the 15th; store the column as text and export again',
};

export type Compiled = {
  /** Mapped columns the header lacks (empty when the file fits). */
  missing: string[];
  map: (values: string[]) => RowResult;
};

/**
 * Binds a mapping to a file's header. `today` (YYYY-MM-DD) bounds birth dates.
 * e.g. compileMapping(DEFAULT_MAPPING, ['record_id', 'name', …], '2026-01-01').map(['R1', '张伟', …])
 */
export function compileMapping(m: Mapping, header: string[], today: string, opts: CompileOptions = {}): Compiled {
  const timeZone = opts.timeZone ?? BANK_TIME_ZONE;
  const norm = (h: string) => halfWidth(h).trim().toLowerCase();
  const pos = new Map<string, number>();
  header.forEach((h, i) => { if (!pos.has(norm(h))) pos.set(norm(h), i); });
  const missing = mappedColumns(m).filter((c) => !pos.has(norm(c)));
  const tables = new Map<string, Step['steps'][number]>();
  for (const [name, t] of Object.entries(m.codeTables)) tables.set(name, codeTableFn(t, name));
  const steps: Step[] = m.fields.map((f) => {
    const fns: Step['steps'] = (f.transforms ?? []).map(transformFn);
    const table = f.codeTable ? tables.get(f.codeTable) : undefined;
    if (table) fns.push(table);
    return { field: f.field, index: f.column ? pos.get(norm(f.column)) ?? -1 : -1, value: f.value, steps: fns, required: !!f.required, translated: !!table };
  });
  const stepOf = new Map(steps.map((s) => [s.field as string, s]));
  const keyIdx = m.recordKey.map((c) => pos.get(norm(c)) ?? -1);
  // Mapped attributes and account fields: the only keys canonicalise reads beyond the core fields.
  const extra = [...new Set(m.fields.map((f) => f.field).filter((f) => f.startsWith('attributes.') || f.startsWith('account.')))];
  const width = header.length;
  const keepInvalidIds = m.invalidIds === 'keep';
  // Account fields fed by a column: a row where all of them are empty (or a zero balance) is a party without an account.
  const accountColumns = steps.filter((s) => s.field.startsWith('account.') && s.index >= 0).map((s) => s.field as string);

  const keyOf = (values: string[]): string | undefined => {
    const parts = keyIdx.map((i) => (values[i] ?? '').trim());
    return parts.length && parts.every((p) => p !== '') ? parts.join('|') : undefined;
  };
  const map = (values: RowValues): RowResult => {
    const r = mapRow(values);
    if (!r.ok && values.unreadable === undefined && values.length === width) {
      const k = keyOf(values);
      if (k !== undefined) r.recordKey = k;
    }
    return r;
  };
  const mapRow = (values: RowValues): RowResult => {
    const unreadable = values.unreadable;
    if (unreadable !== undefined) return { ok: false, reasons: [fail('row', unreadable.rule, unreadable.message, values[0])] };
    if (values.length !== width) {
      return { ok: false, reasons: [fail('row', 'columnCount', { zh: `列数 ${values.length} 与表头的 ${width} 列不符`, en: `has ${values.length} columns, the header has ${width}` })] };
    }
    const reasons: Reason[] = [];
    const lost = values.lostDigits;
    if (lost !== undefined) {
      for (const s of steps) if (lost.includes(s.index)) reasons.push(fail(s.field, 'excelNumber', LOST_DIGITS, values[s.index]));
      for (const i of keyIdx) if (lost.includes(i)) reasons.push(fail('record_key', 'excelNumber', LOST_DIGITS, values[i]));
      if (reasons.length) return { ok: false, reasons };
    }
    const out: Record<string, string | null> = {};
    for (const s of steps) {
      const raw = s.index >= 0 ? values[s.index] ?? '' : s.value ?? '';
      let v: string | null = raw;
      for (const fn of s.steps) {
        if (v === null) break;
        const r = fn(v);
        if (r !== null && typeof r === 'object') {
          reasons.push(fail(s.field, r.rule, r.message, raw));
          v = null;
          break;
        }
        v = r;
      }
      if (v !== null && v.trim() === '') v = null;
      if (v === null && s.required && !reasons.some((r) => r.field === s.field)) reasons.push(fail(s.field, 'required', REQUIRED, raw));
      out[s.field] = v;
    }
    const before = reasons.length;
    const rec = canonicalise(out, extra, reasons, today, timeZone, keepInvalidIds, accountColumns);
    if (reasons.length) {
      // A rule broken by a code table's translation: show what the file holds (what the user must fix), and what it became.
      for (let i = before; i < reasons.length; i++) {
        const r = reasons[i]!, s = stepOf.get(r.field);
        if (!s || !s.translated || s.index < 0) continue;
        const raw = (values[s.index] ?? '').trim();
        if (r.value !== undefined && r.value !== raw) {
          r.message = { zh: `${r.message.zh}（源值“${raw}”经代码表译为“${r.value}”）`, en: `${r.message.en} (source value "${raw}", translated to "${r.value}")` };
          r.value = raw;
        }
      }
      return { ok: false, reasons };
    }
    let recordKey: string;
    if (keyIdx.length === 1) {
      recordKey = (values[keyIdx[0]!] ?? '').trim();
      if (!recordKey) return { ok: false, reasons: [fail('record_key', 'required', { zh: '记录主键为空', en: 'the record key is empty' })] };
    } else if (keyIdx.length) {
      const parts = keyIdx.map((i) => (values[i] ?? '').trim());
      if (parts.some((p) => p === '')) return { ok: false, reasons: [fail('record_key', 'required', { zh: '记录主键为空', en: 'the record key is empty' })] };
      recordKey = parts.join('|');
    } else {
      recordKey = `h:${createHash('sha256').update(values.join('\u001f')).digest('hex').slice(0, 32)}`;
    }
    rec.recordKey = recordKey;
    return { ok: true, record: rec };
  };
  return { missing, map };
}

/** The field rules every mapped value meets, whatever the source: ID checksums, E.164 mobiles, real dates … */
function canonicalise(v: Record<string, string | null>, extra: readonly string[], reasons: Reason[], today: string, timeZone: string, keepInvalidIds: boolean, accountColumns: readonly string[] = []): CanonicalRecord {
  let idNo = v.id_no ?? null;
  let idIssue: IdIssue | null = null;
  // A number failing its check: the row's reason, or (kept) the record's mark of an unverified number.
  const badId = (rule: string, message: Message) => {
    if (keepInvalidIds) idIssue = { field: 'id_no', rule, message };
    else reasons.push(fail('id_no', rule, message, idNo ?? undefined));
  };
  let idType = v.id_type ?? null;
  if (idType && !(ID_TYPES as readonly string[]).includes(idType)) {
    reasons.push(fail('id_type', 'enum', { zh: `证件类型 ${idType} 不在 Banyan 代码集中`, en: `ID type ${idType} is not one of Banyan's` }, idType));
  }
  if (idNo) {
    idNo = halfWidth(idNo).replace(/\s+/g, '').toUpperCase();
    // No declared type: an 18-character code is a USCC or a resident ID by its shape.
    if (!idType) idType = /^\d{15}$|^\d{17}[\dX]$/.test(idNo) ? 'resident_id' : /^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$/.test(idNo) ? 'uscc' : 'other';
    if (idType === 'resident_id') {
      const r = validateResidentId(idNo, today);
      if (r.ok) idNo = r.value;
      else badId(`residentId.${r.rule}`, RESIDENT_ID_RULES[r.rule]!);
    } else if (idType === 'uscc') {
      const r = validateUscc(idNo);
      if (r.ok) idNo = r.value;
      else badId(`uscc.${r.rule}`, r.rule === 'checksum' ? { zh: '统一社会信用代码校验位错误', en: 'USCC check character is wrong' } : { zh: '统一社会信用代码格式不正确', en: 'USCC has the wrong format' });
    }
  } else if (idType) idType = null;
  let mobile = v.mobile ?? null;
  // Every mobile is checked; one already in E.164 (the mobile_e164 transformation's output) takes one compiled test.
  if (mobile && !E164_MOBILE.test(mobile)) {
    const r = toE164Mobile(mobile);
    if (r.ok) mobile = r.value;
    else reasons.push(fail('mobile', r.rule, r.message, mobile));
  }
  let email = v.email ?? null;
  if (email) {
    const r = validateEmail(halfWidth(email));
    if (r.ok) email = r.value;
    else reasons.push(fail('email', 'email', { zh: '不是有效的邮箱地址', en: 'is not a valid e-mail address' }, email));
  }
  let birth = v.birth_date ?? null;
  if (birth && !/^\d{4}-\d{2}-\d{2}$/.test(birth)) {
    const r = parseDate(birth);
    if (r.ok) birth = r.value;
    else reasons.push(fail('birth_date', r.rule, r.message, birth));
  }
  if (birth && birth > today) reasons.push(fail('birth_date', 'past', { zh: '出生日期晚于今天', en: 'is after today' }, birth));
  let updated = v.source_updated_at ?? null;
  if (updated) {
    const r = parseTimestamp(updated, timeZone);
    if (r.ok) updated = r.value;
    else {
      reasons.push(fail('source_updated_at', 'timestamp', r.message, updated));
      updated = null;
    }
  }
  const gender = v.gender ?? null;
  if (gender && gender !== 'M' && gender !== 'F') reasons.push(fail('gender', 'enum', { zh: '性别只能是 M 或 F（请配置代码表）', en: 'must be M or F (set a code table)' }, gender));
  let kind = v.kind ?? null;
  if (!kind) kind = idType === 'uscc' || idType === 'business_license' ? 'org' : 'person';
  if (kind !== 'person' && kind !== 'org') reasons.push(fail('kind', 'enum', { zh: '客户类别只能是 person 或 org（请配置代码表）', en: 'must be person or org (set a code table)' }, kind));
  const attributes: Record<string, string> = {};
  const account: Account = {};
  // No account in the row's account columns (all empty, or a zero balance): a party without an account, whatever
  // constants (a product code, a currency) the mapping gives every account.
  const noAccount = accountColumns.length > 0 && accountColumns.every((k) => v[k] == null || (k === 'account.balanceFen' && /^[-+]?0+(\.0*)?$/.test(v[k]!.trim())));
  for (const k of extra) {
    const val = v[k];
    if (val == null) continue;
    if (noAccount && k.startsWith('account.')) continue;
    if (k.startsWith('attributes.')) attributes[k.slice(11)] = val;
    else if (k.startsWith('account.')) {
      const f = k.slice(8) as AccountField;
      if (f === 'balanceFen') {
        if (!/^-?\d+$/.test(val)) reasons.push(fail(k, 'integer', { zh: '余额应为整数（分），可用“元转分”转换', en: 'must be whole fen (use the yuan-to-fen transformation)' }, val));
        else account.balanceFen = Number(val);
      } else if (f === 'openedOn' || f === 'closedOn') {
        const r = parseDate(val);
        if (r.ok) account[f] = r.value;
        else reasons.push(fail(k, r.rule, r.message, val));
      } else account[f] = val;
    }
  }
  if (Object.keys(account).length && !account.accountNo) reasons.push(fail('account.accountNo', 'required', { zh: '有账户信息时账号不能为空', en: 'is required when account fields are mapped' }));
  let name = v.name ?? null;
  // A person's name keeps no space between Chinese characters (张　伟, 张 伟 → 张伟); Latin names keep theirs.
  if (name && kind === 'person' && /\s/.test(name)) name = name.replace(/(?<=\p{Script=Han})\s+(?=\p{Script=Han})/gu, '');
  if (name && name.length > 200) reasons.push(fail('name', 'maxLength', { zh: '名称超过 200 字', en: 'is longer than 200 characters' }, name.slice(0, 40)));
  return {
    recordKey: '', kind: kind as 'person' | 'org', name, id_type: idType, id_no: idNo, mobile, email, birth_date: birth, gender: gender as 'M' | 'F' | null,
    address: v.address ?? null, employer: v.employer ?? null, legal_rep: v.legal_rep ?? null, source_updated_at: updated, attributes, accounts: account.accountNo ? [account] : [],
    ...(idIssue ? { id_issue: idIssue } : {}),
  };
}

const E164_MOBILE = /^\+861[3-9]\d{9}$/;

const RESIDENT_ID_RULES: Record<string, Message> = {
  format: { zh: '身份证号格式不正确（应为 18 位或 15 位）', en: 'resident ID has the wrong format (18 or 15 digits)' },
  checksum: { zh: '身份证号校验位错误', en: 'resident ID check digit is wrong' },
  birthdate: { zh: '身份证号中的出生日期无效', en: 'resident ID carries an invalid birth date' },
  region: { zh: '身份证号的地区码无效', en: 'resident ID carries an unknown region code' },
};

/** PostgreSQL's COPY text format for one value: backslash, tab, newline and carriage return escaped; null as \\N. */
export function copyText(v: string | null | undefined): string {
  if (v == null) return '\\N';
  return /[\\\t\n\r]/.test(v) ? v.replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n').replace(/\r/g, '\\r') : v;
}

/** The columns canonicalContent fills, in its order (source_record's names). */
export const CONTENT_COLUMNS = ['kind', 'name', 'id_type', 'id_no', 'mobile', 'email', 'birth_date', 'gender', 'address', 'employer', 'legal_rep', 'attributes', 'accounts', 'source_updated_at'] as const;

/** An account's fields in ACCOUNT_FIELDS order (those it has), so equal accounts serialise alike. */
function accountInOrder(a: Account): Account {
  const out: Account = {};
  for (const f of ACCOUNT_FIELDS) if (a[f] !== undefined) out[f] = a[f];
  return out;
}

/**
 * The record's content as one canonical string: CONTENT_COLUMNS in COPY text, tab-separated, attributes in key order
 * and account fields in ACCOUNT_FIELDS order (equal records, equal strings). A load sends this very text to the
 * database inside the record's COPY line, so it is built once and hashed as it is.
 */
export function canonicalContent(r: CanonicalRecord): string {
  const keys = Object.keys(r.attributes);
  const attrs = keys.length > 1 ? Object.fromEntries(keys.sort().map((k) => [k, r.attributes[k]])) : r.attributes;
  // One join: the text comes out flat, with no chain of partial strings to build and flatten per row.
  return [
    r.kind, copyText(r.name), copyText(r.id_type), copyText(r.id_no), copyText(r.mobile), copyText(r.email), copyText(r.birth_date), copyText(r.gender),
    copyText(r.address), copyText(r.employer), copyText(r.legal_rep), keys.length ? copyText(JSON.stringify(attrs)) : '{}',
    r.accounts.length ? copyText(JSON.stringify(r.accounts.map(accountInOrder))) : '[]', copyText(r.source_updated_at),
  ].join('\t');
}

/** A record's id_issue as COPY text (`source_record.id_issue`, jsonb), or null when its ID number is not marked. */
export function idIssueText(r: CanonicalRecord): string | null {
  return r.id_issue ? copyText(JSON.stringify(r.id_issue)) : null;
}

/**
 * What a record's hash covers: its canonical content, and the mark of an unverified ID number when there is one (a
 * record without one hashes as it always did, so a reload of unchanged rows writes nothing).
 */
export function hashedText(content: string, issue: string | null): string {
  return issue === null ? content : `${content}\t${issue}`;
}

/** sha256 of the canonical content (and ID mark): a reload whose hash is unchanged writes nothing. */
export function contentHash(r: CanonicalRecord): Buffer {
  return hash('sha256', hashedText(canonicalContent(r), idIssueText(r)), 'buffer');
}

const TEXT: TransformName[] = ['halfwidth', 'trim', 'collapse_spaces'];

/**
 * The mapping a new interface starts with: the canonical column names (as in the cn-dev extracts:
 * record_id, kind, name, id_type, id_no, mobile, email, birth_date, gender, address, employer, legal_rep).
 */
export function defaultMapping(columns: readonly string[] = ['record_id', 'kind', 'name', 'id_type', 'id_no', 'mobile', 'email', 'birth_date', 'gender', 'address', 'employer', 'legal_rep']): Mapping {
  const has = (c: string) => columns.includes(c);
  const fields: FieldMapping[] = [];
  const add = (f: FieldMapping) => { if (f.column && has(f.column)) fields.push(f); };
  add({ field: 'kind', column: 'kind', transforms: ['trim'], codeTable: 'kind' });
  add({ field: 'name', column: 'name', transforms: TEXT, required: true });
  add({ field: 'id_type', column: 'id_type', transforms: ['trim'], codeTable: 'id_type' });
  add({ field: 'id_no', column: 'id_no', transforms: ['halfwidth', 'id18'] });
  add({ field: 'mobile', column: 'mobile', transforms: ['mobile_e164'] });
  add({ field: 'email', column: 'email', transforms: ['halfwidth', 'trim', 'lower'] });
  add({ field: 'birth_date', column: 'birth_date', transforms: ['date'] });
  add({ field: 'gender', column: 'gender', codeTable: 'gender' });
  add({ field: 'address', column: 'address', transforms: TEXT });
  add({ field: 'employer', column: 'employer', transforms: TEXT });
  add({ field: 'legal_rep', column: 'legal_rep', transforms: TEXT });
  add({ field: 'attributes.job_level', column: 'job_title', codeTable: 'job_title' });
  return { recordKey: has('record_id') ? ['record_id'] : [], fields, codeTables: structuredClone(DEFAULT_CODE_TABLES) };
}
