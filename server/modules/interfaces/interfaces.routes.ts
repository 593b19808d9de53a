import type { FastifyInstance } from 'fastify';

/** Data interface platform (P2, I1): sources, mappings, loads, quarantine, schedules. */
export async function interfacesRoutes(_fastify: FastifyInstance) {}
