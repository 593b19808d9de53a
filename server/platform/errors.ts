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

type AjvError = { instancePath?: string; keyword: string; params?: Record<string, unknown>; message?: string };

/** Turns the schema validator's findings into our field errors, naming the field and the rule. */
function fromSchema(errors: AjvError[], context: string): FieldError[] {
  return errors.map((e) => {
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
      case 'const':
      case 'anyOf':
        return fieldError(field, 'enum', '取值不在允许范围内', `must be one of the allowed values`);
      case 'format':
        return fieldError(field, 'format', `格式不正确（${e.params?.format}）`, `must be a valid ${e.params?.format}`);
      case 'pattern':
        return fieldError(field, 'pattern', '格式不正确', 'has the wrong format');
      case 'type':
        return fieldError(field, 'type', `类型应为 ${e.params?.type}`, `must be of type ${e.params?.type}`);
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
      default:
        return fieldError(field, e.keyword, e.message ?? '不合法', e.message ?? 'is invalid');
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

/** The one error handler: codes to statuses, messages in the user's language, no 5xx internals. */
export function registerErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError | AppError, req, reply) => {
    const lang = requestLang(req);
    let appErr: AppError;
    let dataFields: FieldError[] | null;
    if (err instanceof AppError) {
      appErr = err;
    } else if ((err as FastifyError).validation) {
      appErr = invalid(fromSchema((err as FastifyError).validation as AjvError[], (err as FastifyError).validationContext ?? 'body'));
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
    } else {
      req.log.error({ err }, 'unhandled error');
      appErr = new AppError('INTERNAL', { zh: '服务器内部错误', en: 'Internal server error' });
    }
    reply.status(appErr.status).send({
      error: {
        code: appErr.code,
        message: appErr.msg[lang],
        messages: appErr.msg,
        fields: appErr.fields.map((f) => ({ field: f.field, rule: f.rule, message: f.message[lang], messages: f.message })),
      },
    });
  });
}

export function sendNotFound(req: FastifyRequest, reply: FastifyReply) {
  const lang = pickLang(req.headers['accept-language']);
  return reply.status(404).send({ error: { code: 'NOT_FOUND', message: lang === 'zh' ? '页面不存在' : 'Not found', messages: { zh: '页面不存在', en: 'Not found' }, fields: [] } });
}
