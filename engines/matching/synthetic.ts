/**
 * A seeded generator of source records shaped like shared/data/er/cn-dev: persons and companies spread over
 * source systems, with the same kinds of noise (common names, spouses sharing an address and a phone,
 * sister companies sharing a legal representative, homophone typos, 15-digit IDs, mistyped IDs, company
 * name variants, dropped province prefixes, mobiles in several formats). For tests and the 1M-record
 * benchmark. Pure: the randomness comes from the seed.
 */
import { makeResidentId, makeUscc } from '../identity/index.ts';
import { seededRandom } from './model.ts';
import type { MatchRecord } from './types.ts';

const CSV_HEADER = 'record_id,source,kind,name,id_type,id_no,mobile,email,birth_date,gender,address,employer,legal_rep';
const SURNAMES = '王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤';
const GIVEN = '伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红鹏飞婷雪琳晨宇浩凯欣怡佳颖文斌建国峰波辉晓海燕倩慧蓉鑫亮鸣宁鹤思源春梅';
/** Characters read alike (the source of homophone typos). */
const HOMOPHONES = ['伟玮炜', '丽莉俐', '静婧靖', '军君钧', '峰锋丰', '杰洁婕', '娜纳', '芳方', '明铭鸣', '华骅桦', '涛韬', '勇永', '磊垒', '霞侠', '超潮', '敏闽', '燕艳雁', '平萍苹', '刚钢', '晨辰', '宇雨语', '浩昊', '婷亭', '佳嘉', '欣新馨'];
const CITIES = [
  { province: '北京市', city: '', region: '110105', districts: ['朝阳区', '海淀区', '丰台区', '东城区', '西城区'], short: '北京' },
  { province: '上海市', city: '', region: '310115', districts: ['浦东新区', '静安区', '黄浦区', '闵行区', '徐汇区'], short: '上海' },
  { province: '广东省', city: '广州市', region: '440106', districts: ['天河区', '越秀区', '海珠区', '番禺区', '白云区'], short: '广州' },
  { province: '四川省', city: '成都市', region: '510107', districts: ['武侯区', '锦江区', '青羊区', '成华区', '金牛区'], short: '成都' },
  { province: '浙江省', city: '杭州市', region: '330106', districts: ['西湖区', '上城区', '拱墅区', '滨江区', '余杭区'], short: '杭州' },
  { province: '江苏省', city: '南京市', region: '320102', districts: ['玄武区', '秦淮区', '建邺区', '鼓楼区', '栖霞区'], short: '南京' },
];
const ROADS = '人民解放建设中山和平长江黄河文化新华光明胜利团结振兴利民兴业东方江南山河';
const WORDS = ['华信', '中科', '安泰', '正和', '宏达', '天成', '嘉禾', '博远', '鼎盛', '恒通', '汇智', '联创', '启明', '新元', '瑞丰', '金桥', '东方', '远洋', '盛世', '锦程', '海纳', '天合', '润泽', '广源'];
const TRADES = ['科技', '实业', '投资', '贸易', '物流', '建设', '医药', '食品', '电子', '文化传媒', '咨询', '制造'];
const PERSON_SOURCES = ['core_savings', 'credit_card', 'personal_loan', 'wealth'];
const ORG_SOURCES = ['corporate_core', 'corporate_loan', 'settlement'];
const USCC_CHARS = '0123456789ABCDEFGHJKLMNPQRTUWXY';

type Person = { name: string; id: string; birth: string; gender: 'M' | 'F'; mobile: string; email: string; address: string[]; employer: string; city: number };
type Org = { name: string[]; uscc: string; mobile: string; address: string[]; legalRep: string; city: number };

/**
 * n synthetic source records (CSV lines with the canonical columns, shuffled, ids G00000001 …) and the
 * entity of each. Deterministic for a seed.
 * @example generateCnRecords(1000, 7).lines[0] // 'G00000001,wealth,person,袁明,,,8618949377603,,2001-01-22,F,,,'
 */
