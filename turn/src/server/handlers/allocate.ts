// Allocate, RFC 8656 §7.2, steps in the RFC's order.

import { EvenPort } from '../../stun/attributes/even-port';
import { Lifetime } from '../../stun/attributes/lifetime';
import { RequestedAddressFamily } from '../../stun/attributes/requested-address-family';
import { RequestedTransport } from '../../stun/attributes/requested-transport';
import { ReservationToken } from '../../stun/attributes/reservation-token';
import { XorMappedAddress, XorRelayedAddress } from '../../stun/attributes/xor-address';
import { type FamilyName, TRANSPORT_UDP } from '../../stun/constants';
import { ErrorCode } from '../../stun/error-codes';
import { readAttribute } from '../../stun/message';
import { Allocation } from '../allocation';
import { failure, grantedLifetimeSec, type Handler, success } from '../context';
import type { BoundRelay } from '../port-pool';
import { allocationBuckets } from '../token-bucket';

export const allocate: Handler = async (ctx, req) => {
  const { msg, link } = req;
  const txId = msg.transactionId.toString('hex');
  if (req.allocation) {
    // §7.2 step 2: a retransmission gets the same answer; anything else on this 5-tuple is a mismatch.
    const previous = req.allocation.allocateTransaction;
    if (previous && previous.id === txId) return { kind: 'raw', message: previous.response };
    return failure(ErrorCode.AllocationMismatch);
  }
  if (ctx.table.isPending(link.key)) return { kind: 'none' };

  const transport = readAttribute(msg, RequestedTransport);
  if (!transport.present || transport.value === undefined) return failure(ErrorCode.BadRequest);
  if (transport.value !== TRANSPORT_UDP) return failure(ErrorCode.UnsupportedTransportProtocol);

  const evenPort = readAttribute(msg, EvenPort);
  const token = readAttribute(msg, ReservationToken);
  const family = readAttribute(msg, RequestedAddressFamily);
  if ((evenPort.present && evenPort.value === undefined) || (token.present && token.value === undefined))
    return failure(ErrorCode.BadRequest);
  // §7.2: RESERVATION-TOKEN excludes EVEN-PORT and REQUESTED-ADDRESS-FAMILY (the token fixes both).
  if (token.present && (evenPort.present || family.present)) return failure(ErrorCode.BadRequest);
  if (family.present && family.value === undefined) return failure(ErrorCode.BadRequest);
  const wanted: FamilyName | number = family.present ? family.value! : 'IPv4';
  if (typeof wanted === 'number' || !ctx.families.has(wanted)) return failure(ErrorCode.AddressFamilyNotSupported);

  const lifetime = readAttribute(msg, Lifetime);
  if (lifetime.present && lifetime.value === undefined) return failure(ErrorCode.BadRequest);

  if (!ctx.table.begin(link.key, req.username, ctx.opts.maxAllocationsPerUser, ctx.opts.maxAllocationsTotal)) {
    ctx.stats.quotaRefusals++;
    return failure(ErrorCode.AllocationQuotaReached);
  }
  const seconds = grantedLifetimeSec(ctx.opts, lifetime.present ? lifetime.value : undefined);
  if (ctx.shards && link.udpListener) {
    // A worker thread builds and then owns the allocation (shard/shard-pool.ts).
    const advertised = ctx.advertisedAddress(wanted, link);
    const remote = await ctx.shards.allocate({
      key: link.key,
      username: req.username,
      client: link.remote,
      listener: link.udpListener,
      family: wanted,
      advertised,
      lifetimeSec: seconds,
      even: evenPort.present,
      reserveNext: evenPort.present && evenPort.value!.reserveNext,
      token: token.present ? token.value : undefined,
    });
    if (!remote) {
      ctx.table.finish(link.key, req.username, undefined);
      ctx.stats.capacityRefusals++;
      return failure(ErrorCode.InsufficientCapacity);
    }
    ctx.table.finishRemote(link.key);
    const relayedRemote = { address: advertised, port: remote.port, family: wanted };
    return success((b) => {
      b.add(XorRelayedAddress, relayedRemote);
      b.add(Lifetime, seconds);
      if (remote.token) b.add(ReservationToken, remote.token);
      b.add(XorMappedAddress, link.remote);
    });
  }
  let bound: BoundRelay | undefined;
  try {
    bound = token.present
      ? ctx.pool.claim(token.value!, wanted)
      : await ctx.pool.bind(wanted, {
          even: evenPort.present,
          reserveNext: evenPort.present && evenPort.value!.reserveNext,
        });
  } catch (err) {
    ctx.table.finish(link.key, req.username, undefined);
    throw err;
  }
  if (!bound || ctx.closing()) {
    ctx.table.finish(link.key, req.username, undefined);
    if (bound) ctx.pool.release(bound.port, bound.socket);
    ctx.stats.capacityRefusals++;
    return failure(ErrorCode.InsufficientCapacity);
  }

  const relayed = { address: ctx.advertisedAddress(wanted, link), port: bound.port, family: wanted };
  const bps = ctx.opts.bandwidthBytesPerSecond;
  const now = Date.now();
  const allocation = new Allocation(link, req.username, bound.socket, relayed, seconds * 1000, now, {
    stats: ctx.stats,
    logger: ctx.logger,
    udpSenders: ctx.udpSenders,
    ...allocationBuckets(bps, now),
  });
  ctx.table.finish(link.key, req.username, allocation);
  ctx.logger.info({ client: link.key, port: bound.port, family: wanted, lifetime: seconds }, 'allocation created');
  return success((b) => {
    b.add(XorRelayedAddress, relayed);
    b.add(Lifetime, seconds);
    if (bound.reservationToken) b.add(ReservationToken, bound.reservationToken);
    b.add(XorMappedAddress, link.remote);
  });
};
