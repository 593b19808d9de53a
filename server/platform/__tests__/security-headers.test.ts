import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext } from '../../test/context.ts';
import { registerSecurityHeaders } from '../security-headers.ts';

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext();
});
afterAll(() => ctx?.close());

describe('security headers', () => {
  it('every kind of answer carries them: a page of the API, a refusal, a bad request, a route that does not exist', async () => {
    const answers = await Promise.all([
      ctx.app.inject({ url: '/api/health' }),
      ctx.app.inject({ url: '/api/customers' }),
      ctx.app.inject({ method: 'POST', url: '/api/auth/login', payload: { username: 1 } }),
      ctx.app.inject({ url: '/api/no-such-route' }),
    ]);
    expect(answers.map((a) => a.statusCode)).toEqual([200, 401, 400, 404]);
    for (const a of answers) {
      expect(a.headers['content-security-policy']).toContain("default-src 'self'");
      expect(a.headers['content-security-policy']).toContain("script-src 'self'");
      expect(a.headers['content-security-policy']).not.toContain("script-src 'self' 'unsafe-inline'");
      expect(a.headers).toMatchObject({
        'x-content-type-options': 'nosniff', 'x-frame-options': 'SAMEORIGIN', 'referrer-policy': 'no-referrer',
        'cross-origin-opener-policy': 'same-origin',
      });
    }
  });

  it('over plain http (HOST=0.0.0.0 opened by the address) requests are not upgraded to https, over https they are; HSTS always (browsers ignore it over http)', async () => {
    const http = await ctx.app.inject({ url: '/api/health' });
    expect(http.headers['content-security-policy']).toContain("default-src 'self'");
    expect(http.headers['content-security-policy']).not.toContain('upgrade-insecure-requests');
    expect(http.headers['strict-transport-security']).toContain('max-age=');
    // Behind a proxy BANYAN_TRUST_PROXY names, X-Forwarded-Proto says how the browser came.
    const app = Fastify({ trustProxy: ['127.0.0.1'] });
    registerSecurityHeaders(app, { contentSecurityPolicy: { directives: { defaultSrc: ["'self'"] } } });
    app.get('/', async () => 'ok');
    const viaHttps = await app.inject({ url: '/', headers: { 'x-forwarded-proto': 'https' }, remoteAddress: '127.0.0.1' });
    expect(viaHttps.headers['content-security-policy']).toContain('upgrade-insecure-requests');
    expect(viaHttps.headers['strict-transport-security']).toContain('max-age=');
    // … and from anyone else the header is not believed.
    const forged = await app.inject({ url: '/', headers: { 'x-forwarded-proto': 'https' }, remoteAddress: '10.9.9.9' });
    expect(forged.headers['content-security-policy']).not.toContain('upgrade-insecure-requests');
    expect(forged.headers['strict-transport-security']).toContain('max-age=');
    await app.close();
  });

  it('leaves a header a route set itself', async () => {
    const app = Fastify();
    registerSecurityHeaders(app, {});
    app.get('/framed', async (_req, reply) => reply.header('x-frame-options', 'DENY').send('ok'));
    const res = await app.inject({ url: '/framed' });
    expect(res.headers['x-frame-options']).toBe('DENY');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    await app.close();
  });
});
