// Operator authentication and authorisation: passwords, JWTs, TOTP, roles and group scope.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import jwt from 'jsonwebtoken';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { base32Decode, totp } from '../../server/src/auth/totp';
import { Api } from '../support/http';
import { enrolledAgent, TestConsole } from '../support/peers';
import { ADMIN_PASSWORD, startRelay, type TestRelay } from '../support/relay';

let r: TestRelay;
let admin: Api;
const anon = () => new Api(r.base, r.cert);

beforeAll(async () => {
  r = await startRelay({ RC_TURN: 'off' });
  admin = await new Api(r.base, r.cert).login('admin', ADMIN_PASSWORD);
});
afterAll(() => r.stop());

const operatorSecret = () =>
  Buffer.from(JSON.parse(readFileSync(join(r.dataDir, 'secrets.json'), 'utf8')).operatorJwtSecret, 'base64');

describe('login', () => {
  it('refuses a wrong password with invalid_credentials, and an unknown user the same way', async () => {
    const wrong = await anon().post('/api/v1/auth/login', { username: 'admin', password: 'nope' });
    expect(wrong.status).toBe(401);
    expect(wrong.body.error.code).toBe('invalid_credentials');
    const unknown = await anon().post('/api/v1/auth/login', { username: 'ghost', password: 'nope' });
    expect(unknown.status).toBe(401);
    expect(unknown.body.error).toEqual(wrong.body.error);
  });

  it('rate-limits failed logins per user with Retry-After', async () => {
    await admin.post('/api/v1/operators', { username: 'victim', password: 'victim-password-1', role: 'viewer' });
    const codes: number[] = [];
    for (let i = 0; i < 6; i++) {
      codes.push((await anon().post('/api/v1/auth/login', { username: 'victim', password: `guess${i}` })).status);
    }
    expect(codes.slice(0, 5)).toEqual([401, 401, 401, 401, 401]);
    const limited = await anon().post('/api/v1/auth/login', { username: 'victim', password: 'victim-password-1' });
    expect(limited.status).toBe(429);
    expect(limited.body.error.code).toBe('rate_limited');
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
  });

  it('refuses bodies that do not match the schema with bad_request', async () => {
    const r1 = await anon().post('/api/v1/auth/login', { username: 'admin' });
    expect(r1.status).toBe(400);
    expect(r1.body.error.code).toBe('bad_request');
    const r2 = await anon().post('/api/v1/auth/login', { username: 'admin', password: 'x', role: 'admin' });
    expect(r2.status).toBe(400);
  });
});

describe('tokens', () => {
  it('accepts its own JWT and refuses expired, forged, wrong-audience and alg=none ones', async () => {
    expect((await admin.get('/api/v1/me')).body.username).toBe('admin');
    const me = (await admin.get('/api/v1/me')).body.id;
    const opts = { issuer: 'rc-relay', audience: 'rc-relay:operator', subject: me } as const;
    const expired = jwt.sign(
      { name: 'admin', role: 'admin', exp: Math.floor(Date.now() / 1000) - 10 },
      operatorSecret(),
      {
        algorithm: 'HS256',
        issuer: opts.issuer,
        audience: opts.audience,
        subject: me,
      },
    );
    const forged = jwt.sign({ name: 'admin', role: 'admin' }, 'not-the-secret', { algorithm: 'HS256', ...opts });
    const otherAud = jwt.sign({ name: 'admin', role: 'admin' }, operatorSecret(), {
      algorithm: 'HS256',
      ...opts,
      audience: 'something-else',
    });
    const none = `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${Buffer.from(
      JSON.stringify({ sub: me, iss: 'rc-relay', aud: 'rc-relay:operator', exp: 9e9 }),
    ).toString('base64url')}.`;
    for (const token of [expired, forged, otherAud, none, 'garbage']) {
      const res = await anon().request('GET', '/api/v1/me', undefined, token);
      expect(res.status).toBe(401);
      expect(res.body.error.code).toBe('unauthorized');
    }
    // The console WebSocket refuses them before the upgrade.
    await expect(new TestConsole(anon()).connect(expired)).rejects.toThrow(/401/);
    await expect(new TestConsole(anon()).connect(forged)).rejects.toThrow(/401/);
  });

  it('a disabled operator is refused at once, with a token that has not expired', async () => {
    const created = await admin.post('/api/v1/operators', {
      username: 'temp',
      password: 'temp-password-1',
      role: 'operator',
    });
    const temp = await anon().login('temp', 'temp-password-1');
    expect((await temp.get('/api/v1/me')).status).toBe(200);
    await admin.patch(`/api/v1/operators/${created.body.id}`, { disabled: true });
    expect((await temp.get('/api/v1/me')).status).toBe(401);
  });
});

