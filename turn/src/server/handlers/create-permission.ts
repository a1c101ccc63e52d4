// CreatePermission, RFC 8656 §9.2: all listed peers are installed, or none.
import { XorPeerAddress } from '../../stun/attributes/xor-address';
import { ErrorCode } from '../../stun/error-codes';
import { readAllAttributes } from '../../stun/message';
import { MAX_PERMISSIONS } from '../allocation';
import { failure, type Handler, success } from '../context';

export const createPermission: Handler = (ctx, req) => {
  const allocation = req.allocation;
  if (!allocation) return failure(ErrorCode.AllocationMismatch);
  const peers = readAllAttributes(req.msg, XorPeerAddress);
  if (peers.length === 0 || peers.some((p) => p === undefined)) return failure(ErrorCode.BadRequest);
  for (const peer of peers) {
    if (peer!.family !== allocation.relayed.family) return failure(ErrorCode.PeerAddressFamilyMismatch);
    if (!ctx.policy.isAllowed(peer!.address)) {
      ctx.stats.deniedPeers++;
      ctx.logger.warn({ client: req.link.key, peer: peer!.address }, 'permission to denied peer refused');
      return failure(ErrorCode.Forbidden);
    }
  }
  const fresh = new Set(peers.map((p) => p!.address).filter((ip) => !allocation.permissions.has(ip)));
  if (allocation.permissions.size + fresh.size > MAX_PERMISSIONS) return failure(ErrorCode.InsufficientCapacity);
  const lifetimeMs = ctx.opts.permissionLifetimeSec * 1000;
  for (const peer of peers) allocation.installPermission(peer!.address, lifetimeMs, req.now);
  return success();
};
