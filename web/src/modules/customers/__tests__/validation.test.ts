import { describe, expect, it } from 'vitest';
import { isEmail, isMobile, isResidentId } from '../validation.ts';

describe('isMobile', () => {
  it.each([
    ['13800138000', true],
    ['+8613800138000', true],
    ['86 138-0013-8000', true],
    ['12800138000', false],
    ['1380013800', false],
    ['+1 415 555 0100', false],
  ])('%s → %s', (v, ok) => expect(isMobile(v)).toBe(ok));
});

describe('isResidentId', () => {
  it.each([
    ['11010519491231002X', true],
    ['11010519491231002x', true],
    ['440524188001010014', true],
    ['110105194912310021', false], // wrong check character
    ['110105194902310026', false], // right check character, but 31 February
    ['110105491231002', true], // the old 15-digit form is accepted and upgraded by the server
    ['', false],
  ])('%s → %s', (v, ok) => expect(isResidentId(v)).toBe(ok));
});

describe('isEmail', () => {
  it.each([
    ['a@b.cn', true],
    ['zhang.san@bank.com.cn', true],
    ['a@b', false],
    ['a b@c.cn', false],
  ])('%s → %s', (v, ok) => expect(isEmail(v)).toBe(ok));
});
