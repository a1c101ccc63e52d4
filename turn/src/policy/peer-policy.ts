// Which peers a client may reach through the relay (RFC 8656 §21.2.3 "the server SHOULD have a way to
// restrict the peer addresses"). Loopback, "this network", link-local (including the cloud metadata
// address 169.254.169.254) and multicast are denied unless explicitly allowed; IPv4-mapped IPv6
// addresses are judged as the IPv4 address they carry, so ::ffff:127.0.0.1 is loopback too.
import { addressBytes } from '../stun/attributes/address';
import { type Cidr, cidrContains, parseCidrList } from './cidr';

export const DEFAULT_DENIED_PEERS = [
  '0.0.0.0/8',
  '127.0.0.0/8',
  '169.254.0.0/16',
  '224.0.0.0/4',
  '255.255.255.255/32',
  '::/128',
  '::1/128',
  'fe80::/10',
  'ff00::/8',
] as const;

export interface PeerPolicyOptions {
  denyPeers?: readonly string[];
  allowPeers?: readonly string[];
}

export class PeerPolicy {
  private readonly deny: Cidr[];
  private readonly allow: Cidr[];
  private readonly cache = new Map<string, boolean>();

  constructor(options: PeerPolicyOptions = {}) {
    this.deny = parseCidrList([...DEFAULT_DENIED_PEERS, ...(options.denyPeers ?? [])], 'denyPeers');
    this.allow = parseCidrList(options.allowPeers ?? [], 'allowPeers');
  }

  /** An explicit allow wins over both the default and the configured deny list (as coturn's allowed-peer-ip). */
  isAllowed(address: string): boolean {
    const cached = this.cache.get(address);
    if (cached !== undefined) return cached;
    const result = this.judge(address);
    // Bounded: peers arrive at request rate, but a hostile client could spray addresses.
    if (this.cache.size >= 4096) this.cache.clear();
    this.cache.set(address, result);
    return result;
  }

  private judge(address: string): boolean {
    const bytes = addressBytes(address);
    if (!bytes) return false;
    const forms = [bytes];
    if (bytes.length === 16 && bytes.subarray(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff)
      forms.push(bytes.subarray(12));
    if (forms.some((b) => this.allow.some((c) => cidrContains(c, b)))) return true;
    return !forms.some((b) => this.deny.some((c) => cidrContains(c, b)));
  }
}
