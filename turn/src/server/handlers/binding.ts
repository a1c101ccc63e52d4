// Binding, RFC 8489 §7.3: the client's reflexive address, no authentication.
import { XorMappedAddress } from '../../stun/attributes/xor-address';
import { type Reply, success } from '../context';
import type { ClientLink } from '../link';

export function binding(link: ClientLink): Reply {
  return success((b) => b.add(XorMappedAddress, link.remote));
}
