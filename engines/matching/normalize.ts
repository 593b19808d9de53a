/** From a raw source record to a comparison-ready one. Pure and deterministic. */
import { pinyin } from 'pinyin-pro';
import { normalizeMobile, residentIdCheckChar, validateResidentId, validateUscc } from '../identity/index.ts';
import type { IdKind, MatchRecord, Prepared } from './types.ts';

/** ID types as source systems spell them (lower-cased, spaces and underscores as written). */
const ID_KINDS: Record<string, IdKind> = {
  id_card: 'resident_id', resident_id: 'resident_id', idcard: 'resident_id', 'id card': 'resident_id', 'resident id': 'resident_id',
  '身份证': 'resident_id', '居民身份证': 'resident_id', '身份证号': 'resident_id', '身份证号码': 'resident_id', '二代身份证': 'resident_id',
  uscc: 'uscc', '统一社会信用代码': 'uscc', '社会信用代码': 'uscc', '营业执照': 'uscc',
  passport: 'passport', '护照': 'passport',
};

/** Unified legal-form suffixes, longest first: 有限责任公司 and 有限公司 name one company. */
const ORG_SUFFIXES = ['股份有限公司', '有限责任公司', '有限公司', '集团公司', '公司'];

/** Cities and provinces that prefix company names (北京…有限公司 = …(北京)有限公司 = …). */
const PLACE_PREFIXES = [
  '北京', '上海', '天津', '重庆', '广州', '深圳', '成都', '杭州', '南京', '武汉', '西安', '苏州', '郑州', '长沙',
  '青岛', '沈阳', '大连', '宁波', '厦门', '福州', '济南', '合肥', '昆明', '哈尔滨', '长春', '石家庄', '太原',
  '南昌', '南宁', '贵阳', '兰州', '海口', '乌鲁木齐', '呼和浩特', '银川', '西宁', '拉萨', '无锡', '佛山', '东莞',
  '广东', '江苏', '浙江', '四川', '山东', '河南', '河北', '湖北', '湖南', '福建', '安徽', '江西', '辽宁', '吉林',
  '黑龙江', '陕西', '山西', '云南', '贵州', '广西', '海南', '甘肃', '青海', '内蒙古', '宁夏', '新疆', '西藏',
];

/** Traditional characters that the extracts mix into addresses and names. */
const CHAR_MAP: Record<string, string> = { '號': '号', '樓': '楼', '區': '区', '縣': '县', '東': '东', '門': '门', '陽': '阳', '華': '华', '國': '国', '偉': '伟' };

/** NFKC (full-width → half-width), mapped characters, no whitespace, Latin lower-cased. */
export function normText(s: string | null | undefined): string {
  if (!s) return '';
  // NFKC only when something outside plain ASCII and CJK ideographs is present (it is the slow step).
  let t = /[^\x21-\x7e\u4e00-\u9fff]/.test(s) ? s.normalize('NFKC').replace(/\s+/g, '') : s;
  if (/[A-Z]/.test(t)) t = t.toLowerCase();
  if (/[號樓區縣東門陽華國偉]/.test(t)) t = t.replace(/[號樓區縣東門陽華國偉]/g, (c) => CHAR_MAP[c]!);
  return t;
}

/**
 * The core of a company name: brackets, legal-form suffix and leading place name removed.
 * @example companyCore('嘉禾医药(广州)有限责任公司') // '嘉禾医药'
 */
export function companyCore(name: string): string {
  let s = normText(name).replace(/[(（[【][^)）\]】]*[)）\]】]/g, '');
  for (const suf of ORG_SUFFIXES) {
    if (s.endsWith(suf) && s.length > suf.length) {
      s = s.slice(0, -suf.length);
      break;
    }
  }
  for (const p of PLACE_PREFIXES) {
    if (s.startsWith(p) && s.length > p.length + 1) {
      s = s.slice(p.length);
      s = s.replace(/^[省市]/, '');
      break;
    }
  }
  return s;
}

// Per-character pinyin memo: the readings of a character never change, and names repeat characters.
const pinyinMemo = new Map<string, string>();

/**
 * Tone-less pinyin of each CJK character (first reading), other runs kept as they are, joined by spaces.
 * @example syllables('田玮') === syllables('田伟') // true: 'tian wei'
 */
