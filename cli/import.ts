import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Config } from '../server/config.ts';
import type { Actor } from '../server/platform/audit.ts';
import { fieldError, invalid } from '../server/platform/errors.ts';
import { say, withDb } from './runtime.ts';
import { parseCommandArgs, usageError } from './usage.ts';

const USAGE = `usage: banyan import --source <code> [--interface <code>] [--encoding auto|utf8|gbk|gb18030] [--batch-size N] [--create-source] [--no-resolve]
       [--invalid-ids quarantine|keep] <file>

Loads a CSV, XLSX or JSON-lines extract of a source system through its file interface's mapping into the
source records. Rows that fail validation are quarantined (see the Interfaces page). Run the same command
again after an interruption: the load resumes where its last committed batch ended.
  --source <code>     the source system the extract comes from (required)
  --interface <code>  its file interface, when it has several; a source without one gets one with the default mapping
  --encoding E        auto (default: UTF-8, else GB18030), utf8, gbk or gb18030
  --batch-size N      rows per committed batch, 1 to 100000
  --create-source     register the source first if it is not yet (only once the file has been checked)
  --no-resolve        leave new and changed records pending for integration instead of resolving them batch by
                      batch (big initial loads)
  --invalid-ids P     a resident ID or USCC failing its check (check digit, birth date, format): quarantine the row
                      (the default mapping's choice), or keep the record with the number marked unverified (it resolves
                      as usual but never becomes the customer's ID). Saved with the interface's mapping as a new version
                      when it differs`;

/** What the progress line has shown so far. */
export type ShownProgress = { progress: number; read: number; rejected: number; done: number; expected: number };
type Polled = { progress: number; report: { read: number; rejected: number }; resolution: { done: number; total: number; expected?: number } };

/**
 * A poll of the load, never behind the line shown before: the server's bar and projected total are estimates that can
 * dip when a batch hands over more records than the ones before (counts only grow). The total is the one projected for
 * the whole file, a resumed load's rows before the stop included, not only the records handed over so far.
 * @example forwardProgress({ progress: 0.4, read: 100, rejected: 0, done: 90, expected: 700 }, dipped).progress // 0.4
 */
export function forwardProgress(prev: ShownProgress | null, l: Polled): ShownProgress {
  const next = { progress: l.progress, read: Number(l.report.read), rejected: Number(l.report.rejected), done: Number(l.resolution.done),
    expected: Math.max(Number(l.resolution.expected ?? 0), Number(l.resolution.total)) };
  if (!prev) return next;
  return { progress: Math.max(prev.progress, next.progress), read: Math.max(prev.read, next.read), rejected: Math.max(prev.rejected, next.rejected),
    done: Math.max(prev.done, next.done), expected: Math.max(prev.expected, next.expected) };
}

export const progressLine = (p: ShownProgress) =>
  `  ${(p.progress * 100).toFixed(1)}%  ${p.read} rows read, ${p.rejected} rejected${p.expected ? `, ${p.done} of ${p.expected} resolved into customers` : ''}`;

