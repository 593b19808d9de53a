import { describe, expect, it } from 'vitest';
import { fenToYuan, yuanToFen } from '../money.ts';

describe('yuanToFen', () => {
  it.each([
    ['1234.5', 123450],
    ['0.01', 1],
    ['0.1', 10],
    [1234.56, 123456],
    ['90071992547409.91', 9007199254740991],
    ['12', 1200],
    ['1.234', null],
    ['abc', null],
    ['', null],
    // Thousands separators as people type them; a comma that groups no thousands is a typo.
    ['1,000,000', 100000000],
    ['1，000.50', 100050],
    ['1,00', null],
    ['10,0000', null],
  ])('%s → %s', (v, fen) => expect(yuanToFen(v)).toBe(fen));
});

describe('fenToYuan', () => {
  it.each([
    [123450, '1234.50'],
    [1, '0.01'],
    [-5, '-0.05'],
    [null, null],
  ])('%s → %s', (fen, s) => expect(fenToYuan(fen)).toBe(s));
});
