// Send indication, RFC 8656 §10.2: relayed to the peer when allowed and permitted, silently dropped
// otherwise (indications get no answer).
import { DataAttr } from '../../stun/attributes/data';
import { XorPeerAddress } from '../../stun/attributes/xor-address';
import { readAttribute, type StunMessage } from '../../stun/message';
import type { Allocation } from '../allocation';
import type { ServerContext } from '../context';

export function sendIndication(ctx: ServerContext, allocation: Allocation | undefined, msg: StunMessage): void {
  if (!allocation) return;
  const peer = readAttribute(msg, XorPeerAddress);
  const data = readAttribute(msg, DataAttr);
  if (!peer.present || !peer.value || !data.present || !data.value) return;
  if (peer.value.family !== allocation.relayed.family) return;
  if (!ctx.policy.isAllowed(peer.value.address)) {
    ctx.stats.deniedPeers++;
    return;
  }
  const now = Date.now();
  if (!allocation.hasPermission(peer.value.address, now)) return;
  allocation.toPeer(data.value, peer.value, now);
}
