// Session rules: consent deny and timeout, nobody else can inject, revocation, surviving a short
// signalling outage, and ending on disconnect.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Api } from '../support/http';
import { enrolledAgent, TestAgent, TestConsole } from '../support/peers';
import { ADMIN_PASSWORD, startRelay, type TestRelay } from '../support/relay';

let r: TestRelay;
let admin: Api;

beforeAll(async () => {
  r = await startRelay({ RC_TURN: 'off', RC_CONSENT_TIMEOUT_SECONDS: '0.5', RC_SESSION_GRACE_SECONDS: '0.6' });
  admin = await new Api(r.base, r.cert).login('admin', ADMIN_PASSWORD);
});
afterAll(() => r.stop());

async function pair() {
  const agent = await (await enrolledAgent(admin)).connect();
  const con = await new TestConsole(admin).connect();
  const s = await con.openSession(agent.deviceId);
  await agent.inbox.wait('session.request', (m) => m.sessionId === s.sessionId);
  return { agent, con, sessionId: s.sessionId };
}

describe('consent', () => {
  it('a deny reaches the console and the audit', async () => {
    const { agent, con, sessionId } = await pair();
    agent.send({ type: 'session.deny', sessionId, reason: 'user-denied' });
    const st = await con.inbox.wait('session.state', (m) => m.state === 'denied');
    expect(st).toMatchObject({ sessionId, reason: 'user-denied' });
    const audit = (await admin.get(`/api/v1/sessions/${sessionId}`)).body;
    expect(audit).toMatchObject({ outcome: 'denied', reason: 'user-denied' });
    expect(audit.answeredAt).not.toBeNull();
    // A denied session cannot carry signalling.
    con.send({ type: 'signal', sessionId, payload: { kind: 'offer', sdp: 'x' } });
    expect((await con.inbox.wait('error')).code).toBe('session_not_found');
    await agent.close();
    await con.close();
  });

  it('no answer within the timeout counts as deny: timeout for the console, ended for the agent', async () => {
    const { agent, con, sessionId } = await pair();
    const st = await con.inbox.wait('session.state', (m) => m.state === 'timeout', 3000);
    expect(st.sessionId).toBe(sessionId);
    expect((await agent.inbox.wait('session.ended')).reason).toBe('consent-timeout');
    expect((await admin.get(`/api/v1/sessions/${sessionId}`)).body.outcome).toBe('timeout');
    // A late accept is refused.
    agent.send({ type: 'session.accept', sessionId });
    expect((await agent.inbox.wait('error')).code).toBe('session_not_found');
    await agent.close();
    await con.close();
  });

  it('a console that attaches after an instant deny still learns the outcome', async () => {
    const agent = await (await enrolledAgent(admin)).connect();
    const con = await new TestConsole(admin).connect();
    const res = await admin.post('/api/v1/sessions', { deviceId: agent.deviceId, mode: 'view', transport: 'internet' });
    const { sessionId } = res.body;
    await agent.inbox.wait('session.request', (m) => m.sessionId === sessionId);
    agent.send({ type: 'session.deny', sessionId, reason: 'policy' });
    await new Promise((r) => setTimeout(r, 150)); // the deny is settled before the console attaches
    con.send({ type: 'session.attach', sessionId });
    expect(await con.inbox.wait('session.state', (m) => m.sessionId === sessionId)).toMatchObject({
      state: 'denied',
      reason: 'policy',
    });
    // The outcome is handed over once.
    const ref = con.send({ type: 'session.attach', sessionId });
    expect((await con.inbox.wait('error', (e) => e.ref === ref)).code).toBe('session_not_found');
    await agent.close();
    await con.close();
  });

  it('refuses sessions with offline devices', async () => {
    const agent = await enrolledAgent(admin);
    const res = await admin.post('/api/v1/sessions', { deviceId: agent.deviceId, mode: 'view', transport: 'internet' });
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('device_offline');
  });
});

