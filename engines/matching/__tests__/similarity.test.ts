import { describe, expect, it } from 'vitest';
import { editDistance, jaroWinkler, tokenOverlap } from '../similarity.ts';

describe('jaroWinkler', () => {
  it.each([
    ['martha', 'marhta', 0.961],
    ['dwayne', 'duane', 0.84],
    ['dixon', 'dicksonx', 0.813],
    ['abc', 'abc', 1],
    ['', 'abc', 0],
    ['abc', 'xyz', 0],
  ])('%s ~ %s = %f', (a, b, expected) => {
    expect(jaroWinkler(a, b)).toBeCloseTo(expected, 3);
  });

  it('is symmetric', () => {
    expect(jaroWinkler('张伟明', '张明伟')).toBeCloseTo(jaroWinkler('张明伟', '张伟明'), 10);
  });
});

describe('editDistance', () => {
  it.each([
    ['', '', 3, 0],
    ['abc', 'abc', 3, 0],
    ['1804974', '1809474', 1, 1], // neighbours swapped
    ['1804974', '1804975', 1, 1], // substitution
    ['180497', '1804974', 1, 1], // insertion
    ['1804974', '1904975', 1, 2], // two edits, capped at max + 1
    ['kitten', 'sitting', 3, 3],
    ['kitten', 'sitting', 2, 3],
    ['abcdef', 'ab', 3, 4],
    ['罗丽刚', '罗涛刚', 1, 1],
  ])('%s → %s (max %i) = %i', (a, b, max, expected) => {
    expect(editDistance(a, b, max)).toBe(expected);
  });
});

describe('tokenOverlap', () => {
  it.each([
    [['a', 'b'], ['a', 'b'], 1],
    [['a', 'b'], ['a', 'c'], 1 / 3],
    [[], ['a'], 0],
  ])('%j ∩ %j', (a, b, expected) => {
    expect(tokenOverlap(a, b)).toBeCloseTo(expected, 10);
  });
});
