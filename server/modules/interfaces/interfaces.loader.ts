/**
 * Runs one load: rows from the connector, through the mapping, into `source_record` in batches; rejected rows
 * into quarantine. Each batch commits its records, its quarantine rows and the load's checkpoint together, so
 * a run killed at any point and started again skips exactly what was committed: no row lost, none twice.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { Kysely, PostgresDialect, sql } from 'kysely';
import type pg from 'pg';
import type { Database, Db } from '../../db/database.ts';
import { audit, type Actor } from '../../platform/audit.ts';
import { AppError, fieldError, invalid, type Message } from '../../platform/errors.ts';
import { compileMapping, contentHash, type Compiled, type Mapping } from '../../../engines/transform/index.ts';
import { resolveSourceRecords } from '../integration/integration.service.ts';
import { readFileRows, readPostgres, type Row } from './interfaces.readers.ts';
import * as repo from './interfaces.repository.ts';

export type RunOptions = {
  /** Rows per batch (one transaction each). */
  batchRows?: number;
  /** Stop (as if killed) after this many committed batches: tests of resumption use it. */
  stopAfterBatches?: number;
  /** The bank's date, YYYY-MM-DD (birth dates after it are refused). */
  today?: string;
  /** false: leave new and changed records pending for integration to resolve later (big initial loads). */
  resolve?: boolean;
  /** With the pool, batches go through COPY into a staging table on one held connection (the fast path). */
  pool?: pg.Pool;
  /** Called when the run fails, after the failure is recorded (alerts). */
  onFailure?: (db: Db, loadId: number, message: Message) => Promise<void>;
};

export type RunOutcome = 'succeeded' | 'failed' | 'busy' | 'stopped' | 'finished-already';

export const DEFAULT_BATCH_ROWS = 5000;

export const bankToday = (now = new Date()) => new Date(now.getTime() + 8 * 3600_000).toISOString().slice(0, 10);

/** The raw row as kept in quarantine: column → value; a ragged row also keeps every value as read. */
export function rawOf(header: string[], values: string[]): Record<string, unknown> {
  const raw: Record<string, unknown> = {};
  header.forEach((h, i) => { raw[h] = values[i] ?? ''; });
  if (values.length !== header.length) raw.__values = values;
  return raw;
}

export const rawHash = (values: string[]) => createHash('sha256').update(values.join('\u001f')).digest();

/** Runs (or resumes) a load unless another runner holds it. Never throws for a bad file: the load records the failure. */
export async function runLoad(db: Db, loadId: number, opts: RunOptions = {}): Promise<RunOutcome> {
  if (opts.pool) {
    const client = await opts.pool.connect();
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
        await repo.createStage(client);
        return await run(conn, db, loadId, opts, client);
      } finally {
        await repo.unlockLoad(conn, loadId).catch(() => { broken = true; });
      }
    } finally {
      await conn.destroy();
      client.release(broken);
    }
  }
  return db.connection().execute(async (conn) => {
    if (!(await repo.tryLockLoad(conn, loadId))) return 'busy';
    try {
      return await run(conn, db, loadId, opts);
    } finally {
      await repo.unlockLoad(conn, loadId).catch(() => {});
    }
  });
}

function messageOf(err: unknown): { message: Message; fields?: unknown } {
  if (err instanceof AppError) return { message: err.msg, fields: err.fields };
  const text = err instanceof Error ? err.message : String(err);
  return { message: { zh: `加载失败：${text}`, en: `load failed: ${text}` } };
}

function higher(a: string | null, b: string): string {
  if (a === null || a === '') return b;
  if (b === '') return a;
  const na = Number(a), nb = Number(b);
  if (Number.isFinite(na) && Number.isFinite(nb)) return nb > na ? b : a;
  const da = Date.parse(a), dbb = Date.parse(b);
  if (!Number.isNaN(da) && !Number.isNaN(dbb)) return dbb > da ? b : a;
  return b > a ? b : a;
}

