import { LoginBody, LoginReply, PasswordChangeBody, TotpCodeBody, TotpSetupReply } from '@rc-relay/protocol';
import type { FastifyPluginAsync } from 'fastify';
import { decoyHash, hashPassword, verifyPassword } from '../auth/passwords';
import { newTotpSecret, otpauthUrl, totpStep } from '../auth/totp';
import type { RelayContext } from '../context';
import { authenticateOperator } from '../http/auth';
import { ApiError } from '../http/errors';
import { type OperatorRecord, operatorView } from '../store';

export const authRoutes: FastifyPluginAsync<{ ctx: RelayContext }> = async (app, { ctx }) => {
  const { store, tokens, limits, metrics } = ctx;

  /** A TOTP code is good once: right for its secret, and of a step after the last one accepted. */
  function acceptTotp(op: OperatorRecord, code: string): boolean {
    if (!op.totpSecret) return false;
    const step = totpStep(op.totpSecret, code, op.totpLastStep);
    // The conditional update also settles two requests racing with the same code.
    return step !== undefined && store.operators.useTotpStep(op.id, step);
  }

  app.post('/api/v1/auth/login', { schema: { body: LoginBody, response: { 200: LoginReply } } }, async (req) => {
    const { username, password, totp } = req.body as { username: string; password: string; totp?: string };
    const userKey = username.toLowerCase();
    const wait = Math.max(limits.loginByAddress.retryAfter(req.ip), limits.loginByUser.retryAfter(userKey));
    if (wait > 0) {
      metrics.logins.inc({ result: 'rate_limited' });
      throw new ApiError('rate_limited', `too many login attempts; retry in ${wait} s`, {
        'retry-after': String(wait),
      });
    }
    const op = store.operators.byUsername(username);
    // Unknown users cost the same scrypt as known ones, so timing does not reveal usernames.
    const ok = await verifyPassword(password, op?.passwordHash ?? (await decoyHash()));
    if (!op || !ok || op.disabled) {
      limits.loginByAddress.hit(req.ip);
      limits.loginByUser.hit(userKey);
      metrics.logins.inc({ result: 'failed' });
      req.log.warn({ username }, 'login failed');
      throw new ApiError('invalid_credentials', 'wrong username or password');
    }
    if (op.totpEnabled && op.totpSecret) {
      if (!totp) throw new ApiError('totp_required', 'this operator needs a TOTP code');
      if (!acceptTotp(op, totp)) {
        limits.loginByAddress.hit(req.ip);
        limits.loginByUser.hit(userKey);
        metrics.logins.inc({ result: 'failed' });
        throw new ApiError('totp_invalid', 'wrong TOTP code');
      }
    }
    limits.loginByUser.reset(userKey);
    metrics.logins.inc({ result: 'ok' });
    req.log.info({ username: op.username }, 'login');
    return {
      token: tokens.signOperator({ sub: op.id, name: op.username, role: op.role }),
      expiresIn: tokens.operatorTtlSeconds,
    };
  });

  app.get('/api/v1/me', async (req) => {
    const op = authenticateOperator(ctx, req);
    return operatorView(op, (id) => store.groups.get(id)?.name);
  });

  /** The caller's own password; a wrong current one counts as a failed login for the rate limit. */
  app.post('/api/v1/auth/password', { schema: { body: PasswordChangeBody } }, async (req, reply) => {
    const op = authenticateOperator(ctx, req);
    const { currentPassword, newPassword } = req.body as { currentPassword: string; newPassword: string };
    const userKey = op.username.toLowerCase();
    const wait = limits.loginByUser.retryAfter(userKey);
    if (wait > 0) {
      throw new ApiError('rate_limited', `too many wrong passwords; retry in ${wait} s`, {
        'retry-after': String(wait),
      });
    }
    if (!(await verifyPassword(currentPassword, op.passwordHash))) {
      limits.loginByUser.hit(userKey);
      throw new ApiError('invalid_credentials', 'the current password is wrong');
    }
    store.operators.update(op.id, { passwordHash: await hashPassword(newPassword) });
    req.log.info({ operator: op.username }, 'password changed');
    return reply.code(204).send();
  });

  /** Starts TOTP enrolment: a new secret, not yet required until confirmed with a code. */
  app.post('/api/v1/auth/totp/setup', { schema: { response: { 200: TotpSetupReply } } }, async (req) => {
    const op = authenticateOperator(ctx, req);
    if (op.totpEnabled) throw new ApiError('conflict', 'TOTP is already enabled; disable it first');
    const secret = newTotpSecret();
    store.operators.setTotpSecret(op.id, secret);
    return { secret, otpauthUrl: otpauthUrl('rc-relay', op.username, secret) };
  });

  app.post('/api/v1/auth/totp/enable', { schema: { body: TotpCodeBody } }, async (req, reply) => {
    const op = authenticateOperator(ctx, req);
    const { code } = req.body as { code: string };
    if (!acceptTotp(op, code)) throw new ApiError('totp_invalid', 'wrong TOTP code');
    store.operators.enableTotp(op.id);
    return reply.code(204).send();
  });

  app.post('/api/v1/auth/totp/disable', { schema: { body: TotpCodeBody } }, async (req, reply) => {
    const op = authenticateOperator(ctx, req);
    const { code } = req.body as { code: string };
    if (op.totpEnabled && !acceptTotp(op, code)) {
      throw new ApiError('totp_invalid', 'wrong TOTP code');
    }
    store.operators.setTotpSecret(op.id, null);
    return reply.code(204).send();
  });
};
