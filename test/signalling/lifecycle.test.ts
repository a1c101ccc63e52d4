// Restart keeps data, heartbeats mark dead agents offline, SIGTERM drains, start-up errors say
// what to do, and logs carry no secrets.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Api } from '../support/http';
import { enrolledAgent, TestAgent, TestConsole } from '../support/peers';
import { ADMIN_PASSWORD, startRelay } from '../support/relay';

describe('restart', () => {
  it('keeps operators, groups, devices, tokens, audit, keys and certificate', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rc-relay-restart-'));
    try {
      const first = await startRelay({ RC_TURN: 'off' }, dir);
      const admin = await new Api(first.base, first.cert).login('admin', ADMIN_PASSWORD);
      await admin.post('/api/v1/groups', { name: 'lab', consent: 'auto-accept' });
      await admin.post('/api/v1/operators', {
        username: 'kept',
        password: 'kept-password-1',
        role: 'operator',
        groups: ['lab'],
      });
      const token = await admin.post('/api/v1/enrollment-tokens', { group: 'lab', maxUses: 2 });
      const agent = await new TestAgent(admin, 'persisted-pc').enroll(token.body.token);
      await agent.connect();
      const lan = await admin.post('/api/v1/sessions', { deviceId: agent.deviceId, mode: 'view', transport: 'lan' });
      await agent.close();
      await first.stop();

      // A different RC_ADMIN_PASSWORD on a later start changes nothing: it only seeds the first admin.
      const second = await startRelay({ RC_TURN: 'off', RC_ADMIN_PASSWORD: 'ignored-on-restart' }, dir);
      expect(second.cert).toBe(first.cert);
      const api2 = new Api(second.base, second.cert);
      api2.token = admin.token; // signed before the restart, still valid: the secret is kept
      expect((await api2.get('/api/v1/me')).status).toBe(200);
      await new Api(second.base, second.cert).login('admin', ADMIN_PASSWORD);
      await new Api(second.base, second.cert).login('kept', 'kept-password-1');
      const groups = (await api2.get('/api/v1/groups')).body.map((g: { name: string; consent: string }) => [
        g.name,
        g.consent,
      ]);
      expect(groups).toContainEqual(['lab', 'auto-accept']);
      const dev = await api2.get(`/api/v1/devices/${agent.deviceId}`);
      expect(dev.body).toMatchObject({ hostname: 'persisted-pc', group: 'lab', online: false });
      expect(dev.body.lastSeen).not.toBeNull();
      expect((await api2.get(`/api/v1/sessions/${lan.body.sessionId}`)).body.transport).toBe('lan');
      const tokens = (await api2.get('/api/v1/enrollment-tokens')).body;
      expect(tokens.find((t: { id: string }) => t.id === token.body.id)).toMatchObject({ uses: 1, maxUses: 2 });

      // The agent comes back with its credential and the same ticket key.
      const again = new TestAgent(api2, 'persisted-pc');
      Object.assign(again, { deviceId: agent.deviceId, deviceToken: agent.deviceToken });
      await again.connect();
      expect((await api2.get(`/api/v1/devices/${agent.deviceId}`)).body.online).toBe(true);
      const second2 = await new TestAgent(api2).enroll(token.body.token);
      expect(second2.ticketPublicKey).toBe(agent.ticketPublicKey);
      await again.close();
      await second.stop();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('relay restart during a session', () => {
  it('keeps an accepted session when both sides come back; ends one nobody resumes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rc-relay-resume-'));
    try {
      const env = { RC_TURN: 'off', RC_SESSION_GRACE_SECONDS: '1.5' };
      const first = await startRelay(env, dir);
      const admin = await new Api(first.base, first.cert).login('admin', ADMIN_PASSWORD);
      const agent = await (await enrolledAgent(admin)).connect();
      const con = await new TestConsole(admin).connect();
      const kept = await con.openSession(agent.deviceId);
      const dropped = await con.openSession(agent.deviceId);
      for (const s of [kept, dropped]) {
        await agent.inbox.wait('session.request', (m) => m.sessionId === s.sessionId);
        agent.send({ type: 'session.accept', sessionId: s.sessionId });
        await con.inbox.wait('session.state', (m) => m.sessionId === s.sessionId && m.state === 'accepted');
      }
      await first.stop();
      expect(agent.inbox.all.some((m) => m.type === 'session.ended')).toBe(false);

      const second = await startRelay(env, dir);
      const api2 = new Api(second.base, second.cert);
      api2.token = admin.token;
      const agent2 = new TestAgent(api2, agent.hostname);
      Object.assign(agent2, { deviceId: agent.deviceId, deviceToken: agent.deviceToken });
      await agent2.connect({ activeSessions: [kept.sessionId, dropped.sessionId] });
      const con2 = await new TestConsole(api2).connect();
      con2.send({ type: 'session.attach', sessionId: kept.sessionId });
      await con2.inbox.wait('session.state', (m) => m.sessionId === kept.sessionId && m.state === 'accepted');
      con2.send({ type: 'signal', sessionId: kept.sessionId, payload: { kind: 'offer', sdp: 'ice-restart' } });
      expect((await agent2.inbox.wait('signal')).payload).toEqual({ kind: 'offer', sdp: 'ice-restart' });
      // The console never came back for the other one.
      const ended = await agent2.inbox.wait('session.ended', (m) => m.sessionId === dropped.sessionId, 5000);
      expect(ended.reason).toContain('relay restarted');
      expect((await api2.get(`/api/v1/sessions/${kept.sessionId}`)).body.endedAt).toBeNull();
      await agent2.close();
      await con2.close();
      await second.stop();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('heartbeat', () => {
  it('closes an agent that stops answering pings and shows it offline; a live one stays', async () => {
    const r = await startRelay({ RC_TURN: 'off', RC_HEARTBEAT_SECONDS: '0.2', RC_HEARTBEAT_MISSED: '2' });
    try {
      const admin = await new Api(r.base, r.cert).login('admin', ADMIN_PASSWORD);
      const con = await new TestConsole(admin).connect();
      const dead = await (await enrolledAgent(admin, { hostname: 'silent' })).connect({ autoPong: false });
      const live = await (await enrolledAgent(admin, { hostname: 'chatty' })).connect();
      const t0 = Date.now();
      expect((await dead.closed).code).toBe(4008);
      const elapsed = Date.now() - t0;
      expect(elapsed).toBeGreaterThan(150);
      expect(elapsed).toBeLessThan(3000);
      await con.inbox.wait('presence.update', (m) => m.device.hostname === 'silent' && !m.device.online);
      await new Promise((res) => setTimeout(res, 800));
      const online = (await admin.get('/api/v1/devices?online=true')).body.map((d: { hostname: string }) => d.hostname);
      expect(online).toEqual(['chatty']);
      await live.close();
      await con.close();
    } finally {
      await r.stop();
    }
  });
});

describe('shutdown', () => {
  it('tells connected peers, closes them with 1001, and stops accepting', async () => {
    const r = await startRelay({ RC_TURN: 'off' });
    const admin = await new Api(r.base, r.cert).login('admin', ADMIN_PASSWORD);
    const agent = await (await enrolledAgent(admin)).connect();
    const con = await new TestConsole(admin).connect();
    const t0 = Date.now();
    await r.stop();
    expect(Date.now() - t0).toBeLessThan(3000);
    const msg = await agent.inbox.wait('shutdown');
    expect(msg.reconnectAfterMs).toBeGreaterThan(0);
    await con.inbox.wait('shutdown');
    expect((await agent.closed).code).toBe(1001);
    expect((await con.closed).code).toBe(1001);
    await expect(
      new Promise((resolve, reject) => {
        const s = net.connect(r.port, '127.0.0.1', () => resolve(s));
        s.on('error', reject);
      }),
    ).rejects.toThrow(/ECONNREFUSED/);
  });
});

describe('start-up', () => {
  function runMain(env: Record<string, string>) {
    return new Promise<{ code: number | null; out: string }>((resolve) => {
      const child = spawn(process.execPath, ['--import', 'tsx', 'server/src/main.ts'], {
        env: { ...process.env, RC_LOG_LEVEL: 'silent', ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      child.stdout.on('data', (d) => {
        out += d;
      });
      child.stderr.on('data', (d) => {
        out += d;
      });
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      child.on('exit', (code) => {
        clearTimeout(timer);
        resolve({ code, out });
      });
    });
  }

  it('says what to do when the port is taken, and lists every config problem', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rc-relay-start-'));
    const blocker = net.createServer();
    await new Promise<void>((res) => blocker.listen(0, '127.0.0.1', res));
    const port = (blocker.address() as net.AddressInfo).port;
    try {
      const busy = await runMain({ RC_PORT: String(port), RC_HOST: '127.0.0.1', RC_DATA_DIR: dir, RC_TURN: 'off' });
      expect(busy.code).toBe(1);
      expect(busy.out).toContain(`port ${port} is already in use`);
      expect(busy.out).toContain('RC_PORT');
      const bad = await runMain({ RC_PORT: 'x', RC_RELAY_PORTS: '10-20', RC_DATA_DIR: dir });
      expect(bad.code).toBe(2);
      expect(bad.out).toContain('RC_PORT');
      expect(bad.out).toContain('RC_RELAY_PORTS');
      // TURN must advertise a reachable address: a public name that does not resolve stops the start.
      const nx = await runMain({
        RC_PORT: '0',
        RC_HOST: '127.0.0.1',
        RC_DATA_DIR: dir,
        RC_PUBLIC_HOST: 'nowhere.invalid',
      });
      expect(nx.code).toBe(2);
      expect(nx.out).toContain('RC_PUBLIC_HOST nowhere.invalid does not resolve');
    } finally {
      blocker.close();
      rmSync(dir, { recursive: true, force: true });
    }
    // Three relay processes started one after another (~4 s each through tsx on a quiet 2-core host).
  }, 50_000);
});

describe('logs', () => {
  it('never carry passwords, tokens, tickets or SDP', async () => {
    const r = await startRelay({ RC_TURN: 'off' });
    try {
      const admin = await new Api(r.base, r.cert).login('admin', ADMIN_PASSWORD);
      await new Api(r.base, r.cert).post('/api/v1/auth/login', { username: 'admin', password: 'wrong-secret-pw' });
      const token = await admin.post('/api/v1/enrollment-tokens', {});
      const agent = await new TestAgent(admin).enroll(token.body.token);
      await agent.connect();
      const con = await new TestConsole(admin).connect();
      const { sessionId } = await con.openSession(agent.deviceId);
      const req = await agent.inbox.wait('session.request');
      agent.send({ type: 'session.accept', sessionId });
      await con.inbox.wait('session.state', (m) => m.state === 'accepted');
      con.send({ type: 'signal', sessionId, payload: { kind: 'offer', sdp: 'v=0 SECRET-ICE-PWD' } });
      await agent.inbox.wait('signal');
      await agent.close();
      await con.close();
      const logs = r.logs();
      expect(logs).toContain('session accepted'); // the log is there and has content
      for (const secret of [
        ADMIN_PASSWORD,
        'wrong-secret-pw',
        admin.token!,
        token.body.token,
        agent.deviceToken,
        agent.deviceToken.split('.')[1]!,
        req.ticket,
        'SECRET-ICE-PWD',
      ]) {
        expect(logs.includes(secret), `log contains ${secret.slice(0, 12)}…`).toBe(false);
      }
    } finally {
      await r.stop();
    }
  });
});
