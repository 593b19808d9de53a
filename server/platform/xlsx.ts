import { PassThrough } from 'node:stream';
import ExcelJS from 'exceljs';
import type { FastifyReply } from 'fastify';

export type XlsxColumn = { header: string; key: string; width?: number; numFmt?: string };

/**
 * Streams rows into an .xlsx download without holding the workbook in memory.
 * Resolves with the number of rows written once the file is complete.
 */
export async function sendXlsx(
  reply: FastifyReply,
  filename: string,
  sheetName: string,
  columns: XlsxColumn[],
  rows: () => AsyncIterable<Record<string, unknown>>,
): Promise<number> {
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
