import { beforeAll, describe, expect, it } from 'vitest';
import i18next, { type i18n } from 'i18next';
import { zhCN } from '../../../app/locales/zh-CN.ts';
import { enUS } from '../../../app/locales/en-US.ts';
import { describeAudit, phoneText, type Translate, type TimelineAudit } from '../timelineText.ts';

let zh: i18n;
let en: i18n;
beforeAll(async () => {
  const make = async (lng: string) => {
    const inst = i18next.createInstance();
    await inst.init({ resources: { 'zh-CN': { translation: zhCN }, 'en-US': { translation: enUS } }, lng, nsSeparator: false, interpolation: { escapeValue: false } });
    return inst;
  };
  zh = await make('zh-CN');
  en = await make('en-US');
});
const inZh = (e: TimelineAudit) => describeAudit(e, zh.t.bind(zh) as Translate, 'zh-CN');
const inEn = (e: TimelineAudit) => describeAudit(e, en.t.bind(en) as Translate, 'en-US');
/** Everything a reader sees of the lines, as one text. */
const shown = (lines: ReturnType<typeof describeAudit>) => lines.map((l) => (l.kind === 'text' ? l.text : l.kind === 'value' ? `${l.label}: ${l.from ?? ''}→${l.to}` : `${l.label}: +[${l.added.join(' | ')}] -[${l.removed.join(' | ')}]`)).join('\n');

