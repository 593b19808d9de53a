/**
 * A JSON body is validated with the types it was sent with (no coercion: `true` is not the text "true", "8" is not the
 * id 8, null is not ""), while query strings and path parameters, which are text by nature, are still read as numbers;
 * and the errors a user meets name the field, the rule and what would have been right, in both languages.
 */
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, login, type TestContext } from '../../test/context.ts';
import { PASSWORD, seedSmallBank } from '../../test/fixtures.ts';

let ctx: TestContext;
let bank: Awaited<ReturnType<typeof seedSmallBank>>;
let admin: string;
let cm: string;
beforeAll(async () => {
  ctx = await createTestContext();
  bank = await seedSmallBank(ctx.db);
  admin = await login(ctx.app, 'admin', PASSWORD);
  cm = await login(ctx.app, 'cm_a', PASSWORD);
});
afterAll(() => ctx?.close());

type Field = { field: string; rule: string; messages: { zh: string; en: string } };
const fieldsOf = (res: { json: () => { error: { fields: Field[] } } }) => res.json().error.fields;

describe('JSON bodies keep their types', () => {
  it.each([
    ['a boolean for a text', { reason: true }, 'reason', /must be text/, /类型应为文本/],
    ['a number for a text', { reason: 12345 }, 'reason', /must be text/, /文本/],
    ['null for a text', { reason: null }, 'reason', /must be text/, /文本/],
  ])('%s is refused (400, rule type), not stored as its text', async (_what, body, field, en, zh) => {
    const res = await ctx.app.inject({ method: 'DELETE', url: `/api/customers/${bank.customers.zhangWei}`, headers: { cookie: cm }, payload: body });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('VALIDATION');
    expect(fieldsOf(res)).toEqual([expect.objectContaining({ field, rule: 'type' })]);
    expect(fieldsOf(res)[0].messages.en).toMatch(en);
    expect(fieldsOf(res)[0].messages.zh).toMatch(zh);
    expect(await ctx.db.selectFrom('customer').select('deleted_at').where('customer_no', '=', bank.customers.zhangWei).executeTakeFirstOrThrow()).toEqual({ deleted_at: null });
  });

  it('an id sent as text is refused, and a nullable one says it takes a whole number or null', async () => {
    const transfer = await ctx.app.inject({ method: 'POST', url: `/api/customers/${bank.customers.zhangWei}/manager`, headers: { cookie: admin }, payload: { managerId: String(bank.users.cm_a2), reason: 'handover' } });
    expect(transfer.statusCode).toBe(400);
    expect(fieldsOf(transfer)).toEqual([expect.objectContaining({ field: 'managerId', rule: 'type', messages: { zh: '类型应为整数', en: 'must be a whole number' } })]);

    const count = async () => (await ctx.db.selectFrom('customer').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow()).n;
    const before = await count();
    const patch = await ctx.app.inject({ method: 'POST', url: '/api/customers', headers: { cookie: admin }, payload: { typeCode: 'personal_resident', name: '李雷', managerId: String(bank.users.cm_a2), remarks: 12345 } });
    expect(patch.statusCode).toBe(400);
    expect(fieldsOf(patch).map((f) => [f.field, f.rule, f.messages.en])).toEqual(([
      ['managerId', 'type', 'must be a whole number or null'],
      ['remarks', 'type', 'must be text or null'],
    ]));
    expect(await count()).toBe(before);
  });

  it('null for a required text is a type error, not a length error', async () => {
    const res = await ctx.app.inject({ method: 'POST', url: '/api/admin/orgs', headers: { cookie: admin }, payload: { parentId: bank.orgs.hq, code: 'GZ', name: null, nameEn: 'Guangzhou', kind: 'branch' } });
    expect(res.statusCode).toBe(400);
    expect(fieldsOf(res)).toEqual([expect.objectContaining({ field: 'name', rule: 'type' })]);
  });

  it('a query string and path parameters are still read as numbers', async () => {
    const list = await ctx.app.inject({ url: `/api/admin/users?orgId=${bank.orgs.subA}&page=1&pageSize=5`, headers: { cookie: admin } });
    expect(list.statusCode).toBe(200);
    expect(list.json().items.map((u: { username: string }) => u.username).sort()).toEqual(['cm_a', 'cm_a2']);
    const patch = await ctx.app.inject({ method: 'PATCH', url: `/api/admin/users/${bank.users.cm_a2}`, headers: { cookie: admin }, payload: { displayName: 'cm_a2 (B)' } });
    expect(patch.statusCode).toBe(204);
  });
});

