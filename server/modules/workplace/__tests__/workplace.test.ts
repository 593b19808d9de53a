import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, login, type TestContext } from '../../../test/context.ts';
import { PASSWORD, seedSmallBank } from '../../../test/fixtures.ts';
import { fireRemindersJob } from '../workplace.jobs.ts';
import { bankDate, weekStartOf } from '../workplace.service.ts';

let ctx: TestContext;
let bank: Awaited<ReturnType<typeof seedSmallBank>>;
const cookies: Record<string, string> = {};
const USERS = ['admin', 'hq', 'bm_a', 'cm_a', 'cm_a2', 'cm_b', 'agent', 'auditor'] as const;
type User = (typeof USERS)[number];

beforeAll(async () => {
  ctx = await createTestContext();
  bank = await seedSmallBank(ctx.db);
  for (const u of USERS) cookies[u] = await login(ctx.app, u, PASSWORD);
});
afterAll(() => ctx?.close());

type Method = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
const call = (user: User, method: Method, url: string, payload?: unknown) =>
  ctx.app.inject({ method, url, headers: { cookie: cookies[user]!, 'accept-language': 'en' }, ...(payload !== undefined ? { payload: payload as object } : {}) });
const ok = async (user: User, method: Method, url: string, payload?: unknown) => {
  const res = await call(user, method, url, payload);
  if (res.statusCode >= 300) throw new Error(`${method} ${url} as ${user}: ${res.statusCode} ${res.body}`);
  return res.statusCode === 204 ? undefined : res.json();
};
const inboxTitles = async (user: User) => ((await ok(user, 'GET', '/api/workplace/notices?pageSize=200')).items as { title: string }[]).map((n) => n.title);
const fieldsOf = (res: { json: () => { error: { fields: { field: string; rule: string }[] } } }) => res.json().error.fields.map((f) => `${f.field}:${f.rule}`);
const fire = async (now: Date) => (await fireRemindersJob.run(ctx.db, now)) as { fired: number };
const hours = (h: number) => new Date(Date.now() + h * 3_600_000).toISOString();
const auditCount = async (entity: string, action?: string) => {
  let q = ctx.db.selectFrom('audit_log').select((eb) => eb.fn.countAll<number>().as('n')).where('entity', '=', entity);
  if (action) q = q.where('action', '=', action);
  return Number((await q.executeTakeFirstOrThrow()).n);
};

