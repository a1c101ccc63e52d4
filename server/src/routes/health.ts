import type { FastifyPluginAsync } from 'fastify';
import type { RelayContext } from '../context';
import { stmt } from '../store';

export const healthRoutes: FastifyPluginAsync<{ ctx: RelayContext; extraMetrics?: () => string }> = async (
  app,
  { ctx, extraMetrics },
) => {
  /** Liveness and readiness: 200 while serving, 503 while draining or when the database is gone. */
  app.get('/healthz', async (_req, reply) => {
    let db = true;
    try {
      stmt(ctx.store.db, 'SELECT 1').get();
    } catch {
      db = false;
    }
    const ok = db && !ctx.draining();
    return reply.code(ok ? 200 : 503).send({
      status: ok ? 'ok' : 'unavailable',
      database: db,
      draining: ctx.draining(),
    });
  });

  app.get('/metrics', async (_req, reply) => {
    const body = (await ctx.metrics.registry.metrics()) + (extraMetrics?.() ?? '');
    return reply.header('content-type', ctx.metrics.registry.contentType).send(body);
  });
};
