// A LAN console written only against the protocol: TLS pinned to the agent's certificate
// fingerprint from the LAN ticket, frames from @rc-relay/protocol.
import { createHash } from 'node:crypto';
import tls from 'node:tls';
import { encodeFrame, type Frame, FrameReader } from '@rc-relay/protocol';

export class LanConn {
  readonly frames: Frame[] = [];
  bytes = 0;
  private readonly reader = new FrameReader();
  private waiters: { pred: (f: Frame) => boolean; resolve: (f: Frame) => void }[] = [];
  closed: Promise<void>;
  onFrame: (f: Frame) => void = () => {};

  private constructor(readonly socket: tls.TLSSocket) {
    this.closed = new Promise((resolve) => socket.on('close', () => resolve()));
    socket.on('error', () => {});
    socket.on('data', (chunk: Buffer) => {
      this.bytes += chunk.length;
      const rs = this.reader.push(chunk);
      if (rs === 'overflow') throw new Error('agent broke framing');
      for (const r of rs) {
        if (!r.ok) throw new Error(`agent sent a bad frame: ${r.message}`);
        this.onFrame(r.frame);
        const w = this.waiters.find((x) => x.pred(r.frame));
        if (w) {
          this.waiters = this.waiters.filter((x) => x !== w);
          w.resolve(r.frame);
        } else this.frames.push(r.frame);
      }
    });
  }

  static open(host: string, port: number, fingerprint: string): Promise<LanConn> {
    return new Promise((resolve, reject) => {
      // The agent's certificate is self-signed; trust is the fingerprint the relay vouched for.
      const s = tls.connect({ host, port, rejectUnauthorized: false }, () => {
        const fp = createHash('sha256').update(s.getPeerCertificate().raw).digest('hex');
        if (fp !== fingerprint) {
          s.destroy();
          return reject(new Error('agent certificate does not match the ticket'));
        }
        resolve(new LanConn(s));
      });
      s.once('error', reject);
    });
  }

  send(f: Frame) {
    this.socket.write(encodeFrame(f));
  }

  wait<K extends Frame['type']>(type: K, pred: (f: Extract<Frame, { type: K }>) => boolean = () => true, ms = 5000) {
    const match = (f: Frame) => f.type === type && pred(f as Extract<Frame, { type: K }>);
    const i = this.frames.findIndex(match);
    if (i >= 0) return Promise.resolve(this.frames.splice(i, 1)[0] as Extract<Frame, { type: K }>);
    return new Promise<Extract<Frame, { type: K }>>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`no ${type} within ${ms} ms`)), ms);
      this.waiters.push({
        pred: match,
        resolve: (f) => {
          clearTimeout(t);
          resolve(f as Extract<Frame, { type: K }>);
        },
      });
    });
  }

  close() {
    this.socket.end();
    return this.closed;
  }
}

export interface LanOffer {
  ticket: string;
  addresses: string[];
  ports: { connect: number; screen: number; sessions: number };
  certFingerprint: string;
}

/** 42189: presents the ticket; resolves to the accepted frame or the error frame. */
export async function lanConnect(lan: LanOffer, ticket = lan.ticket) {
  const c = await LanConn.open('127.0.0.1', lan.ports.connect, lan.certFingerprint);
  c.send({ type: 'lan.connect', ticket });
  const first = await new Promise<Frame>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('no answer on the connect port')), 8000);
    const done = (f: Frame) => {
      clearTimeout(t);
      resolve(f);
    };
    if (c.frames[0]) return done(c.frames.shift()!);
    c.onFrame = done;
  });
  await c.closed;
  return first;
}

export async function lanBind(lan: LanOffer, port: 'screen' | 'sessions', key: Buffer) {
  const c = await LanConn.open('127.0.0.1', lan.ports[port], lan.certFingerprint);
  c.send({ type: 'bind', key });
  return c;
}
