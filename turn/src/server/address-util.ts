// Address normalisation shared by the UDP and stream links.
import { isIPv4 } from 'node:net';
import type { TransportAddress } from '../stun/attributes/address';

/** Dual-stack sockets report IPv4 clients as ::ffff:a.b.c.d; STUN must show them as IPv4 (RFC 8489 §14.2). */
export function unmapAddress(address: string, port: number): TransportAddress {
  if (address.startsWith('::ffff:') && isIPv4(address.slice(7)))
    return { address: address.slice(7), port, family: 'IPv4' };
  return { address, port, family: address.includes(':') ? 'IPv6' : 'IPv4' };
}

export function isWildcard(address: string | undefined): boolean {
  return address === undefined || address === '0.0.0.0' || address === '::' || address === '::ffff:0.0.0.0';
}