/** `banyan import --source <code> <file>`: loads a source extract through its interface's mapping. */
export async function importCommand(argv: string[], config: Config): Promise<number> {
  const { values, positionals } = parseCommandArgs('import', argv, {
    source: { type: 'string' }, interface: { type: 'string' }, encoding: { type: 'string' }, 'batch-size': { type: 'string' },
    'create-source': { type: 'boolean' }, 'no-resolve': { type: 'boolean' }, 'invalid-ids': { type: 'string' }, help: { type: 'boolean', short: 'h' },
  }, true);
  if (values.help) {
    say(USAGE);
    return 0;
  }
  const file = positionals[0];
  if (!values.source || !file || positionals.length > 1) throw usageError('banyan import needs --source <code> and one file', 'banyan import 需要 --source <代码> 和一个文件', USAGE);
  const batchRows = values['batch-size'] ? Number(values['batch-size']) : undefined;
  if (batchRows !== undefined && (!Number.isInteger(batchRows) || batchRows < 1 || batchRows > 100_000)) throw usageError('--batch-size must be an integer from 1 to 100000', '--batch-size 须为 1 到 100000 之间的整数');
  const service = await import('../server/modules/interfaces/interfaces.service.ts');
  const { ensureHeadOffice } = await import('../server/modules/admin/admin.bootstrap.ts');
  const encoding = values.encoding;
  if (encoding !== undefined && !service.isEncoding(encoding)) throw usageError('--encoding must be one of auto, utf8, gbk, gb18030', '--encoding 须为 auto、utf8、gbk 或 gb18030 之一');
  const invalidIds = values['invalid-ids'];
  if (invalidIds !== undefined && invalidIds !== 'quarantine' && invalidIds !== 'keep') {
    throw usageError('--invalid-ids must be one of quarantine, keep', '--invalid-ids 须为 quarantine 或 keep 之一');
  }
  const actor: Actor = { userId: null, username: `cli:${os.userInfo().username}`, ip: null };
  const abs = path.resolve(file);
  // A folder or a device is there but is no file to load: said as such, not as a missing file.
  const stat = fs.statSync(abs, { throwIfNoEntry: false });
  if (stat?.isDirectory()) throw invalid([fieldError('file', 'regularFile', `${abs} 是文件夹，不是文件：请给出要导入的文件`, `${abs} is a folder, not a file: name the file to import`)]);
  if (stat && !stat.isFile()) throw invalid([fieldError('file', 'regularFile', `${abs} 不是普通文件（设备、管道或套接字）：请给出要导入的文件`, `${abs} is not a regular file (a device, pipe or socket): name the file to import`)]);
  // Ctrl-C, SIGTERM or a hang-up: the load ends at its next batch boundary, that batch committed and the load left
  // running, so the same command resumes it (stopLoads, as a stopping server does); a second signal stops at once.
  let interrupted = false;
  const interrupt = ({ pool }: { pool: import('pg').Pool }) => {
    interrupted = true;
    void import('../server/modules/interfaces/interfaces.loader.ts').then((l) => l.stopLoads(pool));
  };
  return withDb(config, async ({ db, pool }) => {
    // New customers go to the head office when nothing else places them: a first import before the first start has none yet.
    await ensureHeadOffice(db);
    if (values['create-source'] && !(await db.selectFrom('source_system').select('code').where('code', '=', values.source!).executeTakeFirst())) {
      // A refused file leaves nothing behind, not even the source: a new source has no interface yet, so the file is
      // checked here, as queueImport checks it for the interface it will make, before registering.
      if (values.interface) {
        throw usageError(`source ${values.source} is not registered yet, so it has no interface ${values.interface}: leave --interface out`,
          `源系统 ${values.source} 尚未登记，没有接口 ${values.interface}：请去掉 --interface`);
      }
      await service.checkDefaultInterfaceFile({ path: abs, maxBytes: config.importMaxBytes, encoding });
      await service.createSource(db, actor, { code: values.source!, name: values.source!, kind: 'other' });
      say(`source ${values.source} registered (kind other, with that kind's default field trust: adjust both on the Source systems page)`);
    }
    // The file is checked before a new interface is made for it: a refused file leaves nothing behind.
    const { loadId, resumed, mappingVersion } = await service.queueImport(db, actor, values.source!, values.interface, {
      path: abs, fileName: path.basename(abs), trigger: 'cli', encoding: encoding as never, maxBytes: config.importMaxBytes,
    }, { invalidIds });
    if (mappingVersion) say(`mapping v${mappingVersion} saved: ID numbers failing their check are ${invalidIds === 'keep' ? 'kept, marked unverified' : 'quarantined'}`);
    const first = await service.getLoad(db, loadId);
    say(resumed ? `resuming load #${loadId} after row ${first.checkpointRow}` : `load #${loadId}: ${first.format}, ${first.encoding ?? 'binary'}, ${first.fileSize} bytes`);
    const tty = process.stdout.isTTY;
    let last = '';
    let shown: ShownProgress | null = null;
    const timer = setInterval(() => {
      void service.getLoad(db, loadId).then((l) => {
        shown = forwardProgress(shown, l);
        const line = progressLine(shown);
        if (line === last) return;
        last = line;
        if (tty) process.stdout.write(`\r${line}`);
        else say(line);
      }, () => {});
    }, 1000);
    let outcome: string;
    try {
      outcome = await service.run(db, loadId, { batchRows, resolve: !values['no-resolve'], pool });
    } finally {
      clearInterval(timer);
      if (tty) process.stdout.write('\n');
    }
    const l = await service.getLoad(db, loadId);
    if (outcome === 'stopped' && interrupted) {
      const at = l.checkpointRow;
      say(`interrupted at row ${at}: run the same command again to resume（已在第 ${at} 行中断：再次运行同一命令即可继续）`);
      return 130;
    }
    if (outcome === 'busy') {
      say(`load #${loadId} is being run by another process`);
      return 1;
    }
    const r = l.report;
    say(`load #${loadId} ${l.status}: read ${r.read}, accepted ${r.accepted}${r.unverifiedIds ? ` (${r.unverifiedIds} with an unverified ID number)` : ''}, rejected ${r.rejected} (quarantined), new ${r.new}, changed ${r.changed}, unchanged ${r.unchanged}, duplicates in file ${r.duplicates}` +
      (l.resolution.total ? `; ${l.resolution.done} of ${l.resolution.total} records resolved into customers` : ''));
    if (r.unverifiedIds) {
      say(`  ${r.unverifiedIds} records kept with an ID number that fails its check, marked unverified: listed on the interface's Unverified IDs tab (GET /api/interfaces/${l.interfaceId}/unverified-ids)`);
      say(`  ${r.unverifiedIds} 条记录的证件号未通过校验，已加载并标记为未核验：见该接口的“未核验证件号”页签`);
    }
    if (l.status === 'failed') {
      say(`  ${l.error?.message.en ?? 'failed'}`);
      return 1;
    }
    if (l.integrationError) say(`  integration: ${l.integrationError}`);
    // Records loaded but not resolved into customers are settled for the load, not done: said, and the exit code says so.
    const failed = await service.failedOfLoad(db, loadId);
    if (failed > 0) {
      say(`  ${failed} records failed to resolve into customers: retry them on the Match model page (Source records that failed to resolve) once the cause is fixed`);
      say(`  ${failed} 条记录未能整合入客户：排除原因后，请在“匹配模型”页的“整合失败的来源记录”中重试`);
      return 1;
    }
    return 0;
  }, { interrupt });
}
