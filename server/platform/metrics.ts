import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { sql } from 'kysely';
import client from 'prom-client';
import { authenticate, checkPasswordChangeRule } from './auth.ts';
import { AppError, forbidden } from './errors.ts';
import './context.ts';

const digest = (s: string) => createHash('sha256').update(s).digest();

/**
 * Who may read /metrics: the scrape token's bearer, or a user (session or API token) whose role holds system:monitor.
 * The figures name every route and how busy the server and its database pool are: not for anyone on the network.
 */
function metricsGuard(app: FastifyInstance, scrapeToken: string | undefined) {
  const wanted = scrapeToken === undefined ? undefined : digest(scrapeToken);
  return async (req: FastifyRequest, reply: FastifyReply) => {
    const bearer = req.headers.authorization?.match(/^Bearer\s+(\S+)$/i)?.[1];
    if (wanted && bearer && timingSafeEqual(digest(bearer), wanted)) return;
    // Outside /api/, so the app's hook has not resolved the caller: done here, as there.
    req.user = await authenticate(app.db, req, app.config.sessionTtlMinutes);
    if (!req.user) {
      reply.header('www-authenticate', 'Bearer realm="banyan-metrics"');
      throw new AppError('UNAUTHENTICATED', {
        zh: '请先登录，或以 BANYAN_METRICS_TOKEN 或 API 令牌（Authorization: Bearer …）访问',
        en: 'Sign in, or send BANYAN_METRICS_TOKEN or an API token (Authorization: Bearer …)',
      });
    }
    // A password an administrator set is changed first, here as on the API.
    checkPasswordChangeRule(req);
    if (!req.user.permissions.has('system:monitor')) throw forbidden();
  };
}

/** `/metrics` (Prometheus, for system:monitor or the scrape token) and `/api/health`; request durations by route and status. */
export function registerMetrics(app: FastifyInstance): void {
  // Read and checked with the other settings at start-up (config.ts).
  const scrapeToken = app.config.metricsToken;
  const registry = new client.Registry();
  client.collectDefaultMetrics({ register: registry, prefix: 'banyan_' });
  const duration = new client.Histogram({
    name: 'banyan_http_request_duration_seconds',
    help: 'HTTP request duration by route',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  const pool = new client.Gauge({ name: 'banyan_db_pool_connections', help: 'Database pool connections', labelNames: ['state'] as const, registers: [registry] });

  app.addHook('onResponse', async (req, reply) => {
    duration.observe(
      { method: req.method, route: req.routeOptions.url ?? 'unmatched', status: String(reply.statusCode) },
      reply.elapsedTime / 1000,
    );
  });

  app.get('/metrics', { schema: { hide: true }, preHandler: metricsGuard(app, scrapeToken) }, async (_req, reply) => {
    const p = app.pool;
    if (p) {
      pool.set({ state: 'total' }, p.totalCount);
      pool.set({ state: 'idle' }, p.idleCount);
      pool.set({ state: 'waiting' }, p.waitingCount);
    }
    reply.header('content-type', registry.contentType);
    return registry.metrics();
  });

  app.get('/api/health', { schema: { tags: ['platform'] } }, async (_req, reply) => {
    try {
      await sql`SELECT 1`.execute(app.db);
      return { status: 'ok' };
    } catch {
      return reply.status(503).send({ status: 'unavailable', database: 'unreachable' });
    }
  });
}
