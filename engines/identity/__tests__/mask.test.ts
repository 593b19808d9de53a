import { describe, expect, it } from 'vitest';
import { maskValue, type MaskRule } from '../mask.ts';

describe('maskValue', () => {
  it.each<[string, MaskRule, string | undefined, string]>([
    ['11010519491231002X', { keepFirst: 4, keepLast: 4 }, undefined, '1101**********002X'],
    ['11010519491231002X', { keepFirst: 3, keepLast: 4 }, undefined, '110***********002X'],
    ['11010519491231002X', { keepFirst: 6, keepLast: 4 }, undefined, '110105********002X'],
    // normalised mobile: +86 stripped before masking
    ['+8613812345678', { keepFirst: 3, keepLast: 4 }, undefined, '138****5678'],
    ['13812345678', { keepFirst: 3, keepLast: 4 }, undefined, '138****5678'],
    // bank card: first 6 + last 4
    ['6222021234567890123', { keepFirst: 6, keepLast: 4 }, undefined, '622202*********0123'],
    ['6222021234567890123', { keepFirst: 6, keepLast: 4 }, '#', '622202#########0123'],
    // Chinese names (code points)
    ['张伟', { keepFirst: 1, keepLast: 0 }, undefined, '张*'],
    ['欧阳娜娜', { keepFirst: 1, keepLast: 1 }, undefined, '欧**娜'],
    // too short to keep both ends → all but the first character masked
    ['abc', { keepFirst: 3, keepLast: 4 }, undefined, 'a**'],
    ['abcdefg', { keepFirst: 3, keepLast: 4 }, undefined, 'a******'],
    ['a', { keepFirst: 3, keepLast: 4 }, undefined, 'a'],
    ['', { keepFirst: 3, keepLast: 4 }, undefined, ''],
    ['secret', { keepFirst: 0, keepLast: 0 }, undefined, '******'],
    ['abcdefgh', { keepFirst: 0, keepLast: 2 }, undefined, '******gh'],
    // something that merely starts with +86 but is not a normalised mobile is left intact
    ['+86-10-12345678', { keepFirst: 3, keepLast: 4 }, undefined, '+86********5678'],
  ])('%s %o %s → %s', (value, rule, maskChar, expected) => {
    expect(maskChar === undefined ? maskValue(value, rule) : maskValue(value, rule, maskChar)).toBe(expected);
  });

  it.each<[MaskRule]>([[{ keepFirst: -1, keepLast: 4 }], [{ keepFirst: 3, keepLast: 1.5 }]])('rejects rule %o', (rule) => {
    expect(() => maskValue('11010519491231002X', rule)).toThrow(RangeError);
  });
});
