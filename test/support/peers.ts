// A test agent and a test console: written only against the public protocol (HTTP API + the
// signalling messages of @rc-relay/protocol), so they are what a third-party client would be.
import { createHash } from 'node:crypto';
import {
  decodeServerToAgent,
  decodeServerToConsole,
  type ServerAgentMessage,
  type ServerConsoleMessage,
  WS_BEARER_PREFIX,
  WS_SUBPROTOCOL,
} from '@rc-relay/protocol';
import WebSocket from 'ws';
import type { Api } from './http';

type Msg = { type: string; [k: string]: any };

/** Decoded messages in arrival order, with waiting for one that matches. */
export class Inbox<M extends Msg> {
  readonly all: M[] = [];
  private waiters: { pred: (m: M) => boolean; resolve: (m: M) => void }[] = [];

  push(m: M) {
    this.all.push(m);
    const w = this.waiters.find((x) => x.pred(m));
    if (w) {
      this.waiters = this.waiters.filter((x) => x !== w);
      w.resolve(m);
    }
  }

  /** The first message (already received or future) matching; fails after `ms`. */
  wait<T extends M['type']>(type: T, pred: (m: Extract<M, { type: T }>) => boolean = () => true, ms = 5000) {
    const match = (m: M) => m.type === type && pred(m as Extract<M, { type: T }>);
    const seen = this.all.find(match);
    if (seen) {
      this.all.splice(this.all.indexOf(seen), 1);
      return Promise.resolve(seen as Extract<M, { type: T }>);
    }
    return new Promise<Extract<M, { type: T }>>((resolve, reject) => {
      const waiter = {
        pred: match,
        resolve: (m: M) => {
          clearTimeout(timer);
          this.all.splice(this.all.indexOf(m), 1);
          resolve(m as Extract<M, { type: T }>);
        },
      };
      // A timed-out waiter leaves, so it cannot swallow a later matching message.
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(new Error(`no '${type}' within ${ms} ms`));
      }, ms);
      this.waiters.push(waiter);
    });
  }
}

let seq = 0;
const nextId = () => `t${++seq}`;

abstract class TestPeer<M extends Msg> {
  ws!: WebSocket;
  readonly inbox = new Inbox<M>();
  closed: Promise<{ code: number; reason: string }> = Promise.resolve({ code: 0, reason: '' });
  /** The last socket error (e.g. ECONNRESET when the relay cut the connection mid-frame). */
  lastError: NodeJS.ErrnoException | undefined;

  protected open(url: string, ca: string, opts: WebSocket.ClientOptions, protocols?: string[]): Promise<void> {
    this.ws = new WebSocket(url, protocols, { ca, ...opts });
    this.closed = new Promise((resolve) =>
      this.ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })),
    );
    this.ws.on('error', (err) => {
      this.lastError = err;
    });
    this.ws.on('message', (data) => {
      const r = this.decode(data as Buffer);
      if (!r.ok) throw new Error(`relay sent an invalid message: ${r.message}`);
      this.inbox.push(r.msg);
    });
    return new Promise((resolve, reject) => {
      this.ws.once('open', () => resolve());
      this.ws.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused: ${res.statusCode}`)));
      this.ws.once('error', reject);
    });
  }

  protected abstract decode(data: Buffer): { ok: true; msg: M } | { ok: false; message: string };

  send(m: Record<string, unknown> & { type: string }): string {
    const id = (m.id as string | undefined) ?? nextId();
    this.ws.send(JSON.stringify({ ...m, id }));
    return id;
  }

  sendRaw(data: string | Buffer, binary = false) {
    this.ws.send(data, { binary });
  }

  close() {
    this.ws.close();
    return this.closed;
  }
}

export const fingerprintOf = (s: string) => createHash('sha256').update(s).digest('hex');

export class TestAgent extends TestPeer<ServerAgentMessage> {
  deviceId = '';
  deviceToken = '';
  ticketPublicKey = '';
  hostname: string;
  certFingerprint: string;

  constructor(
    readonly api: Api,
    hostname = `pc-${Math.random().toString(36).slice(2, 8)}`,
  ) {
    super();
    this.hostname = hostname;
    this.certFingerprint = fingerprintOf(hostname);
  }

  protected decode(data: Buffer) {
    return decodeServerToAgent(data);
  }

  async enroll(enrollmentToken: string) {
    const r = await this.api.request(
      'POST',
      '/api/v1/agents/enroll',
      {
        enrollmentToken,
        hostname: this.hostname,
        os: 'linux',
        certFingerprint: this.certFingerprint,
      },
      '',
    );
    if (r.status !== 201) throw new Error(`enroll failed: ${r.status} ${JSON.stringify(r.body)}`);
    Object.assign(this, {
      deviceId: r.body.deviceId,
      deviceToken: r.body.deviceToken,
      ticketPublicKey: r.body.ticketPublicKey,
    });
    return this;
  }

  /** Opens /ws/agent with the device token; `hello` unless told not to. */
  async connect(opts: { hello?: boolean; activeSessions?: string[]; autoPong?: boolean } = {}) {
    const url = `${this.api.base.replace('https', 'wss')}/ws/agent`;
    await this.open(url, this.api.ca, {
      headers: { authorization: `Bearer ${this.deviceToken}` },
      autoPong: opts.autoPong ?? true,
    });
    if (opts.hello !== false) {
      this.send({
        type: 'hello',
        version: '0.1.0-test',
        hostname: this.hostname,
        os: 'linux',
        sessions: [{ id: ':0', user: 'ann', kind: 'x11', active: true, supported: true }],
        monitors: [{ id: '0', name: 'VIRTUAL-1', x: 0, y: 0, width: 1920, height: 1080, primary: true }],
        lanAddresses: ['192.0.2.10'],
        certFingerprint: this.certFingerprint,
        activeSessions: opts.activeSessions ?? [],
      });
      await this.inbox.wait('welcome');
    }
    return this;
  }
}

export class TestConsole extends TestPeer<ServerConsoleMessage> {
  constructor(readonly api: Api) {
    super();
  }

  protected decode(data: Buffer) {
    return decodeServerToConsole(data);
  }

  /** Opens /ws/console the way a browser must: the token rides in the subprotocol list. */
  async connect(token = this.api.token ?? '') {
    const url = `${this.api.base.replace('https', 'wss')}/ws/console`;
    await this.open(url, this.api.ca, {}, [WS_SUBPROTOCOL, `${WS_BEARER_PREFIX}${token}`]);
    await this.inbox.wait('welcome');
    return this;
  }

  /** POST /api/v1/sessions then attach it to this socket. */
  async openSession(deviceId: string, mode: 'view' | 'control' = 'control') {
    const r = await this.api.post('/api/v1/sessions', { deviceId, mode, transport: 'internet' });
    if (r.status !== 201) throw new Error(`session refused: ${r.status} ${JSON.stringify(r.body)}`);
    const sessionId: string = r.body.sessionId;
    this.send({ type: 'session.attach', sessionId });
    return { sessionId, reply: r.body };
  }
}

/** An admin API, an enrollment token, and an enrolled, connected agent. */
export async function enrolledAgent(admin: Api, opts: { group?: string; hostname?: string } = {}) {
  const t = await admin.post('/api/v1/enrollment-tokens', { ...(opts.group ? { group: opts.group } : {}) });
  if (t.status !== 201) throw new Error(`token: ${t.status} ${JSON.stringify(t.body)}`);
  const agent = new TestAgent(admin, opts.hostname);
  await agent.enroll(t.body.token);
  return agent;
}