describe('own password', () => {
  it('needs the current one; the new one replaces it at the next login', async () => {
    await admin.post('/api/v1/operators', { username: 'pwuser', password: 'first-password-1', role: 'operator' });
    const u = await anon().login('pwuser', 'first-password-1');
    const wrong = await u.post('/api/v1/auth/password', {
      currentPassword: 'not-my-password',
      newPassword: 'second-password-2',
    });
    expect([wrong.status, wrong.body.error.code]).toEqual([401, 'invalid_credentials']);
    const short = await u.post('/api/v1/auth/password', { currentPassword: 'first-password-1', newPassword: 'short' });
    expect([short.status, short.body.error.code]).toEqual([400, 'bad_request']);
    const extra = await u.post('/api/v1/auth/password', {
      currentPassword: 'first-password-1',
      newPassword: 'second-password-2',
      role: 'admin',
    });
    expect(extra.status).toBe(400);
    const noToken = await anon().post('/api/v1/auth/password', {
      currentPassword: 'first-password-1',
      newPassword: 'second-password-2',
    });
    expect(noToken.status).toBe(401);

    const ok = await u.post('/api/v1/auth/password', {
      currentPassword: 'first-password-1',
      newPassword: 'second-password-2',
    });
    expect(ok.status).toBe(204);
    const old = await anon().post('/api/v1/auth/login', { username: 'pwuser', password: 'first-password-1' });
    expect(old.body.error.code).toBe('invalid_credentials');
    expect((await anon().login('pwuser', 'second-password-2')).token).toBeTruthy();
  });
});

