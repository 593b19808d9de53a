import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext } from '../../../test/context.ts';
import { login } from './helpers.ts';
import { PASSWORD, seedSmallBank } from '../../../test/fixtures.ts';
import * as repo from '../admin.repository.ts';

let ctx: TestContext;
let bank: Awaited<ReturnType<typeof seedSmallBank>>;
let admin: string;
beforeAll(async () => {
  ctx = await createTestContext();
  bank = await seedSmallBank(ctx.db);
  admin = await login(ctx.app, 'admin', PASSWORD);
});
afterAll(() => ctx?.close());

const orgs = async () => (await ctx.app.inject({ url: '/api/admin/orgs', headers: { cookie: admin } })).json().items as { id: number; parentId: number | null; code: string; name: string; nameEn: string; path: string }[];
const patch = (id: number, payload: object) => ctx.app.inject({ method: 'PATCH', url: `/api/admin/orgs/${id}`, headers: { cookie: admin }, payload });
const post = (payload: object) => ctx.app.inject({ method: 'POST', url: '/api/admin/orgs', headers: { cookie: admin }, payload });
const del = (id: number) => ctx.app.inject({ method: 'DELETE', url: `/api/admin/orgs/${id}`, headers: { cookie: admin } });
const sees = async (cookie: string, customerNo: string) => (await ctx.app.inject({ url: `/api/customers/${customerNo}`, headers: { cookie } })).statusCode === 200;

