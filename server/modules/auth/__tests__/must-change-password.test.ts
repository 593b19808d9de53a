import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, login, type TestContext } from '../../../test/context.ts';
import { PASSWORD, seedSmallBank } from '../../../test/fixtures.ts';
import { SYSTEM_ACTOR } from '../../../platform/audit.ts';
import { resetPassword } from '../../admin/admin.service.ts';

let ctx: TestContext;
let bank: Awaited<ReturnType<typeof seedSmallBank>>;
let admin: string;

beforeAll(async () => {
  ctx = await createTestContext();
  bank = await seedSmallBank(ctx.db);
  admin = await login(ctx.app, 'admin', PASSWORD);
});
afterAll(() => ctx?.close());

const signIn = (username: string, password: string) => ctx.app.inject({ method: 'POST', url: '/api/auth/login', payload: { username, password } });
const cookieOf = (res: { cookies: { name: string; value: string }[] }) => `banyan_session=${res.cookies.find((c) => c.name === 'banyan_session')!.value}`;

async function expectHeldUntilChanged(username: string, password: string) {
  const res = await signIn(username, password);
  expect(res.statusCode, res.body).toBe(200);
  expect(res.json().mustChangePassword).toBe(true);
  expect(res.json().user.mustChangePassword).toBe(true);
  const cookie = cookieOf(res);
  // Who they are and the change itself work; nothing else does, with a reason in both languages.
  expect((await ctx.app.inject({ url: '/api/auth/me', headers: { cookie } })).json().mustChangePassword).toBe(true);
  for (const [method, url] of [['GET', '/api/customers'], ['GET', '/api/workbench'], ['POST', '/api/auth/tokens']] as const) {
    const blocked = await ctx.app.inject({ method, url, headers: { cookie }, ...(method === 'POST' ? { payload: { name: 'x' } } : {}) });
    expect(blocked.statusCode, `${method} ${url}`).toBe(403);
    const err = blocked.json().error;
    expect(err.messages.zh).toContain('修改密码');
    expect(err.messages.en).toContain('change it');
    expect(err.fields).toContainEqual(expect.objectContaining({ field: 'password', rule: 'passwordChangeRequired' }));
  }
  const changed = await ctx.app.inject({ method: 'POST', url: '/api/auth/password', headers: { cookie }, payload: { currentPassword: password, newPassword: `${password}-own9` } });
  expect(changed.statusCode, changed.body).toBe(204);
  expect((await ctx.app.inject({ url: '/api/customers', headers: { cookie } })).statusCode).toBe(200);
  const again = await signIn(username, `${password}-own9`);
  expect(again.json().mustChangePassword).toBe(false);
  expect((await ctx.app.inject({ url: '/api/customers', headers: { cookie: cookieOf(again) } })).statusCode).toBe(200);
}

describe('a password an administrator set must be changed at the next sign-in', () => {
  it('an ordinary sign-in is not held', async () => {
    const res = await signIn('cm_a', PASSWORD);
    expect(res.json().mustChangePassword).toBe(false);
    expect((await ctx.app.inject({ url: '/api/customers', headers: { cookie: cookieOf(res) } })).statusCode).toBe(200);
  });

  it("after an administrator's reset (API)", async () => {
    const reset = await ctx.app.inject({ method: 'POST', url: `/api/admin/users/${bank.users.cm_b}/reset-password`, headers: { cookie: admin }, payload: { password: 'Reset2026x' } });
    expect(reset.statusCode).toBe(204);
    await expectHeldUntilChanged('cm_b', 'Reset2026x');
  });

  it('for a new user an administrator created with a password', async () => {
    const created = await ctx.app.inject({ method: 'POST', url: '/api/admin/users', headers: { cookie: admin }, payload: { username: 'newbie', displayName: '新人', password: 'Welcome123', orgId: bank.orgs.subA, roleCode: 'customer_manager' } });
    expect(created.statusCode, created.body).toBe(201);
    await expectHeldUntilChanged('newbie', 'Welcome123');
  });

  it('after `banyan user reset-password` (the same service call the CLI makes)', async () => {
    await resetPassword(ctx.db, SYSTEM_ACTOR, bank.users.cm_a2, 'Cli2026reset');
    await expectHeldUntilChanged('cm_a2', 'Cli2026reset');
  });
});
