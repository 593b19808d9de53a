import { describe, expect, it } from 'vitest';
import {
  applyTransform, canonicalContent, compileCodeTable, compileMapping, contentHash, DEFAULT_CODE_TABLES, defaultMapping, halfWidth, id18, parseDate, toE164Mobile,
  validateMapping, yuanToFen, type Mapping,
} from '../index.ts';

const TODAY = '2026-12-01';

describe('dates in every format the source systems use', () => {
  it.each([
    ['2024年1月2日', '2024-01-02'], ['2024年01月02日', '2024-01-02'], ['2024/01/02', '2024-01-02'], ['2024/1/2', '2024-01-02'],
    ['20240102', '2024-01-02'], ['2024-01-02', '2024-01-02'], ['2024.1.2', '2024-01-02'], ['２０２４－０１－０２', '2024-01-02'],
    ['2024-01-02 08:30:00', '2024-01-02'], ['2024-01-02T08:30:00Z', '2024-01-02'], [' 2000/02/29 ', '2000-02-29'], ['', null],
  ])('%s → %s', (input, out) => {
    expect(parseDate(input)).toEqual({ ok: true, value: out });
  });
  it.each([['2023-02-29'], ['2024/13/01'], ['02/01/2024'], ['yesterday'], ['2024010'], ['1700-01-01']])('%s is refused with a reason in both languages', (bad) => {
    const r = parseDate(bad);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.rule).toBe('date');
      expect(r.message.zh).toMatch(/日期/);
      expect(r.message.en).toMatch(/date/);
    }
  });
});

describe('full-width to half-width', () => {
  it.each([['ＡＢＣ１２３', 'ABC123'], ['张　伟', '张 伟'], ['（北京）', '(北京)'], ['ｅｍａｉｌ＠ｅｘａｍｐｌｅ．ｃｏｍ', 'email@example.com'], ['已是半角', '已是半角']])('%s → %s', (a, b) => {
    expect(halfWidth(a)).toBe(b);
  });
});

describe('mobiles to E.164', () => {
  it.each([['13812345678', '+8613812345678'], ['+86 138 1234 5678', '+8613812345678'], ['138-1234-5678', '+8613812345678'], ['8613812345678', '+8613812345678'],
    ['0086 13812345678', '+8613812345678'], ['１３８１２３４５６７８', '+8613812345678'], ['', null]])('%s → %s', (a, b) => {
    expect(toE164Mobile(a)).toEqual({ ok: true, value: b });
  });
  it.each([['1381234567'], ['23812345678'], ['010-12345678']])('%s is refused', (bad) => {
    expect(toE164Mobile(bad)).toMatchObject({ ok: false, rule: 'mobile' });
  });
});

describe('ID numbers', () => {
  it('upgrades 15-digit resident IDs to 18 and upper-cases', () => {
    expect(id18('110105491231002')).toBe('11010519491231002X');
    expect(id18(' 11010519491231002x ')).toBe('11010519491231002X');
    expect(id18('91350100m000100y43')).toBe('91350100M000100Y43');
  });
});

describe('amounts', () => {
  it.each([['1,234.5', '123450'], ['0.01', '1'], ['-12', '-1200'], ['￥100.00', '10000'], ['', null]])('%s yuan → %s fen', (a, b) => {
    expect(yuanToFen(a)).toEqual({ ok: true, value: b });
  });
  it('refuses three decimals', () => expect(yuanToFen('1.234')).toMatchObject({ ok: false, rule: 'amount' }));
});