describe('TOTP', () => {
  it('is required once enabled, and checked', async () => {
    await admin.post('/api/v1/operators', { username: 'totpuser', password: 'totp-password-1', role: 'operator' });
    const u = await anon().login('totpuser', 'totp-password-1');
    const setup = await u.post('/api/v1/auth/totp/setup');
    expect(setup.body.otpauthUrl).toMatch(/^otpauth:\/\/totp\//);
    const key = base32Decode(setup.body.secret);
    expect((await u.post('/api/v1/auth/totp/enable', { code: '000000' })).status).toBe(401);
    // Confirmed with the previous step's code (clock drift allowed), so the current one is still unused.
    expect((await u.post('/api/v1/auth/totp/enable', { code: totp(key, Date.now() - 30_000) })).status).toBe(204);

    const noCode = await anon().post('/api/v1/auth/login', { username: 'totpuser', password: 'totp-password-1' });
    expect(noCode.body.error.code).toBe('totp_required');
    const valid = new Set([-30_000, 0, 30_000].map((d) => totp(key, Date.now() + d)));
    const wrongCode = ['111111', '222222', '333333', '444444'].find((c) => !valid.has(c));
    const bad = await anon().post('/api/v1/auth/login', {
      username: 'totpuser',
      password: 'totp-password-1',
      totp: wrongCode,
    });
    expect(bad.body.error.code).toBe('totp_invalid');
    const code = totp(key);
    const login = () =>
      anon().post('/api/v1/auth/login', { username: 'totpuser', password: 'totp-password-1', totp: code });
    expect((await login()).status).toBe(200);
    // A code is good once (RFC 6238 §5.2): seen over a shoulder or in a proxy log, it cannot log in again.
    const replay = await login();
    expect(replay.status).toBe(401);
    expect(replay.body.error.code).toBe('totp_invalid');
    // Nor can the code that turned TOTP on: its step is before the one just used.
    const enabling = await anon().post('/api/v1/auth/login', {
      username: 'totpuser',
      password: 'totp-password-1',
      totp: totp(key, Date.now() - 30_000),
    });
    expect(enabling.body.error.code).toBe('totp_invalid');
  });

  it('an admin can turn it off for an operator who lost their authenticator', async () => {
    const created = await admin.post('/api/v1/operators', {
      username: 'lostphone',
      password: 'lost-password-1',
      role: 'operator',
    });
    const u = await anon().login('lostphone', 'lost-password-1');
    const key = base32Decode((await u.post('/api/v1/auth/totp/setup')).body.secret);
    expect((await u.post('/api/v1/auth/totp/enable', { code: totp(key) })).status).toBe(204);
    const noCode = await anon().post('/api/v1/auth/login', { username: 'lostphone', password: 'lost-password-1' });
    expect(noCode.body.error.code).toBe('totp_required');

    expect((await u.patch(`/api/v1/operators/${created.body.id}`, { totp: false })).status).toBe(403);
    expect((await admin.patch(`/api/v1/operators/${created.body.id}`, { totp: true })).status).toBe(400);
    const off = await admin.patch(`/api/v1/operators/${created.body.id}`, { totp: false });
    expect(off.status).toBe(200);
    expect(off.body.totpEnabled).toBe(false);
    const again = await anon().login('lostphone', 'lost-password-1');
    expect((await again.get('/api/v1/me')).body.totpEnabled).toBe(false);
    // The old secret is gone: setting up again gives a new one.
    const fresh = base32Decode((await again.post('/api/v1/auth/totp/setup')).body.secret);
    expect(fresh.equals(key)).toBe(false);
  });
});

describe('roles and device-group scope', () => {
  it('an operator outside a group can neither list nor open nor audit its devices', async () => {
    await admin.post('/api/v1/groups', { name: 'finance' });
    await admin.post('/api/v1/groups', { name: 'sales' });
    await admin.post('/api/v1/operators', {
      username: 'fin-op',
      password: 'fin-password-1',
      role: 'operator',
      groups: ['finance'],
    });
    const finAgent = await enrolledAgent(admin, { group: 'finance', hostname: 'fin-pc' });
    const salesAgent = await enrolledAgent(admin, { group: 'sales', hostname: 'sales-pc' });
    await finAgent.connect();
    await salesAgent.connect();
    const fin = await anon().login('fin-op', 'fin-password-1');

    const list = await fin.get('/api/v1/devices');
    expect(list.body.map((d: { hostname: string }) => d.hostname)).toEqual(['fin-pc']);
    expect((await fin.get(`/api/v1/devices/${salesAgent.deviceId}`)).status).toBe(404);
    const open = await fin.post('/api/v1/sessions', {
      deviceId: salesAgent.deviceId,
      mode: 'view',
      transport: 'internet',
    });
    expect(open.status).toBe(404);
    expect(open.body.error.code).toBe('not_found');
    const lan = await fin.post('/api/v1/sessions', { deviceId: salesAgent.deviceId, mode: 'view', transport: 'lan' });
    expect(lan.status).toBe(404);

    // Presence pushes only reach consoles in scope.
    const finConsole = await new TestConsole(fin).connect();
    const snap = await finConsole.inbox.wait('presence.snapshot');
    expect(snap.devices.map((d) => d.hostname)).toEqual(['fin-pc']);

    // The audit trail is scoped too.
    const s = await admin.post('/api/v1/sessions', { deviceId: salesAgent.deviceId, mode: 'view', transport: 'lan' });
    expect(s.status).toBe(201);
    const audit = await fin.get('/api/v1/sessions');
    expect(audit.body.some((e: { deviceId: string }) => e.deviceId === salesAgent.deviceId)).toBe(false);
    expect((await fin.get(`/api/v1/sessions/${s.body.sessionId}`)).status).toBe(404);

    // Admin-only calls.
    expect((await fin.post('/api/v1/enrollment-tokens', {})).status).toBe(403);
    expect(
      (await fin.post('/api/v1/operators', { username: 'x', password: 'xxxxxxxxxxxx', role: 'admin' })).status,
    ).toBe(403);
    expect((await fin.post(`/api/v1/devices/${finAgent.deviceId}/revoke`)).status).toBe(403);
    for (const p of [finAgent, salesAgent, finConsole]) await p.close();
  });

  it('a viewer may view but not control', async () => {
    await admin.post('/api/v1/operators', {
      username: 'watcher',
      password: 'watch-password-1',
      role: 'viewer',
      groups: ['default'],
    });
    const agent = await enrolledAgent(admin);
    await agent.connect();
    const v = await anon().login('watcher', 'watch-password-1');
    const control = await v.post('/api/v1/sessions', {
      deviceId: agent.deviceId,
      mode: 'control',
      transport: 'internet',
    });
    expect(control.status).toBe(403);
    expect(control.body.error.code).toBe('mode_not_allowed');
    const view = await v.post('/api/v1/sessions', { deviceId: agent.deviceId, mode: 'view', transport: 'internet' });
    expect(view.status).toBe(201);
    await agent.close();
  });
});
