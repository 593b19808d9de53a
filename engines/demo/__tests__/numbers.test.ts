import { describe, expect, it } from 'vitest';
import { createRng, draw, weighted } from '../prng.ts';
import { fromDays, luhnDigit, monthEnds, orgCodeCheck, scramble, toDays } from '../numbers.ts';

describe('luhnDigit', () => {
  it.each([
    ['7992739871', '3'],
    ['37828224631000', '5'],
    ['0', '0'],
    ['4111111111111111'.slice(0, 15), '1'],
  ])('%s → %s', (body, digit) => expect(luhnDigit(body)).toBe(digit));
});

describe('orgCodeCheck (GB 11714)', () => {
  it('gives the check character inside the DOMAIN example USCC 91350100M000100Y43', () => {
    expect(orgCodeCheck('M000100Y')).toBe('4');
  });
  it('only ever gives a digit or X', () => {
    const rng = createRng(1);
    for (let i = 0; i < 2000; i++) {
      const body = scramble(rng.int(0, 99_999_999), 8);
      expect(orgCodeCheck(body)).toMatch(/^[0-9X]$/);
    }
  });
});

describe('scramble', () => {
  it('is a bijection on fixed-width numbers', () => {
    const seen = new Set<string>();
    for (let k = 0; k < 10_000; k++) seen.add(scramble(k, 4));
    expect(seen.size).toBe(10_000);
    for (const s of seen) expect(s).toMatch(/^\d{4}$/);
  });
  it('does not look sequential', () => {
    expect(Number(scramble(2, 8)) - Number(scramble(1, 8))).not.toBe(Number(scramble(3, 8)) - Number(scramble(2, 8)));
  });
  it('refuses counters that do not fit', () => {
    expect(() => scramble(100, 2)).toThrow(RangeError);
  });
});

describe('day numbers', () => {
  it.each([
    ['1970-01-01', 0],
    ['2000-02-29', 11_016],
    ['1940-01-01', -10_958],
    ['2026-06-30', 20_634],
  ])('%s ↔ %i', (date, days) => {
    expect(toDays(date)).toBe(days);
    expect(fromDays(days)).toBe(date);
  });
  it('agrees with Date over a century', () => {
    for (let d = -11_000; d < 25_000; d += 7) expect(fromDays(d)).toBe(new Date(d * 86_400_000).toISOString().slice(0, 10));
  });
  it('lists month ends newest first, skipping an unfinished month', () => {
    expect(monthEnds('2026-06-30', 3)).toEqual(['2026-06-30', '2026-05-31', '2026-04-30']);
    expect(monthEnds('2024-03-15', 2)).toEqual(['2024-02-29', '2024-01-31']);
  });
});

describe('createRng', () => {
  it('repeats for the same seed and stream, and differs otherwise', () => {
    const seq = (seed: number, stream: number) => Array.from({ length: 5 }, ((r) => () => r.next())(createRng(seed, stream)));
    expect(seq(42, 1)).toEqual(seq(42, 1));
    expect(seq(42, 1)).not.toEqual(seq(43, 1));
    expect(seq(42, 1)).not.toEqual(seq(42, 2));
  });
  it('draws integers inside the bounds, each of them', () => {
    const rng = createRng(7);
    const seen = new Set<number>();
    for (let i = 0; i < 1000; i++) {
      const v = rng.int(3, 8);
      expect(v).toBeGreaterThanOrEqual(3);
      expect(v).toBeLessThanOrEqual(8);
      seen.add(v);
    }
    expect(seen.size).toBe(6);
  });
  it('draws from a weighted table in proportion', () => {
    const rng = createRng(9);
    const table = weighted([['a', 3], ['b', 1]] as const);
    let a = 0;
    for (let i = 0; i < 20_000; i++) if (draw(rng, table) === 'a') a++;
    expect(a / 20_000).toBeCloseTo(0.75, 1);
  });
});
