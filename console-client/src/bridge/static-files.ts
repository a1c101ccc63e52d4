// Serves the built browser console (console-client/dist) to the local browser, as the relay does
// at `/`, so the LAN view is the same UI. Paths never leave the dist directory.
import { createReadStream, existsSync, statSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join, normalize, sep } from 'node:path';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

const NOT_BUILT =
  '<!doctype html><meta charset="utf-8"><title>rc-console LAN bridge</title>' +
  '<h1>The browser console is not built</h1><p>The LAN bridge is running, but <code>console-client/dist</code> ' +
  'has no <code>index.html</code>. Run <code>npm run build:console</code> in the rc-relay checkout, then run ' +
  '<code>rc-console connect … --lan</code> again.</p>';

export function serveStatic(distDir: string, req: IncomingMessage, res: ServerResponse): void {
  const common = {
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    'x-frame-options': 'DENY',
    'referrer-policy': 'no-referrer',
  };
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { ...common, allow: 'GET, HEAD' }).end();
    return;
  }
  let path: string;
  try {
    path = decodeURIComponent(new URL(req.url ?? '/', 'http://bridge').pathname);
  } catch {
    res.writeHead(400, common).end();
    return;
  }
  const root = normalize(distDir + sep);
  let file = normalize(join(root, path));
  if (!file.startsWith(root) && file !== normalize(distDir)) {
    res.writeHead(404, common).end();
    return;
  }
  // Client-side routes (no file extension) get the app's index.html.
  if (!isFile(file)) file = extname(path) === '' ? join(root, 'index.html') : '';
  if (!file || !isFile(file)) {
    if (file.endsWith('index.html')) {
      res.writeHead(503, { ...common, 'content-type': 'text/html; charset=utf-8' }).end(NOT_BUILT);
    } else res.writeHead(404, common).end();
    return;
  }
  res.writeHead(200, {
    ...common,
    'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
    'content-length': statSync(file).size,
  });
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  createReadStream(file)
    .on('error', () => res.destroy())
    .pipe(res);
}

function isFile(p: string): boolean {
  try {
    return existsSync(p) && statSync(p).isFile();
  } catch {
    return false;
  }
}
