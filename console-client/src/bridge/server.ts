// The local LAN bridge (contract 4): an HTTP server on 127.0.0.1 and a random port that serves the
// browser console and accepts exactly one WebSocket at /bridge, admitted by a one-time token and
// the page's own Origin. The LAN session to the agent is opened the moment the bridge listens
// (early.ts), so it is ready, or the device user is being asked, by the time the page connects;
// the bridge then routes frames both ways.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { MAX_FRAME_BYTES } from '@rc-relay/protocol';
import type { Logger } from 'pino';
import { type WebSocket, WebSocketServer } from 'ws';
import { LanError, type LanErrorCode, type LanTicket } from './agent-link';
import { type EarlySession, openEarly } from './early';
import { Emitter } from './emitter';
import { FrameRouter } from './router';
import { StaticFiles } from './static-files';

export interface BridgeOptions {
  distDir: string;
  device: { id: string; hostname: string };
  /** The LAN ticket; asked for once, when the bridge starts listening. */
  ticket: () => Promise<{ sessionId: string; lan: LanTicket }>;
  /** How long the device user may take to answer the consent request. */
  consentMs?: number;
  /** How long an open (or refused) session waits for the page before the bridge gives up. */
  browserWaitMs?: number;
  log: Logger;
}

export type BridgeErrorCode = LanErrorCode | 'relay' | 'no_browser';

type Setup = { ok: true; session: EarlySession } | { ok: false; code: BridgeErrorCode; message: string };

type BridgeEvents = {
  /** The LAN session is up; the browser has `bridge.ready`. */
  ready: [{ sessionId: string; mode: 'view' | 'control' }];
  /** The session (or its set-up) is over; the bridge has closed everything. */
  ended: [{ reason: string; error?: { code: BridgeErrorCode; message: string } }];
};

export class LanBridge extends Emitter<BridgeEvents> {
  private readonly http: http.Server;
  private readonly wss: WebSocketServer;
  private readonly token = randomBytes(32).toString('base64url');
  private tokenUsed = false;
  private port = 0;
  private router: FrameRouter | undefined;
  private closed = false;
  /** The session being opened (or its failure), started by listen(). */
  private setup: Promise<Setup> | undefined;
  private session: EarlySession | undefined;
  /** Aborts the set-up: the page left, the bridge closed, or no page came in time. */
  private readonly setupAbort = new AbortController();
  private browserTimer: NodeJS.Timeout | undefined;

  constructor(private readonly o: BridgeOptions) {
    super((err, event) => o.log.error({ err, event }, 'bridge listener failed'));
    const files = new StaticFiles(o.distDir);
    this.http = http.createServer((req, res) => {
      if (!this.hostOk(req.headers.host)) return void res.writeHead(403).end('wrong Host');
      files.serve(req, res);
    });
    this.http.on('upgrade', (req, socket, head) => this.onUpgrade(req, socket, head));
    this.http.on('clientError', (_err, socket) => socket.destroy());
    // One frame per message, with its 4-byte prefix; bigger messages close the socket with 1009.
    this.wss = new WebSocketServer({ noServer: true, maxPayload: MAX_FRAME_BYTES + 4 });
  }

  async listen(): Promise<{ port: number; url: string }> {
    await new Promise<void>((resolve, reject) => {
      this.http.once('error', reject);
      this.http.listen(0, '127.0.0.1', () => resolve());
    });
    this.port = (this.http.address() as AddressInfo).port;
    this.setup = this.openSession();
    const waitMs = this.o.browserWaitMs ?? (this.o.consentMs ?? 90_000) + 60_000;
    this.browserTimer = setTimeout(() => this.noBrowser(waitMs), waitMs);
    this.browserTimer.unref();
    return { port: this.port, url: `${this.origin}/#/lan?token=${this.token}` };
  }

  private async openSession(): Promise<Setup> {
    let t: { sessionId: string; lan: LanTicket };
    try {
      t = await this.o.ticket();
    } catch (err) {
      return { ok: false, code: 'relay', message: `the relay refused a LAN ticket: ${(err as Error).message}` };
    }
    this.o.log.info({ sessionId: t.sessionId, addresses: t.lan.addresses }, 'connecting to the agent');
    try {
      const session = await openEarly(t.lan, this.o.consentMs ?? 90_000, this.setupAbort.signal);
      this.session = session;
      return { ok: true, session };
    } catch (err) {
      if (err instanceof LanError) return { ok: false, code: err.code, message: err.message };
      if (this.setupAbort.signal.aborted) return { ok: false, code: 'no_browser', message: 'set-up abandoned' };
      this.o.log.error({ err }, 'bridge session failed');
      return { ok: false, code: 'relay', message: 'the bridge failed; see its log' };
    }
  }

