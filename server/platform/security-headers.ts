import type { FastifyInstance } from 'fastify';
import helmet, { type HelmetOptions } from 'helmet';

/**
 * The security headers helmet sets for these options, worked out once: they depend on nothing in the request.
 * e.g. securityHeaders({})['x-frame-options'] === 'SAMEORIGIN' (helmet's defaults)
 */
function securityHeaders(options: HelmetOptions): Record<string, string> {
  const headers: Record<string, string> = {};
  const res = {
    setHeader: (name: string, value: string | number) => { headers[name.toLowerCase()] = String(value); },
    removeHeader: (name: string) => { delete headers[name.toLowerCase()]; },
  };
  let done = false;
  helmet(options)({} as never, res as never, (err?: unknown) => {
    if (err) throw err;
    done = true;
  });
  if (!done) throw new Error('helmet did not finish synchronously');
  return headers;
}

/**
 * Every response carries the security headers (a header a route set itself is left alone). Added just before the
 * answer leaves, from one precomputed set: running helmet's middleware on every request cost CPU, and the headers it
 * set at the start of a request lived as long as the request waited for the database, long enough to be promoted to
 * V8's old generation and collected by its slower, pausing major GC.
 */
export function registerSecurityHeaders(app: FastifyInstance, options: HelmetOptions): void {
  const headers = Object.entries(securityHeaders(options));
  app.addHook('onSend', (_req, reply, payload, done) => {
    for (const [name, value] of headers) if (!reply.hasHeader(name)) reply.header(name, value);
    done(null, payload);
  });
}
