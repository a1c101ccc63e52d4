// The address value layout shared by MAPPED-ADDRESS (RFC 8489 §14.1) and the XOR-*-ADDRESS
// attributes (RFC 8489 §14.2, RFC 8656 §14.3/§14.5): 0, family, port, address.
import { isIPv4, isIPv6 } from 'node:net';
import { Family, type FamilyName } from '../constants';

export interface TransportAddress {
  address: string;
  port: number;
  family: FamilyName;
}

export function addressBytes(address: string): Buffer | undefined {
  if (isIPv4(address)) return Buffer.from(address.split('.').map(Number));
  if (!isIPv6(address)) return undefined;
  const out = Buffer.alloc(16);
  let text = address;
  // A trailing dotted quad (::ffff:1.2.3.4) is two groups.
  const lastColon = text.lastIndexOf(':');
  const tail = text.slice(lastColon + 1);
  if (isIPv4(tail)) {
    const b = tail.split('.').map(Number);
    text = `${text.slice(0, lastColon + 1)}${((b[0]! << 8) | b[1]!).toString(16)}:${((b[2]! << 8) | b[3]!).toString(16)}`;
  }
  const [head, rest] = text.split('::') as [string, string | undefined];
  const headGroups = head ? head.split(':') : [];
  const tailGroups = rest ? rest.split(':') : [];
  const groups =
    rest === undefined
      ? headGroups
      : [...headGroups, ...new Array(8 - headGroups.length - tailGroups.length).fill('0'), ...tailGroups];
  for (const [i, g] of groups.entries()) out.writeUInt16BE(Number.parseInt(g, 16), i * 2);
  return out;
}

export function bytesToAddress(bytes: Buffer): string {
  if (bytes.length === 4) return `${bytes[0]}.${bytes[1]}.${bytes[2]}.${bytes[3]}`;
  // RFC 5952 §5: IPv4-mapped addresses are written with a dotted quad, as Node prints them.
  if (bytes.subarray(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff) {
    return `::ffff:${bytes[12]}.${bytes[13]}.${bytes[14]}.${bytes[15]}`;
  }
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(bytes.readUInt16BE(i).toString(16));
  // RFC 5952 §4.2: compress the longest run of two or more zero groups.
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== '0') {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === '0') j++;
    if (j - i > bestLen && j - i >= 2) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  if (bestStart < 0) return groups.join(':');
  return `${groups.slice(0, bestStart).join(':')}::${groups.slice(bestStart + bestLen).join(':')}`;
}

/** Encodes family/port/address, XOR-ing port and address with `mask` when given (§14.2). */
export function encodeAddress(value: TransportAddress, mask?: Buffer): Buffer {
  const addr = addressBytes(value.address);
  if (!addr) throw new TypeError(`not an IP address: ${value.address}`);
  const out = Buffer.alloc(4 + addr.length);
  out[1] = addr.length === 4 ? Family.IPv4 : Family.IPv6;
  out.writeUInt16BE(value.port ^ (mask ? mask.readUInt16BE(0) : 0), 2);
  for (let i = 0; i < addr.length; i++) out[4 + i] = addr[i]! ^ (mask ? mask[i]! : 0);
  return out;
}

export function decodeAddress(value: Buffer, mask?: Buffer): TransportAddress | undefined {
  if (value.length < 4) return undefined;
  const family = value[1];
  const size = family === Family.IPv4 ? 4 : family === Family.IPv6 ? 16 : 0;
  if (size === 0 || value.length !== 4 + size) return undefined;
  const port = value.readUInt16BE(2) ^ (mask ? mask.readUInt16BE(0) : 0);
  const addr = Buffer.allocUnsafe(size);
  for (let i = 0; i < size; i++) addr[i] = value[4 + i]! ^ (mask ? mask[i]! : 0);
  return { address: bytesToAddress(addr), port, family: size === 4 ? 'IPv4' : 'IPv6' };
}
