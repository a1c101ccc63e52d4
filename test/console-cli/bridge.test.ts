// The LAN bridge (contract 4) as the browser's LAN view uses it: `rc-console connect --lan
// --no-open` as a real process, a WebSocket client playing the page (Node `ws` with the page's
// Origin), a real agent behind it; then the refusals (token, reuse, Origin, a certificate the
// ticket does not vouch for), the agent ending the session, and the files it serves.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeFrame, encodeFrame, type Frame } from '@rc-relay/protocol';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { SyntheticBackend } from '../../agent-client/src/backend/synthetic';
import { createLogger } from '../../agent-client/src/log';
import { LanServer } from '../../agent-client/src/transports/lan/server';
import { LanBridge } from '../../console-client/src/bridge/server';
import { enrollConfig, startAgent, until } from '../agent/support';
import { cli, loggedIn, removeHomes, startWorld, type World } from './support';

let w: World;
let home: string;

beforeAll(async () => {
  w = await startWorld();
  home = await loggedIn(w);
}, 90_000);
afterAll(async () => {
  await w?.a.stop();
  await w?.r.stop();
  removeHomes();
});

/** A page-side WebSocket: text messages parsed as JSON, binary ones decoded as frames. */
class Page {
  readonly texts: { type: string; [k: string]: unknown }[] = [];
  readonly frames: Frame[] = [];
  closed: Promise<{ code: number; reason: string }>;
  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data, isBinary) => {
      if (!isBinary) return this.texts.push(JSON.parse(String(data)));
      const r = decodeFrame(data as Buffer);
      if (!r.ok) throw new Error(`bridge sent a bad frame: ${r.message}`);
      this.frames.push(r.frame);
      if (r.frame.type === 'frame.end') this.send({ type: 'ack', seq: r.frame.seq, credits: 4 });
    });
    this.closed = new Promise((resolve) => ws.on('close', (code, reason) => resolve({ code, reason: String(reason) })));
  }

  /** Opens the socket; resolves to the Page, or to the HTTP status the upgrade was refused with. */
  static open(url: string, origin: string): Promise<Page | number> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, { origin });
      ws.once('open', () => resolve(new Page(ws)));
      ws.once('unexpected-response', (_req, res) => {
        resolve(res.statusCode ?? 0);
        res.resume();
        ws.terminate();
      });
      ws.once('error', (err) => reject(err));
    });
  }

  send(f: Frame) {
    this.ws.send(encodeFrame(f));
  }

  async text(type: string) {
    await until(() => this.texts.some((t) => t.type === type), 20_000, `bridge message ${type}`);
    return this.texts.find((t) => t.type === type)!;
  }

  async frame<K extends Frame['type']>(type: K, pred: (f: Extract<Frame, { type: K }>) => boolean = () => true) {
    const match = (f: Frame): f is Extract<Frame, { type: K }> =>
      f.type === type && pred(f as Extract<Frame, { type: K }>);
    await until(() => this.frames.some(match), 10_000, `frame ${type}`);
    const f = this.frames.find(match)!;
    this.frames.splice(this.frames.indexOf(f), 1);
    return f;
  }
}

const wsUrl = (pageUrl: string, token: string) => {
  const u = new URL(pageUrl);
  return `ws://${u.host}/bridge?token=${encodeURIComponent(token)}`;
};

