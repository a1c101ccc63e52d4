// The client side of a 5-tuple (RFC 8656 §2): how the server answers and relays to one client,
// whatever the transport. UDP links share the listening socket; stream links own their connection.
import type { TransportAddress } from '../stun/attributes/address';

export type ClientTransport = 'udp' | 'tcp' | 'tls';

export interface ClientLink {
  readonly transport: ClientTransport;
  /** The client's address as seen by the server (IPv4-mapped IPv6 shown as IPv4). */
  readonly remote: TransportAddress;
  /** Server address the client reached, when known (not for wildcard UDP binds). */
  readonly localAddress: string | undefined;
  /** Unique per 5-tuple: the allocation key (RFC 8656 §2.2). */
  readonly key: string;
  /** For UDP: the listening socket's address, so a relay worker can bind a socket connected to this client. */
  readonly udpListener?: UdpListenerAddress;
  send(message: Buffer): void;
  /** ChannelData toward the client, padded on streams (RFC 8656 §12.5). */
  sendChannelData(channel: number, data: Buffer): void;
}

export interface UdpListenerAddress {
  type: 'udp4' | 'udp6';
  address: string;
  port: number;
}
