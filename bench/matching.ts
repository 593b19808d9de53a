/**
 * `npm run bench -- matching`: accuracy of `banyan match` on cn-dev, febrl3 and febrl4 (pairwise, sure
 * matches only, against the truth), and the time and peak memory of clustering 1,000,000 synthetic
 * records shaped like cn-dev. Every figure is printed with its target and the ratio to it.
 * Options (environment): BENCH_RUNS (1M-record runs, default 3), BENCH_RECORDS (default 1000000),
 * BENCH_SKIP_SPEED=1, BENCH_SKIP_ACCURACY=1.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { writeSynthetic } from './matching-gen.ts';
import { febrlTruth, pairwiseScores, readAssignment } from './matching-score.ts';

const root = path.resolve(import.meta.dirname, '..');
const data = process.env.BANYAN_ER_DATA ?? path.resolve(root, '../shared/data/er');
const work = path.join(root, 'bench/.data');
fs.mkdirSync(work, { recursive: true });
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const RECORDS = Number(process.env.BENCH_RECORDS ?? 1_000_000);
const haveTime = fs.existsSync('/usr/bin/time');

type Run = { wall: number; rss: number | null; cpu: number | null; stderr: string };

/** Runs `banyan match` in a fresh process; peak RSS and CPU from /usr/bin/time -v when present. */
function match(args: string[]): Run {
  const cmd = [process.execPath, path.join(root, 'cli/banyan.mjs'), 'match', ...args];
  const t0 = performance.now();
  const r = haveTime ? spawnSync('/usr/bin/time', ['-v', ...cmd], { encoding: 'utf8' }) : spawnSync(cmd[0]!, cmd.slice(1), { encoding: 'utf8' });
  const wall = (performance.now() - t0) / 1000;
  if (r.status !== 0) throw new Error(`banyan match failed (${r.status}):\n${r.stderr}`);
  const num = (re: RegExp) => {
    const m = re.exec(r.stderr);
    return m ? Number(m[1]) : null;
  };
  const rssKb = num(/Maximum resident set size \(kbytes\): (\d+)/);
  const user = num(/User time \(seconds\): ([\d.]+)/);
  const sys = num(/System time \(seconds\): ([\d.]+)/);
  const own = num(/peak RSS (\d+) MB/);
  return { wall, rss: rssKb !== null ? rssKb / 1024 : own, cpu: user !== null && sys !== null ? user + sys : null, stderr: r.stderr };
}

const fmt = (x: number, d = 4) => x.toFixed(d);
const line = (label: string, value: string, target: number | undefined, ok: boolean, note = '') =>
  console.log(`  ${label.padEnd(12)} ${value.padEnd(8)}${target === undefined ? '' : ` (target ≥ ${target}${note}: ${(Number(value) / target).toFixed(4)}× — ${ok ? 'met' : 'NOT MET'})`}`);

