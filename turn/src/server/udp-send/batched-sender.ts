// A UdpSender that queues datagrams during one event-loop turn and sends them with one sendmmsg(2)
// per socket in setImmediate: every 'message' callback of the same poll phase (libuv reads up to 32
// datagrams per socket wakeup, across all ready sockets) adds to the batch, and the check phase that
// follows flushes it. Node's dgram send stays the fallback, so nothing Node would have sent is dropped:
// - EAGAIN (socket buffer full), a partial send or any other error: the unsent rest goes through
//   dgram, which queues it in libuv, or fails it silently as a send without callback always did;
//   until those fallback sends complete, later datagrams also go through dgram so their order is kept;
// - datagrams larger than a slot, or addresses that are not plain IP literals of the socket's family.
// The fd is used only while the socket's handle is the one it was read from: closeQuietly flushes
// before close (flushBeforeClose), and a flush after close drops its batch, as dgram would have thrown.
import type dgram from 'node:dgram';
import { encodeChannelData } from '../../stun/channel-data';
import { SendArena } from './arena';
import { IpBytesCache } from './ip-bytes';
import type { UdpSender } from './sender';
import { EINTR, MSG_DONTWAIT, type SendmmsgNative } from './sendmmsg-ffi';

/** Arenas kept per thread; beyond this many sockets sending in one turn, the rest use dgram. */
export const MAX_ARENAS = 256;
/** EINTR retries per flush; MSG_DONTWAIT makes EINTR unlikely, this only bounds the loop. */
const MAX_EINTR_RETRIES = 3;

interface UdpHandle {
  fd?: number;
}
/** Node's per-socket state: `handle` is set to null when the socket closes. */
interface SocketState {
  handle?: UdpHandle | null;
}

/** Node keeps a dgram socket's state under an internal symbol; `_handle` works too but prints a deprecation. */
function stateOf(socket: dgram.Socket): SocketState | undefined {
  const key = Object.getOwnPropertySymbols(socket).find((s) => s.description === 'state symbol');
  const state = key ? (socket as unknown as Record<symbol, unknown>)[key] : undefined;
  return typeof state === 'object' && state !== null ? (state as SocketState) : undefined;
}

const senders = new WeakMap<dgram.Socket, BatchedUdpSender>();

/** Sends what `socket` has queued now; closeQuietly calls it right before closing the socket. */
export function flushBeforeClose(socket: dgram.Socket): void {
  senders.get(socket)?.flush();
}

// Per thread: the senders with a batch waiting, one setImmediate for all of them, and free arenas.
const dirty: BatchedUdpSender[] = [];
let flushScheduled = false;
const freeArenas: SendArena[] = [];
let arenasMade = 0;

function flushAll(): void {
  flushScheduled = false;
  for (let i = 0; i < dirty.length; i++) dirty[i]!.flush();
  dirty.length = 0;
}

export class BatchedUdpSender implements UdpSender {
  private arena: SendArena | undefined;
  private fallbackInFlight = 0;
  private readonly ips: IpBytesCache;
  // Node's dgram drops the send errors of a send without callback (no 'error' event); the callback is
  // here only to know when the fallback is done, and its error is dropped the same way.
  private readonly onFallbackSent = () => {
    this.fallbackInFlight--;
  };

  private constructor(
    private readonly socket: dgram.Socket,
    private readonly state: SocketState,
    private readonly handle: UdpHandle,
    private readonly fd: number,
    family: 'IPv4' | 'IPv6',
    private readonly native: SendmmsgNative,
  ) {
    this.ips = new IpBytesCache(family);
  }

  /** A batched sender for a bound socket, or undefined when its fd cannot be read. */
  static attach(socket: dgram.Socket, native: SendmmsgNative): BatchedUdpSender | undefined {
    const state = stateOf(socket);
    const handle = state?.handle;
    const fd = handle?.fd;
    if (!state || !handle || typeof fd !== 'number' || fd < 0) return undefined;
    let family: 'IPv4' | 'IPv6';
    try {
      family = socket.address().family === 'IPv6' ? 'IPv6' : 'IPv4';
    } catch {
      return undefined; // not bound
    }
    const sender = new BatchedUdpSender(socket, state, handle, fd, family, native);
    senders.set(socket, sender);
    return sender;
  }

  send(data: Buffer, port?: number, address?: string): void {
    this.queue(data, -1, port, address);
  }

  sendChannelData(channel: number, data: Buffer, port?: number, address?: string): void {
    this.queue(data, channel, port, address);
  }

  /** Sends the queued batch now. Safe to call at any time; does nothing when nothing is queued. */
  flush(): void {
    const arena = this.arena;
    if (!arena) return;
    this.arena = undefined;
    const count = arena.count;
    let sent = 0;
    if (this.isOpen()) {
      let eintr = 0;
      while (sent < count) {
        const n = this.native.sendmmsg(this.fd, arena.messageAddress(sent), count - sent, MSG_DONTWAIT);
        if (n > 0) sent += n;
        else if (n < 0 && this.native.errno() === EINTR && eintr++ < MAX_EINTR_RETRIES) continue;
        else break; // EAGAIN or an error: the rest goes through dgram below
      }
      for (let i = sent; i < count; i++) this.viaDgram(arena.datagram(i), arena.ports[i]!, arena.addresses[i]);
    }
    arena.reset();
    freeArenas.push(arena);
  }

  private queue(data: Buffer, channel: number, port: number | undefined, address: string | undefined): void {
    const headerBytes = channel >= 0 ? 4 : 0;
    const ip = address === undefined ? undefined : this.ips.get(address);
    const arena =
      this.fallbackInFlight > 0 || (address !== undefined && ip === undefined)
        ? undefined
        : this.arenaFor(data, headerBytes);
    if (!arena) {
      // Queued datagrams leave first, so this one does not overtake them.
      this.flush();
      this.viaDgram(channel >= 0 ? encodeChannelData(channel, data, false) : data, port ?? -1, address);
      return;
    }
    arena.put(data, channel, ip, port ?? 0, address);
    if (arena.full) this.flush();
  }

  /** This turn's arena with room for the datagram, or undefined when it must go through dgram. */
  private arenaFor(data: Buffer, headerBytes: number): SendArena | undefined {
    let arena = this.arena;
    if (arena) return data.length + headerBytes <= arena.slotBytes ? arena : undefined;
    arena = freeArenas.pop();
    if (!arena) {
      if (arenasMade >= MAX_ARENAS) return undefined;
      arena = new SendArena(this.native);
      arenasMade++;
    }
    if (data.length + headerBytes > arena.slotBytes) {
      freeArenas.push(arena);
      return undefined;
    }
    this.arena = arena;
    dirty.push(this);
    if (!flushScheduled) {
      flushScheduled = true;
      setImmediate(flushAll);
    }
    return arena;
  }

  private viaDgram(datagram: Buffer, port: number, address: string | undefined): void {
    if (!this.isOpen()) return;
    this.fallbackInFlight++;
    try {
      if (address === undefined) this.socket.send(datagram, this.onFallbackSent);
      else this.socket.send(datagram, port, address, this.onFallbackSent);
    } catch {
      // dgram throws for arguments it rejects (port 0 from a peer address): dropped like a failed send,
      // never thrown out of the flush, which would strand the other sockets' batches.
      this.fallbackInFlight--;
    }
  }

  /** The fd is ours to use only while the socket still holds the handle it came from. */
  private isOpen(): boolean {
    return this.state.handle === this.handle;
  }
}
