import type { FastifyPluginAsync } from 'fastify';
import type { RelayContext } from '../context';

/**
 * The console UI is served here once it exists (issue 6); until then `/` says what this relay is
 * and where its API is, rather than a blank 404.
 */
export const rootRoutes: FastifyPluginAsync<{ ctx: RelayContext }> = async (app) => {
  app.get('/', async (_req, reply) =>
    reply
      .type('text/html; charset=utf-8')
      .send(
        '<!doctype html><meta charset="utf-8"><title>rc-relay</title>' +
          '<h1>rc-relay</h1><p>The relay is running. The browser console is not part of this build yet; ' +
          'use the HTTP API under <code>/api/v1/</code> (see README.md), <a href="/healthz">/healthz</a> and ' +
          '<a href="/metrics">/metrics</a>.</p>',
      ),
  );
};
