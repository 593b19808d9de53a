import { describe, expect, it } from 'vitest';
import type { Load } from '../api.ts';
import { forwardLoad } from '../progress.ts';

const load = (id: number, progress: number, read: number, done: number, total: number, expected: number): Load => ({
  id, interfaceId: 1, sourceCode: 'CORE', mappingVersion: 1, trigger: 'upload', status: 'running', fileName: 'a.csv', fileSize: 1000, format: 'csv', encoding: 'utf8',
  bytesDone: 0, progress, report: { read, accepted: read, rejected: 0, new: read, changed: 0, unchanged: 0, duplicates: 0 },
  resolution: { done, total, expected }, checkpointRow: read, batches: 1, watermarkFrom: null, watermarkTo: null, error: null, integrationError: null,
  createdBy: null, createdAt: '', startedAt: null, finishedAt: null,
} as Load);

describe('a load as its progress panel shows it', () => {
  it('never steps back: not its bar, its counts nor its projected total, whatever the polls answer', () => {
    // A batch that hands over many records lowers the server's estimate of the bar; an older poll answers late.
    const polls = [load(7, 0.3, 100, 90, 100, 700), load(7, 0.26, 125, 90, 400, 1600), load(7, 0.28, 110, 95, 120, 690), load(7, 0.5, 300, 300, 400, 1500)];
    let shown: Load | null = null;
    const seen: Load[] = [];
    for (const p of polls) seen.push(shown = forwardLoad(shown, p));
    for (let i = 1; i < seen.length; i++) {
      expect(seen[i]!.progress).toBeGreaterThanOrEqual(seen[i - 1]!.progress);
      expect(seen[i]!.report.read).toBeGreaterThanOrEqual(seen[i - 1]!.report.read);
      expect(seen[i]!.resolution.done).toBeGreaterThanOrEqual(seen[i - 1]!.resolution.done);
      expect(seen[i]!.resolution.expected!).toBeGreaterThanOrEqual(seen[i - 1]!.resolution.expected!);
    }
    expect(seen.map((l) => l.progress)).toEqual([0.3, 0.3, 0.3, 0.5]);
    expect(seen.map((l) => l.report.read)).toEqual([100, 125, 125, 300]);
    expect(seen.map((l) => l.resolution.expected)).toEqual([700, 1600, 1600, 1600]);
  });
  it('starts afresh for another load, and never shows a total below what is already handed over', () => {
    const a = forwardLoad(null, load(7, 0.9, 900, 900, 900, 900));
    const b = forwardLoad(a, load(8, 0.1, 10, 0, 50, 0));
    expect(b.progress).toBe(0.1);
    expect(b.report.read).toBe(10);
    expect(b.resolution.expected).toBe(50);
  });
});
