import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { buildApp } from '../../app.ts';
import { ConfigError, loadConfig } from '../../config.ts';
import { createTestContext, login, type TestContext } from '../../test/context.ts';
import { PASSWORD, seedSmallBank } from '../../test/fixtures.ts';
import { login as firstLogin } from '../../modules/admin/__tests__/helpers.ts';

let ctx: TestContext;
let bank: Awaited<ReturnType<typeof seedSmallBank>>;
beforeAll(async () => {
  ctx = await createTestContext();
  bank = await seedSmallBank(ctx.db);
});
afterAll(() => ctx?.close());

const FIGURE = 'banyan_http_request_duration_seconds';
const metrics = (headers: Record<string, string> = {}, app = ctx.app) => app.inject({ url: '/metrics', headers });

describe('/metrics', () => {
  it('answers no one who is not signed in: 401 in both languages, naming the ways in', async () => {
    const res = await metrics();
    expect(res.statusCode).toBe(401);
    expect(res.body).not.toContain('banyan_');
    expect(res.headers['www-authenticate']).toMatch(/^Bearer/);
    expect(res.json().error).toMatchObject({ code: 'UNAUTHENTICATED', messages: { zh: expect.stringContaining('BANYAN_METRICS_TOKEN'), en: expect.stringContaining('BANYAN_METRICS_TOKEN') } });
    expect((await metrics({ 'accept-language': 'en' })).json().error.message).toMatch(/^Sign in/);
    expect((await metrics({ authorization: 'Bearer byn_not-a-token' })).statusCode).toBe(401);
  });

  it('answers a user whose role holds system:monitor (the system administrator), by session or API token; others get 403', async () => {
    const admin = await login(ctx.app, 'admin', PASSWORD);
    const ok = await metrics({ cookie: admin });
    expect(ok.statusCode).toBe(200);
    expect(ok.headers['content-type']).toMatch(/^text\/plain/);
    expect(ok.body).toContain(FIGURE);
    const cm = await metrics({ cookie: await login(ctx.app, 'cm_a', PASSWORD) });
    expect(cm.statusCode).toBe(403);
    expect(cm.json().error.code).toBe('FORBIDDEN');

    // A monitoring role of its own, holding nothing else, with an API token for the scraper.
    const role = await ctx.app.inject({ method: 'POST', url: '/api/admin/roles', headers: { cookie: admin }, payload: { code: 'monitoring', name: '监控', nameEn: 'Monitoring', dataScope: 'own', permissions: ['system:monitor'] } });
    expect(role.statusCode).toBe(201);
    const user = await ctx.app.inject({ method: 'POST', url: '/api/admin/users', headers: { cookie: admin }, payload: { username: 'prom', displayName: 'prom', password: PASSWORD, orgId: bank.orgs.hq, roleCode: 'monitoring' } });
    expect(user.statusCode).toBe(201);
    // Created with an administrator's password: changed at the first sign-in (and back), as the user would.
    const prom = await firstLogin(ctx.app, 'prom', PASSWORD);
    const { token } = (await ctx.app.inject({ method: 'POST', url: '/api/auth/tokens', headers: { cookie: prom }, payload: { name: 'prometheus' } })).json();
    const scraped = await metrics({ authorization: `Bearer ${token}` });
    expect(scraped.statusCode).toBe(200);
    expect(scraped.body).toContain(FIGURE);
    // An auditor's token (no system:monitor) is refused.
    const auditor = await login(ctx.app, 'auditor', PASSWORD);
    const other = (await ctx.app.inject({ method: 'POST', url: '/api/auth/tokens', headers: { cookie: auditor }, payload: { name: 'x' } })).json().token;
    expect((await metrics({ authorization: `Bearer ${other}` })).statusCode).toBe(403);
  });

  it('answers the scrape token BANYAN_METRICS_TOKEN, when set, and only the right one', async () => {
    const secret = 'scrape-0123456789abcdef';
    expect((await metrics({ authorization: `Bearer ${secret}` })).statusCode).toBe(401);
    const app = await buildApp({ config: { ...ctx.config, metricsToken: loadConfig({ BANYAN_METRICS_TOKEN: secret }).metricsToken }, db: ctx.db, pool: ctx.pool });
    onTestFinished(() => app.close());
    const ok = await metrics({ authorization: `Bearer ${secret}` }, app);
    expect(ok.statusCode).toBe(200);
    expect(ok.body).toContain(FIGURE);
    expect((await metrics({ authorization: `Bearer ${secret}x` }, app)).statusCode).toBe(401);
    expect((await metrics({}, app)).statusCode).toBe(401);
  });

  it('refuses a scrape token too short to be secret at start-up, with the other settings', () => {
    expect(loadConfig({}).metricsToken).toBeUndefined();
    expect(() => loadConfig({ BANYAN_METRICS_TOKEN: 'short' })).toThrow(ConfigError);
    expect(() => loadConfig({ BANYAN_METRICS_TOKEN: 'has a space in it, sixteen+' })).toThrow(/BANYAN_METRICS_TOKEN/);
  });

  it('reads the token from the settings it was built with, not from the environment at build time', async () => {
    const secret = 'scrape-fedcba9876543210';
    process.env.BANYAN_METRICS_TOKEN = secret;
    onTestFinished(() => { delete process.env.BANYAN_METRICS_TOKEN; });
    const app = await buildApp({ config: ctx.config, db: ctx.db, pool: ctx.pool });
    onTestFinished(() => app.close());
    expect((await metrics({ authorization: `Bearer ${secret}` }, app)).statusCode).toBe(401);
  });
});
