import { CloseCode, DevicePatchBody, DeviceQuery, type DeviceView } from '@rc-relay/protocol';
import type { FastifyPluginAsync } from 'fastify';
import Type from 'typebox';
import type { RelayContext } from '../context';
import { authenticateOperator, requireRole, scopeOf } from '../http/auth';
import { ApiError } from '../http/errors';
import { inScope } from '../hub/peers';
import type { DeviceRecord, OperatorRecord } from '../store';

const IdParams = Type.Object({ id: Type.String({ maxLength: 64 }) });

/** A device the operator may see, or not_found (the same answer as for a missing one). */
export function visibleDevice(ctx: RelayContext, op: OperatorRecord, id: string): DeviceRecord {
  const d = ctx.store.devices.get(id);
  if (!d || d.revokedAt || !inScope(scopeOf(op), d.groupId)) throw new ApiError('not_found', `no device ${id}`);
  return d;
}

export const deviceRoutes: FastifyPluginAsync<{ ctx: RelayContext }> = async (app, { ctx }) => {
  const { store, presence, sessions } = ctx;

  const view = (d: DeviceRecord): DeviceView => ({
    ...presence.summary(d),
    enrolledAt: d.enrolledAt,
    lanAddresses: d.facts.lanAddresses,
    certFingerprint: d.certFingerprint,
  });

  app.get('/api/v1/devices', { schema: { querystring: DeviceQuery } }, async (req) => {
    const op = authenticateOperator(ctx, req);
    const q = req.query as { online?: 'true' | 'false'; os?: string; group?: string; q?: string };
    const scope = scopeOf(op);
    let list = store.devices.list(scope.groupIds ? [...scope.groupIds] : undefined).map(view);
    if (q.online) list = list.filter((d) => d.online === (q.online === 'true'));
    if (q.os) list = list.filter((d) => d.os === q.os);
    if (q.group) {
      const g = store.groups.resolve(q.group);
      list = list.filter((d) => g && d.group === g.name);
    }
    if (q.q) {
      const needle = q.q.toLowerCase();
      list = list.filter(
        (d) =>
          d.hostname.toLowerCase().includes(needle) ||
          d.id.toLowerCase().includes(needle) ||
          d.sessions.some((s) => s.user.toLowerCase().includes(needle)),
      );
    }
    return list;
  });

  app.get('/api/v1/devices/:id', { schema: { params: IdParams } }, async (req) => {
    const op = authenticateOperator(ctx, req);
    return view(visibleDevice(ctx, op, (req.params as { id: string }).id));
  });

  app.patch('/api/v1/devices/:id', { schema: { params: IdParams, body: DevicePatchBody } }, async (req) => {
    const op = authenticateOperator(ctx, req);
    requireRole(op, 'admin');
    const d = visibleDevice(ctx, op, (req.params as { id: string }).id);
    const g = store.groups.resolve((req.body as { group: string }).group);
    if (!g) throw new ApiError('bad_request', 'unknown group');
    store.devices.setGroup(d.id, g.id);
    const agent = presence.agent(d.id);
    if (agent) {
      agent.device = store.devices.get(d.id)!;
      agent.send({ type: 'policy', policy: store.groups.policy(g.id, ctx.config.consentTimeoutSeconds) });
    }
    presence.publish(d.id, d.groupId);
    return view(store.devices.get(d.id)!);
  });

  /** Revocation: the credential stops working, the live socket closes, its sessions end. */
  app.post('/api/v1/devices/:id/revoke', { schema: { params: IdParams } }, async (req, reply) => {
    const op = authenticateOperator(ctx, req);
    requireRole(op, 'admin');
    const d = visibleDevice(ctx, op, (req.params as { id: string }).id);
    store.devices.revoke(d.id);
    sessions.endForDevice(d.id, 'device revoked');
    presence.agent(d.id)?.close(CloseCode.revoked, 'device revoked');
    presence.publish(d.id);
    req.log.info({ deviceId: d.id, by: op.username }, 'device revoked');
    return reply.code(204).send();
  });
};