export function generateCnRecords(n: number, seed: number): { header: string; lines: string[]; entities: string[] } {
  const rnd = seededRandom(seed);
  const pick = <T,>(xs: ArrayLike<T>): T => xs[Math.floor(rnd() * xs.length)]!;
  const chance = (p: number) => rnd() < p;
  const digits = (k: number) => Array.from({ length: k }, () => Math.floor(rnd() * 10)).join('');
  // Surnames and given-name characters are skewed (Zipf-like), so 张伟 and 王芳 are common.
  const skew = (s: string) => s[Math.floor(s.length * rnd() * rnd())]!;
  const personName = () => skew(SURNAMES) + skew(GIVEN) + (chance(0.45) ? skew(GIVEN) : '');
  const addressOf = (c: number): string[] => {
    const city = CITIES[c]!;
    return [city.province, city.city, pick(city.districts), `${pick(ROADS)}${pick(ROADS)}${pick(['路', '街', '大街'])}`, `${1 + Math.floor(rnd() * 999)}号`, `${1 + Math.floor(rnd() * 30)}栋`, `${1 + Math.floor(rnd() * 28)}0${1 + Math.floor(rnd() * 8)}`];
  };
  const mobileOf = () => `1${pick('3578')}${digits(9)}`;
  const newPerson = (): Person => {
    const c = Math.floor(rnd() * CITIES.length);
    const y = 1950 + Math.floor(rnd() * 56);
    const birth = `${y}${String(1 + Math.floor(rnd() * 12)).padStart(2, '0')}${String(1 + Math.floor(rnd() * 28)).padStart(2, '0')}`;
    const gender = chance(0.5) ? 'M' : 'F';
    let seq = String(Math.floor(rnd() * 1000)).padStart(3, '0');
    if ((Number(seq[2]) % 2 === 1) !== (gender === 'M')) seq = seq.slice(0, 2) + String((Number(seq[2]) + 1) % 10);
    const name = personName();
    return {
      name, id: makeResidentId(CITIES[c]!.region, birth, seq), birth, gender, mobile: mobileOf(),
      email: chance(0.4) ? `${['wang', 'li', 'zhang', 'liu', 'chen', 'user'][Math.floor(rnd() * 6)]}${digits(5)}@example.cn` : '',
      address: addressOf(c), employer: chance(0.5) ? `${pick(WORDS)}${pick(TRADES)}有限公司` : '', city: c,
    };
  };
  const newOrg = (legalRep?: string, address?: string[]): Org => {
    const c = Math.floor(rnd() * CITIES.length);
    const core = `${pick(WORDS)}${pick(WORDS)}${pick(TRADES)}`;
    const city = CITIES[c]!.short;
    const uscc = makeUscc(`91${CITIES[(c + Math.floor(rnd() * 2)) % CITIES.length]!.region}${Array.from({ length: 9 }, () => pick(USCC_CHARS)).join('')}`);
    return {
      name: [`${city}${core}有限公司`, `${city}${core}有限责任公司`, `${core}(${city})有限公司`, core], uscc, mobile: chance(0.8) ? mobileOf() : '',
      address: address ?? addressOf(c), legalRep: legalRep ?? personName(), city: c,
    };
  };
  const sizeOf = () => {
    const r = rnd();
    return r < 0.35 ? 1 : r < 0.71 ? 2 : r < 0.91 ? 3 : 4;
  };
  const homophone = (s: string) => {
    const chars = [...s];
    for (let i = chars.length - 1; i >= 1; i--) {
      const g = HOMOPHONES.find((h) => h.includes(chars[i]!));
      if (g) {
        chars[i] = pick(g.replace(chars[i]!, ''));
        return chars.join('');
      }
    }
    return s;
  };
  const typo = (s: string) => {
    const i = Math.floor(rnd() * s.length);
    return s.slice(0, i) + String((Number(s[i]) + 1 + Math.floor(rnd() * 8)) % 10) + s.slice(i + 1);
  };
  const dateFmt = (b: string) => {
    const r = rnd();
    const [y, m, d] = [b.slice(0, 4), b.slice(4, 6), b.slice(6, 8)];
    if (r < 0.5) return `${y}-${m}-${d}`;
    if (r < 0.75) return `${y}/${m}/${d}`;
    if (r < 0.9) return b;
    return `${y}年${Number(m)}月${Number(d)}日`;
  };
  const mobileFmt = (m: string) => {
    const r = rnd();
    if (r < 0.65) return m;
    if (r < 0.8) return `+86 ${m}`;
    if (r < 0.92) return `${m.slice(0, 3)}-${m.slice(3, 7)}-${m.slice(7)}`;
    return `86${m}`;
  };
  const addressFmt = (a: string[]) => {
    let s = (chance(0.4) ? a.slice(2) : a).join('');
    if (chance(0.05)) s = s.replace('号', '號');
    if (!chance(0.3)) s += '室';
    return s;
  };

  const lines: string[] = [];
  const truthLines: string[] = [];
  let entities = 0;
  let spouseOf: Person | null = null;
  let sisterOf: Org | null = null;
  while (lines.length < n) {
    const ent = `E${String(++entities).padStart(7, '0')}`;
    const k = Math.min(sizeOf(), n - lines.length);
    if (chance(0.12)) {
      // A company; one in ten is a sister of the previous one (same legal representative and address).
      const o: Org = sisterOf && chance(0.1) ? newOrg(sisterOf.legalRep, sisterOf.address) : newOrg();
      sisterOf = o;
      const sources = [...ORG_SOURCES].sort(() => rnd() - 0.5);
      for (let r = 0; r < k; r++) {
        const name = chance(0.7) ? o.name[0]! : pick(o.name);
        const uscc = chance(0.15) ? '' : chance(0.02) ? o.uscc.slice(0, 17) + pick(USCC_CHARS) : o.uscc;
        lines.push([sources[r % 3], 'org', name, uscc ? 'USCC' : '', uscc, o.mobile && chance(0.7) ? mobileFmt(o.mobile) : '', '', '', '', addressFmt(o.address), '', chance(0.8) ? o.legalRep : ''].join(','));
        truthLines.push(ent);
      }
      continue;
    }
    // A person; some share address (and often the phone) with the previous person: spouses.
    const p = newPerson();
    if (spouseOf && chance(0.08)) {
      p.address = spouseOf.address;
      if (chance(0.5)) p.mobile = spouseOf.mobile;
    }
    spouseOf = p;
    const sources = [...PERSON_SOURCES].sort(() => rnd() - 0.5);
    for (let r = 0; r < k; r++) {
      const src = sources[r % 4]!;
      let name = p.name;
      if (chance(0.03)) name = homophone(name);
      else if (chance(0.015)) name = name.slice(0, -1) + skew(GIVEN);
      let id = '';
      if (!chance(src === 'wealth' ? 0.8 : 0.12)) {
        id = chance(0.05) && p.birth < '2000' ? p.id.slice(0, 6) + p.id.slice(8, 17) : p.id;
        if (chance(0.02)) id = typo(id);
      }
      const mobile = chance(0.06) ? '' : mobileFmt(chance(0.1) ? mobileOf() : p.mobile);
      const birth = chance(0.2) ? '' : dateFmt(chance(0.02) ? typo(p.birth) : p.birth);
      const gender = chance(0.2) ? '' : chance(0.02) ? (p.gender === 'M' ? 'F' : 'M') : p.gender;
      const address = chance(0.05) ? '' : addressFmt(chance(0.25) ? addressOf(p.city) : p.address);
      const employer = src === 'personal_loan' || src === 'credit_card' ? p.employer : '';
      lines.push([src, 'person', name, id ? 'ID_CARD' : '', id, mobile, chance(0.5) ? p.email : '', birth, gender, address, employer, ''].join(','));
      truthLines.push(ent);
    }
  }
  // Shuffle, so that one entity's records are not neighbours in the file.
  const order = Array.from(lines, (_, i) => i);
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  const outLines = new Array<string>(order.length);
  const outEntities = new Array<string>(order.length);
  order.forEach((i, pos) => {
    outLines[pos] = `G${String(pos + 1).padStart(8, '0')},${lines[i]}`;
    outEntities[pos] = truthLines[i]!;
  });
  return { header: CSV_HEADER, lines: outLines, entities: outEntities };
}

/**
 * The same records as MatchRecords (for tests), each with its entity.
 * @example syntheticRecords(100, 1)[0].entity // 'E0000042'
 */
export function syntheticRecords(n: number, seed: number): Array<MatchRecord & { entity: string }> {
  const { lines, entities } = generateCnRecords(n, seed);
  return lines.map((line, k) => {
    const [id, source, kind, name, idType, idNo, mobile, email, birthDate, gender, address, employer, legalRep] = line.split(',');
    return { id: id!, source: source!, kind: kind as 'person' | 'org', name, idType, idNo, mobile, email, birthDate, gender, address, employer, legalRep, entity: entities[k]! };
  });
}
