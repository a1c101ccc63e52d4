// Relay sockets bound on ports from the configured range (RFC 8656 §7.2 "the server allocates a
// relayed transport address"), plus the port reservations of EVEN-PORT R=1 (§7.2, §14.6): the odd
// port above an even allocation is bound at once and held for 30 s under a RESERVATION-TOKEN.
import { randomBytes } from 'node:crypto';
import dgram from 'node:dgram';
import type { FamilyName } from '../stun/constants';
import { flushBeforeClose } from './udp-send/sender';

/** RFC 8656 §7.2: "the server SHOULD reserve the relayed transport address for 30 seconds". */
export const RESERVATION_MS = 30_000;
const MAX_BIND_ATTEMPTS = 64;
export const SOCKET_BUFFER_BYTES = 4 * 1024 * 1024;

interface Reservation {
  socket: dgram.Socket;
  port: number;
  family: FamilyName;
  timer: NodeJS.Timeout;
}

export interface BoundRelay {
  socket: dgram.Socket;
  port: number;
  reservationToken?: Buffer;
}

/** Resolves IP literals synchronously: dgram otherwise defers every send through dns.lookup. */
export function literalLookup(
  address: string,
  _options: unknown,
  callback: (err: Error | null, address: string, family: number) => void,
): void {
  callback(null, address, address.includes(':') ? 6 : 4);
}

export class PortPool {
  private readonly inUse = new Set<number>();
  private readonly reservations = new Map<string, Reservation>();

  constructor(
    private readonly range: [number, number],
    private readonly bindAddress: (family: FamilyName) => string,
  ) {}

  get size(): number {
    return this.range[1] - this.range[0] + 1;
  }

  /** Binds a relay socket, or returns undefined when no port in the range could be bound (508). */
  async bind(
    family: FamilyName,
    options: { even?: boolean; reserveNext?: boolean } = {},
  ): Promise<BoundRelay | undefined> {
    const [lo, hi] = this.range;
    const span = hi - lo + 1;
    const start = randomBytes(4).readUInt32BE(0) % span;
    let attempts = 0;
    for (let i = 0; i < span && attempts < MAX_BIND_ATTEMPTS; i++) {
      const port = lo + ((start + i) % span);
      if (this.inUse.has(port)) continue;
      if (options.even && port % 2 !== 0) continue;
      if (options.reserveNext && (port + 1 > hi || this.inUse.has(port + 1))) continue;
      attempts++;
      const socket = await this.tryBind(family, port);
      if (!socket) continue;
      if (!options.reserveNext) return { socket, port };
      const next = await this.tryBind(family, port + 1);
      if (!next) {
        this.release(port, socket);
        continue;
      }
      return { socket, port, reservationToken: this.reserve(next, port + 1, family) };
    }
    return undefined;
  }

  /** Takes the socket held under a RESERVATION-TOKEN, if the token is known and of this family. */
  claim(token: Buffer, family: FamilyName): BoundRelay | undefined {
    const key = token.toString('hex');
    const r = this.reservations.get(key);
    if (!r || r.family !== family) return undefined;
    clearTimeout(r.timer);
    this.reservations.delete(key);
    return { socket: r.socket, port: r.port };
  }

  release(port: number, socket: dgram.Socket): void {
    this.inUse.delete(port);
    closeQuietly(socket);
  }

  close(): void {
    for (const r of this.reservations.values()) {
      clearTimeout(r.timer);
      this.release(r.port, r.socket);
    }
    this.reservations.clear();
  }

  private reserve(socket: dgram.Socket, port: number, family: FamilyName): Buffer {
    const token = randomBytes(8);
    const key = token.toString('hex');
    const timer = setTimeout(() => {
      this.reservations.delete(key);
      this.release(port, socket);
    }, RESERVATION_MS);
    this.reservations.set(key, { socket, port, family, timer });
    return token;
  }

  private tryBind(family: FamilyName, port: number): Promise<dgram.Socket | undefined> {
    this.inUse.add(port);
    const socket = dgram.createSocket({
      type: family === 'IPv4' ? 'udp4' : 'udp6',
      ipv6Only: family === 'IPv6',
      lookup: literalLookup,
      recvBufferSize: SOCKET_BUFFER_BYTES,
      sendBufferSize: SOCKET_BUFFER_BYTES,
    });
    return new Promise((resolve) => {
      const onError = () => {
        // EADDRINUSE (another process holds it) or the family is unavailable: try elsewhere.
        this.inUse.delete(port);
        closeQuietly(socket);
        resolve(undefined);
      };
      socket.once('error', onError);
      socket.bind({ port, address: this.bindAddress(family), exclusive: true }, () => {
        socket.off('error', onError);
        resolve(socket);
      });
    });
  }
}

/** Closing a socket twice throws ERR_SOCKET_DGRAM_NOT_RUNNING; every owner here closes exactly once, this guards teardown races. */
export function closeQuietly(socket: dgram.Socket): void {
  // Datagrams batched this turn were sent, as far as their senders know: they go out before the fd closes.
  flushBeforeClose(socket);
  try {
    socket.close();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ERR_SOCKET_DGRAM_NOT_RUNNING') throw err;
  }
}