describe('isolation', () => {
  it('a third socket cannot inject into, attach to, accept or end a session', async () => {
    const { agent, con, sessionId } = await pair();
    agent.send({ type: 'session.accept', sessionId });
    await con.inbox.wait('session.state', (m) => m.state === 'accepted');
    con.inbox.all.length = 0;
    agent.inbox.all.length = 0;

    // Another operator's console.
    await admin.post('/api/v1/operators', { username: 'other', password: 'other-password-1', role: 'admin' });
    const intruder = await new TestConsole(await new Api(r.base, r.cert).login('other', 'other-password-1')).connect();
    for (const m of [
      { type: 'signal', sessionId, payload: { kind: 'offer', sdp: 'evil' } },
      { type: 'session.attach', sessionId },
      { type: 'session.end', sessionId },
    ]) {
      const ref = intruder.send(m);
      expect(await intruder.inbox.wait('error', (e) => e.ref === ref)).toMatchObject({ code: 'session_not_found' });
    }
    // A second console of the same operator cannot take over an attached session.
    const twin = await new TestConsole(admin).connect();
    const ref = twin.send({ type: 'session.attach', sessionId });
    expect((await twin.inbox.wait('error', (e) => e.ref === ref)).code).toBe('session_already_attached');
    // Another agent.
    const otherAgent = await (await enrolledAgent(admin)).connect();
    for (const m of [
      { type: 'signal', sessionId, payload: { kind: 'answer', sdp: 'evil' } },
      { type: 'session.accept', sessionId },
      { type: 'session.end', sessionId },
    ]) {
      const id = otherAgent.send(m);
      expect((await otherAgent.inbox.wait('error', (e) => e.ref === id)).code).toBe('session_not_found');
    }
    // Nothing of that reached the two ends, and the session still works.
    expect(agent.inbox.all.filter((m) => m.type === 'signal')).toEqual([]);
    expect(con.inbox.all.filter((m) => m.type === 'signal' || m.type === 'session.state')).toEqual([]);
    con.send({ type: 'signal', sessionId, payload: { kind: 'offer', sdp: 'real' } });
    expect((await agent.inbox.wait('signal')).payload).toEqual({ kind: 'offer', sdp: 'real' });
    for (const p of [agent, con, intruder, twin, otherAgent]) await p.close();
  });

  it('signalling before the agent accepts is refused', async () => {
    const { agent, con, sessionId } = await pair();
    const ref = con.send({ type: 'signal', sessionId, payload: { kind: 'offer', sdp: 'early' } });
    expect((await con.inbox.wait('error', (e) => e.ref === ref)).code).toBe('session_not_active');
    expect(agent.inbox.all.some((m) => m.type === 'signal')).toBe(false);
    await agent.close();
    await con.close();
  });
});

describe('revocation', () => {
  it('closes the live socket, ends its sessions, and refuses reconnection', async () => {
    const { agent, con, sessionId } = await pair();
    agent.send({ type: 'session.accept', sessionId });
    await con.inbox.wait('session.state', (m) => m.state === 'accepted');
    expect((await admin.post(`/api/v1/devices/${agent.deviceId}/revoke`)).status).toBe(204);
    expect((await agent.closed).code).toBe(4003);
    expect((await con.inbox.wait('session.state', (m) => m.state === 'ended')).reason).toContain('revoked');
    await con.inbox.wait('presence.remove', (m) => m.deviceId === agent.deviceId);
    const again = new TestAgent(admin);
    Object.assign(again, { deviceToken: agent.deviceToken });
    await expect(again.connect()).rejects.toThrow(/403/);
    expect((await admin.get(`/api/v1/devices/${agent.deviceId}`)).status).toBe(404);
    await con.close();
  });

  it('refuses a wrong device credential', async () => {
    const agent = await enrolledAgent(admin);
    Object.assign(agent, { deviceToken: `${agent.deviceId}.wrong` });
    await expect(agent.connect()).rejects.toThrow(/401/);
  });
});