describe('moving a unit', () => {
  it('refuses a cycle, kinds that do not fit, a sibling of the same name, and the head office — naming parentId', async () => {
    const cycle = await patch(bank.orgs.branchA, { parentId: bank.orgs.subA });
    expect(cycle.statusCode).toBe(400);
    expect(cycle.json().error.fields).toEqual([expect.objectContaining({ field: 'parentId', rule: 'cycle' })]);
    expect(cycle.json().error.messages).toEqual({ zh: 'parentId：不能移到该机构自身或其下级机构之下', en: 'parentId: a unit cannot be moved under itself or one of its own sub-units' });
    expect((await patch(bank.orgs.branchA, { parentId: bank.orgs.branchA })).json().error.fields[0]).toMatchObject({ field: 'parentId', rule: 'cycle' });
    // A sub-branch only under a branch; a branch only under the head office; nothing under a sub-branch.
    const subUnderHead = await patch(bank.orgs.subA, { parentId: bank.orgs.hq });
    expect(subUnderHead.json().error).toMatchObject({ fields: [{ field: 'parentId', rule: 'hierarchy' }], messages: { en: 'parentId: only a branch or department may be placed under a head office, not a sub-branch' } });
    expect((await patch(bank.orgs.branchB, { parentId: bank.orgs.branchA })).json().error.fields[0]).toMatchObject({ field: 'parentId', rule: 'hierarchy' });
    expect((await patch(bank.orgs.subB, { parentId: bank.orgs.subA })).json().error.messages.en).toBe('parentId: a sub-branch cannot have units below it');
    expect((await patch(bank.orgs.hq, { parentId: bank.orgs.branchA })).json().error.fields[0]).toMatchObject({ field: 'parentId' });
    expect((await patch(bank.orgs.subA, { parentId: 999999 })).json().error.fields[0]).toMatchObject({ field: 'parentId', rule: 'exists' });
    // Same name as a unit already under the new parent.
    const twin = await post({ parentId: bank.orgs.branchB, code: 'SH-TWIN', name: '北京海淀支行', nameEn: 'Twin', kind: 'subbranch' });
    expect(twin.statusCode).toBe(201);
    const dup = await patch(bank.orgs.subA, { parentId: bank.orgs.branchB });
    expect(dup.statusCode).toBe(400);
    expect(dup.json().error.fields).toEqual([expect.objectContaining({ field: 'parentId', rule: 'unique' })]);
    expect((await del(twin.json().id)).statusCode).toBe(204);
    // Nothing moved.
    expect((await orgs()).find((o) => o.id === bank.orgs.subA)!.parentId).toBe(bank.orgs.branchA);
  });

  it('moves a unit with its subtree, rewriting paths at once: data scope follows, and the move is audited', async () => {
    const inSub = await ctx.app.inject({ method: 'POST', url: '/api/admin/users', headers: { cookie: admin }, payload: { username: 'lead_sub', displayName: 'lead_sub', password: 'Welcome123', orgId: bank.orgs.subA, roleCode: 'branch_manager' } });
    expect(inSub.statusCode, inSub.body).toBe(201);
    const created = await ctx.app.inject({ method: 'POST', url: '/api/admin/users', headers: { cookie: admin }, payload: { username: 'bm_b', displayName: 'bm_b', password: 'Welcome123', orgId: bank.orgs.branchB, roleCode: 'branch_manager' } });
    expect(created.statusCode, created.body).toBe(201);
    const bmA = await login(ctx.app, 'bm_a', PASSWORD);
    const bmB = await login(ctx.app, 'bm_b', 'Welcome123');
    const cmA = await login(ctx.app, 'cm_a', PASSWORD);
    // Whose own unit moves: their session's org path (cached) must follow, or their subtree would match nothing.
    const leadSub = await login(ctx.app, 'lead_sub', 'Welcome123');
    expect(await sees(leadSub, bank.customers.zhangWei)).toBe(true);
    // Sessions are cached for a few seconds: these lookups fill the cache before the move.
    expect(await sees(bmA, bank.customers.zhangWei)).toBe(true);
    expect(await sees(bmB, bank.customers.zhangWei)).toBe(false);
    expect(await sees(cmA, bank.customers.zhangWei)).toBe(true);

    const before = (await orgs()).find((o) => o.id === bank.orgs.subA)!;
    const res = await patch(bank.orgs.subA, { parentId: bank.orgs.branchB });
    expect(res.statusCode, res.body).toBe(204);
    const after = await orgs();
    const branchB = after.find((o) => o.id === bank.orgs.branchB)!;
    const moved = after.find((o) => o.id === bank.orgs.subA)!;
    expect(moved).toMatchObject({ parentId: bank.orgs.branchB, path: `${branchB.path}${bank.orgs.subA}/` });

    expect(await sees(bmB, bank.customers.zhangWei)).toBe(true);
    expect(await sees(bmA, bank.customers.zhangWei)).toBe(false);
    expect(await sees(cmA, bank.customers.zhangWei)).toBe(true);
    expect(await sees(leadSub, bank.customers.zhangWei)).toBe(true);
    // Users and customers keep their unit.
    const { rows } = await sql<{ org_id: number }>`SELECT org_id FROM customer WHERE customer_no = ${bank.customers.zhangWei}`.execute(ctx.db);
    expect(rows[0].org_id).toBe(bank.orgs.subA);

    const audit = await sql<{ action: string; fields: string[]; changes: Record<string, { from: unknown; to: unknown }> }>`
      SELECT action, fields, changes FROM audit_log WHERE entity = 'org_unit' AND entity_id = ${String(bank.orgs.subA)} AND action = 'move'`.execute(ctx.db);
    expect(audit.rows).toHaveLength(1);
    expect(audit.rows[0].changes).toMatchObject({ parent_id: { from: bank.orgs.branchA, to: bank.orgs.branchB }, path: { from: before.path, to: moved.path } });
  });

  it('rewrites the paths of the whole subtree', async () => {
    // The kinds allow no move of a unit with units below it today (a branch goes only under the head office), so the
    // rewrite itself is checked directly: branch C with sub-branch C1 put under branch B and back.
    const mk = await post({ parentId: bank.orgs.hq, code: 'HZ', name: '杭州分行', nameEn: 'Hangzhou Branch', kind: 'branch' });
    const mk1 = await post({ parentId: mk.json().id, code: 'HZ01', name: '杭州西湖支行', nameEn: 'Xihu', kind: 'subbranch' });
    const hz = (await orgs()).find((o) => o.id === mk.json().id)!;
    const b = (await orgs()).find((o) => o.id === bank.orgs.branchB)!;
    expect(await repo.moveOrg(ctx.db, hz.id, b.id, hz.path, `${b.path}${hz.id}/`)).toBe(2);
    expect((await orgs()).find((o) => o.id === mk1.json().id)!.path).toBe(`${b.path}${hz.id}/${mk1.json().id}/`);
    expect(await repo.moveOrg(ctx.db, hz.id, bank.orgs.hq, `${b.path}${hz.id}/`, hz.path)).toBe(2);

    const c = await post({ parentId: bank.orgs.hq, code: 'GZ', name: '广州分行', nameEn: 'Guangzhou Branch', kind: 'branch' });
    const c1 = await post({ parentId: c.json().id, code: 'GZ01', name: '广州天河支行', nameEn: 'Tianhe', kind: 'subbranch' });
    const dept = await post({ parentId: bank.orgs.hq, code: 'HQ-OPS', name: '运营部', nameEn: 'Operations', kind: 'department' });
    const d = await post({ parentId: c.json().id, code: 'GZ-OPS', name: '广州分行营业部', nameEn: 'GZ ops', kind: 'department' });
    expect((await patch(d.json().id, { parentId: bank.orgs.branchB })).statusCode).toBe(204);
    expect((await patch(dept.json().id, { parentId: c.json().id })).statusCode).toBe(204);
    const all = await orgs();
    const byId = new Map(all.map((o) => [o.id, o]));
    for (const o of all) if (o.parentId !== null) expect(o.path).toBe(`${byId.get(o.parentId)!.path}${o.id}/`);
    expect(byId.get(c1.json().id)!.path.startsWith(byId.get(c.json().id)!.path)).toBe(true);
  });
});

