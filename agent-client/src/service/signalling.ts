// The one WebSocket to the relay: hello first, typed dispatch of what the relay sends, reconnect
// with backoff and jitter, and a dead-relay detector driven by the relay's own pings.
import { type AgentMessage, CloseCode, decodeServerToAgent, type ServerAgentMessage } from '@rc-relay/protocol';
import WebSocket from 'ws';
import type { Logger } from '../log';
import { Backoff } from './backoff';
import { type RelayTrust, relayTlsOptions } from './relay-tls';

type Outgoing = {
  [K in AgentMessage['type']]: Omit<Extract<AgentMessage, { type: K }>, 'id'> & { id?: string };
}[AgentMessage['type']];
type HelloFields = Omit<Extract<AgentMessage, { type: 'hello' }>, 'id' | 'type'>;

export type ServerHandlers = {
  [K in ServerAgentMessage['type']]: (m: Extract<ServerAgentMessage, { type: K }>) => void;
};

export interface SignallingOptions extends RelayTrust {
  server: string;
  deviceToken: string;
  /** Facts for `hello`, read fresh on every connect (sessions still up after an outage included). */
  hello: () => Promise<HelloFields>;
  handlers: ServerHandlers;
  log: Logger;
  backoff?: { baseMs: number; capMs: number };
  /** Called when the relay says this device is revoked: retrying is pointless. */
  onRevoked?: () => void;
  onOnline?: (online: boolean) => void;
}

/** Missed relay pings (of welcome.heartbeatSeconds) before the connection is presumed dead. */
const DEAD_AFTER_HEARTBEATS = 3;

export class SignallingClient {
  private ws: WebSocket | undefined;
  private readonly backoff: Backoff;
  private retryTimer: NodeJS.Timeout | undefined;
  private deadTimer: NodeJS.Timeout | undefined;
  private heartbeatMs = 0;
  private lastHeard = 0;
  private stopped = true;
  private nextDelayOverride: number | undefined;
  private seq = 0;
  online = false;
  connects = 0;

  constructor(private o: SignallingOptions) {
    this.backoff = new Backoff(o.backoff ?? { baseMs: 1000, capMs: 60_000 });
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.connect();
  }

  /** Points the client at another relay URL (the relay moved): drops the socket and reconnects now. */
  retarget(server: string): void {
    this.o = { ...this.o, server };
    this.ws?.terminate();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    clearInterval(this.deadTimer);
    const ws = this.ws;
    this.ws = undefined;
    if (!ws || ws.readyState === WebSocket.CLOSED) return;
    await new Promise<void>((resolve) => {
      ws.once('close', () => resolve());
      ws.close(CloseCode.goingAway, 'agent stopping');
      setTimeout(() => {
        ws.terminate();
        resolve();
      }, 1000).unref();
    });
  }

  /** Sends one message; false when not connected (callers decide whether that matters). */
  send(m: Outgoing): boolean {
    const ws = this.ws;
    if (!ws || ws.readyState !== WebSocket.OPEN || !this.online) return false;
    ws.send(JSON.stringify({ ...m, id: m.id ?? `a${++this.seq}` }));
    return true;
  }

  private connect() {
    if (this.stopped) return;
    const url = `${this.o.server.replace(/^http/, 'ws')}/ws/agent`;
    const ws = new WebSocket(url, {
      ...relayTlsOptions(this.o),
      headers: { authorization: `Bearer ${this.o.deviceToken}` },
      handshakeTimeout: 10_000,
      maxPayload: 1024 * 1024,
    });
    this.ws = ws;
    this.connects++;
    ws.on('unexpected-response', (_req, res) => {
      const status = res.statusCode ?? 0;
      const parts: Buffer[] = [];
      res.on('data', (d: Buffer) => parts.push(d));
      res.on('end', () => {
        const code = /"code":"([a-z_]+)"/.exec(Buffer.concat(parts).toString('utf8'))?.[1];
        this.o.log.warn({ status, code }, 'relay refused the agent connection');
        if (code === 'device_revoked') {
          this.stopped = true;
          this.o.onRevoked?.();
        }
        ws.terminate();
      });
    });
    ws.on('open', () => this.onOpen(ws));
    ws.on('ping', () => {
      this.lastHeard = Date.now();
    });
    ws.on('message', (data, isBinary) => {
      this.lastHeard = Date.now();
      if (isBinary) return this.o.log.warn('binary frame from the relay ignored');
      const r = decodeServerToAgent(Buffer.isBuffer(data) ? data : Buffer.from(data as ArrayBuffer));
      if (!r.ok) {
        this.o.log.warn({ code: r.code, message: r.message }, 'undecodable message from the relay');
        return;
      }
      this.dispatch(r.msg);
    });
    ws.on('error', (err) => this.o.log.debug({ err: err.message }, 'relay socket error'));
    ws.on('close', (code, reason) => this.onClose(ws, code, reason.toString()));
  }

  private async onOpen(ws: WebSocket) {
    this.lastHeard = Date.now();
    let facts: HelloFields;
    try {
      facts = await this.o.hello();
    } catch (err) {
      this.o.log.error({ err }, 'could not gather facts for hello');
      ws.terminate();
      return;
    }
    if (ws !== this.ws || ws.readyState !== WebSocket.OPEN) return;
    ws.send(JSON.stringify({ type: 'hello', id: `a${++this.seq}`, ...facts }));
  }

  private dispatch(m: ServerAgentMessage) {
    if (m.type === 'welcome') {
      this.online = true;
      this.backoff.reset();
      this.watchHeartbeat(m.heartbeatSeconds);
      this.o.log.info({ deviceId: m.deviceId }, 'online');
      this.o.onOnline?.(true);
    }
    if (m.type === 'shutdown') this.nextDelayOverride = m.reconnectAfterMs;
    try {
      (this.o.handlers[m.type] as (msg: ServerAgentMessage) => void)(m);
    } catch (err) {
      // A handler bug costs that one message, never the connection.
      this.o.log.error({ err, type: m.type }, 'handler failed');
    }
  }

  private watchHeartbeat(seconds: number) {
    clearInterval(this.deadTimer);
    this.heartbeatMs = seconds * 1000;
    this.deadTimer = setInterval(
      () => {
        if (Date.now() - this.lastHeard > this.heartbeatMs * DEAD_AFTER_HEARTBEATS) {
          this.o.log.warn({ silentMs: Date.now() - this.lastHeard }, 'relay silent; reconnecting');
          this.ws?.terminate();
        }
      },
      Math.max(50, this.heartbeatMs / 2),
    );
    this.deadTimer.unref();
  }

  private onClose(ws: WebSocket, code: number, reason: string) {
    if (ws !== this.ws && this.ws !== undefined) return;
    clearInterval(this.deadTimer);
    const wasOnline = this.online;
    this.online = false;
    if (wasOnline) {
      this.o.log.info({ code, reason }, 'offline');
      this.o.onOnline?.(false);
    }
    if (this.stopped) return;
    if (code === CloseCode.revoked) {
      this.stopped = true;
      this.o.log.error('device revoked by the relay; not reconnecting');
      this.o.onRevoked?.();
      return;
    }
    let delay = this.backoff.next();
    if (this.nextDelayOverride !== undefined) {
      // The relay said when to come back; a little jitter still spreads the herd.
      delay = this.nextDelayOverride + Math.round(Math.random() * Math.min(1000, this.nextDelayOverride / 4 + 100));
      this.nextDelayOverride = undefined;
    }
    this.o.log.debug({ delay }, 'reconnecting');
    this.retryTimer = setTimeout(() => this.connect(), delay);
  }
}
