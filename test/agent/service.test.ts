// The agent service through the real relay: enrollment with certificate pinning, presence and
// reports, consent (auto-accept, ask → accept/deny/timeout, policy deny), ticket checks, several
// sessions, and a relay restart that needs no agent restart.
import { createHash, generateKeyPairSync, X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SyntheticBackend } from '../../agent-client/src/backend/synthetic';
import { loadConfig, saveConfig } from '../../agent-client/src/config';
import { Api } from '../support/http';
import { TestConsole } from '../support/peers';
import { ADMIN_PASSWORD, startRelay, type TestRelay } from '../support/relay';
import { enrollConfig, startAgent, until } from './support';

let r: TestRelay;
let admin: Api;

beforeAll(async () => {
  r = await startRelay({ RC_TURN: 'off', RC_CONSENT_TIMEOUT_SECONDS: '1', RC_SESSION_GRACE_SECONDS: '5' });
  admin = await new Api(r.base, r.cert).login('admin', ADMIN_PASSWORD);
});
afterAll(() => r.stop());

/** The audit entry once the agent has answered. */
async function answered(sessionId: string): Promise<{ outcome: string; reason?: string }> {
  const end = Date.now() + 5000;
  for (;;) {
    const entry = (await admin.get(`/api/v1/sessions/${sessionId}`)).body;
    if (entry.outcome !== 'pending' || Date.now() > end) return entry;
    await new Promise((res) => setTimeout(res, 30));
  }
}

const synthetic = (consentAnswer: 'accept' | 'deny' | 'none', consentDelayMs = 0) =>
  new SyntheticBackend({ width: 320, height: 240, consentAnswer, consentDelayMs });

describe('enrollment and presence', () => {
  it('pins the self-signed relay, stores a 0600 config, and goes online with its facts', async () => {
    const cfg = await enrollConfig(admin, {}, { hostname: 'front-desk' });
    const relayFp = createHash('sha256').update(new X509Certificate(r.cert).raw).digest('hex');
    expect(cfg.serverFingerprint).toBe(relayFp);
    expect(cfg.cert.fingerprint).toMatch(/^[0-9a-f]{64}$/);
    const dir = mkdtempSync(join(tmpdir(), 'rc-agent-cfg-'));
    try {
      const path = join(dir, 'sub', 'agent.json');
      saveConfig(path, cfg);
      expect(statSync(path).mode & 0o777).toBe(0o600);
      expect(loadConfig(path)).toEqual(cfg);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }

    const a = await startAgent(cfg);
    const dev = (await admin.get(`/api/v1/devices/${cfg.deviceId}`)).body;
    expect(dev).toMatchObject({ hostname: 'front-desk', online: true, os: 'linux' });
    expect(dev.monitors[0]).toMatchObject({ width: 320, height: 240 });
    expect(dev.sessions.map((s: { id: string }) => s.id)).toEqual([':0', ':1']);
    // The device token never reaches the log.
    expect(a.logs()).not.toContain(cfg.deviceToken);
    await a.stop();
    await until(() => !a.agent.signalling.online);
  });

  it('refuses a relay whose certificate is not the pinned one', async () => {
    const cfg = await enrollConfig(admin);
    const other = await startRelay({ RC_TURN: 'off' });
    try {
      // Same credential, pointed at another relay with another self-signed certificate.
      const a = await startAgent({ ...cfg, server: other.base }, { waitOnline: false });
      await new Promise((res) => setTimeout(res, 600));
      expect(a.agent.signalling.online).toBe(false);
      expect(a.agent.signalling.connects).toBeGreaterThan(1);
      await a.stop();
    } finally {
      await other.stop();
    }
  });

  it('reports changed facts without reconnecting', async () => {
    const cfg = await enrollConfig(admin, { factsIntervalSeconds: 0.1 });
    const a = await startAgent(cfg);
    a.backend.setSessions([{ id: ':5', user: 'late', kind: 'x11', active: true, supported: true }]);
    await until(() => a.agent.signalling.connects === 1 && a.logs().includes('reported changed facts'));
    const dev = (await admin.get(`/api/v1/devices/${cfg.deviceId}`)).body;
    expect(dev.sessions).toEqual([{ id: ':5', user: 'late', kind: 'x11', active: true, supported: true }]);
    await a.stop();
  });
});

