/**
 * Runs one load: rows from the connector, through the mapping, into `source_record` in batches; rejected rows
 * into quarantine. Each batch commits its records, its quarantine rows and the load's checkpoint together, so
 * a run killed at any point and started again skips exactly what was committed: no row lost, none twice.
 *
 * The fast path, as a big first load takes it: a worker thread maps the file (interfaces.batches.ts) while
 * this thread COPYs the batch before straight into source_record. Keys already stored (a reload, a resumed
 * run) are looked up per batch: new records are COPYed, changed ones staged and updated, unchanged ones left.
 */
import fs from 'node:fs';
import os from 'node:os';
import { Worker } from 'node:worker_threads';
import { Kysely, PostgresDialect, sql } from 'kysely';
import type pg from 'pg';
import { poolOf, type Database, type Db } from '../../db/database.ts';
import { audit, type Actor } from '../../platform/audit.ts';
import { AppError, fieldError, fromThreadError, invalid, type Message } from '../../platform/errors.ts';
import { validateMapping, type Mapping } from '../../../engines/transform/index.ts';
import { BULK_THRESHOLD, resolveInBulk } from '../integration/integration.bulk.ts';
import { failureLine, resolveSourceRecords, type ResolveFailure } from '../integration/integration.service.ts';
import { csvRanges, fileBatches, lineOf, mapBatches, MissingColumns, OVERRIDDEN_KEPT, type BatchOptions, type RecordBatch } from './interfaces.batches.ts';
import type { WorkerInput, WorkerMessage } from './interfaces.batch-worker.ts';
import { readPostgres } from './interfaces.readers.ts';
import * as repo from './interfaces.repository.ts';

export { rawHash, rawOf } from './interfaces.batches.ts';

export type RunOptions = {
  /** Rows per batch (one transaction each). */
  batchRows?: number;
  /** Stop (as if killed) after this many committed batches: tests of resumption use it. */
  stopAfterBatches?: number;
  /** The bank's date, YYYY-MM-DD (birth dates after it are refused). */
  today?: string;
  /** false: leave new and changed records pending for integration to resolve later (big initial loads). */
  resolve?: boolean;
  /** The pool to hold a connection of (default: the one the Db was created with). */
  pool?: pg.Pool;
  /** Files of at least this many bytes are mapped on worker threads (default 16 MiB; 0: always) … */
  workerBytes?: number;
  /** … this many (default: 2, or 1 on a single core). */
  workers?: number;
  /** A load that wrote at least this many records (default 10,000), or a tenth of the table (and at least 1,000), refreshes its statistics (ANALYZE). */
  analyzeRows?: number;
  /** Called when the run fails, after the failure is recorded (alerts). */
  onFailure?: (db: Db, loadId: number, message: Message) => Promise<void>;
};

export type RunOutcome = 'succeeded' | 'failed' | 'busy' | 'stopped' | 'finished-already';

export const DEFAULT_BATCH_ROWS = 20_000;
/** Records resolved between two updates of a load's resolution count. */
const RESOLVE_CHUNK = 500;
const WORKER_BYTES = 16 * 2 ** 20;
const ANALYZE_ROWS = 10_000;
/** Fewer records than this never warrant an ANALYZE of their own, whatever share of a small table they are. */
const ANALYZE_MIN_ROWS = 1_000;

/** Rows of the file repeating a key another of its rows has: what is accepted but neither new, changed nor unchanged. */
export const duplicatesOf = (l: { accepted: number; inserted: number; changed: number; unchanged: number }) =>
  Math.max(0, Number(l.accepted) - Number(l.inserted) - Number(l.changed) - Number(l.unchanged));

export const bankToday = (now = new Date()) => new Date(now.getTime() + 8 * 3600_000).toISOString().slice(0, 10);

/** The loads running on each pool, and the pools whose server is stopping (stopLoads). */
const running = new Map<pg.Pool, Set<Promise<RunOutcome>>>();
const stopping = new WeakSet<pg.Pool>();

