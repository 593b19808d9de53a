import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

export type ErrorCode =
  | 'VALIDATION'
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'CONFLICT'
  | 'LOCKED'
  | 'TOO_LARGE'
  | 'RATE_LIMITED'
  | 'UNAVAILABLE'
  | 'INTERNAL';

const STATUS: Record<ErrorCode, number> = {
  VALIDATION: 400,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  LOCKED: 423,
  TOO_LARGE: 413,
  RATE_LIMITED: 429,
  UNAVAILABLE: 503,
  INTERNAL: 500,
};

/** A message in both of the UI's languages. */
export type Message = { zh: string; en: string };

/** One invalid field: where it is, which rule it broke, and what to tell the user. */
export type FieldError = { field: string; rule: string; message: Message };

export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    readonly msg: Message,
    readonly fields: FieldError[] = [],
  ) {
    super(msg.en);
  }
  get status(): number {
    return STATUS[this.code];
  }
}

export const notFound = (what: Message = { zh: '记录不存在', en: 'Not found' }) => new AppError('NOT_FOUND', what);
export const forbidden = () => new AppError('FORBIDDEN', { zh: '没有权限执行此操作', en: 'You are not allowed to do this' });

/** An error as it crosses to another thread (postMessage keeps no class): an AppError keeps its code, message and fields. */
export type ThreadError = { message: string; app?: { code: ErrorCode; msg: Message; fields: FieldError[] } };

export function toThreadError(err: unknown): ThreadError {
  return { message: err instanceof Error ? err.message : String(err), app: err instanceof AppError ? { code: err.code, msg: err.msg, fields: err.fields } : undefined };
}

/** The error toThreadError carried, rebuilt on this side (an AppError as an AppError). */
export function fromThreadError(e: ThreadError): Error {
  return e.app ? new AppError(e.app.code, e.app.msg, e.app.fields) : new Error(e.message);
}

/** Thrown when one or more fields break a rule; the response lists every one of them. */
export function invalid(fields: FieldError[]): AppError {
  const first = fields[0];
  return new AppError(
    'VALIDATION',
    fields.length === 1
      ? { zh: `${first.field}：${first.message.zh}`, en: `${first.field}: ${first.message.en}` }
      : { zh: `${fields.length} 个字段不合法`, en: `${fields.length} fields are invalid` },
    fields,
  );
}

export function fieldError(field: string, rule: string, zh: string, en: string): FieldError {
  return { field, rule, message: { zh, en } };
}

/** Picks zh or en from the request's Accept-Language (or the `lang` cookie). */
export function pickLang(header: string | undefined, cookie?: string): 'zh' | 'en' {
  if (cookie === 'zh' || cookie === 'en') return cookie;
  if (!header) return 'zh';
  return /^\s*en/i.test(header) ? 'en' : 'zh';
}

/** The language a request asks for: the UI's `lang` cookie, else Accept-Language, else Chinese. */
export function requestLang(req: FastifyRequest): 'zh' | 'en' {
  return pickLang(req.headers['accept-language'], (req.cookies as Record<string, string> | undefined)?.lang);
}

type AjvError = { instancePath?: string; schemaPath?: string; keyword: string; params?: Record<string, unknown>; message?: string };

const TYPE_NAMES: Record<string, [string, string]> = {
  string: ['文本', 'text'], integer: ['整数', 'a whole number'], number: ['数值', 'a number'], boolean: ['布尔值（true/false）', 'true or false'],
  object: ['对象', 'an object'], array: ['数组', 'an array'], null: ['null', 'null'],
};

/** "integer" or ["integer", "null"] (a Nullable scalar) → 整数或 null / a whole number or null. */
function typeError(field: string, types: string[]): FieldError {
  const names = [...new Set(types)].map((t) => TYPE_NAMES[t] ?? [t, t]);
  return fieldError(field, 'type', `类型应为${names.map((n) => n[0]).join('或')}`, `must be ${names.map((n) => n[1]).join(' or ')}`);
}

const MAX_LISTED = 30;
const shown = (v: unknown) => (typeof v === 'string' ? v : JSON.stringify(v));