describe('consent', () => {
  async function request(
    cfgBase: Parameters<typeof enrollConfig>[1],
    backend: SyntheticBackend,
    mode: 'view' | 'control' = 'control',
  ) {
    const a = await startAgent(await enrollConfig(admin, cfgBase), { backend });
    const con = await new TestConsole(admin).connect();
    const s = await con.openSession(a.cfg.deviceId, mode);
    return { a, con, sessionId: s.sessionId };
  }

  it('auto-accept (local override) accepts and shows the indicator until the end', async () => {
    const { a, con, sessionId } = await request({ consent: 'auto-accept' }, synthetic('deny'));
    await con.inbox.wait('session.state', (m) => m.sessionId === sessionId && m.state === 'accepted');
    expect(a.backend.consentLog).toHaveLength(0);
    expect(a.backend.indicator).toEqual([{ sessionId, operator: 'admin', mode: 'control', userSession: ':0' }]);
    con.send({ type: 'session.end', sessionId });
    await until(() => a.agent.sessions.size === 0);
    expect(a.backend.indicator).toEqual([]);
    await con.close();
    await a.stop();
  });

  it('ask: the device user accepts', async () => {
    const { a, con, sessionId } = await request({}, synthetic('accept', 50), 'view');
    await con.inbox.wait('session.state', (m) => m.sessionId === sessionId && m.state === 'accepted');
    expect(a.backend.consentLog[0]).toMatchObject({
      sessionId,
      operator: 'admin',
      mode: 'view',
      transport: 'internet',
    });
    await con.close();
    await a.stop();
  });

  it('ask: the device user denies', async () => {
    const { a, con, sessionId } = await request({}, synthetic('deny', 20));
    const st = await con.inbox.wait('session.state', (m) => m.sessionId === sessionId && m.state === 'denied');
    expect(st.reason).toBe('user-denied');
    expect(a.agent.sessions.size).toBe(0);
    expect(a.backend.indicator).toEqual([]);
    await con.close();
    await a.stop();
  });

  it('ask: no answer in time is a consent-timeout deny', async () => {
    const { a, con, sessionId } = await request({}, synthetic('none'));
    const st = await con.inbox.wait('session.state', (m) => m.sessionId === sessionId && m.state !== 'pending', 3000);
    expect(st).toMatchObject({ state: 'denied', reason: 'consent-timeout' });
    expect((await admin.get(`/api/v1/sessions/${sessionId}`)).body).toMatchObject({
      outcome: 'denied',
      reason: 'consent-timeout',
    });
    await con.close();
    await a.stop();
  });

  it('the group policy deny, pushed while online, refuses without asking', async () => {
    await admin.post('/api/v1/groups', { name: 'kiosks', consent: 'ask', showIndicator: false });
    const a = await startAgent(await enrollConfig(admin, {}, { group: 'kiosks' }), { backend: synthetic('accept') });
    const groups = (await admin.get('/api/v1/groups')).body as { id: string; name: string }[];
    const kiosks = groups.find((g) => g.name === 'kiosks')!;
    await admin.patch(`/api/v1/groups/${kiosks.id}`, { consent: 'deny' });
    await until(() => a.agent.consent.effective === 'deny');
    const con = await new TestConsole(admin).connect();
    const s = await con.openSession(a.cfg.deviceId);
    // An immediate deny can beat the console's attach; the audit trail is where it always shows.
    expect(await answered(s.sessionId)).toMatchObject({ outcome: 'denied', reason: 'policy' });
    expect(a.backend.consentLog).toHaveLength(0);
    await con.close();
    await a.stop();
  });

  it('kiosk groups (showIndicator false) get no session indicator', async () => {
    await admin.post('/api/v1/groups', { name: 'unattended', consent: 'auto-accept', showIndicator: false });
    const a = await startAgent(await enrollConfig(admin, {}, { group: 'unattended' }));
    const con = await new TestConsole(admin).connect();
    const s = await con.openSession(a.cfg.deviceId);
    await con.inbox.wait('session.state', (m) => m.sessionId === s.sessionId && m.state === 'accepted');
    expect(a.agent.sessions.size).toBe(1);
    expect(a.backend.indicatorHistory.every((x) => x.length === 0)).toBe(true);
    await con.close();
    await a.stop();
  });

  it('a ticket that does not verify is denied before anything is shown', async () => {
    const cfg = await enrollConfig(admin, { consent: 'auto-accept' });
    // A different key than the relay signs with: every ticket fails the signature check.
    const wrongKey = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({
      type: 'spki',
      format: 'pem',
    }) as string;
    const a = await startAgent({ ...cfg, ticketPublicKey: wrongKey }, { backend: synthetic('accept') });
    const con = await new TestConsole(admin).connect();
    const s = await con.openSession(cfg.deviceId);
    expect(await answered(s.sessionId)).toMatchObject({ outcome: 'denied', reason: 'invalid-ticket' });
    expect(a.backend.consentLog).toHaveLength(0);
    expect(a.backend.indicatorHistory.flat()).toHaveLength(0);
    await con.close();
    await a.stop();
  });
});

