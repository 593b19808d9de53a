import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext } from '../../../test/context.ts';
import { login } from './helpers.ts';
import { PASSWORD, seedSmallBank } from '../../../test/fixtures.ts';

let ctx: TestContext;
let bank: Awaited<ReturnType<typeof seedSmallBank>>;
let admin: string;
beforeAll(async () => {
  ctx = await createTestContext();
  bank = await seedSmallBank(ctx.db);
  admin = await login(ctx.app, 'admin', PASSWORD);
});
afterAll(() => ctx?.close());

const patchUser = (id: number, payload: object) => ctx.app.inject({ method: 'PATCH', url: `/api/admin/users/${id}`, headers: { cookie: admin }, payload });
const patchRole = (id: number, payload: object) => ctx.app.inject({ method: 'PATCH', url: `/api/admin/roles/${id}`, headers: { cookie: admin }, payload });
const orgsOf = async (managerId: number) =>
  (await ctx.db.selectFrom('customer').select('org_id').where('manager_id', '=', managerId).where('deleted', '=', false).execute()).map((r) => r.org_id);

describe('moving a customer manager to another org', () => {
  it('is refused while they manage customers, unless the customers move along; scope follows', async () => {
    const cmA = bank.users.cm_a;
    expect(await orgsOf(cmA)).toEqual([bank.orgs.subA, bank.orgs.subA]);
    const refused = await patchUser(cmA, { orgId: bank.orgs.subB });
    expect(refused.statusCode).toBe(409);
    expect(refused.json().error.fields).toEqual([expect.objectContaining({ field: 'orgId', rule: 'hasCustomers' })]);
    expect(refused.json().error.messages.en).toMatch(/^orgId: this user still manages 2 customers: hand them over .* or move them .*moveCustomers/);
    expect(refused.json().error.messages.zh).toContain('2 位客户');
    expect((await ctx.db.selectFrom('app_user').select('org_id').where('id', '=', cmA).executeTakeFirstOrThrow()).org_id).toBe(bank.orgs.subA);

    // A manager without customers moves freely.
    expect((await patchUser(bank.users.cm_a2, { orgId: bank.orgs.subB })).statusCode).toBe(204);

    const moved = await patchUser(cmA, { orgId: bank.orgs.subB, moveCustomers: true });
    expect(moved.statusCode, moved.body).toBe(204);
    expect(await orgsOf(cmA)).toEqual([bank.orgs.subB, bank.orgs.subB]);
    const audits = await ctx.db.selectFrom('audit_log').select(['entity', 'entity_id', 'customer_id', 'fields', 'changes'])
      .where('action', '=', 'update').where('entity', 'in', ['customer', 'user']).where('actor_name', '=', 'admin').orderBy('id').execute();
    const customerRows = audits.filter((a) => a.entity === 'customer');
    expect(customerRows.map((a) => a.entity_id).sort()).toEqual([bank.customers.zhangWei, bank.customers.company].sort());
    expect(customerRows[0]).toMatchObject({ fields: ['org_id'], changes: { org_id: { from: bank.orgs.subA, to: bank.orgs.subB } } });
    expect(audits.at(-1)).toMatchObject({ entity: 'user', entity_id: String(cmA), changes: { movedCustomers: 2, org_id: { from: bank.orgs.subA, to: bank.orgs.subB } } });

    // The new branch's manager opens them; the old one no longer does.
    await ctx.app.inject({ method: 'POST', url: '/api/admin/users', headers: { cookie: admin }, payload: { username: 'bm_b', displayName: 'bm_b', password: 'Welcome123', orgId: bank.orgs.branchB, roleCode: 'branch_manager' } });
    const bmB = await login(ctx.app, 'bm_b', 'Welcome123');
    const bmA = await login(ctx.app, 'bm_a', PASSWORD);
    expect((await ctx.app.inject({ url: `/api/customers/${bank.customers.zhangWei}`, headers: { cookie: bmB } })).statusCode).toBe(200);
    expect((await ctx.app.inject({ url: `/api/customers?managerId=${cmA}`, headers: { cookie: bmB } })).json().items).toHaveLength(2);
    expect((await ctx.app.inject({ url: `/api/customers/${bank.customers.zhangWei}`, headers: { cookie: bmA } })).statusCode).toBe(404);
    expect((await ctx.app.inject({ url: `/api/customers?managerId=${cmA}`, headers: { cookie: bmA } })).json().items).toHaveLength(0);
  });
});

