import i18next from 'i18next';
import { beforeAll, describe, expect, it } from 'vitest';
import { en, zh } from '../locales.ts';
import { conflictText, mergeReasonText, weightText } from '../format.ts';

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
