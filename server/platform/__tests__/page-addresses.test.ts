import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, login, type TestContext } from '../../test/context.ts';
import { PASSWORD, seedSmallBank } from '../../test/fixtures.ts';

// A page address the user typed or followed with a bad percent-escape or a NUL: the web app (or, when it is not built, a
// small page in both languages) — never the API's JSON. The API keeps its JSON error.

let ctx: TestContext;
let cookie: string;

beforeAll(async () => {
  ctx = await createTestContext();
  await seedSmallBank(ctx.db);
  cookie = await login(ctx.app, 'cm_a', PASSWORD);
});
afterAll(() => ctx?.close());

describe('page addresses that do not decode', () => {
  it.each(['/customers?q=%00', '/customers?q=%E7%8E%8B%', '/customers?q=%zz', '/customers/%E0%A4%A', '/%00', '/customers/%00'])('GET %s answers with a web page, not JSON', async (url) => {
    const res = await ctx.app.inject({ url, headers: { cookie, 'accept-language': 'zh-CN' } });
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.statusCode).toBeLessThan(500);
    expect(() => JSON.parse(res.body)).toThrow();
    // The app itself, or a page saying what went wrong in both languages.
    if (res.statusCode !== 200) expect(res.body).toMatch(/页面.*[\s\S]*page/i);
  });

  it.each([
    ['/api/customers?q=%00', 'q', 'noNul'],
    ['/api/customers?q=%E7%8E%8B%', 'q', 'encoding'],
    ['/api/customers/%E0%A4%A', 'url', 'encoding'],
  ])('GET %s keeps the API\'s JSON error naming the field', async (url, field) => {
    const res = await ctx.app.inject({ url, headers: { cookie } });
    expect(res.statusCode).toBe(400);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.json().error.fields.map((f: { field: string }) => f.field)).toContain(field);
  });
});
