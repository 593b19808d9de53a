/** Code-value translation: each source system's codes to Banyan's one code set (I1). Pure. */
import { halfWidth, type Failure, type Message, type Outcome } from './values.ts';

/**
 * A translation table. `exact` compares trimmed, half-width, case-folded values; `contains` takes an exact entry
 * first, else finds a key inside a free-text value: the one ending last (a Chinese title's head comes last, so
 * "总经理助理" is an assistant, 助理, not 总经理), of those the longest (so "销售部总经理" hits 总经理 before 经理).
 * A key written with a leading `=` (`=厅`) matches only the whole value, never inside text (厅 is a grade; 餐厅 is a restaurant).
 * `otherwise` decides what a value missing from the table becomes.
 */
export type CodeTable = {
  name?: Message;
  match?: 'exact' | 'contains';
  entries: Record<string, string>;
  otherwise?: 'reject' | 'keep' | 'blank' | 'default';
  defaultValue?: string;
};

export const ID_TYPES = ['resident_id', 'uscc', 'passport', 'hk_macao_permit', 'taiwan_permit', 'foreign_permanent', 'business_license', 'other'] as const;
export type IdType = (typeof ID_TYPES)[number];

export const JOB_LEVELS = ['senior_exec', 'middle_manager', 'junior_manager', 'staff', 'other'] as const;

/** The tables every new mapping starts with; a mapping may edit them or add its own. */
export const DEFAULT_CODE_TABLES: Record<string, CodeTable> = {
  gender: {
    name: { zh: '性别', en: 'Gender' },
    entries: { '1': 'M', M: 'M', MALE: 'M', 男: 'M', '2': 'F', F: 'F', FEMALE: 'F', 女: 'F', '0': '', '9': '', U: '', 未知: '' },
    otherwise: 'reject',
  },
  id_type: {
    name: { zh: '证件类型', en: 'ID type' },
    entries: {
      ID_CARD: 'resident_id', IDCARD: 'resident_id', '01': 'resident_id', '1': 'resident_id', 身份证: 'resident_id', 居民身份证: 'resident_id', RESIDENT_ID: 'resident_id',
      USCC: 'uscc', '21': 'uscc', 统一社会信用代码: 'uscc',
      PASSPORT: 'passport', '03': 'passport', 护照: 'passport',
      HK_MACAO: 'hk_macao_permit', 港澳居民来往内地通行证: 'hk_macao_permit', 港澳通行证: 'hk_macao_permit',
      TAIWAN: 'taiwan_permit', 台湾居民来往大陆通行证: 'taiwan_permit', 台胞证: 'taiwan_permit',
      FOREIGN_PR: 'foreign_permanent', 外国人永久居留身份证: 'foreign_permanent',
      BUSINESS_LICENSE: 'business_license', 营业执照: 'business_license',
      OTHER: 'other', 其他: 'other',
    },
    otherwise: 'reject',
  },
  kind: {
    name: { zh: '客户类别', en: 'Party kind' },
    entries: { PERSON: 'person', P: 'person', I: 'person', 个人: 'person', 对私: 'person', ORG: 'org', C: 'org', 对公: 'org', 企业: 'org', 公司: 'org' },
    otherwise: 'reject',
  },
  // Government grades (厅/局/处/科 as codes, 厅长/处级 in titles), company titles (董事长/总经理/经理) and free text, to one
  // job level. Assistants and secretaries (总经理助理, 局长秘书) are staff, not their principal's level; a bank's own
  // front-line titles (客户经理, 大堂经理, 理财经理) are staff unless the bank maps them otherwise.
  job_title: {
    name: { zh: '职务级别', en: 'Job level' },
    match: 'contains',
    entries: {
      '=厅': 'senior_exec', 厅长: 'senior_exec', 厅级: 'senior_exec', '=局': 'senior_exec', 局长: 'senior_exec', 局级: 'senior_exec',
      部长: 'senior_exec', 董事长: 'senior_exec', 总经理: 'senior_exec', 总裁: 'senior_exec', 行长: 'senior_exec', CEO: 'senior_exec',
      '=处': 'middle_manager', 处长: 'middle_manager', 处级: 'middle_manager', 总监: 'middle_manager', 经理: 'middle_manager', 主任: 'middle_manager',
      '=科': 'junior_manager', 科长: 'junior_manager', 科级: 'junior_manager', 主管: 'junior_manager', 组长: 'junior_manager',
      科员: 'staff', 职员: 'staff', 员工: 'staff', 专员: 'staff', 办事员: 'staff', 助理: 'staff', 秘书: 'staff', 服务员: 'staff',
      客户经理: 'staff', 大堂经理: 'staff', 理财经理: 'staff',
    },
    otherwise: 'default',
    defaultValue: 'other',
  },
};

const fold = (s: string) => halfWidth(s).trim().toUpperCase();

export type CompiledCodeTable = (value: string) => Outcome;

/** Prepares a table for fast lookups, e.g. compileCodeTable(DEFAULT_CODE_TABLES.gender!)('男') → { ok: true, value: 'M' }. */
export function compileCodeTable(table: CodeTable, tableName: string): CompiledCodeTable {
  const fn = codeTableFn(table, tableName);
  return (value) => {
    const r = fn(value);
    return typeof r === 'object' && r !== null ? r : { ok: true, value: r };
  };
}

/** The same lookup for the mapping's inner loop: the value (or null), or the Failure (see transformFn). */
export function codeTableFn(table: CodeTable, tableName: string): (value: string) => string | null | Failure {
  const exact = new Map<string, string>();
  const wholeOnly = new Set<string>();
  for (const [k, v] of Object.entries(table.entries)) {
    const f = fold(k);
    if (f.length > 1 && f.startsWith('=')) wholeOnly.add(f.slice(1));
    exact.set(f.length > 1 && f.startsWith('=') ? f.slice(1) : f, v);
  }
  const keys = [...exact.keys()].filter((k) => !wholeOnly.has(k));
  const contains = table.match === 'contains';
  return (value) => {
    const v = fold(value);
    if (!v) return null;
    let hit = exact.get(v);
    if (hit === undefined && contains) {
      let best: string | undefined, bestEnd = -1;
      for (const key of keys) {
        const at = v.lastIndexOf(key);
        if (at < 0) continue;
        const end = at + key.length;
        if (end > bestEnd || (end === bestEnd && key.length > best!.length)) { best = key; bestEnd = end; }
      }
      if (best !== undefined) hit = exact.get(best);
    }
    if (hit !== undefined) return hit === '' ? null : hit;
    switch (table.otherwise ?? 'reject') {
      case 'keep': return value.trim();
      case 'blank': return null;
      case 'default': return table.defaultValue ?? null;
      default:
        return { ok: false, rule: 'codeTable', message: { zh: `“${value.trim()}”不在代码表 ${tableName} 中`, en: `"${value.trim()}" is not in code table ${tableName}` } };
    }
  };
}