describe('code tables', () => {
  const gender = compileCodeTable(DEFAULT_CODE_TABLES.gender!, 'gender');
  it.each([['1', 'M'], ['2', 'F'], ['M', 'M'], ['f', 'F'], ['男', 'M'], ['女', 'F'], ['Ｍ', 'M'], ['0', null], ['', null]])('gender %s → %s', (a, b) => {
    expect(gender(a)).toEqual({ ok: true, value: b });
  });
  it('an unknown gender code is a reason naming the table', () => {
    const r = gender('X');
    expect(r).toMatchObject({ ok: false, rule: 'codeTable' });
    if (!r.ok) expect(r.message).toEqual({ zh: '“X”不在代码表 gender 中', en: '"X" is not in code table gender' });
  });
  const job = compileCodeTable(DEFAULT_CODE_TABLES.job_title!, 'job_title');
  it.each([
    ['厅', 'senior_exec'], ['局', 'senior_exec'], ['处', 'middle_manager'], ['科', 'junior_manager'],
    ['董事长', 'senior_exec'], ['总经理', 'senior_exec'], ['经理', 'middle_manager'],
    ['销售部总经理', 'senior_exec'], ['市场部经理', 'middle_manager'], ['处长', 'middle_manager'], ['科员', 'staff'], ['厨师', 'other'],
    // 厅 is a government grade only: a restaurant's waiter is staff; the head of a title comes last.
    ['餐厅服务员', 'staff'], ['餐厅经理', 'middle_manager'], ['厅长', 'senior_exec'], ['副厅长', 'senior_exec'], ['厅级', 'senior_exec'], ['副厅级干部', 'senior_exec'],
    ['办公厅主任', 'middle_manager'], ['邮局', 'other'], ['局长', 'senior_exec'],
    // Assistants and secretaries are not their principal's level.
    ['总经理助理', 'staff'], ['部长助理', 'staff'], ['局长秘书', 'staff'], ['董事长秘书', 'staff'],
    // A bank's front-line titles are staff (the bank may map them otherwise).
    ['客户经理', 'staff'], ['大堂经理', 'staff'], ['理财经理', 'staff'], ['个人客户经理', 'staff'],
    ['副科长', 'junior_manager'], ['财务处科员', 'staff'], ['处长', 'middle_manager'], ['CEO', 'senior_exec'], ['ceo', 'senior_exec'], ['出纳', 'other'],
    ['部门经理', 'middle_manager'], ['副总经理', 'senior_exec'],
  ])('job title %s → %s', (a, b) => {
    expect(job(a)).toEqual({ ok: true, value: b });
  });
  it("a bank's own table: a key matches inside text unless written =key (whole value only); the title's head (last) decides", () => {
    const t = compileCodeTable({ match: 'contains', entries: { 厅: 'senior_exec', '=科': 'junior_manager', 助理: 'staff' }, otherwise: 'default', defaultValue: 'other' }, 't');
    expect(t('某厅副厅长')).toEqual({ ok: true, value: 'senior_exec' });
    expect(t('科')).toEqual({ ok: true, value: 'junior_manager' });
    expect(t('科技公司')).toEqual({ ok: true, value: 'other' });
    expect(t('厅长助理')).toEqual({ ok: true, value: 'staff' });
  });
  const idType = compileCodeTable(DEFAULT_CODE_TABLES.id_type!, 'id_type');
  it.each([['ID_CARD', 'resident_id'], ['身份证', 'resident_id'], ['USCC', 'uscc'], ['护照', 'passport'], ['01', 'resident_id']])('id type %s → %s', (a, b) => {
    expect(idType(a)).toEqual({ ok: true, value: b });
  });
  it('otherwise keep / blank / default', () => {
    expect(compileCodeTable({ entries: {}, otherwise: 'keep' }, 't')(' x ')).toEqual({ ok: true, value: 'x' });
    expect(compileCodeTable({ entries: {}, otherwise: 'blank' }, 't')('x')).toEqual({ ok: true, value: null });
    expect(compileCodeTable({ entries: {}, otherwise: 'default', defaultValue: 'z' }, 't')('x')).toEqual({ ok: true, value: 'z' });
  });
});

