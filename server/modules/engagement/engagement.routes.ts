import type { FastifyInstance } from 'fastify';
import { typed } from '../../platform/context.ts';

export async function engagementRoutes(fastify: FastifyInstance) {
  const _app = typed(fastify);
}