/** The allowed values, listed (the first 30 of a long list). */
function enumError(field: string, values: unknown[]): FieldError {
  const list = [...new Set(values.map(shown))];
  const more = list.length > MAX_LISTED ? list.length - MAX_LISTED : 0;
  const head = list.slice(0, MAX_LISTED);
  return fieldError(field, 'enum',
    `取值应为以下之一：${head.join('、')}${more ? ` 等 ${list.length} 个` : ''}`,
    `must be one of: ${head.join(', ')}${more ? ` (and ${more} more)` : ''}`);
}

const typesOf = (e: AjvError) => String(e.params?.type ?? '').split(',').filter(Boolean);

/**
 * Folds each anyOf with the errors of its branches (which the validator reports before it) into what the user can act
 * on: a value of none of the branches' types → rule `type` naming them all; a value none of the branches' literals →
 * rule `enum` listing them; a value that matched a branch's type but broke a rule inside it → that branch's errors.
 */
function foldAnyOf(errors: AjvError[]): AjvError[] {
  const out: AjvError[] = [];
  for (const e of errors) {
    if (e.keyword !== 'anyOf' || !e.schemaPath) {
      out.push(e);
      continue;
    }
    const prefix = `${e.schemaPath}/`;
    const branch: AjvError[] = [];
    while (out.length && out[out.length - 1].schemaPath?.startsWith(prefix)) branch.unshift(out.pop()!);
    const here = (x: AjvError) => (x.instancePath ?? '') === (e.instancePath ?? '');
    const deeper = branch.filter((x) => !here(x) || !['type', 'const', 'enum'].includes(x.keyword));
    if (deeper.length) out.push(...deeper);
    else if (branch.length && branch.every((x) => x.keyword === 'type')) out.push({ ...e, keyword: 'type', params: { type: branch.flatMap(typesOf).join(',') } });
    else if (branch.some((x) => x.keyword === 'const' || x.keyword === 'enum')) {
      const values = branch.flatMap((x) => (x.keyword === 'const' ? [x.params?.allowedValue] : x.keyword === 'enum' ? (x.params?.allowedValues as unknown[] ?? []) : typesOf(x).includes('null') ? [null] : []));
      out.push({ ...e, keyword: 'enum', params: { allowedValues: values } });
    } else out.push(e);
  }
  return out;
}

/** Rule `finite`: a number past the double range (1e309 is read as Infinity), wherever it comes. */
export const notFinite = (field: string) => fieldError(field, 'finite', '应为有限的数值', 'must be a finite number');

/** The value at an Ajv instance path ("/a/0/b") in a request part. */
function valueAt(root: unknown, instancePath: string): unknown {
  let v = root;
  for (const key of instancePath.split('/').slice(1)) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string, unknown>)[key.replace(/~1/g, '/').replace(/~0/g, '~')];
  }
  return v;
}

const isNonFinite = (v: unknown) => (typeof v === 'number' || (typeof v === 'string' && v.trim() !== '')) && Math.abs(Number(v)) === Infinity;

