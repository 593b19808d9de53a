import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify';
import cookie from '@fastify/cookie';
import rateLimit from '@fastify/rate-limit';
import fastifyStatic from '@fastify/static';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type pg from 'pg';
import type { Config } from './config.ts';
import type { Db } from './db/database.ts';
import { authenticate, checkPasswordChangeRule, forgetSessions } from './platform/auth.ts';
import {
  BAD_PAGE_ADDRESS, clientErrorHandler, frameworkErrors, isPageRequest, PAGE_NOT_FOUND, registerErrorHandler, sendErrorPage, sendNotFound,
} from './platform/errors.ts';
import { registerInputRules } from './platform/input.ts';
import { registerMetrics } from './platform/metrics.ts';
import { registerSameOriginRule } from './platform/same-origin.ts';
import { registerSecurityHeaders } from './platform/security-headers.ts';
import { setExportSlots } from './platform/xlsx.ts';
import { adminRoutes } from './modules/admin/admin.routes.ts';
import { authRoutes } from './modules/auth/auth.routes.ts';
import { customersRoutes } from './modules/customers/customers.routes.ts';
import { managersRoutes } from './modules/managers/managers.routes.ts';
import { engagementRoutes } from './modules/engagement/engagement.routes.ts';
import { productsRoutes } from './modules/products/products.routes.ts';
import { serviceRoutes } from './modules/service/service.routes.ts';
import { workplaceRoutes } from './modules/workplace/workplace.routes.ts';
import { interfacesRoutes } from './modules/interfaces/interfaces.routes.ts';
import { integrationRoutes } from './modules/integration/integration.routes.ts';

const WEB_DIST = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../web/dist');

type RouteSchema = { schema: unknown; method: string; url: string; httpPart?: string };
type AjvServerOptions = { customOptions?: object; plugins?: unknown[] };
type ValidatorFactory = (externalSchemas: unknown, options: AjvServerOptions) => (route: RouteSchema) => unknown;
// Fastify's own validator factory (the one it uses when given none): its Ajv options, formats and plugins stay as they were.
const fastifyAjvCompiler = createRequire(createRequire(import.meta.url).resolve('fastify'))('@fastify/ajv-compiler') as () => ValidatorFactory;

const AJV = { customOptions: { allErrors: true, coerceTypes: true, removeAdditional: false } };

/**
 * Query strings, route params and headers arrive as text, so their numbers and booleans are coerced from it; a JSON
 * body carries its own types, and coercing them would store `true` as "true", take 12345 for a text or "8" for an
 * id, and turn a null into "" or 0: bodies are validated as sent (400, rule `type`).
 */
function buildValidator(externalSchemas: unknown, options: AjvServerOptions = AJV) {
  const coercing = fastifyAjvCompiler()(externalSchemas, options);
  const exact = fastifyAjvCompiler()(externalSchemas, { ...options, customOptions: { ...options.customOptions, coerceTypes: false } });
  return (route: RouteSchema) => (route.httpPart === 'body' ? exact(route) : coercing(route));
}

/** The web app's page for an address it must sort out itself (one that does not decode); without a built app, a page saying the address is bad. */
async function sendAppPage(reply: FastifyReply, hasWeb: boolean) {
  const html = hasWeb ? await fs.promises.readFile(path.join(WEB_DIST, 'index.html')).catch(() => null) : null;
  return html ? reply.status(200).type('text/html; charset=utf-8').send(html) : sendErrorPage(reply, 400, BAD_PAGE_ADDRESS);
}

export type BuildOptions = { config: Config; db: Db; pool?: pg.Pool; logger?: boolean | object };

