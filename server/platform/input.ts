/**
 * Rules every request's input meets, whatever the route, so no value reaches the database in a form it refuses
 * (which would answer 500): numbers finite and within the safe-integer range, and no NUL character in any text.
 */
import type { FastifyInstance } from 'fastify';
import { badEncoding, fieldError, invalid, isPageRequest, notFinite } from './errors.ts';

const LIMIT = Number.MAX_SAFE_INTEGER;
const NUMERIC = new Set(['integer', 'number']);

/**
 * Gives every integer and number in a JSON schema that sets no bound of its own the safe-integer range: "1e309"
 * in a query string would otherwise coerce to Infinity, and 10^30 pass as an integer, both refused by the database.
 * e.g. { type: 'integer' } → { type: 'integer', minimum: -(2^53 - 1), maximum: 2^53 - 1 }.
 */
export function boundNumbers(schema: unknown, seen = new Set<object>()): void {
  if (!schema || typeof schema !== 'object' || seen.has(schema)) return;
  seen.add(schema);
  if (Array.isArray(schema)) {
    for (const s of schema) boundNumbers(s, seen);
    return;
  }
  const s = schema as Record<string, unknown>;
  const types = Array.isArray(s.type) ? s.type : [s.type];
  if (types.some((t) => NUMERIC.has(t as string))) {
    if (s.maximum === undefined && s.exclusiveMaximum === undefined) s.maximum = LIMIT;
    if (s.minimum === undefined && s.exclusiveMinimum === undefined) s.minimum = -LIMIT;
  }
  for (const key of ['properties', 'patternProperties']) {
    if (s[key] && typeof s[key] === 'object') for (const v of Object.values(s[key] as object)) boundNumbers(v, seen);
  }
  for (const key of ['items', 'additionalProperties', 'not', 'anyOf', 'oneOf', 'allOf']) boundNumbers(s[key], seen);
}

const decode = (s: string) => decodeURIComponent(s.replace(/\+/g, ' '));

/**
 * The query parameter of a URL whose name or value is not valid percent-encoding ('url' when its name cannot be
 * read either), or null. e.g. "/api/customers?q=%E7%8E%8B%" → "q".
 */
export function badlyEncodedParameter(url: string): string | null {
  const i = url.indexOf('?');
  if (i < 0 || !url.includes('%', i)) return null;
  for (const pair of url.slice(i + 1).split('&')) {
    try {
      decode(pair);
    } catch {
      const eq = pair.indexOf('=');
      try {
        return decode(eq < 0 ? pair : pair.slice(0, eq)) || 'url';
      } catch {
        return 'url';
      }
    }
  }
  return null;
}

/** A value no column can hold: text with a NUL character, or a number that is not finite ("1e309" coerces to Infinity). */
export type BadValue = { path: string; rule: 'noNul' | 'finite' };

/** Where in a value (a parsed body, query or params) the first such value sits, in a string, a number or a key. */
export function findBadValue(value: unknown, path: string, depth = 0): BadValue | null {
  if (typeof value === 'string') return value.includes('\u0000') ? { path, rule: 'noNul' } : null;
  if (typeof value === 'number') return Number.isFinite(value) ? null : { path, rule: 'finite' };
  if (!value || typeof value !== 'object' || depth > 64) return null;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const hit = findBadValue(value[i], `${path}.${i}`, depth + 1);
      if (hit) return hit;
    }
    return null;
  }
  for (const [k, v] of Object.entries(value)) {
    if (k.includes('\u0000')) return { path: `${path}.${k.replace(/\u0000/g, '\\0')}`, rule: 'noNul' };
    const hit = findBadValue(v, `${path}.${k}`, depth + 1);
    if (hit) return hit;
  }
  return null;
}

const noNul = (field: string) => fieldError(field, 'noNul', '不能包含空字符（\\u0000）', 'must not contain a NUL character (\\u0000)');

/**
 * The rules on every route: bounds added to each route's schemas as it is declared; after validation (which
 * coerces query strings to numbers), NUL characters and non-finite numbers refused, naming the field.
 */
export function registerInputRules(app: FastifyInstance): void {
  // Before anything reads the query: its parser keeps a badly encoded value as it came ("%E7%8E%8B%" searched as is).
  app.addHook('onRequest', async (req) => {
    // A page of the web app is no API input: it gets the app (app.ts), which reads its own address.
    if (isPageRequest(req)) return;
    const field = badlyEncodedParameter(req.url);
    if (field !== null) throw invalid([badEncoding(field)]);
  });
  app.addHook('onRoute', (route) => {
    const schema = route.schema as Record<string, unknown> | undefined;
    if (schema) for (const part of ['body', 'querystring', 'params', 'headers']) boundNumbers(schema[part]);
  });
  app.addHook('preHandler', async (req) => {
    if (isPageRequest(req)) return;
    for (const [part, value] of [['params', req.params], ['query', req.query], ['body', req.body]] as const) {
      const bad = findBadValue(value, part);
      if (!bad) continue;
      // Named as the validator names fields: bare, without the part they came in.
      const field = bad.path.replace(/^(params|query|body)\.?/, '') || part;
      throw invalid([bad.rule === 'finite' ? notFinite(field) : noNul(field)]);
    }
  });
}