/** Turns the schema validator's findings into our field errors, naming the field and the rule. */
function fromSchema(errors: AjvError[], context: string, data?: unknown): FieldError[] {
  return foldAnyOf(errors).map((e) => {
    // 1e309 (a JSON number, or a query's text coerced) is Infinity: neither an integer nor past a bound, but not finite.
    if (['type', 'minimum', 'maximum'].includes(e.keyword) && isNonFinite(valueAt(data, e.instancePath ?? ''))) {
      return notFinite((e.instancePath ?? '').replace(/^\//, '').replace(/\//g, '.') || context);
    }
    let field = (e.instancePath ?? '').replace(/^\//, '').replace(/\//g, '.');
    if (e.keyword === 'required' && e.params?.missingProperty) {
      field = field ? `${field}.${e.params.missingProperty}` : String(e.params.missingProperty);
      return fieldError(field, 'required', '必填', 'is required');
    }
    if (!field) field = context;
    switch (e.keyword) {
      case 'maxLength':
        return fieldError(field, 'maxLength', `长度不能超过 ${e.params?.limit}`, `must be at most ${e.params?.limit} characters`);
      case 'minLength':
        return fieldError(field, 'minLength', `长度不能少于 ${e.params?.limit}`, `must be at least ${e.params?.limit} characters`);
      case 'enum':
        return enumError(field, (e.params?.allowedValues as unknown[] | undefined) ?? []);
      case 'const':
        return enumError(field, [e.params?.allowedValue]);
      case 'anyOf':
        return fieldError(field, 'enum', '取值不在允许范围内', 'must be one of the allowed values');
      case 'format':
        return fieldError(field, 'format', `格式不正确（${e.params?.format}）`, `must be a valid ${e.params?.format}`);
      case 'pattern':
        return fieldError(field, 'pattern', '格式不正确', 'has the wrong format');
      case 'type':
        return typeError(field, typesOf(e));
      case 'additionalProperties':
        return fieldError(
          field === context ? String(e.params?.additionalProperty) : `${field}.${e.params?.additionalProperty}`,
          'unknown',
          '不认识的字段',
          'is not a known field',
        );
      case 'minimum':
      case 'maximum':
        return fieldError(field, e.keyword, `超出范围（${e.params?.comparison} ${e.params?.limit}）`, `must be ${e.params?.comparison} ${e.params?.limit}`);
      case 'minItems':
        return fieldError(field, 'minItems', `至少需要 ${e.params?.limit} 项`, `must have at least ${e.params?.limit} item(s)`);
      case 'maxItems':
        return fieldError(field, 'maxItems', `最多 ${e.params?.limit} 项`, `must have at most ${e.params?.limit} item(s)`);
      case 'uniqueItems':
        return fieldError(field, 'uniqueItems', '不能有重复项', 'must not repeat an item');
      default:
        return fieldError(field, e.keyword, `不合法（${e.keyword}）`, e.message ?? 'is invalid');
    }
  });
}

/** SQLSTATEs of a value the database refuses: too long, out of range, bad date or time, bad text, bad encoding. */
const DATA_EXCEPTIONS = new Set(['22001', '22003', '22007', '22008', '22P02', '22021', '22P05']);

/**
 * A value the database refused that slipped past the schemas: a 400, naming the request field that held the
 * value when one did (the database names only the value).
 */
function fromDataException(err: { code?: string; message?: string }, req: FastifyRequest): FieldError[] | null {
  if (typeof err.code !== 'string' || !DATA_EXCEPTIONS.has(err.code)) return null;
  const value = /"([^"]*)"/.exec(err.message ?? '')?.[1];
  const field = (value !== undefined && (fieldHolding(req.body, value, '') ?? fieldHolding(req.query, value, '') ?? fieldHolding(req.params, value, ''))) || 'request';
  return [fieldError(field, 'range', '取值超出允许范围或格式不正确', 'is out of range or malformed')];
}

function fieldHolding(value: unknown, wanted: string, path: string, depth = 0): string | null {
  if (value === null || value === undefined || depth > 64) return null;
  if (typeof value !== 'object') return String(value) === wanted ? path : null;
  for (const [k, v] of Object.entries(value)) {
    const hit = fieldHolding(v, wanted, path ? `${path}.${k}` : k, depth + 1);
    if (hit) return hit;
  }
  return null;
}

/** Any other 4xx a plugin raises keeps its status, in both languages (a refused static path was answered 400 before). */
function otherClientError(status: number, message: string): AppError {
  switch (status) {
    case 401: return new AppError('UNAUTHENTICATED', { zh: '请先登录', en: 'Sign in first' });
    case 403: return forbidden();
    case 404: return notFound();
    case 409: return new AppError('CONFLICT', { zh: `请求与当前状态冲突：${message}`, en: `Conflict: ${message}` });
    case 413: return new AppError('TOO_LARGE', { zh: '请求体过大', en: 'Request body is too large' });
    default: return new AppError('VALIDATION', { zh: `请求不正确：${message}`, en: message });
  }
}

/**
 * The database is down or unreachable (refused, shut down, the connection lost, no connection within the pool's
 * timeout): a 503 the client may retry, as /api/health says, not a 500 that looks like a bug.
 */
export function databaseUnavailable(err: unknown, depth = 0): boolean {
  const e = err as { code?: unknown; message?: unknown; errors?: unknown[]; cause?: unknown };
  if (!e || depth > 4) return false;
  const code = typeof e.code === 'string' ? e.code : '';
  // Only the database's own connection failing: a socket error of anything else (a client's aborted upload, a source
  // system's database a pull reads) is not this database being down, and a protocol violation is a bug (500, logged).
  if (['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN'].includes(code) && (e as { syscall?: unknown }).syscall === 'connect') return true;
  // SQLSTATE 08000/08001/08003/08004/08006 (connection exceptions), 57P01..57P03 (admin or crash shutdown, cannot connect now).
  if (['08000', '08001', '08003', '08004', '08006', '57P01', '57P02', '57P03'].includes(code)) return true;
  const message = typeof e.message === 'string' ? e.message : '';
  if (/timeout exceeded when trying to connect|Connection terminated unexpectedly|Client has encountered a connection error/i.test(message)) return true;
  return (e.errors ?? []).some((x) => databaseUnavailable(x, depth + 1)) || (e.cause !== undefined && databaseUnavailable(e.cause, depth + 1));
}

const DATABASE_UNAVAILABLE = new AppError('UNAVAILABLE', { zh: '数据库暂时不可用，请稍后再试', en: 'The database is unavailable: try again shortly' });

/** The one error handler: codes to statuses, messages in the user's language, no 5xx internals. */
export function registerErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError | AppError, req, reply) => {
    const lang = requestLang(req);
    let appErr: AppError;
    let dataFields: FieldError[] | null;
    if (err instanceof AppError) {
      appErr = err;
    } else if ((err as FastifyError).validation) {
      const context = (err as FastifyError).validationContext ?? 'body';
      const data = context === 'body' ? req.body : context === 'querystring' ? req.query : context === 'params' ? req.params : req.headers;
      appErr = invalid(fromSchema((err as FastifyError).validation as AjvError[], context, data));
    } else if ((dataFields = fromDataException(err, req))) {
      appErr = invalid(dataFields);
    } else if ((err as FastifyError).code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      appErr = new AppError('TOO_LARGE', { zh: '请求体过大', en: 'Request body is too large' });
    } else if ((err as FastifyError).code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
      // A body of a type no route here reads (text/plain, a form's urlencoded …): what an HTML form elsewhere can send.
      appErr = new AppError('VALIDATION', { zh: '请求体须为 JSON（Content-Type: application/json）', en: 'The body must be JSON (Content-Type: application/json)' }, [
        fieldError('body', 'contentType', '不支持此内容类型，请以 application/json 发送', 'this content type is not accepted: send application/json'),
      ]);
    } else if ((err as FastifyError).code === 'FST_ERR_CTP_EMPTY_JSON_BODY' || (err as FastifyError).statusCode === 400) {
      appErr = new AppError('VALIDATION', { zh: '请求格式不正确', en: `Malformed request: ${err.message}` }, [
        fieldError('body', 'syntax', '请求体不是合法的 JSON', 'body is not valid JSON'),
      ]);
    } else if ((err as FastifyError).statusCode === 429) {
      appErr = new AppError('RATE_LIMITED', { zh: '请求过于频繁，请稍后再试', en: 'Too many requests, try again later' });
    } else if ((err as FastifyError).statusCode && (err as FastifyError).statusCode! < 500) {
      appErr = otherClientError((err as FastifyError).statusCode!, err.message);
    } else if (databaseUnavailable(err)) {
      req.log.warn({ err }, 'database unavailable');
      appErr = DATABASE_UNAVAILABLE;
    } else {
      req.log.error({ err }, 'unhandled error');
      appErr = new AppError('INTERNAL', { zh: '服务器内部错误', en: 'Internal server error' });
    }
    reply.status(appErr.status).send(errorBody(appErr, lang));
  });
}

