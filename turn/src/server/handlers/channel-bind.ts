// ChannelBind, RFC 8656 §11.2: binds or refreshes a channel and installs or refreshes the peer's
// permission. A number or a peer stays tied to its partner until 5 minutes after expiry (§12).
import { ChannelNumber } from '../../stun/attributes/channel-number';
import { XorPeerAddress } from '../../stun/attributes/xor-address';
import { isChannelNumber } from '../../stun/channel-data';
import { ErrorCode } from '../../stun/error-codes';
import { readAttribute } from '../../stun/message';
import { MAX_PERMISSIONS } from '../allocation';
import { failure, type Handler, success } from '../context';

export const channelBind: Handler = (ctx, req) => {
  const allocation = req.allocation;
  if (!allocation) return failure(ErrorCode.AllocationMismatch);
  const number = readAttribute(req.msg, ChannelNumber);
  const peer = readAttribute(req.msg, XorPeerAddress);
  if (!number.present || number.value === undefined || !isChannelNumber(number.value) || !peer.present || !peer.value) {
    ctx.logger.debug(
      {
        client: req.link.key,
        channel: number.present ? number.value : undefined,
        peer: peer.present ? peer.value : undefined,
      },
      'ChannelBind without a valid CHANNEL-NUMBER or XOR-PEER-ADDRESS',
    );
    return failure(ErrorCode.BadRequest);
  }
  const address = peer.value;
  if (address.family !== allocation.relayed.family) return failure(ErrorCode.PeerAddressFamilyMismatch);
  if (!ctx.policy.isAllowed(address.address)) {
    ctx.stats.deniedPeers++;
    ctx.logger.warn({ client: req.link.key, peer: address.address }, 'channel to denied peer refused');
    return failure(ErrorCode.Forbidden);
  }
  const byNumber = allocation.channels.get(number.value);
  const byPeer = allocation.channelForPeer(address);
  if (byNumber && (byNumber.peer.address !== address.address || byNumber.peer.port !== address.port)) {
    ctx.logger.debug({ client: req.link.key, channel: number.value }, 'channel number bound to another peer');
    return failure(ErrorCode.BadRequest);
  }
  if (byPeer && byPeer.number !== number.value) {
    ctx.logger.debug(
      { client: req.link.key, channel: number.value, bound: byPeer.number },
      'peer bound to another channel',
    );
    return failure(ErrorCode.BadRequest);
  }
  if (!allocation.permissions.has(address.address) && allocation.permissions.size >= MAX_PERMISSIONS)
    return failure(ErrorCode.InsufficientCapacity);
  const permission = allocation.installPermission(address.address, ctx.opts.permissionLifetimeSec * 1000, req.now);
  allocation.bindChannel(number.value, address, permission, ctx.opts.channelLifetimeSec * 1000, req.now);
  return success();
};