describe('notices: audience by org subtree and role', () => {
  it('a branch notice reaches everyone in the branch subtree and no one outside it', async () => {
    const n = await ok('bm_a', 'POST', '/api/workplace/notices', { title: 'Branch A: quarter-end', body: 'All hands **Friday**', format: 'markdown', orgIds: [bank.orgs.branchA] });
    expect(n.id).toBeGreaterThan(0);
    for (const u of ['cm_a', 'cm_a2'] as const) expect(await inboxTitles(u)).toContain('Branch A: quarter-end');
    // Not in the publisher's own inbox: they are not their own audience.
    for (const u of ['bm_a', 'cm_b', 'hq', 'agent'] as const) expect(await inboxTitles(u)).not.toContain('Branch A: quarter-end');
    expect(await auditCount('notice', 'create')).toBeGreaterThan(0);
  });

  it('roles narrow the audience: only matching roles inside the subtree', async () => {
    await ok('hq', 'POST', '/api/workplace/notices', { title: 'Managers only', orgIds: [bank.orgs.hq], roles: ['customer_manager'] });
    for (const u of ['cm_a', 'cm_a2', 'cm_b'] as const) expect(await inboxTitles(u)).toContain('Managers only');
    for (const u of ['bm_a', 'hq', 'agent'] as const) expect(await inboxTitles(u)).not.toContain('Managers only');
  });

  it('several subtrees at once', async () => {
    await ok('hq', 'POST', '/api/workplace/notices', { title: 'Two sub-branches', orgIds: [bank.orgs.subA, bank.orgs.subB] });
    for (const u of ['cm_a', 'cm_b'] as const) expect(await inboxTitles(u)).toContain('Two sub-branches');
    expect(await inboxTitles('bm_a')).not.toContain('Two sub-branches');
    await ok('hq', 'POST', '/api/workplace/notices', { title: 'Branch A from HQ', orgIds: [bank.orgs.branchA] });
    expect(await inboxTitles('bm_a')).toContain('Branch A from HQ'); // the target unit itself, not only below it
  });

  it('scheduled, expired and withdrawn notices are not shown', async () => {
    await ok('bm_a', 'POST', '/api/workplace/notices', { title: 'Later', orgIds: [bank.orgs.branchA], publishAt: hours(24) });
    const gone = await ok('bm_a', 'POST', '/api/workplace/notices', { title: 'Withdrawn one', orgIds: [bank.orgs.branchA] });
    expect(await inboxTitles('cm_a')).toContain('Withdrawn one');
    await ok('bm_a', 'POST', `/api/workplace/notices/${gone.id}/withdraw`);
    const titles = await inboxTitles('cm_a');
    expect(titles).not.toContain('Later');
    expect(titles).not.toContain('Withdrawn one');
    const managed = await ok('bm_a', 'GET', '/api/workplace/notices/manage?status=scheduled');
    expect(managed.items.map((i: { title: string }) => i.title)).toEqual(['Later']);
  });

  it('publishing needs notice:publish, and only inside the publisher\'s own subtree', async () => {
    expect((await call('cm_a', 'POST', '/api/workplace/notices', { title: 'x', orgIds: [bank.orgs.subA] })).statusCode).toBe(403);
    const out = await call('bm_a', 'POST', '/api/workplace/notices', { title: 'To B', orgIds: [bank.orgs.branchA, bank.orgs.branchB] });
    expect(out.statusCode).toBe(400);
    expect(fieldsOf(out)).toEqual(['orgIds.1:outsideScope']);
    const bad = await call('bm_a', 'POST', '/api/workplace/notices', { title: 'x', roles: ['nope'], publishAt: hours(2), expireAt: hours(1) });
    expect(bad.statusCode).toBe(400);
    expect(fieldsOf(bad).sort()).toEqual(['expireAt:afterPublish', 'roles.0:unknown']);
    const html = await call('bm_a', 'POST', '/api/workplace/notices', { title: 'x', attachments: [{ name: 'evil', url: 'javascript:alert(1)' }] });
    expect(html.statusCode).toBe(400);
    expect(fieldsOf(html)).toEqual(['attachments.0.url:pattern']);
    const blank = await call('bm_a', 'POST', '/api/workplace/notices', { title: '   ', extra: 1 });
    expect(blank.statusCode).toBe(400);
    expect(fieldsOf(blank).sort()).toEqual(['extra:unknown', 'title:pattern'].sort());
    expect(await inboxTitles('cm_a')).not.toContain('x');
  });
});

