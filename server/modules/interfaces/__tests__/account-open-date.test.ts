import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext } from '../../../test/context.ts';
import { seedSmallBank } from '../../../test/fixtures.ts';
import { SYSTEM_ACTOR } from '../../../platform/audit.ts';
import { defaultMapping } from '../../../../engines/transform/index.ts';
import * as service from '../interfaces.service.ts';
import { HEADER, personRow, tmpDir, writeCsv } from './helpers.ts';

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

describe('an account loaded without an open date', () => {
  it('keeps no open date (unknown), not the day it was loaded', async () => {
    const header = [...HEADER, 'account_no', 'product', 'opened'];
    const iface = await service.createInterface(ctx.db, SYSTEM_ACTOR, { code: 'CORE_ACCTS', name: 'accounts', sourceCode: 'CORE', connector: 'file' });
    const m = defaultMapping(header);
    m.fields.push({ field: 'account.accountNo', column: 'account_no' }, { field: 'account.productCode', column: 'product' }, { field: 'account.openedOn', column: 'opened', transforms: ['date'] });
    await service.saveMapping(ctx.db, SYSTEM_ACTOR, iface.id, { mapping: m });
    const file = writeCsv(path.join(dir, 'accts.csv'), [[...personRow(1, 'O'), 'ACC-DATED', 'DEP_CURRENT', '2019-03-04'], [...personRow(2, 'O'), 'ACC-UNDATED', 'DEP_CURRENT', '']], header);
    const { loadId } = await service.queueFileLoad(ctx.db, SYSTEM_ACTOR, iface.id, { path: file, fileName: 'accts.csv', trigger: 'cli', maxBytes: ctx.config.importMaxBytes });
    expect(await service.run(ctx.db, loadId, {})).toBe('succeeded');
    const rows = await ctx.db.selectFrom('account').select(['account_no', 'opened_on']).where('account_no', 'in', ['ACC-DATED', 'ACC-UNDATED']).orderBy('account_no').execute();
    expect(rows.map((r) => [r.account_no, r.opened_on === null ? null : String(r.opened_on)]))
      .toEqual([['ACC-DATED', expect.stringMatching(/^2019-03-0[34]/)], ['ACC-UNDATED', null]]);
    // A later extract that leaves the date out (a delta file) does not erase the date the bank gave before.
    const later = writeCsv(path.join(dir, 'accts2.csv'), [[...personRow(1, 'O'), 'ACC-DATED', 'DEP_CURRENT', '']], header);
    const second = await service.queueFileLoad(ctx.db, SYSTEM_ACTOR, iface.id, { path: later, fileName: 'accts2.csv', trigger: 'cli', maxBytes: ctx.config.importMaxBytes });
    expect(await service.run(ctx.db, second.loadId, {})).toBe('succeeded');
    const kept = await ctx.db.selectFrom('account').select('opened_on').where('account_no', '=', 'ACC-DATED').executeTakeFirstOrThrow();
    expect(String(kept.opened_on)).toMatch(/^2019-03-0[34]/);
  });
});
