import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import iconv from 'iconv-lite';
import { afterAll, describe, expect, it } from 'vitest';
import { generateCnRecords } from '../../engines/matching/synthetic.ts';

// `banyan match` as an evaluator runs it: a fresh process, worker threads, CSV in, clusters and review pairs out.
const root = path.resolve(import.meta.dirname, '../..');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'banyan-match-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function match(args: string[]) {
  return spawnSync(process.execPath, [path.join(root, 'cli/banyan.mjs'), 'match', '--quiet', ...args], { encoding: 'utf8' });
}

function clustersOf(file: string): Map<string, string> {
  const [header, ...lines] = fs.readFileSync(file, 'utf8').trim().split('\n');
  expect(header).toBe('record_id,cluster_id');
  return new Map(lines.map((l) => l.split(',') as [string, string]));
}

describe('banyan match', { timeout: 120_000 }, () => {
  it('clusters every record of a generated extract, without false merges, on both worker threads', () => {
    const { header, lines, entities } = generateCnRecords(4000, 11);
    const input = path.join(dir, 'records.csv');
    // CRLF line endings and no final newline, as some extracts come.
    fs.writeFileSync(input, [header, ...lines].join('\r\n'));
    const out = path.join(dir, 'clusters.csv');
    const review = path.join(dir, 'review.csv');
    const r = match(['--in', input, '--out', out, '--review-out', review, '--workers', '2']);
    expect(r.status, r.stderr).toBe(0);

    const cluster = clustersOf(out);
    const ids = lines.map((l) => l.slice(0, l.indexOf(',')));
    expect(cluster.size).toBe(ids.length);
    // Pairwise: every pair put together must be one entity; most true pairs are found.
    const members = new Map<string, number[]>();
    ids.forEach((id, i) => members.set(cluster.get(id)!, [...(members.get(cluster.get(id)!) ?? []), i]));
    let together = 0;
    let wrong = 0;
    for (const m of members.values()) {
      for (let a = 0; a < m.length; a++) for (let b = a + 1; b < m.length; b++) (entities[m[a]!] === entities[m[b]!] ? together++ : wrong++);
    }
    const byEntity = new Map<string, number>();
    for (const e of entities) byEntity.set(e, (byEntity.get(e) ?? 0) + 1);
    const truePairs = [...byEntity.values()].reduce((s, k) => s + (k * (k - 1)) / 2, 0);
    expect(wrong).toBe(0);
    expect(together / truePairs).toBeGreaterThan(0.9);
    expect(fs.readFileSync(review, 'utf8').split('\n')[0]).toBe('record_a,record_b,score,probability,reason');
  });

  it('refuses an input without the canonical columns, naming them', () => {
    const input = path.join(dir, 'bad.csv');
    fs.writeFileSync(input, 'id,name\n1,张伟\n');
    const r = match(['--in', input, '--out', path.join(dir, 'x.csv')]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/missing column\(s\): record_id, kind/);
  });

  it('reads a GBK extract as the import does: the same clusters as its UTF-8 twin, with a note; no NaN prior on a small input', () => {
    const { header, lines } = generateCnRecords(300, 5);
    const utf8 = path.join(dir, 'small-utf8.csv');
    const gbk = path.join(dir, 'small-gbk.csv');
    fs.writeFileSync(utf8, [header, ...lines].join('\n'));
    fs.writeFileSync(gbk, iconv.encode([header, ...lines].join('\n'), 'gb18030'));
    const [o1, o2] = [path.join(dir, 'c-utf8.csv'), path.join(dir, 'c-gbk.csv')];
    expect(match(['--in', utf8, '--out', o1]).status).toBe(0);
    const r = spawnSync(process.execPath, [path.join(root, 'cli/banyan.mjs'), 'match', '--in', gbk, '--out', o2], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/read as GB18030/);
    expect(r.stderr).not.toMatch(/NaN/);
    expect([...clustersOf(o2)]).toEqual([...clustersOf(o1)]);
  });

  it('says XLSX and JSON lines are not supported instead of "missing columns"', () => {
    for (const ext of ['xlsx', 'jsonl']) {
      const input = path.join(dir, `in.${ext}`);
      fs.writeFileSync(input, 'record_id,kind\n1,person\n');
      const r = match(['--in', input, '--out', path.join(dir, 'x.csv')]);
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(/not supported; banyan match reads CSV only/);
      expect(r.stderr).not.toMatch(/missing column/);
    }
  });

  it('refuses duplicate record ids, naming them', () => {
    const input = path.join(dir, 'dup.csv');
    fs.writeFileSync(input, 'record_id,source,kind,name\nA1,core,person,张伟\nA2,core,person,李娜\nA1,card,person,张伟\n');
    const r = match(['--in', input, '--out', path.join(dir, 'x.csv')]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/duplicate record_id: "A1"/);
  });
});
