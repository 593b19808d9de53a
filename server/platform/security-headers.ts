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
 * The same headers for an answer over plain HTTP: without `upgrade-insecure-requests` (the browser would fetch the
 * page's scripts and styles over https, which a server on HOST=0.0.0.0 opened by its address does not speak: a blank
 * page). Strict-Transport-Security stays: browsers ignore it over http, and behind a TLS proxy not named in
 * BANYAN_TRUST_PROXY an https answer looks like http here — dropping it would lose it there.
 */
export function plainHttpHeaders(headers: Record<string, string>): Record<string, string> {
  const http = { ...headers };
  const csp = http['content-security-policy'];
  if (csp !== undefined) {
    http['content-security-policy'] = csp.split(';').map((d) => d.trim()).filter((d) => d && d !== 'upgrade-insecure-requests').join(';');
  }
  return http;
}

/**
 * Every response carries the security headers (a header a route set itself is left alone). Added just before the
 * answer leaves, from two precomputed sets (https, and plain http: req.protocol, which trusts X-Forwarded-Proto only
 * from BANYAN_TRUST_PROXY's proxies): running helmet's middleware on every request cost CPU, and the headers it
 * set at the start of a request lived as long as the request waited for the database, long enough to be promoted to
 * V8's old generation and collected by its slower, pausing major GC.
 */
export function registerSecurityHeaders(app: FastifyInstance, options: HelmetOptions): void {
  const secure = securityHeaders(options);
  const https = Object.entries(secure);
  const http = Object.entries(plainHttpHeaders(secure));
  app.addHook('onSend', (req, reply, payload, done) => {
    for (const [name, value] of req.protocol === 'https' ? https : http) if (!reply.hasHeader(name)) reply.header(name, value);
    done(null, payload);
  });
}
