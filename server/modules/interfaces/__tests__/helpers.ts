/** Test files for the interfaces module: real CSV (UTF-8, GBK), XLSX and JSON lines on disk. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import ExcelJS from 'exceljs';
import iconv from 'iconv-lite';
import { makeResidentId } from '../../../../engines/identity/index.ts';

export const HEADER = ['record_id', 'source', 'kind', 'name', 'id_type', 'id_no', 'mobile', 'email', 'birth_date', 'gender', 'address', 'employer', 'legal_rep'];

export const tmpDir = () => fs.mkdtempSync(path.join(os.tmpdir(), 'banyan-if-'));

const SURNAMES = ['张', '王', '李', '赵', '刘', '陈', '杨', '黄'];
const GIVEN = ['伟', '芳', '娜', '敏', '静', '强', '磊', '洋', '艳', '勇'];

/** A valid person row number i, in the varied formats source systems keep. */
export function personRow(i: number, prefix = 'R'): string[] {
  const y = 1950 + (i % 50), m = 1 + (i % 12), d = 1 + (i % 28);
  const birth = `${y}${String(m).padStart(2, '0')}${String(d).padStart(2, '0')}`;
  const id = makeResidentId('110105', birth, String(100 + (i % 800)).padStart(3, '0'));
  const mobile = `13${String(800000000 + i).padStart(9, '0')}`;
  const formats = [`${y}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`, `${y}/${String(m).padStart(2, '0')}/${String(d).padStart(2, '0')}`, birth, `${y}年${m}月${d}日`];
  const mobiles = [mobile, `+86 ${mobile}`, `${mobile.slice(0, 3)}-${mobile.slice(3, 7)}-${mobile.slice(7)}`, `86${mobile}`];
  return [
    `${prefix}${String(i).padStart(7, '0')}`, 'core', 'person', `${SURNAMES[i % 8]}${GIVEN[i % 10]}${GIVEN[(i >> 3) % 10]}`, 'ID_CARD', id, mobiles[i % 4]!, '',
    formats[i % 4]!, i % 2 ? 'M' : 'F', `北京市西城区金融大街${i}号`, '', '',
  ];
}

export function csvLine(values: string[]): string {
  return values.map((v) => (/[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v)).join(',');
}

export function writeCsv(file: string, rows: string[][], header = HEADER, encoding: 'utf8' | 'gbk' = 'utf8'): string {
  const text = [header, ...rows].map(csvLine).join('\n') + '\n';
  fs.writeFileSync(file, encoding === 'utf8' ? text : iconv.encode(text, 'gbk'));
  return file;
}

export async function writeXlsx(file: string, rows: (string | Date)[][], header = HEADER): Promise<string> {
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet('客户');
  ws.addRow(header);
  for (const r of rows) ws.addRow(r);
  await wb.xlsx.writeFile(file);
  return file;
}

/** A multipart/form-data body with one file, as a browser sends it. */
export function multipartBody(fileName: string, content: Buffer): { payload: Buffer; headers: Record<string, string> } {
  const boundary = `----banyan${Date.now()}`;
  const head = Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${fileName}"\r\nContent-Type: application/octet-stream\r\n\r\n`);
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  return { payload: Buffer.concat([head, content, tail]), headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } };
}
