import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import ExcelJS from 'exceljs';
import type { FastifyReply } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { sendXlsx, setExportSlots } from '../xlsx.ts';

/** Just enough of a reply to take a download: the headers, and the bytes sent collected as a file. */
function fakeReply() {
  const chunks: Buffer[] = [];
  let done!: Promise<void>;
  const reply = {
    header: () => reply,
    send: (body: Readable) => {
      done = pipeline(body, new Writable({ write(c, _e, cb) { chunks.push(c); cb(); } }));
      return reply;
    },
    log: { error: () => {} },
  };
  return { reply: reply as unknown as FastifyReply, file: async () => { await done; return Buffer.concat(chunks); } };
}

/** Rows that wait for `open` before the first one: a query still reading. Records when reading began. */
function gatedRows(name: string, started: string[], open: Promise<void>) {
  return async function* () {
    started.push(name);
    await open;
    for (let i = 1; i <= 3; i++) yield { n: i, who: name };
  };
}

const tick = () => new Promise((r) => setTimeout(r, 20));

describe('sendXlsx', () => {
  afterEach(() => setExportSlots(2));

  it('lets only as many downloads read at once as it has slots; the others wait their turn and then complete', async () => {
    setExportSlots(1);
    const started: string[] = [];
    let openA!: () => void;
    const gateA = new Promise<void>((r) => { openA = r; });
    const a = fakeReply();
    const b = fakeReply();
    const cols = [{ header: 'n', key: 'n' }, { header: 'who', key: 'who' }];
    const sentA = sendXlsx(a.reply, 'a.xlsx', 'A', cols, gatedRows('a', started, gateA));
    const sentB = sendXlsx(b.reply, 'b.xlsx', 'B', cols, gatedRows('b', started, Promise.resolve()));
    await tick();
    expect(started).toEqual(['a']);
    openA();
    expect(await sentA).toBe(3);
    expect(await sentB).toBe(3);
    expect(started).toEqual(['a', 'b']);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load((await b.file()) as unknown as ArrayBuffer);
    expect(wb.getWorksheet('B')!.getRow(4).getCell(2).value).toBe('b');
  });

  it('frees its slot when a download fails', async () => {
    setExportSlots(1);
    const failing = fakeReply();
    const bad = async function* () { yield { n: 1 }; throw new Error('broken off'); };
    expect(await sendXlsx(failing.reply, 'x.xlsx', 'X', [{ header: 'n', key: 'n' }], bad)).toBe(1);
    await expect(failing.file()).rejects.toThrow('broken off');
    const ok = fakeReply();
    expect(await sendXlsx(ok.reply, 'y.xlsx', 'Y', [{ header: 'n', key: 'n' }], async function* () { yield { n: 1 }; })).toBe(1);
  });
});
