// One listening UDP socket (RFC 8656 §3.1 "UDP to the server"): demultiplexes ChannelData (first two
// bits 01, RFC 8656 §12) onto its allocation on the fast path, and STUN to the dispatcher.
import type dgram from 'node:dgram';
import type { Logger } from '../log';
import type { TurnStats } from '../stats';
import { encodeChannelData } from '../stun/channel-data';
import { isWildcard, unmapAddress } from './address-util';
import type { AllocationTable } from './allocation-table';
import type { Dispatcher } from './dispatch';
import type { ClientLink } from './link';

let endpointCounter = 0;

export class UdpEndpoint {
  private readonly id = ++endpointCounter;
  private readonly localAddress: string | undefined;

  constructor(
    readonly socket: dgram.Socket,
    private readonly table: AllocationTable,
    private readonly dispatcher: Dispatcher,
    private readonly stats: TurnStats,
    logger: Logger,
  ) {
    const bound = socket.address().address;
    this.localAddress = isWildcard(bound) ? undefined : unmapAddress(bound, 0).address;
    socket.on('message', (msg, rinfo) => this.onMessage(msg, rinfo));
    // Send errors to one client (ENOBUFS, EMSGSIZE) must not take the listener down.
    socket.on('error', (err) => logger.warn({ err: err.message }, 'udp listener error'));
  }

  private onMessage(msg: Buffer, rinfo: dgram.RemoteInfo): void {
    if (msg.length < 4) {
      this.stats.malformed++;
      return;
    }
    const top = msg[0]! & 0xc0;
    if (top === 0x40) {
      // RFC 8656 §12.6: ChannelData for an unknown allocation or channel is silently discarded.
      this.table.get(this.key(rinfo.address, rinfo.port))?.channelDataFromClient(msg, Date.now());
      return;
    }
    if (top !== 0) {
      this.stats.malformed++;
      return;
    }
    this.dispatcher.handle(msg, this.link(rinfo.address, rinfo.port));
  }

  private key(address: string, port: number): string {
    return `udp${this.id}|${address}|${port}`;
  }

  private link(address: string, port: number): ClientLink {
    const socket = this.socket;
    return {
      transport: 'udp',
      remote: unmapAddress(address, port),
      localAddress: this.localAddress,
      key: this.key(address, port),
      send: (message) => socket.send(message, port, address),
      sendChannelData: (channel, data) => socket.send(encodeChannelData(channel, data, false), port, address),
    };
  }
}
