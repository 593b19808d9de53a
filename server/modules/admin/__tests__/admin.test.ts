import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext } from '../../../test/context.ts';
import { login } from './helpers.ts';
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
    const res = await ctx.app.inject({ method: 'POST', url: '/api/admin/orgs', headers: { cookie: admin }, payload: { parentId: bank.orgs.branchA, code: 'BJ02', name: '北京朝阳支行', nameEn: 'Unit', kind: 'subbranch' } });
    expect(res.statusCode).toBe(201);
    const { items } = (await ctx.app.inject({ url: '/api/admin/orgs', headers: { cookie: admin } })).json();
    const branch = items.find((o: { id: number }) => o.id === bank.orgs.branchA);
    const added = items.find((o: { code: string }) => o.code === 'BJ02');
    expect(added.path).toBe(`${branch.path}${added.id}/`);
    expect(added.parentId).toBe(bank.orgs.branchA);
    const dup = await ctx.app.inject({ method: 'POST', url: '/api/admin/orgs', headers: { cookie: admin }, payload: { parentId: bank.orgs.branchA, code: 'BJ02', name: 'x', nameEn: 'Unit', kind: 'subbranch' } });
    expect(dup.json().error.fields[0]).toMatchObject({ field: 'code', rule: 'unique' });
  });

  it('lists siblings departments first, then branches and sub-branches, each by code, at every level', async () => {
    // Made out of order: ids, and so the text paths, no longer follow the codes (/1/2/10/ sorts before /1/2/7/).
    for (const [parentId, code, name, kind] of [
      [bank.orgs.branchA, 'BJ10', '北京丰台支行', 'subbranch'], [bank.orgs.branchA, 'BJ03', '北京西城支行', 'subbranch'],
      [bank.orgs.hq, 'HQ-RETAIL', '零售银行部', 'department'], [bank.orgs.branchA, 'BJ-OPS', '北京分行营业部', 'department'],
    ] as const) {
      expect((await ctx.app.inject({ method: 'POST', url: '/api/admin/orgs', headers: { cookie: admin }, payload: { parentId, code, name, nameEn: code, kind } })).statusCode).toBe(201);
    }
    const { items } = (await ctx.app.inject({ url: '/api/admin/orgs', headers: { cookie: admin } })).json();
    expect(items.map((o: { code: string }) => o.code)).toEqual(['HQ', 'HQ-RETAIL', 'BJ', 'BJ-OPS', 'BJ01', 'BJ02', 'BJ03', 'BJ10', 'SH', 'SH01']);
    // Users follow the tree's order too (by their unit, then username), not their units' text paths.
    const byCode = new Map(items.map((o: { code: string; id: number }) => [o.code, o.id]));
    for (const [username, code] of [['u_bj10', 'BJ10'], ['u_bj03', 'BJ03']] as const) {
      const res = await ctx.app.inject({ method: 'POST', url: '/api/admin/users', headers: { cookie: admin }, payload: { username, displayName: username, password: 'Welcome123', orgId: byCode.get(code), roleCode: 'analyst' } });
      expect(res.statusCode, res.body).toBe(201);
    }
    const users = (await ctx.app.inject({ url: `/api/admin/users?orgId=${bank.orgs.branchA}&pageSize=100`, headers: { cookie: admin } })).json().items;
    const units = users.map((u: { orgId: number }) => items.find((o: { id: number }) => o.id === u.orgId).code as string);
    expect(units.filter((c: string, i: number) => c !== units[i - 1])).toEqual(['BJ', 'BJ01', 'BJ03', 'BJ10']);
  });

  it('keeps head office → branch → sub-branch, departments under the head office or a branch', async () => {
    const post = (payload: object) => ctx.app.inject({ method: 'POST', url: '/api/admin/orgs', headers: { cookie: admin }, payload: { nameEn: 'Unit', ...payload } });
    const underSub = await post({ parentId: bank.orgs.subA, code: 'BJ01X', name: '支行下的分行', kind: 'branch' });
    expect(underSub.statusCode).toBe(400);
    expect(underSub.json().error.fields).toEqual([expect.objectContaining({ field: 'parentId', rule: 'hierarchy' })]);
    expect(underSub.json().error.messages).toEqual({ zh: 'parentId：支行下不能再设下级机构', en: 'parentId: a sub-branch cannot have units below it' });
    const subUnderHead = await post({ parentId: bank.orgs.hq, code: 'X2', name: '总行直属支行', kind: 'subbranch' });
    expect(subUnderHead.json().error.fields[0]).toMatchObject({ field: 'kind', rule: 'hierarchy', messages: { zh: '总行下只能设分行或部门，不能设支行', en: 'only a branch or department may be placed under a head office, not a sub-branch' } });
    const branchUnderBranch = await post({ parentId: bank.orgs.branchA, code: 'X3', name: '分行下的分行', kind: 'branch' });
    expect(branchUnderBranch.json().error.fields[0]).toMatchObject({ field: 'kind', rule: 'hierarchy' });
    expect((await post({ parentId: bank.orgs.branchB, code: 'SH-OPS', name: '上海分行营业部', kind: 'department' })).statusCode).toBe(201);
  });

  it('refuses a name already used under the same parent, on creation and on renaming', async () => {
    const post = (payload: object) => ctx.app.inject({ method: 'POST', url: '/api/admin/orgs', headers: { cookie: admin }, payload: { nameEn: 'Unit', ...payload } });
    const dup = await post({ parentId: bank.orgs.branchA, code: 'BJ09', name: ' 北京海淀支行 ', kind: 'subbranch' });
    expect(dup.statusCode).toBe(400);
    expect(dup.json().error.fields[0]).toMatchObject({ field: 'name', rule: 'unique', messages: { zh: '上级机构下已有名为“北京海淀支行”的机构', en: 'the parent unit already has a unit named "北京海淀支行"' } });
    // Another parent may have a unit of that name.
    expect((await post({ parentId: bank.orgs.branchB, code: 'SH09', name: '北京海淀支行', kind: 'subbranch' })).statusCode).toBe(201);
    const { items } = (await ctx.app.inject({ url: '/api/admin/orgs', headers: { cookie: admin } })).json();
    const bj02 = items.find((o: { code: string }) => o.code === 'BJ02');
    const rename = await ctx.app.inject({ method: 'PATCH', url: `/api/admin/orgs/${bj02.id}`, headers: { cookie: admin }, payload: { name: '北京海淀支行' } });
    expect(rename.statusCode).toBe(400);
    expect(rename.json().error.fields[0]).toMatchObject({ field: 'name', rule: 'unique' });
  });

  it('tells a blank field it is required and a bad code which characters it may hold', async () => {
    const blank = await ctx.app.inject({ method: 'POST', url: '/api/admin/orgs', headers: { cookie: admin }, payload: { parentId: bank.orgs.branchA, code: 'BJ08', name: '   ', nameEn: 'Unit', kind: 'subbranch' } });
    expect(blank.statusCode).toBe(400);
    expect(blank.json().error).toMatchObject({ messages: { zh: 'name：必填，不能为空', en: 'name: is required' }, fields: [{ field: 'name', rule: 'required' }] });
    const code = await ctx.app.inject({ method: 'POST', url: '/api/admin/orgs', headers: { cookie: admin }, payload: { parentId: bank.orgs.branchA, code: 'BJ 08', name: '北京通州支行', nameEn: 'Unit', kind: 'subbranch' } });
    expect(code.json().error.fields[0]).toMatchObject({ field: 'code', rule: 'pattern' });
    expect(code.json().error.messages.en).toBe('code: may contain only letters, digits, underscores (_) and hyphens (-), no spaces');
    const { items } = (await ctx.app.inject({ url: '/api/admin/orgs', headers: { cookie: admin } })).json();
    const rename = await ctx.app.inject({ method: 'PATCH', url: `/api/admin/orgs/${items[0].id}`, headers: { cookie: admin }, payload: { name: '' } });
    expect(rename.json().error.fields[0]).toMatchObject({ field: 'name', rule: 'required' });
  });

  it('gives names and codes to every signed-in user (org pickers), and unit counts only to administrators', async () => {
    const cm = await login(ctx.app, 'cm_a', PASSWORD);
    const res = await ctx.app.inject({ url: '/api/admin/orgs', headers: { cookie: cm } });
    expect(res.statusCode).toBe(200);
    const sub = res.json().items.find((o: { id: number }) => o.id === bank.orgs.subA);
    expect(sub).toEqual({ id: bank.orgs.subA, parentId: bank.orgs.branchA, code: 'BJ01', name: '北京海淀支行', nameEn: 'BJ01', kind: 'subbranch', path: expect.any(String) });
    const asAdmin = (await ctx.app.inject({ url: '/api/admin/orgs', headers: { cookie: admin } })).json().items.find((o: { id: number }) => o.id === bank.orgs.subA);
    expect(asAdmin).toMatchObject({ userCount: expect.any(Number), customerCount: 2 });
  });

  it('is changed only by administrators', async () => {
    const cm = await login(ctx.app, 'cm_a', PASSWORD);
    const res = await ctx.app.inject({ method: 'POST', url: '/api/admin/orgs', headers: { cookie: cm }, payload: { parentId: bank.orgs.branchA, code: 'X1', name: 'x', nameEn: 'Unit', kind: 'subbranch' } });
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

  it('tells a username with a space which characters are allowed, and names a taken username', async () => {
    const post = (payload: object) => ctx.app.inject({ method: 'POST', url: '/api/admin/users', headers: { cookie: admin }, payload: { displayName: 'x', password: 'Welcome123', orgId: bank.orgs.subA, roleCode: 'analyst', ...payload } });
    const spaced = await post({ username: 'a b' });
    expect(spaced.statusCode).toBe(400);
    expect(spaced.json().error.fields).toEqual([expect.objectContaining({ field: 'username', rule: 'pattern' })]);
    expect(spaced.json().error.messages).toEqual({
      zh: 'username：须为 2–64 个字符，只能包含字母、数字、下划线（_）、点（.）和连字符（-），不能有空格',
      en: 'username: must be 2–64 characters of letters, digits, underscores (_), dots (.) and hyphens (-), no spaces',
    });
    const blank = await post({ username: '', displayName: ' ' });
    expect(blank.json().error.fields.map((f: { field: string; rule: string }) => `${f.field}:${f.rule}`)).toEqual(['username:required', 'displayName:required']);
    const taken = await post({ username: 'cm_a' });
    expect(taken.json().error.messages).toEqual({ zh: 'username：“cm_a”已被其他用户使用', en: 'username: "cm_a" is already taken by another user' });
    // Two creations racing past the check: one is refused as taken, not with a 500.
    const raced = await Promise.all([post({ username: 'twin' }), post({ username: 'twin' })]);
    expect(raced.map((r) => r.statusCode).sort()).toEqual([201, 400]);
    expect(raced.find((r) => r.statusCode === 400)!.json().error.fields[0]).toMatchObject({ field: 'username', rule: 'unique' });
  });

  it('refuses a role name already used, in either language', async () => {
    const post = (payload: object) => ctx.app.inject({ method: 'POST', url: '/api/admin/roles', headers: { cookie: admin }, payload: { code: 'auditor2', dataScope: 'all', permissions: ['audit:read'], ...payload } });
    const zh = await post({ name: '审计员', nameEn: 'Second auditor' });
    expect(zh.statusCode).toBe(400);
    expect(zh.json().error.fields).toEqual([expect.objectContaining({ field: 'name', rule: 'unique' })]);
    const en = await post({ name: '二号审计员', nameEn: 'auditor' });
    expect(en.json().error.fields).toEqual([expect.objectContaining({ field: 'nameEn', rule: 'unique' })]);
    const code = await post({ code: 'Auditor 2', name: '二号审计员', nameEn: 'Second auditor' });
    expect(code.json().error.messages.en).toBe('code: may contain only lower-case letters, digits and underscores (_)');
    expect((await post({ name: '二号审计员', nameEn: 'Second auditor' })).statusCode).toBe(201);
    const roles = (await ctx.app.inject({ url: '/api/admin/roles', headers: { cookie: admin } })).json().items;
    const second = roles.find((r: { code: string }) => r.code === 'auditor2');
    const rename = await ctx.app.inject({ method: 'PATCH', url: `/api/admin/roles/${second.id}`, headers: { cookie: admin }, payload: { name: '审计员' } });
    expect(rename.json().error.fields).toEqual([expect.objectContaining({ field: 'name', rule: 'unique' })]);
  });

  it('an administrator cannot change their own role, and the last active administrator stays one', async () => {
    const self = (payload: object) => ctx.app.inject({ method: 'PATCH', url: `/api/admin/users/${bank.users.admin}`, headers: { cookie: admin }, payload });
    const own = await self({ roleCode: 'auditor' });
    expect(own.statusCode).toBe(400);
    expect(own.json().error.fields).toEqual([expect.objectContaining({ field: 'roleCode', rule: 'self' })]);
    expect(own.json().error.messages).toEqual({ zh: 'roleCode：不能修改自己的角色，请由另一位管理员修改', en: 'roleCode: you cannot change your own role; ask another administrator' });
    // The edit form sends the role unchanged with the rest: that is no change of role.
    expect((await self({ roleCode: 'admin', displayName: '管理员' })).statusCode).toBe(204);
    expect((await ctx.app.inject({ url: '/api/auth/me', headers: { cookie: admin } })).json()).toMatchObject({ roleCode: 'admin', displayName: '管理员' });
    // A user administrator who is not a system administrator cannot demote or disable the only one …
    await ctx.app.inject({ method: 'POST', url: '/api/admin/roles', headers: { cookie: admin }, payload: { code: 'user_admin', name: '用户管理员', nameEn: 'User administrator', dataScope: 'own', permissions: ['admin:user'] } });
    await ctx.app.inject({ method: 'POST', url: '/api/admin/users', headers: { cookie: admin }, payload: { username: 'ua', displayName: 'ua', password: 'Welcome123', orgId: bank.orgs.hq, roleCode: 'user_admin' } });
    const ua = await login(ctx.app, 'ua', 'Welcome123');
    const other = (id: number, payload: object) => ctx.app.inject({ method: 'PATCH', url: `/api/admin/users/${id}`, headers: { cookie: ua }, payload });
    const demote = await other(bank.users.admin, { roleCode: 'auditor' });
    expect(demote.statusCode).toBe(400);
    expect(demote.json().error.fields).toEqual([expect.objectContaining({ field: 'roleCode', rule: 'lastAdmin' })]);
    expect((await other(bank.users.admin, { status: 'disabled' })).json().error.fields).toEqual([expect.objectContaining({ field: 'status', rule: 'lastAdmin' })]);
    // … but may while another one remains.
    const created = await ctx.app.inject({ method: 'POST', url: '/api/admin/users', headers: { cookie: admin }, payload: { username: 'admin2', displayName: 'admin2', password: 'Welcome123', orgId: bank.orgs.hq, roleCode: 'admin' } });
    expect((await other(created.json().id, { status: 'disabled' })).statusCode).toBe(204);
    expect((await ctx.app.inject({ url: '/api/auth/me', headers: { cookie: admin } })).json().roleCode).toBe('admin');
  });

  it("an administrator's password reset ends the user's sessions and revokes their API tokens", async () => {
    const cookie = await login(ctx.app, 'cm_b', PASSWORD);
    const { id: tokenId, token } = (await ctx.app.inject({ method: 'POST', url: '/api/auth/tokens', headers: { cookie }, payload: { name: 'ETL' } })).json();
    const bearer = { authorization: `Bearer ${token}` };
    expect((await ctx.app.inject({ url: '/api/auth/me', headers: bearer })).statusCode).toBe(200);
    const reset = await ctx.app.inject({ method: 'POST', url: `/api/admin/users/${bank.users.cm_b}/reset-password`, headers: { cookie: admin }, payload: { password: 'Reset2026x' } });
    expect(reset.statusCode).toBe(204);
    expect((await ctx.app.inject({ url: '/api/auth/me', headers: { cookie } })).statusCode).toBe(401);
    expect((await ctx.app.inject({ url: '/api/auth/me', headers: bearer })).statusCode).toBe(401);
    const rows = await ctx.db.selectFrom('audit_log').select(['action', 'entity', 'entity_id', 'changes']).where('actor_name', '=', 'admin').where('entity', 'in', ['api_token', 'user'])
      .where('action', 'in', ['revoke', 'reset_password']).orderBy('id').execute();
    expect(rows).toEqual([
      { action: 'revoke', entity: 'api_token', entity_id: String(tokenId), changes: { userId: bank.users.cm_b, reason: 'reset_password' } },
      { action: 'reset_password', entity: 'user', entity_id: String(bank.users.cm_b), changes: { revokedTokens: [tokenId], mustChangePassword: true } },
    ]);
    // The user signs in with the new password and makes a new token, which works.
    const again = await login(ctx.app, 'cm_b', 'Reset2026x');
    const fresh = (await ctx.app.inject({ method: 'POST', url: '/api/auth/tokens', headers: { cookie: again }, payload: { name: 'ETL 2' } })).json();
    expect((await ctx.app.inject({ url: '/api/auth/me', headers: { authorization: `Bearer ${fresh.token}` } })).statusCode).toBe(200);
  });

  it('disabling a user stops their API tokens, for good: enabling them again does not bring the tokens back', async () => {
    const cookie = await login(ctx.app, 'cm_b', 'Reset2026x');
    const { token } = (await ctx.app.inject({ method: 'POST', url: '/api/auth/tokens', headers: { cookie }, payload: { name: 'sync' } })).json();
    const me = () => ctx.app.inject({ url: '/api/auth/me', headers: { authorization: `Bearer ${token}` } });
    expect((await me()).statusCode).toBe(200);
    const patch = (status: string) => ctx.app.inject({ method: 'PATCH', url: `/api/admin/users/${bank.users.cm_b}`, headers: { cookie: admin }, payload: { status } });
    expect((await patch('disabled')).statusCode).toBe(204);
    expect((await me()).statusCode).toBe(401);
    expect((await patch('active')).statusCode).toBe(204);
    expect((await me()).statusCode).toBe(401);
    expect((await login(ctx.app, 'cm_b', 'Reset2026x')).length).toBeGreaterThan(0);
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
    // Days are the bank's (Asia/Shanghai), whatever the server's time zone.
    const bankDay = (d: Date) => new Intl.DateTimeFormat('sv-SE', { timeZone: 'Asia/Shanghai' }).format(d);
    const today = bankDay(new Date());
    const res = await ctx.app.inject({ url: `/api/admin/audit?actor=HQ&customerNo=${bank.customers.wangFang}&action=read&from=${today}&to=${today}`, headers: { cookie: auditor } });
    expect(res.statusCode).toBe(200);
    const { items, total } = res.json();
    expect(total).toBe(1);
    expect(items[0]).toMatchObject({ actorName: 'hq', action: 'read', customerNo: bank.customers.wangFang, customerName: '王芳' });
    const yesterday = bankDay(new Date(Date.now() - 86_400_000));
    expect((await ctx.app.inject({ url: `/api/admin/audit?actor=hq&to=${yesterday}`, headers: { cookie: auditor } })).json().total).toBe(0);
    // A range ending before it starts is a mistake, told as one (it used to find nothing, silently).
    const backwards = await ctx.app.inject({ url: `/api/admin/audit?from=${today}&to=${yesterday}`, headers: { cookie: auditor } });
    expect(backwards.statusCode).toBe(400);
    expect(backwards.json().error.fields[0]).toMatchObject({ field: 'to', rule: 'range' });
  });

  it('exports to Excel for auditors only', async () => {
    const res = await ctx.app.inject({ url: '/api/admin/audit/export?action=create', headers: { cookie: auditor } });
    expect(res.statusCode).toBe(200);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(res.rawPayload as unknown as ArrayBuffer);
    const ws = wb.worksheets[0];
    expect(ws.rowCount).toBeGreaterThan(5);
    // Fields by name too (基本资料, not profile).
    const reads = await ctx.app.inject({ url: '/api/admin/audit/export?action=read', headers: { cookie: auditor } });
    const wbReads = new ExcelJS.Workbook();
    await wbReads.xlsx.load(reads.rawPayload as unknown as ArrayBuffer);
    expect(wbReads.worksheets[0].getColumn(8).values.slice(2).join(' ')).toContain('基本资料');
    // Times as the bank reads them (its time zone), not ISO UTC.
    expect(ws.getRow(2).getCell(1).value).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
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

describe('user search', () => {
  it('matches %, _ and \\ in the search text as themselves, not as wildcards', async () => {
    const names = async (q: string) => ((await ctx.app.inject({ url: `/api/admin/users?q=${encodeURIComponent(q)}&pageSize=100`, headers: { cookie: admin } })).json().items as { username: string }[]).map((u) => u.username);
    const created = await ctx.app.inject({ method: 'POST', url: '/api/admin/users', headers: { cookie: admin }, payload: { username: 'pct_user', displayName: '100% 柜员', password: 'Welcome123', orgId: bank.orgs.hq, roleCode: 'analyst' } });
    expect(created.statusCode).toBe(201);
    expect(await names('%')).toEqual(['pct_user']);
    expect(await names('c_')).toEqual([]);
    expect(await names('t_u')).toEqual(['pct_user']);
    expect(await names('\\')).toEqual([]);
  });
});