describe('notices: read receipts', () => {
  let id: number;
  beforeAll(async () => {
    id = (await ok('bm_a', 'POST', '/api/workplace/notices', { title: 'Receipts', body: 'Read me', orgIds: [bank.orgs.subA], attachments: [{ name: 'Rules', url: 'https://example.com/rules.pdf' }] })).id;
  });

  it('opening marks read once; unread counts follow', async () => {
    const before = await ok('cm_a', 'GET', '/api/workplace/notices?unread=true&pageSize=200');
    expect(before.items.map((i: { id: number }) => i.id)).toContain(id);
    const audits = await auditCount('notice', 'read');
    const opened = await ok('cm_a', 'GET', `/api/workplace/notices/${id}`);
    expect(opened.readAt).toBeTruthy();
    expect(opened.attachments).toEqual([{ name: 'Rules', url: 'https://example.com/rules.pdf' }]);
    const again = await ok('cm_a', 'GET', `/api/workplace/notices/${id}`);
    expect(again.readAt).toBe(opened.readAt);
    expect(await auditCount('notice', 'read')).toBe(audits + 1);
    const after = await ok('cm_a', 'GET', '/api/workplace/notices?unread=true&pageSize=200');
    expect(after.unread).toBe(before.unread - 1);
    expect(after.items.map((i: { id: number }) => i.id)).not.toContain(id);
  });

  it('someone outside the audience gets 404, as if it did not exist', async () => {
    const res = await call('cm_b', 'GET', `/api/workplace/notices/${id}`);
    expect(res.statusCode).toBe(404);
    expect(res.json().error.code).toBe((await call('cm_b', 'GET', '/api/workplace/notices/999999')).json().error.code);
  });

  it('the publisher sees who has and has not read it, and exports the list', async () => {
    const r = await ok('bm_a', 'GET', `/api/workplace/notices/${id}/readers`);
    expect(r.audience).toBe(2);
    expect(r.read).toBe(1);
    expect(r.unread).toBe(1);
    const byName = Object.fromEntries(r.items.map((i: { username: string; readAt: string | null }) => [i.username, i.readAt]));
    expect(byName.cm_a).toBeTruthy();
    expect(byName.cm_a2).toBeNull();
    const unread = await ok('bm_a', 'GET', `/api/workplace/notices/${id}/readers?read=false`);
    expect(unread.items.map((i: { username: string }) => i.username)).toEqual(['cm_a2']);
    const managed = await ok('bm_a', 'GET', '/api/workplace/notices/manage?q=Receipts');
    // The publisher opening their own notice leaves no receipt and does not count.
    expect((await ok('bm_a', 'GET', `/api/workplace/notices/${id}`)).canManage).toBe(true);
    expect((await ok('bm_a', 'GET', `/api/workplace/notices/${id}/readers`)).read).toBe(1);
    expect(managed.items[0]).toMatchObject({ audience: 2, read: 1, unread: 1 });

    const xlsx = await call('bm_a', 'GET', `/api/workplace/notices/${id}/readers/export`);
    expect(xlsx.statusCode).toBe(200);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(xlsx.rawPayload as unknown as ArrayBuffer);
    const rows = wb.worksheets[0]!.getSheetValues().slice(2).map((row) => (row as unknown[]).slice(1, 6).join('|'));
    expect(rows).toHaveLength(2);
    expect(rows.find((x) => x.startsWith('cm_a|'))).toContain('|read');
    expect(rows.find((x) => x.startsWith('cm_a2|'))).toContain('|unread');
  });

  it('head office may look at a branch notice; a manager elsewhere may not', async () => {
    expect((await call('hq', 'GET', `/api/workplace/notices/${id}/readers`)).statusCode).toBe(200);
    expect((await call('cm_a', 'GET', `/api/workplace/notices/${id}/readers`)).statusCode).toBe(403);
  });

  it('mark all read clears the unread count', async () => {
    expect((await ok('cm_a2', 'GET', '/api/workplace/notices')).unread).toBeGreaterThan(0);
    const res = await ok('cm_a2', 'POST', '/api/workplace/notices/read-all');
    expect(res.marked).toBeGreaterThan(0);
    expect((await ok('cm_a2', 'GET', '/api/workplace/notices')).unread).toBe(0);
    expect((await ok('bm_a', 'GET', `/api/workplace/notices/${id}/readers`)).read).toBe(2);
    expect((await ok('cm_a2', 'POST', '/api/workplace/notices/read-all')).marked).toBe(0);
  });

  it('the home widget shows unread notices and the count', async () => {
    await ok('bm_a', 'POST', '/api/workplace/notices', { title: 'Fresh for home', orgIds: [bank.orgs.subA], pinned: true });
    const h = await ok('cm_a2', 'GET', '/api/workplace/home');
    expect(h.unreadNotices).toBe(1);
    expect(h.notices.map((n: { title: string }) => n.title)).toEqual(['Fresh for home']);
  });
});