/**
 * A stopping server's loads end at their next batch boundary, with that batch and its checkpoint committed and the load
 * left running, so the next start resumes it — rather than carrying on over a database that is closing (which marked a
 * load succeeded with most of its records never resolved). Resolves once they have ended; later runs on the pool stop at once.
 */
export async function stopLoads(pool: pg.Pool) {
  stopping.add(pool);
  await Promise.allSettled(running.get(pool) ?? []);
}

/** Runs (or resumes) a load unless another runner holds it. Never throws for a bad file: the load records the failure. */
export async function runLoad(db: Db, loadId: number, opts: RunOptions = {}): Promise<RunOutcome> {
  const pool = opts.pool ?? poolOf(db);
  if (!pool) throw new Error('runLoad: the Db has no pool of its own; pass opts.pool');
  if (stopping.has(pool)) return 'stopped';
  const runs = running.get(pool) ?? running.set(pool, new Set()).get(pool)!;
  const p = runHeld(pool, db, loadId, opts);
  runs.add(p);
  try {
    return await p;
  } finally {
    runs.delete(p);
  }
}

async function runHeld(pool: pg.Pool, db: Db, loadId: number, opts: RunOptions): Promise<RunOutcome> {
  const client = await pool.connect();
  // Kysely on this one client (its release is ours to call), so COPY and queries share the connection and its transaction.
  const held = new Proxy(client, {
    get(t, p) {
      if (p === 'release') return () => {};
      const v = Reflect.get(t, p, t);
      return typeof v === 'function' ? v.bind(t) : v;
    },
  });
  const conn = new Kysely<Database>({ dialect: new PostgresDialect({ pool: { connect: async () => held, end: async () => {} } as unknown as pg.Pool }) });
  let broken = false;
  try {
    if (!(await repo.tryLockLoad(conn, loadId))) return 'busy';
    try {
      const load = await repo.getLoad(conn, loadId);
      if (!load || load.status === 'succeeded' || load.status === 'failed') return 'finished-already';
      // One load of a source writes at a time: its first-load fast path relies on nobody else adding keys.
      if (!(await repo.tryLockSource(conn, load.source_code))) return 'busy';
      try {
        await repo.createStage(client);
        return await run(conn, db, loadId, opts, client, () => stopping.has(pool));
      } finally {
        await repo.unlockSource(conn, load.source_code).catch(() => { broken = true; });
      }
    } finally {
      await repo.unlockLoad(conn, loadId).catch(() => { broken = true; });
    }
  } finally {
    await conn.destroy();
    client.release(broken);
  }
}

/**
 * Whether a CSV file ends cut off: no line break after its last line, and that last row quarantined for too few columns.
 */
async function truncatedTail(db: Db, path: string, loadId: number, lastRow: number): Promise<boolean> {
  if (!lastRow) return false;
  const fh = await fs.promises.open(path, 'r').catch(() => null);
  if (!fh) return false;
  try {
    const { size } = await fh.stat();
    if (!size) return false;
    const b = Buffer.alloc(1);
    await fh.read(b, 0, 1, size - 1);
    if (b[0] === 10 || b[0] === 13) return false;
  } finally {
    await fh.close();
  }
  return repo.rowQuarantinedFor(db, loadId, lastRow, 'columnCount');
}

/** What a failed load (or a scheduled run refused before its load) says, and the fields it names. */
export function messageOf(err: unknown): { message: Message; fields?: unknown } {
  if (err instanceof AppError) return { message: err.msg, fields: err.fields };
  const text = err instanceof Error ? err.message : String(err);
  return { message: { zh: `加载失败：${text}`, en: `load failed: ${text}` } };
}

/**
 * What went wrong reading a pull's source database, as the field to fix and the rule: the connection URL (its host, the
 * server, the login, the database) or the query (with the source database's own words, which name the table or column).
 */