describe('deleting a unit', () => {
  it('refuses one that still holds units, users or customers, with counts; never the head office', async () => {
    const branch = await del(bank.orgs.branchA);
    expect(branch.statusCode).toBe(409);
    expect(branch.json().error.messages.en).toMatch(/still holds 1 user/);
    const branchB = await del(bank.orgs.branchB);
    expect(branchB.statusCode).toBe(409);
    expect(branchB.json().error.messages.en).toMatch(/\d+ sub-units, 1 user/);
    const sub = await del(bank.orgs.subA);
    expect(sub.statusCode).toBe(409);
    expect(sub.json().error.messages).toMatchObject({ zh: expect.stringContaining('个客户'), en: expect.stringMatching(/3 users, 2 customers/) });
    expect((await del(bank.orgs.hq)).statusCode).toBe(409);
    expect((await del(999999)).statusCode).toBe(404);
  });

  it('deletes an empty unit, audited', async () => {
    const x = (await post({ parentId: bank.orgs.branchB, code: 'SH02', name: '上海静安支行', nameEn: "Jing'an", kind: 'subbranch' })).json().id;
    expect((await del(x)).statusCode).toBe(204);
    expect((await orgs()).some((o) => o.id === x)).toBe(false);
    const audit = await sql<{ n: number }>`SELECT count(*)::int AS n FROM audit_log WHERE entity = 'org_unit' AND entity_id = ${String(x)} AND action = 'delete'`.execute(ctx.db);
    expect(audit.rows[0].n).toBe(1);
  });

  it('is for administrators only', async () => {
    const cm = await login(ctx.app, 'cm_b', PASSWORD);
    expect((await ctx.app.inject({ method: 'DELETE', url: `/api/admin/orgs/${bank.orgs.subB}`, headers: { cookie: cm } })).statusCode).toBe(403);
    expect((await ctx.app.inject({ method: 'PATCH', url: `/api/admin/orgs/${bank.orgs.subB}`, headers: { cookie: cm }, payload: { parentId: bank.orgs.branchA } })).statusCode).toBe(403);
  });
});

describe('English name', () => {
  it('is required and not blank, on creation and on update', async () => {
    const missing = await post({ parentId: bank.orgs.branchB, code: 'SH03', name: '上海徐汇支行', kind: 'subbranch' });
    expect(missing.statusCode).toBe(400);
    expect(missing.json().error.fields[0]).toMatchObject({ field: 'nameEn', rule: 'required' });
    const blank = await post({ parentId: bank.orgs.branchB, code: 'SH03', name: '上海徐汇支行', nameEn: '  ', kind: 'subbranch' });
    expect(blank.json().error).toMatchObject({ messages: { en: 'nameEn: is required' }, fields: [{ field: 'nameEn', rule: 'required' }] });
    const cleared = await patch(bank.orgs.subB, { nameEn: '' });
    expect(cleared.statusCode).toBe(400);
    expect(cleared.json().error.fields[0]).toMatchObject({ field: 'nameEn', rule: 'required' });
    expect((await orgs()).find((o) => o.id === bank.orgs.subB)!.nameEn).toBe('SH01');
  });
});
