import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import client from 'prom-client';
import './context.ts';

/** `/metrics` (Prometheus) and `/api/health`; request durations by route and status. */
export function registerMetrics(app: FastifyInstance): void {
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

  app.get('/metrics', { schema: { hide: true } }, async (_req, reply) => {
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
