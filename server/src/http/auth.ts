// Who is calling: operators by JWT, agents by device token. Both come as `Authorization: Bearer`,
// or for browsers' WebSockets as the subprotocol `bearer.<token>` (they cannot set headers).
import { timingSafeEqual } from 'node:crypto';
import { WS_BEARER_PREFIX } from '@rc-relay/protocol';
import type { FastifyRequest } from 'fastify';
import type { RelayContext } from '../context';
import type { OperatorScope } from '../hub/peers';
import { type DeviceRecord, hashSecret, type OperatorRecord } from '../store';
import { ApiError } from './errors';

export function bearerToken(req: FastifyRequest): string | undefined {
  const h = req.headers.authorization;
  if (h?.startsWith('Bearer ')) return h.slice(7).trim();
  const proto = req.headers['sec-websocket-protocol'];
  if (typeof proto === 'string') {
    for (const p of proto.split(',')) {
      const t = p.trim();
      if (t.startsWith(WS_BEARER_PREFIX)) return t.slice(WS_BEARER_PREFIX.length);
    }
  }
  return undefined;
}

export function scopeOf(op: OperatorRecord): OperatorScope {
  return {
    id: op.id,
    username: op.username,
    role: op.role,
    groupIds: op.role === 'admin' ? null : new Set(op.groupIds),
  };
}

/** The operator behind a request, re-read from the store so a disabled or deleted one stops at once. */
export function authenticateOperator(ctx: RelayContext, req: FastifyRequest): OperatorRecord {
  const token = bearerToken(req);
  if (!token) throw new ApiError('unauthorized', 'missing bearer token');
  const claims = ctx.tokens.verifyOperator(token);
  if (!claims) throw new ApiError('unauthorized', 'invalid or expired token');
  const op = ctx.store.operators.get(claims.sub);
  if (!op || op.disabled) throw new ApiError('unauthorized', 'operator no longer exists or is disabled');
  return op;
}

export function authenticateDevice(ctx: RelayContext, req: FastifyRequest): DeviceRecord {
  const token = bearerToken(req);
  const dot = token?.indexOf('.') ?? -1;
  if (!token || dot <= 0) throw new ApiError('unauthorized', 'missing or malformed device token');
  const device = ctx.store.devices.get(token.slice(0, dot));
  const given = Buffer.from(hashSecret(token.slice(dot + 1)), 'hex');
  const stored = Buffer.from(device?.credentialHash ?? '00'.repeat(32), 'hex');
  if (!device || !timingSafeEqual(given, stored))
    throw new ApiError('unauthorized', 'unknown device or wrong credential');
  if (device.revokedAt) throw new ApiError('device_revoked', 'this device was revoked');
  return device;
}

export function requireRole(op: OperatorRecord, ...roles: OperatorRecord['role'][]): void {
  if (!roles.includes(op.role)) throw new ApiError('forbidden', `requires role ${roles.join(' or ')}`);
}

declare module 'fastify' {
  interface FastifyRequest {
    operator: OperatorRecord;
  }
}
