// Admin CRUD for operators.
import { OperatorCreateBody, OperatorPatchBody, type Role } from '@rc-relay/protocol';
import type { FastifyPluginAsync } from 'fastify';
import Type from 'typebox';
import { hashPassword } from '../auth/passwords';
import type { RelayContext } from '../context';
import { authenticateOperator, requireRole } from '../http/auth';
import { ApiError } from '../http/errors';
import { operatorView } from '../store';

const IdParams = Type.Object({ id: Type.String({ maxLength: 64 }) });

export const operatorRoutes: FastifyPluginAsync<{ ctx: RelayContext }> = async (app, { ctx }) => {
  const { store, presence, sessions } = ctx;
  const groupName = (id: string) => store.groups.get(id)?.name;

  /** Group names or ids → ids; unknown ones are an error, not silently dropped. */
  function groupIds(names: string[] | undefined): string[] {
    return (names ?? []).map((n) => {
      const g = store.groups.resolve(n);
      if (!g) throw new ApiError('bad_request', `unknown group '${n}'`);
      return g.id;
    });
  }

  /** Live consoles of an operator whose rights changed reconnect and get the new scope. */
  function dropConsoles(operatorId: string, why: string) {
    for (const c of presence.allConsoles()) if (c.operator.id === operatorId) c.close(4001, why);
  }

  app.addHook('preHandler', async (req) => {
    req.operator = authenticateOperator(ctx, req);
    requireRole(req.operator, 'admin');
  });

  app.get('/api/v1/operators', async () => store.operators.list().map((o) => operatorView(o, groupName)));

  app.post('/api/v1/operators', { schema: { body: OperatorCreateBody } }, async (req, reply) => {
    const b = req.body as { username: string; password: string; role: Role; groups?: string[] };
    if (store.operators.byUsername(b.username)) throw new ApiError('conflict', `operator '${b.username}' exists`);
    const op = store.operators.create({
      username: b.username,
      passwordHash: await hashPassword(b.password),
      role: b.role,
      groupIds: groupIds(b.groups),
    });
    req.log.info({ operator: op.username, role: op.role, by: req.operator.username }, 'operator created');
    return reply.code(201).send(operatorView(op, groupName));
  });

  app.patch('/api/v1/operators/:id', { schema: { params: IdParams, body: OperatorPatchBody } }, async (req) => {
    const { id } = req.params as { id: string };
    const b = req.body as { password?: string; role?: Role; groups?: string[]; disabled?: boolean; totp?: false };
    if (id === req.operator.id && ((b.role && b.role !== 'admin') || b.disabled)) {
      throw new ApiError('forbidden', 'an admin cannot demote or disable themself');
    }
    const op = store.operators.update(id, {
      ...(b.password ? { passwordHash: await hashPassword(b.password) } : {}),
      ...(b.role ? { role: b.role } : {}),
      ...(b.groups ? { groupIds: groupIds(b.groups) } : {}),
      ...(b.disabled !== undefined ? { disabled: b.disabled } : {}),
      ...(b.totp === false ? { totpOff: true } : {}),
    });
    if (!op) throw new ApiError('not_found', `no operator ${id}`);
    if (op.disabled) sessions.endForOperator(id, 'operator disabled');
    dropConsoles(id, 'operator changed');
    req.log.info(
      { operator: op.username, by: req.operator.username, ...(b.totp === false ? { totp: 'turned off' } : {}) },
      'operator updated',
    );
    return operatorView(op, groupName);
  });

  app.delete('/api/v1/operators/:id', { schema: { params: IdParams } }, async (req, reply) => {
    const { id } = req.params as { id: string };
    if (id === req.operator.id) throw new ApiError('forbidden', 'an admin cannot delete themself');
    if (!store.operators.remove(id)) throw new ApiError('not_found', `no operator ${id}`);
    sessions.endForOperator(id, 'operator deleted');
    dropConsoles(id, 'operator deleted');
    return reply.code(204).send();
  });
};
