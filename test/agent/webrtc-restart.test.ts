// A console that vanishes without a word: ICE fails (~16 s of consent checks in libwebrtc), the
// agent tries its one ICE restart through the relay, and when that does not reconnect it ends the
// session and tells the relay. Slow by nature, so it has its own file and runs beside the others.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { SyntheticBackend } from '../../agent-client/src/backend/synthetic';
import { WebRtcTransport } from '../../agent-client/src/transports/webrtc/transport';
import { Api } from '../support/http';
import { TestConsole } from '../support/peers';
import { ADMIN_PASSWORD, startRelay, type TestRelay } from '../support/relay';
import { RtcConsole } from './rtc-console';
import { type AgentUnderTest, enrollConfig, startAgent, until } from './support';

let r: TestRelay;
let admin: Api;
let a: AgentUnderTest;

beforeAll(async () => {
  r = await startRelay({ RC_TURN: 'off', RC_SESSION_GRACE_SECONDS: '30' });
  admin = await new Api(r.base, r.cert).login('admin', ADMIN_PASSWORD);
  const cfg = await enrollConfig(admin, { consent: 'auto-accept' });
  a = await startAgent(cfg, {
    webrtc: (s, ctx) => new WebRtcTransport(s, { ...ctx, restartGraceMs: 2000 }),
    backend: new SyntheticBackend({ width: 160, height: 120, consentAnswer: 'accept', consentDelayMs: 0 }),
  });
});
afterAll(async () => {
  await a.stop();
  await r.stop();
});

it('ICE failure: one restart offer, then the session ends', async () => {
  const con = await new TestConsole(admin).connect();
  const s = await con.openSession(a.cfg.deviceId, 'control');
  await con.inbox.wait('session.state', (m) => m.sessionId === s.sessionId && m.state === 'accepted');
  const peer = await new RtcConsole(con, s.sessionId, s.reply.iceServers).start();
  await until(() => peer.frames >= 2, 8000, 'video');
  peer.close(); // gone, without ending the session or closing the relay socket
  const restart = await con.inbox.wait(
    'signal',
    (m) => m.sessionId === s.sessionId && m.payload.kind === 'offer',
    40_000,
  );
  expect(restart.payload.kind === 'offer' && restart.payload.sdp).toContain('a=ice-ufrag');
  const ended = await con.inbox.wait(
    'session.state',
    (m) => m.sessionId === s.sessionId && m.state === 'ended',
    10_000,
  );
  expect(ended.reason).toContain('ICE restart did not reconnect');
  expect(a.agent.sessions.has(s.sessionId)).toBe(false);
  await con.close();
}, 60_000);
