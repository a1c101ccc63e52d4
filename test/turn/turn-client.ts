// A small TURN client over our own codec for protocol tests: one UDP socket or TCP connection, the
// 401 → credentials dance of RFC 8489 §9.2, and helpers for each TURN request. Tests assert on the
// raw responses, so this client hides nothing but the framing.
import { randomBytes } from 'node:crypto';
import dgram from 'node:dgram';
import net from 'node:net';
import { longTermKey } from '../../turn/src/auth/credentials';
import type { TransportAddress } from '../../turn/src/stun/attributes/address';
import { ErrorCodeAttr } from '../../turn/src/stun/attributes/error-code';
import { Nonce } from '../../turn/src/stun/attributes/nonce';
import { Realm } from '../../turn/src/stun/attributes/realm';
import { Username } from '../../turn/src/stun/attributes/username';
import { MessageBuilder } from '../../turn/src/stun/builder';
import { channelDataFrameLength } from '../../turn/src/stun/channel-data';
import { MessageClass } from '../../turn/src/stun/constants';
import { decodeMessage, readAttribute, type StunMessage } from '../../turn/src/stun/message';

export interface Credentials {
  username: string;
  password: string;
}

type Incoming = { kind: 'stun'; msg: StunMessage } | { kind: 'channel'; channel: number; data: Buffer };

export class TurnTestClient {
  private readonly waiting = new Map<string, (m: StunMessage) => void>();
  private readonly listeners = new Set<(i: Incoming) => void>();
  realm = '';
  nonce = '';
  private pending: Buffer = Buffer.alloc(0);

  private constructor(
    private readonly write: (b: Buffer) => void,
    readonly close: () => void,
    public credentials: Credentials,
    /** The client's local port (UDP only; 0 for streams). */
    readonly localPort = 0,
  ) {}

  /** `local` picks the client's own loopback address (benchmarks use a fresh one per run). */
  static async udp(
    port: number,
    credentials: Credentials,
    host = '127.0.0.1',
    local?: string,
  ): Promise<TurnTestClient> {
    const socket = dgram.createSocket(host.includes(':') ? 'udp6' : 'udp4');
    await new Promise<void>((r) => socket.bind(0, local ?? (host.includes(':') ? '::1' : '127.0.0.1'), r));
    const client = new TurnTestClient(
      (b) => socket.send(b, port, host),
      () => socket.close(),
      credentials,
      socket.address().port,
    );
    socket.on('message', (m) => client.receive(m, false));
    return client;
  }

  static async tcp(port: number, credentials: Credentials): Promise<TurnTestClient> {
    const socket = net.connect(port, '127.0.0.1');
    await new Promise<void>((r, j) => socket.once('connect', r).once('error', j));
    const client = new TurnTestClient(
      (b) => socket.write(b),
      () => socket.destroy(),
      credentials,
    );
    socket.on('data', (d) => client.receive(d, true));
    return client;
  }

  send(raw: Buffer): void {
    this.write(raw);
  }