export function pullError(err: unknown): unknown {
  if (err instanceof AppError) return err;
  const e = err as { code?: string; message?: string; hostname?: string; address?: string; port?: number };
  const text = e?.message ?? String(err);
  const code = typeof e?.code === 'string' ? e.code : '';
  const url = (rule: string, zh: string, en: string) => invalid([fieldError('pgUrl', rule, zh, en)]);
  const query = (rule: string, zh: string, en: string) => invalid([fieldError('pgQuery', rule, zh, en)]);
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
    return url('host', `找不到数据库主机 ${e.hostname ?? ''}（请检查连接地址中的主机名）`, `the database host ${e.hostname ?? ''} cannot be found (check the host name in the connection URL)`);
  }
  if (['ECONNREFUSED', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNRESET', 'EPIPE'].includes(code) || /Connection terminated|timeout expired/i.test(text)) {
    const at = e.address ? `${e.address}${e.port ? `:${e.port}` : ''}` : '';
    return url('connection', `无法连接源数据库 ${at}（${code || '连接中断'}：请检查主机、端口及数据库是否在运行）`, `cannot connect to the source database ${at} (${code || 'connection lost'}: check the host, the port and that the database is running)`);
  }
  if (code === '28P01' || code === '28000' || /SASL|password must be a string/i.test(text)) {
    return url('authentication', `源数据库拒绝登录：${text}（请检查连接地址中的用户名和密码）`, `the source database refused the login: ${text} (check the user and password in the connection URL)`);
  }
  if (code === '3D000') return url('database', `源数据库不存在：${text}`, `no such database at the source: ${text}`);
  if (/^ERR_INVALID_URL$|^ERR_INVALID_ARG/.test(code) || err instanceof TypeError) return url('format', `连接地址无法解析：${text}`, `the connection URL cannot be read: ${text}`);
  if (code === '25006') return query('readOnly', `查询只能读取数据：${text}`, `the query may only read data: ${text}`);
  if (/^(42|22|21|0A|54|57014)/.test(code)) return query('query', `源数据库拒绝了查询：${text}`, `the source database refused the query: ${text}`);
  if (/^(08|53|57)/.test(code)) return url('connection', `源数据库连接失败：${text}`, `the connection to the source database failed: ${text}`);
  if (/^[0-9A-Z]{5}$/.test(code)) return query('query', `查询在源数据库失败：${text}`, `the query failed at the source database: ${text}`);
  return err;
}

/** A pull's rows, its source database's errors told as pullError tells them. */
async function* pullRows<T>(rows: AsyncIterable<T>): AsyncGenerator<T> {
  try {
    yield* rows;
  } catch (err) {
    throw pullError(err);
  }
}

/**
 * A file's batches mapped on worker threads, each mapping every `parts`-th batch (reading only those, in a CSV
 * file cut at its line breaks; else reading the whole file), handed on in order; each keeps at most a couple of
 * batches ahead of what this thread has taken.
 */