describe('what a user is told', () => {
  it('a value outside an enum lists the allowed values in both languages', async () => {
    const res = await ctx.app.inject({ method: 'PATCH', url: `/api/admin/users/${bank.users.cm_a2}`, headers: { cookie: admin }, payload: { status: 'gone' } });
    expect(res.statusCode).toBe(400);
    expect(fieldsOf(res)).toEqual([expect.objectContaining({
      field: 'status', rule: 'enum', messages: { zh: '取值应为以下之一：active、disabled', en: 'must be one of: active, disabled' },
    })]);
    const nullable = await ctx.app.inject({ method: 'PATCH', url: `/api/admin/users/${bank.users.cm_a2}`, headers: { cookie: admin }, payload: { managerLevel: 'expert' } });
    expect(fieldsOf(nullable)[0].messages.en).toBe('must be one of: junior, intermediate, senior, null');
  });

  it('a number past the double range (1e309) is rule finite, in a body as in a query string, as the contract says', async () => {
    const body = await ctx.app.inject({
      method: 'POST', url: `/api/customers/${bank.customers.zhangWei}/manager`, headers: { cookie: admin, 'content-type': 'application/json' },
      payload: '{"managerId":1e309,"reason":"x"}',
    });
    expect(body.statusCode).toBe(400);
    expect(fieldsOf(body)).toEqual([expect.objectContaining({ field: 'managerId', rule: 'finite', messages: { zh: '应为有限的数值', en: 'must be a finite number' } })]);
    const query = await ctx.app.inject({ url: '/api/admin/users?orgId=1e309', headers: { cookie: admin } });
    expect(query.statusCode).toBe(400);
    expect(fieldsOf(query)).toEqual([expect.objectContaining({ field: 'orgId', rule: 'finite' })]);
  });

  it('a % not followed by two hex digits in the query string gets the house error (field q, rule encoding)', async () => {
    const res = await ctx.app.inject({ url: `/api/customers?q=${encodeURIComponent('王')}%`, headers: { cookie: admin } });
    expect(res.statusCode).toBe(400);
    const { error } = res.json();
    expect(error.code).toBe('VALIDATION');
    expect(error.fields).toEqual([expect.objectContaining({ field: 'q', rule: 'encoding' })]);
    expect(error.messages.zh).toMatch(/^q：.*编码/);
    expect(error.messages.en).toMatch(/^q: .*encoded/);
    const path = await ctx.app.inject({ url: '/api/customers/%E0%A4%A', headers: { cookie: admin } });
    expect(path.statusCode).toBe(400);
    expect(path.json().error.fields).toEqual([expect.objectContaining({ field: 'url', rule: 'encoding' })]);
  });

  // What Node's HTTP parser refuses before Fastify sees the request: only a real socket shows it.
  const raw = async (requestLine: string) => {
    if (!ctx.app.server.listening) await ctx.app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = ctx.app.server.address() as net.AddressInfo;
    return new Promise<{ status: number; body: string }>((resolve, reject) => {
      const socket = net.connect(port, '127.0.0.1', () => socket.write(Buffer.from(`${requestLine}\r\nHost: x\r\nAccept-Language: en\r\nConnection: close\r\n\r\n`)));
      let data = '';
      socket.on('data', (c) => { data += c; });
      socket.on('error', () => {});
      socket.on('close', () => resolve({ status: Number(data.split(' ')[1]), body: data.slice(data.indexOf('\r\n\r\n') + 4) }));
      setTimeout(() => reject(new Error(`no answer: ${data}`)), 5000);
    });
  };

  it('a raw (unencoded) Chinese character and % in the URL get the house error (field url, rule encoding)', async () => {
    const res = await raw('GET /api/customers?q=王% HTTP/1.1');
    expect(res.status).toBe(400);
    const { error } = JSON.parse(res.body);
    expect(error).toMatchObject({ code: 'VALIDATION', message: error.messages.en, fields: [expect.objectContaining({ field: 'url', rule: 'encoding' })] });
    expect(error.messages.zh).toMatch(/编码/);
  });

  it('an over-long URL gets the house error body', async () => {
    const res = await raw(`GET /api/customers?q=${'x'.repeat(100_000)} HTTP/1.1`);
    expect(res.status).toBe(431);
    const { error } = JSON.parse(res.body);
    expect(error).toMatchObject({ code: 'TOO_LARGE', fields: [expect.objectContaining({ field: 'url', rule: 'maxLength' })] });
    expect(error.messages.zh).toMatch(/[\u4e00-\u9fff]/);
  });
});