export function syllables(s: string): string {
  let out = '';
  for (const ch of s) {
    let p = pinyinMemo.get(ch);
    if (p === undefined) {
      p = /\p{Script=Han}/u.test(ch) ? pinyin(ch, { toneType: 'none', v: true }) || ch : ch;
      pinyinMemo.set(ch, p);
    }
    out = out ? `${out} ${p}` : p;
  }
  return out;
}

/**
 * A date in one of the common forms to YYYY-MM-DD ('' when not a date).
 * @example normDate('1969年6月27日') // '1969-06-27'
 */
export function normDate(s: string | null | undefined): string {
  if (!s) return '';
  const t = /^[\x20-\x7e\u5e74\u6708\u65e5]*$/.test(s) ? s.trim() : s.normalize('NFKC').trim();
  let m = /^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?/.exec(t);
  if (!m) m = /^(\d{4})(\d{2})(\d{2})$/.exec(t);
  if (!m) return '';
  const mo = Number(m[2]);
  const d = Number(m[3]);
  if (mo < 1 || mo > 12 || d < 1 || d > 31) return '';
  return `${m[1]}-${String(mo).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
}

/**
 * An address without its province/city prefix (often dropped by one system, kept by another) or a final 室.
 * @example normAddress('浙江省杭州市西湖区利大街281號23栋2007室') // '西湖区利大街281号23栋2007'
 */
export function normAddress(s: string | null | undefined): string {
  let t = normText(s);
  if (!t) return '';
  t = t.replace(/^[^省市]{2,7}?(?:省|自治区)/, '');
  t = t.replace(/^[^省市区县]{2,4}?市/, '');
  return t.replace(/室$/, '');
}

/**
 * Address parts: district, street, and each number with its unit.
 * @example addressTokens('西湖区利大街281号23栋2007') // ['西湖区', '利大街', '281号', '23栋', '2007']
 */
export function addressTokens(addr: string): string[] {
  return addr.match(/[^\d]+?[区县](?=\D)|[^\d]+|\d+[^\d]?/g) ?? [];
}

function idKindOf(idType: string | null | undefined, idNo: string): IdKind {
  const t = (idType ?? '').trim().toLowerCase();
  if (t && ID_KINDS[t]) return ID_KINDS[t];
  // A type this table does not know (a system's own code or wording): a number that passes the resident ID or USCC
  // check is one — the check digit makes that no accident — so the guard still sees it; anything else is 'other'.
  if (t) return validateResidentId(idNo).ok ? 'resident_id' : validateUscc(idNo).ok ? 'uscc' : 'other';
  if (!idNo) return '';
  // No type given: recognise by shape.
  if (/^\d{15}$|^\d{17}[\dxX]$/.test(idNo)) return 'resident_id';
  if (/^[0-9A-HJ-NPQRTUWXY]{18}$/i.test(idNo)) return 'uscc';
  return 'other';
}

type IdParts = { idKind: IdKind; idNo: string; idValid: boolean; idKey: string };

/** The 15 digits an old and a new resident ID share: region, yymmdd, sequence. */
const residentKey = (s: string) => (s.length === 18 ? s.slice(0, 6) + s.slice(8, 17) : s);

function prepareId(idType: string | null | undefined, raw: string | null | undefined, birthDate: string): IdParts {
  let s = raw ?? '';
  if (/[^0-9A-Z]/.test(s)) s = s.normalize('NFKC').replace(/[\s-]+/g, '').toUpperCase();
  const idKind = idKindOf(idType, s);
  if (!s) return { idKind: '', idNo: '', idValid: false, idKey: '' };
  if (idKind === 'resident_id') {
    let r = validateResidentId(s);
    // An old 15-digit number of someone born in 2000 or later (the record's birth date says so): upgrade with 20.
    if (r.ok && s.length === 15 && birthDate.startsWith('20') && birthDate.slice(2).replace(/-/g, '') === s.slice(6, 12)) {
      const first17 = `${s.slice(0, 6)}20${s.slice(6)}`;
      r = validateResidentId(first17 + residentIdCheckChar(first17));
    }
    if (r.ok) return { idKind, idNo: r.value, idValid: true, idKey: residentKey(r.value) };
    return { idKind, idNo: s, idValid: false, idKey: residentKey(s) };
  }
  if (idKind === 'uscc') {
    const r = validateUscc(s);
    return { idKind, idNo: r.ok ? r.value : s, idValid: r.ok, idKey: r.ok ? r.value : s };
  }
  return { idKind, idNo: s, idValid: false, idKey: s };
}

function prepareMobile(raw: string | null | undefined): string {
  if (!raw) return '';
  const r = normalizeMobile(/^[\x20-\x7e]*$/.test(raw) ? raw : raw.normalize('NFKC'));
  return r.ok ? r.value : raw.replace(/\D/g, '');
}

function prepareGender(raw: string | null | undefined): 'M' | 'F' | '' {
  const g = (raw ?? '').trim().toUpperCase();
  if (g === 'M' || g === '男' || g === 'MALE' || g === '1') return 'M';
  if (g === 'F' || g === '女' || g === 'FEMALE' || g === '2') return 'F';
  return '';
}

// Records without preset-specific attributes share one empty object (a million records, a million fewer objects).
const NO_EXTRA: Record<string, string> = Object.freeze({}) as Record<string, string>;

/**
 * Normalise a source record for comparison.
 * @example
 * prepare({ id: 'R1', source: 'core_savings', kind: 'person', name: '田伟', idType: 'ID_CARD', idNo: '330106520818542', mobile: '+86 189-3792-0501' })
 * // → { …, idKind: 'resident_id', idNo: '330106195208185423', idValid: true, mobile: '+8618937920501', pinyin: 'tian wei' }
 */
export function prepare(rec: MatchRecord): Prepared {
  const name = normText(rec.name);
  const nameKey = rec.kind === 'org' ? companyCore(name) : name;
  const address = normAddress(rec.address);
  const birthField = normDate(rec.birthDate);
  const id = prepareId(rec.idType, rec.idNo, birthField);
  // A valid resident ID states birth date and sex: use them when the record's own fields are empty.
  const fromId = id.idValid && id.idKind === 'resident_id' ? validateResidentId(id.idNo) : null;
  let extra: Record<string, string> = NO_EXTRA;
  if (rec.extra) {
    extra = {};
    for (const [k, v] of Object.entries(rec.extra)) extra[k] = (v ?? '').trim().toLowerCase();
  }
  return {
    id: rec.id,
    source: rec.source,
    kind: rec.kind,
    name,
    nameKey,
    pinyin: /[\u3400-\u9fff]/.test(nameKey) ? syllables(nameKey) : nameKey,
    ...id,
    mobile: prepareMobile(rec.mobile),
    email: (rec.email ?? '').trim().toLowerCase(),
    birthDate: birthField || (fromId?.ok ? fromId.birthDate : ''),
    gender: prepareGender(rec.gender) || (fromId?.ok ? fromId.gender : ''),
    address,
    employer: rec.employer ? companyCore(rec.employer) : '',
    legalRep: normText(rec.legalRep),
    extra,
  };
}

const PACK_FIELDS = ['id', 'source', 'kind', 'name', 'nameKey', 'pinyin', 'idKind', 'idNo', 'idKey', 'mobile', 'email', 'birthDate', 'gender', 'address', 'employer', 'legalRep'] as const;
const SEP = '\u001f';

/**
 * A prepared record as one line of text (for handing records between threads or storing the prepared form);
 * unpackPrepared reverses it without normalising again.
 * @example unpackPrepared(packPrepared(p)) // deep-equals p
 */
export function packPrepared(p: Prepared): string {
  let s = '';
  for (const f of PACK_FIELDS) s += p[f] + SEP;
  s += p.idValid ? '1' : '0';
  if (p.extra !== NO_EXTRA && Object.keys(p.extra).length) s += SEP + JSON.stringify(p.extra);
  return s;
}

/** See packPrepared. */
export function unpackPrepared(line: string): Prepared {
  const f = line.split(SEP);
  return {
    id: f[0]!, source: f[1]!, kind: f[2] as Prepared['kind'], name: f[3]!, nameKey: f[4]!, pinyin: f[5]!,
    idKind: f[6] as Prepared['idKind'], idNo: f[7]!, idValid: f[16] === '1', idKey: f[8]!, mobile: f[9]!, email: f[10]!,
    birthDate: f[11]!, gender: f[12] as Prepared['gender'], address: f[13]!, employer: f[14]!, legalRep: f[15]!,
    extra: f.length > 17 ? JSON.parse(f.slice(17).join(SEP)) : NO_EXTRA,
  };
}
