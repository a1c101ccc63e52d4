import {
  LAN_PORTS,
  SessionCreateBody,
  type SessionMode,
  SessionQuery,
  type SessionTransport,
} from '@rc-relay/protocol';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import Type from 'typebox';
import type { RelayContext } from '../context';
import { authenticateOperator, scopeOf } from '../http/auth';
import { ApiError } from '../http/errors';
import { iceServersFor } from '../turn-credentials';
import { visibleDevice } from './devices';

const LAN_TICKET_TTL_SECONDS = 120;

export const sessionRoutes: FastifyPluginAsync<{ ctx: RelayContext }> = async (app, { ctx }) => {
  const { config, store, sessions, keys } = ctx;

  /** The host clients should use for STUN/TURN: RC_PUBLIC_HOST, else the host they reached us by. */
  function iceHost(req: FastifyRequest): string {
    if (config.publicHost) return config.publicHost;
    const host = req.hostname || '127.0.0.1';
    return host.replace(/^\[|\]$/g, '');
  }

  app.post('/api/v1/sessions', { schema: { body: SessionCreateBody } }, async (req, reply) => {
    const op = authenticateOperator(ctx, req);
    const b = req.body as { deviceId: string; mode: SessionMode; transport: SessionTransport };
    if (op.role === 'viewer' && b.mode === 'control') throw new ApiError('mode_not_allowed', 'viewers may only view');
    const device = visibleDevice(ctx, op, b.deviceId);
    if (ctx.draining()) throw new ApiError('shutting_down', 'the relay is stopping');

    if (b.transport === 'lan') {
      const { lanAddresses, lanPorts } = device.facts;
      if (lanAddresses.length === 0) throw new ApiError('lan_unavailable', 'the device reported no LAN addresses');
      const t = sessions.issueLan(scopeOf(op), device, b.mode, LAN_TICKET_TTL_SECONDS);
      return reply.code(201).send({
        sessionId: t.sessionId,
        state: 'issued',
        lan: {
          ticket: t.ticket,
          addresses: lanAddresses,
          ports: lanPorts ?? { ...LAN_PORTS },
          certFingerprint: device.certFingerprint,
          expiresAt: t.expiresAt.toISOString(),
        },
      });
    }

    // TURN username `expiry:sessionId` (DESIGN.md): the hub builds them once the id exists.
    const { sessionId, iceServers } = sessions.requestInternet(scopeOf(op), device, b.mode, (id) =>
      iceServersFor({
        host: iceHost(req),
        port: ctx.publicPort(),
        tls: config.tls,
        turn: config.turn,
        extraUrls: config.turnUrls,
        secret: keys.turnSecret,
        label: id,
        ttlSeconds: config.turnCredentialTtlSeconds,
      }),
    );
    return reply.code(201).send({ sessionId, state: 'pending', iceServers });
  });

  app.get('/api/v1/sessions', { schema: { querystring: SessionQuery } }, async (req) => {
    const op = authenticateOperator(ctx, req);
    const q = req.query as { deviceId?: string; operator?: string; limit?: number };
    const scope = scopeOf(op);
    // Non-admins see the trail of devices in their groups only.
    const groupIds = scope.groupIds ? [...scope.groupIds] : undefined;
    return store.audit.list({ ...q, ...(groupIds ? { groupIds } : {}), limit: q.limit ?? 200 });
  });

  app.get(
    '/api/v1/sessions/:id',
    { schema: { params: Type.Object({ id: Type.String({ maxLength: 64 }) }) } },
    async (req) => {
      const op = authenticateOperator(ctx, req);
      const e = store.audit.get((req.params as { id: string }).id);
      if (!e) throw new ApiError('not_found', 'no such session');
      visibleDevice(ctx, op, e.deviceId);
      return e;
    },
  );
};
