import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext } from '../../../test/context.ts';
import { seedSmallBank } from '../../../test/fixtures.ts';
import { SYSTEM_ACTOR } from '../../../platform/audit.ts';
import * as service from '../interfaces.service.ts';
import { HEADER, personRow, tmpDir, writeCsv } from './helpers.ts';

/** A load's progress as its watcher sees it batch by batch, stopped and resumed after every batch. */

let ctx: TestContext;
const dir = tmpDir();

beforeAll(async () => {
  ctx = await createTestContext({ home: dir });
  await seedSmallBank(ctx.db);
});
afterAll(async () => {
  await ctx?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

type Load = Awaited<ReturnType<typeof service.getLoad>>;

async function stepwise(code: string, file: string, rows: number, batchRows: number) {
  const iface = await service.createInterface(ctx.db, SYSTEM_ACTOR, { code, name: code, sourceCode: 'CORE', connector: 'file' });
  const { loadId } = await service.queueFileLoad(ctx.db, SYSTEM_ACTOR, iface.id, { path: file, fileName: path.basename(file), trigger: 'cli', maxBytes: ctx.config.importMaxBytes });
  const steps: Load[] = [];
  for (let k = 0; k <= rows / batchRows; k++) {
    // Each run commits one small batch and stops; the next resumes the load after its checkpoint.
    const outcome = await service.run(ctx.db, loadId, { batchRows, stopAfterBatches: 1 });
    steps.push(await service.getLoad(ctx.db, loadId));
    if (outcome !== 'stopped') break;
  }
  return steps;
}

function expectForwardOnly(steps: Load[]) {
  for (let i = 1; i < steps.length; i++) {
    const [a, b] = [steps[i - 1]!, steps[i]!];
    expect(b.progress, `progress at step ${i}`).toBeGreaterThanOrEqual(a.progress);
    for (const k of ['read', 'accepted', 'new'] as const) expect(b.report[k], `${k} at step ${i}`).toBeGreaterThanOrEqual(a.report[k]);
    expect(b.resolution.done, `resolved at step ${i}`).toBeGreaterThanOrEqual(a.resolution.done);
  }
}

describe('progress of a load in small batches, resumed after each', { timeout: 120_000 }, () => {
  it.each([['csv', 'p.csv'], ['json lines', 'p.jsonl']])('%s: the bar follows the rows written and the projected total is the whole file\'s', async (_what, name) => {
    const rows = Array.from({ length: 300 }, (_, i) => personRow(i, name.endsWith('csv') ? 'P' : 'J'));
    const file = path.join(dir, name);
    if (name.endsWith('.csv')) writeCsv(file, rows);
    else fs.writeFileSync(file, rows.map((r) => JSON.stringify(Object.fromEntries(HEADER.map((h, i) => [h, r[i]])))).join('\n') + '\n');
    const steps = await stepwise(name.endsWith('csv') ? 'PROG_CSV' : 'PROG_JSONL', file, 300, 25);
    expect(steps.at(-1)).toMatchObject({ status: 'succeeded', progress: 1, report: { read: 300, new: 300 }, resolution: { done: 300, total: 300 } });
    const first = steps[0]!;
    // 25 of 300 rows: not 99 % done (the file is read a megabyte at a time, all of it with the first batch), and the
    // records to resolve are projected for the whole file, not just the 25 handed over.
    expect(first.report.read).toBe(25);
    expect(first.progress).toBeLessThan(0.15);
    expect(first.stage).toBe('writing');
    for (const s of steps.slice(0, -1)) {
      // Every run after the first is a resumed one: its total counts the rows done before the stop.
      expect(s.resolution.expected, `projected total after row ${s.checkpointRow}`).toBeGreaterThanOrEqual(270);
      expect(s.resolution.expected).toBeLessThanOrEqual(330);
      expect(s.progress).toBeLessThan(1);
    }
    expectForwardOnly(steps);
  });
});
