import { describe, expect, it } from 'vitest';
import { forwardProgress, progressLine, type ShownProgress } from '../import.ts';

const poll = (progress: number, read: number, done: number, total: number, expected: number) =>
  ({ progress, report: { read, rejected: 0 }, resolution: { done, total, expected } });

describe('banyan import progress line', () => {
  it('never steps back while the load runs, and gives the projected total of the whole load', () => {
    // The server's estimate dips when a batch hands over more records than the ones before; an older answer arrives late.
    const polls = [poll(0.3, 100, 90, 100, 700), poll(0.26, 125, 90, 400, 1600), poll(0.28, 110, 95, 120, 690), poll(0.5, 300, 300, 400, 1500)];
    let shown: ShownProgress | null = null;
    const lines = polls.map((p) => progressLine(shown = forwardProgress(shown, p)));
    expect(lines).toEqual([
      '  30.0%  100 rows read, 0 rejected, 90 of 700 resolved into customers',
      '  30.0%  125 rows read, 0 rejected, 90 of 1600 resolved into customers',
      '  30.0%  125 rows read, 0 rejected, 95 of 1600 resolved into customers',
      '  50.0%  300 rows read, 0 rejected, 300 of 1600 resolved into customers',
    ]);
  });
});
