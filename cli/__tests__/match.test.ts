import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import iconv from 'iconv-lite';
import { afterAll, describe, expect, it } from 'vitest';
import { makeResidentId } from '../../engines/identity/index.ts';
import { generateCnRecords } from '../../engines/matching/synthetic.ts';
import { splitLine } from '../match-io.ts';

// `banyan match` as an evaluator runs it: a fresh process, worker threads, CSV in, clusters and review pairs out.
const root = path.resolve(import.meta.dirname, '../..');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'banyan-match-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function match(args: string[]) {
  return spawnSync(process.execPath, [path.join(root, 'cli/banyan.mjs'), 'match', '--quiet', ...args], { encoding: 'utf8' });
}

/** The rows of an output CSV (its ids hold no newline), fields unquoted. */
function rowsOf(file: string): string[][] {
  return fs.readFileSync(file, 'utf8').trim().split('\n').map((l) => splitLine(l, 'cn-bank'));
}

function clustersOf(file: string): Map<string, string> {
  const [header, ...rows] = rowsOf(file);
  expect(header!.join(',')).toBe('record_id,cluster_id');
  return new Map(rows.map((r) => r as [string, string]));
}

/** Record ids grouped by cluster, as sorted lists: comparable whatever record names the cluster. */
function groupsOf(clusters: Map<string, string>): string[] {
  const groups = new Map<string, string[]>();
  for (const [id, c] of clusters) groups.set(c, [...(groups.get(c) ?? []), id]);
  return [...groups.values()].map((g) => g.sort().join(' ')).sort();
}

const H = 'record_id,source,kind,name,id_type,id_no,mobile,email,birth_date,gender,address,employer,legal_rep';

