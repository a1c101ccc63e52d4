// The whole signalling path through a real relay: enroll, online, pair, offer/answer/candidates, end.
import { createPublicKey, createVerify } from 'node:crypto';
import http2 from 'node:http2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Api } from '../support/http';
import { enrolledAgent, TestConsole } from '../support/peers';
import { ADMIN_PASSWORD, startRelay, type TestRelay } from '../support/relay';

let r: TestRelay;
let admin: Api;

beforeAll(async () => {
  r = await startRelay({ RC_TURN: 'off' });
  admin = await new Api(r.base, r.cert).login('admin', ADMIN_PASSWORD);
});
afterAll(() => r.stop());

/** Verifies an ES256 JWT with the key the agent got at enrollment, as the agent does. */
function verifyTicket(ticket: string, publicKeyPem: string) {
  const [h, p, s] = ticket.split('.') as [string, string, string];
  const header = JSON.parse(Buffer.from(h, 'base64url').toString());
  const ok = createVerify('sha256')
    .update(`${h}.${p}`)
    .verify({ key: createPublicKey(publicKeyPem), dsaEncoding: 'ieee-p1363' }, Buffer.from(s, 'base64url'));
  return { ok, header, claims: JSON.parse(Buffer.from(p, 'base64url').toString()) };
}

