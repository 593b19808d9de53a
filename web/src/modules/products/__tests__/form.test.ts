import { describe, expect, it } from 'vitest';
import { fenToYuan, formatAttributes, parseAttributes, yuanToFen } from '../form.ts';

describe('yuanToFen', () => {
  it.each([
    ['1000', 100_000], ['1,000.5', 100_050], ['0.01', 1], ['200000.00', 20_000_000], ['', null], ['  ', null],
  ])('%s yuan is %s fen', (text, fen) => expect(yuanToFen(text)).toBe(fen));

  it.each([['1.234'], ['-5'], ['abc'], ['1e3']])('refuses %s', (text) => expect(yuanToFen(text)).toBeUndefined());

  it('round-trips with fenToYuan without float error', () => {
    expect(fenToYuan(yuanToFen('0.07')!)).toBe('0.07');
    expect(fenToYuan(123_456_789)).toBe('1234567.89');
    expect(fenToYuan(null)).toBe('');
  });
});

describe('attributes as lines', () => {
  it('keeps integers and booleans typed', () => {
    expect(parseAttributes('open_cycle = quarterly\nannual_fee_fen=100000\nguaranteed=false\n')).toEqual({ open_cycle: 'quarterly', annual_fee_fen: 100_000, guaranteed: false });
  });

  it.each([['no equals sign'], ['Bad_Key=1'], ['=value']])('refuses the line %s', (line) => expect(parseAttributes(line)).toBeUndefined());

  it('formats back to lines', () => {
    expect(formatAttributes({ a: 1, b: true, c: 'x' })).toBe('a=1\nb=true\nc=x');
  });
});
