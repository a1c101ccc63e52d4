// IP literals to the bytes of sockaddr_in / sockaddr_in6, for datagrams written straight into the
// sendmmsg arena. Only what dgram would accept for the socket's family is parsed; anything else
// (zone ids like fe80::1%eth0, host names, wrong family) returns undefined and the caller leaves
// that datagram to dgram, which reports it as Node always did.
import { isIPv4, isIPv6 } from 'node:net';

/** Bytes of an IPv4 literal (4) or of an IPv6 literal (16); undefined when it is not one. */
export function ipBytes(address: string, family: 'IPv4' | 'IPv6'): Uint8Array | undefined {
  if (family === 'IPv4') return isIPv4(address) ? ipv4Bytes(address) : undefined;
  if (address.includes('%') || !isIPv6(address)) return undefined;
  return ipv6Bytes(address);
}

function ipv4Bytes(address: string): Uint8Array {
  return Uint8Array.from(address.split('.').map(Number));
}

/** `address` is a valid IPv6 literal without zone (checked by the caller). */
function ipv6Bytes(address: string): Uint8Array {
  let text = address;
  // An embedded IPv4 tail (::ffff:1.2.3.4, RFC 4291 §2.2 form 3) is rewritten as two hex groups.
  const lastColon = text.lastIndexOf(':');
  if (text.includes('.', lastColon)) {
    const [a, b, c, d] = ipv4Bytes(text.slice(lastColon + 1));
    text = `${text.slice(0, lastColon + 1)}${((a! << 8) | b!).toString(16)}:${((c! << 8) | d!).toString(16)}`;
  }
  const [head, tail] = text.includes('::') ? text.split('::') : [text, undefined];
  const headGroups = head ? head.split(':') : [];
  const tailGroups = tail ? tail.split(':') : [];
  const out = new Uint8Array(16);
  const write = (groups: string[], start: number) => {
    groups.forEach((g, i) => {
      const v = Number.parseInt(g, 16);
      out[start + i * 2] = v >> 8;
      out[start + i * 2 + 1] = v & 0xff;
    });
  };
  write(headGroups, 0);
  write(tailGroups, 16 - tailGroups.length * 2);
  return out;
}

/** A bounded memo of ipBytes: peers and clients repeat, parsing per datagram would not pay. */
export class IpBytesCache {
  private readonly map = new Map<string, Uint8Array | null>();

  constructor(
    private readonly family: 'IPv4' | 'IPv6',
    private readonly limit = 4096,
  ) {}

  get(address: string): Uint8Array | undefined {
    let bytes = this.map.get(address);
    if (bytes === undefined) {
      // Cleared wholesale when full: simpler than LRU, and a refill costs one parse per address.
      if (this.map.size >= this.limit) this.map.clear();
      bytes = ipBytes(address, this.family) ?? null;
      this.map.set(address, bytes);
    }
    return bytes ?? undefined;
  }
}
