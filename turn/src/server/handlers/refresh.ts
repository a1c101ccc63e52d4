// Refresh, RFC 8656 §7.3: LIFETIME 0 deletes, anything else extends within the configured bounds.
import { Lifetime } from '../../stun/attributes/lifetime';
import { RequestedAddressFamily } from '../../stun/attributes/requested-address-family';
import { ErrorCode } from '../../stun/error-codes';
import { readAttribute } from '../../stun/message';
import { failure, grantedLifetimeSec, type Handler, success } from '../context';

export const refresh: Handler = (ctx, req) => {
  const allocation = req.allocation;
  if (!allocation) return failure(ErrorCode.AllocationMismatch);
  const family = readAttribute(req.msg, RequestedAddressFamily);
  if (family.present && family.value !== allocation.relayed.family) return failure(ErrorCode.PeerAddressFamilyMismatch);
  const lifetime = readAttribute(req.msg, Lifetime);
  if (lifetime.present && lifetime.value === undefined) return failure(ErrorCode.BadRequest);
  if (lifetime.present && lifetime.value === 0) {
    ctx.table.delete(allocation, 'refresh with lifetime 0');
    return success((b) => b.add(Lifetime, 0));
  }
  const seconds = grantedLifetimeSec(ctx.opts, lifetime.present ? lifetime.value : undefined);
  allocation.expiresAt = req.now + seconds * 1000;
  return success((b) => b.add(Lifetime, seconds));
};