describe('calendar', () => {
  const day = '2030-03-04';
  const at = (hh: string) => `${day}T${hh}:00+08:00`;
  const range = `from=${encodeURIComponent(`${day}T00:00:00+08:00`)}&to=${encodeURIComponent(`${day}T23:59:59+08:00`)}`;
  const titles = async (user: User) => ((await ok(user, 'GET', `/api/workplace/calendar?${range}`)).items as { title: string }[]).map((e) => e.title);
  let teamId: number;

  beforeAll(async () => {
    await ok('cm_a', 'POST', '/api/workplace/calendar/events', { title: 'Private', startsAt: at('09:00'), endsAt: at('10:00') });
    teamId = (await ok('cm_a', 'POST', '/api/workplace/calendar/events', {
      title: 'Team visit', startsAt: at('14:00'), endsAt: at('15:00'), location: 'Haidian', shareOrgId: bank.orgs.subA, customerNo: bank.customers.zhangWei,
    })).id;
    await ok('cm_a', 'POST', '/api/workplace/calendar/events', { title: 'With B', startsAt: at('16:00'), endsAt: at('17:00'), shareUserIds: [bank.users.cm_b!] });
  });

  it('own events, events shared with my org line, events shared with me by name', async () => {
    expect((await titles('cm_a')).sort()).toEqual(['Private', 'Team visit', 'With B']);
    expect(await titles('cm_a2')).toEqual(['Team visit']);
    expect(await titles('cm_b')).toEqual(['With B']);
    expect(await titles('bm_a')).toEqual([]); // shared with the sub-branch, not with the branch above it
  });

  it('lists carry the contract fields; the customer shows only to those whose scope holds it', async () => {
    const mine = (await ok('cm_a', 'GET', `/api/workplace/calendar?${range}`)).items.find((e: { title: string }) => e.title === 'Team visit');
    expect(mine).toMatchObject({ id: teamId, allDay: false, location: 'Haidian', customerNo: bank.customers.zhangWei, ownerName: 'cm_a', shared: true });
    expect(new Date(mine.startsAt).toISOString()).toBe(new Date(at('14:00')).toISOString());
    const theirs = (await ok('cm_a2', 'GET', `/api/workplace/calendar?${range}`)).items[0];
    expect(theirs.title).toBe('Team visit');
    expect(theirs.customerNo).toBeUndefined();
  });

  it('a customer outside the scope is 404; bad times are 400 naming the field', async () => {
    const other = await call('cm_a', 'POST', '/api/workplace/calendar/events', { title: 'x', startsAt: at('09:00'), endsAt: at('10:00'), customerNo: bank.customers.wangFang });
    expect(other.statusCode).toBe(404);
    const back = await call('cm_a', 'POST', '/api/workplace/calendar/events', { title: 'x', startsAt: at('10:00'), endsAt: at('09:00') });
    expect(back.statusCode).toBe(400);
    expect(fieldsOf(back)).toEqual(['endsAt:afterStart']);
    expect(back.json().error.fields[0].messages.zh).toContain('结束时间');
    const fmt = await call('cm_a', 'POST', '/api/workplace/calendar/events', { title: 'x', startsAt: 'tomorrow', endsAt: at('09:00') });
    expect(fmt.statusCode).toBe(400);
    expect(fieldsOf(fmt)).toEqual(['startsAt:format']);
    const q = await call('cm_a', 'GET', `/api/workplace/calendar?from=${encodeURIComponent(at('10:00'))}&to=${encodeURIComponent(at('09:00'))}`);
    expect(q.statusCode).toBe(400);
    expect(fieldsOf(q)).toEqual(['to:afterFrom']);
    expect(await titles('cm_a')).toHaveLength(3);
  });

  it('only the owner changes an event; moving it into reverse is refused', async () => {
    expect((await call('cm_a2', 'PATCH', `/api/workplace/calendar/events/${teamId}`, { title: 'hijack' })).statusCode).toBe(403);
    expect((await call('cm_b', 'PATCH', `/api/workplace/calendar/events/${teamId}`, { title: 'hijack' })).statusCode).toBe(404);
    expect((await call('cm_b', 'GET', `/api/workplace/calendar/events/${teamId}`)).statusCode).toBe(404);
    const rev = await call('cm_a', 'PATCH', `/api/workplace/calendar/events/${teamId}`, { endsAt: at('13:00') });
    expect(rev.statusCode).toBe(400);
    expect(fieldsOf(rev)).toEqual(['endsAt:afterStart']);
    const moved = await ok('cm_a', 'PATCH', `/api/workplace/calendar/events/${teamId}`, { shareOrgId: null, title: 'Team visit (private)' });
    expect(moved.shared).toBe(false);
    expect(await titles('cm_a2')).toEqual([]);
    expect(await auditCount('calendar_event', 'update')).toBeGreaterThan(0);
  });

  it('delete is the owner\'s and audited', async () => {
    const e = await ok('cm_a', 'POST', '/api/workplace/calendar/events', { title: 'Gone', startsAt: at('18:00'), endsAt: at('19:00'), shareUserIds: [bank.users.cm_b!] });
    expect((await call('cm_b', 'DELETE', `/api/workplace/calendar/events/${e.id}`)).statusCode).toBe(403);
    await ok('cm_a', 'DELETE', `/api/workplace/calendar/events/${e.id}`);
    expect(await titles('cm_b')).toEqual(['With B']);
    expect(await auditCount('calendar_event', 'delete')).toBe(1);
  });
});

