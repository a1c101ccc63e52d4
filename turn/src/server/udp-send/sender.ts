// How the TURN server puts datagrams on its UDP sockets: one UdpSender per socket, the kind chosen
// once at start (udpSenders). `dgram` is Node's send, one native call per datagram; `sendmmsg`
// (batched-sender.ts) queues the datagrams of one event-loop turn and sends them in one syscall.
import type dgram from 'node:dgram';
import type { Logger } from '../../log';
import { encodeChannelData } from '../../stun/channel-data';
import { BatchedUdpSender, flushBeforeClose } from './batched-sender';
import { loadSendmmsg } from './sendmmsg-ffi';

export interface UdpSender {
  /** `port`/`address` are omitted on a connected socket. */
  send(data: Buffer, port?: number, address?: string): void;
  /** A ChannelData message (RFC 8656 §12.4, UDP: unpadded) built from `data` without an extra copy when batched. */
  sendChannelData(channel: number, data: Buffer, port?: number, address?: string): void;
}

export type UdpSendPath = 'sendmmsg' | 'dgram';

export interface UdpSenders {
  readonly path: UdpSendPath;
  /** Why the sendmmsg path is not used, when it is not. */
  readonly reason: string | undefined;
  forSocket(socket: dgram.Socket): UdpSender;
}

export class DgramSender implements UdpSender {
  constructor(private readonly socket: dgram.Socket) {}

  send(data: Buffer, port?: number, address?: string): void {
    try {
      if (port === undefined) this.socket.send(data);
      else this.socket.send(data, port, address);
    } catch {
      // dgram throws ERR_SOCKET_BAD_PORT for port 0 (a peer address a client chose); the kernel would
      // refuse it too. Dropped like any failed send instead of escaping the socket's 'message' handler.
    }
  }

  sendChannelData(channel: number, data: Buffer, port?: number, address?: string): void {
    this.send(encodeChannelData(channel, data, false), port, address);
  }
}

/** Picks the send path for this thread: sendmmsg when asked for and loadable, else dgram. */
export function udpSenders(batching: boolean, logger: Logger): UdpSenders {
  if (!batching) return { path: 'dgram', reason: 'turned off by configuration', forSocket: (s) => new DgramSender(s) };
  const loaded = loadSendmmsg();
  if (!loaded.ok) return { path: 'dgram', reason: loaded.reason, forSocket: (s) => new DgramSender(s) };
  const { native } = loaded;
  let warned = false;
  return {
    path: 'sendmmsg',
    reason: undefined,
    forSocket: (s) => {
      const batched = BatchedUdpSender.attach(s, native);
      if (batched) return batched;
      // A socket whose fd cannot be read (not bound yet, a Node that keeps it elsewhere) keeps dgram.
      if (!warned) logger.warn({}, 'UDP socket without a readable fd: dgram send for it');
      warned = true;
      return new DgramSender(s);
    },
  };
}

export { flushBeforeClose };