  onIncoming(fn: (i: Incoming) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** Sends a request and resolves with the response to its transaction (or rejects after timeoutMs). */
  request(
    method: number,
    add: (b: MessageBuilder) => void = () => {},
    opts: { auth?: boolean; key?: Buffer; timeoutMs?: number } = {},
  ): Promise<StunMessage> {
    const tx = randomBytes(12);
    const b = new MessageBuilder(method, MessageClass.Request, tx);
    add(b);
    const auth = opts.auth ?? true;
    if (auth) b.add(Username, this.credentials.username).add(Realm, this.realm).add(Nonce, this.nonce);
    const raw = b.build({ integrityKey: auth ? (opts.key ?? this.key()) : undefined, fingerprint: true });
    return this.exchange(tx, raw, opts.timeoutMs ?? 2000);
  }

  exchange(tx: Buffer, raw: Buffer, timeoutMs = 2000): Promise<StunMessage> {
    return new Promise((resolve, reject) => {
      const id = tx.toString('hex');
      const timer = setTimeout(() => {
        this.waiting.delete(id);
        reject(new Error('no response'));
      }, timeoutMs);
      this.waiting.set(id, (m) => {
        clearTimeout(timer);
        resolve(m);
      });
      this.write(raw);
    });
  }

  /** RFC 8489 §9.2.3: the first request without credentials yields REALM and NONCE; then retry. */
  async authed(method: number, add: (b: MessageBuilder) => void = () => {}): Promise<StunMessage> {
    if (!this.nonce) {
      const challenge = await this.request(method, add, { auth: false });
      this.learn(challenge);
    }
    let res = await this.request(method, add);
    if (errorCode(res) === 438) {
      this.learn(res);
      res = await this.request(method, add);
    }
    return res;
  }

  learn(res: StunMessage): void {
    const realm = readAttribute(res, Realm);
    const nonce = readAttribute(res, Nonce);
    if (realm.present && realm.value) this.realm = realm.value;
    if (nonce.present && nonce.value) this.nonce = nonce.value;
  }

  key(): Buffer {
    return longTermKey(this.credentials.username, this.realm, this.credentials.password);
  }

  private receive(chunk: Buffer, stream: boolean): void {
    const all = stream ? Buffer.concat([this.pending, chunk]) : chunk;
    let buf = all;
    while (buf.length >= 4) {
      const isChannel = (buf[0]! & 0xc0) === 0x40;
      const length = isChannel ? (stream ? channelDataFrameLength(buf) : buf.length) : 20 + buf.readUInt16BE(2);
      if (buf.length < length) break;
      const frame = buf.subarray(0, length);
      buf = buf.subarray(length);
      if (isChannel) {
        const data = frame.subarray(4, 4 + frame.readUInt16BE(2));
        for (const l of this.listeners) l({ kind: 'channel', channel: frame.readUInt16BE(0), data });
        continue;
      }
      const r = decodeMessage(frame);
      if (!r.ok) continue;
      const waiter = this.waiting.get(r.message.transactionId.toString('hex'));
      if (waiter) {
        this.waiting.delete(r.message.transactionId.toString('hex'));
        waiter(r.message);
      } else for (const l of this.listeners) l({ kind: 'stun', msg: r.message });
      if (!stream) break;
    }
    this.pending = stream ? Buffer.from(buf) : Buffer.alloc(0);
  }
}

export function errorCode(msg: StunMessage): number | undefined {
  const e = readAttribute(msg, ErrorCodeAttr);
  return e.present ? e.value?.code : undefined;
}

export function isSuccess(msg: StunMessage): boolean {
  return msg.cls === MessageClass.SuccessResponse;
}

/** A UDP peer on loopback that records what it receives. */
export async function udpPeer(host = '127.0.0.1'): Promise<{
  socket: dgram.Socket;
  address: TransportAddress;
  received: { data: Buffer; from: dgram.RemoteInfo }[];
  next: (timeoutMs?: number) => Promise<{ data: Buffer; from: dgram.RemoteInfo }>;
}> {
  const socket = dgram.createSocket(host.includes(':') ? 'udp6' : 'udp4');
  await new Promise<void>((r) => socket.bind(0, host, r));
  const received: { data: Buffer; from: dgram.RemoteInfo }[] = [];
  const waiters: ((v: { data: Buffer; from: dgram.RemoteInfo }) => void)[] = [];
  socket.on('message', (data, from) => {
    const w = waiters.shift();
    if (w) w({ data, from });
    else received.push({ data, from });
  });
  return {
    socket,
    address: { address: host, port: socket.address().port, family: host.includes(':') ? 'IPv6' : 'IPv4' },
    received,
    next: (timeoutMs = 1000) =>
      new Promise((resolve, reject) => {
        const queued = received.shift();
        if (queued) return resolve(queued);
        const timer = setTimeout(() => reject(new Error('peer received nothing')), timeoutMs);
        waiters.push((v) => {
          clearTimeout(timer);
          resolve(v);
        });
      }),
  };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