describe('work journal', () => {
  const today = bankDate(new Date());
  const week = weekStartOf(today);

  it('a user writes a day and sees the week', async () => {
    await ok('cm_a', 'PUT', `/api/workplace/journal/${today}`, { content: 'Visited 3 customers', plan: 'Call 张伟' });
    await ok('cm_a', 'PUT', `/api/workplace/journal/${today}`, { plan: 'Call 张伟 about deposits' });
    const w = await ok('cm_a', 'GET', `/api/workplace/journal?week=${today}`);
    expect(w.weekStart).toBe(week);
    expect(w.days).toHaveLength(7);
    expect(w.days.find((d: { date: string }) => d.date === today)).toMatchObject({ content: 'Visited 3 customers', plan: 'Call 张伟 about deposits' });
    expect(w.editable).toBe(true);
    expect(await auditCount('journal_entry', 'create')).toBe(1);
    expect(await auditCount('journal_entry', 'update')).toBe(1);
  });

  it('work done cannot be written for a future day; plans can', async () => {
    const future = weekStartOf('2099-01-07');
    const res = await call('cm_a', 'PUT', `/api/workplace/journal/${future}`, { content: 'done already?' });
    expect(res.statusCode).toBe(400);
    expect(fieldsOf(res)).toEqual(['content:notFuture']);
    await ok('cm_a', 'PUT', `/api/workplace/journal/${future}`, { plan: 'Plan ahead' });
    expect((await call('cm_a', 'PUT', '/api/workplace/journal/2024-02-30', { plan: 'x' })).statusCode).toBe(400);
  });

  it('a supervisor reads the team\'s journals through the staff scope; others cannot', async () => {
    const w = await ok('bm_a', 'GET', `/api/workplace/journal?userId=${bank.users.cm_a}&week=${today}`);
    expect(w.user.username).toBe('cm_a');
    expect(w.editable).toBe(false);
    expect(w.days.find((d: { date: string }) => d.date === today).content).toBe('Visited 3 customers');
    expect((await call('cm_b', 'GET', `/api/workplace/journal?userId=${bank.users.cm_a}`)).statusCode).toBe(404);
    expect((await call('cm_a2', 'GET', `/api/workplace/journal?userId=${bank.users.cm_a}`)).statusCode).toBe(404);
    expect((await call('bm_a', 'GET', `/api/workplace/journal?userId=${bank.users.cm_b}`)).statusCode).toBe(404);
    expect((await call('hq', 'GET', `/api/workplace/journal?userId=${bank.users.cm_b}`)).statusCode).toBe(200);

    const team = await ok('bm_a', 'GET', `/api/workplace/journal/team?week=${today}`);
    const names = team.items.map((i: { username: string }) => i.username);
    expect(names).toEqual(expect.arrayContaining(['bm_a', 'cm_a', 'cm_a2']));
    expect(names).not.toContain('cm_b');
    expect(team.items.find((i: { username: string }) => i.username === 'cm_a').days).toBe(1);
    expect((await call('cm_a', 'GET', '/api/workplace/journal/team')).statusCode).toBe(403);
  });

  it('exports a date range', async () => {
    const res = await call('bm_a', 'GET', `/api/workplace/journal/export?from=${week}&to=${today}&userId=${bank.users.cm_a}`);
    expect(res.statusCode).toBe(200);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(res.rawPayload as unknown as ArrayBuffer);
    expect(wb.worksheets[0]!.rowCount).toBe(2);
    expect((await call('cm_b', 'GET', `/api/workplace/journal/export?from=${week}&to=${today}&userId=${bank.users.cm_a}`)).statusCode).toBe(404);
  });
});