async function run(conn: Db, db: Db, loadId: number, opts: RunOptions, client?: pg.PoolClient): Promise<RunOutcome> {
  const load = await repo.getLoad(conn, loadId);
  if (!load) return 'finished-already';
  if (load.status === 'succeeded' || load.status === 'failed') return 'finished-already';
  const actor: Actor = { userId: load.created_by, username: load.created_by_username ?? 'system', ip: null };
  const batchRows = opts.batchRows ?? DEFAULT_BATCH_ROWS;
  const today = opts.today ?? bankToday();
  let inTx = false;
  let inflight: Promise<void> | null = null;
  try {
    const iface = await repo.getInterface(conn, load.interface_id);
    const mrow = await repo.getMapping(conn, load.interface_id, load.mapping_version);
    if (!iface || !mrow) throw new Error('interface or mapping version missing');
    const mapping = mrow.mapping as Mapping;
    const resumed = Number(load.checkpoint_row) > 0;
    await repo.setStatus(conn, loadId, 'running', { started_at: load.started_at ?? new Date() });
    await repo.log(conn, loadId, 'info', resumed ? `resumed after row ${load.checkpoint_row}` : 'started');

    let header: string[] = load.header ?? [];
    let compiled: Compiled | null = null;
    let rows: AsyncGenerator<Row>;
    const isPull = load.format === 'postgres';
    if (isPull) {
      if (!iface.pg_url || !iface.pg_query) throw invalid([fieldError('pgUrl', 'required', '未配置数据库连接或查询', 'no connection URL or query is configured')]);
      rows = readPostgres(iface.pg_url, iface.pg_query, load.watermark_from, (h) => { header = h; });
    } else {
      if (!load.file_path || !fs.existsSync(load.file_path)) throw invalid([fieldError('file', 'exists', '待加载的文件已不存在', 'the file to load is gone')]);
      rows = readFileRows(load.file_path, { format: load.format as 'csv', encoding: load.encoding as 'utf8', header }, iface.delimiter);
    }

    const checkpoint = Number(load.checkpoint_row);
    let rowNo = 0;
    let watermark: string | null = load.watermark_from;
    let wmIdx = -1;
    let accepted: repo.StagedRecord[] = [];
    let rejected: repo.QuarantineIn[] = [];
    let keys = new Set<string>();
    let lastRow = checkpoint;
    let bytes = 0;
    let batches = 0;
    const touched: number[] = [];
    let integrationError: string | null = null;

    type Batch = { accepted: repo.StagedRecord[]; rejected: repo.QuarantineIn[]; lastRow: number; bytes: number };
    // One batch commits while the next is parsed and mapped: the database and the mapping work side by side.
    // Batches still commit one after another, in order, each with its checkpoint.
    let failure: unknown = null;
    const settle = async () => {
      if (inflight) await inflight;
      inflight = null;
      if (failure) throw failure;
    };
    const flush = async () => {
      if (!accepted.length && !rejected.length) return;
      const batch: Batch = { accepted, rejected, lastRow, bytes };
      accepted = [];
      rejected = [];
      keys = new Set();
      await settle();
      inflight = commit(batch).catch((err) => { failure = err; });
    };
    const commit = async ({ accepted, rejected, lastRow, bytes }: Batch) => {
      await sql`BEGIN`.execute(conn);
      inTx = true;
      let written: { id: number; inserted: boolean }[];
      if (client && accepted.length) {
        await repo.copyToStage(client, accepted);
        written = await repo.upsertStaged(conn, load.source_code, loadId);
      } else written = await repo.upsertRecords(conn, load.source_code, loadId, accepted);
      await repo.quarantineRows(conn, load.interface_id, loadId, rejected);
      const inserted = written.filter((w) => w.inserted).length;
      await repo.advanceLoad(conn, loadId, {
        rows: accepted.length + rejected.length, accepted: accepted.length, rejected: rejected.length, inserted, changed: written.length - inserted,
        unchanged: accepted.length - written.length, checkpoint: lastRow, bytes,
      });
      await sql`COMMIT`.execute(conn);
      inTx = false;
      batches++;
      // Resolution runs after the commit and in its own transactions: its failure is logged, the load is kept.
      if (written.length && opts.resolve !== false) {
        try {
          await resolveSourceRecords(db, actor, written.map((w) => w.id));
        } catch (err) {
          integrationError = err instanceof Error ? err.message : String(err);
          await repo.log(conn, loadId, 'warn', `integration failed for ${written.length} records: ${integrationError}`);
        }
        touched.push(written.length);
      }
    };

    for await (const row of rows) {
      rowNo++;
      if (!compiled) {
        compiled = compileMapping(mapping, header, today);
        if (compiled.missing.length) {
          throw invalid(compiled.missing.map((c) => fieldError(`header.${c}`, 'missingColumn', `数据缺少映射所需的列“${c}”`, `the data lacks the mapped column "${c}"`)));
        }
        if (isPull) {
          await repo.setLoad(conn, loadId, { header });
          if (iface.watermark_column) wmIdx = header.findIndex((h) => h.toLowerCase() === iface.watermark_column!.toLowerCase());
        }
      }
      if (wmIdx >= 0) watermark = higher(watermark, row.values[wmIdx] ?? '');
      if (rowNo <= checkpoint) continue;
      const r = compiled.map(row.values);
      if (r.ok) {
        if (keys.has(r.record.recordKey)) await flush();
        keys.add(r.record.recordKey);
        accepted.push({ ...r.record, hash: contentHash(r.record) });
      } else {
        rejected.push({ rowNo, raw: rawOf(header, row.values), rawHash: rawHash(row.values), reasons: r.reasons });
      }
      lastRow = rowNo;
      bytes = row.bytes;
      if (accepted.length + rejected.length >= batchRows) {
        await flush();
        if (opts.stopAfterBatches !== undefined) {
          await settle();
          if (batches >= opts.stopAfterBatches) return 'stopped';
        }
      }
    }
    if (!isPull) bytes = load.file_size ?? bytes;
    await flush();
    await settle();

    await sql`BEGIN`.execute(conn);
    inTx = true;
    const done = await repo.getLoad(conn, loadId);
    await repo.setStatus(conn, loadId, 'succeeded', {
      finished_at: new Date(), bytes_done: isPull ? rowNo : load.file_size ?? bytes, watermark_to: isPull ? watermark : null, integration_error: integrationError,
    });
    if (isPull && watermark !== null) await repo.updateInterface(conn, iface.id, { watermark });
    const counts = { read: done!.rows_read, accepted: done!.accepted, rejected: done!.rejected, new: done!.inserted, changed: done!.changed, unchanged: done!.unchanged };
    await audit(conn, actor, { action: 'import', entity: 'interface_load', entityId: loadId, changes: { interface: iface.code, source: load.source_code, file: load.file_name, ...counts, watermark: isPull ? watermark : undefined } });
    await sql`COMMIT`.execute(conn);
    inTx = false;
    await repo.log(conn, loadId, 'info', `finished: ${JSON.stringify(counts)}`);
    if (load.trigger === 'upload' && load.file_path) await fs.promises.rm(load.file_path, { force: true });
    return 'succeeded';
  } catch (err) {
    await inflight;
    if (inTx) await sql`ROLLBACK`.execute(conn).catch(() => {});
    const { message, fields } = messageOf(err);
    await sql`BEGIN`.execute(conn);
    await repo.setStatus(conn, loadId, 'failed', { finished_at: new Date(), error: JSON.stringify({ message, fields }) });
    await audit(conn, actor, { action: 'import_failed', entity: 'interface_load', entityId: loadId, changes: { source: load.source_code, error: message.en } });
    await sql`COMMIT`.execute(conn);
    await repo.log(conn, loadId, 'error', message.en);
    if (opts.onFailure) await opts.onFailure(db, loadId, message).catch(() => {});
    return 'failed';
  }
}