describe('mapping a row', () => {
  const header = ['record_id', 'source', 'kind', 'name', 'id_type', 'id_no', 'mobile', 'email', 'birth_date', 'gender', 'address', 'employer', 'legal_rep'];
  const m = compileMapping(defaultMapping(header), header, TODAY);
  const row = (o: Partial<Record<string, string>>) => header.map((h) => o[h] ?? '');

  it('maps a person to canonical values', () => {
    const r = m.map(row({ record_id: 'R1', kind: 'person', name: ' 张　伟 ', id_type: 'ID_CARD', id_no: '110105491231002', mobile: '138-1234-5678', email: 'ZW@Example.COM', birth_date: '1949年12月31日', gender: '2' }));
    expect(r).toEqual({ ok: true, record: expect.objectContaining({
      recordKey: 'R1', kind: 'person', name: '张伟', id_type: 'resident_id', id_no: '11010519491231002X', mobile: '+8613812345678', email: 'zw@example.com', birth_date: '1949-12-31', gender: 'F',
    }) });
  });
  it('infers an org from a USCC', () => {
    const r = m.map(row({ record_id: 'R2', name: '北京榕树科技有限公司', id_no: '91350100M000100Y43' }));
    expect(r).toMatchObject({ ok: true, record: { kind: 'org', id_type: 'uscc' } });
  });
  it('bad values give one reason per field, naming the field and the rule', () => {
    const r = m.map(row({ record_id: 'R3', name: '李四', id_type: 'ID_CARD', id_no: '110105194912310021', mobile: '12345', birth_date: '2024/13/40', gender: 'X' }));
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.reasons.map((x) => `${x.field}:${x.rule}`).sort()).toEqual(['birth_date:date', 'gender:codeTable', 'id_no:residentId.checksum', 'mobile:mobile']);
      for (const x of r.reasons) expect(x.message.zh && x.message.en).toBeTruthy();
    }
  });
  it('a missing name and a ragged row are reasons too', () => {
    expect(m.map(row({ record_id: 'R4' }))).toMatchObject({ ok: false, reasons: [{ field: 'name', rule: 'required' }] });
    expect(m.map(['R5', 'x'])).toMatchObject({ ok: false, reasons: [{ field: 'row', rule: 'columnCount' }] });
  });
  it('reports mapped columns missing from the header', () => {
    expect(compileMapping(defaultMapping(header), ['record_id', 'name'], TODAY).missing).toEqual(expect.arrayContaining(['kind', 'id_no', 'mobile']));
  });
  it('without a key column, the key is a hash of the row; equal content, equal hash', () => {
    const noKey = compileMapping({ ...defaultMapping(header), recordKey: [] }, header, TODAY);
    const a = noKey.map(row({ name: '王五' })), b = noKey.map(row({ name: '王五' }));
    expect(a.ok && b.ok && a.record.recordKey === b.record.recordKey && a.record.recordKey.startsWith('h:')).toBe(true);
    if (a.ok && b.ok) expect(contentHash(a.record).equals(contentHash(b.record))).toBe(true);
  });
  it('accounts and attributes', () => {
    const mm: Mapping = { recordKey: ['k'], codeTables: {}, fields: [
      { field: 'name', column: 'n' }, { field: 'account.accountNo', column: 'acct' }, { field: 'account.balanceFen', column: 'bal', transforms: ['yuan_to_fen'] },
      { field: 'account.openedOn', column: 'open' }, { field: 'attributes.income_fen', column: 'inc', transforms: ['yuan_to_fen'] },
    ] };
    const r = compileMapping(mm, ['k', 'n', 'acct', 'bal', 'open', 'inc'], TODAY).map(['1', '甲', '6222', '12.30', '20200101', '5000']);
    expect(r).toMatchObject({ ok: true, record: { accounts: [{ accountNo: '6222', balanceFen: 1230, openedOn: '2020-01-01' }], attributes: { income_fen: '500000' } } });
  });
  it('a row whose account columns are all empty (or a zero balance) is a party without an account, not a rejection', () => {
    const mm: Mapping = { recordKey: ['k'], codeTables: {}, fields: [
      { field: 'name', column: 'n' }, { field: 'account.accountNo', column: 'acct' }, { field: 'account.balanceFen', column: 'bal', transforms: ['yuan_to_fen'] },
      { field: 'account.productCode', value: 'SAV01' }, { field: 'account.currency', value: 'CNY' },
    ] };
    const c = compileMapping(mm, ['k', 'n', 'acct', 'bal'], TODAY);
    for (const bal of ['', '0', '0.00']) expect(c.map(['1', '甲', '', bal])).toMatchObject({ ok: true, record: { accounts: [] } });
    expect(c.map(['1', '甲', '6222', '0'])).toMatchObject({ ok: true, record: { accounts: [{ accountNo: '6222', balanceFen: 0, productCode: 'SAV01', currency: 'CNY' }] } });
    // A balance without an account number is still refused: the account it belongs to is unknown.
    expect(c.map(['1', '甲', '', '12.00'])).toMatchObject({ ok: false, reasons: [expect.objectContaining({ field: 'account.accountNo', rule: 'required' })] });
  });
  it('account fields without a product code (column or constant) are refused when the mapping is saved', () => {
    const fields: Mapping['fields'] = [{ field: 'name', column: 'n' }, { field: 'account.accountNo', column: 'acct' }, { field: 'account.balanceFen', column: 'bal' }];
    const p = validateMapping({ recordKey: ['k'], codeTables: {}, fields });
    expect(p).toEqual([expect.objectContaining({ field: 'account.productCode', rule: 'required' })]);
    expect(p[0]!.message.zh).toContain('产品代码');
    expect(validateMapping({ recordKey: ['k'], codeTables: {}, fields: [...fields, { field: 'account.productCode', value: 'SAV01' }] })).toEqual([]);
    expect(validateMapping({ recordKey: ['k'], codeTables: {}, fields: [...fields, { field: 'account.productCode', column: 'prod' }] })).toEqual([]);
  });
  it("a person's name drops spaces between Chinese characters; Latin names and companies keep theirs", () => {
    const h = ['k', 'kind', 'n'];
    const c = compileMapping({ recordKey: ['k'], codeTables: {}, fields: [{ field: 'kind', column: 'kind' }, { field: 'name', column: 'n', transforms: ['halfwidth', 'trim', 'collapse_spaces'] }] }, h, TODAY);
    const name = (kind: string, n: string) => { const r = c.map(['1', kind, n]); return r.ok ? r.record.name : r.reasons; };
    expect(name('person', '张　伟')).toBe('张伟');
    expect(name('person', '欧阳 娜 娜')).toBe('欧阳娜娜');
    expect(name('person', 'John  Smith')).toBe('John Smith');
    expect(name('person', '张 John')).toBe('张 John');
    expect(name('org', '榕树 科技')).toBe('榕树 科技');
  });
  it('a rejected row carries its record key when its key columns hold one', () => {
    const c = compileMapping(defaultMapping(header), header, TODAY);
    expect(c.map(row({ record_id: ' R9 ', name: '张三', mobile: '12345' }))).toMatchObject({ ok: false, recordKey: 'R9' });
    expect(c.map(row({ record_id: '', name: '张三', mobile: '12345' })).ok === false && 'recordKey' in c.map(row({ name: '张三', mobile: '12345' }))).toBe(false);
  });
  it('the content is canonical: the order fields are mapped in does not change it, any value does', () => {
    const fields: Mapping['fields'] = [
      { field: 'name', column: 'n' }, { field: 'account.balanceFen', column: 'bal' }, { field: 'account.accountNo', column: 'acct' },
      { field: 'attributes.zone', column: 'z' }, { field: 'attributes.income_fen', column: 'inc' },
    ];
    const head = ['k', 'n', 'acct', 'bal', 'z', 'inc'];
    const map = (f: Mapping['fields'], values: string[]) => {
      const r = compileMapping({ recordKey: ['k'], codeTables: {}, fields: f }, head, TODAY).map(values);
      if (!r.ok) throw new Error(JSON.stringify(r.reasons));
      return r.record;
    };
    const a = map(fields, ['1', '甲', '6222', '100', 'east', '5000']);
    const b = map([...fields].reverse(), ['1', '甲', '6222', '100', 'east', '5000']);
    expect(canonicalContent(a)).toBe(canonicalContent(b));
    expect(canonicalContent(a)).toBe('person\t甲\t\\N\t\\N\t\\N\t\\N\t\\N\t\\N\t\\N\t\\N\t\\N\t{"income_fen":"5000","zone":"east"}\t[{"accountNo":"6222","balanceFen":100}]\t\\N');
    expect(contentHash(a).equals(contentHash(b))).toBe(true);
    // A tab inside a value is escaped: it cannot pass for the next field.
    const c = map(fields, ['1', '甲\t', '6222', '100', 'east', '5000']);
    expect(contentHash(c).equals(contentHash(a))).toBe(false);
    expect(canonicalContent(c).split('\t')).toHaveLength(14);
  });
});

