import { PassThrough } from 'node:stream';
import ExcelJS from 'exceljs';
import type { FastifyReply } from 'fastify';

export type XlsxColumn = { header: string; key: string; width?: number; numFmt?: string };

/**
 * Downloads that may read at once. Each holds one of the pool's few connections for as long as it streams (a million
 * customers take minutes), so more wait their turn, holding none, rather than take the pool from every other request.
 */
let slots = 2;
let reading = 0;
const queue: (() => void)[] = [];

/** Sets how many downloads read at once (buildApp: a quarter of the pool, at least 1). */
export function setExportSlots(n: number): void {
  slots = Math.max(1, Math.floor(n));
}

async function takeSlot(): Promise<void> {
  if (reading < slots) {
    reading++;
    return;
  }
  await new Promise<void>((resolve) => queue.push(resolve));
}

/** Hands the slot to the next download waiting, if any. */
function giveSlot(): void {
  const next = queue.shift();
  if (next) next();
  else reading--;
}

/**
 * Streams rows into an .xlsx download without holding the workbook in memory, once a slot is free (setExportSlots).
 * Resolves with the number of rows written once the file is complete.
 */
export async function sendXlsx(
  reply: FastifyReply,
  filename: string,
  sheetName: string,
  columns: XlsxColumn[],
  rows: () => AsyncIterable<Record<string, unknown>>,
): Promise<number> {
  await takeSlot();
  try {
    return await writeXlsx(reply, filename, sheetName, columns, rows);
  } finally {
    giveSlot();
  }
}

async function writeXlsx(reply: FastifyReply, filename: string, sheetName: string, columns: XlsxColumn[], rows: () => AsyncIterable<Record<string, unknown>>) {
  // The first row is read before anything is sent: a query the database refuses (a filter out of a column's
  // range) is still an error answer naming the field, not a download broken off.
  const it = rows()[Symbol.asyncIterator]();
  const first = await it.next();
  const out = new PassThrough();
  reply
    .header('content-type', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet')
    .header('content-disposition', `attachment; filename="${filename}"; filename*=UTF-8''${encodeURIComponent(filename)}`);
  reply.send(out);
  const wb = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: out, useSharedStrings: false, useStyles: true });
  const ws = wb.addWorksheet(sheetName);
  ws.columns = columns.map((c) => ({ header: c.header, key: c.key, width: c.width ?? 16, style: c.numFmt ? { numFmt: c.numFmt } : {} }));
  ws.getRow(1).font = { bold: true };
  ws.getRow(1).commit();
  let n = 0;
  try {
    for (let r = first; !r.done; r = await it.next()) {
      ws.addRow(r.value).commit();
      n++;
    }
    ws.commit();
    await wb.commit();
  } catch (err) {
    // Headers are gone already: all that is left is to break the download so it cannot pass for whole.
    reply.log.error({ err }, 'export failed');
    await it.return?.().catch(() => {});
    out.destroy(err as Error);
  }
  return n;
}
