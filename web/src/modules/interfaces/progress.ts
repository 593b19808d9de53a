import type { Load, Report } from './api.ts';

/**
 * A load as shown to its watcher: never behind what was shown before. Each poll is the server's estimate at that
 * moment; the projected total (records to resolve, from the share of the file written) and the bar built on it can
 * dip when a batch hands over more records than the ones before, and polls may answer out of order. Counts only grow
 * while a load runs, so the highest seen is the truth or the newer one.
 * @example forwardLoad(prev, next).progress >= prev.progress // for the same load
 */
export function forwardLoad(prev: Load | null | undefined, next: Load): Load {
  if (!prev || prev.id !== next.id) return { ...next, resolution: { ...next.resolution, expected: Math.max(next.resolution.expected ?? 0, next.resolution.total) } };
  const report = Object.fromEntries(Object.entries(next.report).map(([k, v]) => [k, Math.max(Number(v ?? 0), Number(prev.report[k as keyof Report] ?? 0))])) as Report;
  const done = Math.max(next.resolution.done, prev.resolution.done);
  const total = Math.max(next.resolution.total, prev.resolution.total);
  const expected = Math.max(next.resolution.expected ?? 0, prev.resolution.expected ?? 0, total);
  return { ...next, progress: Math.max(next.progress, prev.progress), report, resolution: { done, total, expected } };
}
