// Serves the built browser console (console-client/dist) to the local browser, as the relay does
// at `/`, so the LAN view is the same UI.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join } from 'node:path';

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

/** On every answer: nothing cached (the bridge's origin is new each time), no sniffing, no framing. */
const common = {
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
};

interface File {
  body: Buffer;
  type: string;
}

/** Larger than any console asset: a file past it is not the console's and is not served. */
const MAX_FILE_BYTES = 4 * 1024 * 1024;

/**
 * The built console, read once when the bridge starts (index.html and assets/, a handful of small
 * files) and served from memory, as the relay does: a page load never waits on the disk or on
 * libuv's thread pool, where the first picture's work may be queued. Only those files exist for
 * the page, so no request path can reach anything else.
 */
export class StaticFiles {
  private readonly files = new Map<string, File>();

  constructor(distDir: string) {
    this.load(distDir, 'index.html');
    let assets: string[] = [];
    try {
      assets = readdirSync(join(distDir, 'assets'));
    } catch {
      // not built
    }
    for (const name of assets) this.load(distDir, `assets/${name}`);
  }

  serve(req: IncomingMessage, res: ServerResponse): void {
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
    if (path.split('/').includes('..')) {
      res.writeHead(404, common).end();
      return;
    }
    // Client-side routes (no file extension) get the app's index.html.
    const file = this.files.get(path) ?? (extname(path) === '' ? this.files.get('/index.html') : undefined);
    if (!file) {
      if (extname(path) === '' || path === '/index.html') {
        res.writeHead(503, { ...common, 'content-type': 'text/html; charset=utf-8' }).end(NOT_BUILT);
      } else res.writeHead(404, common).end();
      return;
    }
    res.writeHead(200, { ...common, 'content-type': file.type, 'content-length': file.body.length });
    res.end(req.method === 'HEAD' ? undefined : file.body);
  }

  private load(distDir: string, rel: string) {
    try {
      const abs = join(distDir, rel);
      const st = statSync(abs);
      if (!st.isFile() || st.size > MAX_FILE_BYTES) return;
      this.files.set(`/${rel}`, {
        body: readFileSync(abs),
        type: TYPES[extname(rel)] ?? 'application/octet-stream',
      });
    } catch {
      // missing or unreadable: not served
    }
  }
}
