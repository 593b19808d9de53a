import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
});
