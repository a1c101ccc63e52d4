// LAN mode end to end: a ticket from the real relay, TLS to the agent's three ports, tiles, input,
// clipboard, user sessions, flow control; bad tickets of every kind; garbage on every port.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
import { inflateRawSync } from 'node:zlib';
import { type Frame, TOKEN_ISSUER } from '@rc-relay/protocol';
import jpeg from 'jpeg-js';
import jwt from 'jsonwebtoken';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SyntheticBackend } from '../../agent-client/src/backend/synthetic';
import { createLogger } from '../../agent-client/src/log';
import { LanServer } from '../../agent-client/src/transports/lan/server';
import { Api } from '../support/http';
import { enrolledAgent } from '../support/peers';
import { ADMIN_PASSWORD, startRelay, type TestRelay } from '../support/relay';
import { LanConn, type LanOffer, lanBind, lanConnect } from './lan-client';
import { type AgentUnderTest, enrollConfig, startAgent, until } from './support';

let r: TestRelay;
let admin: Api;
let a: AgentUnderTest;

beforeAll(async () => {
  r = await startRelay({ RC_TURN: 'off' });
  admin = await new Api(r.base, r.cert).login('admin', ADMIN_PASSWORD);
  const cfg = await enrollConfig(admin, {
    consent: 'auto-accept',
    lan: {
      enabled: true,
      bindAddress: '127.0.0.1',
      advertise: ['127.0.0.1'],
      ports: { connect: 0, screen: 0, sessions: 0 },
    },
  });
  a = await startAgent(cfg, { lan: new LanServer(cfg, createLogger('silent')) });
});
afterAll(async () => {
  await a.stop();
  await r.stop();
});

async function offer(mode: 'view' | 'control' = 'control', deviceId = a.cfg.deviceId) {
  const res = await admin.post('/api/v1/sessions', { deviceId, mode, transport: 'lan' });
  expect(res.status).toBe(201);
  return { sessionId: res.body.sessionId as string, lan: res.body.lan as LanOffer };
}

async function accepted(mode: 'view' | 'control' = 'control') {
  const o = await offer(mode);
  const f = await lanConnect(o.lan);
  if (f.type !== 'lan.accepted') throw new Error(`not accepted: ${JSON.stringify(f)}`);
  return { ...o, key: f.key };
}

const relayKey = () => readFileSync(join(r.dataDir, 'ticket-key.pem'), 'utf8');
const ticketFor = (o: { key?: string; aud?: string; exp?: number; sid?: string }) =>
  jwt.sign(
    { name: 'admin', sid: o.sid ?? `s_${randomBytes(6).toString('hex')}`, mode: 'control', transport: 'lan' },
    o.key ?? relayKey(),
    {
      algorithm: 'ES256',
      issuer: TOKEN_ISSUER,
      audience: o.aud ?? a.cfg.deviceId,
      subject: 'u_x',
      expiresIn: o.exp ?? 60,
    },
  );

