import type { FastifyInstance } from 'fastify';

/** Customer information integration (I3–I6): review queue, merge/unmerge, lineage, match model. */
export async function integrationRoutes(_fastify: FastifyInstance) {}