describe('reminders and the bell', () => {
  it('the job fires due reminders once, however often it runs', async () => {
    const r = await ok('cm_a', 'POST', '/api/workplace/reminders', { title: 'Call back 张伟', remindAt: hours(1), customerNo: bank.customers.zhangWei, note: 'about the CD' });
    expect(r.state).toBe('pending');
    expect(r.customerNo).toBe(bank.customers.zhangWei);
    expect(await fire(new Date())).toEqual({ fired: 0 });
    expect((await ok('cm_a', 'GET', '/api/workplace/alerts')).count).toBe(0);

    const later = new Date(Date.now() + 2 * 3_600_000);
    expect(await fire(later)).toEqual({ fired: 1 });
    expect(await fire(later)).toEqual({ fired: 0 });
    expect(await fire(new Date(later.getTime() + 60_000))).toEqual({ fired: 0 });

    const a = await ok('cm_a', 'GET', '/api/workplace/alerts');
    expect(a.count).toBe(1);
    expect(a.items[0]).toMatchObject({ id: r.id, title: 'Call back 张伟', state: 'fired' });
    expect((await ok('cm_a2', 'GET', '/api/workplace/alerts')).count).toBe(0);
    await ok('cm_a', 'POST', '/api/workplace/alerts/seen', {});
    expect((await ok('cm_a', 'GET', '/api/workplace/alerts')).count).toBe(0);
    expect((await ok('cm_a', 'GET', '/api/workplace/reminders?status=fired')).items.map((x: { id: number }) => x.id)).toEqual([r.id]);
  });

  it('a calendar event\'s reminder fires too, and moving it re-arms it', async () => {
    const e = await ok('cm_a2', 'POST', '/api/workplace/calendar/events', { title: 'Branch meeting', startsAt: hours(3), endsAt: hours(4), remindAt: hours(2) });
    expect(e.remindAt).toBeTruthy();
    const t = new Date(Date.now() + 2.5 * 3_600_000);
    expect((await fire(t)).fired).toBe(1);
    expect((await ok('cm_a2', 'GET', '/api/workplace/alerts')).items[0].calendarEventId).toBe(e.id);
    await ok('cm_a2', 'PATCH', `/api/workplace/calendar/events/${e.id}`, { remindAt: hours(2.8) });
    expect((await ok('cm_a2', 'GET', '/api/workplace/alerts')).count).toBe(0);
    expect((await fire(t)).fired).toBe(0);
    expect((await fire(new Date(Date.now() + 2.9 * 3_600_000))).fired).toBe(1);
    const linked = (await ok('cm_a2', 'GET', '/api/workplace/reminders')).items[0];
    expect((await call('cm_a2', 'DELETE', `/api/workplace/reminders/${linked.id}`)).statusCode).toBe(409);
  });

  it('validation, ownership, done', async () => {
    const past = await call('cm_a', 'POST', '/api/workplace/reminders', { title: 'late', remindAt: hours(-1) });
    expect(past.statusCode).toBe(400);
    expect(fieldsOf(past)).toEqual(['remindAt:future']);
    expect((await call('cm_a', 'POST', '/api/workplace/reminders', { title: 'x', remindAt: hours(1), customerNo: bank.customers.wangFang })).statusCode).toBe(404);
    const r = await ok('cm_a', 'POST', '/api/workplace/reminders', { title: 'Mine', remindAt: hours(5) });
    expect((await call('cm_b', 'PATCH', `/api/workplace/reminders/${r.id}`, { title: 'theirs' })).statusCode).toBe(404);
    const done = await ok('cm_a', 'POST', `/api/workplace/reminders/${r.id}/done`, {});
    expect(done.state).toBe('done');
    expect(await fire(new Date(Date.now() + 6 * 3_600_000))).toEqual({ fired: 0 });
    await ok('cm_a', 'DELETE', `/api/workplace/reminders/${r.id}`);
    expect(await auditCount('reminder_event', 'delete')).toBe(1);
    expect(await auditCount('reminder_event', 'fire')).toBeGreaterThan(0);
  });
});