/** Builds the Fastify app: platform plugins in a fixed order, then each module's routes. */
export async function buildApp({ config, db, pool, logger = false }: BuildOptions): Promise<FastifyInstance> {
  const hasWeb = fs.existsSync(path.join(WEB_DIST, 'index.html'));
  const app = Fastify({
    logger,
    bodyLimit: 1024 * 1024,
    // X-Forwarded-For/-Proto/-Host only from the proxies BANYAN_TRUST_PROXY names: from anyone else a client would
    // choose its own address (the login rate limit's key, the audit log's address).
    trustProxy: config.trustProxy.length ? config.trustProxy : false,
    ajv: AJV,
    // Requests refused before any hook runs (a path that does not decode, a request line past 16 KB …) answer in the
    // house error shape too; a page of the web app with such an address gets the app (its own router shows it is no
    // page), or a page saying so in both languages when the app is not built — never the API's JSON.
    frameworkErrors: (err, req, reply) => {
      if (!isPageRequest(req)) return frameworkErrors(err, req, reply);
      // (This reply is Fastify's bare one, without @fastify/static's sendFile: the page is read here.)
      void sendAppPage(reply, hasWeb);
    },
    clientErrorHandler,
    // (Its typings say the compiler is given a schema; at run time it is given the route's { schema, httpPart … }.)
    schemaController: { compilersFactory: { buildValidator: buildValidator as never } },
  });
  app.decorate('db', db);
  app.decorate('config', config);
  app.decorate('pool', pool);
  // Excel downloads each hold a pooled connection while they read: a quarter of the pool at most, the rest wait.
  setExportSlots(config.dbPoolSize / 4);

  // 1. Errors first, so everything after reports through the one handler.
  registerErrorHandler(app);
  // … and the rules every route's input meets (numbers finite and bounded, no NUL characters).
  registerInputRules(app);
  // Bodies are JSON (multipart on the upload route, which registers its own parser): a text/plain body, which an HTML
  // form on another page can send without the browser asking first, is refused before any route runs.
  app.removeContentTypeParser('text/plain');
  // 2. Security headers (the SPA's own script only), cookies, rate limits (opt-in per route).
  registerSecurityHeaders(app, {
    contentSecurityPolicy: { directives: { defaultSrc: ["'self'"], styleSrc: ["'self'", "'unsafe-inline'"], imgSrc: ["'self'", 'data:'], scriptSrc: ["'self'"] } },
  });
  await app.register(cookie);
  await app.register(rateLimit, { global: false });
  // 3. OpenAPI document and UI at /api/docs.
  await app.register(swagger, { openapi: { info: { title: 'Banyan API', version: '0.1.0' } } });
  await app.register(swaggerUi, { routePrefix: '/api/docs' });
  // 4. Who is asking: every request resolves its session or token before any route runs.
  app.decorateRequest('user', null);
  app.addHook('onRequest', async (req) => {
    if (req.url.startsWith('/api/')) req.user = await authenticate(db, req, config.sessionTtlMinutes);
    // A password an administrator set is changed before anything else is done (403 passwordChangeRequired).
    checkPasswordChangeRule(req);
  });
  // … and a state-changing request the browser sent from another site's page is refused (platform/same-origin.ts).
  registerSameOriginRule(app);
  // Sessions are cached for a few seconds; a write (sign-out, a user, role or org changed …) forgets them all.
  // Before the answer leaves, so the client's next request already finds them forgotten.
  app.addHook('onSend', async (req, _reply, payload) => {
    if (req.method !== 'GET' && req.method !== 'HEAD' && req.method !== 'OPTIONS') forgetSessions();
    return payload;
  });
  // 5. Health and metrics.
  registerMetrics(app);
  // 6. Domain modules.
  await app.register(authRoutes);
  await app.register(customersRoutes);
  await app.register(managersRoutes);
  await app.register(engagementRoutes);
  await app.register(productsRoutes);
  await app.register(serviceRoutes);
  await app.register(workplaceRoutes);
  await app.register(interfacesRoutes);
  await app.register(integrationRoutes);
  await app.register(adminRoutes);
  // 7. The web UI, when built: static files, and index.html for client-side routes.
  //    Files are looked up per request, so a rebuilt UI is served without a restart.
  if (hasWeb) {
    // A page path with a NUL (/customers/%00) is no file: the app's page, not the file server's 403 in JSON.
    app.addHook('onRequest', async (req, reply) => {
      if (isPageRequest(req) && /%00/i.test(req.url.split('?')[0]!)) return sendAppPage(reply, hasWeb);
    });
    await app.register(fastifyStatic, { root: WEB_DIST, index: false, wildcard: true });
    // The bare root too (the address the README gives): the files' wildcard took it for a directory and refused it.
    app.get('/', { schema: { hide: true } }, (_req, reply) => reply.type('text/html').sendFile('index.html'));
  }
  app.setNotFoundHandler((req, reply) => {
    if (!isPageRequest(req)) return sendNotFound(req, reply);
    return hasWeb ? reply.type('text/html').sendFile('index.html') : sendErrorPage(reply, 404, PAGE_NOT_FOUND);
  });
  return app;
}
