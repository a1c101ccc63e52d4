// The console's WebSocket to the relay (/ws/console): live presence for the device list and the
// signalling of remote sessions. Reconnects with backoff; listeners subscribe by message type.
import {
  type DeviceSummary,
  decodeServerToConsole,
  type ServerConsoleMessage,
  WS_BEARER_PREFIX,
  WS_SUBPROTOCOL,
} from '@rc-relay/protocol';

type Msg = ServerConsoleMessage;
type Listener = (m: Msg) => void;
type OutMsg =
  | { type: 'session.attach'; sessionId: string }
  | { type: 'signal'; sessionId: string; payload: unknown }
  | { type: 'session.end'; sessionId: string; reason?: string };

let seq = 0;

export class ConsoleSocket {
  /** Every device in scope, by id, as the last snapshot and updates say. */
  readonly devices = new Map<string, DeviceSummary>();
  operator: { id: string; username: string; role: string } | null = null;
  connected = false;
  private ws: WebSocket | null = null;
  private readonly listeners = new Set<Listener>();
  private readonly presenceListeners = new Set<() => void>();
  private readonly stateListeners = new Set<(up: boolean) => void>();
  private snapshot = new Map<string, DeviceSummary>();
  private retryMs = 500;
  private timer: number | undefined;
  private stopped = false;

  constructor(private readonly token: () => string | null) {}

  start(): void {
    this.stopped = false;
    this.open();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.ws?.close(1000, 'logout');
    this.ws = null;
  }

  send(m: OutMsg): boolean {
    if (!this.ws || this.ws.readyState !== WebSocket.OPEN) return false;
    this.ws.send(JSON.stringify({ ...m, id: `c${++seq}` }));
    return true;
  }

  /** Every message from the relay; returns the unsubscribe function. */
  on(l: Listener): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }

  onPresence(l: () => void): () => void {
    this.presenceListeners.add(l);
    return () => this.presenceListeners.delete(l);
  }

  onState(l: (up: boolean) => void): () => void {
    this.stateListeners.add(l);
    return () => this.stateListeners.delete(l);
  }

  /** Resolves once the socket is open and welcomed (or rejects after `ms`). */
  ready(ms = 10_000): Promise<void> {
    if (this.connected) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => {
        off();
        reject(new Error('The relay’s signalling socket did not open.'));
      }, ms);
      const off = this.onState((up) => {
        if (!up) return;
        clearTimeout(t);
        off();
        resolve();
      });
    });
  }

  private open() {
    const token = this.token();
    if (!token || this.stopped) return;
    const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws/console`;
    const ws = new WebSocket(url, [WS_SUBPROTOCOL, `${WS_BEARER_PREFIX}${token}`]);
    this.ws = ws;
    ws.onmessage = (ev) => {
      if (typeof ev.data !== 'string') return;
      const r = decodeServerToConsole(ev.data);
      if (!r.ok) {
        console.warn(`relay sent an invalid message: ${r.message}`);
        return;
      }
      this.dispatch(r.msg);
    };
    ws.onclose = () => {
      if (this.ws !== ws) return;
      this.ws = null;
      this.setConnected(false);
      if (this.stopped) return;
      this.timer = window.setTimeout(() => this.open(), this.retryMs * (0.5 + Math.random()));
      this.retryMs = Math.min(this.retryMs * 2, 15_000);
    };
  }

  private dispatch(m: Msg) {
    if (m.type === 'welcome') {
      this.operator = m.operator;
      this.retryMs = 500;
      this.snapshot = new Map();
      this.setConnected(true);
    } else if (m.type === 'presence.snapshot') {
      for (const d of m.devices) this.snapshot.set(d.id, d);
      if (!m.more) {
        this.devices.clear();
        for (const [id, d] of this.snapshot) this.devices.set(id, d);
        this.presenceChanged();
      }
    } else if (m.type === 'presence.update') {
      this.devices.set(m.device.id, m.device);
      this.presenceChanged();
    } else if (m.type === 'presence.remove') {
      this.devices.delete(m.deviceId);
      this.presenceChanged();
    } else if (m.type === 'shutdown') {
      this.retryMs = Math.max(500, m.reconnectAfterMs);
    }
    for (const l of [...this.listeners]) {
      try {
        l(m);
      } catch (err) {
        console.error('signalling listener failed', err);
      }
    }
  }

  private presenceChanged() {
    for (const l of [...this.presenceListeners]) l();
  }

  private setConnected(up: boolean) {
    this.connected = up;
    for (const l of [...this.stateListeners]) l(up);
  }
}
