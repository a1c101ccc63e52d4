// LAN mode listeners, all TLS with the device certificate (consoles pin its fingerprint from the
// LAN ticket); a plain-TCP client fails the handshake and is dropped.
//   connect (42189): `lan.connect` with the ticket → offline check → consent → `lan.accepted` + key
//   screen  (42187): `bind` with the key → screen stream, input, clipboard
//   sessions(42188): `bind` with the key → user-session list and switch
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import tls from 'node:tls';
import { type Frame, SESSION_KEY_BYTES } from '@rc-relay/protocol';
import type { AgentConfig } from '../../config';
import type { Logger } from '../../log';
import type { Agent } from '../../service/agent';
import { FramedSocket } from './framed-socket';
import { LanTransport } from './transport';

/** How long a client has for its first frame, and an accepted session for its screen bind. */
const FIRST_FRAME_MS = 10_000;
const BIND_WITHIN_MS = 30_000;
const MAX_CONNECTIONS = 64;

type Port = 'connect' | 'screen' | 'sessions';

export class LanServer {
  private readonly servers = new Map<Port, tls.Server>();
  private readonly byKey = new Map<string, LanTransport>();
  /** Ticket session ids already used: a LAN ticket admits once (kept until it expires). */
  private readonly usedTickets = new Map<string, number>();
  private agent!: Agent;
  private connections = 0;

  constructor(
    private readonly cfg: AgentConfig,
    private readonly log: Logger,
  ) {}