describe('enrollment tokens', () => {
  it('honour max uses and expiry', async () => {
    const t = await admin.post('/api/v1/enrollment-tokens', { maxUses: 2 });
    await new TestAgent(admin).enroll(t.body.token);
    await new TestAgent(admin).enroll(t.body.token);
    await expect(new TestAgent(admin).enroll(t.body.token)).rejects.toThrow(/403/);
    const revoked = await admin.post('/api/v1/enrollment-tokens', {});
    await admin.delete(`/api/v1/enrollment-tokens/${revoked.body.id}`);
    await expect(new TestAgent(admin).enroll(revoked.body.token)).rejects.toThrow(/403/);
    await expect(new TestAgent(admin).enroll('et_made_up')).rejects.toThrow(/403/);
  });
});

describe('disconnects', () => {
  it('a session survives a short agent signalling outage when the agent lists it on reconnect', async () => {
    const { agent, con, sessionId } = await pair();
    agent.send({ type: 'session.accept', sessionId });
    await con.inbox.wait('session.state', (m) => m.state === 'accepted');
    await agent.close();
    // Sent while the agent is away: kept for it.
    con.send({ type: 'signal', sessionId, payload: { kind: 'candidate', candidate: 'candidate:late' } });
    await new Promise((res) => setTimeout(res, 100));
    await agent.connect({ activeSessions: [sessionId] });
    expect((await agent.inbox.wait('signal')).payload).toMatchObject({ candidate: 'candidate:late' });
    agent.send({ type: 'signal', sessionId, payload: { kind: 'answer', sdp: 'after-outage' } });
    expect((await con.inbox.wait('signal')).payload).toEqual({ kind: 'answer', sdp: 'after-outage' });
    await agent.close();
    await con.close();
  });

  it('ends the session when a side stays away past the grace period', async () => {
    const { agent, con, sessionId } = await pair();
    agent.send({ type: 'session.accept', sessionId });
    await con.inbox.wait('session.state', (m) => m.state === 'accepted');
    await con.close();
    const ended = await agent.inbox.wait('session.ended', (m) => m.sessionId === sessionId, 3000);
    expect(ended.reason).toContain('console disconnected');
    expect((await admin.get(`/api/v1/sessions/${sessionId}`)).body.endedAt).not.toBeNull();
    await agent.close();
  });

  it('a new request from the same operator withdraws their request whose console went away', async () => {
    // Its own relay, with a consent timeout long enough that only the withdrawal can end the request.
    const slow = await startRelay({ RC_TURN: 'off', RC_CONSENT_TIMEOUT_SECONDS: '30' });
    try {
      const op = await new Api(slow.base, slow.cert).login('admin', ADMIN_PASSWORD);
      const agent = await (await enrolledAgent(op)).connect();
      const con = await new TestConsole(op).connect();
      const first = await con.openSession(agent.deviceId);
      await agent.inbox.wait('session.request', (m) => m.sessionId === first.sessionId);
      await con.close(); // the console reloads while the device user is being asked
      const again = await new TestConsole(op).connect();
      const second = await again.openSession(agent.deviceId);
      const ended = await agent.inbox.wait('session.ended', (m) => m.sessionId === first.sessionId, 3000);
      expect(ended.reason).toBe('replaced by a new request');
      await agent.inbox.wait('session.request', (m) => m.sessionId === second.sessionId);
      const audit = (await op.get(`/api/v1/sessions/${first.sessionId}`)).body;
      expect(audit.outcome).toBe('cancelled');
      // The new request is untouched, and one whose console is still there is never withdrawn.
      const third = await again.openSession(agent.deviceId);
      await agent.inbox.wait('session.request', (m) => m.sessionId === third.sessionId);
      agent.send({ type: 'session.accept', sessionId: second.sessionId });
      await again.inbox.wait('session.state', (m) => m.sessionId === second.sessionId && m.state === 'accepted');
      await again.close();
      await agent.close();
    } finally {
      await slow.stop();
    }
  });

  it('a pending request ends when the agent disconnects', async () => {
    const { agent, con, sessionId } = await pair();
    await agent.close();
    expect(
      (await con.inbox.wait('session.state', (m) => m.sessionId === sessionId && m.state === 'ended')).reason,
    ).toBe('agent disconnected');
    await con.close();
  });
});