/** GET with the path sent exactly as given (no URL normalisation on this side). */
function get(
  origin: string,
  path = '/',
  headers: Record<string, string> = {},
): Promise<{ status: number; body: string }> {
  const u = new URL(origin);
  return new Promise((resolve, reject) => {
    http
      .get({ host: u.hostname, port: u.port, path, headers }, (res) => {
        let body = '';
        res.on('data', (d) => {
          body += d;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      })
      .on('error', reject);
  });
}

describe('rc-console connect --lan', { timeout: 90_000 }, () => {
  it('bridges one page to the agent: ready, screen, input, user sessions, bad frames answered, clean end', async () => {
    const run = cli(home, ['connect', w.hostname, '--lan', '--no-open']);
    await until(() => /http:\/\/127\.0\.0\.1:\d+\/#\/lan\?token=/.test(run.stdout()), 30_000, 'bridge URL');
    const pageUrl = run.stdout().trim().split('\n').pop()!;
    const origin = new URL(pageUrl).origin;
    const token = new URL(new URL(pageUrl).hash.slice(1), 'http://x').searchParams.get('token')!;
    expect(Buffer.from(token, 'base64url').length).toBe(32);

    // Refusals that must not use up the token.
    expect(await Page.open(wsUrl(pageUrl, token), 'http://evil.example')).toBe(403);
    expect(await Page.open(wsUrl(pageUrl, `${token.slice(0, -2)}xx`), origin)).toBe(401);

    const page = await Page.open(wsUrl(pageUrl, token), origin);
    if (typeof page === 'number') throw new Error(`upgrade refused: ${page}`);
    const ready = await page.text('bridge.ready');
    expect(ready).toMatchObject({ mode: 'control', device: { id: w.a.cfg.deviceId, hostname: w.hostname } });
    expect(w.a.agent.sessions.has(ready.sessionId as string)).toBe(true);
    // The token admitted once; a second page (or a replay) is refused.
    expect(await Page.open(wsUrl(pageUrl, token), origin)).toBe(401);

    const info = await page.frame('screen.info');
    expect([info.width, info.height]).toEqual([320, 240]);
    const end = await page.frame('frame.end');
    expect(page.frames.filter((f) => f.type === 'tile' && f.seq === end.seq).length).toBe(end.tiles);

    page.send({ type: 'pointer', x: 33, y: 44, buttons: 2, wheelX: 0, wheelY: 0 });
    await until(
      () => w.a.backend.inputLog.some((e) => e.event.type === 'pointer' && e.event.x === 33 && e.event.y === 44),
      5000,
      'pointer at the agent',
    );
    page.send({ type: 'sessions.get' });
    expect((await page.frame('sessions')).sessions.map((s) => s.id)).toEqual([':0', ':1']);

    // Garbage from the page is answered with an error frame, and the session goes on.
    page.ws.send(Buffer.from([0, 0, 0, 2, 250, 1]));
    expect((await page.frame('error', (e) => e.code === 'bad_frame')).message).toContain('unknown frame kind');
    page.ws.send('{"type":"pointer"}');
    await page.frame('error', (e) => e.code === 'bad_frame');
    page.send({ type: 'clipboard', mime: 'text/plain', data: Buffer.from('via the bridge') });
    page.send({ type: 'clipboard.get' });
    expect((await page.frame('clipboard')).data.toString()).toBe('via the bridge');

    page.ws.close();
    const exit = await run.done;
    expect(exit.code).toBe(0);
    expect(exit.stderr).toContain('session ended');
    await until(() => !w.a.agent.sessions.has(ready.sessionId as string), 5000, 'agent session ended');
  });
  it('Ctrl+C ends the session: the page is told why, the agent session ends, exit 0', async () => {
    const run = cli(home, ['connect', w.a.cfg.deviceId, '--lan', '--no-open', '--view']);
    await until(() => /#\/lan\?token=/.test(run.stdout()), 30_000, 'bridge URL');
    const pageUrl = run.stdout().trim().split('\n').pop()!;
    const token = new URL(new URL(pageUrl).hash.slice(1), 'http://x').searchParams.get('token')!;
    const page = await Page.open(wsUrl(pageUrl, token), new URL(pageUrl).origin);
    if (typeof page === 'number') throw new Error(`upgrade refused: ${page}`);
    const ready = await page.text('bridge.ready');
    expect(ready.mode).toBe('view');
    await page.frame('frame.end');
    run.child.kill('SIGINT');
    expect((await page.text('bridge.closed')).reason).toContain('Ctrl+C');
    expect((await run.done).code).toBe(0);
    await until(() => !w.a.agent.sessions.has(ready.sessionId as string), 5000, 'agent session ended');
  });
});

describe('LanBridge', { timeout: 60_000 }, () => {
  const log = pino({ level: 'silent' });
  const ticket = async () => {
    const res = await w.admin.post('/api/v1/sessions', { deviceId: w.a.cfg.deviceId, mode: 'view', transport: 'lan' });
    expect(res.status).toBe(201);
    return res.body as {
      sessionId: string;
      lan: { ticket: string; addresses: string[]; ports: any; certFingerprint: string };
    };
  };
  const device = () => ({ id: w.a.cfg.deviceId, hostname: w.hostname });

  async function openPage(bridge: LanBridge) {
    const { url } = await bridge.listen();
    const token = new URL(new URL(url).hash.slice(1), 'http://x').searchParams.get('token')!;
    const page = await Page.open(wsUrl(url, token), new URL(url).origin);
    if (typeof page === 'number') throw new Error(`upgrade refused: ${page}`);
    return page;
  }

  it('refuses an agent whose certificate is not the one in the ticket: bridge.error tls_pin', async () => {
    const bridge = new LanBridge({
      distDir: tmpdir(),
      device: device(),
      log,
      ticket: async () => {
        const t = await ticket();
        return { ...t, lan: { ...t.lan, certFingerprint: 'cd'.repeat(32) } };
      },
    });
    const ended = new Promise((resolve) => bridge.on('ended', resolve));
    const page = await openPage(bridge);
    expect(await page.text('bridge.error')).toMatchObject({ type: 'bridge.error', code: 'tls_pin' });
    await page.closed;
    expect(await ended).toMatchObject({ error: { code: 'tls_pin' } });
    expect(page.texts.some((t) => t.type === 'bridge.ready')).toBe(false);
    await bridge.close();
  });

  it('opens the session before the page arrives and hands the page what the agent sent meanwhile', async () => {
    const before = new Set(w.a.agent.sessions.keys());
    const bridge = new LanBridge({ distDir: tmpdir(), device: device(), log, ticket });
    const { url } = await bridge.listen();
    // The session is up at the agent, and its first picture sent, with no page connected yet.
    await until(() => [...w.a.agent.sessions.keys()].some((id) => !before.has(id)), 10_000, 'agent session');
    await new Promise((r) => setTimeout(r, 500));
    const token = new URL(new URL(url).hash.slice(1), 'http://x').searchParams.get('token')!;
    const page = await Page.open(wsUrl(url, token), new URL(url).origin);
    if (typeof page === 'number') throw new Error(`upgrade refused: ${page}`);
    await page.text('bridge.ready');
    const end = await page.frame('frame.end', (f) => f.seq === 1);
    expect(page.frames[0]?.type).toBe('screen.info');
    expect(page.frames.filter((f) => f.type === 'tile' && f.seq === 1).length).toBe(end.tiles);
    await bridge.close();
  });

  it('ends the session when no page comes in time', async () => {
    const before = new Set(w.a.agent.sessions.keys());
    const bridge = new LanBridge({ distDir: tmpdir(), device: device(), log, ticket, browserWaitMs: 1500 });
    const ended = new Promise<{ reason: string; error?: { code: string } }>((resolve) => bridge.on('ended', resolve));
    const { url } = await bridge.listen();
    await until(() => [...w.a.agent.sessions.keys()].some((id) => !before.has(id)), 10_000, 'agent session');
    expect((await ended).error?.code).toBe('no_browser');
    await until(() => [...w.a.agent.sessions.keys()].every((id) => before.has(id)), 5000, 'agent session ended');
    // A page arriving after that is refused, not handed a dead session.
    const token = new URL(new URL(url).hash.slice(1), 'http://x').searchParams.get('token')!;
    expect(await Page.open(wsUrl(url, token), new URL(url).origin)).toBe(410);
    await bridge.close();
  });

  it('tells the page why when the agent ends the session', async () => {
    const bridge = new LanBridge({ distDir: tmpdir(), device: device(), log, ticket });
    const page = await openPage(bridge);
    const ready = await page.text('bridge.ready');
    expect(ready.mode).toBe('view');
    await page.frame('screen.info');
    await page.frame('frame.end');
    w.a.agent.endSession(ready.sessionId as string, 'ended by the device user', true);
    expect((await page.text('bridge.closed')).reason).toMatch(/agent/);
    expect((await page.closed).code).toBe(1000);
    await bridge.close();
  });

  it('a page that stops reading pauses the agent side instead of filling the bridge memory', async () => {
    const control = async () => {
      const res = await w.admin.post('/api/v1/sessions', {
        deviceId: w.a.cfg.deviceId,
        mode: 'control',
        transport: 'lan',
      });
      return res.body;
    };
    const bridge = new LanBridge({ distDir: tmpdir(), device: device(), log, ticket: control });
    const page = await openPage(bridge);
    await page.frame('frame.end');
    // The page's process is busy: its socket is not read. The device user copies 20 MB (clipboard
    // pushes are not credit-controlled, unlike screen frames).
    (page.ws as unknown as { _socket: { pause(): void; resume(): void } })._socket.pause();
    const n = 100;
    for (let i = 0; i < n; i++) w.a.backend.userCopies(':0', { mime: 'text/plain', data: Buffer.alloc(200_000, i) });
    await until(() => (bridge.stats?.pauses ?? 0) > 0, 20_000, 'the bridge pausing the agent');
    await new Promise((r) => setTimeout(r, 500));
    expect(bridge.stats!.maxBuffered).toBeLessThan(4.5 * 2 ** 20);
    // Reading again, the page gets every clipboard, in order: paused, not dropped.
    (page.ws as unknown as { _socket: { resume(): void } })._socket.resume();
    await until(() => page.frames.filter((f) => f.type === 'clipboard').length === n, 30_000, 'all clipboards');
    const clips = page.frames.filter((f): f is Extract<Frame, { type: 'clipboard' }> => f.type === 'clipboard');
    expect(clips.map((c) => c.data[0])).toEqual([...Array(n).keys()]);
    await bridge.close();
  });

  it('random garbage from the page is answered, never fatal: the session still works after it', async () => {
    const control = async () =>
      (await w.admin.post('/api/v1/sessions', { deviceId: w.a.cfg.deviceId, mode: 'control', transport: 'lan' })).body;
    const bridge = new LanBridge({ distDir: tmpdir(), device: device(), log, ticket: control });
    const page = await openPage(bridge);
    await page.frame('frame.end');
    let seed = 7;
    const rnd = (n: number) => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    const n = 200;
    for (let i = 0; i < n; i++) {
      const body = Buffer.from(Array.from({ length: 1 + rnd(40) }, () => rnd(256)));
      // Half with a correct length prefix (so the kind and body are what is wrong), half raw noise.
      page.ws.send(i % 2 ? body : Buffer.concat([Buffer.from([0, 0, 0, body.length]), body]));
    }
    await until(() => bridge.stats!.badFromBrowser + bridge.stats!.toAgent >= n, 10_000, 'all garbage handled');
    expect(bridge.stats!.badFromBrowser).toBeGreaterThan(n / 2);
    const answered = () => page.frames.filter((f) => f.type === 'error' && f.code === 'bad_frame').length;
    await until(() => answered() === bridge.stats!.badFromBrowser, 5000, 'an error frame for each bad one');
    const before = w.a.backend.inputLog.length;
    page.send({ type: 'pointer', x: 7, y: 9, buttons: 0, wheelX: 0, wheelY: 0 });
    await until(() => w.a.backend.inputLog.length > before, 5000, 'pointer after the garbage');
    await bridge.close();
  });

  it('a page that leaves while the device user is asked withdraws the request on the agent', async () => {
    const backend = new SyntheticBackend({ width: 64, height: 48, consentAnswer: 'none', consentDelayMs: 0 });
    const cfg = await enrollConfig(
      w.admin,
      {
        consent: 'ask',
        lan: {
          enabled: true,
          bindAddress: '127.0.0.1',
          advertise: ['127.0.0.1'],
          ports: { connect: 0, screen: 0, sessions: 0 },
        },
      },
      { hostname: 'asking-pc' },
    );
    const asking = await startAgent(cfg, { backend, lan: new LanServer(cfg, createLogger('silent')) });
    try {
      let sessionId = '';
      const bridge = new LanBridge({
        distDir: tmpdir(),
        device: { id: cfg.deviceId, hostname: 'asking-pc' },
        log,
        ticket: async () => {
          const res = await w.admin.post('/api/v1/sessions', {
            deviceId: cfg.deviceId,
            mode: 'view',
            transport: 'lan',
          });
          sessionId = res.body.sessionId;
          return res.body;
        },
      });
      const ended = new Promise<{ reason: string; error?: unknown }>((resolve) => bridge.on('ended', resolve));
      const page = await openPage(bridge);
      await until(() => backend.consentLog.length === 1, 10_000, 'consent asked');
      page.ws.close();
      // Leaving is the operator's choice, not a failure of the bridge.
      expect(await ended).toEqual({ reason: 'the browser left before the session was ready' });
      await until(
        async () => (await w.admin.get(`/api/v1/sessions/${sessionId}`)).body.outcome === 'denied',
        10_000,
        'the request withdrawn on the agent',
      );
      await bridge.close();
    } finally {
      await asking.stop();
    }
  });

  it('serves the built console, routes to index.html, never outside dist, and says when it is not built', async () => {
    const dist = mkdtempSync(join(tmpdir(), 'rc-console-dist-'));
    mkdirSync(join(dist, 'assets'));
    writeFileSync(join(dist, 'index.html'), '<!doctype html><title>console</title>');
    writeFileSync(join(dist, 'assets', 'app.js'), 'console.log(1)');
    const bridge = new LanBridge({ distDir: dist, device: device(), log, ticket });
    const { url } = await bridge.listen();
    const origin = new URL(url).origin;
    expect(await get(origin, '/')).toEqual({ status: 200, body: '<!doctype html><title>console</title>' });
    expect((await get(origin, '/devices/x')).body).toContain('<title>console</title>');
    expect((await get(origin, '/assets/app.js')).body).toBe('console.log(1)');
    expect((await get(origin, '/assets/missing.js')).status).toBe(404);
    expect((await get(origin, '/..%2f..%2f..%2fetc%2fpasswd')).status).toBe(404);
    // A page on another name that resolves to 127.0.0.1 (DNS rebinding) gets nothing.
    expect((await get(origin, '/', { host: `rebind.example:${new URL(origin).port}` })).status).toBe(403);
    await bridge.close();

    const empty = new LanBridge({
      distDir: mkdtempSync(join(tmpdir(), 'rc-console-empty-')),
      device: device(),
      log,
      ticket,
    });
    const e = await empty.listen();
    const page = await get(new URL(e.url).origin);
    expect(page.status).toBe(503);
    expect(page.body).toContain('npm run build:console');
    await empty.close();
  });
});
