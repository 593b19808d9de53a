import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, login, type TestContext } from '../../test/context.ts';
import { PASSWORD, seedSmallBank } from '../../test/fixtures.ts';

// A form on another page (a sibling subdomain is same-site, so SameSite=Lax still sends the cookie) must not act for
// a signed-in user: body-less POSTs like this one took a text/plain form post before.
let ctx: TestContext;
let cookie: string;
let bearer: string;
beforeAll(async () => {
  ctx = await createTestContext();
  await seedSmallBank(ctx.db);
  cookie = await login(ctx.app, 'cm_a', PASSWORD);
  bearer = `Bearer ${(await ctx.app.inject({ method: 'POST', url: '/api/auth/tokens', headers: { cookie }, payload: { name: 'etl' } })).json().token}`;
});
afterAll(() => ctx?.close());

const readAll = (headers: Record<string, string>, extra: { payload?: string } = {}) =>
  ctx.app.inject({ method: 'POST', url: '/api/workplace/notices/read-all', headers: { host: 'crm.bank.example', ...headers }, ...extra });

describe('state-changing requests from another site (rule crossSite)', () => {
  it('refuses a cookie POST whose Origin is another site', async () => {
    const res = await readAll({ cookie, origin: 'https://evil.example' });
    expect(res.statusCode).toBe(403);
    expect(res.json().error.fields[0]).toMatchObject({ field: 'origin', rule: 'crossSite' });
    expect(res.json().error.messages.en).toMatch(/another site \(crossSite\)/);
    expect(res.json().error.messages.zh).toMatch(/其他网站.*crossSite/);
    // Another port or scheme-less "null" (a sandboxed frame) is another origin too.
    expect((await readAll({ cookie, origin: 'https://crm.bank.example:8443' })).statusCode).toBe(403);
    expect((await readAll({ cookie, origin: 'null' })).statusCode).toBe(403);
  });

  it('refuses one the browser marks same-site or cross-site (a sibling subdomain), whatever the Origin', async () => {
    for (const site of ['same-site', 'cross-site']) {
      const res = await readAll({ cookie, 'sec-fetch-site': site });
      expect(res.statusCode).toBe(403);
      expect(res.json().error.fields[0].rule).toBe('crossSite');
    }
    expect((await readAll({ cookie, 'sec-fetch-site': 'same-site', origin: 'https://crm.bank.example' })).statusCode).toBe(403);
    // Sign-in too: no one else's page signs a browser in.
    const signIn = await ctx.app.inject({ method: 'POST', url: '/api/auth/login', headers: { 'sec-fetch-site': 'same-site' }, payload: { username: 'cm_a', password: PASSWORD } });
    expect(signIn.statusCode).toBe(403);
  });

  it('lets the web UI through: same origin, by Origin or by Sec-Fetch-Site', async () => {
    expect((await readAll({ cookie, origin: 'https://crm.bank.example' })).statusCode).toBe(200);
    // The default port written out on either side, any case.
    expect((await readAll({ cookie, origin: 'http://CRM.bank.example', host: 'crm.bank.example:80' })).statusCode).toBe(200);
    expect((await readAll({ cookie, origin: 'https://crm.bank.example:443', host: 'crm.bank.example' })).statusCode).toBe(200);
    expect((await readAll({ cookie, origin: 'http://crm.bank.example', host: 'crm.bank.example' })).statusCode).toBe(200);
    expect((await readAll({ cookie, origin: 'https://crm.bank.example', 'sec-fetch-site': 'same-origin' })).statusCode).toBe(200);
    // Behind a proxy that rewrote Host, the browser's own verdict still lets it through.
    expect((await readAll({ cookie, origin: 'https://crm.bank.example', host: '127.0.0.1:3000', 'sec-fetch-site': 'same-origin' })).statusCode).toBe(200);
    // Safe methods are not checked.
    expect((await ctx.app.inject({ url: '/api/auth/me', headers: { cookie, origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' } })).statusCode).toBe(200);
  });

  it('lets requests without Origin or Sec-Fetch-Site through (API clients, the CLI)', async () => {
    expect((await readAll({ cookie })).statusCode).toBe(200);
  });

  it('lets a bearer token through from anywhere: browsers never send one on their own', async () => {
    expect((await readAll({ authorization: bearer, origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' })).statusCode).toBe(200);
  });
});

describe('form bodies', () => {
  it('refuses a text/plain body, even on a route that reads none (an HTML form can send one without asking)', async () => {
    const res = await readAll({ cookie, 'content-type': 'text/plain' }, { payload: 'x=1' });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.fields[0]).toMatchObject({ field: 'body', rule: 'contentType' });
    expect((await readAll({ cookie, 'content-type': 'text/plain' })).statusCode).toBe(400);
    expect((await readAll({ cookie, 'content-type': 'application/x-www-form-urlencoded' }, { payload: 'x=1' })).statusCode).toBe(400);
  });
});