/** The house error body: `{ error: { code, message, messages, fields } }`. */
export function errorBody(appErr: AppError, lang: 'zh' | 'en') {
  return {
    error: {
      code: appErr.code,
      message: appErr.msg[lang],
      messages: appErr.msg,
      fields: appErr.fields.map((f) => ({ field: f.field, rule: f.rule, message: f.message[lang], messages: f.message })),
    },
  };
}

/** Rule `encoding`: a `%` not followed by two hex digits, or bytes that are not UTF-8 once decoded. */
export const badEncoding = (field: string) => fieldError(field, 'encoding',
  '编码不正确：“%” 须写作 %25，中文等字符须按 UTF-8 百分号编码（如 encodeURIComponent）',
  'is not correctly percent-encoded: write "%" as %25 and other characters as UTF-8 percent-escapes (e.g. encodeURIComponent)');

const URL_TOO_LONG = new AppError('TOO_LARGE', { zh: '请求地址过长', en: 'The request URL is too long' }, [
  fieldError('url', 'maxLength', '地址过长，请缩短查询条件', 'is too long: shorten the query'),
]);
const HEADERS_TOO_LARGE = new AppError('TOO_LARGE', { zh: '请求地址或请求头过大', en: 'The request URL or headers are too large' }, [
  fieldError('url', 'maxLength', '地址或请求头过长（合计不能超过 16 KB），请缩短查询条件', 'the URL and headers together must be at most 16 KB: shorten the query'),
]);