describe('sessions', () => {
  it('two consoles hold sessions on one agent at once', async () => {
    const a = await startAgent(await enrollConfig(admin, { consent: 'auto-accept' }));
    await admin.post('/api/v1/operators', {
      username: 'second-op',
      password: 'second-password-1',
      role: 'operator',
      groups: ['default'],
    });
    const op2 = await new Api(r.base, r.cert).login('second-op', 'second-password-1');
    const c1 = await new TestConsole(admin).connect();
    const c2 = await new TestConsole(op2).connect();
    const s1 = await c1.openSession(a.cfg.deviceId, 'control');
    const s2 = await c2.openSession(a.cfg.deviceId, 'view');
    await c1.inbox.wait('session.state', (m) => m.sessionId === s1.sessionId && m.state === 'accepted');
    await c2.inbox.wait('session.state', (m) => m.sessionId === s2.sessionId && m.state === 'accepted');
    expect(
      a.agent
        .status()
        .sessions.map((s) => [s.operator, s.mode])
        .sort(),
    ).toEqual([
      ['admin', 'control'],
      ['second-op', 'view'],
    ]);
    expect(a.backend.indicator).toHaveLength(2);
    await c1.close();
    await c2.close();
    await a.stop();
  });
});

describe('relay restart', () => {
  it('the agent reconnects by itself and keeps its accepted session', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rc-agent-restart-'));
    let first: TestRelay | undefined = await startRelay({ RC_TURN: 'off', RC_SESSION_GRACE_SECONDS: '10' }, dir);
    let second: TestRelay | undefined;
    try {
      const api = await new Api(first.base, first.cert).login('admin', ADMIN_PASSWORD);
      const a = await startAgent(await enrollConfig(api, { consent: 'auto-accept' }));
      const con = await new TestConsole(api).connect();
      const s = await con.openSession(a.cfg.deviceId);
      await con.inbox.wait('session.state', (m) => m.sessionId === s.sessionId && m.state === 'accepted');
      await con.close();
      const port = first.port;
      await first.stop();
      first = undefined;
      await until(() => !a.agent.signalling.online, 5000, 'agent offline');
      expect(a.agent.sessions.has(s.sessionId)).toBe(true);

      second = await startRelay({ RC_TURN: 'off', RC_PORT: String(port), RC_SESSION_GRACE_SECONDS: '10' }, dir);
      await until(() => a.agent.signalling.online, 8000, 'agent back online');
      const api2 = await new Api(second.base, second.cert).login('admin', ADMIN_PASSWORD);
      expect((await api2.get(`/api/v1/devices/${a.cfg.deviceId}`)).body.online).toBe(true);
      // The session survived: the console re-attaches and finds it accepted, bound to the agent.
      const con2 = await new TestConsole(api2).connect();
      con2.send({ type: 'session.attach', sessionId: s.sessionId });
      await con2.inbox.wait('session.state', (m) => m.sessionId === s.sessionId && m.state === 'accepted');
      con2.send({ type: 'session.end', sessionId: s.sessionId });
      await until(() => !a.agent.sessions.has(s.sessionId), 5000, 'session ended at the agent');
      await con2.close();
      await a.stop();
    } finally {
      await first?.stop();
      await second?.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
