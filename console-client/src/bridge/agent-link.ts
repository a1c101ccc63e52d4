// The console's side of LAN mode (DESIGN.md "LAN session"): TLS to the agent pinned to the
// certificate fingerprint the relay put in the ticket, `lan.connect` on 42189, then `bind` with the
// session key on 42187 (screen, input, clipboard) and 42188 (user sessions).
import { createHash } from 'node:crypto';
import tls from 'node:tls';
import { encodeFrame, type Frame, type FrameErrorCode, FrameReader } from '@rc-relay/protocol';
import { Emitter } from './emitter';

export interface LanTicket {
  ticket: string;
  addresses: string[];
  ports: { connect: number; screen: number; sessions: number };
  certFingerprint: string;
}

export type LanErrorCode = FrameErrorCode | 'unreachable' | 'tls_pin';

export class LanError extends Error {
  constructor(
    readonly code: LanErrorCode,
    message: string,
    /** Nothing answered within the deadline (as opposed to a refusal). */
    readonly timedOut = false,
  ) {
    super(message);
  }
}

const CONNECT_TIMEOUT_MS = 4000;

/** Opens TLS to host:port and checks the agent's certificate against the pinned fingerprint. */
export function openPinned(host: string, port: number, fingerprint: string): Promise<tls.TLSSocket> {
  return new Promise((resolve, reject) => {
    // The agent's certificate is self-signed: trust is exactly the fingerprint the relay vouched for
    // in the signed ticket, checked below before a single frame is sent.
    const s = tls.connect({ host, port, rejectUnauthorized: false, minVersion: 'TLSv1.2' });
    const timer = setTimeout(
      () => s.destroy(new LanError('unreachable', `${host}:${port} did not answer in ${CONNECT_TIMEOUT_MS} ms`, true)),
      CONNECT_TIMEOUT_MS,
    );
    s.once('secureConnect', () => {
      clearTimeout(timer);
      const cert = s.getPeerCertificate();
      const fp = cert?.raw ? createHash('sha256').update(cert.raw).digest('hex') : '';
      if (fp !== fingerprint.toLowerCase()) {
        s.destroy();
        return reject(
          new LanError(
            'tls_pin',
            `the agent at ${host}:${port} presented certificate ${fp.slice(0, 16)}…, not the one the relay vouched for (${fingerprint.slice(0, 16)}…)`,
          ),
        );
      }
      s.off('error', onError);
      resolve(s);
    });
    const onError = (err: Error) => {
      clearTimeout(timer);
      reject(err instanceof LanError ? err : new LanError('unreachable', `${host}:${port}: ${err.message}`));
    };
    s.once('error', onError);
  });
}

/** A TLS socket that speaks frames. Bad frames from the agent are reported, never thrown. */
export class AgentConn extends Emitter<{ frame: [Frame, Buffer]; bad: [string]; closed: [] }> {
  private readonly reader = new FrameReader();
  private closed = false;

  constructor(readonly socket: tls.TLSSocket) {
    super();
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => {
      const rs = this.reader.push(chunk);
      if (rs === 'overflow') {
        this.emit('bad', 'the agent broke the framing');
        return this.destroy();
      }
      for (const r of rs) {
        if (r.ok) this.emit('frame', r.frame, encodeFrame(r.frame));
        else this.emit('bad', r.message);
      }
    });
    socket.on('error', () => {});
    socket.on('close', () => {
      this.closed = true;
      this.emit('closed');
    });
  }

  get isClosed() {
    return this.closed || this.socket.destroyed;
  }

  /** Writes a frame (or an already encoded one); false when the socket wants the caller to wait for `drain`. */
  send(f: Frame | Buffer): boolean {
    if (this.isClosed) return true;
    return this.socket.write(Buffer.isBuffer(f) ? f : encodeFrame(f));
  }

  /** Resolves with the first frame matching `pred`; rejects on close or after `ms`. */
  next<T extends Frame>(pred: (f: Frame) => f is T, ms: number, what: string): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(
        () => done(new LanError('unreachable', `no ${what} from the agent in ${ms / 1000} s`, true)),
        ms,
      );
      const offFrame = this.on('frame', (f) => {
        if (pred(f)) done(undefined, f);
        else if (f.type === 'error') done(new LanError(f.code, f.message));
      });
      const offClosed = this.on('closed', () => done(new LanError('unreachable', `the agent closed before ${what}`)));
      function done(err?: Error, f?: T) {
        clearTimeout(timer);
        offFrame();
        offClosed();
        if (err) reject(err);
        else resolve(f!);
      }
    });
  }

  close(): void {
    if (this.isClosed) return;
    this.socket.end();
    setTimeout(() => this.socket.destroy(), 1000).unref();
  }

  destroy(): void {
    this.socket.destroy();
  }
}

export interface Admission {
  host: string;
  sessionId: string;
  mode: 'view' | 'control';
  key: Buffer;
}

/**
 * 42189: tries the ticket's addresses in order and presents the ticket at the first that answers.
 * `consentMs` bounds the wait for the device user's answer.
 */
export async function admit(lan: LanTicket, consentMs: number, signal?: AbortSignal): Promise<Admission> {
  let last: LanError | undefined;
  for (const host of lan.addresses) {
    let socket: tls.TLSSocket;
    try {
      socket = await openPinned(host, lan.ports.connect, lan.certFingerprint);
    } catch (err) {
      last = err as LanError;
      // A wrong certificate is an answer, not a missing route: do not try the ticket elsewhere.
      if (last.code === 'tls_pin') throw last;
      continue;
    }
    const conn = new AgentConn(socket);
    // Leaving while the device user is asked closes the connection: the agent withdraws its prompt.
    const onAbort = () => conn.destroy();
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      conn.send({ type: 'lan.connect', ticket: lan.ticket });
      const isAccepted = (f: Frame): f is Extract<Frame, { type: 'lan.accepted' }> => f.type === 'lan.accepted';
      const a = await conn.next(isAccepted, consentMs, 'answer to the connection request');
      return { host, sessionId: a.sessionId, mode: a.mode, key: Buffer.from(a.key) };
    } finally {
      signal?.removeEventListener('abort', onAbort);
      conn.close();
    }
  }
  throw last ?? new LanError('unreachable', 'the ticket lists no LAN address');
}

/** 42187 or 42188: opens the port on the admitted host and binds it to the session. */
export async function bind(lan: LanTicket, a: Admission, port: 'screen' | 'sessions'): Promise<AgentConn> {
  const conn = new AgentConn(await openPinned(a.host, lan.ports[port], lan.certFingerprint));
  conn.send({ type: 'bind', key: a.key });
  return conn;
}