describe('pairing a console with an agent', () => {
  it('enrolls, goes online, pairs, relays offer/answer/candidates, and ends', async () => {
    const con = await new TestConsole(admin).connect();
    await con.inbox.wait('presence.snapshot');
    const agent = await enrolledAgent(admin, { hostname: 'reception-pc' });
    await agent.connect();

    const online = await con.inbox.wait('presence.update', (m) => m.device.id === agent.deviceId && m.device.online);
    expect(online.device.hostname).toBe('reception-pc');
    expect(online.device.monitors[0]?.width).toBe(1920);

    const list = await admin.get(`/api/v1/devices?online=true&q=reception`);
    expect(list.body.map((d: { id: string }) => d.id)).toEqual([agent.deviceId]);

    const { sessionId, reply } = await con.openSession(agent.deviceId, 'control');
    expect(reply.state).toBe('pending');
    await con.inbox.wait('session.state', (m) => m.sessionId === sessionId && m.state === 'pending');

    const req = await agent.inbox.wait('session.request', (m) => m.sessionId === sessionId);
    expect(req.mode).toBe('control');
    expect(req.operator.username).toBe('admin');
    const t = verifyTicket(req.ticket, agent.ticketPublicKey);
    expect(t.ok).toBe(true);
    expect(t.header.alg).toBe('ES256');
    expect(t.claims).toMatchObject({ aud: agent.deviceId, sid: sessionId, mode: 'control', iss: 'rc-relay' });
    expect(t.claims.exp).toBeGreaterThan(Date.now() / 1000);
    // The same signature over other claims (another device, view → control) does not verify.
    const [h, , sig] = req.ticket.split('.');
    const claims = Buffer.from(JSON.stringify({ ...t.claims, aud: 'd_other' })).toString('base64url');
    expect(verifyTicket(`${h}.${claims}.${sig}`, agent.ticketPublicKey).ok).toBe(false);

    agent.send({ type: 'session.accept', sessionId });
    await con.inbox.wait('session.state', (m) => m.sessionId === sessionId && m.state === 'accepted');

    con.send({ type: 'signal', sessionId, payload: { kind: 'offer', sdp: 'v=0 offer' } });
    const offer = await agent.inbox.wait('signal', (m) => m.sessionId === sessionId);
    expect(offer.payload).toEqual({ kind: 'offer', sdp: 'v=0 offer' });

    agent.send({ type: 'signal', sessionId, payload: { kind: 'answer', sdp: 'v=0 answer' } });
    expect((await con.inbox.wait('signal')).payload).toEqual({ kind: 'answer', sdp: 'v=0 answer' });

    const cand = {
      kind: 'candidate',
      candidate: 'candidate:1 1 udp 2122260223 192.0.2.10 50000 typ host',
      sdpMid: '0',
      sdpMLineIndex: 0,
    };
    agent.send({ type: 'signal', sessionId, payload: cand });
    con.send({
      type: 'signal',
      sessionId,
      payload: { ...cand, candidate: cand.candidate.replace('192.0.2.10', '192.0.2.99') },
    });
    expect((await con.inbox.wait('signal')).payload).toEqual(cand);
    expect((await agent.inbox.wait('signal')).payload).toMatchObject({ kind: 'candidate' });

    con.send({ type: 'session.end', sessionId, reason: 'done' });
    const ended = await agent.inbox.wait('session.ended', (m) => m.sessionId === sessionId);
    expect(ended.reason).toContain('done');

    const audit = await admin.get(`/api/v1/sessions?deviceId=${agent.deviceId}`);
    expect(audit.body[0]).toMatchObject({
      sessionId,
      outcome: 'accepted',
      mode: 'control',
      transport: 'internet',
      operator: 'admin',
    });
    expect(audit.body[0].endedAt).not.toBeNull();
    expect(audit.body[0].endReason).toContain('done');

    con.inbox.all.length = 0; // only updates caused by the disconnect below
    await agent.close();
    const offline = await con.inbox.wait('presence.update', (m) => m.device.id === agent.deviceId && !m.device.online);
    expect(offline.device.lastSeen).not.toBeNull();
    await con.close();
  });

  it('lets several consoles view one device and one console hold several sessions', async () => {
    const a1 = await enrolledAgent(admin);
    const a2 = await enrolledAgent(admin);
    await a1.connect();
    await a2.connect();
    const c1 = await new TestConsole(admin).connect();
    const c2 = await new TestConsole(admin).connect();
    const s1 = await c1.openSession(a1.deviceId, 'view');
    const s2 = await c2.openSession(a1.deviceId, 'view');
    const s3 = await c1.openSession(a2.deviceId, 'control');
    for (const [agent, s] of [
      [a1, s1],
      [a1, s2],
      [a2, s3],
    ] as const) {
      await agent.inbox.wait('session.request', (m) => m.sessionId === s.sessionId);
      agent.send({ type: 'session.accept', sessionId: s.sessionId });
    }
    await c1.inbox.wait('session.state', (m) => m.sessionId === s1.sessionId && m.state === 'accepted');
    await c2.inbox.wait('session.state', (m) => m.sessionId === s2.sessionId && m.state === 'accepted');
    await c1.inbox.wait('session.state', (m) => m.sessionId === s3.sessionId && m.state === 'accepted');
    // Each agent answer reaches only the console of that session.
    a1.send({ type: 'signal', sessionId: s2.sessionId, payload: { kind: 'answer', sdp: 'for-c2' } });
    a1.send({ type: 'signal', sessionId: s1.sessionId, payload: { kind: 'answer', sdp: 'for-c1' } });
    expect((await c2.inbox.wait('signal')).payload).toEqual({ kind: 'answer', sdp: 'for-c2' });
    expect((await c1.inbox.wait('signal', (m) => m.sessionId === s1.sessionId)).payload).toEqual({
      kind: 'answer',
      sdp: 'for-c1',
    });
    // Ending from the agent side reaches its console.
    a2.send({ type: 'session.end', sessionId: s3.sessionId, reason: 'user closed it' });
    await c1.inbox.wait('session.state', (m) => m.sessionId === s3.sessionId && m.state === 'ended');
    for (const p of [a1, a2, c1, c2]) await p.close();
  });

  it('hands out a LAN ticket with the agent addresses and fingerprint', async () => {
    const agent = await enrolledAgent(admin);
    await agent.connect();
    const res = await admin.post('/api/v1/sessions', { deviceId: agent.deviceId, mode: 'view', transport: 'lan' });
    expect(res.status).toBe(201);
    expect(res.body.lan).toMatchObject({
      addresses: ['192.0.2.10'],
      ports: { connect: 42189, screen: 42187, sessions: 42188 },
      certFingerprint: agent.certFingerprint,
    });
    const t = verifyTicket(res.body.lan.ticket, agent.ticketPublicKey);
    expect(t.ok).toBe(true);
    expect(t.claims).toMatchObject({ aud: agent.deviceId, sid: res.body.sessionId, transport: 'lan', mode: 'view' });
    agent.send({ type: 'session.report', sessionId: res.body.sessionId, event: 'accepted' });
    agent.send({ type: 'session.report', sessionId: res.body.sessionId, event: 'ended', reason: 'console closed' });
    await new Promise((r) => setTimeout(r, 200));
    const audit = await admin.get(`/api/v1/sessions/${res.body.sessionId}`);
    expect(audit.body).toMatchObject({ outcome: 'accepted', transport: 'lan', endReason: 'console closed' });
    await agent.close();
  });

  it('speaks HTTP/2 to clients that offer it, on the same port', async () => {
    const client = http2.connect(r.base, { ca: r.cert });
    const status = await new Promise<number>((resolve, reject) => {
      const req = client.request({ ':path': '/healthz' });
      req.on('response', (h) => resolve(Number(h[':status'])));
      req.on('error', reject);
      req.end();
    });
    client.close();
    expect(status).toBe(200);
  });

  it('exports Prometheus metrics', async () => {
    const m = await admin.get('/metrics');
    expect(m.status).toBe(200);
    expect(m.body).toMatch(/rc_sessions_total\{outcome="accepted"\} \d+/);
    expect(m.body).toContain('rc_agents_connected');
    expect(m.body).toContain('rc_signal_messages_total{peer="agent",type="hello"}');
  });
});
