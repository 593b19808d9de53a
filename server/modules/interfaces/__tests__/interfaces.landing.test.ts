import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, login, type TestContext } from '../../../test/context.ts';
import { PASSWORD, seedSmallBank } from '../../../test/fixtures.ts';
import * as service from '../interfaces.service.ts';
import { personRow, tmpDir, writeCsv } from './helpers.ts';

let ctx: TestContext;
let bank: Awaited<ReturnType<typeof seedSmallBank>>;
let cookie = '';
const home = tmpDir();
const root = path.join(home, 'landing');
const MAX = 1 << 30;

const api = (method: 'POST' | 'PATCH' | 'GET', url: string, payload?: unknown) => ctx.app.inject({ method, url, headers: { cookie }, payload: payload as object });
const listing = (dir: string) => (fs.existsSync(dir) ? fs.readdirSync(dir).sort() : []);
const minutesAgo = (file: string, m: number) => fs.utimesSync(file, new Date(Date.now() - m * 60_000), new Date(Date.now() - m * 60_000));
/** The interface's cron comes due, and the minute tick runs. */
async function tickDue(id: number) {
  await ctx.db.updateTable('interface').set({ next_run_at: new Date(Date.now() - 1000) }).where('id', '=', id).execute();
  return service.tick(ctx.db, new Date(), { maxBytes: MAX });
}
const loads = async (id: number) => (await api('GET', `/api/interfaces/${id}/loads`)).json().items as { id: number; trigger: string; status: string; fileName: string; report: Record<string, number>; error: { message: { en: string }; fields?: unknown[] } | null }[];

beforeAll(async () => {
  ctx = await createTestContext({ home, landingRoot: root });
  bank = await seedSmallBank(ctx.db);
  cookie = await login(ctx.app, 'admin', PASSWORD);
});
afterAll(async () => {
  await ctx?.close();
  fs.rmSync(home, { recursive: true, force: true });
});

describe('landing folder settings', () => {
  it('refuses a folder outside the landing root, a link out of it, a bad pattern or flag, by field and rule', async () => {
    const bad = async (payload: Record<string, unknown>, field: string, rule: string) => {
      const res = await api('POST', '/api/interfaces', { code: 'LAND_BAD', name: 'x', sourceCode: 'CORE', connector: 'file', ...payload });
      expect(res.statusCode, res.body).toBe(400);
      expect(res.json().error.fields[0]).toMatchObject({ field, rule, messages: { zh: expect.any(String), en: expect.any(String) } });
    };
    await bad({ landingDir: '../elsewhere' }, 'landingDir', 'inside');
    await bad({ landingDir: '/etc' }, 'landingDir', 'inside');
    fs.mkdirSync(root, { recursive: true });
    fs.symlinkSync('/etc', path.join(root, 'sneaky'));
    await bad({ landingDir: 'sneaky' }, 'landingDir', 'inside');
    await bad({ landingDir: 'core', landingPattern: '../*.csv' }, 'landingPattern', 'name');
    await bad({ landingDir: 'core', landingFlag: 'ok' }, 'landingFlag', 'suffix');
    // A schedule needs a landing folder; a database pull has none.
    await bad({ cron: '0 2 * * *' }, 'cron', 'landing');
    const pull = await api('POST', '/api/interfaces', { code: 'LAND_PG', name: 'x', sourceCode: 'CORE', connector: 'postgres', pgUrl: 'postgres://x@127.0.0.1/x', pgQuery: 'SELECT 1', landingDir: 'core' });
    expect(pull.json().error.fields[0]).toMatchObject({ field: 'landingDir', rule: 'connector' });
    expect(await ctx.db.selectFrom('interface').select('code').where('code', 'like', 'LAND_%').execute()).toEqual([]);
  });
});

