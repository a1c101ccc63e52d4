// The relay connection against a scripted relay: hello first, a silent relay is replaced, the
// relay's reconnect delay is honoured, and garbage from the relay is survived.
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { type WebSocket, WebSocketServer } from 'ws';
import { createLogger } from '../log';
import { generateDeviceCert } from './device-cert';
import { type ServerHandlers, SignallingClient } from './signalling';

const policy = { consent: 'ask', consentTimeoutSeconds: 5, showIndicator: true } as const;
const welcome = (heartbeatSeconds: number) =>
  JSON.stringify({
    type: 'welcome',
    id: 'w1',
    deviceId: 'd_1',
    heartbeatSeconds,
    policy,
    serverTime: new Date().toISOString(),
  });

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function fakeRelay(onSocket: (ws: WebSocket, n: number) => void) {
  const cert = await generateDeviceCert('localhost');
  const server = https.createServer({ cert: cert.certPem, key: cert.keyPem });
  const wss = new WebSocketServer({ server, path: '/ws/agent' });
  const connects: number[] = [];
  const firstMessages: unknown[] = [];
  const auth: (string | undefined)[] = [];
  wss.on('connection', (ws, req) => {
    connects.push(Date.now());
    auth.push(req.headers.authorization);
    ws.once('message', (d) => firstMessages.push(JSON.parse(String(d))));
    onSocket(ws, connects.length);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  cleanups.push(
    () =>
      new Promise<void>((r) => {
        wss.close();
        server.closeAllConnections();
        server.close(() => r());
      }),
  );
  return { url: `https://127.0.0.1:${(server.address() as AddressInfo).port}`, cert, connects, firstMessages, auth };
}

function client(relay: Awaited<ReturnType<typeof fakeRelay>>, handlers: Partial<ServerHandlers> = {}) {
  const noop = () => {};
  const c = new SignallingClient({
    server: relay.url,
    serverFingerprint: relay.cert.fingerprint,
    serverCertPem: relay.cert.certPem,
    deviceToken: 'tok',
    log: createLogger('silent'),
    backoff: { baseMs: 10, capMs: 50 },
    hello: async () => ({
      version: '1',
      hostname: 'h',
      os: 'linux',
      sessions: [],
      monitors: [],
      lanAddresses: [],
      certFingerprint: 'a'.repeat(64),
      activeSessions: ['s_kept'],
    }),
    handlers: {
      welcome: noop,
      policy: noop,
      'session.request': noop,
      signal: noop,
      'session.ended': noop,
      error: noop,
      shutdown: noop,
      ...handlers,
    },
  });
  cleanups.push(() => c.stop());
  return c;
}

const until = async (cond: () => boolean, ms = 3000) => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
};

describe('SignallingClient', () => {
  it('sends hello first, with its bearer token and the sessions it still carries', async () => {
    const relay = await fakeRelay((ws) => ws.once('message', () => ws.send(welcome(10))));
    const c = client(relay);
    c.start();
    await until(() => c.online);
    expect(relay.auth[0]).toBe('Bearer tok');
    expect(relay.firstMessages[0]).toMatchObject({ type: 'hello', activeSessions: ['s_kept'] });
  });

  it('replaces a relay that stops pinging after 3 heartbeat intervals', async () => {
    // welcome with a 100 ms heartbeat, then silence: no pings, no messages.
    const relay = await fakeRelay((ws) => ws.once('message', () => ws.send(welcome(0.1))));
    const c = client(relay);
    c.start();
    await until(() => relay.connects.length >= 2, 3000);
    expect(relay.connects[1]! - relay.connects[0]!).toBeGreaterThanOrEqual(300);
  });

  it('keeps a relay that pings', async () => {
    const relay = await fakeRelay((ws) => {
      ws.once('message', () => ws.send(welcome(0.1)));
      const t = setInterval(() => ws.ping(), 50);
      ws.on('close', () => clearInterval(t));
    });
    const c = client(relay);
    c.start();
    await new Promise((r) => setTimeout(r, 800));
    expect(relay.connects).toHaveLength(1);
    expect(c.online).toBe(true);
  });

  it('honours shutdown.reconnectAfterMs instead of its own backoff', async () => {
    const relay = await fakeRelay((ws, n) =>
      ws.once('message', () => {
        ws.send(welcome(10));
        if (n === 1) {
          ws.send(JSON.stringify({ type: 'shutdown', id: 'x', reason: 'restart', reconnectAfterMs: 600 }));
          ws.close(1001, 'restart');
        }
      }),
    );
    const c = client(relay);
    c.start();
    await until(() => relay.connects.length >= 2, 3000);
    expect(relay.connects[1]! - relay.connects[0]!).toBeGreaterThanOrEqual(600);
  });

  it('survives garbage from the relay and goes on dispatching', async () => {
    const seen: string[] = [];
    const relay = await fakeRelay((ws) =>
      ws.once('message', () => {
        ws.send(welcome(10));
        ws.send('{not json');
        ws.send(JSON.stringify({ type: 'no-such', id: '1' }));
        ws.send(JSON.stringify({ type: 'policy', id: '2', policy: { consent: 'sometimes' } }));
        ws.send(Buffer.from([1, 2, 3]));
        ws.send(JSON.stringify({ type: 'policy', id: '3', policy: { ...policy, consent: 'deny' } }));
      }),
    );
    const c = client(relay, { policy: (m) => seen.push(m.policy.consent) });
    c.start();
    await until(() => seen.length === 1);
    expect(seen).toEqual(['deny']);
    expect(c.online).toBe(true);
    expect(relay.connects).toHaveLength(1);
  });
});
