import { describe, expect, it } from 'vitest';
import { differsFromBrowser, formatDateTimeIn } from '../format.ts';

describe('formatDateTimeIn', () => {
  it("reads a moment on the bank's clock, whatever the browser's", () => {
    expect(formatDateTimeIn('2026-12-07T18:23:16.071Z', 'Asia/Shanghai')).toBe('2026-12-08 02:23:16');
    expect(formatDateTimeIn('2026-07-01T00:00:00Z', 'Europe/London')).toBe('2026-07-01 01:00:00');
    expect(formatDateTimeIn('2026-12-07T16:00:00Z', 'Asia/Shanghai')).toBe('2026-12-08 00:00:00');
    expect(formatDateTimeIn(null, 'Asia/Shanghai')).toBe('—');
  });
  it('names the zone only where the clocks differ', () => {
    const at = new Date('2026-12-07T18:23:16Z');
    expect(differsFromBrowser('Asia/Shanghai', at, 'Europe/Berlin')).toBe(true);
    expect(differsFromBrowser('Asia/Shanghai', at, 'Asia/Shanghai')).toBe(false);
    expect(differsFromBrowser('Asia/Shanghai', at, 'Asia/Chongqing')).toBe(false);
  });
});
