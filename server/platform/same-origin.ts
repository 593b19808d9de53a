/**
 * Cross-site request forgery: a state-changing request the browser sent on its own, with the session cookie, from a
 * page of another origin. SameSite=Lax keeps the cookie from other sites' POSTs but not from a sibling subdomain's
 * (same-site), and a form can send a body-less POST. So every unsafe request that is not authenticated by a bearer
 * token (browsers never add one on their own) is refused when the browser says it came from another origin:
 * Sec-Fetch-Site cross-site or same-site, or (a browser without Sec-Fetch-Site) an Origin other than the Host asked.
 * Requests with neither header (API clients, the CLI, tests) pass, as do the web UI's own (same origin).
 * The other half, form bodies (text/plain, urlencoded), is refused by the content-type parsers: app.ts keeps JSON
 * (and multipart on the upload route) only.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AppError, fieldError } from './errors.ts';

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

const CROSS_SITE = new AppError('FORBIDDEN', { zh: '拒绝来自其他网站的请求（crossSite）：请在 Banyan 自己的页面中操作', en: 'Refused a request from another site (crossSite): use Banyan\'s own pages' }, [
  fieldError('origin', 'crossSite', '请求来自其他网站', 'the request came from another site'),
]);

/**
 * Whether an Origin names the host:port a Host header names (the default port written out or not).
 * e.g. ('http://crm.bank', 'crm.bank:80') → true; ('https://crm.bank', 'crm.bank:8443') → false; ('null', …) → false.
 */
function sameHost(origin: string, host: string): boolean {
  if (!URL.canParse(origin)) return false;
  const u = new URL(origin);
  if (!u.host) return false;
  const port = u.port || (u.protocol === 'https:' ? '443' : u.protocol === 'http:' ? '80' : '');
  const h = host.toLowerCase();
  return h === u.host || h === `${u.hostname}:${port}`;
}

/**
 * Whether the browser says the request came from another origin.
 * e.g. { 'sec-fetch-site': 'same-site' } → true; { origin: 'https://crm.bank' } with Host crm.bank → false.
 */
export function fromOtherOrigin(req: FastifyRequest): boolean {
  const site = req.headers['sec-fetch-site'];
  if (site === 'cross-site' || site === 'same-site') return true;
  // The browser's own verdict (no page can set it): the Host may be rewritten by a proxy that sends no X-Forwarded-Host.
  if (site === 'same-origin') return false;
  const origin = req.headers.origin;
  if (origin === undefined) return false;
  return !sameHost(origin, req.host);
}

/** Adds the check; register it after authentication (it looks at how the request was authenticated). */
export function registerSameOriginRule(app: FastifyInstance): void {
  app.addHook('onRequest', async (req) => {
    if (!UNSAFE.has(req.method) || req.user?.via === 'token') return;
    if (fromOtherOrigin(req)) throw CROSS_SITE;
  });
}
