/**
 * One scope predicate for every customer query (Q2): a customer manager of branch A fills one customer's records
 * through every route that takes a customer number (path, query or body); then a manager of branch B calls every
 * route with that number and must find nothing, as if the customer did not exist — no 2xx on the customer's own
 * routes, and the customer's number nowhere in any answer. And masking by role (B2): users of roles that see
 * personal data masked call every GET route about the customer and never find its ID number, mobile or address.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext } from '../../test/context.ts';
import { seedSmallBank } from '../../test/fixtures.ts';
import { bankHints, bodySchema, CLEAR_PERSONAL_DATA, customerGetUrl, documentedOperations, fill, sample, sessionCookie, type Operation } from '../../test/sweep.ts';

const takesCustomer = (spec: any, op: Operation) =>
  op.params.includes('customerNo') || op.query.includes('customerNo') || !!bodySchema(spec, op)?.properties?.customerNo;

describe('data scope, route by route', () => {
  let ctx: TestContext;
  let bank: Awaited<ReturnType<typeof seedSmallBank>>;
  let spec: any;
  let ops: Operation[];
  let allOps: Operation[];
  let no: string;

  /** The request an operation makes about customer `no`: its number in the path, the query and the body, wherever taken. */
  const request = (op: Operation, customerNo: string) => {
    const path = fill(op.path.replace('{customerNo}', encodeURIComponent(customerNo)), '1');
    const url = op.query.includes('customerNo') ? `${path}?customerNo=${encodeURIComponent(customerNo)}` : path;
    const schema = bodySchema(spec, op);
    const body = op.hasBody ? { ...(sample(schema, bankHints(bank)) as object), ...(schema?.properties?.customerNo ? { customerNo } : {}) } : undefined;
    return { method: op.method as 'GET', url, payload: body };
  };

  beforeAll(async () => {
    ctx = await createTestContext();
    bank = await seedSmallBank(ctx.db);
    no = bank.customers.zhangWei;
    ({ spec, ops } = documentedOperations(ctx.app));
    allOps = ops;
    // Deleting the customer first would leave nothing for the rest to find.
    ops = ops.filter((o) => takesCustomer(spec, o) && !(o.method === 'DELETE' && o.path === '/api/customers/{customerNo}'));
    // The owner's manager gives the customer records of every kind a sample body can create.
    const owner = await sessionCookie(ctx, bank.users.cm_a!);
    for (const op of ops.filter((o) => o.method !== 'GET')) await ctx.app.inject({ ...request(op, no), headers: { cookie: owner } });
  });
  afterAll(async () => {
    await ctx?.close();
  });

  it('finds the routes that take a customer', () => {
    expect(ops.length).toBeGreaterThan(15);
  });

  it('lets the owner see the customer (so the sweep below can tell)', async () => {
    const owner = await sessionCookie(ctx, bank.users.cm_a!);
    const seen = (await Promise.all(ops.filter((o) => o.method === 'GET').map((op) => ctx.app.inject({ ...request(op, no), headers: { cookie: owner } }))))
      .filter((r) => r.statusCode === 200 && r.body.includes(no));
    expect(seen.length).toBeGreaterThan(3);
  });

  it('shows nothing of it to a customer manager of another branch', async () => {
    const other = await sessionCookie(ctx, bank.users.cm_b!);
    const leaks: string[] = [];
    for (const op of ops) {
      const req = request(op, no);
      const res = await ctx.app.inject({ ...req, headers: { cookie: other } });
      const ok = res.statusCode >= 200 && res.statusCode < 300;
      if (ok && op.params.includes('customerNo')) leaks.push(`${op.method} ${req.url} → ${res.statusCode}`);
      else if (ok && res.body.includes(`"${no}"`)) leaks.push(`${op.method} ${req.url} → ${res.statusCode} names the customer: ${res.body.slice(0, 200)}`);
    }
    expect(leaks).toEqual([]);
  });

  it.each(['hq', 'agent', 'auditor'])('never shows the personal data in clear to a role that sees it masked (%s)', async (username) => {
    const cookie = await sessionCookie(ctx, bank.users[username]!);
    const shown: string[] = [];
    let answered = 0;
    for (const op of allOps.filter((o) => o.method === 'GET')) {
      const url = customerGetUrl(op, no, '张伟');
      const res = await ctx.app.inject({ url, headers: { cookie } });
      if (res.statusCode !== 200) continue;
      answered++;
      const hit = CLEAR_PERSONAL_DATA.find((p) => res.rawPayload.includes(p));
      if (hit) shown.push(`GET ${url} shows ${hit}`);
    }
    expect(answered).toBeGreaterThan(10);
    expect(shown).toEqual([]);
  });
});
