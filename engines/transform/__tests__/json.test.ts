import { describe, expect, it } from 'vitest';
import { parseJsonExact } from '../json.ts';

describe('JSON read without losing digits', () => {
  it.each([
    ['{"k": 12345678901234567890}', { k: '12345678901234567890' }],
    ['{"k": 12345678901234567891}', { k: '12345678901234567891' }],
    // An ID number written as a JSON number keeps its digits (and so its check digit).
    ['{"id": 110105194912310021}', { id: '110105194912310021' }],
    ['{"k": -9007199254740993}', { k: '-9007199254740993' }],
    ['{"x": 0.12345678901234567}', { x: '0.12345678901234567' }],
    // Numbers a double holds exactly stay numbers, as before.
    ['{"n": 1.5, "m": 123456789012345, "e": 1e3, "z": 0}', { n: 1.5, m: 123456789012345, e: 1000, z: 0 }],
    // Digits inside strings (escaped quotes included) are left alone.
    ['{"s": "12345678901234567890", "t": "a\\"1234567890123456789", "k": 12345678901234567890}', { s: '12345678901234567890', t: 'a"1234567890123456789', k: '12345678901234567890' }],
    ['{"a": [12345678901234567890, 1], "o": {"p": 99999999999999999999}}', { a: ['12345678901234567890', 1], o: { p: '99999999999999999999' } }],
  ])('%s', (text, want) => expect(parseJsonExact(text)).toEqual(want));
  it('two keys past 2^53 stay two keys', () => {
    const a = parseJsonExact('{"k": 12345678901234567890}') as { k: string };
    const b = parseJsonExact('{"k": 12345678901234567891}') as { k: string };
    expect(a.k).not.toBe(b.k);
  });
  it('bad JSON throws as JSON.parse does', () => expect(() => parseJsonExact('{"k": 12345678901234567890')).toThrow(SyntaxError));
});