describe('LAN session', () => {
  it('reports its ports and serves tiles, input, clipboard and user sessions for a good ticket', async () => {
    const o = await accepted();
    expect(o.lan.ports).toEqual(a.agent.status().lanPorts);
    expect(o.lan.certFingerprint).toBe(a.cfg.cert.fingerprint);
    const screen = await lanBind(o.lan, 'screen', o.key);
    const info = await screen.wait('screen.info');
    expect([info.width, info.height]).toEqual([320, 240]);
    const end = await screen.wait('frame.end');
    // The first frame is the whole screen, JPEG: the rows of 64 px tiles stacked into one 320×240 band.
    const tiles = screen.frames.filter(
      (f): f is Extract<Frame, { type: 'tile' }> => f.type === 'tile' && f.seq === end.seq,
    );
    expect(tiles.map((t) => [t.x, t.y, t.w, t.h, t.encoding])).toEqual([[0, 0, 320, 240, 'jpeg']]);
    expect(end.tiles).toBe(1);
    const img = jpeg.decode(tiles[0]!.data, { useTArray: true });
    expect([img.width, img.height]).toEqual([320, 240]);
    expect(Math.abs(Date.now() - end.captureTime)).toBeLessThan(5000);

    screen.send({ type: 'ack', seq: end.seq, credits: 4 });
    screen.send({ type: 'pointer', x: 10, y: 20, buttons: 1, wheelX: 0, wheelY: 0 });
    screen.send({ type: 'key', code: 'KeyQ', key: 'q', down: true, modifiers: 0 });
    screen.send({ type: 'clipboard', mime: 'text/plain', data: Buffer.from('from the console') });
    screen.send({ type: 'clipboard.get' });
    const clip = await screen.wait('clipboard');
    expect(clip.data.toString()).toBe('from the console');
    expect(a.backend.inputLog.slice(-2).map((e) => e.event)).toEqual([
      { type: 'pointer', x: 10, y: 20, buttons: 1, wheelX: 0, wheelY: 0 },
      { type: 'key', code: 'KeyQ', key: 'q', down: true, modifiers: 0 },
    ]);
    // What the device user copies reaches the console.
    a.backend.userCopies(':0', { mime: 'text/plain', data: Buffer.from('copied on the pc') });
    expect((await screen.wait('clipboard', (c) => c.data.toString() === 'copied on the pc')).mime).toBe('text/plain');
    // The cursor follows the injected pointer.
    await screen.wait('cursor', (c) => c.x === 10 && c.y === 20);

    const sessions = await lanBind(o.lan, 'sessions', o.key);
    sessions.send({ type: 'sessions.get' });
    expect((await sessions.wait('sessions')).sessions.map((s) => s.id)).toEqual([':0', ':1']);
    sessions.send({ type: 'session.switch', id: ':1' });
    await sessions.wait('sessions');
    // After the switch the screen starts over with the other desktop.
    await screen.wait('screen.info');
    sessions.send({ type: 'pointer', x: 1, y: 1, buttons: 0, wheelX: 0, wheelY: 0 });
    expect((await sessions.wait('error')).code).toBe('unexpected');

    expect((await admin.get(`/api/v1/sessions/${o.sessionId}`)).body.outcome).toBe('accepted');
    // The debug log has the session's life, never its content: no ticket, clipboard or keystroke.
    expect(a.logs()).toContain(o.sessionId);
    for (const secret of [o.lan.ticket, 'from the console', 'copied on the pc', 'KeyQ'])
      expect(a.logs()).not.toContain(secret);
    await screen.close();
    await until(() => !a.agent.sessions.has(o.sessionId), 3000, 'LAN session end');
    await sessions.closed;
    const audit = async () => (await admin.get(`/api/v1/sessions/${o.sessionId}`)).body;
    for (let i = 0; i < 50 && !(await audit()).endedAt; i++) await new Promise((res) => setTimeout(res, 30));
    expect((await audit()).endedAt).toBeTruthy();
  });

  it('view-only: input and clipboard writes are refused on the agent', async () => {
    const o = await accepted('view');
    const screen = await lanBind(o.lan, 'screen', o.key);
    await screen.wait('frame.end');
    const before = a.backend.inputLog.length;
    screen.send({ type: 'pointer', x: 5, y: 5, buttons: 1, wheelX: 0, wheelY: 0 });
    screen.send({ type: 'clipboard', mime: 'text/plain', data: Buffer.from('nope') });
    expect((await screen.wait('error')).code).toBe('view_only');
    expect((await screen.wait('error')).code).toBe('view_only');
    expect(a.backend.inputLog.length).toBe(before);
    expect(a.agent.sessions.get(o.sessionId)?.refused).toBe(2);
    await screen.close();
  });

  it('credits: a console that does not ack gets no more frames; stale ones are dropped, not queued', async () => {
    const o = await accepted();
    const screen = await lanBind(o.lan, 'screen', o.key);
    await screen.wait('frame.end', (f) => f.seq === 2, 3000);
    await new Promise((res) => setTimeout(res, 400));
    // Nothing after the two initial credits.
    expect(screen.frames.filter((f) => f.type === 'frame.end').map((f) => f.type === 'frame.end' && f.seq)).toEqual([
      1,
    ]);
    const t = a.agent.sessions.get(o.sessionId)!.transport!;
    expect(t.stats().framesDropped).toBeGreaterThan(0);
    screen.send({ type: 'settings', quality: 30, fps: 20 });
    screen.send({ type: 'ack', seq: 2, credits: 3 });
    const next = await screen.wait('frame.end', (f) => f.seq === 3);
    expect(next.seq).toBe(3);
    await screen.close();
  });

  it('the console sets JPEG quality; refresh resends the whole screen', async () => {
    const o = await accepted();
    const screen = await lanBind(o.lan, 'screen', o.key);
    const bytesOf = (seq: number) =>
      screen.frames
        .filter((f) => f.type === 'tile' && f.seq === seq)
        .reduce((n, f) => n + (f.type === 'tile' ? f.data.length : 0), 0);
    const first = await screen.wait('frame.end');
    const full70 = bytesOf(first.seq);
    screen.send({ type: 'settings', quality: 5, fps: 10 });
    screen.send({ type: 'refresh' });
    screen.send({ type: 'ack', seq: first.seq, credits: 4 });
    // The refreshed frame covers the whole 320×240 screen again, in fewer bytes.
    const area = (seq: number) =>
      screen.frames
        .filter((f) => f.type === 'tile' && f.seq === seq)
        .reduce((n, f) => n + (f.type === 'tile' ? f.w * f.h : 0), 0);
    expect(area(first.seq)).toBe(320 * 240);
    const again = await screen.wait('frame.end', (f) => f.seq > first.seq && area(f.seq) === 320 * 240);
    expect(bytesOf(again.seq)).toBeLessThan(full70 * 0.7);
    await screen.close();
  });

  it('refreshes still regions losslessly after a lossy send', async () => {
    const o = await accepted();
    const screen = await lanBind(o.lan, 'screen', o.key);
    let lossless: Extract<Frame, { type: 'tile' }> | undefined;
    screen.onFrame = (f) => {
      if (f.type === 'tile' && f.encoding === 'deflate') lossless ??= f;
      if (f.type === 'frame.end') screen.send({ type: 'ack', seq: f.seq, credits: 2 });
    };
    await until(() => lossless !== undefined, 5000, 'a lossless tile');
    expect(inflateRawSync(lossless!.data).length).toBe(lossless!.w * lossless!.h * 4);
    await screen.close();
  });

  it('viewers of the same desktop share one capture', async () => {
    const o1 = await accepted();
    const o2 = await accepted();
    const s1 = await lanBind(o1.lan, 'screen', o1.key);
    const s2 = await lanBind(o2.lan, 'screen', o2.key);
    await s1.wait('frame.end');
    await s2.wait('frame.end');
    expect(a.backend.openCaptures).toBe(1);
    await s1.close();
    await s2.close();
  });
});

