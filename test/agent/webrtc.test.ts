// WebRTC sessions between the agent and a Node console peer (wrtc) through the real relay: video
// frames of the synthetic desktop arrive, input and clipboard reach the backend, view-only is
// refused, and a signalling outage does not end a session whose media is up.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SyntheticBackend } from '../../agent-client/src/backend/synthetic';
import { createWebRtcTransport } from '../../agent-client/src/transports/webrtc/factory';
import { Api } from '../support/http';
import { TestConsole } from '../support/peers';
import { ADMIN_PASSWORD, startRelay, type TestRelay } from '../support/relay';
import { RtcConsole } from './rtc-console';
import { type AgentUnderTest, enrollConfig, startAgent, until } from './support';

let r: TestRelay;
let admin: Api;
let a: AgentUnderTest;

beforeAll(async () => {
  r = await startRelay({ RC_TURN: 'off', RC_SESSION_GRACE_SECONDS: '10' });
  admin = await new Api(r.base, r.cert).login('admin', ADMIN_PASSWORD);
  const cfg = await enrollConfig(admin, { consent: 'auto-accept' });
  a = await startAgent(cfg, {
    webrtc: createWebRtcTransport,
    backend: new SyntheticBackend({ width: 640, height: 360, consentAnswer: 'accept', consentDelayMs: 0 }),
  });
});
afterAll(async () => {
  await a.stop();
  await r.stop();
});

async function session(mode: 'view' | 'control') {
  const con = await new TestConsole(admin).connect();
  const s = await con.openSession(a.cfg.deviceId, mode);
  await con.inbox.wait('session.state', (m) => m.sessionId === s.sessionId && m.state === 'accepted');
  const peer = await new RtcConsole(con, s.sessionId, s.reply.iceServers).start();
  return { con, peer, sessionId: s.sessionId };
}

