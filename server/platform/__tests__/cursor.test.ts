import { describe, expect, it } from 'vitest';
import { badCursor, isCursorInteger, isTimestamptzText } from '../cursor.ts';

describe('cursor values', () => {
  it.each([
    ['2024-02-29 00:00:00+00', true],
    ['2024-02-29 23:59:59.123456+08', true],
    ['2026-12-07 21:00:00-05:30', true],
    ['2024-02-30 00:00:00+00', false],
    ['2023-02-29 00:00:00+00', false],
    ['2024-04-31 00:00:00+00', false],
    ['2024-13-01 00:00:00+00', false],
    ['2024-01-01 24:00:01+00', false],
    ['2024-01-01 00:60:00+00', false],
    ['2024-01-01 00:00:00+16', false],
    ['0000-01-01 00:00:00+00', false],
    ['2024-01-01T00:00:00Z', false],
    [20240101, false],
  ])('%s is a real timestamptz: %s', (text, ok) => {
    expect(isTimestamptzText(text)).toBe(ok);
  });

  it('takes safe integers only', () => {
    expect(isCursorInteger(1)).toBe(true);
    expect(isCursorInteger(2 ** 53)).toBe(false);
    expect(isCursorInteger(1.5)).toBe(false);
    expect(isCursorInteger('1')).toBe(false);
    expect(isCursorInteger(7, 0, 5)).toBe(false);
  });

  it('names the field and the rule cursor', () => {
    expect(badCursor().fields).toEqual([expect.objectContaining({ field: 'before', rule: 'cursor' })]);
    expect(badCursor().status).toBe(400);
  });
});