describe('LAN tickets', () => {
  it.each([
    ['expired', () => ticketFor({ exp: -30 })],
    [
      'forged signature',
      () =>
        ticketFor({
          key: generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({
            type: 'pkcs8',
            format: 'pem',
          }) as string,
        }),
    ],
    ['for another device', () => ticketFor({ aud: 'd_someone_else' })],
  ])('refuses a ticket that is %s', async (_name, make) => {
    const o = await offer();
    const f = await lanConnect(o.lan, make());
    expect(f).toMatchObject({ type: 'error', code: 'invalid_ticket' });
    expect(a.backend.consentLog.length).toBe(0);
  });

  it('refuses a real ticket the relay issued for another device, and a replayed one', async () => {
    const other = await enrolledAgent(admin);
    await other.connect();
    const theirs = await offer('control', other.deviceId);
    const mine = await offer();
    expect(await lanConnect(mine.lan, theirs.lan.ticket)).toMatchObject({ type: 'error', code: 'invalid_ticket' });
    expect((await lanConnect(mine.lan)).type).toBe('lan.accepted');
    expect(await lanConnect(mine.lan)).toMatchObject({ type: 'error', code: 'invalid_ticket' });
    await other.close();
  });

  it('a bind with an unknown key is refused', async () => {
    const o = await offer();
    const c = await lanBind(o.lan, 'screen', randomBytes(32));
    expect((await c.wait('error')).code).toBe('bad_key');
    await c.closed;
  });
});

