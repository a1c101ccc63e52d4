import { readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import type { RelayContext } from '../context';

/**
 * The console bundle (`npm run build:console`), by path: the relay needs only these files, not the
 * console-client package, whose CLI brings WebRTC and image libraries the relay never loads.
 */
const consoleDistDir = fileURLToPath(new URL('../../../console-client/dist', import.meta.url));

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
};

/**
 * Only this origin's script and style; no inline script, no eval (TypeBox falls back to its
 * interpreter), WebSocket and fetch to this origin, video from WebRTC (blob/MediaStream), cursor
 * shapes as data: URLs. No framing, so the console cannot be clickjacked.
 */
export const CONSOLE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "media-src 'self' blob:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

interface Asset {
  body: Buffer;
  type: string;
  immutable: boolean;
}

/** The built console, read once at start: a handful of small files, served from memory. */
function loadConsole(dir: string): Map<string, Asset> {
  const files = new Map<string, Asset>();
  const walk = (rel: string) => {
    for (const name of readdirSync(join(dir, rel))) {
      if (name.startsWith('.')) continue;
      const relPath = rel ? `${rel}/${name}` : name;
      const abs = join(dir, relPath);
      if (statSync(abs).isDirectory()) walk(relPath);
      else
        files.set(`/${relPath}`, {
          body: readFileSync(abs),
          type: TYPES[extname(name)] ?? 'application/octet-stream',
          // Everything under assets/ carries a content hash in its name.
          immutable: relPath.startsWith('assets/'),
        });
    }
  };
  try {
    walk('');
  } catch {
    // not built: `/` says how to build it
  }
  return files;
}

function send(reply: FastifyReply, a: Asset) {
  return reply
    .header('content-type', a.type)
    .header('cache-control', a.immutable ? 'public, max-age=31536000, immutable' : 'no-cache')
    .header('x-content-type-options', 'nosniff')
    .header('content-security-policy', CONSOLE_CSP)
    .header('referrer-policy', 'no-referrer')
    .send(a.body);
}

/** The browser console (console-client/dist) at `/` and `/assets/*`; the API routes are elsewhere. */
export const rootRoutes: FastifyPluginAsync<{ ctx: RelayContext; consoleDir?: string }> = async (app, opts) => {
  const files = loadConsole(opts.consoleDir ?? consoleDistDir);
  const index = files.get('/index.html');
  if (!index) opts.ctx.log.warn('the browser console is not built (npm run build:console); / shows a notice');

  app.get('/', async (_req, reply) => {
    if (index) return send(reply, index);
    return reply
      .code(503)
      .type('text/html; charset=utf-8')
      .header('cache-control', 'no-cache')
      .send(
        '<!doctype html><meta charset="utf-8"><title>rc-relay</title>' +
          '<h1>rc-relay</h1><p>The relay is running, but the browser console is not built: run ' +
          '<code>npm run build:console</code> (or <code>npm start</code>, which builds it). The HTTP API is under ' +
          '<code>/api/v1/</code>.</p>',
      );
  });

  app.get('/assets/*', async (req, reply) => {
    const a = files.get(req.url.split('?')[0] ?? '');
    if (!a) return reply.code(404).send({ error: { code: 'not_found', message: 'no such asset' } });
    return send(reply, a);
  });
};
