// CIDR blocks over raw address bytes, so IPv4, IPv6 and IPv4-mapped IPv6 compare without string games.
import { addressBytes } from '../stun/attributes/address';

export interface Cidr {
  readonly text: string;
  readonly bytes: Buffer;
  readonly prefix: number;
}

export function parseCidr(text: string): Cidr | undefined {
  const [addr, len, extra] = text.trim().split('/');
  if (addr === undefined || extra !== undefined) return undefined;
  const bytes = addressBytes(addr);
  if (!bytes) return undefined;
  const max = bytes.length * 8;
  if (len !== undefined && !/^\d{1,3}$/.test(len)) return undefined;
  const prefix = len === undefined ? max : Number(len);
  if (prefix > max) return undefined;
  return { text, bytes, prefix };
}

/** Parses a list, naming every bad entry (config is validated once, with all problems listed). */
export function parseCidrList(list: readonly string[], what: string): Cidr[] {
  const bad = list.filter((t) => !parseCidr(t));
  if (bad.length > 0) throw new Error(`${what}: not CIDR blocks: ${bad.join(', ')}`);
  return list.map((t) => parseCidr(t)!);
}

export function cidrContains(cidr: Cidr, addr: Buffer): boolean {
  if (cidr.bytes.length !== addr.length) return false;
  const full = cidr.prefix >> 3;
  for (let i = 0; i < full; i++) if (cidr.bytes[i] !== addr[i]) return false;
  const rest = cidr.prefix & 7;
  if (rest === 0) return true;
  const mask = (0xff << (8 - rest)) & 0xff;
  return (cidr.bytes[full]! & mask) === (addr[full]! & mask);
}
