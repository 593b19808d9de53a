import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, login, type TestContext } from '../../../test/context.ts';
import { PASSWORD, seedSmallBank } from '../../../test/fixtures.ts';
import { AUDIT_ACTION_NAMES, AUDIT_ENTITY_NAMES } from '../../../../engines/audit/labels.ts';

let ctx: TestContext;
let bank: Awaited<ReturnType<typeof seedSmallBank>>;
let admin: string;
let auditor: string;
beforeAll(async () => {
  ctx = await createTestContext();
  bank = await seedSmallBank(ctx.db);
  admin = await login(ctx.app, 'admin', PASSWORD);
  auditor = await login(ctx.app, 'auditor', PASSWORD);
});
afterAll(() => ctx?.close());

describe('organisation tree', () => {
  it('lists units with materialised paths and adds a sub-branch under a branch', async () => {
    const res = await ctx.app.inject({ method: 'POST', url: '/api/admin/orgs', headers: { cookie: admin }, payload: { parentId: bank.orgs.branchA, code: 'BJ02', name: '北京朝阳支行', kind: 'subbranch' } });
    expect(res.statusCode).toBe(201);
    const { items } = (await ctx.app.inject({ url: '/api/admin/orgs', headers: { cookie: admin } })).json();
    const branch = items.find((o: { id: number }) => o.id === bank.orgs.branchA);
    const added = items.find((o: { code: string }) => o.code === 'BJ02');
    expect(added.path).toBe(`${branch.path}${added.id}/`);
    expect(added.parentId).toBe(bank.orgs.branchA);
    const dup = await ctx.app.inject({ method: 'POST', url: '/api/admin/orgs', headers: { cookie: admin }, payload: { parentId: bank.orgs.branchA, code: 'BJ02', name: 'x', kind: 'subbranch' } });
    expect(dup.json().error.fields[0]).toMatchObject({ field: 'code', rule: 'unique' });
  });

  it('is changed only by administrators', async () => {
    const cm = await login(ctx.app, 'cm_a', PASSWORD);
    const res = await ctx.app.inject({ method: 'POST', url: '/api/admin/orgs', headers: { cookie: cm }, payload: { parentId: bank.orgs.branchA, code: 'X1', name: 'x', kind: 'subbranch' } });
    expect(res.statusCode).toBe(403);
  });
});

describe('users and roles', () => {
  it('creates a customer manager who can then sign in and sees only their own customers', async () => {
    const res = await ctx.app.inject({ method: 'POST', url: '/api/admin/users', headers: { cookie: admin }, payload: { username: 'cm_new', displayName: '新经理', password: 'Welcome123', orgId: bank.orgs.subA, roleCode: 'customer_manager', managerLevel: 'junior', mobile: '13900001111' } });
    expect(res.statusCode).toBe(201);
    const cookie = await login(ctx.app, 'cm_new', 'Welcome123');
    expect((await ctx.app.inject({ url: '/api/customers', headers: { cookie } })).json().items).toEqual([]);
    const list = (await ctx.app.inject({ url: '/api/admin/users?q=cm_new', headers: { cookie: admin } })).json();
    expect(list.items[0]).toMatchObject({ username: 'cm_new', roleCode: 'customer_manager', mobile: '+8613900001111', orgName: '北京海淀支行' });
  });

  it('validates users: taken username, weak password, unknown role', async () => {
    const res = await ctx.app.inject({ method: 'POST', url: '/api/admin/users', headers: { cookie: admin }, payload: { username: 'cm_a', displayName: 'x', password: 'weak', orgId: bank.orgs.subA, roleCode: 'wizard' } });
    expect(res.statusCode).toBe(400);
    const fields = res.json().error.fields.map((f: { field: string; rule: string }) => `${f.field}:${f.rule}`);
    expect(fields).toEqual(expect.arrayContaining(['username:unique', 'password:passwordStrength', 'roleCode:exists']));
  });

  it('disabling a user ends their sessions', async () => {
    const cookie = await login(ctx.app, 'cm_a2', PASSWORD);
    const res = await ctx.app.inject({ method: 'PATCH', url: `/api/admin/users/${bank.users.cm_a2}`, headers: { cookie: admin }, payload: { status: 'disabled' } });
    expect(res.statusCode).toBe(204);
    expect((await ctx.app.inject({ url: '/api/auth/me', headers: { cookie } })).statusCode).toBe(401);
  });

  it('a role edited to a wider data scope widens what its users see', async () => {
    const roles = (await ctx.app.inject({ url: '/api/admin/roles', headers: { cookie: admin } })).json();
    expect(roles.items.map((r: { code: string }) => r.code)).toEqual(expect.arrayContaining(['admin', 'head_manager', 'branch_manager', 'customer_manager', 'service_agent', 'marketing', 'analyst', 'auditor']));
    const created = await ctx.app.inject({ method: 'POST', url: '/api/admin/roles', headers: { cookie: admin }, payload: { code: 'team_lead', name: '团队主管', nameEn: 'Team lead', dataScope: 'org', permissions: ['customer:read'] } });
    expect(created.statusCode).toBe(201);
    await ctx.app.inject({ method: 'POST', url: '/api/admin/users', headers: { cookie: admin }, payload: { username: 'lead_a', displayName: 'lead', password: 'Welcome123', orgId: bank.orgs.subA, roleCode: 'team_lead' } });
    const cookie = await login(ctx.app, 'lead_a', 'Welcome123');
    const names = (await ctx.app.inject({ url: '/api/customers', headers: { cookie } })).json().items.map((i: { name: string }) => i.name);
    expect(names).toContain('张伟');
    expect(names).not.toContain('王芳');
  });
});