describe('LAN consent', () => {
  it('asks the device user; no answer in time is refused and audited as consent-timeout', async () => {
    await admin.post('/api/v1/groups', { name: 'lan-ask', consent: 'ask', consentTimeoutSeconds: 1 });
    const cfg = await enrollConfig(
      admin,
      {
        lan: {
          enabled: true,
          bindAddress: '127.0.0.1',
          advertise: ['127.0.0.1'],
          ports: { connect: 0, screen: 0, sessions: 0 },
        },
      },
      { group: 'lan-ask' },
    );
    const b = await startAgent(cfg, {
      lan: new LanServer(cfg, createLogger('silent')),
      backend: new SyntheticBackend({ width: 128, height: 128, consentAnswer: 'none', consentDelayMs: 0 }),
    });
    try {
      const res = await admin.post('/api/v1/sessions', { deviceId: cfg.deviceId, mode: 'view', transport: 'lan' });
      const t0 = Date.now();
      expect(await lanConnect(res.body.lan)).toMatchObject({ type: 'error', code: 'consent_timeout' });
      expect(Date.now() - t0).toBeGreaterThanOrEqual(900);
      expect(b.backend.consentLog[0]).toMatchObject({ mode: 'view', transport: 'lan', operator: 'admin' });
      await until(async () => (await admin.get(`/api/v1/sessions/${res.body.sessionId}`)).body.outcome === 'denied');
      expect((await admin.get(`/api/v1/sessions/${res.body.sessionId}`)).body.reason).toBe('consent-timeout');
      expect(b.agent.sessions.size).toBe(0);
    } finally {
      await b.stop();
    }
  });
});

describe('LAN without the relay', () => {
  it('serves a ticket offline and reports the session to the relay once it is back', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rc-agent-lan-offline-'));
    let relay: TestRelay | undefined = await startRelay({ RC_TURN: 'off' }, dir);
    try {
      const api = await new Api(relay.base, relay.cert).login('admin', ADMIN_PASSWORD);
      const cfg = await enrollConfig(api, {
        consent: 'auto-accept',
        lan: {
          enabled: true,
          bindAddress: '127.0.0.1',
          advertise: ['127.0.0.1'],
          ports: { connect: 0, screen: 0, sessions: 0 },
        },
      });
      const b = await startAgent(cfg, { lan: new LanServer(cfg, createLogger('silent')) });
      const res = await api.post('/api/v1/sessions', { deviceId: cfg.deviceId, mode: 'control', transport: 'lan' });
      const port = relay.port;
      await relay.stop();
      relay = undefined;
      await until(() => !b.agent.signalling.online, 5000, 'agent offline');

      const acc = await lanConnect(res.body.lan);
      if (acc.type !== 'lan.accepted') throw new Error(JSON.stringify(acc));
      const screen = await lanBind(res.body.lan, 'screen', acc.key);
      await screen.wait('frame.end');
      await screen.close();
      await until(() => b.agent.sessions.size === 0, 3000, 'LAN session end');

      relay = await startRelay({ RC_TURN: 'off', RC_PORT: String(port) }, dir);
      await until(() => b.agent.signalling.online, 8000, 'agent back online');
      const api2 = await new Api(relay.base, relay.cert).login('admin', ADMIN_PASSWORD);
      const entry = async () => (await api2.get(`/api/v1/sessions/${res.body.sessionId}`)).body;
      await until(async () => Boolean((await entry()).endedAt), 5000, 'audit of the offline session');
      expect(await entry()).toMatchObject({ outcome: 'accepted', transport: 'lan' });
      await b.stop();
    } finally {
      await relay?.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('garbage on the LAN ports', () => {
  it('never crashes the agent; a good client is served afterwards', async () => {
    const { lan } = await offer();
    for (const port of Object.values(lan.ports)) {
      // Plain TCP: refused at the TLS handshake.
      await new Promise<void>((resolve) => {
        const s = net.connect(port, '127.0.0.1', () => s.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n'));
        s.on('error', () => resolve());
        s.on('close', () => resolve());
        s.on('data', () => {});
      });
      // TLS with random bytes, an oversize length, and frames that do not belong on the port.
      for (const payload of [
        randomBytes(4096),
        Buffer.from([0xff, 0xff, 0xff, 0xff, 1]),
        Buffer.concat([Buffer.from([0, 0, 0, 2, 200, 1]), randomBytes(100)]),
        Buffer.from([0, 0, 0, 1, 9]),
      ]) {
        const c = await LanConn.open('127.0.0.1', port, lan.certFingerprint);
        c.socket.write(payload);
        c.socket.on('data', () => {});
        await Promise.race([c.closed, new Promise((res) => setTimeout(res, 300))]);
        c.socket.destroy();
      }
      // A TLS client that goes away mid-handshake.
      const half = tls.connect({ host: '127.0.0.1', port, rejectUnauthorized: false });
      half.on('error', () => {});
      half.destroy();
    }
    const o = await accepted();
    const screen = await lanBind(o.lan, 'screen', o.key);
    expect((await screen.wait('frame.end')).seq).toBe(1);
    await screen.close();
    expect(a.agent.signalling.online).toBe(true);
  });
});
