import { describe, expect, it } from 'vitest';
import { makeUscc, usccCheckChar, USCC_CHARSET, validateUscc } from '../uscc.ts';

describe('usccCheckChar / makeUscc', () => {
  it.each([
    ['91350100M000100Y4', '3'],
    ['91350100m000100y4', '3'],
    // weighted sum ≡ 0 (mod 31): check is '0' — libraries without the final `mod 31` get this wrong
    ['91350100M000100Y3', '0'],
    ['91110000MA00000B1', '0'],
    ['A1110000MA0000001', 'K'],
    ['N2110000MA0000001', '4'],
    ['Y1110000MA0000001', 'Y'],
  ])('%s → %s', (first17, check) => {
    expect(usccCheckChar(first17)).toBe(check);
    expect(makeUscc(first17)).toBe(first17.toUpperCase() + check);
  });

  it.each([['91350100M000100Y'], ['91350100M000100YI'], ['91350100M000100YO'], ['91350100M000100Y43']])(
    'rejects bad input %s',
    (bad) => {
      expect(() => usccCheckChar(bad)).toThrow(RangeError);
    },
  );
});

describe('validateUscc — valid', () => {
  it.each([
    ['91350100M000100Y43', '91350100M000100Y43'],
    ['  91350100m000100y43 ', '91350100M000100Y43'],
    ['91350100M000100Y30', '91350100M000100Y30'],
    ['91110000MA00000B10', '91110000MA00000B10'],
    // registration authorities A (other), N (agriculture), Y (other) must be accepted
    ['A1110000MA0000001K', 'A1110000MA0000001K'],
    ['N2110000MA00000014', 'N2110000MA00000014'],
    ['Y1110000MA0000001Y', 'Y1110000MA0000001Y'],
    ['y1110000ma0000001y', 'Y1110000MA0000001Y'],
    [makeUscc('12100000400000624'), '12100000400000624D'],
  ])('%s', (input, value) => {
    expect(validateUscc(input)).toEqual({ ok: true, value });
  });
});

describe('validateUscc — invalid', () => {
  it.each([
    ['', 'format'],
    ['91350100M000100Y4', 'format'], // 17 chars
    ['91350100M000100Y433', 'format'], // 19 chars
    ['91350100M000100I43', 'format'], // I not in charset
    ['91350100M000100O43', 'format'],
    ['91350100M000100Z43', 'format'],
    ['91350100M000100S43', 'format'],
    ['91350100M000100V43', 'format'],
    ['9135010-M000100Y43', 'format'], // punctuation
    ['91350100M000100Y44', 'checksum'],
    ['91350100M000100Y4A', 'checksum'],
    ['91350100M000100Y31', 'checksum'],
    ['A1110000MA0000001J', 'checksum'],
  ])('%s → %s', (input, rule) => {
    expect(validateUscc(input)).toEqual({ ok: false, rule });
  });
});

/** Every single-character change (to a few other charset symbols) and every adjacent swap of distinct chars. */
function mistypings(code: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < 17; i++) {
    const idx = USCC_CHARSET.indexOf(code[i]!);
    for (const delta of [1, 7, 30]) {
      out.push(code.slice(0, i) + USCC_CHARSET[(idx + delta) % 31] + code.slice(i + 1));
    }
  }
  for (let i = 0; i < 17; i++) {
    if (code[i] !== code[i + 1]) out.push(code.slice(0, i) + code[i + 1] + code[i] + code.slice(i + 2));
  }
  return out;
}

describe('validateUscc — mistyped codes fail the checksum', () => {
  it.each([...mistypings('91350100M000100Y43'), ...mistypings('N2110000MA00000014')].map((s) => [s]))('%s', (input) => {
    expect(validateUscc(input)).toEqual({ ok: false, rule: 'checksum' });
  });
});