/**
 * Fastify's `frameworkErrors`: a path it cannot decode (FST_ERR_BAD_URL) or a path parameter past maxParamLength,
 * which it would otherwise answer in a shape of its own before any hook runs.
 */
export function frameworkErrors(err: FastifyError, req: FastifyRequest, reply: FastifyReply) {
  const lang = pickLang(req.headers['accept-language']);
  if (err.code === 'FST_ERR_MAX_PARAM_LENGTH') return reply.status(414).send(errorBody(URL_TOO_LONG, lang));
  const appErr = err.code === 'FST_ERR_BAD_URL' ? invalid([badEncoding('url')]) : new AppError('VALIDATION', { zh: '请求不正确', en: `Bad request: ${err.message}` });
  return reply.status(appErr.status).send(errorBody(appErr, lang));
}

/**
 * Fastify's `clientErrorHandler`: a request Node's HTTP parser refused before Fastify saw it (a URL with a raw space,
 * a raw non-ASCII character, a request line and headers past 16 KB …), answered in the house shape on the socket.
 */
export function clientErrorHandler(err: Error & { code?: string; rawPacket?: unknown }, socket: Socket) {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const raw = Buffer.isBuffer(err.rawPacket) ? err.rawPacket.subarray(0, 64 * 1024).toString('latin1') : '';
  const lang = pickLang(/\r\naccept-language:([^\r\n]*)/i.exec(raw)?.[1]);
  let status: number;
  let appErr: AppError;
  if (err.code === 'HPE_HEADER_OVERFLOW') {
    status = 431;
    appErr = HEADERS_TOO_LARGE;
  } else if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT') {
    status = 408;
    appErr = new AppError('VALIDATION', { zh: '请求超时', en: 'The request took too long to arrive' });
  } else if (err.code === 'HPE_INVALID_URL') {
    status = 400;
    appErr = invalid([badEncoding('url')]);
  } else {
    status = 400;
    appErr = new AppError('VALIDATION', { zh: '请求格式不正确', en: 'Malformed HTTP request' });
  }
  if (socket.writable) {
    const body = JSON.stringify(errorBody(appErr, lang));
    socket.write(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nContent-Type: application/json; charset=utf-8\r\nConnection: close\r\n\r\n${body}`);
  }
  socket.destroy(err);
}

/**
 * A request for a page of the web app (a GET or HEAD outside /api and /metrics): whatever is wrong with it, it is
 * answered with the app (or a page saying what went wrong), never with the API's JSON.
 */
export function isPageRequest(req: { method: string; url: string }): boolean {
  if (req.method !== 'GET' && req.method !== 'HEAD') return false;
  const p = req.url.split('?')[0]!;
  return !(p === '/api' || p.startsWith('/api/') || p === '/metrics');
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** A small page in both languages, for a page request when the web app is not built or cannot serve it. */
export function sendErrorPage(reply: FastifyReply, status: number, message: { zh: string; en: string }) {
  const html = `<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>Banyan</title></head><body>`
    + `<h1>${escapeHtml(message.zh)}</h1><p lang="en">${escapeHtml(message.en)}</p><p><a href="/">返回首页 / Back to the start page</a></p></body></html>`;
  return reply.status(status).type('text/html; charset=utf-8').send(html);
}

export const BAD_PAGE_ADDRESS = { zh: '页面地址不正确（含无法解码的字符）', en: 'The page address is not valid (it holds characters that cannot be decoded)' };
export const PAGE_NOT_FOUND = { zh: '页面不存在', en: 'Page not found' };

export function sendNotFound(req: FastifyRequest, reply: FastifyReply) {
  const lang = pickLang(req.headers['accept-language']);
  return reply.status(404).send({ error: { code: 'NOT_FOUND', message: lang === 'zh' ? '页面不存在' : 'Not found', messages: { zh: '页面不存在', en: 'Not found' }, fields: [] } });
}
