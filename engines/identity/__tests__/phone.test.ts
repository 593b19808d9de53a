import { describe, expect, it } from 'vitest';
import { normalizeMobile, validateEmail } from '../phone.ts';

describe('normalizeMobile', () => {
  it.each([
    ['13812345678', '+8613812345678'],
    ['+8613812345678', '+8613812345678'],
    ['+86 138 1234 5678', '+8613812345678'],
    ['008613812345678', '+8613812345678'],
    ['0086-138-1234-5678', '+8613812345678'],
    ['8613812345678', '+8613812345678'],
    ['86 13812345678', '+8613812345678'],
    ['138-1234-5678', '+8613812345678'],
    [' 138 1234 5678 ', '+8613812345678'],
    ['(+86) 199 0000 1111', '+8619900001111'],
    ['15000000000', '+8615000000000'],
    ['17712345678', '+8617712345678'],
  ])('%s → %s', (input, value) => {
    expect(normalizeMobile(input)).toEqual({ ok: true, value });
  });

  it.each([
    [''],
    ['138123456789'], // 12 digits
    ['1381234567'], // 10 digits
    ['12812345678'], // starts with 12
    ['11812345678'], // starts with 11
    ['23812345678'], // does not start with 1
    ['1381234567a'], // letter
    ['abcdefghijk'],
    ['+8612812345678'],
    ['+85213812345678'], // HK country code
    ['+1 13812345678'],
    ['8613812345678 9'],
    ['+86+8613812345678'],
    ['010-12345678'], // landline
  ])('rejects %s', (input) => {
    expect(normalizeMobile(input)).toEqual({ ok: false, rule: 'format' });
  });
});

describe('validateEmail', () => {
  it.each([
    ['li.lei@example.com', 'li.lei@example.com'],
    [' Li.Lei@Example.COM ', 'Li.Lei@example.com'],
    ['zhang_wei+crm@mail.bank.com.cn', 'zhang_wei+crm@mail.bank.com.cn'],
    ['a@b.cn', 'a@b.cn'],
    ['user@sub-domain.example.org', 'user@sub-domain.example.org'],
    ['x@xn--fiqs8s.xn--fiqs8s', 'x@xn--fiqs8s.xn--fiqs8s'],
  ])('%s → %s', (input, value) => {
    expect(validateEmail(input)).toEqual({ ok: true, value });
  });

  it.each([
    [''],
    ['plainaddress'],
    ['@example.com'],
    ['user@'],
    ['user@localhost'],
    ['user@example'],
    ['user@example.c'],
    ['user@.example.com'],
    ['user@example..com'],
    ['user@-example.com'],
    ['user@example-.com'],
    ['.user@example.com'],
    ['user.@example.com'],
    ['us..er@example.com'],
    ['us er@example.com'],
    ['user@exa mple.com'],
    ['user@example.com.'],
    ['user@@example.com'],
    ['user@example.123'],
    [`${'a'.repeat(65)}@example.com`],
  ])('rejects %s', (input) => {
    expect(validateEmail(input)).toEqual({ ok: false, rule: 'format' });
  });
});