/** A stack trace's line: what the user must never see for bad input. */
const STACK = /^\s+at /m;

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
    expect(fs.readFileSync(review, 'utf8').split('\n')[0]).toBe('record_a,record_b,score,probability,reason,evidence');
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

  it('reads kind case-insensitively and in Chinese (机构/企业/对公/公司, 个人/对私); refuses an unknown kind naming the record', () => {
    const { header, lines } = generateCnRecords(600, 3);
    const plain = path.join(dir, 'kinds-plain.csv');
    const mixed = path.join(dir, 'kinds-mixed.csv');
    fs.writeFileSync(plain, [header, ...lines].join('\n'));
    const kinds = { org: ['org', 'ORG', 'Org', '机构', '企业', '对公', '公司'], person: ['person', 'PERSON', 'Person', '个人', '对私'] };
    const relabel = (l: string, k: number) => {
      const f = l.split(',');
      const values = kinds[f[2] as 'org' | 'person'];
      f[2] = values[k % values.length]!;
      return f.join(',');
    };
    fs.writeFileSync(mixed, [header, ...lines.map(relabel)].join('\n'));
    const [o1, o2] = [path.join(dir, 'kinds-plain-out.csv'), path.join(dir, 'kinds-mixed-out.csv')];
    expect(match(['--in', plain, '--out', o1]).status).toBe(0);
    const r = match(['--in', mixed, '--out', o2]);
    expect(r.status, r.stderr).toBe(0);
    const orgIds = new Set(lines.filter((l) => l.split(',')[2] === 'org').map((l) => l.split(',')[0]!));
    // Some org records are merged, so a kind read wrongly would show.
    expect(groupsOf(clustersOf(o1)).some((g) => g.includes(' ') && orgIds.has(g.split(' ')[0]!))).toBe(true);
    expect(groupsOf(clustersOf(o2))).toEqual(groupsOf(clustersOf(o1)));

    const bad = path.join(dir, 'kinds-bad.csv');
    fs.writeFileSync(bad, `${H}\nK1,core,person,张伟,,,,,,,,,\nK2,core,xyz,李娜,,,,,,,,,\n`);
    const e = match(['--in', bad, '--out', path.join(dir, 'x.csv')]);
    expect(e.status).toBe(1);
    expect(e.stderr).toMatch(/record "K2": kind "xyz" is not one of person, org, 个人, 对私, 机构, 企业, 对公, 公司/);
    expect(e.stderr).toMatch(/记录 "K2"/);
    expect(e.stderr).not.toMatch(STACK);
  });

  it('never puts two valid resident IDs differing only in the century into one cluster (the guard compares them whole)', () => {
    const { header, lines } = generateCnRecords(600, 5);
    const home = '北京市东城区东四十条8号3栋101室';
    const file = path.join(dir, 'century.csv');
    fs.writeFileSync(file, [header, ...lines,
      `C1,core_savings,person,马明远,ID_CARD,${makeResidentId('110101', '19200101', '011')},13911112222,,,M,${home},,`,
      `C2,credit_card,person,马明远,,,13911112222,,,M,${home},,`,
      `C3,wealth,person,马明远,ID_CARD,${makeResidentId('110101', '20200101', '011')},13911112222,,,M,${home},,`,
    ].join('\n'));
    const out = path.join(dir, 'century-out.csv');
    const r = match(['--in', file, '--out', out]);
    expect(r.status, r.stderr).toBe(0);
    const c = clustersOf(out);
    expect(c.get('C1')).not.toBe(c.get('C3'));
  });

  it('takes record_id from its column wherever it stands, and refuses an empty one naming the line', () => {
    const { header, lines } = generateCnRecords(300, 5);
    // name,source,kind,record_id,… : the record_id column moved.
    const swap = (l: string) => {
      const f = l.split(',');
      [f[0], f[3]] = [f[3]!, f[0]!];
      return f.join(',');
    };
    const first = path.join(dir, 'id-first.csv');
    const moved = path.join(dir, 'id-moved.csv');
    fs.writeFileSync(first, [header, ...lines].join('\n'));
    fs.writeFileSync(moved, [header, ...lines].map(swap).join('\n'));
    const [o1, o2] = [path.join(dir, 'id-first-out.csv'), path.join(dir, 'id-moved-out.csv')];
    expect(match(['--in', first, '--out', o1]).status).toBe(0);
    const r = match(['--in', moved, '--out', o2]);
    expect(r.status, r.stderr).toBe(0);
    expect([...clustersOf(o2)]).toEqual([...clustersOf(o1)]);

    for (const body of ['E1,core,person,张伟\n,core,person,李娜\n', 'E1,core,person,张伟\n   \nE2,core,person,李娜\n']) {
      const input = path.join(dir, 'id-empty.csv');
      fs.writeFileSync(input, `record_id,source,kind,name\n${body}`);
      const e = match(['--in', input, '--out', path.join(dir, 'x.csv')]);
      expect(e.status).toBe(1);
      expect(e.stderr).toContain(`${input}, line 3: empty record_id`);
      expect(e.stderr).toContain('第 3 行：record_id 为空');
    }
  });

  it('reads RFC 4180 quotes (a newline inside quotes is part of the field) and writes ids CSV-quoted: one output row per record', () => {
    const input = path.join(dir, 'quoted.csv');
    fs.writeFileSync(input, [
      H,
      'R1,core,person,张伟,ID_CARD,11010519491231002X,13800000000,,1949-12-31,M,"北京市朝阳区\n建国路1号",,',
      '"R2",card,person,李娜,,,13900000000,,,,"上海市\r\n浦东新区",,',
      '"Q,1",card,person,张伟,ID_CARD,11010519491231002X,13800000000,,1949-12-31,M,"北京市朝阳区\n建国路1号",,',
      '"say ""hi""",core,person,王芳,,,,,,,,,',
      // A " inside an unquoted field is text: these two records stay two.
      'T1,core,person,张"伟,,,,,,,,,',
      'T2,core,person,李娜,,,,,,,5" 号,,',
    ].join('\r\n'));
    const out = path.join(dir, 'quoted-out.csv');
    const r = match(['--in', input, '--out', out]);
    expect(r.status, r.stderr).toBe(0);
    expect(fs.readFileSync(out, 'utf8')).toBe('record_id,cluster_id\nR1,R1\nR2,R2\n"Q,1",R1\n"say ""hi""","say ""hi"""\nT1,T1\nT2,T2\n');

    const open = path.join(dir, 'open-quote.csv');
    fs.writeFileSync(open, `${H}\nR1,core,person,张伟,,,,,,,,,\nR2,core,person,"李娜,,,,,,,,,\nR3,core,person,王芳,,,,,,,,,\n`);
    const e = match(['--in', open, '--out', path.join(dir, 'x.csv')]);
    expect(e.status).toBe(1);
    expect(e.stderr).toContain(`${open}, line 3: a quoted field is never closed`);
  });

  it('explains every review pair (evidence: level and weight per comparison) and CSV-quotes its ids', () => {
    const { header, lines } = generateCnRecords(4000, 11);
    const input = path.join(dir, 'evidence.csv');
    const review = path.join(dir, 'evidence-review.csv');
    fs.writeFileSync(input, [header, ...lines].join('\n'));
    expect(match(['--in', input, '--out', path.join(dir, 'x.csv'), '--review-out', review]).status).toBe(0);
    const [head, ...pairs] = rowsOf(review);
    expect(head).toEqual(['record_a', 'record_b', 'score', 'probability', 'reason', 'evidence']);
    expect(pairs.length).toBeGreaterThan(0);
    for (const p of pairs) {
      expect(p).toHaveLength(6);
      expect(p[5]).toMatch(/^[a-z_]+=[a-z-]+(\([+-]\d+\.\d\))?(; [a-z_]+=[a-z-]+(\([+-]\d+\.\d\))?)*$/);
      expect(p[5]).toMatch(/\([+-]\d+\.\d\)/);
    }
    // An id with a comma and a quote in such a pair comes out quoted, as CSV has it.
    const id = pairs[0]![0]!;
    const renamed = path.join(dir, 'evidence-renamed.csv');
    fs.writeFileSync(renamed, [header, ...lines.map((l) => (l.startsWith(`${id},`) ? `"${id},x""y"${l.slice(id.length)}` : l))].join('\n'));
    expect(match(['--in', renamed, '--out', path.join(dir, 'x.csv'), '--review-out', review]).status).toBe(0);
    expect(fs.readFileSync(review, 'utf8')).toContain(`\n"${id},x""y",`);
    expect(rowsOf(review).some((p) => p[0] === `${id},x"y`)).toBe(true);
  });

  it('says in its help that --link-only and --unique-per-source act on the source column', () => {
    const r = match(['--help']);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/--link-only +pairs only between records of different sources/);
    expect(r.stdout).toMatch(/--unique-per-source +at most one record of each source per cluster/);
    expect(r.stdout).toMatch(/A record's source is its source column/);
    expect(r.stdout).not.toMatch(/across inputs|of each input/);
  });

  it('refuses a bad --model file up front, naming it and what is wrong, in both languages and without a stack', () => {
    const input = path.join(dir, 'model-in.csv');
    fs.writeFileSync(input, `${H}\nM1,core,person,张伟,,,,,,,,,\n`);
    const model = path.join(dir, 'model.json');
    const febrl = path.join(dir, 'febrl-model.json');
    const febrlIn = path.join(dir, 'model-febrl.csv');
    fs.writeFileSync(febrlIn, 'rec_id, given_name, surname, street_number, address_1, address_2, suburb, postcode, state, date_of_birth, soc_sec_id\nrec-1-org, a, b, 1, c, d, e, 2000, nsw, 19900101, 1\n');
    expect(match(['--in', febrlIn, '--out', path.join(dir, 'x.csv'), '--preset', 'febrl', '--model-out', febrl]).status).toBe(0);
    // A model of this preset, as --model-out writes it, is accepted.
    expect(match(['--in', input, '--out', path.join(dir, 'x.csv'), '--model-out', model]).status).toBe(0);
    expect(match(['--in', input, '--out', path.join(dir, 'x.csv'), '--model', model]).status).toBe(0);
    const good = JSON.parse(fs.readFileSync(model, 'utf8'));
    type C = { name: string; levels: Array<Record<string, unknown>> };
    const withComparisons = (f: (cs: C[]) => C[]) => JSON.stringify({ ...good, comparisons: f(good.comparisons) });
    const cases: Array<[string, string, RegExp]> = [
      ['broken.json', '{"preset": "cn-bank",', /is not valid JSON/],
      ['empty.json', '{}', /preset must be cn-bank or febrl/],
      ['unknown.json', withComparisons((cs) => cs.map((c, i) => (i === 1 ? { ...c, name: 'cn.nickname' } : c))), /comparisons\[1\]: unknown comparison cn\.nickname\/person; the cn-bank comparisons are cn\.id\/person, /],
      ['missing.json', withComparisons((cs) => cs.slice(1)), /comparisons lack cn\.id\/person/],
      ['threshold.json', JSON.stringify({ ...good, matchThreshold: '0.999' }), /matchThreshold must be a probability between 0 and 1/],
      ['levels.json', withComparisons((cs) => cs.map((c, i) => (i === 0 ? { ...c, levels: c.levels.slice(1) } : c))), /comparisons\[0\] \(cn\.id\/person\): levels must be a list of 5 levels/],
      ['m.json', withComparisons((cs) => cs.map((c, i) => (i === 0 ? { ...c, levels: c.levels.map((l) => ({ ...l, m: 'high' })) } : c))), /comparisons\[0\]\.levels\[0\] must have a label and m and u/],
    ];
    for (const [name, text, why] of cases) {
      const file = path.join(dir, name);
      fs.writeFileSync(file, text);
      const r = match(['--in', input, '--out', path.join(dir, 'x.csv'), '--model', file]);
      expect(r.status, name).toBe(1);
      expect(r.stderr).toContain(`--model ${file}`);
      expect(r.stderr).toMatch(why);
      expect(r.stderr, name).toMatch(/（--model .*）/);
      expect(r.stderr).not.toMatch(STACK);
    }
    const other = match(['--in', input, '--out', path.join(dir, 'x.csv'), '--model', febrl]);
    expect(other.status).toBe(1);
    expect(other.stderr).toContain(`--model ${febrl}: a model of preset febrl, but this run's --preset is cn-bank`);
  });

  it('names a missing or folder input, and a --source-order source not in the input (listing those found), in both languages', () => {
    const none = path.join(dir, 'no-such.csv');
    const missing = match(['--in', none, '--out', path.join(dir, 'x.csv')]);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toContain(`--in ${none}: no such file（--in ${none}：文件不存在）`);
    const folder = match(['--in', dir, '--out', path.join(dir, 'x.csv')]);
    expect(folder.status).toBe(1);
    expect(folder.stderr).toContain(`--in ${dir} is a folder, not a file（`);
    expect(folder.stderr).not.toMatch(STACK);

    const input = path.join(dir, 'sources.csv');
    fs.writeFileSync(input, `${H}\nS1,core,person,张伟,,,13800000000,,,,,,\nS2,card,person,张伟,,,13800000000,,,,,,\n`);
    const order = match(['--in', input, '--out', path.join(dir, 'x.csv'), '--source-order', 'core,crm']);
    expect(order.status).toBe(1);
    expect(order.stderr).toContain('--source-order names "crm", not a source of the input; the sources are "core", "card"');
    expect(order.stderr).toContain('（--source-order 中的 "crm"');
    const rank = match(['--in', input, '--out', path.join(dir, 'x.csv'), '--source-rank', 'crm,core']);
    expect(rank.status, rank.stderr).toBe(0);
    expect(rank.stderr).toMatch(/warning: --source-rank names "crm", not a source of the input/);
  });

  it('refuses an output path it cannot write before any work, even as root (/sys, /proc), and leaves nothing behind', () => {
    const input = path.join(dir, 'w.csv');
    fs.writeFileSync(input, `${H}\nW1,core,person,张伟,,,,,,,,,\n`);
    const out = path.join(dir, 'w-out.csv');
    for (const bad of ['/sys/banyan-x.csv', '/proc/banyan-x.csv']) {
      const r = match(['--in', input, '--out', out, '--review-out', bad]);
      expect(r.status).toBe(1);
      expect(r.stderr).toContain(`--review-out ${bad} cannot be written (`);
      expect(r.stderr).toContain(`（--review-out ${bad} 无法写入`);
      // Refused before the matching: --out, checked first, is neither left behind nor written.
      expect(fs.existsSync(out)).toBe(false);
    }
    // An existing output is not truncated by the check.
    fs.writeFileSync(out, 'keep');
    expect(match(['--in', input, '--out', out, '--review-out', '/sys/banyan-x.csv']).status).toBe(1);
    expect(fs.readFileSync(out, 'utf8')).toBe('keep');
  });
});
