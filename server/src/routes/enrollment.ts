import { EnrollBody, EnrollmentTokenBody, EnrollReply, type OsName } from '@rc-relay/protocol';
import type { FastifyPluginAsync } from 'fastify';
import Type from 'typebox';
import type { RelayContext } from '../context';
import { authenticateOperator, requireRole } from '../http/auth';
import { ApiError } from '../http/errors';

export const enrollmentRoutes: FastifyPluginAsync<{ ctx: RelayContext }> = async (app, { ctx }) => {
  const { store, keys, limits, presence } = ctx;

  app.post('/api/v1/enrollment-tokens', { schema: { body: EnrollmentTokenBody } }, async (req, reply) => {
    const op = authenticateOperator(ctx, req);
    requireRole(op, 'admin');
    const b = req.body as { group?: string; expiresIn?: number; maxUses?: number };
    const group = store.groups.resolve(b.group ?? 'default');
    if (!group) throw new ApiError('bad_request', `unknown group '${b.group}'`);
    const t = store.enrollment.create({
      groupId: group.id,
      expiresInSeconds: b.expiresIn ?? 86400,
      maxUses: b.maxUses ?? 1,
      createdBy: op.username,
    });
    req.log.info({ tokenId: t.id, group: group.name, by: op.username }, 'enrollment token created');
    return reply.code(201).send(t);
  });

  app.get('/api/v1/enrollment-tokens', async (req) => {
    requireRole(authenticateOperator(ctx, req), 'admin');
    return store.enrollment.list().map((t) => ({ ...t, group: store.groups.get(t.groupId)?.name ?? t.groupId }));
  });

  app.delete(
    '/api/v1/enrollment-tokens/:id',
    { schema: { params: Type.Object({ id: Type.String({ maxLength: 64 }) }) } },
    async (req, reply) => {
      requireRole(authenticateOperator(ctx, req), 'admin');
      if (!store.enrollment.revoke((req.params as { id: string }).id)) throw new ApiError('not_found', 'no such token');
      return reply.code(204).send();
    },
  );

  app.post(
    '/api/v1/agents/enroll',
    { schema: { body: EnrollBody, response: { 201: EnrollReply } } },
    async (req, reply) => {
      const wait = limits.enrollByAddress.retryAfter(req.ip);
      if (wait > 0) throw new ApiError('rate_limited', `retry in ${wait} s`, { 'retry-after': String(wait) });
      const b = req.body as { enrollmentToken: string; hostname: string; os: OsName; certFingerprint: string };
      const token = store.enrollment.consume(b.enrollmentToken);
      if (!token) {
        limits.enrollByAddress.hit(req.ip);
        throw new ApiError('enrollment_token_invalid', 'enrollment token unknown, expired, revoked or used up');
      }
      const { record, deviceToken } = store.devices.create({
        groupId: token.groupId,
        hostname: b.hostname,
        os: b.os,
        certFingerprint: b.certFingerprint,
      });
      req.log.info({ deviceId: record.id, hostname: record.hostname, tokenId: token.id }, 'agent enrolled');
      presence.publish(record.id);
      return reply.code(201).send({ deviceId: record.id, deviceToken, ticketPublicKey: keys.ticketPublicKeyPem });
    },
  );
};