describe('org codes and usernames are unique whatever their letter case', () => {
  it('refuses bj01 beside BJ01 and CM_B beside cm_b, also in the database; sign-in stays exact', async () => {
    const org = await ctx.app.inject({ method: 'POST', url: '/api/admin/orgs', headers: { cookie: admin }, payload: { parentId: bank.orgs.branchA, code: 'bj01', name: '另一支行', nameEn: 'Another sub-branch', kind: 'subbranch' } });
    expect(org.statusCode).toBe(400);
    expect(org.json().error.fields).toEqual([expect.objectContaining({ field: 'code', rule: 'unique' })]);
    const user = await ctx.app.inject({ method: 'POST', url: '/api/admin/users', headers: { cookie: admin }, payload: { username: 'CM_B', displayName: 'x', password: 'Welcome123', orgId: bank.orgs.subB, roleCode: 'analyst' } });
    expect(user.statusCode).toBe(400);
    expect(user.json().error.fields).toEqual([expect.objectContaining({ field: 'username', rule: 'unique' })]);
    // Past the checks (a race), the unique indexes of migration 0024 hold.
    await expect(ctx.db.updateTable('org_unit').set({ code: 'bj01' }).where('id', '=', bank.orgs.subB).execute()).rejects.toMatchObject({ code: '23505', constraint: 'org_unit_code_lower_key' });
    await expect(ctx.db.updateTable('app_user').set({ username: 'CM_B' }).where('id', '=', bank.users.auditor).execute()).rejects.toMatchObject({ code: '23505', constraint: 'app_user_username_lower_key' });
    expect((await ctx.app.inject({ method: 'POST', url: '/api/auth/login', payload: { username: 'CM_B', password: PASSWORD } })).statusCode).toBe(401);
  });
});

describe('administration cannot be stripped from every role', () => {
  it('keeps admin:user, admin:org and admin:role with a role that has an active user, and the admin role at data scope all', async () => {
    const roles = (await ctx.app.inject({ url: '/api/admin/roles', headers: { cookie: admin } })).json().items as { id: number; code: string; permissions: string[] }[];
    const adminRole = roles.find((r) => r.code === 'admin')!;
    const stripped = await patchRole(adminRole.id, { permissions: ['admin:role'] });
    expect(stripped.statusCode).toBe(409);
    expect(stripped.json().error.fields).toEqual([expect.objectContaining({ field: 'permissions', rule: 'lockout' })]);
    expect(stripped.json().error.messages.en).toContain('"admin:user"');
    expect(stripped.json().error.messages.zh).toContain('“admin:user”');
    const noOrg = await patchRole(adminRole.id, { permissions: adminRole.permissions.filter((p) => p !== 'admin:org') });
    expect(noOrg.statusCode).toBe(409);
    expect(noOrg.json().error.messages.en).toContain('"admin:org"');
    const noRole = await patchRole(adminRole.id, { permissions: adminRole.permissions.filter((p) => p !== 'admin:role') });
    expect(noRole.statusCode).toBe(409);
    expect(noRole.json().error.messages.en).toContain('"admin:role"');
    const own = await patchRole(adminRole.id, { dataScope: 'own' });
    expect(own.statusCode).toBe(409);
    expect(own.json().error.fields).toEqual([expect.objectContaining({ field: 'dataScope', rule: 'lockout' })]);
    expect((await ctx.app.inject({ url: '/api/admin/users', headers: { cookie: admin } })).statusCode).toBe(200);
    expect((await ctx.app.inject({ url: '/api/admin/roles', headers: { cookie: admin } })).json().items.find((r: { code: string }) => r.code === 'admin'))
      .toMatchObject({ dataScope: 'all', permissions: adminRole.permissions });

    // Another role holding them with an active user: then the admin role may give admin:org up, and that role may not.
    const created = await ctx.app.inject({ method: 'POST', url: '/api/admin/roles', headers: { cookie: admin }, payload: { code: 'org_admin', name: '机构管理员', nameEn: 'Org administrator', dataScope: 'own', permissions: ['admin:org'] } });
    const orgAdmin = created.json().id as number;
    expect((await patchRole(adminRole.id, { permissions: adminRole.permissions.filter((p) => p !== 'admin:org') })).statusCode).toBe(409); // no user yet
    await ctx.app.inject({ method: 'POST', url: '/api/admin/users', headers: { cookie: admin }, payload: { username: 'oa', displayName: 'oa', password: 'Welcome123', orgId: bank.orgs.hq, roleCode: 'org_admin' } });
    expect((await patchRole(adminRole.id, { permissions: adminRole.permissions.filter((p) => p !== 'admin:org') })).statusCode).toBe(204);
    expect((await patchRole(orgAdmin, { permissions: [] })).statusCode).toBe(409);
    expect((await patchRole(adminRole.id, { permissions: adminRole.permissions })).statusCode).toBe(204);
    expect((await patchRole(orgAdmin, { permissions: [] })).statusCode).toBe(204);
  });
});

