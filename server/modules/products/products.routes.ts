import type { FastifyInstance } from 'fastify';
import { typed } from '../../platform/context.ts';

export async function productsRoutes(fastify: FastifyInstance) {
  const _app = typed(fastify);
}