if (!process.env.BENCH_SKIP_ACCURACY) {
  console.log('Accuracy — pairwise, sure-match zone only (a record missing from the output is a singleton)');
  console.log('Parameters: u from 200,000 random non-candidate pairs per kind and the blocked pairs EM takes for non-matches, m by EM per blocking rule (no labels), prior by EM over');
  console.log('all blocked pairs; thresholds fixed a priori for every data set: sure match at posterior ≥ 0.999, review ≥ 0.5.');
  console.log('The truth files are read only here, to measure.\n');
  const sets = [
    { name: 'cn-dev', args: ['--in', path.join(data, 'cn-dev/records.csv')], truth: () => readAssignment(path.join(data, 'cn-dev/truth.csv')), group: undefined, targets: { precision: 0.999, recall: 0.99 } },
    { name: 'febrl3', args: ['--preset', 'febrl', '--in', path.join(data, 'febrl3.csv')], truth: () => febrlTruth([path.join(data, 'febrl3.csv')]), group: undefined, targets: { f1: 0.995 } },
    {
      name: 'febrl4', args: ['--preset', 'febrl', '--in', path.join(data, 'febrl4a.csv'), '--in', path.join(data, 'febrl4b.csv')],
      truth: () => febrlTruth([path.join(data, 'febrl4a.csv'), path.join(data, 'febrl4b.csv')]),
      // Linkage: only pairs across the two files count (each file has no internal duplicates).
      group: (id: string) => (fileOf.get(id) ?? ''), targets: { f1: 0.999 },
    },
  ] as const;
  const fileOf = new Map<string, string>();
  for (const f of ['febrl4a.csv', 'febrl4b.csv']) {
    for (const l of fs.readFileSync(path.join(data, f), 'utf8').split('\n').slice(1)) {
      const id = l.split(',')[0]!.trim();
      if (id) fileOf.set(id, f);
    }
  }
  for (const set of sets) {
    const out = path.join(work, `match-${set.name}.csv`);
    const run = match([...set.args, '--out', out, '--review-out', path.join(work, `match-${set.name}-review.csv`), '--quiet']);
    const s = pairwiseScores(readAssignment(out), set.truth(), set.group);
    console.log(`${set.name}: ${s.predictedPairs} pairs merged, ${s.tp} correct, ${s.truePairs} true pairs; ${fmt(run.wall, 1)} s`);
    const t = set.targets as { precision?: number; recall?: number; f1?: number };
    line('precision', fmt(s.precision), t.precision, s.precision >= (t.precision ?? 0));
    line('recall', fmt(s.recall), t.recall, s.recall >= (t.recall ?? 0));
    line('F1', fmt(s.f1), t.f1, s.f1 >= (t.f1 ?? 0), set.name === 'febrl3' ? '; Splink 0.9929' : set.name === 'febrl4' ? '; Splink 0.9992' : '');
  }
  console.log('');
}

if (!process.env.BENCH_SKIP_SPEED) {
  const file = path.join(work, `matching-${RECORDS}.csv`);
  const truthFile = path.join(work, `matching-${RECORDS}-truth.csv`);
  if (!fs.existsSync(file) || !fs.existsSync(truthFile)) {
    console.log(`generating ${RECORDS} synthetic records like cn-dev (seed 7) …`);
    writeSynthetic(RECORDS, 7, file, truthFile);
  }
  console.log(`Speed — banyan match on ${RECORDS} records, ${os.availableParallelism()} cores (shared: load average shown per run)`);
  const runs: Run[] = [];
  for (let i = 0; i < RUNS; i++) {
    const load = os.loadavg()[0]!.toFixed(1);
    const out = path.join(work, 'match-speed.csv');
    const r = match(['--in', file, '--out', out]);
    runs.push(r);
    console.log(`  run ${i + 1}: ${fmt(r.wall, 1)} s wall, ${r.cpu === null ? '?' : fmt(r.cpu, 1)} s CPU, peak RSS ${r.rss === null ? '?' : r.rss.toFixed(0)} MB (load average before: ${load})`);
    if (i === RUNS - 1) {
      console.log(r.stderr.split('\n').filter((l) => l.startsWith('  ')).join('\n'));
      const s = pairwiseScores(readAssignment(out), readAssignment(truthFile));
      console.log(`  accuracy on the synthetic records (not tuned on): precision ${fmt(s.precision)}, recall ${fmt(s.recall)}, F1 ${fmt(s.f1)}`);
    }
  }
  const best = Math.min(...runs.map((r) => r.wall));
  const median = runs.map((r) => r.wall).sort((a, b) => a - b)[Math.floor(runs.length / 2)]!;
  const rss = Math.max(...runs.map((r) => r.rss ?? 0));
  console.log(`  time         best ${fmt(best, 1)} s, median ${fmt(median, 1)} s (target ≤ 20 s: best is ${fmt(best / 20, 2)}× the limit) ${best <= 20 ? 'met' : 'NOT MET'}`);
  console.log(`  memory       peak RSS ${rss.toFixed(0)} MB (target ≤ 2048 MB: ${fmt(rss / 2048, 2)}× the limit) ${rss <= 2048 ? 'met' : 'NOT MET'}`);
}
