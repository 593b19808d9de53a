import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../app.ts';
import { loadConfig } from '../../config.ts';
import { createDb } from '../../db/database.ts';
import { registerErrorHandler } from '../errors.ts';

const app = Fastify();
beforeAll(async () => {
  registerErrorHandler(app);
  // A plugin's error: a status and an English message, no AppError.
  app.get('/raise/:status', async (req) => {
    throw Object.assign(new Error('the plugin said no'), { statusCode: Number((req.params as { status: string }).status) });
  });
  await app.ready();
});
afterAll(() => app.close());

describe('errors raised by the framework or a plugin', () => {
  it.each([
    [401, 'UNAUTHENTICATED'], [403, 'FORBIDDEN'], [404, 'NOT_FOUND'], [409, 'CONFLICT'], [413, 'TOO_LARGE'], [405, 'VALIDATION'], [418, 'VALIDATION'],
  ])('a %i keeps its status (%s), in both languages', async (status, code) => {
    const res = await app.inject({ url: `/raise/${status}` });
    expect(res.statusCode).toBe(code === 'VALIDATION' ? 400 : status);
    const { error } = res.json();
    expect(error.code).toBe(code);
    expect(error.messages.zh).toMatch(/[\u4e00-\u9fff]/);
    expect(error.messages.en).toMatch(/[A-Za-z]/);
  });

  it('a client error without its own code says what the plugin said, in both languages', async () => {
    const { error } = (await app.inject({ url: '/raise/418' })).json();
    expect(error.messages).toEqual({ zh: '请求不正确：the plugin said no', en: 'the plugin said no' });
  });

  it('a server error is never passed on as it is', async () => {
    const res = await app.inject({ url: '/raise/503' });
    expect(res.statusCode).toBe(500);
    expect(res.json().error.messages).toEqual({ zh: '服务器内部错误', en: 'Internal server error' });
  });

  it.each([
    ['refused', Object.assign(new AggregateError([Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED', syscall: 'connect' })], ''), {})],
    ['shut down by the administrator', Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' })],
    ['a connection exception', Object.assign(new Error('connection failure'), { code: '08006' })],
    ['no connection within the pool timeout', new Error('timeout exceeded when trying to connect')],
  ])('the database %s: 503, in both languages, nothing internal', async (_what, err) => {
    const down = Fastify();
    registerErrorHandler(down);
    down.get('/', async () => { throw err; });
    const res = await down.inject({ url: '/' });
    expect(res.statusCode).toBe(503);
    expect(res.json().error).toMatchObject({ code: 'UNAVAILABLE', messages: { zh: '数据库暂时不可用，请稍后再试', en: 'The database is unavailable: try again shortly' } });
    await down.close();
  });

  it.each([
    ['a socket reset while reading something else (an aborted upload)', Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET', syscall: 'read' })],
    ['a protocol violation (a bug: too many bind parameters)', Object.assign(new Error('bind message has 70000 parameter formats'), { code: '08P01' })],
  ])('%s is no database outage: 500, logged as an error', async (_what, err) => {
    const app2 = Fastify();
    registerErrorHandler(app2);
    app2.get('/', async () => { throw err; });
    expect((await app2.inject({ url: '/' })).statusCode).toBe(500);
    await app2.close();
  });
});

describe('the database down', () => {
  it('sign-in answers 503 "database unavailable", as health does, not 500', async () => {
    // Nothing listens on port 1.
    const { db } = createDb('postgres://banyan@127.0.0.1:1/banyan', 1);
    const down = await buildApp({ config: loadConfig({}), db });
    try {
      const res = await down.inject({ method: 'POST', url: '/api/auth/login', payload: { username: 'admin', password: 'whatever-it-is-1' } });
      expect(res.statusCode).toBe(503);
      expect(res.json().error.messages.en).toBe('The database is unavailable: try again shortly');
      expect(res.json().error.messages.zh).toBe('数据库暂时不可用，请稍后再试');
    } finally {
      await down.close();
      await db.destroy();
    }
  });
});
