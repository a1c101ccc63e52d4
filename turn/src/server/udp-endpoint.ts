// One listening UDP socket (RFC 8656 §3.1 "UDP to the server"): ChannelData goes to its allocation on
// the fast path, STUN to the dispatcher.
import type dgram from 'node:dgram';
import type { Logger } from '../log';
import type { TurnStats } from '../stats';
import { isWildcard, unmapAddress } from './address-util';
import type { AllocationTable } from './allocation-table';
import { handleClientDatagram } from './client-datagram';
import type { Dispatcher } from './dispatch';
import type { ClientLink, UdpListenerAddress } from './link';
import { closeQuietly } from './port-pool';
import type { UdpSender, UdpSenders } from './udp-send/sender';

let endpointCounter = 0;

export class UdpEndpoint {
  private readonly id = ++endpointCounter;
  private readonly localAddress: string | undefined;
  private readonly listener: UdpListenerAddress;
  /** dgram throws on send after close; a reply finishing during shutdown is dropped instead. */
  private closed = false;
  private readonly sender: UdpSender;

  constructor(
    readonly socket: dgram.Socket,
    private readonly table: AllocationTable,
    private readonly dispatcher: Dispatcher,
    private readonly stats: TurnStats,
    logger: Logger,
    senders: UdpSenders,
  ) {
    this.sender = senders.forSocket(socket);
    const bound = socket.address().address;
    this.listener = {
      type: socket.address().family === 'IPv6' ? 'udp6' : 'udp4',
      address: bound,
      port: socket.address().port,
    };
    this.localAddress = isWildcard(bound) ? undefined : unmapAddress(bound, 0).address;
    socket.on('message', (msg, rinfo) => this.onMessage(msg, rinfo));
    // Send errors to one client (ENOBUFS, EMSGSIZE) must not take the listener down.
    socket.on('error', (err) => logger.warn({ err: err.message }, 'udp listener error'));
  }

  /** Closes the socket; replies still in flight (async auth, worker allocations) are dropped. */
  close(): Promise<void> {
    this.closed = true;
    return new Promise((resolve) => {
      this.socket.once('close', () => resolve());
      closeQuietly(this.socket);
    });
  }

  private onMessage(msg: Buffer, rinfo: dgram.RemoteInfo): void {
    const key = this.key(rinfo.address, rinfo.port);
    const allocation = (msg[0]! & 0xc0) === 0x40 ? this.table.get(key) : undefined;
    handleClientDatagram(msg, allocation, () => this.link(rinfo.address, rinfo.port), this.dispatcher, this.stats);
  }

  private key(address: string, port: number): string {
    return `udp${this.id}|${address}|${port}`;
  }

  private link(address: string, port: number): ClientLink {
    const sender = this.sender;
    return {
      transport: 'udp',
      remote: unmapAddress(address, port),
      localAddress: this.localAddress,
      key: this.key(address, port),
      udpListener: this.listener,
      send: (message) => {
        if (!this.closed) sender.send(message, port, address);
      },
      sendChannelData: (channel, data) => {
        if (!this.closed) sender.sendChannelData(channel, data, port, address);
      },
    };
  }
}
