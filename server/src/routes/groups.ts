// Device groups: every operator lists the groups they see; only admins change them.
import { GroupCreateBody, GroupPatchBody, type GroupView } from '@rc-relay/protocol';
import type { FastifyPluginAsync } from 'fastify';
import Type from 'typebox';
import type { RelayContext } from '../context';
import { authenticateOperator, requireRole } from '../http/auth';
import { ApiError } from '../http/errors';

const IdParams = Type.Object({ id: Type.String({ maxLength: 64 }) });

export const groupRoutes: FastifyPluginAsync<{ ctx: RelayContext }> = async (app, { ctx }) => {
  const { store, presence } = ctx;

  app.addHook('preHandler', async (req) => {
    req.operator = authenticateOperator(ctx, req);
    if (req.method !== 'GET') requireRole(req.operator, 'admin');
  });

  app.get('/api/v1/groups', async (req) => {
    const all = store.groups.list();
    return req.operator.role === 'admin' ? all : all.filter((g: GroupView) => req.operator.groupIds.includes(g.id));
  });

  app.post('/api/v1/groups', { schema: { body: GroupCreateBody } }, async (req, reply) => {
    const b = req.body as Parameters<typeof store.groups.create>[0];
    if (store.groups.byName(b.name)) throw new ApiError('conflict', `group '${b.name}' exists`);
    return reply.code(201).send(store.groups.create(b));
  });

  app.patch('/api/v1/groups/:id', { schema: { params: IdParams, body: GroupPatchBody } }, async (req) => {
    const { id } = req.params as { id: string };
    const b = req.body as Partial<Omit<GroupView, 'id'>>;
    const cur = store.groups.resolve(id);
    if (!cur) throw new ApiError('not_found', `no group ${id}`);
    if (b.name && b.name !== cur.name && store.groups.byName(b.name)) throw new ApiError('conflict', 'name taken');
    const g = store.groups.update(cur.id, b)!;
    // Agents of the group follow the new consent policy from their next request on.
    const policy = store.groups.policy(g.id, ctx.config.consentTimeoutSeconds);
    for (const a of presence.allAgents()) if (a.device.groupId === g.id) a.send({ type: 'policy', policy });
    return g;
  });

  app.delete('/api/v1/groups/:id', { schema: { params: IdParams } }, async (req, reply) => {
    const { id } = req.params as { id: string };
    const g = store.groups.resolve(id);
    if (!g) throw new ApiError('not_found', `no group ${id}`);
    if (g.id === 'g_default') throw new ApiError('forbidden', 'the default group cannot be deleted');
    const r = store.groups.remove(g.id);
    if (r === 'not_empty') throw new ApiError('conflict', 'move or revoke its devices first');
    return reply.code(204).send();
  });
};
