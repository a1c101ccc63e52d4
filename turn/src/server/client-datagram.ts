// Demultiplexing of one datagram from a client (RFC 8656 §12: the first two bits tell ChannelData
// (01) from STUN (00)). Shared by the listening socket and by the client-connected sockets of relay
// worker threads.
import type { TurnStats } from '../stats';
import type { Allocation } from './allocation';
import type { Dispatcher } from './dispatch';
import type { ClientLink } from './link';

export function handleClientDatagram(
  msg: Buffer,
  allocation: Allocation | undefined,
  makeLink: () => ClientLink,
  dispatcher: Dispatcher,
  stats: TurnStats,
): void {
  if (msg.length < 4) {
    stats.malformed++;
    return;
  }
  const top = msg[0]! & 0xc0;
  if (top === 0x40) {
    // RFC 8656 §12.6: ChannelData for an unknown allocation or channel is silently discarded.
    allocation?.channelDataFromClient(msg, Date.now());
    return;
  }
  if (top !== 0) {
    stats.malformed++;
    return;
  }
  dispatcher.handle(msg, makeLink());
}