describe('describeAudit', () => {
  it('shows a changed mobile as the contact removed and the one added, readable', () => {
    const e = { action: 'update', entity: 'customer', changes: { contacts: {
      from: [{ kind: 'mobile', value: '+8613800138000', is_primary: true }, { kind: 'email', value: 'a@b.cn', is_primary: false }],
      to: [{ kind: 'mobile', value: '+8613900139000', is_primary: true }, { kind: 'email', value: 'a@b.cn', is_primary: false }],
    } } };
    expect(inZh(e)).toEqual([{ kind: 'list', field: 'contacts', label: '联系方式', added: ['手机 +86 13900139000 (主)'], removed: ['手机 +86 13800138000 (主)'] }]);
    expect(shown(inEn(e))).toBe('Contacts: +[Mobile +86 13900139000 (primary)] -[Mobile +86 13800138000 (primary)]');
    expect(shown(inEn(e))).not.toContain('{');
  });

  it('keeps masking as it comes', () => {
    expect(phoneText('+86139****0139')).toBe('+86 139****0139');
    expect(shown(inZh({ action: 'update', entity: 'customer', changes: { contacts: '***' } }))).toBe('联系方式: →***');
    expect(shown(inZh({ action: 'update', changes: { contacts: { from: null, to: [{ kind: 'mobile', value: '+86139****0139', is_primary: true }] } } })))
      .toBe('联系方式: +[手机 +86 139****0139 (主)] -[]');
  });

  it('shows a creation with names for codes and ids, and leaves empty values out', () => {
    const e: TimelineAudit = {
      action: 'create', entity: 'customer',
      changes: {
        name: { to: '测试人', from: null }, gender: { to: 'F', from: null }, org_id: { to: 7, from: null }, attributes: { to: {}, from: null },
        identities: { to: [{ id_no: '11010519491231002X', country: null, id_type: 'resident_id', expires_on: null, is_primary: true }], from: null },
        channelPrefs: { to: [], from: null },
      },
      refs: { 'org_id:7': { zh: '北京东城支行', en: 'Beijing Dongcheng Sub-branch' } },
    };
    const zhText = shown(inZh(e));
    expect(zhText).toBe('客户名称: →测试人\n性别: →女\n所属机构: →北京东城支行\n证件: +[居民身份证 11010519491231002X (主)] -[]');
    expect(zhText).not.toMatch(/类型属性|id_no|\{|\[\{/);
    expect(shown(inEn(e))).toContain('Organisation: →Beijing Dongcheng Sub-branch');
    expect(shown(inEn(e))).toContain('Identities: +[Resident ID card 11010519491231002X (primary)] -[]');
  });

  it('tells a merge as sentences, without internal keys', () => {
    const e = { action: 'merge', entity: 'customer', changes: {
      moved: { account: 2, customer_address: 1, customer_contact: 1, customer_identity: 1, account_balance_daily: 12, 'customer_key_person.person_customer_id': 1 },
      filled: {}, merged: '100000002', reason: 'same person', consent: [], mergeId: 1, endedRelations: 0, overrideConflict: false,
    } };
    const text = shown(inEn(e));
    expect(text).toBe('Merged customer 100000002 into this one\nmoved: Account 2, Addresses 1, Contacts 1, Identities 1, Daily balances 12, Key person roles held 1\nreason: same person');
    expect(text).not.toMatch(/mergeId|overrideConflict|endedRelations|consent|filled|customer_contact/);
    expect(shown(inZh(e))).toContain('将客户 100000002 合并到本客户');
    expect(shown(inZh(e))).toContain('联系方式 1');
    expect(shown(inZh({ action: 'merge', entity: 'customer', changes: { mergeId: 1, mergedInto: '100000001', deleted: { from: false, to: true } } }))).toBe('已合并到客户 100000001');
  });

  it('names a customer outside the user data scope by the masked name alone', () => {
    const e = { action: 'merge', entity: 'customer', changes: { mergeId: 1, merged: { customerNo: null, name: '王*' }, moved: {} } };
    expect(shown(inZh(e))).toBe('将客户 王* (不在您的数据范围内) 合并到本客户');
    expect(shown(inEn(e))).toBe('Merged customer 王* (outside your data scope) into this one');
  });
});

describe('a merge review in the timeline reads in one language (found by testing)', () => {
  it('shows a review status by its names and a reason stored in both languages in the reader’s', async () => {
    // The app's resources hold every module's strings: the review queue's too.
    const { zh: izh, en: ien } = await import('../../integration/locales.ts');
    const make = async (lng: string, res: object) => {
      const inst = i18next.createInstance();
      await inst.init({ resources: { [lng]: { translation: res } }, lng, nsSeparator: false, interpolation: { escapeValue: false } });
      return (e: TimelineAudit) => describeAudit(e, inst.t.bind(inst) as Translate, lng as 'zh-CN');
    };
    const inZh = await make('zh-CN', { ...zhCN, ...izh });
    const inEn = await make('en-US', { ...enUS, ...ien });
    const confirm = { action: 'confirm', entity: 'match_review', changes: { status: { from: 'pending', to: 'confirmed' }, mergeId: 3 } };
    expect(shown(inZh(confirm))).toBe('状态: 待审核→已确认合并');
    expect(shown(inEn(confirm))).toBe('Status: Pending→Merged');
    const merge = { action: 'merge', entity: 'customer', changes: { mergeId: 3, merged: '100000002', moved: {}, reason: '审核确认 / confirmed in review' } };
    expect(shown(inZh(merge))).toContain('审核确认');
    expect(shown(inZh(merge))).not.toContain('confirmed in review');
    expect(shown(inEn(merge))).toContain('confirmed in review');
    expect(shown(inEn(merge))).not.toContain('审核确认');
  });

  it('names type attributes and their options as the customer type defines them, never by their keys', () => {
    const schema = [
      { key: 'sme_size', label: '企业规模', labelEn: 'Size', type: 'enum' },
      { key: 'staff_count', label: '员工人数', labelEn: 'Staff', type: 'integer' },
    ];
    const e = { action: 'update', entity: 'customer', changes: { attributes: { from: { sme_size: 'small' }, to: { sme_size: 'medium', staff_count: 549 } } } };
    const zhText = shown(describeAudit(e, zh.t.bind(zh) as Translate, 'zh-CN', schema));
    const enText = shown(describeAudit(e, en.t.bind(en) as Translate, 'en-US', schema));
    expect(zhText).toContain('企业规模');
    expect(zhText).toContain('员工人数: 549');
    expect(enText).toContain('Size: ');
    expect(enText).toContain('Staff: 549');
    expect(`${zhText}\n${enText}`).not.toMatch(/sme_size|staff_count/);
  });
});