async function* workerBatches(input: WorkerInput, parts: number): AsyncGenerator<RecordBatch> {
  // A CSV file without quotes is cut at its line breaks: each thread reads only its own batches.
  const ranges = input.info.format === 'csv' ? await csvRanges(input.path, input.options.checkpoint, input.options.batchRows) : null;
  const inboxes: WorkerMessage[][] = [];
  let wake: (() => void) | null = null;
  const workers = Array.from({ length: parts }, (_, part) => {
    const inbox: WorkerMessage[] = [];
    inboxes.push(inbox);
    const deliver = (m: WorkerMessage) => { inbox.push(m); wake?.(); };
    // A bigger young generation: fewer scavenges of a batch's keys and hashes, alive until the batch is posted.
    const w = new Worker(new URL('./interfaces.batch-worker.mjs', import.meta.url), {
      workerData: { ...input, options: { ...input.options, part, parts }, ranges: ranges?.filter((r) => r.index % parts === part) } satisfies WorkerInput,
      resourceLimits: { maxYoungGenerationSizeMb: 192 },
    });
    w.on('message', deliver);
    w.on('error', (err) => deliver({ type: 'error', message: err.message }));
    w.on('exit', (code) => { if (code !== 0) deliver({ type: 'error', message: `the mapping thread stopped (exit ${code})` }); });
    return w;
  });
  try {
    for (let k = 0; ; k++) {
      const inbox = inboxes[k % parts]!;
      while (!inbox.length) await new Promise<void>((r) => { wake = r; });
      wake = null;
      const m = inbox.shift()!;
      if (m.type === 'done') return;
      if (m.type === 'error') {
        if (m.missing) throw new MissingColumns(m.missing);
        throw fromThreadError(m);
      }
      for (const r of m.batch.rejected) r.rawHash = Buffer.from(r.rawHash);
      m.batch.data = Buffer.from(m.batch.data.buffer, m.batch.data.byteOffset, m.batch.data.byteLength);
      yield m.batch;
      workers[k % parts]!.postMessage({ type: 'more' });
    }
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
}

async function run(conn: Db, db: Db, loadId: number, opts: RunOptions, client: pg.PoolClient, serverStopping: () => boolean): Promise<RunOutcome> {
  const load = (await repo.getLoad(conn, loadId))!;
  const actor: Actor = { userId: load.created_by, username: load.created_by_username ?? 'system', ip: null };
  const today = opts.today ?? bankToday();
  let inTx = false;
  let inflight: Promise<void> | null = null;
  try {
    const iface = await repo.getInterface(conn, load.interface_id);
    const mrow = await repo.getMapping(conn, load.interface_id, load.mapping_version);
    if (!iface || !mrow) throw new Error('interface or mapping version missing');
    const isPull = load.format === 'postgres';
    // A file resumes after its checkpoint: the same bytes (its hash was checked) hold the same rows. A pull's query answers
    // other rows once the source has moved on (rows updated meanwhile jump to the end), so counting rows off it would skip
    // rows never loaded: a resumed pull reads its query again from the run's first watermark. What the earlier run wrote
    // is written again only if it changed, and counted once (`since` tells the runs apart).
    const resumedPull = isPull && (Number(load.checkpoint_row) > 0 || Number(load.batches) > 0);
    const since = resumedPull ? await repo.dbNow(conn) : null;
    const checkpoint = isPull ? 0 : Number(load.checkpoint_row);
    await repo.setStatus(conn, loadId, 'running', { started_at: load.started_at ?? new Date() });
    // Records a killed run committed may have been resolved meanwhile (the pending-records job): counted as resolved.
    if (Number(load.batches) > 0 && opts.resolve !== false) await repo.syncResolved(conn, loadId);
    await repo.log(conn, loadId, 'info', resumedPull
      ? { zh: `从本次运行的起始水位（${load.watermark_from ?? '无'}）重新查询继续；此前已写入的行不重复计数`, en: `resumed: the query runs again from the run's first watermark (${load.watermark_from ?? 'none'}); rows written before count once` }
      : checkpoint > 0 ? { zh: `从第 ${checkpoint} 行之后继续`, en: `resumed after row ${checkpoint}` } : { zh: '开始', en: 'started' });

    // A mapping saved before account fields needed a product code: its accounts are kept on the records but 归户 creates none.
    const noProduct = validateMapping(mrow.mapping as Mapping).find((p) => p.field === 'account.productCode');
    if (noProduct) {
      await repo.log(conn, loadId, 'warn', {
        zh: `映射了账户字段但没有产品代码：账户信息随记录保存，但不会归户创建账户（请在映射中设置产品代码列或常量）`,
        en: 'account fields are mapped without a product code: the accounts are kept on the records but none is created (set a product code column or constant in the mapping)',
      });
    }

    const options: Omit<BatchOptions, 'header'> = {
      mapping: mrow.mapping as Mapping, today, checkpoint, batchRows: opts.batchRows ?? DEFAULT_BATCH_ROWS, sourceCode: load.source_code, loadId,
      watermarkColumn: isPull ? iface.watermark_column : null, watermark: load.watermark_from,
    };
    let batches: AsyncGenerator<RecordBatch>;
    if (isPull) {
      if (!iface.pg_url || !iface.pg_query) throw invalid([fieldError('pgUrl', 'required', '未配置数据库连接或查询', 'no connection URL or query is configured')]);
      let header: string[] = [];
      batches = mapBatches(pullRows(readPostgres(iface.pg_url, iface.pg_query, load.watermark_from, (h) => { header = h; })), { ...options, header: () => header });
    } else {
      if (!load.file_path || !fs.existsSync(load.file_path)) throw invalid([fieldError('file', 'exists', '待加载的文件已不存在', 'the file to load is gone')]);
      const info = { format: load.format as 'csv', encoding: load.encoding as 'utf8', header: load.header ?? [] };
      batches = (load.file_size ?? 0) >= (opts.workerBytes ?? WORKER_BYTES)
        ? workerBatches({ path: load.file_path, info, delimiter: iface.delimiter, options }, opts.workers ?? Math.max(1, Math.min(2, os.cpus().length)))
        : fileBatches(load.file_path, info, iface.delimiter, options);
    }

    // A first load of a source (nothing stored, nothing committed by an earlier run) COPYs without looking keys
    // up; should a key repeat across batches after all, the batch is redone the careful way.
    let fresh = checkpoint === 0 && (await repo.sourceIsEmpty(conn, load.source_code));
    let watermark: string | null = load.watermark_from;
    let committed = 0;
    let integrationError: string | null = null;
    let failure: unknown = null;
    let supersededRows = 0;
    const overridden = new Set<string>();
    let overriddenMore = false;
    const noteOverridden = (keys: Iterable<string>) => {
      for (const k of keys) {
        if (overridden.size < OVERRIDDEN_KEPT) overridden.add(k);
        else if (!overridden.has(k)) overriddenMore = true;
      }
    };

    const write = async (b: RecordBatch): Promise<{ ids: number[]; inserted: number; changed: number; repeated: number; own: number }> => {
      if (fresh) {
        await sql`SAVEPOINT fresh`.execute(conn);
        try {
          await repo.copyLines(client, 'source_record', b.data);
          await sql`RELEASE SAVEPOINT fresh`.execute(conn);
          return { ids: opts.resolve === false ? [] : await repo.recordIds(conn, load.source_code, b.keys), inserted: b.keys.length, changed: 0, repeated: 0, own: 0 };
        } catch (err) {
          if ((err as { code?: string }).code !== '23505') throw err;
          await sql`ROLLBACK TO SAVEPOINT fresh`.execute(conn);
          fresh = false;
        }
      }
      const stored = await repo.existingHashes(conn, load.source_code, b.keys, loadId, since);
      const added: Uint8Array[] = [], addedKeys: string[] = [], changed: Uint8Array[] = [];
      b.keys.forEach((k, i) => {
        const h = stored.hashes.get(k);
        if (h === undefined) { added.push(lineOf(b, i)); addedKeys.push(k); } else if (h !== b.hashes[i]) {
          changed.push(lineOf(b, i));
          // A key an earlier batch of this file wrote, now with other content: the later row overrides it.
          if (stored.mine.has(k)) noteOverridden([k]);
        }
      });
      await repo.copyLines(client, 'source_record', Buffer.concat(added));
      let updated: { id: number; key: string }[] = [];
      if (changed.length) {
        await repo.copyLines(client, 'interface_stage', Buffer.concat(changed));
        updated = await repo.updateFromStage(conn, load.source_code);
      }
      const addedIds = opts.resolve === false ? [] : await repo.recordIds(conn, load.source_code, addedKeys);
      // A key this load wrote in an earlier batch is a repeat within the file: written (the later row wins) but not counted as changed.
      // One a resumed pull's earlier run wrote is that row read again: written if it changed since, counted once (then).
      const changedByFile = updated.filter((u) => !stored.mine.has(u.key) && !stored.earlier.has(u.key)).length;
      return { ids: [...addedIds, ...updated.map((u) => u.id)], inserted: added.length, changed: changedByFile, repeated: stored.mine.size, own: stored.earlier.size };
    };

    // Resolution runs after the commit and in its own transactions: its failure is logged, the load is kept.
    // In chunks, each counted when done: the load's progress shows how far resolution is. Many new records at
    // once (a big first load) go through the bulk resolver, some seven times faster than one by one.
    const resolveHanded = async (ids: number[], bulk: boolean, what: 'batch' | 'left') => {
      const whose = what === 'batch' ? { zh: '本批', en: "the batch's" } : { zh: '上次中断后遗留的', en: 'the interrupted run\'s' };
      let done = 0;
      const counted = async (n: number) => { done += n; await repo.addResolved(conn, loadId, n); };
      try {
        if (bulk) {
          const s = await resolveInBulk(db, actor, ids, counted);
          // Records another resolver settled meanwhile (the pending-records job, say) are told apart, so the line adds up.
          const failed = s.failed ?? 0;
          const others = Math.max(0, ids.length - s.matched - s.created - s.review - failed);
          await repo.log(conn, loadId, 'info', {
            zh: `批量整合${whose.zh} ${ids.length} 条记录：匹配已有客户 ${s.matched}，新建客户 ${s.created}，待人工复核 ${s.review}${failed ? `，失败 ${failed}` : ''}${others ? `，已由其他整合任务处理 ${others}` : ''}`,
            en: `resolved ${what === 'batch' ? '' : `${whose.en} `}${ids.length} records in bulk: ${s.matched} matched, ${s.created} created, ${s.review} to review${failed ? `, ${failed} failed` : ''}${others ? `, ${others} resolved already by another resolver` : ''}`,
          });
          if (s.failures?.length) integrationError = s.failures.map(failureLine).slice(0, 5).join('; ');
        } else {
          // A record that fails is marked failed by integration (listed there for an administrator to retry) and
          // told in the log; it is settled, so the load's resolution count still reaches its total.
          const failures: ResolveFailure[] = [];
          for (let at = 0; at < ids.length; at += RESOLVE_CHUNK) {
            const chunk = ids.slice(at, at + RESOLVE_CHUNK);
            const s = await resolveSourceRecords(db, actor, chunk);
            failures.push(...(s.failures ?? []));
            await counted(chunk.length);
          }
          if (failures.length) {
            integrationError = failures.map(failureLine).slice(0, 5).join('; ');
            await repo.log(conn, loadId, 'warn', {
              zh: `${whose.zh} ${ids.length} 条记录中有 ${failures.length} 条整合入客户失败（数据已加载，可在“匹配模型”页的“整合失败的来源记录”中重试）：${integrationError}`,
              en: `integration failed for ${failures.length} of ${whose.en} ${ids.length} records (loaded; retry them on the Match model page, under Source records that failed to resolve): ${integrationError}`,
            });
          }
        }
      } catch (err) {
        integrationError = err instanceof Error ? err.message : String(err);
        await repo.log(conn, loadId, 'warn', {
          zh: `${whose.zh} ${ids.length} 条记录中有 ${ids.length - done} 条整合入客户失败（数据已加载）：${integrationError}`,
          en: `integration failed for ${ids.length - done} of ${whose.en} ${ids.length} records: ${integrationError}`,
        });
      }
    };

    const commit = async (b: RecordBatch) => {
      await sql`BEGIN`.execute(conn);
      inTx = true;
      const w = await write(b);
      const ownRejected = await repo.quarantineRows(conn, load.interface_id, loadId, b.rejected, since);
      // Rows earlier loads quarantined under a key this load accepted are stale: closed, never re-submitted over it.
      supersededRows += await repo.supersedeQuarantine(conn, load.source_code, loadId, b.keys);
      if (b.overridden?.length) noteOverridden(b.overridden);
      // A row whose key another row of the file repeats is a duplicate within the file: accepted, but neither new nor
      // changed (the stored record is compared with the file's last row of that key), so a reload of the file changes nothing.
      // Rows a resumed pull's earlier run counted already (w.own, ownRejected) are not counted again.
      await repo.advanceLoad(conn, loadId, {
        rows: b.keys.length + b.superseded + b.rejected.length - w.own - ownRejected, accepted: b.keys.length + b.superseded - w.own,
        rejected: b.rejected.length - ownRejected, unverified: b.unverified, inserted: w.inserted, changed: w.changed, unchanged: b.keys.length - w.inserted - w.changed - w.repeated - w.own,
        checkpoint: b.lastRow, bytes: b.bytes, toResolve: w.ids.length,
      });
      await sql`COMMIT`.execute(conn);
      inTx = false;
      committed++;
      if (w.ids.length && opts.resolve !== false) await resolveHanded(w.ids, w.inserted >= BULK_THRESHOLD, 'batch');
    };
    // One batch commits while the next is mapped; batches still commit one after another, in order, each with its checkpoint.
    const settle = async () => {
      if (inflight) await inflight;
      inflight = null;
      if (failure) throw failure;
    };

    let headerSaved = !isPull;
    for await (const b of batches) {
      if (b.header && !headerSaved) {
        await settle();
        await repo.setLoad(conn, loadId, { header: b.header });
        headerSaved = true;
      }
      if (b.watermark !== undefined) watermark = b.watermark;
      if (!b.keys.length && !b.rejected.length && !b.superseded) continue;
      await settle();
      inflight = commit(b).catch((err) => { failure = err; });
      if (opts.stopAfterBatches !== undefined) {
        await settle();
        if (committed >= opts.stopAfterBatches) return 'stopped';
      }
      if (serverStopping()) {
        await settle();
        const at = (await repo.getLoad(conn, loadId))!.checkpoint_row;
        await repo.log(conn, loadId, 'info', { zh: `加载被中断（服务器停止或命令被中止）：已加载至第 ${at} 行，服务器下次启动或再次运行同一命令时继续`, en: `stopped (the server is stopping, or the command was interrupted): loaded up to row ${at}; it resumes at the server's next start or when the same command runs again` });
        return 'stopped';
      }
    }
    await settle();

    // Records a killed run committed but never resolved (and the pending-records job has not taken yet) are this
    // load's to resolve; then the count is settled with the records, whoever resolved them.
    if (opts.resolve !== false && Number((await repo.getLoad(conn, loadId))!.to_resolve) > 0) {
      const left = await repo.pendingOfLoad(conn, loadId);
      if (left.length) {
        await repo.log(conn, loadId, 'info', { zh: `整合上次中断后遗留的 ${left.length} 条记录`, en: `resolving ${left.length} records the interrupted run left pending` });
        await resolveHanded(left, left.length >= BULK_THRESHOLD, 'left');
      }
      await repo.syncResolved(conn, loadId);
    }

    await sql`BEGIN`.execute(conn);
    inTx = true;
    const done = (await repo.getLoad(conn, loadId))!;
    await repo.setStatus(conn, loadId, 'succeeded', {
      finished_at: new Date(), bytes_done: isPull ? done.rows_read : load.file_size ?? done.bytes_done, watermark_to: isPull ? watermark : null, integration_error: integrationError,
    });
    if (isPull && watermark !== null) await repo.updateInterface(conn, iface.id, { watermark });
    const counts = {
      read: done.rows_read, accepted: done.accepted, rejected: done.rejected, unverifiedIds: done.unverified_ids, new: done.inserted, changed: done.changed, unchanged: done.unchanged,
      duplicates: duplicatesOf(done),
    };
    await audit(conn, actor, { action: 'import', entity: 'interface_load', entityId: loadId, changes: { interface: iface.code, source: load.source_code, file: load.file_name, ...counts, watermark: isPull ? watermark : undefined } });
    await sql`COMMIT`.execute(conn);
    inTx = false;
    await repo.log(conn, loadId, 'info', {
      zh: `完成：读取 ${counts.read}，通过 ${counts.accepted}${counts.unverifiedIds ? `（其中证件号未核验 ${counts.unverifiedIds}）` : ''}，拒绝 ${counts.rejected}，新增 ${counts.new}，变更 ${counts.changed}，未变 ${counts.unchanged}，文件内重复 ${counts.duplicates}`,
      en: `finished: read ${counts.read}, accepted ${counts.accepted}${counts.unverifiedIds ? ` (${counts.unverifiedIds} with an unverified ID number)` : ''}, rejected ${counts.rejected}, new ${counts.new}, changed ${counts.changed}, unchanged ${counts.unchanged}, duplicates in file ${counts.duplicates}`,
    });
    if (supersededRows) {
      await repo.log(conn, loadId, 'info', {
        zh: `之前隔离的 ${supersededRows} 行，其记录主键已由本次加载写入：已关闭为“已被取代”（不再重新提交，以免旧数据覆盖新数据）`,
        en: `${supersededRows} rows quarantined by earlier loads were closed as superseded: this load wrote their record keys (re-submitting them would put older data over newer)`,
      });
    }
    if (overridden.size) {
      const keys = [...overridden].join(', ') + (overriddenMore ? ' …' : '');
      await repo.log(conn, loadId, 'warn', {
        zh: `文件内同一主键出现多次且内容不同，以最后一行为准（前面的行被覆盖）：${keys}`,
        en: `record keys repeated in the file with different content, the last row kept (the earlier ones overridden): ${keys}`,
      });
    }
    if (!isPull && load.file_path && load.format === 'csv' && (await truncatedTail(conn, load.file_path, loadId, Number(done.checkpoint_row)))) {
      await repo.log(conn, loadId, 'warn', {
        zh: `文件可能被截断：最后一行没有换行符且列数不足（第 ${done.checkpoint_row} 行，已隔离）；请确认文件传输完整，必要时重新获取文件`,
        en: `the file looks truncated: its last line has no line break and too few columns (row ${done.checkpoint_row}, quarantined); check the file arrived whole, and fetch it again if not`,
      });
    }
    // A big load changes the tables' make-up: the planner's statistics are refreshed now rather than left to autovacuum
    // (which may be off), or candidate queries scan match_key whole.
    const written = Number(done.inserted) + Number(done.changed);
    const analyzeRows = opts.analyzeRows ?? ANALYZE_ROWS;
    if (written >= Math.min(analyzeRows, ANALYZE_MIN_ROWS) && (written >= analyzeRows || written * 10 >= (await repo.liveRows(conn, 'source_record')))) {
      const tables: ('source_record' | 'match_key')[] = opts.resolve === false ? ['source_record'] : ['source_record', 'match_key'];
      await repo.analyze(conn, tables);
      await repo.log(conn, loadId, 'info', { zh: `已更新统计信息（ANALYZE ${tables.join('、')}）`, en: `statistics refreshed (ANALYZE ${tables.join(', ')})` });
    }
    if (load.trigger === 'upload' && load.file_path) await fs.promises.rm(load.file_path, { force: true });
    return 'succeeded';
  } catch (err) {
    await inflight;
    if (inTx) await sql`ROLLBACK`.execute(conn).catch(() => {});
    const { message, fields } = messageOf(err instanceof MissingColumns ? invalid(err.fields) : err);
    await sql`BEGIN`.execute(conn);
    await repo.setStatus(conn, loadId, 'failed', { finished_at: new Date(), error: JSON.stringify({ message, fields }) });
    await audit(conn, actor, { action: 'import_failed', entity: 'interface_load', entityId: loadId, changes: { source: load.source_code, error: message.en } });
    await sql`COMMIT`.execute(conn);
    await repo.log(conn, loadId, 'error', message);
    if (opts.onFailure) await opts.onFailure(db, loadId, message).catch(() => {});
    return 'failed';
  }
}
