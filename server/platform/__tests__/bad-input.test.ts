/**
 * Bad input never gets a 500: every route the API documents (its OpenAPI description) is sent malformed path
 * parameters, query strings and bodies (each body valid but for one value, so it reaches the handler), as the
 * administrator and as users of three business roles, and must answer with a 4xx — having written nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext } from '../../test/context.ts';
import { seedSmallBank } from '../../test/fixtures.ts';
import { bankHints, bodySchema, documentedOperations, fill, installWriteCounter, rowsWritten, sample, sessionCookie, type Operation, type Schema } from '../../test/sweep.ts';

/** Values that break a rule of one kind or another: type, size, format, encoding. */
const BAD_SCALARS: unknown[] = ['', 'x'.repeat(5000), '-1', '1e309', '3000000000', '9'.repeat(30), 'NaN', '１２３', '\u0000', '🙂', "' OR 1=1 --", '2024-02-30', '{}'];
const BAD_BODY_VALUES: unknown[] = [null, '', 'x'.repeat(5000), -1, 3_000_000_000, 1e308, 9_007_199_254_740_993, true, [], {}, [null], '2024-02-30', '\u0000', '１２３'];

/**
 * Bodies that are valid but for one value: each property (and each property of an object or of an array's
 * items, one level down) set to each bad value in turn, on top of a sample of the rest.
 */
function badBodies(s: Schema | undefined, hints: Record<string, unknown>): unknown[] {
  if (!s?.properties) return [];
  const base = sample(s, hints) as Record<string, unknown>;
  const out: unknown[] = [];
  for (const [k, p] of Object.entries(s.properties)) {
    for (const v of BAD_BODY_VALUES) out.push({ ...base, [k]: v });
    const inner = p.properties ? p : p.items?.properties ? p.items : null;
    if (!inner) continue;
    const innerBase = sample({ ...inner, type: 'object' }, hints) as Record<string, unknown>;
    for (const ik of Object.keys(inner.properties!)) {
      for (const v of BAD_BODY_VALUES) {
        const obj = { ...innerBase, [ik]: v };
        out.push({ ...base, [k]: inner === p ? obj : [obj] });
      }
    }
  }
  return out;
}

describe('bad input', () => {
  let ctx: TestContext;
  let bank: Awaited<ReturnType<typeof seedSmallBank>>;
  let spec: any;
  let ops: Operation[];

  beforeAll(async () => {
    ctx = await createTestContext();
    bank = await seedSmallBank(ctx.db);
    ({ spec, ops } = documentedOperations(ctx.app));
    await installWriteCounter(ctx);
    // Signing out or changing one's own password would end the session the rest of the run uses.
    ops = ops.filter((o) => !['/api/auth/logout', '/api/auth/password'].includes(o.path));
  });
  afterAll(async () => {
    await ctx?.close();
  });

  it('finds the routes to try', () => {
    expect(ops.length).toBeGreaterThan(100);
  });

  it('names the field and the rule', async () => {
    const cookie = await sessionCookie(ctx, bank.users.hq!);
    const get = async (url: string) => (await ctx.app.inject({ url, headers: { cookie, 'accept-language': 'en' } })).json().error;
    // Past the safe-integer range: the schema's bound.
    expect((await get('/api/customers?managerId=999999999999999999999999999999')).fields[0]).toMatchObject({ field: 'managerId', rule: 'maximum' });
    // "1e309" coerces to Infinity, which the validator lets through.
    expect((await get(`/api/managers/${bank.users.cm_a}/performance?months=1e309`)).fields[0]).toMatchObject({ field: 'months', rule: 'finite' });
    // A safe integer the database's integer column cannot hold: found by its value.
    expect((await get('/api/customers?orgId=3000000000')).fields[0]).toMatchObject({ field: 'orgId', rule: 'range', message: 'is out of range or malformed' });
    // … an export too: its query runs before the download starts.
    expect((await get('/api/customers/export?orgId=3000000000')).fields[0]).toMatchObject({ field: 'orgId', rule: 'range' });
    expect((await get('/api/customers?q=%00')).fields[0]).toMatchObject({ field: 'q', rule: 'noNul' });
    const res = await ctx.app.inject({ method: 'PATCH', url: `/api/customers/${bank.customers.zhangWei}`, headers: { cookie }, payload: { remarks: 'a\u0000b', addresses: [{ kind: 'home', line: '\u0000' }] } });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.fields[0]).toMatchObject({ field: 'remarks', rule: 'noNul', message: '不能包含空字符（\\u0000）' });
  });

  // The administrator, and users of the business roles (an administrator may not touch customers).
  it.each(['admin', 'hq', 'cm_a', 'agent'])('answers malformed path parameters, query strings and bodies with a 4xx, never a 500, and refuses having written nothing (as %s)', async (username) => {
    const cookie = await sessionCookie(ctx, bank.users[username]!);
    const hints = bankHints(bank);
    const failures: string[] = [];
    let written = await rowsWritten(ctx);
    const send = async (method: string, url: string, payload?: unknown) => {
      const what = `${method} ${url.slice(0, 120)} ${payload === undefined ? '' : JSON.stringify(payload).slice(0, 120)}`;
      try {
        const res = await ctx.app.inject({ method: method as 'GET', url, headers: { cookie, 'content-type': 'application/json' }, payload: payload === undefined ? undefined : JSON.stringify(payload) });
        if (res.statusCode >= 500) failures.push(`${what} → ${res.statusCode} ${res.body.slice(0, 200)}`);
        // Refused means refused: nothing half-written (a failed sign-in is counted towards the lock-out, by design).
        const now = await rowsWritten(ctx);
        if (res.statusCode >= 400 && now !== written && !url.startsWith('/api/auth/login')) failures.push(`${what} → ${res.statusCode} after writing ${now - written} rows`);
        written = now;
      } catch (err) {
        // A response broken off half-way (a stream that failed after its headers) is no better than a 500.
        failures.push(`${what} → ${(err as Error).message}`);
      }
    };
    for (const op of ops) {
      const base = fill(op.path, op.params.length ? '1' : '');
      for (const v of BAD_SCALARS) {
        if (op.params.length) await send(op.method, fill(op.path, String(v)), op.hasBody ? {} : undefined);
        for (const q of op.query) await send(op.method, `${base}?${q}=${encodeURIComponent(String(v))}`, op.hasBody ? {} : undefined);
      }
      if (!op.hasBody) continue;
      await send(op.method, base, []);
      await send(op.method, base, 'text');
      await send(op.method, base, null);
      const schema = bodySchema(spec, op);
      await send(op.method, base, sample(schema, hints));
      for (const body of badBodies(schema, hints)) await send(op.method, base, body);
    }
    expect(failures).toEqual([]);
  }, 600_000);
});