describe('a file interface on a schedule takes its files from its landing folder', () => {
  let id = 0;
  const dir = path.join(root, 'core');

  it('is created with a folder inside the root (made if missing), a pattern and a flag suffix', async () => {
    const res = await api('POST', '/api/interfaces', {
      code: 'CORE_LANDING', name: '核心系统日终', sourceCode: 'CORE', connector: 'file', cron: '30 1 * * *', landingDir: 'core', landingPattern: 'cust_*.csv', landingFlag: '.ok',
    });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json()).toMatchObject({ landingDir: dir, landingPattern: 'cust_*.csv', landingFlag: '.ok', cron: '30 1 * * *', nextRunAt: expect.any(String) });
    expect(fs.statSync(dir).isDirectory()).toBe(true);
    id = res.json().id;
  });

  it('loads only the complete files matching its pattern, in name order, and moves them to done/', async () => {
    writeCsv(path.join(dir, 'cust_20261206.csv'), [personRow(2, 'B')]);
    fs.writeFileSync(path.join(dir, 'cust_20261206.csv.ok'), '');
    writeCsv(path.join(dir, 'cust_20261205.csv'), [personRow(1, 'A')]);
    fs.writeFileSync(path.join(dir, 'cust_20261205.ok'), ''); // the flag may also replace the extension
    writeCsv(path.join(dir, 'cust_20261207.csv'), [personRow(3, 'C')]); // its flag has not arrived yet
    writeCsv(path.join(dir, 'acct_20261206.csv'), [personRow(4, 'D')]); // another interface's file
    fs.writeFileSync(path.join(dir, 'acct_20261206.csv.ok'), '');
    writeCsv(path.join(dir, 'cust_20261208.csv.tmp'), [personRow(5, 'E')]); // still arriving

    const t = await tickDue(id);
    expect(t).toMatchObject({ scheduled: 1, succeeded: 2 });
    const history = await loads(id);
    expect(history.map((l) => [l.fileName, l.trigger, l.status, l.report.new])).toEqual([
      ['cust_20261206.csv', 'schedule', 'succeeded', 1], ['cust_20261205.csv', 'schedule', 'succeeded', 1],
    ]);
    expect(history[1]!.id).toBeLessThan(history[0]!.id);
    expect(listing(path.join(dir, 'done'))).toEqual(['cust_20261205.csv', 'cust_20261206.csv']);
    expect(listing(path.join(dir, 'loading'))).toEqual([]);
    expect(listing(dir)).toEqual(['acct_20261206.csv', 'acct_20261206.csv.ok', 'cust_20261207.csv', 'cust_20261208.csv.tmp', 'done', 'loading']);
    expect(await ctx.db.selectFrom('source_record').select('record_key').where('source_code', '=', 'CORE').orderBy('record_key').execute())
      .toEqual([{ record_key: 'A0000001' }, { record_key: 'B0000002' }]);
    const log = (await api('GET', `/api/interfaces/loads/${history[0]!.id}/log`)).json().items.map((x: { messages: { en: string } }) => x.messages.en);
    expect(log.at(-1)).toBe(`file moved to ${path.join(dir, 'done', 'cust_20261206.csv')}`);
  });

  it('a tick before the cron is due takes nothing', async () => {
    fs.writeFileSync(path.join(dir, 'cust_20261207.csv.ok'), '');
    expect(await service.tick(ctx.db, new Date(), { maxBytes: MAX })).toEqual({ scheduled: 0 });
    expect(fs.existsSync(path.join(dir, 'cust_20261207.csv'))).toBe(true);
  });

  it('a file refused whole goes to failed/, with a failed load saying why and its owner told', async () => {
    fs.writeFileSync(path.join(dir, 'cust_20261209.csv'), 'cust,nm\n1,张三\n');
    fs.writeFileSync(path.join(dir, 'cust_20261209.csv.ok'), '');
    const t = await tickDue(id);
    expect(t).toMatchObject({ scheduled: 1, succeeded: 1 });
    const [refused, loaded] = await loads(id);
    expect(loaded).toMatchObject({ fileName: 'cust_20261207.csv', status: 'succeeded' });
    expect(refused).toMatchObject({ fileName: 'cust_20261209.csv', trigger: 'schedule', status: 'failed' });
    expect(refused!.error).toMatchObject({ fields: expect.arrayContaining([expect.objectContaining({ field: 'header.record_id', rule: 'missingColumn' })]) });
    expect(listing(path.join(dir, 'failed'))).toEqual(['cust_20261209.csv']);
    expect(listing(path.join(dir, 'done'))).toEqual(['cust_20261205.csv', 'cust_20261206.csv', 'cust_20261207.csv']);
    const bell = await ctx.db.selectFrom('reminder_event').select('title').where('user_id', '=', bank.users.admin!).execute();
    expect(bell.map((r) => r.title)).toContainEqual(expect.stringContaining('CORE_LANDING'));
  });

  it('a file of the same name delivered again is loaded again (nothing changes) and kept beside the first in done/', async () => {
    writeCsv(path.join(dir, 'cust_20261205.csv'), [personRow(1, 'A')]);
    fs.writeFileSync(path.join(dir, 'cust_20261205.csv.ok'), '');
    const res = await api('POST', `/api/interfaces/${id}/scan`);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().items).toEqual([expect.objectContaining({ fileName: 'cust_20261205.csv', trigger: 'schedule' })]);
    let l = res.json().items[0];
    await expect.poll(async () => {
      l = (await api('GET', `/api/interfaces/loads/${l.id}`)).json();
      return l.status;
    }).toBe('succeeded');
    expect(l.report).toMatchObject({ read: 1, new: 0, changed: 0, unchanged: 1 });
    await expect.poll(() => listing(path.join(dir, 'done')).filter((n) => n.startsWith('cust_20261205')).length).toBe(2);
  });

  it('a file a stopped run had taken but not queued is loaded by the next run', async () => {
    writeCsv(path.join(dir, 'loading', 'cust_20261210.csv'), [personRow(6, 'F')]);
    const t = await tickDue(id);
    expect(t).toMatchObject({ scheduled: 1, succeeded: 1 });
    expect((await loads(id))[0]).toMatchObject({ fileName: 'cust_20261210.csv', status: 'succeeded', report: { new: 1 } });
    expect(listing(path.join(dir, 'loading'))).toEqual([]);
  });

  it('without flag files, a file is taken once it has not changed for a minute', async () => {
    const p = await api('PATCH', `/api/interfaces/${id}`, { landingFlag: null });
    expect(p.statusCode, p.body).toBe(200);
    writeCsv(path.join(dir, 'cust_20261211.csv'), [personRow(7, 'G')]);
    expect(await tickDue(id)).toEqual({ scheduled: 1 });
    expect(fs.existsSync(path.join(dir, 'cust_20261211.csv'))).toBe(true);
    minutesAgo(path.join(dir, 'cust_20261211.csv'), 2);
    expect(await tickDue(id)).toMatchObject({ scheduled: 1, succeeded: 1 });
    expect(listing(path.join(dir, 'done'))).toContain('cust_20261211.csv');
  });

  it('a landing folder that has gone is a failed run, not silence', async () => {
    const other = path.join(root, 'card');
    const res = await api('POST', '/api/interfaces', { code: 'CARD_LANDING', name: '信用卡', sourceCode: 'CARD', connector: 'file', cron: '0 3 * * *', landingDir: 'card' });
    expect(res.statusCode, res.body).toBe(201);
    fs.rmSync(other, { recursive: true });
    await tickDue(res.json().id);
    expect((await loads(res.json().id))[0]).toMatchObject({ trigger: 'schedule', status: 'failed', error: { message: { en: expect.stringContaining('cannot be read') } } });
  });

  it('dropping the landing folder while a schedule stays is refused', async () => {
    const res = await api('PATCH', `/api/interfaces/${id}`, { landingDir: null });
    expect(res.json().error.fields[0]).toMatchObject({ field: 'cron', rule: 'landing' });
    const both = await api('PATCH', `/api/interfaces/${id}`, { landingDir: null, cron: null });
    expect(both.json()).toMatchObject({ landingDir: null, cron: null, nextRunAt: null });
  });
});
