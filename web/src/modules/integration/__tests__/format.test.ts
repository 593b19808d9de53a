import i18next from 'i18next';
import { beforeAll, describe, expect, it } from 'vitest';
import { en, zh } from '../locales.ts';
import { bilingualNote, conflictKind, conflictText, integrationErrorText, mergeReasonText, weightText } from '../format.ts';

const zhT = i18next.createInstance();
const enT = i18next.createInstance();
beforeAll(async () => {
  await zhT.init({ lng: 'zh-CN', resources: { 'zh-CN': { translation: zh } } });
  await enT.init({ lng: 'en-US', resources: { 'en-US': { translation: en } } });
});

describe('integration screens in the UI language', () => {
  it('shows the engine conflict in Chinese on the Chinese UI, in English on the English one', () => {
    expect(conflictText(zhT.t, 'different valid resident_id numbers')).toBe('两个不同的有效居民身份证号码');
    expect(conflictText(enT.t, 'different valid resident_id numbers')).toBe('Two different valid resident ID numbers');
    expect(conflictText(zhT.t, 'same valid uscc number, different name')).toBe('同一有效统一社会信用代码号码，姓名不同');
    expect(conflictText(zhT.t, 'something new')).toBe('something new');
  });

  it('shows the system merge reason in one language', () => {
    expect(mergeReasonText(zhT.t, '审核确认 / confirmed in review')).toBe('审核确认');
    expect(mergeReasonText(enT.t, '审核确认 / confirmed in review')).toBe('Confirmed in review');
    expect(mergeReasonText(enT.t, '同一人')).toBe('同一人');
  });

  it('never shows -0.00 for a weight', () => {
    expect(weightText(-0.001)).toBe('0.00');
    expect(weightText(-0)).toBe('0.00');
    expect(weightText(-0.004, true)).toBe('0.00');
    expect(weightText(1.234, true)).toBe('+1.23');
    expect(weightText(-2.5)).toBe('-2.50');
  });
});

describe('integration texts found by testing', () => {
  it('tells the two kinds of ID conflict apart', () => {
    expect(conflictKind('same valid resident_id number, different name')).toBe('sameIdOtherName');
    expect(conflictKind('different valid resident_id numbers')).toBe('differentId');
    expect(conflictKind(null)).toBeNull();
    expect(zh.integration.detail.conflictWarnSameId).not.toMatch(/号码不同/);
    expect(en.integration.detail.overrideSameId).not.toMatch(/ID conflict/);
  });

  it('names fields by their labels in messages, never by the request keys', () => {
    const err = Object.assign(new Error('otherCustomerNo：不能与自己合并'), { fields: [{ field: 'otherCustomerNo' }] });
    expect(integrationErrorText(zhT.t, err)).toBe('另一客户号：不能与自己合并');
    const en1 = Object.assign(new Error('survivorNo: must be one of the two customers of the pair'), { fields: [{ field: 'survivorNo' }] });
    expect(integrationErrorText(enT.t, en1)).toBe('Keep customer no.: must be one of the two customers of the pair');
    const v = Object.assign(new Error('version: the pair changed'), { fields: [{ field: 'version' }] });
    expect(integrationErrorText(enT.t, v)).toBe('the pair changed');
  });

  it('shows notes stored in both languages in one', () => {
    expect(bilingualNote(zhT.t, 'zh', '撤销合并 / unmerged: 测试撤销')).toBe('撤销合并：测试撤销');
    expect(bilingualNote(enT.t, 'en', '撤销合并 / unmerged: 测试撤销')).toBe('Unmerged: 测试撤销');
    expect(bilingualNote(enT.t, 'en', '审核确认 / confirmed in review')).toBe('Confirmed in review');
    expect(bilingualNote(zhT.t, 'zh', '同一客户 / 已核实')).toBe('同一客户 / 已核实');
  });

  it('says how many sources agree', () => {
    expect(zhT.t('integration.rule.agreed', { n: 4 })).toBe('4 个来源一致');
    expect(enT.t('integration.rule.agreed', { n: 4 })).toBe('All 4 sources agree');
  });
});
