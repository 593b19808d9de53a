import { describe, expect, it } from 'vitest';
import {
  makeResidentId,
  residentIdCheckChar,
  upgradeResidentId15,
  validateResidentId,
} from '../cn-id.ts';

describe('residentIdCheckChar', () => {
  it.each([
    ['11010519491231002', 'X'],
    ['44052418800101001', '4'],
    ['81000019900101001', '9'],
  ])('%s → %s', (first17, check) => {
    expect(residentIdCheckChar(first17)).toBe(check);
  });

  it.each([['1101051949123100'], ['1101051949123100A'], ['110105194912310022']])('rejects bad input %s', (bad) => {
    expect(() => residentIdCheckChar(bad)).toThrow(RangeError);
  });
});

describe('validateResidentId — valid', () => {
  it.each([
    { input: '11010519491231002X', value: '11010519491231002X', birthDate: '1949-12-31', gender: 'F', region: '110105' },
    { input: '440524188001010014', value: '440524188001010014', birthDate: '1880-01-01', gender: 'M', region: '440524' },
    { input: '11010519491231002x', value: '11010519491231002X', birthDate: '1949-12-31', gender: 'F', region: '110105' },
    { input: '  11010519491231002x ', value: '11010519491231002X', birthDate: '1949-12-31', gender: 'F', region: '110105' },
    { input: '110105 19491231 002X', value: '11010519491231002X', birthDate: '1949-12-31', gender: 'F', region: '110105' },
    // old 15-digit IDs are upgraded
    { input: '110105491231002', value: '11010519491231002X', birthDate: '1949-12-31', gender: 'F', region: '110105' },
    // leap day
    { input: '110105200002290021', value: '110105200002290021', birthDate: '2000-02-29', gender: 'F', region: '110105' },
    // HK / Macao / Taiwan residence permits
    { input: '810000199001010019', value: '810000199001010019', birthDate: '1990-01-01', gender: 'M', region: '810000' },
    { input: makeResidentId('820000', '19851111', '022'), value: makeResidentId('820000', '19851111', '022'), birthDate: '1985-11-11', gender: 'F', region: '820000' },
    { input: makeResidentId('830000', '19700505', '011'), value: makeResidentId('830000', '19700505', '011'), birthDate: '1970-05-05', gender: 'M', region: '830000' },
    // 2023 foreign permanent-resident ID: "9" + province code (11 = Beijing) + nationality code
    { input: '911840198503150120', value: '911840198503150120', birthDate: '1985-03-15', gender: 'F', region: '911840' },
  ] as const)('$input', ({ input, ...expected }) => {
    expect(validateResidentId(input)).toEqual({ ok: true, ...expected });
  });

  it('accepts a birth date equal to today', () => {
    expect(validateResidentId(makeResidentId('110105', '20240229', '001'), '2024-02-29').ok).toBe(true);
  });
});

describe('validateResidentId — invalid', () => {
  it.each([
    ['', 'format'],
    ['1101051949123100', 'format'], // 16 digits
    ['1101051949123100200', 'format'], // 19 digits
    ['11010519491231002Y', 'format'],
    ['X1010519491231002X', 'format'],
    ['1101054912310', 'format'],
    ['11010549123100X', 'format'], // 15 chars with X
    ['11010519491231002-', 'format'],
    ['11010519491231002X', 'ok'],
    ['110105194912310021', 'checksum'], // wrong check char
    ['110105194902300020', 'birthdate'], // 1949-02-30
    ['110105194913010010', 'birthdate'], // month 13
    [makeResidentId('110105', '19490100', '001'), 'birthdate'], // day 00
    [makeResidentId('110105', '19490431', '001'), 'birthdate'], // 31 April
    [makeResidentId('110105', '19000229', '002'), 'birthdate'], // 1900 not a leap year
    [makeResidentId('110105', '17991231', '002'), 'birthdate'], // before 1800
    [makeResidentId('990000', '19900101', '001'), 'region'],
    [makeResidentId('000000', '19900101', '001'), 'region'],
    [makeResidentId('100000', '19900101', '001'), 'region'],
    [makeResidentId('840000', '19900101', '001'), 'region'],
    [makeResidentId('971840', '19900101', '001'), 'region'], // foreign ID with invalid province
    [makeResidentId('981840', '19900101', '001'), 'region'],
  ] as [string, string][])('%s → %s', (input, rule) => {
    const r = validateResidentId(input);
    if (rule === 'ok') expect(r.ok).toBe(true);
    else expect(r).toEqual({ ok: false, rule });
  });

  it.each([
    [makeResidentId('110105', '20300101', '001'), '2025-06-01'],
    [makeResidentId('110105', '20250602', '001'), '2025-06-01'],
  ])('%s is in the future relative to %s', (input, today) => {
    expect(validateResidentId(input, today)).toEqual({ ok: false, rule: 'birthdate' });
    expect(validateResidentId(input).ok).toBe(true); // no today → no future check
  });

  it('throws on a malformed today', () => {
    expect(() => validateResidentId('11010519491231002X', '2025/01/01')).toThrow(RangeError);
  });
});

/** Every single-digit change and every swap of two adjacent distinct digits of a valid ID. */
function mistypings(id: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < 17; i++) {
    for (const delta of [1, 5, 9]) {
      const d = (Number(id[i]) + delta) % 10;
      out.push(id.slice(0, i) + d + id.slice(i + 1));
    }
  }
  for (let i = 0; i < 17; i++) {
    // swapping an X check character into the body would be a format error, not a checksum one
    if (id[i] !== id[i + 1] && /\d/.test(id[i + 1]!)) out.push(id.slice(0, i) + id[i + 1] + id[i] + id.slice(i + 2));
  }
  return out;
}

describe('validateResidentId — mistyped numbers fail the checksum', () => {
  it.each([...mistypings('11010519491231002X'), ...mistypings('440524188001010014')].map((s) => [s]))('%s', (input) => {
    expect(validateResidentId(input)).toEqual({ ok: false, rule: 'checksum' });
  });
});

describe('upgradeResidentId15', () => {
  it.each([
    ['110105491231002', '11010519491231002X'],
    [' 110105491231002 ', '11010519491231002X'],
    ['440524800101001', '440524198001010013'],
  ])('%s → %s', (id15, id18) => {
    expect(upgradeResidentId15(id15)).toBe(id18);
    expect(validateResidentId(id18).ok).toBe(true);
  });

  it.each([['11010549123100'], ['1101054912310021'], ['11010549123100X']])('rejects %s', (bad) => {
    expect(() => upgradeResidentId15(bad)).toThrow(RangeError);
  });
});

describe('makeResidentId', () => {
  it.each([
    ['110105', '19491231', '002', '11010519491231002X'],
    ['440524', '18800101', '001', '440524188001010014'],
    ['810000', '19900101', '001', '810000199001010019'],
  ])('%s %s %s → %s', (region, birth, seq, expected) => {
    expect(makeResidentId(region, birth, seq)).toBe(expected);
  });

  it.each([
    ['11010', '19491231', '002'],
    ['110105', '1949-12-31', '002'],
    ['110105', '19491231', '02'],
  ])('rejects %s %s %s', (region, birth, seq) => {
    expect(() => makeResidentId(region, birth, seq)).toThrow(RangeError);
  });
});