describe('notebook', () => {
  it('keeps personal notes, searchable by text and tag, private to their author', async () => {
    const n = await ok('cm_a', 'POST', '/api/workplace/notes', { title: '张伟 家庭情况', content: 'Daughter starts university in September', tags: ['family', 'vip'], customerNo: bank.customers.zhangWei });
    await ok('cm_a', 'POST', '/api/workplace/notes', { title: 'Training', content: 'Wealth product refresher', tags: ['training'] });
    const byText = await ok('cm_a', 'GET', `/api/workplace/notes?q=${encodeURIComponent('university')}`);
    expect(byText.items.map((x: { id: number }) => x.id)).toEqual([n.id]);
    expect(byText.items[0]).toMatchObject({ customerNo: bank.customers.zhangWei, tags: ['family', 'vip'] });
    expect((await ok('cm_a', 'GET', `/api/workplace/notes?q=${encodeURIComponent('家庭')}`)).total).toBe(1);
    expect((await ok('cm_a', 'GET', '/api/workplace/notes?tag=training')).items.map((x: { title: string }) => x.title)).toEqual(['Training']);
    expect((await ok('cm_a', 'GET', `/api/workplace/notes?customerNo=${bank.customers.zhangWei}`)).total).toBe(1);
    expect((await ok('cm_a', 'GET', '/api/workplace/notes')).tags.map((t: { tag: string }) => t.tag).sort()).toEqual(['family', 'training', 'vip']);
    expect((await ok('cm_a2', 'GET', '/api/workplace/notes')).total).toBe(0);
    expect((await call('cm_a2', 'GET', `/api/workplace/notes/${n.id}`)).statusCode).toBe(404);
    expect((await call('cm_a2', 'DELETE', `/api/workplace/notes/${n.id}`)).statusCode).toBe(404);
  });

  it('edits are audited; a customer outside the scope is 404; bad tags are 400', async () => {
    const n = await ok('cm_a', 'POST', '/api/workplace/notes', { title: 'Draft' });
    const upd = await ok('cm_a', 'PATCH', `/api/workplace/notes/${n.id}`, { title: 'Final', tags: ['x'] });
    expect(upd).toMatchObject({ title: 'Final', tags: ['x'] });
    expect(await auditCount('note', 'update')).toBe(1);
    expect((await call('cm_a', 'PATCH', `/api/workplace/notes/${n.id}`, { customerNo: bank.customers.wangFang })).statusCode).toBe(404);
    const bad = await call('cm_a', 'POST', '/api/workplace/notes', { title: 'x', tags: ['two words'] });
    expect(bad.statusCode).toBe(400);
    expect(fieldsOf(bad)).toEqual(['tags.0:pattern']);
    const xlsx = await call('cm_a', 'GET', '/api/workplace/notes/export?tag=x');
    expect(xlsx.statusCode).toBe(200);
    // The export is audited once the file has been streamed, i.e. just after the response ends.
    await expect.poll(() => auditCount('note', 'export')).toBe(1);
  });
});

describe('access', () => {
  it('anonymous requests are refused', async () => {
    expect((await ctx.app.inject({ url: '/api/workplace/notices' })).statusCode).toBe(401);
    expect((await ctx.app.inject({ url: '/api/workplace/alerts' })).statusCode).toBe(401);
  });
});