  private noBrowser(waitMs: number) {
    if (this.tokenUsed || this.closed) return;
    const message = `no browser opened the console within ${Math.round(waitMs / 1000)} s`;
    this.setupAbort.abort();
    this.end(message, { code: 'no_browser', message });
  }

  /** Frame counts and pauses of the running session (undefined before `bridge.ready`). */
  get stats() {
    return this.router?.stats;
  }

  private get origin() {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Defeats DNS rebinding: a page served under another name must not reach the bridge. */
  private hostOk(host: string | undefined) {
    return host === `127.0.0.1:${this.port}` || host === `localhost:${this.port}`;
  }

  private onUpgrade(req: http.IncomingMessage, socket: Duplex, head: Buffer) {
    const url = new URL(req.url ?? '/', 'http://bridge');
    const refuse = (status: number, why: string) => {
      this.o.log.warn({ status, why }, 'bridge WebSocket refused');
      socket.end(`HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    };
    if (url.pathname !== '/bridge') return refuse(404, 'path');
    if (this.closed) return refuse(410, 'the session is over');
    // Same origin only: the page this bridge served, under the name the browser used for it.
    const host = req.headers.host;
    if (!this.hostOk(host) || req.headers.origin !== `http://${host}`) return refuse(403, 'origin');
    if (this.tokenUsed || !sameSecret(url.searchParams.get('token') ?? '', this.token)) return refuse(401, 'token');
    this.tokenUsed = true;
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      this.open(ws).catch((err) => {
        this.o.log.error({ err }, 'bridge session failed');
        this.fail(ws, 'relay', 'the bridge failed; see its log');
      });
    });
  }

  private async open(ws: WebSocket) {
    clearTimeout(this.browserTimer);
    // Anything the browser sends before `bridge.ready` has nowhere to go yet.
    const early = () => ws.close(1008, 'no frames before bridge.ready');
    ws.on('message', early);
    ws.on('error', (err) => this.o.log.debug({ err: err.message }, 'bridge WebSocket error'));
    let left = false;
    // Leaving while the device user is asked withdraws the request on the agent.
    ws.once('close', () => {
      left = true;
      this.setupAbort.abort();
    });
    const setup = (await this.setup) as Setup;
    if (left || this.closed) return this.end('the browser left before the session was ready');
    if (!setup.ok) return this.fail(ws, setup.code, setup.message);
    const { admission: a, screen, sessions } = setup.session;
    ws.off('message', early);
    ws.send(JSON.stringify({ type: 'bridge.ready', sessionId: a.sessionId, mode: a.mode, device: this.o.device }));
    this.router = new FrameRouter(ws, screen, sessions, this.o.log.child({ sessionId: a.sessionId }), (reason) =>
      this.end(reason),
    );
    this.router.start(setup.session.release());
    this.emit('ready', { sessionId: a.sessionId, mode: a.mode });
  }

  private fail(ws: WebSocket, code: BridgeErrorCode, message: string) {
    if (ws.readyState === ws.OPEN) {
      ws.send(JSON.stringify({ type: 'bridge.error', code, message }));
      ws.close(1000, code);
    }
    this.end(message, { code, message });
  }

  private end(reason: string, error?: { code: BridgeErrorCode; message: string }) {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.browserTimer);
    this.setupAbort.abort();
    this.session?.close();
    this.emit('ended', error ? { reason, error } : { reason });
  }

  /** Ends the session (telling the browser why) and stops listening; idempotent. */
  async close(reason = 'the bridge is stopping'): Promise<void> {
    this.router?.end(reason);
    this.end(reason);
    // The page gets a moment to receive `bridge.closed` and the close frame, then the socket goes.
    await Promise.all([...this.wss.clients].map((ws) => closeSoon(ws)));
    this.wss.close();
    this.http.closeAllConnections();
    await new Promise<void>((resolve) => this.http.close(() => resolve()));
  }
}

function closeSoon(ws: WebSocket): Promise<void> {
  return new Promise((resolve) => {
    if (ws.readyState === ws.CLOSED) return resolve();
    const timer = setTimeout(() => {
      ws.terminate();
      resolve();
    }, 1000);
    ws.once('close', () => {
      clearTimeout(timer);
      resolve();
    });
    if (ws.readyState === ws.OPEN) ws.close(1001, 'the bridge is stopping');
  });
}

/** Compares secrets in constant time (hashes first, so lengths do not leak). */
function sameSecret(a: string, b: string): boolean {
  const h = (s: string) => createHash('sha256').update(s).digest();
  return timingSafeEqual(h(a), h(b));
}
