/**
 * `npm run bench -- import`: a 1,000,000-row source extract (columns as data/er/cn-dev/records.csv, formats
 * varied as source systems keep them, ~1 % bad rows) loaded through mapping and validation into
 * `source_record`, against the database's own limit measured in the same run: a raw `COPY` of the same
 * file into an unconstrained table of text columns. Options (environment): BENCH_ROWS (default 1000000),
 * BENCH_BATCH (rows per batch, default the loader's); DATABASE_URL picks the server (otherwise an embedded
 * PostgreSQL under bench/.data/). The scratch database is dropped at the end.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Readable, Writable } from 'node:stream';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';
import { createDb } from '../server/db/database.ts';
import { startEmbedded } from '../server/db/embedded.ts';
import { migrateToLatest } from '../server/db/migrate.ts';
import { SYSTEM_ACTOR } from '../server/platform/audit.ts';
import * as service from '../server/modules/interfaces/interfaces.service.ts';
import { DEFAULT_BATCH_ROWS } from '../server/modules/interfaces/interfaces.loader.ts';
import { LOAD_COLUMNS } from '../server/modules/interfaces/interfaces.batches.ts';
import { makeResidentId, makeUscc } from '../engines/identity/index.ts';
import { adminQuery, withDatabase } from './lib.ts';

const ROWS = Number(process.env.BENCH_ROWS ?? 1_000_000);
const BATCH = Number(process.env.BENCH_BATCH ?? DEFAULT_BATCH_ROWS);
const root = path.resolve(import.meta.dirname, '..');
const HEADER = ['record_id', 'source', 'kind', 'name', 'id_type', 'id_no', 'mobile', 'email', 'birth_date', 'gender', 'address', 'employer', 'legal_rep'];

const SUR = '王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗';
const GIV = '伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华';
const DIST = ['浦东新区', '静安区', '徐汇区', '海淀区', '朝阳区', '西城区', '天河区', '锦江区'];
const CORP = ['榕树科技', '安泰投资', '正和贸易', '华信实业', '远航物流', '恒通建设'];

/** One row in the varied formats the source systems keep; about 1 % break a rule. */
function row(i: number): string {
  let x = (i * 2654435761) >>> 0;
  const r = (n: number) => { x = (x * 1103515245 + 12345) >>> 0; return x % n; };
  const id = `R${String(i).padStart(8, '0')}`;
  if (r(10) === 0) {
    const uscc = makeUscc(`91310${String(100000 + r(899999)).padStart(6, '0')}${'ABCDEFGH'[r(8)]}${String(r(99999)).padStart(5, '0')}`.slice(0, 17));
    const name = `上海${CORP[r(6)]}${['有限公司', '有限责任公司'][r(2)]}`;
    return [id, 'corporate_core', 'org', name, 'USCC', uscc, `1${3 + r(7)}${String(r(1e9)).padStart(9, '0')}`, '', '', '', `${DIST[r(8)]}路${r(999)}号`, '', `${SUR[r(20)]}${GIV[r(24)]}`].join(',');
  }
  const y = 1950 + r(55), m = 1 + r(12), d = 1 + r(28);
  const mm = String(m).padStart(2, '0'), dd = String(d).padStart(2, '0');
  const birth = [`${y}-${mm}-${dd}`, `${y}/${mm}/${dd}`, `${y}${mm}${dd}`, `${y}年${m}月${d}日`][r(4)]!;
  let idNo = makeResidentId('310115', `${y}${mm}${dd}`, String(r(1000)).padStart(3, '0'));
  if (r(100) === 0) idNo = idNo.slice(0, 17) + (idNo[17] === '0' ? '1' : '0'); // a mistyped check digit: quarantined
  const mob = `1${3 + r(7)}${String(r(1e9)).padStart(9, '0')}`;
  const mobile = [mob, `+86 ${mob}`, `${mob.slice(0, 3)}-${mob.slice(3, 7)}-${mob.slice(7)}`, `86${mob}`][r(4)]!;
  const name = `${SUR[r(20)]}${GIV[r(24)]}${r(2) ? GIV[r(24)] : ''}`;
  return [id, 'core_savings', 'person', name, r(5) ? 'ID_CARD' : '', idNo, mobile, r(4) ? '' : `u${i}@example.com`, birth, r(2) ? 'M' : 'F',
    `上海市${DIST[r(8)]}${['平', '光', '团'][r(3)]}街${r(300)}号${r(30)}栋${r(2000)}室`, r(3) ? '' : `上海${CORP[r(6)]}有限公司`, ''].join(',');
}

async function generate(file: string) {
  const out = fs.createWriteStream(file);
  out.write(`${HEADER.join(',')}\n`);
  let buf: string[] = [];
  for (let i = 0; i < ROWS; i++) {
    buf.push(row(i));
    if (buf.length === 10_000) {
      if (!out.write(`${buf.join('\n')}\n`)) await new Promise<void>((res) => out.once('drain', () => res()));
      buf = [];
    }
  }
  if (buf.length) out.write(`${buf.join('\n')}\n`);
  await new Promise<void>((res, rej) => out.end((err?: Error | null) => (err ? rej(err) : res())));
}