  async start(agent: Agent): Promise<{ connect: number; screen: number; sessions: number }> {
    this.agent = agent;
    const ports = {} as Record<Port, number>;
    for (const port of ['connect', 'screen', 'sessions'] as const) {
      const server = tls.createServer(
        {
          cert: this.cfg.cert.certPem,
          key: this.cfg.cert.keyPem,
          minVersion: 'TLSv1.2',
          handshakeTimeout: FIRST_FRAME_MS,
        },
        (socket) => this.onConnection(port, socket),
      );
      server.on('tlsClientError', (err) => this.log.debug({ port, err: err.message }, 'TLS handshake refused'));
      server.maxConnections = MAX_CONNECTIONS;
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(this.cfg.lan.ports[port], this.cfg.lan.bindAddress, () => {
          server.off('error', reject);
          resolve();
        });
      });
      server.on('error', (err) => this.log.error({ port, err }, 'LAN listener error'));
      ports[port] = (server.address() as AddressInfo).port;
      this.servers.set(port, server);
    }
    this.log.info({ bind: this.cfg.lan.bindAddress, ...ports }, 'LAN listeners up');
    return ports;
  }

  async close(): Promise<void> {
    for (const t of [...this.byKey.values()]) t.close('agent stopping');
    await Promise.all([...this.servers.values()].map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
    this.servers.clear();
  }

  private onConnection(port: Port, socket: tls.TLSSocket) {
    const log = this.log.child({ port, remote: socket.remoteAddress });
    const conn = new FramedSocket(socket, log);
    this.connections++;
    conn.on('closed', () => this.connections--);
    const timer = setTimeout(
      () => conn.close({ type: 'error', code: 'unexpected', message: 'no first frame' }),
      FIRST_FRAME_MS,
    );
    const off = conn.on('frame', (f) => {
      clearTimeout(timer);
      off();
      this.first[port](conn, f, log).catch((err) => {
        log.error({ err }, 'LAN request failed');
        conn.close({ type: 'error', code: 'internal', message: 'the agent failed on this request' });
      });
    });
    conn.on('closed', () => clearTimeout(timer));
  }

  /** What each port does with its first frame. */
  private readonly first: Record<Port, (conn: FramedSocket, f: Frame, log: Logger) => Promise<void>> = {
    connect: async (conn, f, log) => {
      if (f.type !== 'lan.connect') return conn.close(expected('lan.connect', f.type));
      await this.admit(conn, f.ticket, log);
    },
    screen: async (conn, f) => {
      const t = this.bound(conn, f);
      if (!t) return;
      if (t.hasScreen) return conn.close({ type: 'error', code: 'unexpected', message: 'screen already bound' });
      t.attachScreen(conn);
    },
    sessions: async (conn, f) => {
      const t = this.bound(conn, f);
      if (!t) return;
      if (t.hasSessions) return conn.close({ type: 'error', code: 'unexpected', message: 'sessions already bound' });
      t.attachSessions(conn);
    },
  };

  private bound(conn: FramedSocket, f: Frame): LanTransport | undefined {
    if (f.type !== 'bind') {
      conn.close(expected('bind', f.type));
      return undefined;
    }
    const t = this.byKey.get(f.key.toString('hex'));
    if (!t || t.isClosed) {
      conn.close({ type: 'error', code: 'bad_key', message: 'unknown session key' });
      return undefined;
    }
    return t;
  }

  private async admit(conn: FramedSocket, ticket: string, log: Logger) {
    const agent = this.agent;
    const v = agent.verifier.verify(ticket, { transport: 'lan' });
    if (!v.ok) {
      log.warn({ reason: v.reason }, 'LAN ticket refused');
      return conn.close({ type: 'error', code: 'invalid_ticket', message: 'ticket refused' });
    }
    const c = v.claims;
    this.forgetExpiredTickets();
    if (this.usedTickets.has(c.sid)) {
      log.warn({ sessionId: c.sid }, 'LAN ticket replayed');
      return conn.close({ type: 'error', code: 'invalid_ticket', message: 'ticket already used' });
    }
    this.usedTickets.set(c.sid, c.exp * 1000);
    const ctl = new AbortController();
    conn.on('closed', () => ctl.abort());
    const outcome = await agent.consent.decide(
      { sessionId: c.sid, operator: c.name, mode: c.mode, transport: 'lan' },
      agent.consent.policy.consentTimeoutSeconds,
      ctl.signal,
    );
    if (ctl.signal.aborted) {
      agent.reportLan(c.sid, 'denied', 'the console left while the user was asked');
      return log.info({ sessionId: c.sid }, 'console left while asking');
    }
    if (!outcome.ok) {
      agent.reportLan(c.sid, 'denied', outcome.reason);
      log.info({ sessionId: c.sid, reason: outcome.reason }, 'LAN session denied');
      const code = outcome.reason === 'consent-timeout' ? 'consent_timeout' : 'denied';
      return conn.close({ type: 'error', code, message: outcome.reason });
    }
    const session = agent.addSession({
      id: c.sid,
      mode: c.mode,
      transport: 'lan',
      operator: c.name,
      userSession: await agent.defaultUserSession(),
    });
    const key = randomBytes(SESSION_KEY_BYTES);
    const keyHex = key.toString('hex');
    const t = new LanTransport(session, agent.capture);
    session.transport = t;
    this.byKey.set(keyHex, t);
    t.on('closed', (reason) => {
      this.byKey.delete(keyHex);
      agent.endSession(c.sid, reason, true);
    });
    const bindTimer = setTimeout(() => {
      if (!t.hasScreen) t.close('the console never opened the screen connection');
    }, BIND_WITHIN_MS);
    bindTimer.unref();
    t.on('connected', () => clearTimeout(bindTimer));
    agent.reportLan(c.sid, 'accepted');
    log.info({ sessionId: c.sid, mode: c.mode, operator: c.name }, 'LAN session accepted');
    conn.close({ type: 'lan.accepted', sessionId: c.sid, mode: c.mode, key });
  }

  private forgetExpiredTickets() {
    const now = Date.now();
    for (const [sid, exp] of this.usedTickets) if (exp < now - 60_000) this.usedTickets.delete(sid);
  }
}

function expected(what: string, got: string): Frame {
  return { type: 'error', code: 'unexpected', message: `expected ${what}, got ${got}` };
}