describe('the last active holder of an administering permission stays', () => {
  it('refuses disabling or re-roling the only active user holding admin:org through a role other than the admin role', async () => {
    const roles = (await ctx.app.inject({ url: '/api/admin/roles', headers: { cookie: admin } })).json().items as { id: number; code: string; permissions: string[] }[];
    const adminRole = roles.find((r) => r.code === 'admin')!;
    const keeper = await ctx.app.inject({ method: 'POST', url: '/api/admin/roles', headers: { cookie: admin }, payload: { code: 'org_keeper', name: '机构维护员', nameEn: 'Org keeper', dataScope: 'own', permissions: ['admin:org'] } });
    expect(keeper.statusCode).toBe(201);
    const addUser = async (username: string) =>
      (await ctx.app.inject({ method: 'POST', url: '/api/admin/users', headers: { cookie: admin }, payload: { username, displayName: username, password: 'Welcome123', orgId: bank.orgs.hq, roleCode: 'org_keeper' } })).json().id as number;
    const ok1 = await addUser('ok1');
    // The admin role gives admin:org up: ok1 (org_keeper) is now the only active user who can administer the org tree.
    expect((await patchRole(adminRole.id, { permissions: adminRole.permissions.filter((p) => p !== 'admin:org') })).statusCode).toBe(204);

    const disable = await patchUser(ok1, { status: 'disabled' });
    expect(disable.statusCode).toBe(409);
    expect(disable.json().error).toMatchObject({ code: 'CONFLICT', fields: [expect.objectContaining({ field: 'status', rule: 'lockout' })] });
    expect(disable.json().error.messages.en).toMatch(/^status: this is the only active user holding "admin:org"/);
    expect(disable.json().error.messages.zh).toMatch(/^status：.*“admin:org”/);
    const rerole = await patchUser(ok1, { roleCode: 'analyst' });
    expect(rerole.statusCode).toBe(409);
    expect(rerole.json().error.fields).toEqual([expect.objectContaining({ field: 'roleCode', rule: 'lockout' })]);
    expect(rerole.json().error.messages.en).toContain('"admin:org"');
    expect(await ctx.db.selectFrom('app_user').select(['status', 'role_id']).where('id', '=', ok1).executeTakeFirstOrThrow()).toEqual({ status: 'active', role_id: keeper.json().id });
    // The role cannot give it up either (the guard that was there).
    expect((await patchRole(keeper.json().id, { permissions: [] })).statusCode).toBe(409);

    // With a second holder, one of them may go, and two at once leave exactly one.
    const ok2 = await addUser('ok2');
    const [a, b] = await Promise.all([patchUser(ok1, { status: 'disabled' }), patchUser(ok2, { roleCode: 'analyst' })]);
    expect([a.statusCode, b.statusCode].sort()).toEqual([204, 409]);
    const left = a.statusCode === 204 ? ok2 : ok1;
    expect((await patchUser(left, { status: 'disabled' })).statusCode).toBe(409);

    // Once the admin role holds it again, the last org keeper may go.
    expect((await patchRole(adminRole.id, { permissions: adminRole.permissions })).statusCode).toBe(204);
    expect((await patchUser(left, { status: 'disabled' })).statusCode).toBe(204);
  });
});