describe('audit log viewer (Q2)', () => {
  it('an auditor finds who read a customer, by user, customer and date', async () => {
    const hq = await login(ctx.app, 'hq', PASSWORD);
    await ctx.app.inject({ url: `/api/customers/${bank.customers.wangFang}`, headers: { cookie: hq } });
    const today = new Date().toISOString().slice(0, 10);
    const res = await ctx.app.inject({ url: `/api/admin/audit?actor=hq&customerNo=${bank.customers.wangFang}&action=read&from=${today}&to=${today}`, headers: { cookie: auditor } });
    expect(res.statusCode).toBe(200);
    const { items, total } = res.json();
    expect(total).toBe(1);
    expect(items[0]).toMatchObject({ actorName: 'hq', action: 'read', customerNo: bank.customers.wangFang, customerName: '王芳' });
    const yesterday = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
    expect((await ctx.app.inject({ url: `/api/admin/audit?actor=hq&to=${yesterday}`, headers: { cookie: auditor } })).json().total).toBe(0);
  });

  it('exports to Excel for auditors only', async () => {
    const res = await ctx.app.inject({ url: '/api/admin/audit/export?action=create', headers: { cookie: auditor } });
    expect(res.statusCode).toBe(200);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(res.rawPayload as unknown as ArrayBuffer);
    const ws = wb.worksheets[0];
    expect(ws.rowCount).toBeGreaterThan(5);
    // Actions and entities by name, in the language asked for, as the audit page shows them.
    expect(ws.getRow(1).getCell(3).value).toBe('操作');
    expect(new Set(ws.getColumn(3).values.slice(2))).toEqual(new Set(['新建']));
    expect(ws.getColumn(4).values.slice(2)).toContain('客户');
    const en = await ctx.app.inject({ url: '/api/admin/audit/export?action=create', headers: { cookie: auditor, 'accept-language': 'en-US' } });
    const wbEn = new ExcelJS.Workbook();
    await wbEn.xlsx.load(en.rawPayload as unknown as ArrayBuffer);
    expect(new Set(wbEn.worksheets[0].getColumn(3).values.slice(2))).toEqual(new Set([AUDIT_ACTION_NAMES['en-US'].create]));
    expect(wbEn.worksheets[0].getColumn(4).values.slice(2)).toContain(AUDIT_ENTITY_NAMES['en-US'].customer);
    const cm = await login(ctx.app, 'cm_a', PASSWORD);
    expect((await ctx.app.inject({ url: '/api/admin/audit', headers: { cookie: cm } })).statusCode).toBe(403);
  });
});