describe('WebRTC session', () => {
  it('streams the screen as video and applies input and clipboard from the data channels', async () => {
    const { con, peer, sessionId } = await session('control');
    await until(() => peer.frames >= 10, 8000, 'video frames');
    expect([peer.width, peer.height]).toEqual([640, 360]);
    // The stamp survives the codec: frames carry their capture time.
    expect(peer.latencies.length).toBeGreaterThan(5);
    // The agent sends by the console's REMB, not transport-cc (remb.ts): its answer offers only REMB.
    const answer = peer.pc.remoteDescription?.sdp ?? '';
    expect(answer).toMatch(/a=rtcp-fb:\d+ goog-remb/);
    expect(answer).not.toMatch(/transport-cc|transport-wide-cc/);

    peer.send('input', { type: 'pointer', x: 100, y: 50, buttons: 0, wheelX: 0, wheelY: 0 });
    peer.send('input', { type: 'key', code: 'Enter', key: 'Enter', down: true, modifiers: 2 });
    await until(() => a.backend.inputLog.length >= 2, 3000, 'input at the backend');
    expect(a.backend.inputLog.map((e) => e.event.type)).toEqual(['pointer', 'key']);
    // The pointer is not drawn into the video; its position comes back on the control channel.
    await peer.waitFor('control', (f) => f.type === 'cursor' && f.x === 100 && f.y === 50);

    peer.send('clipboard', { type: 'clipboard', mime: 'text/plain', data: Buffer.from('über') });
    peer.send('clipboard', { type: 'clipboard.get' });
    const clip = await peer.waitFor('clipboard', (f) => f.type === 'clipboard');
    expect(clip.type === 'clipboard' && clip.data.toString()).toBe('über');

    a.backend.userCopies(':0', { mime: 'image/png', data: Buffer.from([0x89, 0x50, 0x4e, 0x47]) });
    const copied = await peer.waitFor('clipboard', (f) => f.type === 'clipboard' && f.mime === 'image/png');
    expect(copied.type === 'clipboard' && [...copied.data]).toEqual([0x89, 0x50, 0x4e, 0x47]);

    peer.send('control', { type: 'sessions.get' });
    const list = await peer.waitFor('control', (f) => f.type === 'sessions');
    expect(list.type === 'sessions' && list.sessions.length).toBe(2);
    // Switching the user session moves the video and the input to the other desktop.
    peer.send('control', { type: 'session.switch', id: ':1' });
    await peer.waitFor('control', (f) => f.type === 'sessions');
    const seen = peer.frames;
    await until(() => peer.frames > seen + 3, 5000, 'video after the switch');
    peer.send('input', { type: 'pointer', x: 7, y: 7, buttons: 0, wheelX: 0, wheelY: 0 });
    await until(() => a.backend.inputLog.length >= 3, 3000, 'input after the switch');
    expect(a.backend.inputLog.at(-1)?.session).toBe(':1');
    expect(a.backend.openCaptures).toBe(1);
    // The indicator follows: the user of the session now shown is told.
    expect(a.backend.indicator.map((i) => i.userSession)).toEqual([':1']);
    // Frames on the wrong channel are answered, not applied.
    peer.send('control', { type: 'pointer', x: 1, y: 1, buttons: 0, wheelX: 0, wheelY: 0 });
    expect(await peer.waitFor('control', (f) => f.type === 'error')).toMatchObject({ code: 'unexpected' });

    expect(a.agent.sessions.get(sessionId)?.transport?.kind).toBe('webrtc');
    peer.close();
    con.send({ type: 'session.end', sessionId });
    await until(() => !a.agent.sessions.has(sessionId), 5000, 'session end');
    await con.close();
  });

  it('view-only: input and clipboard writes are refused', async () => {
    const before = a.backend.inputLog.length;
    const { con, peer, sessionId } = await session('view');
    await until(() => peer.frames >= 1, 8000, 'video');
    peer.send('input', { type: 'pointer', x: 1, y: 1, buttons: 1, wheelX: 0, wheelY: 0 });
    peer.send('clipboard', { type: 'clipboard', mime: 'text/plain', data: Buffer.from('x') });
    expect(await peer.waitFor('input', (f) => f.type === 'error')).toMatchObject({ code: 'view_only' });
    expect(await peer.waitFor('clipboard', (f) => f.type === 'error')).toMatchObject({ code: 'view_only' });
    expect(a.backend.inputLog.length).toBe(before);
    expect(a.agent.sessions.get(sessionId)?.refused).toBe(2);
    peer.close();
    await con.close();
  });

  it('survives a signalling outage: media keeps flowing and the relay re-binds the session', async () => {
    const { con, peer, sessionId } = await session('control');
    await until(() => peer.frames >= 3, 8000, 'video');
    const connects = a.agent.signalling.connects;
    a.agent.signalling.retarget(a.cfg.server); // drops the relay socket; the agent reconnects
    await until(() => a.agent.signalling.connects > connects && a.agent.signalling.online, 5000, 'reconnect');
    const framesAfter = peer.frames;
    await until(() => peer.frames > framesAfter + 5, 5000, 'video after the outage');
    expect(a.agent.sessions.has(sessionId)).toBe(true);
    // Still bound at the relay: an end from the console reaches the agent.
    con.send({ type: 'session.end', sessionId });
    await until(() => !a.agent.sessions.has(sessionId), 5000, 'session end via the relay');
    peer.close();
    await con.close();
  });
  it('quality caps the video bitrate: the agent renegotiates, Low sends under its cap, High far more', async () => {
    // A 1280×720 desktop of its own: enough changing picture to fill more than the Low cap.
    const cfg = await enrollConfig(admin, { consent: 'auto-accept' });
    const big = await startAgent(cfg, {
      webrtc: createWebRtcTransport,
      backend: new SyntheticBackend({ width: 1280, height: 720, consentAnswer: 'accept', consentDelayMs: 0 }),
    });
    const con = await new TestConsole(admin).connect();
    try {
      const s = await con.openSession(cfg.deviceId, 'view');
      await con.inbox.wait('session.state', (m) => m.sessionId === s.sessionId && m.state === 'accepted');
      const peer = await new RtcConsole(con, s.sessionId, s.reply.iceServers).start();
      await until(() => peer.frames >= 5, 8000, 'video frames');
      const received = async () => {
        let bytes = 0;
        for (const st of (await peer.pc.getStats()).values())
          if (st.type === 'inbound-rtp' && st.kind === 'video') bytes += Number(st.bytesReceived ?? 0);
        return bytes;
      };
      /** Video bit rate over `ms`, after `settleMs` at this quality. */
      const rateAt = async (quality: number, settleMs: number, ms: number) => {
        peer.send('control', { type: 'settings', quality, fps: 30 });
        await new Promise((res) => setTimeout(res, settleMs));
        const b0 = await received();
        const t0 = performance.now();
        await new Promise((res) => setTimeout(res, ms));
        return (((await received()) - b0) * 8) / ((performance.now() - t0) / 1000);
      };
      const high = await rateAt(100, 3000, 2500);
      const offersBefore = peer.offersReceived;
      const low = await rateAt(1, 1500, 2500);
      console.log(
        `video bit rate: quality 100 ${(high / 1e3).toFixed(0)} kbit/s, quality 1 ${(low / 1e3).toFixed(0)} kbit/s`,
      );
      expect(peer.offersReceived).toBe(offersBefore + 1); // the agent's renegotiation for the new cap
      expect(low).toBeLessThan(300_000); // quality 1 caps at 259 kbit/s
      expect(high).toBeGreaterThan(2 * low);
      peer.close();
      con.send({ type: 'session.end', sessionId: s.sessionId });
    } finally {
      con.ws.close();
      await big.stop();
    }
  }, 40_000);
});