describe('validating a mapping', () => {
  it('names unknown fields, transformations and code tables', () => {
    const p = validateMapping({ recordKey: [], codeTables: {}, fields: [{ field: 'nope' as never, column: 'a' }, { field: 'mobile', column: 'b', transforms: ['bogus' as never], codeTable: 'x' }] });
    expect(p.map((x) => `${x.field}:${x.rule}`)).toEqual(['fields.0.field:enum', 'fields.1.transforms:enum', 'fields.1.codeTable:exists', 'fields:required']);
  });
  it('the default mapping is valid', () => expect(validateMapping(defaultMapping())).toEqual([]));
  it('applyTransform digits_only', () => expect(applyTransform('digits_only', 'a1b2')).toEqual({ ok: true, value: '12' }));
});

describe('source_updated_at: strict timestamps, canonical out', () => {
  const mm: Mapping = { recordKey: ['k'], codeTables: {}, fields: [{ field: 'name', column: 'n' }, { field: 'source_updated_at', column: 'upd' }] };
  const c = compileMapping(mm, ['k', 'n', 'upd'], TODAY);
  const upd = (v: string) => c.map(['1', '甲', v]);
  it.each([
    ['2024-02-03T10:00:00Z', '2024-02-03T10:00:00Z'], ['2024-02-03T10:00:00.123456+08:00', '2024-02-03T10:00:00.123456+08:00'],
    ['2024-02-03T10:00:00+0530', '2024-02-03T10:00:00+05:30'], ['2024-02-03 10:00', '2024-02-03T10:00:00+08:00'],
    ['2024-02-03 10:00:05.5', '2024-02-03T10:00:05.5+08:00'], ['2024/02/03 9:05:00', '2024-02-03T09:05:00+08:00'],
    ['20240203100000', '2024-02-03T10:00:00+08:00'], ['2024-02-29', '2024-02-29T00:00:00+08:00'], ['2026-12-07T13:19:42.942090Z', '2026-12-07T13:19:42.942090Z'],
  ])('%s → %s', (v, out) => {
    expect(upd(v)).toMatchObject({ ok: true, record: { source_updated_at: out } });
  });
  it.each([['1'], ['2024-02-30 10:00:00'], ['2024-02-03 24:00:00'], ['2024-02-03 10:60'], ['March 7 2024'], ['2024-02-03T10:00:00+25:00'], ['12/03/2024 10:00']])(
    '%s rejects the row: field source_updated_at, rule timestamp, zh and en', (v) => {
      const r = upd(v);
      expect(r).toMatchObject({ ok: false, reasons: [{ field: 'source_updated_at', rule: 'timestamp', value: v }] });
      if (!r.ok) {
        expect(r.reasons[0]!.message.zh).toMatch(/时间/);
        expect(r.reasons[0]!.message.en).toMatch(/timestamp|date and time/);
      }
    });
  it('a time without a zone is the bank\'s local time; another zone can be given', () => {
    const ny = compileMapping(mm, ['k', 'n', 'upd'], TODAY, { timeZone: 'America/New_York' });
    expect(ny.map(['1', '甲', '2024-07-01 10:00'])).toMatchObject({ ok: true, record: { source_updated_at: '2024-07-01T10:00:00-04:00' } });
    expect(ny.map(['1', '甲', '2024-01-01 10:00'])).toMatchObject({ ok: true, record: { source_updated_at: '2024-01-01T10:00:00-05:00' } });
  });
});

