import { describe, expect, it } from 'vitest';
import { addressTokens, companyCore, normAddress, normDate, syllables } from '../normalize.ts';
import { blockingKeys, packPrepared, prepare, unpackPrepared, type MatchRecord } from '../index.ts';

const person = (over: Partial<MatchRecord>): MatchRecord => ({ id: 'R1', source: 'core_savings', kind: 'person', ...over });

describe('prepare — identity numbers', () => {
  it.each([
    { label: '18-digit, valid', idType: 'ID_CARD', idNo: '11010519491231002X', idNo2: '11010519491231002X', valid: true },
    { label: 'lower-case x', idType: 'resident_id', idNo: '11010519491231002x', idNo2: '11010519491231002X', valid: true },
    { label: '15-digit upgraded', idType: 'ID_CARD', idNo: '110105491231002', idNo2: '11010519491231002X', valid: true },
    { label: 'check digit wrong', idType: 'ID_CARD', idNo: '110105194912310021', idNo2: '110105194912310021', valid: false },
    { label: 'USCC', idType: 'USCC', idNo: '91350100m000100y43', idNo2: '91350100M000100Y43', valid: true },
    { label: 'USCC mistyped', idType: 'uscc', idNo: '91350100M000100Y44', idNo2: '91350100M000100Y44', valid: false },
    { label: 'no type, shape of a resident ID', idType: '', idNo: '440524188001010014', idNo2: '440524188001010014', valid: true },
  ])('$label', ({ idType, idNo, idNo2, valid }) => {
    const p = prepare(person({ idType, idNo }));
    expect(p.idNo).toBe(idNo2);
    expect(p.idValid).toBe(valid);
  });

  it('an old 15-digit ID and its 18-digit successor share one key, whatever century the upgrade assumed', () => {
    const old = prepare(person({ idType: 'ID_CARD', idNo: '310115021102987' }));
    const born2002 = prepare(person({ idType: 'ID_CARD', idNo: '310115200211029874' }));
    expect(old.idKey).toBe(born2002.idKey);
    expect(blockingKeys(old).filter((k) => k.startsWith('id:'))).toEqual(blockingKeys(born2002).filter((k) => k.startsWith('id:')));
  });

  it('a 15-digit ID of someone born in 2000s is upgraded with 20 when the birth date says so', () => {
    expect(prepare(person({ idType: 'ID_CARD', idNo: '310115021102987', birthDate: '2002-11-02' })).idNo).toBe('310115200211029874');
  });

  it('birth date and sex come from a valid resident ID when the record lacks them', () => {
    const p = prepare(person({ idType: 'ID_CARD', idNo: '11010519491231002X' }));
    expect(p.birthDate).toBe('1949-12-31');
    expect(p.gender).toBe('F');
  });
});

describe('prepare — contact data', () => {
  it.each([
    ['13812345678', '+8613812345678'],
    ['+86 138-1234-5678', '+8613812345678'],
    ['8613812345678', '+8613812345678'],
    ['0086 13812345678', '+8613812345678'],
    ['010-6512 3456', '01065123456'],
  ])('mobile %s → %s', (mobile, expected) => {
    expect(prepare(person({ mobile })).mobile).toBe(expected);
  });
});

describe('normDate', () => {
  it.each([
    ['1969-06-27', '1969-06-27'],
    ['1969/6/27', '1969-06-27'],
    ['19690627', '1969-06-27'],
    ['1969年6月27日', '1969-06-27'],
    ['1969-13-01', ''],
    ['', ''],
  ])('%s → %s', (input, expected) => {
    expect(normDate(input)).toBe(expected);
  });
});

describe('companyCore', () => {
  it.each([
    ['上海华信中科物流有限公司', '华信中科物流'],
    ['上海华信中科物流有限责任公司', '华信中科物流'],
    ['嘉禾嘉禾医药(广州)有限公司', '嘉禾嘉禾医药'],
    ['嘉禾嘉禾医药（广州）有限公司', '嘉禾嘉禾医药'],
    ['广州嘉禾嘉禾医药有限公司', '嘉禾嘉禾医药'],
    ['鼎盛安泰物流', '鼎盛安泰物流'],
  ])('%s → %s', (name, core) => {
    expect(companyCore(name)).toBe(core);
  });
});

describe('addresses', () => {
  it.each([
    ['浙江省杭州市西湖区利大街281號23栋2007室', '西湖区利大街281号23栋2007'],
    ['西湖区利大街281号23栋2007', '西湖区利大街281号23栋2007'],
    ['北京市丰台区长大街452号16栋1501室', '丰台区长大街452号16栋1501'],
  ])('%s → %s (province and city prefixes dropped)', (input, expected) => {
    expect(normAddress(input)).toBe(expected);
  });

  it('splits into district, street and numbered parts', () => {
    expect(addressTokens('西湖区利大街281号23栋2007')).toEqual(['西湖区', '利大街', '281号', '23栋', '2007']);
  });
});

describe('syllables', () => {
  it.each([
    ['田伟', '田玮'],
    ['李丽', '李莉'],
    ['张静', '张婧'],
  ])('%s and %s read alike', (a, b) => {
    expect(syllables(a)).toBe(syllables(b));
  });
});

describe('packPrepared', () => {
  it.each([
    person({ name: '田伟', idType: 'ID_CARD', idNo: '330106520818542', mobile: '189-3792-0501', address: '西湖区利大街281号' }),
    { id: 'rec-1-org', source: 'input-1', kind: 'person' as const, name: 'john smith', extra: { given_name: 'john', surname: 'smith' } },
    { id: 'O1', source: 'settlement', kind: 'org' as const, name: '上海宏达天成电子有限公司', idType: 'USCC', idNo: '91350100M000100Y43', legalRep: '江慧敏' },
  ])('round-trips %j', (rec) => {
    const p = prepare(rec);
    expect(unpackPrepared(packPrepared(p))).toEqual(p);
  });
});