const seconds = (t0: number) => (performance.now() - t0) / 1000;

async function main() {
  const emb = process.env.DATABASE_URL ? undefined : await startEmbedded(path.join(root, 'bench/.data'), 54397);
  const serverUrl = process.env.DATABASE_URL ?? emb!.url;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'banyan-import-bench-'));
  const file = path.join(dir, 'extract.csv');
  const name = 'banyan_bench_import';
  try {
    console.log(`import: ${ROWS.toLocaleString('en')} rows, batches of ${BATCH}, ${os.cpus().length} cores`);
    let t0 = performance.now();
    await generate(file);
    const size = fs.statSync(file).size;
    console.log(`  generated ${(size / 2 ** 20).toFixed(0)} MB in ${seconds(t0).toFixed(1)} s`);
    await adminQuery(serverUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await adminQuery(serverUrl, `CREATE DATABASE ${name}`);
    const url = withDatabase(serverUrl, name);
    const { db, pool } = createDb(url, 4);
    await migrateToLatest(db);

    // 1. The limit: raw COPY of the same file into a table without constraints or indexes.
    const client = await pool.connect();
    await client.query(`CREATE TABLE raw_extract (${HEADER.map((h) => `${h} text`).join(', ')})`);
    t0 = performance.now();
    await pipeline(fs.createReadStream(file), client.query(copyFrom(`COPY raw_extract FROM STDIN (FORMAT csv, HEADER true)`)));
    const copy = seconds(t0);
    client.release();
    console.log(`raw COPY:  ${copy.toFixed(1)} s  →  ${(ROWS / copy).toFixed(0)} rows/s`);

    // 2. The import: inspection (size, kind, encoding, header, sha256), parse, mapping, validation,
    //    content hashes, batched upserts with checkpoints and quarantine — as `banyan import` runs it.
    await service.createSource(db, SYSTEM_ACTOR, { code: 'BENCH', name: '基准源系统', kind: 'savings' });
    const iface = await service.createInterface(db, SYSTEM_ACTOR, { code: 'BENCH_FILE', name: 'bench', sourceCode: 'BENCH', connector: 'file' });
    t0 = performance.now();
    const { loadId } = await service.queueFileLoad(db, SYSTEM_ACTOR, iface.id, { path: file, fileName: 'extract.csv', trigger: 'cli', maxBytes: 4 * 2 ** 30 });
    const inspect = seconds(t0);
    const outcome = await service.run(db, loadId, { batchRows: BATCH, resolve: false, pool });
    const imp = seconds(t0);
    const l = await service.getLoad(db, loadId);
    if (outcome !== 'succeeded') throw new Error(`import ${outcome}: ${JSON.stringify(l.error)}`);
    console.log(`import:    ${imp.toFixed(1)} s  →  ${(ROWS / imp).toFixed(0)} rows/s  (inspection ${inspect.toFixed(1)} s; accepted ${l.report.accepted}, rejected ${l.report.rejected}, new ${l.report.new})`);
    console.log(`ratio:     ${((copy / imp) * 100).toFixed(0)} % of raw COPY's rate (target ≥ 50 %)`);

    // 2b. The table's own floor: the accepted rows, already mapped, COPYed into a copy of source_record (its
    //     indexes, identity and checks): what any import into this table costs before reading a byte of the file.
    const fc = await pool.connect();
    const cols = LOAD_COLUMNS.join(', ');
    const chunks: Buffer[] = [];
    await pipeline(fc.query(copyTo(`COPY (SELECT ${cols} FROM source_record) TO STDOUT`)), new Writable({ write(c, _e, cb) { chunks.push(c); cb(); } }));
    await fc.query(`CREATE TABLE floor_record (LIKE source_record INCLUDING ALL)`);
    t0 = performance.now();
    await pipeline(Readable.from(chunks), fc.query(copyFrom(`COPY floor_record (${cols}) FROM STDIN`)));
    const floor = seconds(t0);
    fc.release();
    console.log(`floor:     ${floor.toFixed(1)} s  →  ${(l.report.accepted / floor).toFixed(0)} rows/s: the mapped rows COPYed into a copy of source_record, ${((copy / floor) * 100).toFixed(0)} % of raw COPY's rate; the import runs at ${((floor / imp) * 100).toFixed(0)} % of it`);

    // 3. Idempotence at scale: the same file again writes nothing.
    t0 = performance.now();
    const again = await service.queueFileLoad(db, SYSTEM_ACTOR, iface.id, { path: file, fileName: 'extract.csv', trigger: 'cli', maxBytes: 4 * 2 ** 30 });
    await service.run(db, again.loadId, { batchRows: BATCH, resolve: false, pool });
    const re = await service.getLoad(db, again.loadId);
    console.log(`reload:    ${seconds(t0).toFixed(1)} s  →  new ${re.report.new}, changed ${re.report.changed}, unchanged ${re.report.unchanged}`);
    await db.destroy();
    await adminQuery(serverUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
    await emb?.stop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