describe('every mobile is checked', () => {
  const mm: Mapping = { recordKey: ['k'], codeTables: {}, fields: [{ field: 'name', column: 'n' }, { field: 'mobile', column: 'm' }] };
  const c = compileMapping(mm, ['k', 'n', 'm'], TODAY);
  it('one starting +86 without the E.164 transformation is no exception', () => {
    expect(c.map(['1', '甲', '+86abc'])).toMatchObject({ ok: false, reasons: [{ field: 'mobile', rule: 'mobile', value: '+86abc' }] });
    expect(c.map(['1', '甲', '+8612345'])).toMatchObject({ ok: false, reasons: [{ field: 'mobile', rule: 'mobile' }] });
    expect(c.map(['1', '甲', '+86 138 1234 5678'])).toMatchObject({ ok: true, record: { mobile: '+8613812345678' } });
    expect(c.map(['1', '甲', '+8613812345678'])).toMatchObject({ ok: true, record: { mobile: '+8613812345678' } });
  });
});

describe('a mapping whose code tables or constants give values a field does not take is refused', () => {
  const base = (extra: Partial<Mapping>): Mapping => ({ recordKey: ['k'], codeTables: {}, fields: [{ field: 'name', column: 'n' }], ...extra });
  it('names the code table entry and the rule', () => {
    const p = validateMapping(base({
      codeTables: { sex: { entries: { '1': 'MALE', '2': 'F', '9': '' } }, idt: { entries: { A: 'driver_licence', B: 'passport' } } },
      fields: [{ field: 'name', column: 'n' }, { field: 'gender', column: 'g', codeTable: 'sex' }, { field: 'id_type', column: 't', codeTable: 'idt' }],
    }));
    expect(p.map((x) => `${x.field}:${x.rule}`)).toEqual(['codeTables.sex.entries.1:enum', 'codeTables.idt.entries.A:enum']);
    expect(p[0]!.message.zh).toMatch(/MALE/);
    expect(p[1]!.message.en).toMatch(/driver_licence/);
  });
  it('and a constant, after its code table', () => {
    const p = validateMapping(base({ fields: [{ field: 'name', column: 'n' }, { field: 'kind', value: 'robot' }, { field: 'gender', value: '1', codeTable: 'gender' }], codeTables: { gender: DEFAULT_CODE_TABLES.gender! } }));
    expect(p.map((x) => `${x.field}:${x.rule}`)).toEqual(['fields.1.value:enum']);
    expect(validateMapping(base({ fields: [{ field: 'name', column: 'n' }, { field: 'kind', value: 'org' }] }))).toEqual([]);
  });
  it('a rejected row shows the source value the user must fix, and what it became', () => {
    // A mapping saved before this check: the table translates A to a value canonicalise refuses.
    const mm = base({ codeTables: { idt: { entries: { A: 'driver_licence' } } }, fields: [{ field: 'name', column: 'n' }, { field: 'id_type', column: 't', codeTable: 'idt' }, { field: 'id_no', column: 'i' }] });
    const r = compileMapping(mm, ['k', 'n', 't', 'i'], TODAY).map(['1', '甲', ' A ', 'X1']);
    expect(r).toMatchObject({ ok: false, reasons: [{ field: 'id_type', rule: 'enum', value: 'A' }] });
    if (!r.ok) expect(r.reasons[0]!.message.en).toMatch(/source value "A", translated to "driver_licence"/);
  });
});
